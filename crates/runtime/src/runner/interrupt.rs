//! Run interruption by signals. Each signal increments a counter; a phase
//! that started after `n` signals is interrupted by the `n+1`-th, so a first
//! Ctrl-C stops the method and a second one stops the rollbacks. SIGUSR2
//! also disables rollbacks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::sync::Notify;

/// A cloneable handle that signal handlers trigger and the runner watches.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    count: AtomicUsize,
    rollbacks_disabled: AtomicBool,
    notify: Notify,
}

impl Interrupt {
    /// Records one interruption and wakes every waiter.
    pub fn trigger(&self) {
        self.inner.count.fetch_add(1, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    /// Interrupts and disables rollbacks (SIGUSR2, "ungraceful").
    pub fn trigger_without_rollbacks(&self) {
        self.inner.rollbacks_disabled.store(true, Ordering::SeqCst);
        self.trigger();
    }

    /// Whether rollbacks were disabled by a signal.
    pub fn rollbacks_disabled(&self) -> bool {
        self.inner.rollbacks_disabled.load(Ordering::SeqCst)
    }

    /// How many interruptions happened so far.
    pub fn count(&self) -> usize {
        self.inner.count.load(Ordering::SeqCst)
    }

    /// Resolves once more than `seen` interruptions happened.
    pub async fn after(&self, seen: usize) {
        loop {
            let notified = self.inner.notify.notified();
            if self.count() > seen {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_phase_is_interrupted_only_by_signals_after_its_start() {
        let i = Interrupt::default();
        i.trigger();
        let seen = i.count();
        let waiter = tokio::spawn({
            let i = i.clone();
            async move { i.after(seen).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        i.trigger();
        waiter.await.unwrap();
    }
}
