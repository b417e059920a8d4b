//! What happens during a run, as events: the runner announces each phase
//! and each activity, and listeners do the rest. The journal is built by
//! one listener ([`JournalRecorder`]); progress display, audit trails and
//! controls are others.
//!
//! Listeners are called on the runner's tasks, in order, and must return
//! quickly: hand slow work to a task of your own.

use chaos_core::experiment::Activity;
use chaos_core::journal::{Denial, HypothesisState, Journal, RunRecord, RunStatus};
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// Which evaluation of the steady-state hypothesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HypothesisPhase {
    /// Before the method.
    Before,
    /// While the method runs (continuous strategies).
    During,
    /// After the method.
    After,
}

/// Which list an activity belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityPhase {
    /// A steady-state hypothesis probe.
    Hypothesis(HypothesisPhase),
    /// A method activity.
    Method,
    /// A rollback.
    Rollback,
}

/// Listens to a run. Every method does nothing by default.
pub trait RunEvents: Send + Sync {
    /// The run starts; `document` is the experiment as the journal records it.
    fn run_started(&self, document: &Value) {
        let _ = document;
    }

    /// An activity starts.
    fn activity_started(&self, phase: ActivityPhase, activity: &Activity) {
        let _ = (phase, activity);
    }

    /// An activity was refused something (announced before
    /// [`RunEvents::activity_finished`], whose record lists the same
    /// denials under `denials`).
    fn activity_denied(&self, phase: ActivityPhase, activity: &Activity, denial: &Denial) {
        let _ = (phase, activity, denial);
    }

    /// An activity ended (or was cut off: its record has no status).
    fn activity_finished(&self, phase: ActivityPhase, activity: &Activity, record: &RunRecord) {
        let _ = (phase, activity, record);
    }

    /// One evaluation of the hypothesis ended.
    fn hypothesis_finished(&self, phase: HypothesisPhase, state: &HypothesisState) {
        let _ = (phase, state);
    }

    /// The method ended; `records` are in declaration order.
    fn method_finished(&self, records: &[RunRecord]) {
        let _ = records;
    }

    /// The rollbacks ended; `records` are in declaration order.
    fn rollbacks_finished(&self, records: &[RunRecord]) {
        let _ = records;
    }

    /// The run ended with `status`; `deviated` when the hypothesis after the
    /// method was not met.
    fn run_finished(&self, status: RunStatus, deviated: bool) {
        let _ = (status, deviated);
    }
}

/// Builds the journal from a run's events.
#[derive(Debug, Default)]
pub struct JournalRecorder {
    journal: Mutex<Option<Journal>>,
}

impl JournalRecorder {
    /// The journal recorded so far (`None` before the run started).
    pub fn journal(&self) -> Option<Journal> {
        self.lock().clone()
    }

    /// Moves the journal out, without copying it (`None` before the run
    /// started, or once taken): what the runner returns at the end.
    pub fn take(&self) -> Option<Journal> {
        self.lock().take()
    }

    /// Records the method's `records` by moving them into the journal: the
    /// runner's own copy of a large method, where
    /// [`RunEvents::method_finished`] would clone them.
    pub fn record_method(&self, records: Vec<RunRecord>) {
        self.update(|journal| journal.run = records);
    }

    /// Records the rollbacks' `records` by moving them into the journal
    /// (see [`JournalRecorder::record_method`]).
    pub fn record_rollbacks(&self, records: Vec<RunRecord>) {
        self.update(|journal| journal.rollbacks = records);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Journal>> {
        // A listener that panicked mid-update leaves a usable journal.
        self.journal.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn update(&self, change: impl FnOnce(&mut Journal)) {
        if let Some(journal) = self.lock().as_mut() {
            change(journal);
        }
    }
}

impl RunEvents for JournalRecorder {
    fn run_started(&self, document: &Value) {
        *self.lock() = Some(Journal::start(document.clone()));
    }

    fn hypothesis_finished(&self, phase: HypothesisPhase, state: &HypothesisState) {
        self.update(|journal| match phase {
            HypothesisPhase::Before => journal.steady_states.before = Some(state.clone()),
            HypothesisPhase::During => journal.steady_states.during.push(state.clone()),
            HypothesisPhase::After => journal.steady_states.after = Some(state.clone()),
        });
    }

    fn method_finished(&self, records: &[RunRecord]) {
        self.update(|journal| journal.run = records.to_vec());
    }

    fn rollbacks_finished(&self, records: &[RunRecord]) {
        self.update(|journal| journal.rollbacks = records.to_vec());
    }

    fn run_finished(&self, status: RunStatus, deviated: bool) {
        self.update(|journal| {
            journal.status = status;
            journal.deviated = deviated;
            journal.finish(chrono::Utc::now());
        });
    }
}

/// Several listeners, called in order.
#[derive(Clone, Default)]
pub struct Listeners {
    listeners: Vec<Arc<dyn RunEvents>>,
}

impl Listeners {
    /// Adds `listener` after the others.
    pub fn push(&mut self, listener: Arc<dyn RunEvents>) {
        self.listeners.push(listener);
    }
}

impl RunEvents for Listeners {
    fn run_started(&self, document: &Value) {
        self.listeners.iter().for_each(|l| l.run_started(document));
    }

    fn activity_started(&self, phase: ActivityPhase, activity: &Activity) {
        self.listeners.iter().for_each(|l| l.activity_started(phase, activity));
    }

    fn activity_denied(&self, phase: ActivityPhase, activity: &Activity, denial: &Denial) {
        self.listeners.iter().for_each(|l| l.activity_denied(phase, activity, denial));
    }

    fn activity_finished(&self, phase: ActivityPhase, activity: &Activity, record: &RunRecord) {
        self.listeners.iter().for_each(|l| l.activity_finished(phase, activity, record));
    }

    fn hypothesis_finished(&self, phase: HypothesisPhase, state: &HypothesisState) {
        self.listeners.iter().for_each(|l| l.hypothesis_finished(phase, state));
    }

    fn method_finished(&self, records: &[RunRecord]) {
        self.listeners.iter().for_each(|l| l.method_finished(records));
    }

    fn rollbacks_finished(&self, records: &[RunRecord]) {
        self.listeners.iter().for_each(|l| l.rollbacks_finished(records));
    }

    fn run_finished(&self, status: RunStatus, deviated: bool) {
        self.listeners.iter().for_each(|l| l.run_finished(status, deviated));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_recorder_hands_its_journal_over_once() {
        let recorder = JournalRecorder::default();
        recorder.run_started(&json!({"title": "t"}));
        assert_eq!(recorder.take().and_then(|j| j.title().map(str::to_string)), Some("t".into()));
        assert!(recorder.take().is_none(), "the journal was moved out, not copied");
    }

    #[test]
    fn records_moved_into_the_recorder_are_the_journals_run_and_rollbacks() {
        let recorder = JournalRecorder::default();
        recorder.run_started(&json!({"title": "t"}));
        recorder.record_method(vec![RunRecord::start(&json!({"name": "a"}))]);
        recorder.record_rollbacks(vec![RunRecord::start(&json!({"name": "undo"}))]);
        let journal = recorder.take().unwrap();
        assert_eq!(journal.run.iter().map(|r| r.name()).collect::<Vec<_>>(), [Some("a")]);
        assert_eq!(journal.rollbacks.iter().map(|r| r.name()).collect::<Vec<_>>(), [Some("undo")]);
    }
}
