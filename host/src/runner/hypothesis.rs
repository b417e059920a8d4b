//! Evaluating the steady-state hypothesis: probes in order, stopping at the
//! first one that fails or is outside its tolerance.

use super::{Interrupt, Runner};
use crate::experiment::{Activity, Hypothesis};
use crate::journal::{ActivityStatus, HypothesisState};
use crate::substitution::Mapping;
use crate::tolerance::{Tolerance, evaluate, truthy};
use serde_json::Value;

impl Runner {
    /// Evaluates `hypothesis`; returns the state and whether a signal
    /// (beyond the `seen` first ones) cut it off.
    pub(super) async fn run_hypothesis(
        &self,
        hypothesis: &Hypothesis,
        mapping: &Mapping,
        interrupt: &Interrupt,
        seen: usize,
    ) -> (HypothesisState, bool) {
        tracing::info!("Steady state hypothesis: {}", hypothesis.title);
        let mut state = HypothesisState::default();
        for probe in &hypothesis.probes {
            let (mut record, interrupted) = self.execute(probe, mapping, interrupt, seen).await;
            if interrupted {
                state.probes.push(record);
                return (state, true);
            }
            let met = match record.status {
                Some(ActivityStatus::Succeeded) => self.within_tolerance(probe, &record.output, mapping).await,
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

    async fn within_tolerance(&self, probe: &Activity, value: &Value, mapping: &Mapping) -> bool {
        let Some(tolerance) = &probe.tolerance else { return true };
        if let Tolerance::Probe(checker) = tolerance {
            return match self.providers.run(checker, mapping, Some(value)).await {
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
        let verdict = evaluate(tolerance, value, mapping);
        if !verdict.met {
            tracing::warn!("Probe '{}' is not within tolerance: {}", probe.name, verdict.explanation);
        }
        verdict.met
    }
}
