//! The denial log of one call: every refusal the host makes on the guest's
//! behalf (a socket use, a `wasi:http` request) is recorded here by the
//! check that refuses it, and returned with the call's outcome, so the
//! runner can log it and keep it in the journal.

use chaos_core::journal::{Denial, Denials};
use std::sync::{Arc, Mutex, PoisonError};

/// Where the checks of one call record their refusals. Cheap to clone: the
/// clones share one bounded list ([`Denials::LIMIT`] kept, the rest
/// counted), which the socket check and the `wasi:http` hooks (both
/// `'static` closures of the call's store) hold.
#[derive(Debug, Clone, Default)]
pub struct DenialLog {
    denials: Arc<Mutex<Denials>>,
}

impl DenialLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `capability` was refused for `target`, with why.
    pub fn record(&self, capability: &str, target: impl Into<String>, detail: impl Into<String>) {
        self.lock().push(Denial::new(capability, target, detail));
    }

    /// What was recorded so far, leaving the log empty.
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
    fn clones_record_into_one_log_that_take_empties() {
        let log = DenialLog::new();
        log.clone().record("net", "10.0.0.1:80", "not granted");
        let taken = log.take();
        assert_eq!(taken.kept, vec![Denial::new("net", "10.0.0.1:80", "not granted")]);
        assert!(log.take().is_empty());
    }

    #[test]
    fn a_log_keeps_the_first_denials_and_counts_the_rest() {
        let log = DenialLog::new();
        for port in 0..Denials::LIMIT + 5 {
            log.record("net", format!("10.0.0.1:{port}"), "not granted");
        }
        let taken = log.take();
        assert_eq!((taken.kept.len(), taken.omitted), (Denials::LIMIT, 5));
    }
}
