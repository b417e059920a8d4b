//! The error an activity returns.

use crate::__bindings::chaos::activity::types::ActivityError as WitError;
use std::fmt;
use std::io;

/// Why an activity did not produce an output. The host records the message
/// in the journal and names the activity next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivityError {
    /// The arguments do not match what the activity accepts.
    InvalidArguments(String),
    /// The activity needed a capability it was not granted.
    CapabilityDenied(String),
    /// The activity ran and failed.
    Failed(String),
}

impl ActivityError {
    /// A failure with this message.
    pub fn failed(message: impl fmt::Display) -> Self {
        Self::Failed(message.to_string())
    }

    /// Turns an I/O error about `what` (a path, a host) into an activity
    /// error: `PermissionDenied` means the sandbox refused; `NotFound` may
    /// also mean the path lies outside every granted directory (WASI shows
    /// nothing there); anything else is a plain failure.
    pub fn io(what: impl fmt::Display, err: io::Error) -> Self {
        match err.kind() {
            io::ErrorKind::PermissionDenied => {
                Self::CapabilityDenied(format!("{what}: {err} (not granted to this activity)"))
            }
            io::ErrorKind::NotFound => {
                Self::Failed(format!("{what}: not found (or outside the directories granted to this activity)"))
            }
            _ => Self::Failed(format!("{what}: {err}")),
        }
    }
}

impl fmt::Display for ActivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidArguments(m) => write!(f, "invalid arguments: {m}"),
            Self::CapabilityDenied(m) => write!(f, "capability denied: {m}"),
            Self::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ActivityError {}

impl From<ActivityError> for WitError {
    fn from(err: ActivityError) -> Self {
        match err {
            ActivityError::InvalidArguments(m) => WitError::InvalidArguments(m),
            ActivityError::CapabilityDenied(m) => WitError::CapabilityDenied(m),
            ActivityError::Failed(m) => WitError::Failed(m),
        }
    }
}
