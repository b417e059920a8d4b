//! What activities ask for (`grants` in an experiment) and what the operator
//! allows (`--allow-*` flags), and the comparison of the two that `chaos run`
//! makes before anything runs.
//!
//! This module is pure data: it does not depend on wasmtime, so validation
//! and the CLI use it without a runtime. `chaos-sandbox` turns granted
//! requests into WASI capabilities.
//!
//! - [`request`]: what an activity requests ([`Grants`], [`Capability`]);
//! - [`host`]: network grant values ([`HostPort`]);
//! - [`path`]: where granted paths and programs are on disk;
//! - [`policy`]: what the operator allows ([`Allowance`], [`Permissions`]);
//! - [`conflict`]: requests refused whatever the operator allows ([`UnsafeGrant`]).

pub mod conflict;
pub mod host;
pub mod path;
pub mod policy;
pub mod request;

pub use conflict::{UnsafeGrant, unsafe_grants};
pub use host::{HostPort, HostPortError};
pub use path::{lexical_path, resolve_path, resolve_program};
pub use policy::{AllowFlagError, Allowance, AllowedValue, MissingGrant, Permissions};
pub use request::{Capability, Grants};
