//! Why a component did not load, and why a call produced no output.

use crate::grant::GrantError;
use chaos_core::experiment::ComponentRef;
use std::path::PathBuf;
use std::time::Duration;

/// Why a component could not be loaded. Each message is complete, and names
/// the component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// `builtin:NAME` names no built-in component.
    #[error("there is no built-in component `builtin:{name}` (built-ins: {})", .known.join(", "))]
    UnknownBuiltin {
        /// The name asked for.
        name: String,
        /// The built-ins there are, as `builtin:NAME`.
        known: Vec<String>,
    },
    /// The component file cannot be read.
    #[error("cannot read the component file {}: {reason}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        reason: String,
    },
    /// The bytes are not a WebAssembly component wasmtime can compile.
    #[error("{component} is not a valid WebAssembly component: {reason}")]
    Invalid {
        /// The component.
        component: ComponentRef,
        /// wasmtime's error.
        reason: String,
    },
    /// The component does not fit the world it was loaded as (imports
    /// something the sandbox does not provide, lacks an export, or fails
    /// while describing itself).
    #[error("{component} does not work as an activity component: {reason}")]
    NotActivity {
        /// The component.
        component: ComponentRef,
        /// What is wrong.
        reason: String,
    },
    /// The component's bytes do not have the digest the experiment pins:
    /// it was changed (or swapped) since the pin was written, and is
    /// neither compiled nor loaded.
    #[error("{component} has SHA-256 {actual}, but its pin is {expected}: refusing to load a component that changed")]
    DigestMismatch {
        /// The component.
        component: ComponentRef,
        /// The pinned digest.
        expected: String,
        /// The digest of the bytes read.
        actual: String,
    },
    /// Compiling the component in a child process needed more memory than
    /// the compile memory limit ([`crate::CompileLimits::memory`]).
    #[error(
        "{component} needs more than the compile memory limit of {} MiB to compile, and was refused (if you trust it, raise the limit with --compile-memory-limit)",
        .limit >> 20
    )]
    CompileMemoryLimit {
        /// The component.
        component: ComponentRef,
        /// The limit, bytes.
        limit: usize,
    },
    /// Compiling the component in a child process took longer than the
    /// compile time limit ([`crate::CompileLimits::time`]); the child was
    /// killed.
    #[error(
        "{component} took longer than the compile time limit of {}s to compile, and was stopped (if you trust it, raise the limit with --compile-timeout)",
        fmt_secs(*.limit)
    )]
    CompileTimeout {
        /// The component.
        component: ComponentRef,
        /// The limit.
        limit: Duration,
    },
    /// Compilation stopped without a result (its thread panicked or the
    /// runtime is shutting down).
    #[error("compiling {component} stopped: {reason}")]
    Interrupted {
        /// The component.
        component: ComponentRef,
        /// Why.
        reason: String,
    },
}

/// Why a call produced no output. Each message completes the sentence
/// "activity 'x' ...".
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// The activity rejected its arguments.
    #[error("rejected its arguments: {0}")]
    InvalidArguments(String),
    /// The activity needed a capability it was not granted.
    #[error("was denied a capability: {0}")]
    CapabilityDenied(String),
    /// The activity ran and reported a failure.
    #[error("failed: {0}")]
    Failed(String),
    /// The call ran past its time limit.
    #[error("exceeded its time limit of {}s and was stopped", fmt_secs(*.0))]
    Timeout(Duration),
    /// The guest tried to grow its memory past the limit.
    #[error("exceeded its memory limit of {} MiB (it asked for {} MiB) and was stopped", .limit >> 20, .wanted.div_ceil(1 << 20))]
    MemoryLimit {
        /// The limit, bytes.
        limit: usize,
        /// What it asked for, bytes.
        wanted: usize,
    },
    /// The call's memory limit is larger than the pooling allocator's
    /// memory slot, so the limit could not be honoured.
    #[error("has a memory limit of {} MiB, more than the sandbox's memory slot of {} MiB", .limit >> 20, .slot >> 20)]
    MemoryLimitAboveSlot {
        /// The call's limit, bytes.
        limit: usize,
        /// The pool's slot, bytes.
        slot: usize,
    },
    /// The guest kept more host resources (WASI handles: `wasi:http` fields,
    /// requests, streams, ...) alive at once than a call may; see
    /// [`crate::host_resources`].
    #[error(
        "kept more than {limit} host resources (wasi:http fields, requests, streams, ...) alive at once, over the limit of {limit}, and was stopped"
    )]
    ResourceLimit {
        /// The limit: live resources.
        limit: usize,
    },
    /// The call's memory limit is larger than the sandbox's total memory
    /// budget for concurrent calls, so it could never run.
    #[error("has a memory limit of {} MiB, more than the total memory budget of {} MiB shared by all concurrent activities", .limit >> 20, .total >> 20)]
    MemoryLimitAboveTotal {
        /// The call's limit, bytes.
        limit: usize,
        /// The budget, bytes.
        total: usize,
    },
    /// The output was larger than allowed.
    #[error("returned {size} bytes of output, over its output limit of {limit} bytes")]
    OutputLimit {
        /// Output size, bytes.
        size: usize,
        /// The limit, bytes.
        limit: usize,
    },
    /// The output was not JSON.
    #[error("returned output that is not JSON: {0}")]
    BadOutput(String),
    /// The guest trapped (panicked, hit `unreachable`, ...).
    #[error("crashed: {0}")]
    Trap(String),
    /// A grant could not be turned into a capability.
    #[error("could not be given its grants: {0}")]
    Grant(String),
}

impl From<GrantError> for CallError {
    fn from(e: GrantError) -> Self {
        Self::Grant(e.to_string())
    }
}

fn fmt_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0}") } else { format!("{s}") }
}
