//! Runs a validated experiment, in Chaos Toolkit's order: the hypothesis
//! before the method, the method (with the hypothesis repeated during it for
//! the continuous strategies), the hypothesis after, then rollbacks as the
//! rollback strategy says, and returns the journal.
//!
//! A failed activity is journaled and the run goes on; only a signal
//! ([`Interrupt`]) or fail-fast stops it early.

mod activity;
mod hypothesis;
mod interrupt;

pub use chaos_core::strategy::{Dry, HypothesisStrategy, RollbackStrategy, resolve as resolve_strategies};
pub use interrupt::Interrupt;

use crate::providers::Providers;
use activity::{Executor, Flow};
use chaos_core::experiment::{ActivityKind, Experiment, Hypothesis};
use chaos_core::journal::{ActivityStatus, HypothesisState, Journal, RunStatus};
use chaos_core::substitution::{Mapping, render};
use chrono::Utc;
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
    providers: Arc<Providers>,
    options: RunOptions,
}

impl Runner {
    /// A runner that calls activities through `providers`.
    pub fn new(providers: Providers, options: RunOptions) -> Self {
        Self { providers: Arc::new(providers), options }
    }

    /// Runs `experiment` with the configuration values in `mapping`.
    pub async fn run(&self, experiment: &Experiment, mapping: &Mapping, interrupt: &Interrupt) -> Journal {
        let options = &self.options;
        let exec = Executor {
            providers: self.providers.clone(),
            dry: options.dry,
            mapping: Arc::new(mapping.clone()),
            interrupt: interrupt.clone(),
        };
        let title = render(&experiment.title, mapping);
        tracing::info!("Running experiment: {title}");
        let mut document = experiment.document.clone();
        if let Value::Object(doc) = &mut document {
            doc.insert("title".into(), Value::String(title));
            doc.insert("dry".into(), options.dry.map(|d| Value::from(d.as_str())).unwrap_or(Value::Null));
        }
        let mut journal = Journal::start(document);
        if let Some(dry) = options.dry {
            tracing::warn!("Running experiment with dry {}", dry.as_str());
        }

        let strategy = options.hypothesis_strategy;
        let hypothesis =
            experiment.hypothesis.as_ref().filter(|h| !h.probes.is_empty() && strategy != HypothesisStrategy::Skip);
        if hypothesis.is_none() {
            tracing::info!("No steady state hypothesis defined. That's ok, just exploring.");
        }
        tracing::info!("Steady-state strategy: {strategy}");
        tracing::info!("Rollbacks strategy: {}", options.rollback_strategy);

        let mut status: Option<RunStatus> = None;
        let mut strict_failure = false;
        if let Some(h) = hypothesis.filter(|_| strategy.before()) {
            let (state, interrupted) = exec.run_hypothesis(h, 0).await;
            if interrupted {
                status = Some(RunStatus::Interrupted);
            } else if state.met == Some(false) {
                status = Some(outcome_of(&state));
                strict_failure = true;
                if let Some(probe) = state.probes.last() {
                    let name = probe.activity.get("name").and_then(Value::as_str).unwrap_or_default();
                    tracing::error!(
                        "Steady state probe '{name}' is not in the given tolerance so failing this experiment"
                    );
                }
            }
            journal.steady_states.before = Some(state);
        }

        if status.is_none() {
            let (records, during, flow, failed_fast) = self.method(&exec, experiment, hypothesis).await;
            journal.run = records;
            journal.steady_states.during = during;
            match flow {
                Flow::Interrupted => status = Some(RunStatus::Interrupted),
                Flow::Aborted => status = Some(RunStatus::Aborted),
                Flow::Continue if failed_fast => status = Some(RunStatus::Failed),
                Flow::Continue => {}
            }
            if options.strict {
                strict_failure |= self.strict_method_failure(&exec, experiment, &mut journal).await;
            }
        }

        let after_allowed = !matches!(status, Some(RunStatus::Interrupted | RunStatus::Aborted));
        let ran_method = journal.steady_states.before.as_ref().is_none_or(|s| s.met != Some(false));
        if let Some(h) = hypothesis.filter(|_| strategy.after() && after_allowed && ran_method) {
            let (state, interrupted) = exec.run_hypothesis(h, 0).await;
            if interrupted {
                status = Some(RunStatus::Interrupted);
            } else if state.met == Some(false) {
                journal.deviated = true;
                status = Some(outcome_of(&state));
            }
            journal.steady_states.after = Some(state);
        }
        let mut status = status.unwrap_or(RunStatus::Completed);
        if status == RunStatus::Interrupted {
            tracing::warn!("The run was interrupted by a signal");
        }

        if interrupt.rollbacks_disabled() {
            tracing::warn!("Ignoring rollbacks as per signal");
        } else if options.rollback_strategy.plays(status, journal.deviated) {
            if options.rollback_strategy == RollbackStrategy::Always {
                tracing::warn!("Rollbacks were explicitly requested to be played");
            }
            if experiment.rollbacks.is_empty() {
                tracing::info!("No declared rollbacks, let's move on.");
            }
            // A signal after this point stops the rollbacks.
            let seen = interrupt.count();
            let (records, flow) = exec.execute_all(&experiment.rollbacks, seen, &AtomicBool::new(false), true).await;
            journal.rollbacks = records;
            if flow == Flow::Interrupted {
                tracing::warn!("Received an exit signal.Terminating now without running the remaining rollbacks.");
                status = RunStatus::Interrupted;
            }
        }

        if options.strict && strict_failure && status == RunStatus::Completed {
            tracing::error!("Strict mode: the run fails");
            status = RunStatus::Failed;
        }
        journal.status = status;
        journal.finish(Utc::now());
        let shown = if journal.deviated { "deviated" } else { status.as_str() };
        tracing::info!("Experiment ended with status: {shown}");
        if journal.deviated {
            tracing::info!("The steady-state has deviated, a weakness may have been discovered");
        }
        journal
    }

    /// Runs the method, with the hypothesis repeated during it when the
    /// strategy says so. Returns the records, the during states, whether a
    /// signal cut it off, and whether fail-fast stopped it.
    async fn method(
        &self,
        exec: &Executor,
        experiment: &Experiment,
        hypothesis: Option<&Hypothesis>,
    ) -> (Vec<chaos_core::journal::RunRecord>, Vec<HypothesisState>, Flow, bool) {
        if experiment.method.is_empty() {
            tracing::info!("No declared activities, let's move on.");
        }
        let stop = AtomicBool::new(false);
        let Some(h) = hypothesis.filter(|_| self.options.hypothesis_strategy.during()) else {
            let (records, flow) = exec.execute_all(&experiment.method, 0, &stop, false).await;
            return (records, Vec::new(), flow, false);
        };
        let (done_tx, done_rx) = tokio::sync::watch::channel(false);
        let method = async {
            let result = exec.execute_all(&experiment.method, 0, &stop, false).await;
            let _ = done_tx.send(true);
            result
        };
        let during =
            exec.run_continuously(h, self.options.hypothesis_frequency, self.options.fail_fast, &stop, done_rx);
        let ((records, flow), (states, failed_fast)) = tokio::join!(method, during);
        (records, states, flow, failed_fast)
    }

    /// In strict mode: whether a method activity failed or a method probe
    /// missed its tolerance (recorded as `tolerance_met` on its record).
    async fn strict_method_failure(&self, exec: &Executor, experiment: &Experiment, journal: &mut Journal) -> bool {
        let mut failed = false;
        for record in &mut journal.run {
            let name = record.activity.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            if record.status == Some(ActivityStatus::Failed) {
                tracing::error!("Strict mode: method activity '{name}' failed");
                failed = true;
                continue;
            }
            let probe = experiment
                .method
                .iter()
                .find(|a| a.name == name && a.kind == ActivityKind::Probe && a.tolerance.is_some());
            if let Some(probe) = probe {
                let met = exec.within_tolerance(probe, &record.output).await;
                record.tolerance_met = Some(met);
                if !met {
                    tracing::error!("Strict mode: method probe '{name}' is not within its tolerance");
                    failed = true;
                }
            }
        }
        failed
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

impl Runner {
    /// Chaos Toolkit's dynamic configuration: runs each configuration probe in
    /// declaration order and stores its result under its key (a wasm probe's
    /// output, an http probe's body, a process's trimmed stdout when it exits
    /// 0). A probe sees only the keys declared before it. A failed probe's key
    /// is dropped, with a warning at the end.
    pub async fn configure(&self, experiment: &Experiment, mapping: &Mapping) -> Mapping {
        let mut mapping = mapping.clone();
        let pending: Vec<&str> = experiment.dynamic_configuration.iter().map(|(k, _)| k.as_str()).collect();
        let mut failed = false;
        for (i, (key, activity)) in experiment.dynamic_configuration.iter().enumerate() {
            let mut visible = mapping.clone();
            for later in &pending[i..] {
                visible.remove(*later);
            }
            let value = match self.providers.run(activity, &visible, None).await {
                Ok(output) => match &activity.provider {
                    chaos_core::experiment::Provider::Http(_) => {
                        Some(output.get("body").cloned().unwrap_or(Value::Null))
                    }
                    chaos_core::experiment::Provider::Process(_) => (output.get("status") == Some(&Value::from(0)))
                        .then(|| Value::from(output.get("stdout").and_then(Value::as_str).unwrap_or_default().trim())),
                    chaos_core::experiment::Provider::Wasm(_) | chaos_core::experiment::Provider::Unresolved(_) => {
                        Some(output)
                    }
                },
                Err(e) => {
                    tracing::debug!("dynamic configuration `{key}` failed: {e}");
                    None
                }
            };
            match value {
                Some(v) => {
                    mapping.insert(key.clone(), v);
                }
                None => {
                    failed = true;
                    mapping.remove(key);
                }
            }
        }
        if failed {
            tracing::warn!("Some of the dynamic configuration failed to be loaded.");
        }
        mapping
    }
}
