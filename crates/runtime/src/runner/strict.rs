//! `--strict` scoring of the method.

use super::activity::Executor;
use crate::plan::PlannedActivity;
use chaos_core::experiment::ActivityKind;
use chaos_core::journal::{ActivityStatus, RunRecord};
use std::sync::Arc;

/// Whether a method activity failed or a method probe with a tolerance
/// missed it (recorded as `tolerance_met` on its record). Each record is
/// checked against its own activity, not one found by name.
pub async fn method_failed(exec: &Executor, records: &mut [(Arc<PlannedActivity>, RunRecord)]) -> bool {
    let mut failed = false;
    for (planned, record) in records {
        let activity = &planned.activity;
        if record.status == Some(ActivityStatus::Failed) {
            tracing::error!("Strict mode: method activity '{}' failed", activity.name);
            failed = true;
            continue;
        }
        if activity.kind == ActivityKind::Probe && activity.tolerance.is_some() {
            let met = exec.within_tolerance(planned, record).await;
            record.tolerance_met = Some(met);
            if !met {
                tracing::error!("Strict mode: method probe '{}' is not within its tolerance", activity.name);
                failed = true;
            }
        }
    }
    failed
}
