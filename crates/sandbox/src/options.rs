//! How to run one call.

use crate::grant::PreparedGrants;
use crate::limits::Limits;
use std::sync::Arc;

/// How to run one call: who it is for (log prefix), what it is granted and
/// its limits.
#[derive(Debug, Clone)]
pub struct CallOptions {
    /// The activity's name, used in logs.
    pub activity: String,
    /// What the activity is granted, prepared once per run (and already
    /// checked against the operator's permissions).
    pub grants: Arc<PreparedGrants>,
    /// Resource limits.
    pub limits: Limits,
}

impl CallOptions {
    /// No grants, default limits.
    pub fn new(activity: impl Into<String>) -> Self {
        Self { activity: activity.into(), grants: Arc::default(), limits: Limits::default() }
    }
}
