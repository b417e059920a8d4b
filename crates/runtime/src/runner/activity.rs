//! Running activities: pauses, the provider call and the journal record of
//! one activity, and a list of activities with background ones run
//! concurrently and awaited at the end.

use super::events::{ActivityPhase, RunEvents};
use super::{Dry, Interrupt};
use crate::audit::Audit;
use crate::plan::PlannedActivity;
use chaos_core::experiment::Provider;
use chaos_core::journal::{ActivityStatus, Exception, RunRecord};
use chaos_core::substitution::{Mapping, substitute};
use chrono::Utc;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Instrument;

/// How running an activity ended, for the phase it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// It succeeded or failed; the phase goes on.
    Continue,
    /// A signal cut it off.
    Interrupted,
    /// It could not be run at all: the method aborts.
    Aborted,
}

/// What running an activity needs; cheap to clone into background tasks.
#[derive(Clone)]
pub struct Executor {
    pub(super) events: Arc<dyn RunEvents>,
    pub(super) dry: Option<Dry>,
    pub(super) mapping: Arc<Mapping>,
    pub(super) interrupt: Interrupt,
}

impl Executor {
    /// Runs `planned` in `phase`; returns its record and how it ended (a
    /// signal counts only beyond the `seen` first ones).
    pub async fn execute(&self, planned: &PlannedActivity, phase: ActivityPhase, seen: usize) -> (RunRecord, Flow) {
        let activity = &planned.activity;
        let span = tracing::info_span!("activity", name = %activity.name);
        async {
            self.events.activity_started(phase, activity);
            let (record, flow) = self.execute_inner(planned, seen).await;
            for denial in &record.denials {
                self.events.activity_denied(phase, activity, denial);
            }
            self.events.activity_finished(phase, activity, &record);
            (record, flow)
        }
        .instrument(span)
        .await
    }

    async fn execute_inner(&self, planned: &PlannedActivity, seen: usize) -> (RunRecord, Flow) {
        let activity = &planned.activity;
        {
            let dry_call = self.dry.is_some_and(|d| d.skips_call(activity.kind));
            let dry_pause = self.dry.is_some_and(|d| d.skips_pause(activity.kind));
            if self.pause("before", activity.pauses.before.as_ref(), dry_pause, seen).await {
                return (RunRecord::start(&activity.document), Flow::Interrupted);
            }
            let suffix = if activity.background { " [in background]" } else { "" };
            tracing::info!("{}: {}{suffix}", activity.kind.label(), activity.name);
            let mut record = RunRecord::start(&activity.document);
            let audit = Audit::new(&activity.name);
            let outcome = if dry_call {
                Some(Ok(Value::Null))
            } else {
                // An interrupt that arrives as the call ends still wins: it
                // is never lost to the call's outcome.
                tokio::select! {
                    biased;
                    () = self.interrupt.after(seen) => None,
                    outcome = planned.call_audited(&self.mapping, None, &audit) => Some(outcome),
                }
            };
            record.finish(Utc::now());
            record.record_denials(audit.take());
            match outcome {
                None => return (record, Flow::Interrupted),
                Some(Ok(output)) => {
                    record.status = Some(ActivityStatus::Succeeded);
                    record.output = output;
                }
                Some(Err(failure)) if failure.fatal => {
                    // As for an unexpected error in the reference: no status.
                    tracing::error!("  => {failure}");
                    tracing::error!("Experiment ran into an un expected fatal error, aborting now.");
                    record.exception = Some(Exception::activity_failed(failure.message));
                    return (record, Flow::Aborted);
                }
                Some(Err(failure)) => {
                    tracing::error!("  => failed: {failure}");
                    record.status = Some(ActivityStatus::Failed);
                    record.exception = Some(Exception::activity_failed(failure.message));
                }
            }
            let interrupted = self.pause("after", activity.pauses.after.as_ref(), dry_pause, seen).await;
            (record, if interrupted { Flow::Interrupted } else { Flow::Continue })
        }
    }

    /// Runs `activities` in order, background ones concurrently, awaiting
    /// those at the end. Stops early on a signal, an activity that cannot
    /// run (except among rollbacks, which all get their chance), or when
    /// `stop` is set (fail fast). Records are in declaration order, each
    /// with its activity.
    pub async fn execute_all(
        &self,
        activities: &[Arc<PlannedActivity>],
        phase: ActivityPhase,
        seen: usize,
        stop: &AtomicBool,
    ) -> (Vec<(Arc<PlannedActivity>, RunRecord)>, Flow) {
        let rollback = phase == ActivityPhase::Rollback;
        let mut records: Vec<Option<(Arc<PlannedActivity>, RunRecord)>> = Vec::new();
        let mut background = Vec::new();
        let mut flow = Flow::Continue;
        for planned in activities {
            if rollback {
                tracing::info!("Rollback: {}", planned.activity.name);
            }
            if let Provider::Unresolved(reference) = &planned.activity.provider {
                // As in the reference: it fails before it has a record.
                tracing::error!("{}", crate::providers::unresolved(reference));
                if rollback {
                    continue;
                }
                tracing::error!("Experiment ran into an un expected fatal error, aborting now.");
                flow = Flow::Aborted;
                break;
            }
            if planned.activity.background {
                let (exec, task_planned) = (self.clone(), planned.clone());
                let task = tokio::spawn(async move { exec.execute(&task_planned, phase, seen).await });
                background.push((records.len(), planned.clone(), task));
                records.push(None);
                continue;
            }
            let (record, ended) = self.execute(planned, phase, seen).await;
            records.push(Some((planned.clone(), record)));
            match ended {
                Flow::Interrupted => {
                    flow = Flow::Interrupted;
                    break;
                }
                Flow::Aborted if !rollback => {
                    flow = Flow::Aborted;
                    break;
                }
                _ => {}
            }
            if stop.load(Ordering::SeqCst) {
                break;
            }
        }
        for (slot, planned, task) in background {
            let ended = match task.await {
                Ok((record, ended)) => {
                    records[slot] = Some((planned, record));
                    ended
                }
                Err(e) => {
                    records[slot] = Some((planned.clone(), self.lost_task(&planned, phase, e)));
                    Flow::Continue
                }
            };
            if flow == Flow::Continue && ended != Flow::Continue && !(rollback && ended == Flow::Aborted) {
                flow = ended;
            }
        }
        (records.into_iter().flatten().collect(), flow)
    }

    /// The record of a background activity whose task ended without one (a
    /// host-side panic, or the task cancelled): failed, with the cause, so
    /// that it never vanishes from the journal.
    fn lost_task(&self, planned: &PlannedActivity, phase: ActivityPhase, error: tokio::task::JoinError) -> RunRecord {
        let activity = &planned.activity;
        let message = match error.try_into_panic() {
            Ok(payload) => {
                let detail = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".to_string());
                format!("activity '{}' panicked in the host: {detail}", activity.name)
            }
            Err(_) => format!("activity '{}' was cancelled before it finished", activity.name),
        };
        tracing::error!("  => failed: {message}");
        let mut record = RunRecord::start(&activity.document);
        record.finish(Utc::now());
        record.status = Some(ActivityStatus::Failed);
        record.exception = Some(Exception::activity_failed(message));
        self.events.activity_finished(phase, activity, &record);
        record
    }

    /// Sleeps for a pause; true if a signal cut it short.
    async fn pause(&self, which: &str, pause: Option<&Value>, dry: bool, seen: usize) -> bool {
        let Some(pause) = pause else { return false };
        let substituted = match substitute(pause, &self.mapping) {
            Ok(value) => value,
            Err(e) => {
                tracing::warn!("ignoring the {which} pause: {e}");
                return false;
            }
        };
        let secs = match substituted {
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
        let pause = match chaos_core::duration::seconds(secs) {
            Ok(pause) => pause,
            Err(e) => {
                tracing::warn!("ignoring the {which} pause: {e}");
                return false;
            }
        };
        tracing::info!("Pausing {which} activity for {secs}s...");
        if dry {
            return false;
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => false,
            () = self.interrupt.after(seen) => true,
        }
    }
}
