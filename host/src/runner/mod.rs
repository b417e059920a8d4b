//! Runs a validated experiment, in Chaos Toolkit's order: the hypothesis
//! before the method, the method, the hypothesis after, then rollbacks as
//! the rollback strategy says, and returns the journal.
//!
//! A failed activity is journaled and the run goes on; only a signal
//! ([`Interrupt`]) stops it early.

mod activity;
mod hypothesis;
mod interrupt;
mod strategy;

pub use interrupt::Interrupt;
pub use strategy::RollbackStrategy;

use crate::experiment::Experiment;
use crate::journal::{ActivityStatus, HypothesisState, Journal, RunStatus};
use crate::providers::Providers;
use crate::substitution::{Mapping, render};
use chrono::Utc;
use serde_json::Value;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// When rollbacks are played.
    pub rollback_strategy: RollbackStrategy,
}

/// Runs experiments.
pub struct Runner {
    providers: Providers,
    options: RunOptions,
}

impl Runner {
    /// A runner that calls activities through `providers`.
    pub fn new(providers: Providers, options: RunOptions) -> Self {
        Self { providers, options }
    }

    /// Runs `experiment` with the configuration values in `mapping`.
    pub async fn run(&self, experiment: &Experiment, mapping: &Mapping, interrupt: &Interrupt) -> Journal {
        let title = render(&experiment.title, mapping);
        tracing::info!("Running experiment: {title}");
        let mut document = experiment.document.clone();
        if let Value::Object(doc) = &mut document {
            doc.insert("title".into(), Value::String(title));
            doc.insert("dry".into(), Value::Null);
        }
        let mut journal = Journal::start(document);

        let hypothesis = experiment.hypothesis.as_ref().filter(|h| !h.probes.is_empty());
        if hypothesis.is_none() {
            tracing::info!("No steady state hypothesis defined. That's ok, just exploring.");
        }
        tracing::info!("Steady-state strategy: default");
        tracing::info!("Rollbacks strategy: {}", self.options.rollback_strategy);

        let mut status: Option<RunStatus> = None;
        if let Some(h) = hypothesis {
            let (state, interrupted) = self.run_hypothesis(h, mapping, interrupt, 0).await;
            if interrupted {
                status = Some(RunStatus::Interrupted);
            } else if state.met == Some(false) {
                status = Some(outcome_of(&state));
                if let Some(probe) = state.probes.last() {
                    let name = probe.activity.get("name").and_then(Value::as_str).unwrap_or_default();
                    tracing::error!(
                        "Steady state probe '{name}' is not in the given tolerance so failing this experiment"
                    );
                }
            }
            journal.before = Some(state);
        }

        if status.is_none() {
            if experiment.method.is_empty() {
                tracing::info!("No declared activities, let's move on.");
            }
            for activity in &experiment.method {
                let (record, interrupted) = self.execute(activity, mapping, interrupt, 0).await;
                journal.run.push(record);
                if interrupted {
                    status = Some(RunStatus::Interrupted);
                    break;
                }
            }
        }

        if status.is_none()
            && let Some(h) = hypothesis
        {
            let (state, interrupted) = self.run_hypothesis(h, mapping, interrupt, 0).await;
            if interrupted {
                status = Some(RunStatus::Interrupted);
            } else if state.met == Some(false) {
                journal.deviated = true;
                status = Some(outcome_of(&state));
            }
            journal.after = Some(state);
        }
        let mut status = status.unwrap_or(RunStatus::Completed);
        if status == RunStatus::Interrupted {
            tracing::warn!("Received a termination signal (Ctrl-C)...");
        }

        if self.options.rollback_strategy.plays(status, journal.deviated) {
            if self.options.rollback_strategy == RollbackStrategy::Always {
                tracing::warn!("Rollbacks were explicitly requested to be played");
            }
            // A second signal stops the rollbacks.
            let seen = interrupt.count();
            if experiment.rollbacks.is_empty() {
                tracing::info!("No declared rollbacks, let's move on.");
            }
            for rollback in &experiment.rollbacks {
                tracing::info!("Rollback: {}", rollback.name);
                let (record, interrupted) = self.execute(rollback, mapping, interrupt, seen).await;
                journal.rollbacks.push(record);
                if interrupted {
                    tracing::warn!("Received an exit signal.Terminating now without running the remaining rollbacks.");
                    status = RunStatus::Interrupted;
                    break;
                }
            }
        }

        journal.status = status;
        journal.end = Utc::now();
        let shown = if journal.deviated { "deviated" } else { status.as_str() };
        tracing::info!("Experiment ended with status: {shown}");
        if journal.deviated {
            tracing::info!("The steady-state has deviated, a weakness may have been discovered");
        }
        journal
    }
}

/// `failed` if a probe of the not-met hypothesis raised, else `completed`.
fn outcome_of(state: &HypothesisState) -> RunStatus {
    if state.probes.iter().any(|p| p.status == Some(ActivityStatus::Failed)) {
        RunStatus::Failed
    } else {
        RunStatus::Completed
    }
}
