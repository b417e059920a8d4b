//! `chaos-runtime`: runs validated experiments.
//!
//! [`Session`] is the facade: an experiment in, a journal out, as `chaos
//! run` does. Under it, this crate owns everything that needs an async
//! runtime or the network: loading an experiment from an http(s) URL
//! ([`load_source`]), the component checks of validation ([`components`]),
//! the run [`plan`] (every activity with its provider, and the grant check
//! against the operator's permissions), the providers that carry out
//! activities ([`providers`]: one trait; wasm through `chaos-sandbox`, http
//! with reqwest, process), and the runner with its phases and events
//! ([`runner`]). It builds on `chaos-core`
//! (the model) and `chaos-sandbox` (wasmtime); the `chaos` binary builds on
//! it and holds no orchestration of its own.
#![deny(missing_docs)]

pub mod audit;
pub mod components;
pub mod plan;
pub mod prepare;
pub mod providers;
mod remote;
pub mod runner;
pub mod session;

pub use plan::{CheckedPlan, GrantsRefused, Plan};
pub use remote::load_source;
pub use session::{RunOutcome, Session, SessionBuilder, SessionError};

/// The built-in components (`chaos-builtins`), as the sandbox asks for them.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbeddedBuiltins;

impl chaos_sandbox::Builtins for EmbeddedBuiltins {
    fn get(&self, name: &str) -> Option<(&'static [u8], &'static str)> {
        chaos_builtins::get(name).map(|b| (b.bytes, b.sha256))
    }

    fn names(&self) -> Vec<&'static str> {
        chaos_builtins::names().collect()
    }
}

/// A sandbox with the built-in components and the default artifact cache.
///
/// # Errors
/// When the engine cannot be configured on this platform.
pub fn default_sandbox() -> anyhow::Result<std::sync::Arc<chaos_sandbox::Sandbox>> {
    Ok(default_sandbox_builder().build()?)
}

/// The builder of [`default_sandbox`]: the built-in components and the
/// default artifact cache, every other setting at its default. Set the
/// operator's limits on it ([`chaos_sandbox::SandboxBuilder::limits`]) so
/// components are described under them, not under the built-in defaults.
pub fn default_sandbox_builder() -> chaos_sandbox::SandboxBuilder {
    let mut builder = chaos_sandbox::SandboxBuilder::new();
    builder.builtins(EmbeddedBuiltins);
    if let Some(dir) = chaos_sandbox::Sandbox::default_cache_dir() {
        builder.cache_dir(dir);
    }
    builder
}
