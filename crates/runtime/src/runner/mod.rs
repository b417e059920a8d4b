//! Runs a checked plan, in Chaos Toolkit's order: the hypothesis before the
//! method, the method (with the hypothesis repeated during it for the
//! continuous strategies), the hypothesis after, then rollbacks as the
//! rollback strategy says, and returns the journal.
//!
//! A failed activity is journaled and the run goes on; only a signal
//! ([`Interrupt`]) or fail-fast stops it early. Each phase is one method
//! of [`Runner`]; what happens is announced to [`RunEvents`] listeners, one
//! of which ([`JournalRecorder`]) builds the journal.

mod activity;
mod configure;
pub mod events;
mod hypothesis;
mod interrupt;
mod strict;

pub use chaos_core::strategy::{Dry, HypothesisStrategy, RollbackStrategy, resolve as resolve_strategies};
pub use configure::Configured;
pub use events::{ActivityPhase, HypothesisPhase, JournalRecorder, Listeners, RunEvents};
pub use interrupt::Interrupt;

use crate::plan::{CheckedPlan, PlannedHypothesis};
use activity::{Executor, Flow};
use chaos_core::journal::{ActivityStatus, HypothesisState, Journal, RunStatus};
use chaos_core::substitution::{Mapping, render};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// When rollbacks are played.
    pub rollback_strategy: RollbackStrategy,
    /// When the hypothesis is checked.
    pub hypothesis_strategy: HypothesisStrategy,
    /// Pause between evaluations of the hypothesis during the method.
    pub hypothesis_frequency: Duration,
    /// Stop the method at the first deviation seen during it.
    pub fail_fast: bool,
    /// A dry run.
    pub dry: Option<Dry>,
    /// `--strict`: a failed method activity, a method probe outside its
    /// tolerance, or a hypothesis not met before the method fails the run.
    pub strict: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            rollback_strategy: RollbackStrategy::Default,
            hypothesis_strategy: HypothesisStrategy::Default,
            hypothesis_frequency: Duration::from_secs(1),
            fail_fast: false,
            dry: None,
            strict: false,
        }
    }
}

/// Runs experiments.
pub struct Runner {
    options: RunOptions,
    listeners: Listeners,
}

/// Where a run stands between phases.
struct Progress {
    /// Set once the outcome is decided (`None`: so far so good).
    status: Option<RunStatus>,
    /// The hypothesis after the method was not met.
    deviated: bool,
    /// Strict mode found a reason to fail the run.
    strict_failure: bool,
    /// The hypothesis before the method was not met (the method was skipped).
    before_not_met: bool,
}

impl Runner {
    /// A runner with `options` whose runs are announced to `listeners`.
    pub fn new(options: RunOptions, listeners: Listeners) -> Self {
        Self { options, listeners }
    }

    /// Runs `plan` with the configuration values in `mapping` and returns
    /// the journal.
    pub async fn run(&self, plan: &CheckedPlan, mapping: &Mapping, interrupt: &Interrupt) -> Journal {
        let recorder = Arc::new(JournalRecorder::default());
        let mut listeners = Listeners::default();
        listeners.push(recorder.clone());
        listeners.push(Arc::new(self.listeners.clone()));
        let exec = Executor {
            events: Arc::new(listeners),
            dry: self.options.dry,
            mapping: Arc::new(mapping.clone()),
            interrupt: interrupt.clone(),
        };
        self.start(&exec, plan, mapping);

        let strategy = self.options.hypothesis_strategy;
        let hypothesis =
            plan.hypothesis.as_ref().filter(|h| !h.probes.is_empty() && strategy != HypothesisStrategy::Skip);
        if hypothesis.is_none() {
            tracing::info!("No steady state hypothesis defined. That's ok, just exploring.");
        }
        tracing::info!("Steady-state strategy: {strategy}");
        tracing::info!("Rollbacks strategy: {}", self.options.rollback_strategy);

        let mut progress = Progress { status: None, deviated: false, strict_failure: false, before_not_met: false };
        if let Some(h) = hypothesis.filter(|_| strategy.before()) {
            self.before(&exec, h, &mut progress).await;
        }
        if progress.status.is_none() {
            self.method(&exec, &recorder, plan, hypothesis, &mut progress).await;
        }
        let after_allowed = !matches!(progress.status, Some(RunStatus::Interrupted | RunStatus::Aborted));
        if let Some(h) = hypothesis.filter(|_| strategy.after() && after_allowed && !progress.before_not_met) {
            self.after(&exec, h, &mut progress).await;
        }
        let mut status = progress.status.unwrap_or(RunStatus::Completed);
        if status == RunStatus::Interrupted {
            tracing::warn!("The run was interrupted by a signal");
        }
        if self.rollbacks(&exec, &recorder, plan, status, progress.deviated, interrupt).await == Flow::Interrupted {
            status = RunStatus::Interrupted;
        }
        if self.options.strict && progress.strict_failure && status == RunStatus::Completed {
            tracing::error!("Strict mode: the run fails");
            status = RunStatus::Failed;
        }
        exec.events.run_finished(status, progress.deviated);
        let shown = if progress.deviated { "deviated" } else { status.as_str() };
        tracing::info!("Experiment ended with status: {shown}");
        if progress.deviated {
            tracing::info!("The steady-state has deviated, a weakness may have been discovered");
        }
        recorder.take().expect("the run announced its start to the recorder")
    }

    /// Announces the run with the experiment as the journal records it.
    fn start(&self, exec: &Executor, plan: &CheckedPlan, mapping: &Mapping) {
        let title = render(&plan.experiment.title, mapping).unwrap_or_else(|e| {
            tracing::warn!("the title is shown as written: {e}");
            plan.experiment.title.clone()
        });
        tracing::info!("Running experiment: {title}");
        let mut document = plan.experiment.document.clone();
        if let Value::Object(doc) = &mut document {
            doc.insert("title".into(), Value::String(title));
            doc.insert("dry".into(), self.options.dry.map(|d| Value::from(d.as_str())).unwrap_or(Value::Null));
        }
        exec.events.run_started(&document);
        if let Some(dry) = self.options.dry {
            tracing::warn!("Running experiment with dry {}", dry.as_str());
        }
    }

    /// The hypothesis before the method: not met means the method is skipped.
    async fn before(&self, exec: &Executor, hypothesis: &PlannedHypothesis, progress: &mut Progress) {
        let (state, interrupted) = exec.run_hypothesis(hypothesis, HypothesisPhase::Before, 0).await;
        if interrupted {
            progress.status = Some(RunStatus::Interrupted);
        } else if state.met == Some(false) {
            progress.status = Some(outcome_of(&state));
            progress.strict_failure = true;
            progress.before_not_met = true;
            if let Some(probe) = state.probes.last() {
                let name = probe.activity.get("name").and_then(Value::as_str).unwrap_or_default();
                tracing::error!("Steady state probe '{name}' is not in the given tolerance so failing this experiment");
            }
        }
    }

    /// The method, with the hypothesis repeated during it when the strategy
    /// says so.
    async fn method(
        &self,
        exec: &Executor,
        recorder: &JournalRecorder,
        plan: &CheckedPlan,
        hypothesis: Option<&PlannedHypothesis>,
        progress: &mut Progress,
    ) {
        if plan.method.is_empty() {
            tracing::info!("No declared activities, let's move on.");
        }
        let stop = AtomicBool::new(false);
        let ((mut records, flow), failed_fast) = match hypothesis.filter(|_| self.options.hypothesis_strategy.during())
        {
            None => (exec.execute_all(&plan.method, ActivityPhase::Method, 0, &stop).await, false),
            Some(h) => {
                let (done_tx, done_rx) = tokio::sync::watch::channel(false);
                let method = async {
                    let result = exec.execute_all(&plan.method, ActivityPhase::Method, 0, &stop).await;
                    let _ = done_tx.send(true);
                    result
                };
                let frequency = self.options.hypothesis_frequency;
                let during = exec.run_continuously(h, frequency, self.options.fail_fast, &stop, done_rx);
                let (method, (_, failed_fast)) = tokio::join!(method, during);
                (method, failed_fast)
            }
        };
        match flow {
            Flow::Interrupted => progress.status = Some(RunStatus::Interrupted),
            Flow::Aborted => progress.status = Some(RunStatus::Aborted),
            Flow::Continue if failed_fast => progress.status = Some(RunStatus::Failed),
            Flow::Continue => {}
        }
        if self.options.strict {
            progress.strict_failure |= strict::method_failed(exec, &mut records).await;
        }
        let records: Vec<_> = records.into_iter().map(|(_, record)| record).collect();
        self.listeners.method_finished(&records);
        recorder.record_method(records);
    }

    /// The hypothesis after the method: not met means the run deviated.
    async fn after(&self, exec: &Executor, hypothesis: &PlannedHypothesis, progress: &mut Progress) {
        let (state, interrupted) = exec.run_hypothesis(hypothesis, HypothesisPhase::After, 0).await;
        if interrupted {
            progress.status = Some(RunStatus::Interrupted);
        } else if state.met == Some(false) {
            progress.deviated = true;
            progress.status = Some(outcome_of(&state));
        }
    }

    /// The rollbacks, when the strategy plays them for `status`. Returns
    /// [`Flow::Interrupted`] when a signal stopped them.
    async fn rollbacks(
        &self,
        exec: &Executor,
        recorder: &JournalRecorder,
        plan: &CheckedPlan,
        status: RunStatus,
        deviated: bool,
        interrupt: &Interrupt,
    ) -> Flow {
        if interrupt.rollbacks_disabled() {
            tracing::warn!("Ignoring rollbacks as per signal");
            return Flow::Continue;
        }
        if !self.options.rollback_strategy.plays(status, deviated) {
            return Flow::Continue;
        }
        if self.options.rollback_strategy == RollbackStrategy::Always {
            tracing::warn!("Rollbacks were explicitly requested to be played");
        }
        if plan.rollbacks.is_empty() {
            tracing::info!("No declared rollbacks, let's move on.");
        }
        // A signal after this point stops the rollbacks.
        let seen = interrupt.count();
        let (records, flow) =
            exec.execute_all(&plan.rollbacks, ActivityPhase::Rollback, seen, &AtomicBool::new(false)).await;
        let records: Vec<_> = records.into_iter().map(|(_, record)| record).collect();
        self.listeners.rollbacks_finished(&records);
        recorder.record_rollbacks(records);
        if flow == Flow::Interrupted {
            tracing::warn!("Received an exit signal.Terminating now without running the remaining rollbacks.");
        }
        flow
    }
}

/// `failed` if a probe of the not-met hypothesis raised (or could not run),
/// else `completed`.
fn outcome_of(state: &HypothesisState) -> RunStatus {
    if state.probes.iter().any(|p| p.status != Some(ActivityStatus::Succeeded)) {
        RunStatus::Failed
    } else {
        RunStatus::Completed
    }
}
