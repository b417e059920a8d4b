//! [`CallOutcome`]: what a call returned, and what it was refused on the way.

use crate::error::CallError;
use chaos_core::journal::{Denial, Denials};
use serde_json::Value;

/// A call's output or error, with every denial the host recorded during it
/// (a success may carry denials too: a guest that tried an ungranted
/// address and then did its work anyway).
#[derive(Debug, Clone, PartialEq)]
pub struct CallOutcome {
    /// The output, or why there is none.
    pub result: Result<Value, CallError>,
    /// What was refused, in order (bounded).
    pub denials: Denials,
}

impl CallOutcome {
    /// `result` with `denials`; the guest's own `capability-denied` error
    /// is recorded as a denial (capability `activity`, its message as the
    /// detail) unless the host already recorded the refusal behind it.
    pub(crate) fn new(result: Result<Value, CallError>, mut denials: Denials) -> Self {
        if let Err(CallError::CapabilityDenied(message)) = &result
            && denials.is_empty()
        {
            denials.push(Denial::new("activity", "", message.clone()));
        }
        Self { result, denials }
    }
}
