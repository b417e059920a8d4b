//! The `chaos` binary: everything is in the library; see [`chaos::cli`].

fn main() -> std::process::ExitCode {
    chaos::cli::main()
}
