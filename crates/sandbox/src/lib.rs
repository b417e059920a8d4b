//! `chaos-sandbox`: the WebAssembly sandbox that runs components.
//!
//! It owns wasmtime: the engine and its epoch ticker, the compiled-artifact
//! cache, the instance allocator, the linker, the store of each call, grants
//! turned into WASI capabilities, and the limits. It depends on
//! `chaos-core` for the grant grammar and the component reference, and it
//! must not depend on anything that runs experiments: no runner, no
//! providers, no CLI, no reqwest, no clap.
//!
//! A [`Sandbox`] is built by a [`SandboxBuilder`], whose documentation lists
//! every default. Each call gets a fresh [`wasmtime::Store`] whose WASI
//! context holds exactly the capabilities granted to that activity, and
//! nothing else: no preopened directories, no sockets, no environment, no
//! inherited stdio. Grants are prepared once per run ([`PreparedGrants`])
//! and applied to each call.
//!
//! Limits, per call in [`CallOptions`]:
//! - memory: [`Limits::DEFAULT_MEMORY`] bytes of linear memory and tables;
//! - time: [`Limits::DEFAULT_TIMEOUT`], enforced twice: an epoch deadline
//!   traps wasm that runs too long, and a host-side timeout stops a guest
//!   blocked in a host call; wasm yields at every epoch tick, so whoever
//!   awaits a call (that timeout, a signal) can drop it within a tick;
//! - output: [`Limits::DEFAULT_OUTPUT`] bytes of JSON output (error
//!   messages too), and [`Limits::DEFAULT_LOG`] bytes of stdout/stderr/log
//!   per call;
//! - host resources (not counted as memory): [`host_resources`].
//!
//! And for all calls at once: a memory budget
//! ([`SandboxBuilder::DEFAULT_TOTAL_MEMORY`]) that each call takes its
//! memory limit from before it instantiates, waiting while it is used up.
//!
//! Layout: `store` builds the world-agnostic host state and the linker part
//! every world shares; `world::activity` is the `chaos:activity` world, one
//! user of it; `grant::{fs,net,env}` prepare and apply each kind of grant;
//! `grant::lookup` answers guests' name lookups from the network grant,
//! `grant::http` and `grant::pinned` send `wasi:http` requests to vetted
//! addresses only, and `grant::ranges` holds the addresses a granted name
//! may not lead to.

#![deny(missing_docs)]

mod budget;
mod builder;
mod builtins;
mod cache;
mod compile;
mod denials;
mod engine;
mod error;
mod grant;
mod header;
pub mod host_resources;
pub mod limiter;
mod limits;
mod options;
mod outcome;
mod output;
pub mod pool;
mod sandbox;
mod store;
mod version;
mod world;

pub use builder::{SandboxBuilder, SandboxError};
pub use builtins::{Builtins, NoBuiltins, read_component};
pub use compile::{COMPILE_CHILD_ARG, CompileLimits, serve_compile_child};
pub use denials::DenialLog;
pub use error::{CallError, LoadError};
pub use grant::{GrantError, PreparedEnvGrant, PreparedFsGrant, PreparedGrants, PreparedNetGrant};
pub use limits::Limits;
pub use options::CallOptions;
pub use outcome::CallOutcome;
pub use sandbox::Sandbox;
pub use version::WASMTIME_VERSION;
pub use world::activity::{
    ActivityInfo, ActivityMismatch, LoadedComponent, MAX_ACTIVITIES, MAX_DESCRIBED_BYTES, MAX_DESCRIPTION_BYTES,
    MAX_NAME_BYTES, MAX_SCHEMA_BYTES,
};
pub use world::python::{PYTHON_RUNNER, PythonCall, PythonRunner};
