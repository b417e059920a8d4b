//! The audit trail of one activity call: every denial (what the sandbox
//! refused the guest, the activity's own `capability-denied`, a host-side
//! refusal such as an ungranted http provider URL or redirect) is logged
//! as a warning when it happens and kept for the activity's run record
//! (`"denials"` in the journal).

use chaos_core::journal::{Denial, Denials};
use std::sync::{Mutex, PoisonError};

/// Collects the denials of one activity call. Providers record into it
/// through [`crate::providers::Call::audit`].
#[derive(Debug)]
pub struct Audit {
    activity: String,
    denials: Mutex<Denials>,
}

impl Audit {
    /// An empty trail for activity `activity`.
    pub fn new(activity: impl Into<String>) -> Self {
        Self { activity: activity.into(), denials: Mutex::new(Denials::default()) }
    }

    /// Logs `denial` (one `warn` line naming the activity, the capability
    /// and the target, every field escaped) and keeps it, within
    /// [`Denials::LIMIT`].
    pub fn record(&self, denial: Denial) {
        let mut denials = self.lock();
        if denials.kept.len() < Denials::LIMIT {
            tracing::warn!("activity '{}' was denied {denial}", self.activity.escape_debug());
        } else if denials.omitted == 0 {
            tracing::warn!(
                "activity '{}' was denied more; only the first {} denials are logged and kept",
                self.activity.escape_debug(),
                Denials::LIMIT
            );
        }
        denials.push(denial);
    }

    /// Records every denial of `denials` ([`Audit::record`]), and counts
    /// those already left out.
    pub fn record_all(&self, denials: Denials) {
        for denial in denials.kept {
            self.record(denial);
        }
        self.lock().omitted += denials.omitted;
    }

    /// What was recorded, leaving the trail empty.
    pub fn take(&self) -> Denials {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Denials> {
        self.denials.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_denials_are_taken_in_order_and_bounded() {
        let audit = Audit::new("a");
        for port in 0..Denials::LIMIT + 2 {
            audit.record(Denial::new("net", format!("10.0.0.1:{port}"), "not granted"));
        }
        audit.record_all(Denials { omitted: 3, ..Denials::default() });
        let taken = audit.take();
        assert_eq!(taken.kept[0].target, "10.0.0.1:0");
        assert_eq!((taken.kept.len(), taken.omitted), (Denials::LIMIT, 5));
        assert!(audit.take().is_empty());
    }
}
