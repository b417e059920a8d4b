//! Activities that attack the host's resources through what the sandbox
//! gives back: error messages larger than any output limit.

use chaos_guest_sdk::{ActivityError, JsonSchema, schemars};
use serde::Deserialize;

/// The size of the error message, bytes.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorSize {
    /// Bytes of message.
    bytes: usize,
    /// Which error: `failed`, `invalid-arguments` or `capability-denied`.
    kind: String,
}

/// Fails with a message of `bytes` bytes.
pub fn long_error(args: ErrorSize) -> Result<(), ActivityError> {
    let message = "E".repeat(args.bytes);
    Err(match args.kind.as_str() {
        "invalid-arguments" => ActivityError::InvalidArguments(message),
        "capability-denied" => ActivityError::CapabilityDenied(message),
        _ => ActivityError::Failed(message),
    })
}
