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
//! - [`inherited`]: what an activity that declares no grants receives;
//! - [`path`]: where granted paths and programs are on disk;
//! - [`policy`]: what the operator allows ([`Allowance`], [`Permissions`]);
//! - [`policy_file`]: the operator's standing policy ([`PolicyFile`]);
//! - [`table`]: the grants table ([`GrantsTable`], [`Consent`]);
//! - [`prompt`]: asking the operator for missing grants ([`Prompter`]);
//! - [`deny`]: what the operator refuses whatever is allowed ([`Denials`]);
//! - [`conflict`]: requests refused whatever the operator allows ([`UnsafeGrant`]).

pub mod conflict;
pub mod deny;
pub mod host;
pub mod inherited;
pub mod path;
pub mod policy;
pub mod policy_file;
pub mod prompt;
pub mod request;
pub mod table;

pub use conflict::{UnsafeGrant, unsafe_grants};
pub use deny::{Denials, deny_flag};
pub use host::{HostPort, HostPortError};
pub use inherited::inherited;
pub use path::{lexical_path, resolve_path, resolve_program};
pub use policy::{AllowFlagError, Allowance, AllowedValue, MissingGrant, Permissions, Verdict};
pub use policy_file::{PolicyFile, PolicyFileError};
pub use prompt::{Answer, Prompter, ask_missing};
pub use request::{Capability, Grants};
pub use table::{Consent, GrantRow, GrantsTable, Origin, RequestSource, RowKind, Status, escape, rerun_flags};
