//! Running one activity: pauses, the provider call, and its journal record.

use super::{Interrupt, Runner};
use crate::experiment::Activity;
use crate::journal::{ActivityStatus, RunRecord};
use crate::substitution::{Mapping, substitute};
use chrono::Utc;
use serde_json::Value;
use std::time::Duration;
use tracing::Instrument;

impl Runner {
    /// Runs `activity`; returns its record and whether a signal (beyond the
    /// `seen` first ones) cut it off.
    pub(super) async fn execute(
        &self,
        activity: &Activity,
        mapping: &Mapping,
        interrupt: &Interrupt,
        seen: usize,
    ) -> (RunRecord, bool) {
        let span = tracing::info_span!("activity", name = %activity.name);
        async {
            if self.pause("before", activity.pauses.before.as_ref(), mapping, interrupt, seen).await {
                return (RunRecord::start(&activity.document), true);
            }
            let suffix = if activity.background { " [in background]" } else { "" };
            tracing::info!("{}: {}{suffix}", activity.kind.label(), activity.name);
            let mut record = RunRecord::start(&activity.document);
            let outcome = tokio::select! {
                outcome = self.providers.run(activity, mapping, None) => Some(outcome),
                () = interrupt.after(seen) => None,
            };
            record.end = Utc::now();
            match outcome {
                None => return (record, true),
                Some(Ok(output)) => {
                    record.status = Some(ActivityStatus::Succeeded);
                    record.output = output;
                }
                Some(Err(failure)) => {
                    tracing::error!("  => failed: {failure}");
                    record.status = Some(ActivityStatus::Failed);
                    record.exception = Some(failure.0);
                }
            }
            let interrupted = self.pause("after", activity.pauses.after.as_ref(), mapping, interrupt, seen).await;
            (record, interrupted)
        }
        .instrument(span)
        .await
    }

    /// Sleeps for a pause; true if a signal cut it short.
    async fn pause(
        &self,
        which: &str,
        pause: Option<&Value>,
        mapping: &Mapping,
        interrupt: &Interrupt,
        seen: usize,
    ) -> bool {
        let Some(pause) = pause else { return false };
        let secs = match substitute(pause, mapping) {
            Value::Number(n) => n.as_f64().unwrap_or(0.0),
            Value::String(s) => match s.trim().parse::<f64>() {
                Ok(n) => n,
                Err(_) => {
                    tracing::warn!("ignoring the {which} pause `{s}`: it is not a number");
                    return false;
                }
            },
            other => {
                tracing::warn!("ignoring the {which} pause {other}: it is not a number");
                return false;
            }
        };
        if secs <= 0.0 || !secs.is_finite() {
            return false;
        }
        tracing::info!("Pausing {which} activity for {secs}s...");
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs_f64(secs)) => false,
            () = interrupt.after(seen) => true,
        }
    }
}
