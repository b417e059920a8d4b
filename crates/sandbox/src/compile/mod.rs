//! Compiling a component: in this process, or in a child process under a
//! memory and a time limit.
//!
//! Cranelift's time and memory grow with the component: a 36 MB component
//! took 29 s and 4 GB. A component from a file is input the operator may
//! not have vetted, so a sandbox built with
//! [`crate::SandboxBuilder::compile_in_child`] compiles it in a child
//! process: this program re-run with [`COMPILE_CHILD_ARG`] (its `main` must
//! hand that over to [`serve_compile_child`]), whose address space is
//! capped with `setrlimit(RLIMIT_AS)` and which is killed at the time
//! limit. The child reads the component on stdin and writes the compiled
//! artifact on stdout; it never sees the cache's key: the parent
//! authenticates and stores the artifact (see `cache`). Built-in
//! components are trusted and compiled in this process.

mod child;
mod limits;
mod serve;

pub(crate) use child::compile_in_child;
pub use limits::CompileLimits;
pub use serve::{COMPILE_CHILD_ARG, serve_compile_child};

use crate::error::LoadError;
use chaos_core::experiment::ComponentRef;
use wasmtime::Engine;
use wasmtime::component::Component;

/// A compiled component, with its serialized artifact when the compiler
/// produced one (a child does), so that the cache need not serialize again.
pub(crate) struct Compiled {
    /// The component, ready to instantiate.
    pub component: Component,
    /// The artifact it was deserialized from, if any.
    pub artifact: Option<Vec<u8>>,
}

/// How a sandbox compiles components that are not built-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compiler {
    /// In this process, without limits.
    InProcess,
    /// In a child process, under these limits.
    Child(CompileLimits),
}

impl Compiler {
    /// Compiles `bytes`, the component `source` names. Built-ins always
    /// compile in this process.
    pub(crate) fn compile(&self, engine: &Engine, source: &ComponentRef, bytes: &[u8]) -> Result<Compiled, LoadError> {
        // Compiling takes from a fraction of a second (a built-in) to half a
        // minute (the Python runner): say so, once per component; the
        // artifact cache makes it a one-off per machine.
        tracing::info!(
            "Compiling {source} ({:.1} MB) for this machine; later runs load it from the cache",
            bytes.len() as f64 / 1e6
        );
        match (self, source) {
            (Self::Child(limits), ComponentRef::File(_)) => compile_in_child(engine, source, bytes, limits),
            _ => Component::new(engine, bytes)
                .map(|component| Compiled { component, artifact: None })
                .map_err(|e| LoadError::Invalid { component: source.clone(), reason: format!("{e:#}") }),
        }
    }
}
