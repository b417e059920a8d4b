//! Where components come from: `builtin:NAME` (from a [`Builtins`]) or a
//! file.

use crate::error::LoadError;
use chaos_core::experiment::ComponentRef;
use chaos_core::input::{InputError, MAX_COMPONENT_BYTES, read_regular};
use std::borrow::Cow;

/// The built-in components a sandbox can load as `builtin:NAME`. The
/// sandbox does not embed them itself (`chaos-builtins` does), so that it
/// can be built and tested without building guests.
pub trait Builtins: Send + Sync {
    /// The component `builtin:NAME` and the SHA-256 of its bytes (lower-case
    /// hex), if there is one.
    fn get(&self, name: &str) -> Option<(&'static [u8], &'static str)>;
    /// The names of every built-in, for messages.
    fn names(&self) -> Vec<&'static str>;
}

/// No built-in components.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBuiltins;

impl Builtins for NoBuiltins {
    fn get(&self, _: &str) -> Option<(&'static [u8], &'static str)> {
        None
    }

    fn names(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

/// The bytes of the component `source` names, with their SHA-256 when it
/// is known without hashing (built-ins). Reading a file blocks; only a
/// regular file of at most [`MAX_COMPONENT_BYTES`] is read.
///
/// # Errors
/// [`LoadError::UnknownBuiltin`] or [`LoadError::Read`].
pub fn read_component(
    builtins: &dyn Builtins,
    source: &ComponentRef,
) -> Result<(Cow<'static, [u8]>, Option<&'static str>), LoadError> {
    match source {
        ComponentRef::Builtin(name) => match builtins.get(name) {
            Some((bytes, digest)) => Ok((Cow::Borrowed(bytes), Some(digest))),
            None => Err(LoadError::UnknownBuiltin {
                name: name.clone(),
                known: builtins.names().into_iter().map(|n| format!("builtin:{n}")).collect(),
            }),
        },
        ComponentRef::File(path) => read_regular(path, MAX_COMPONENT_BYTES)
            .map(|bytes| (Cow::Owned(bytes), None))
            .map_err(|e| LoadError::Read { path: path.clone(), reason: reason(e) }),
    }
}

/// Why a component file could not be read, without repeating its path.
fn reason(e: InputError) -> String {
    match e {
        InputError::Io { source, .. } => source.to_string(),
        InputError::NotRegular(_) => "it is not a regular file".into(),
        InputError::TooLarge { limit, .. } => format!("it is larger than the limit of {limit} bytes"),
    }
}
