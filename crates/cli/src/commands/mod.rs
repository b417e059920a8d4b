//! One module per command. Each takes its arguments and the resolved
//! values, calls the libraries, reports, and returns the exit code of its
//! outcome (`anyhow::Result<ExitCode>`); errors are printed by `main`.

pub mod discover;
pub mod grants;
pub mod info;
pub mod init;
pub mod run;
pub mod settings;
pub mod validate;

use anyhow::Context as _;
use chaos_sandbox::{CompileLimits, Limits, Sandbox};
use std::sync::Arc;

/// The sandbox, with the built-in components and the default component
/// cache, compiling component files in a child process under `compile`
/// (`main` serves that child: [`chaos_sandbox::serve_compile_child`]).
///
/// # Errors
/// When the engine cannot start on this platform.
pub fn sandbox(compile: CompileLimits) -> anyhow::Result<Arc<Sandbox>> {
    let mut builder = chaos_runtime::default_sandbox_builder();
    builder.compile_in_child(compile);
    builder.build().context("cannot start the sandbox")
}

/// The sandbox of a run: [`sandbox`] under the operator's limits, which
/// also apply to components describing themselves while they load, and
/// with the operator's memory budget for all concurrent activities.
///
/// # Errors
/// When the engine cannot start on this platform.
pub fn run_sandbox(limits: Limits, total_memory: usize, compile: CompileLimits) -> anyhow::Result<Arc<Sandbox>> {
    let mut builder = chaos_runtime::default_sandbox_builder();
    builder.limits(limits).max_total_memory(total_memory)?.compile_in_child(compile);
    builder.build().context("cannot start the sandbox")
}
