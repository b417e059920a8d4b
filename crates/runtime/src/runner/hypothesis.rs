//! Evaluating the steady-state hypothesis: probes in order, stopping at the
//! first one that fails or is outside its tolerance; and its continuous
//! evaluation while the method runs.

use super::activity::{Executor, Flow};
use super::events::{ActivityPhase, HypothesisPhase};
use crate::audit::Audit;
use crate::plan::{PlannedActivity, PlannedHypothesis};
use chaos_core::journal::{ActivityStatus, HypothesisState, RunRecord};
use chaos_core::tolerance::{Tolerance, evaluate, truthy};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

/// The shortest period of the continuous hypothesis: a zero frequency
/// (which [`tokio::time::interval`] refuses) runs it back to back, as fast
/// as this allows.
const MIN_PERIOD: Duration = Duration::from_millis(1);

impl Executor {
    /// Evaluates `hypothesis` in `phase`; returns the state and whether a
    /// signal (beyond the `seen` first ones) cut it off. Listeners hear of
    /// the state.
    pub async fn run_hypothesis(
        &self,
        hypothesis: &PlannedHypothesis,
        phase: HypothesisPhase,
        seen: usize,
    ) -> (HypothesisState, bool) {
        let (state, interrupted) = self.evaluate_hypothesis(hypothesis, phase, seen).await;
        self.events.hypothesis_finished(phase, &state);
        (state, interrupted)
    }

    async fn evaluate_hypothesis(
        &self,
        hypothesis: &PlannedHypothesis,
        phase: HypothesisPhase,
        seen: usize,
    ) -> (HypothesisState, bool) {
        tracing::info!("Steady state hypothesis: {}", hypothesis.title);
        let mut state = HypothesisState::default();
        for probe in &hypothesis.probes {
            let (mut record, flow) = self.execute(probe, ActivityPhase::Hypothesis(phase), seen).await;
            if flow == Flow::Interrupted {
                state.probes.push(record);
                return (state, true);
            }
            let met = match record.status {
                Some(ActivityStatus::Succeeded) => self.within_tolerance(probe, &mut record).await,
                _ => {
                    tracing::warn!("Probe terminated unexpectedly, so its tolerance could not be validated");
                    false
                }
            };
            record.tolerance_met = Some(met);
            state.probes.push(record);
            if !met {
                state.met = Some(false);
                return (state, false);
            }
        }
        tracing::info!("Steady state hypothesis is met!");
        state.met = Some(true);
        (state, false)
    }

    /// Re-evaluates `hypothesis` until `done` turns true, on a fixed-rate
    /// schedule: evaluations start at the method's start plus whole
    /// multiples of `frequency`, so the period does not drift by the
    /// probes' own duration nor by a late wake-up. An evaluation still
    /// running when its next start comes skips that start, and the next
    /// evaluation begins at once and the one after on the schedule
    /// ([`MissedTickBehavior::Skip`]): evaluations never overlap and never
    /// burst to catch up. With `fail_fast`, the first miss sets `stop` and
    /// ends the loop. Returns the states and whether a miss stopped it.
    pub async fn run_continuously(
        &self,
        hypothesis: &PlannedHypothesis,
        frequency: Duration,
        fail_fast: bool,
        stop: &AtomicBool,
        mut done: watch::Receiver<bool>,
    ) -> (Vec<HypothesisState>, bool) {
        let mut states = Vec::new();
        let mut schedule = tokio::time::interval(frequency.max(MIN_PERIOD));
        schedule.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                biased;
                _ = done.wait_for(|finished| *finished) => return (states, false),
                _ = schedule.tick() => {}
            }
            let (state, interrupted) = self.run_hypothesis(hypothesis, HypothesisPhase::During, 0).await;
            let missed = state.met == Some(false);
            if missed {
                let name = state.probes.last().and_then(|p| p.activity.get("name")).and_then(Value::as_str);
                tracing::warn!(
                    "Continuous steady state probe '{}' is not in the given tolerance",
                    name.unwrap_or_default()
                );
            }
            states.push(state);
            if interrupted {
                return (states, false);
            }
            if missed && fail_fast {
                tracing::error!("Failing fast: the steady state deviated during the method");
                stop.store(true, Ordering::SeqCst);
                return (states, true);
            }
        }
    }

    /// Whether the output `record` holds of `probe` is within its
    /// tolerance. In a dry run that skips tolerances, it always is. What a
    /// tolerance probe was refused is added to `record`'s denials (it has
    /// no record of its own), each detail naming the tolerance probe.
    pub async fn within_tolerance(&self, planned: &PlannedActivity, record: &mut RunRecord) -> bool {
        if self.dry.is_some_and(|d| d.skips_tolerance()) {
            return true;
        }
        let probe = &planned.activity;
        let value = &record.output;
        let Some(tolerance) = &probe.tolerance else { return true };
        if let (Tolerance::Probe(checker), Some(planned_checker)) = (tolerance, &planned.tolerance_probe) {
            let audit = Audit::new(&checker.name);
            let outcome = planned_checker.call_audited(&self.mapping, Some(value), &audit).await;
            record.record_denials(audit.take().described_as(&format!("tolerance probe '{}'", checker.name)));
            return match outcome {
                Ok(output) => {
                    let met = truthy(&output);
                    if !met {
                        tracing::warn!("Probe '{}': tolerance probe '{}' returned {output}", probe.name, checker.name);
                    }
                    met
                }
                Err(failure) => {
                    tracing::warn!("Probe '{}': tolerance probe failed: {failure}", probe.name);
                    false
                }
            };
        }
        let verdict = evaluate(tolerance, value, &self.mapping);
        if !verdict.met {
            tracing::warn!("Probe '{}' is not within tolerance: {}", probe.name, verdict.explanation);
        }
        verdict.met
    }
}
