//! The crate boundary the architecture relies on: `chaos-core` is usable
//! without a WebAssembly runtime, an async runtime, an HTTP client or a
//! command-line parser.

use std::process::Command;

#[test]
fn core_depends_on_no_runtime_http_client_or_cli_parser() {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none", "-p", "chaos-core"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(tree.contains("chaos-core"), "{tree}");
    for forbidden in ["wasmtime", "tokio ", "reqwest", "clap ", "hyper"] {
        let found: Vec<&str> = tree.lines().filter(|line| line.starts_with(forbidden)).collect();
        assert!(found.is_empty(), "chaos-core depends on {found:?}");
    }
}
