//! The `chaos:activity` world (`wit/activity.wit`): components that describe
//! their activities and run them with JSON arguments.

mod bindings;
pub(crate) mod call;
mod component;

pub use component::{
    ActivityInfo, ActivityMismatch, LoadedComponent, MAX_ACTIVITIES, MAX_DESCRIBED_BYTES, MAX_DESCRIPTION_BYTES,
    MAX_NAME_BYTES, MAX_SCHEMA_BYTES,
};

use crate::store::HostState;
use wasmtime::component::{HasSelf, Linker};

/// `shared` (WASI and `wasi:http`) plus the world's own imports:
/// `chaos:activity/log` and `chaos:activity/types`.
///
/// # Errors
/// When wasmtime refuses the definitions.
pub(crate) fn linker(mut shared: Linker<HostState>) -> wasmtime::Result<Linker<HostState>> {
    bindings::Activity::add_to_linker::<_, HasSelf<_>>(&mut shared, |state| state)?;
    Ok(shared)
}
