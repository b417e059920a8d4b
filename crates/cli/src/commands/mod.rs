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
use chaos_sandbox::Sandbox;
use std::sync::Arc;

/// The sandbox, with the built-in components and the default component cache.
///
/// # Errors
/// When the engine cannot start on this platform.
pub fn sandbox() -> anyhow::Result<Arc<Sandbox>> {
    chaos_runtime::default_sandbox().context("cannot start the sandbox")
}
