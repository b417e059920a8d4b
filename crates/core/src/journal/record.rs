//! One activity run in the journal, and one evaluation of the hypothesis.

use super::time;
use super::{Denial, Denials};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The exception type this engine reports a failed activity as, like Chaos
/// Toolkit's providers do.
const ACTIVITY_FAILED: &str = "chaoslib.exceptions.ActivityFailed: ";

/// Whether an activity call succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityStatus {
    /// It returned an output.
    Succeeded,
    /// It failed; `exception` says why.
    Failed,
}

/// Why an activity failed: the lines of a traceback, as Chaos Toolkit
/// records them (`traceback.format_exception`), the exception itself last.
/// This engine writes one line, `chaoslib.exceptions.ActivityFailed: <message>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Exception {
    /// The lines, each ending with a newline.
    pub lines: Vec<String>,
}

impl Exception {
    /// An `ActivityFailed` exception with `message`.
    pub fn activity_failed(message: impl AsRef<str>) -> Self {
        Self { lines: vec![format!("{ACTIVITY_FAILED}{}\n", message.as_ref())] }
    }

    /// The failure's message: the last line without its trailing newline and
    /// without an `ActivityFailed` prefix.
    pub fn message(&self) -> &str {
        let last = self.lines.last().map_or("", |l| l.trim_end());
        last.strip_prefix(ACTIVITY_FAILED).unwrap_or(last)
    }
}

/// One activity run (`run[]`, `rollbacks[]`, hypothesis `probes[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The activity as declared (a `ref` resolved).
    pub activity: Value,
    /// Its output (`null` when it failed or was dry).
    #[serde(default)]
    pub output: Value,
    /// When it started.
    #[serde(with = "time::serde")]
    pub start: DateTime<Utc>,
    /// `None` when a signal or a fatal error cut it off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ActivityStatus>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<Exception>,
    /// When it ended.
    #[serde(with = "time::serde")]
    pub end: DateTime<Utc>,
    /// Seconds from start to end ([`RunRecord::finish`] sets it).
    pub duration: f64,
    /// For hypothesis probes: whether the output was within tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance_met: Option<bool>,
    /// What the activity tried and was refused (this engine's audit trail;
    /// absent when nothing was, so the record keeps Chaos Toolkit's keys).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denials: Vec<Denial>,
    /// How many more denials there were than `denials` keeps
    /// ([`Denials::LIMIT`]); absent when none were left out.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub denials_omitted: usize,
    /// Keys this type does not model, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl RunRecord {
    /// A record for `activity` starting now.
    pub fn start(activity: &Value) -> Self {
        let now = Utc::now();
        Self {
            activity: activity.clone(),
            output: Value::Null,
            start: now,
            status: None,
            exception: None,
            end: now,
            duration: 0.0,
            tolerance_met: None,
            denials: Vec::new(),
            denials_omitted: 0,
            extra: Map::new(),
        }
    }

    /// Records the end of the activity at `end`, and its duration.
    pub fn finish(&mut self, end: DateTime<Utc>) {
        self.end = end;
        self.duration = time::seconds(self.start, end);
    }

    /// Adds `denials` to this run's (kept within [`Denials::LIMIT`], the
    /// rest counted in `denials_omitted`).
    pub fn record_denials(&mut self, denials: Denials) {
        denials.append_to(&mut self.denials, &mut self.denials_omitted);
    }

    /// The activity's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.activity.get("name").and_then(Value::as_str)
    }

    /// The activity's type (`probe` or `action`), if it has one.
    pub fn kind(&self) -> Option<&str> {
        self.activity.get("type").and_then(Value::as_str)
    }
}

pub(super) fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One evaluation of the steady-state hypothesis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HypothesisState {
    /// Whether every probe was within tolerance (`None` if cut off).
    #[serde(rename = "steady_state_met")]
    pub met: Option<bool>,
    /// The probes that ran.
    #[serde(default)]
    pub probes: Vec<RunRecord>,
    /// Keys this type does not model, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_record_without_denials_has_no_denial_keys() {
        let value = serde_json::to_value(RunRecord::start(&json!({"name": "a"}))).unwrap();
        assert!(value.get("denials").is_none() && value.get("denials_omitted").is_none(), "{value}");
    }

    #[test]
    fn a_record_lists_its_denials_and_how_many_were_left_out() {
        let mut r = RunRecord::start(&json!({"name": "a"}));
        let mut denials = Denials::default();
        denials.push(Denial::new("net", "evil.test:443", "not granted"));
        denials.omitted = 2;
        r.record_denials(denials);
        let value = serde_json::to_value(&r).unwrap();
        assert_eq!(
            value["denials"],
            json!([{"capability": "net", "target": "evil.test:443", "detail": "not granted"}])
        );
        assert_eq!(value["denials_omitted"], 2);
        let read: RunRecord = serde_json::from_value(value).unwrap();
        assert_eq!((read.denials, read.denials_omitted), (r.denials, r.denials_omitted));
    }

    #[test]
    fn a_cut_off_activity_has_no_status() {
        let r = RunRecord::start(&json!({"name": "a"}));
        assert!(serde_json::to_value(&r).unwrap().get("status").is_none());
    }

    #[test]
    fn a_failed_activity_records_its_exception_as_a_list_of_lines() {
        let mut r = RunRecord::start(&json!({"name": "a"}));
        r.status = Some(ActivityStatus::Failed);
        r.exception = Some(Exception::activity_failed("boom"));
        assert_eq!(
            serde_json::to_value(&r).unwrap()["exception"],
            json!(["chaoslib.exceptions.ActivityFailed: boom\n"])
        );
    }

    #[test]
    fn a_record_has_chaos_toolkit_keys_in_order() {
        let mut r = RunRecord::start(&json!({"name": "a"}));
        r.status = Some(ActivityStatus::Failed);
        r.exception = Some(Exception::activity_failed("boom"));
        r.tolerance_met = Some(false);
        let value = serde_json::to_value(&r).unwrap();
        let keys: Vec<_> = value.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["activity", "output", "start", "status", "exception", "end", "duration", "tolerance_met"]);
    }

    #[test]
    fn finishing_sets_the_duration_to_the_microsecond() {
        let mut r = RunRecord::start(&json!({}));
        r.finish(r.start + chrono::Duration::microseconds(1_500_001));
        assert_eq!(r.duration, 1.500001);
    }

    #[test]
    fn the_message_of_a_traceback_is_its_last_line() {
        let e = Exception {
            lines: vec![
                "Traceback (most recent call last):\n".into(),
                "chaoslib.exceptions.ActivityFailed: slow\n".into(),
            ],
        };
        assert_eq!(e.message(), "slow");
    }
}
