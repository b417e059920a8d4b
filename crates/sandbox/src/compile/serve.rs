//! The child side of compiling in a child process: read a component on
//! stdin, compile it under an address-space limit, write the artifact on
//! stdout.

use crate::builder::SandboxBuilder;
use crate::engine::{EngineSettings, new_engine};
use chaos_core::input::MAX_COMPONENT_BYTES;
use std::io::{Read, Write};
use std::process::ExitCode;

/// The first argument that makes this program a compile child: a program
/// whose sandbox compiles in a child (see
/// [`crate::SandboxBuilder::compile_in_child`]) must, when it is started
/// with this argument, call [`serve_compile_child`] and exit with its code
/// before doing anything else.
pub const COMPILE_CHILD_ARG: &str = "__compile";

/// Exit code of a child whose component did not compile (its error is on
/// stderr).
pub(crate) const EXIT_INVALID: u8 = 3;

/// Runs the compile child: `PROGRAM __compile MEMORY_BYTES`. Caps the
/// address space at `MEMORY_BYTES`, dies with its parent, reads the
/// component on stdin and writes the compiled artifact on stdout. Exits 0
/// on success, 3 with the error on stderr when the component does not
/// compile, 2 for bad arguments; allocation failure aborts.
pub fn serve_compile_child() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let memory = match args.as_slice() {
        [first, memory] if first == COMPILE_CHILD_ARG => memory.parse::<u64>().ok(),
        _ => None,
    };
    let Some(memory) = memory else {
        eprintln!("usage: {COMPILE_CHILD_ARG} MEMORY_BYTES (component on stdin)");
        return ExitCode::from(2);
    };
    die_with_parent();
    let limit = libc::rlimit { rlim_cur: memory, rlim_max: memory };
    // SAFETY: `setrlimit` reads the struct it is given and nothing else.
    if unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) } != 0 {
        eprintln!("cannot limit the compiler's memory: {}", std::io::Error::last_os_error());
        return ExitCode::from(2);
    }
    match compile() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}

/// Compiles stdin to stdout with the sandbox's engine configuration.
fn compile() -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    std::io::stdin().lock().take(MAX_COMPONENT_BYTES).read_to_end(&mut bytes)?;
    // The allocator does not change the artifact: an on-demand engine
    // compiles for a pooling one too (and reserves no pool here).
    let engine = new_engine(&EngineSettings { epoch_tick: SandboxBuilder::DEFAULT_EPOCH_TICK, pool: None })?;
    let artifact = engine.precompile_component(&bytes)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&artifact)?;
    out.flush()?;
    Ok(())
}

/// Asks the kernel to kill this process when its parent dies, so that a
/// compilation its parent gave up on does not go on.
fn die_with_parent() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_PDEATHSIG takes a signal number and changes nothing else.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
}
