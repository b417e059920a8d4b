//! The run journal, with Chaos Toolkit's fields and key order, written
//! atomically (a temporary file in the same directory, then a rename), so an
//! interrupted write never leaves a truncated journal behind.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::Path;

/// The journal's `chaoslib-version`: the Chaos Toolkit library whose
/// semantics and journal format this engine follows.
pub const CHAOSLIB_COMPATIBLE_VERSION: &str = "1.44.0";

/// How a run ended (`status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// The run went through (a not-met *before* hypothesis included).
    Completed,
    /// A hypothesis probe failed to run.
    Failed,
    /// An unexpected error stopped the method.
    Aborted,
    /// A signal stopped the run.
    Interrupted,
}

impl RunStatus {
    /// The journal spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Aborted => "aborted",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

/// Whether an activity call succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityStatus {
    /// It returned an output.
    Succeeded,
    /// It failed; `exception` says why.
    Failed,
}

/// A timestamp as Chaos Toolkit writes it: `2026-11-24T15:36:24.336077+00:00`.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// One activity run (`run[]`, `rollbacks[]`, hypothesis `probes[]`).
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The activity as declared.
    pub activity: Value,
    /// Its output (`null` when it failed or was dry).
    pub output: Value,
    /// When it started.
    pub start: DateTime<Utc>,
    /// `None` when a signal cut it off.
    pub status: Option<ActivityStatus>,
    /// Why it failed.
    pub exception: Option<String>,
    /// When it ended.
    pub end: DateTime<Utc>,
    /// For hypothesis probes: whether the output was within tolerance.
    pub tolerance_met: Option<bool>,
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
            tolerance_met: None,
        }
    }

    /// The JSON form, keys in Chaos Toolkit's order.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("activity".into(), self.activity.clone());
        m.insert("output".into(), self.output.clone());
        m.insert("start".into(), timestamp(self.start).into());
        if let Some(status) = self.status {
            let s = match status {
                ActivityStatus::Succeeded => "succeeded",
                ActivityStatus::Failed => "failed",
            };
            m.insert("status".into(), s.into());
        }
        if let Some(exception) = &self.exception {
            m.insert("exception".into(), json!([format!("chaoslib.exceptions.ActivityFailed: {exception}\n")]));
        }
        m.insert("end".into(), timestamp(self.end).into());
        m.insert("duration".into(), seconds(self.start, self.end).into());
        if let Some(met) = self.tolerance_met {
            m.insert("tolerance_met".into(), met.into());
        }
        Value::Object(m)
    }
}

/// One evaluation of the steady-state hypothesis.
#[derive(Debug, Clone, Default)]
pub struct HypothesisState {
    /// Whether every probe was within tolerance (`None` if cut off).
    pub met: Option<bool>,
    /// The probes that ran.
    pub probes: Vec<RunRecord>,
}

impl HypothesisState {
    /// The JSON form.
    pub fn to_value(&self) -> Value {
        json!({
            "steady_state_met": self.met,
            "probes": self.probes.iter().map(RunRecord::to_value).collect::<Vec<_>>(),
        })
    }
}

/// The journal of one run.
#[derive(Debug, Clone)]
pub struct Journal {
    /// The experiment, as declared, with its substituted title.
    pub experiment: Value,
    /// Run start.
    pub start: DateTime<Utc>,
    /// Final status.
    pub status: RunStatus,
    /// Whether the after-method hypothesis was not met.
    pub deviated: bool,
    /// The hypothesis before the method.
    pub before: Option<HypothesisState>,
    /// The hypothesis after the method.
    pub after: Option<HypothesisState>,
    /// Hypothesis evaluations during the method.
    pub during: Vec<HypothesisState>,
    /// Method activities.
    pub run: Vec<RunRecord>,
    /// Rollbacks.
    pub rollbacks: Vec<RunRecord>,
    /// Run end.
    pub end: DateTime<Utc>,
}

impl Journal {
    /// A journal for `experiment` starting now.
    pub fn start(experiment: Value) -> Self {
        let now = Utc::now();
        Self {
            experiment,
            start: now,
            status: RunStatus::Completed,
            deviated: false,
            before: None,
            after: None,
            during: Vec::new(),
            run: Vec::new(),
            rollbacks: Vec::new(),
            end: now,
        }
    }

    /// The JSON form, keys in Chaos Toolkit's order.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("chaoslib-version".into(), CHAOSLIB_COMPATIBLE_VERSION.into());
        m.insert("chaos-wasm-version".into(), env!("CARGO_PKG_VERSION").into());
        m.insert("platform".into(), format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH).into());
        m.insert("node".into(), gethostname::gethostname().to_string_lossy().into_owned().into());
        m.insert("experiment".into(), self.experiment.clone());
        m.insert("start".into(), timestamp(self.start).into());
        m.insert("status".into(), self.status.as_str().into());
        m.insert("deviated".into(), self.deviated.into());
        m.insert(
            "steady_states".into(),
            json!({
                "before": self.before.as_ref().map(HypothesisState::to_value),
                "after": self.after.as_ref().map(HypothesisState::to_value),
                "during": self.during.iter().map(HypothesisState::to_value).collect::<Vec<_>>(),
            }),
        );
        m.insert("run".into(), self.run.iter().map(RunRecord::to_value).collect());
        m.insert("rollbacks".into(), self.rollbacks.iter().map(RunRecord::to_value).collect());
        m.insert("end".into(), timestamp(self.end).into());
        m.insert("duration".into(), seconds(self.start, self.end).into());
        Value::Object(m)
    }

    /// Writes the journal to `path` atomically, with `secrets` masked.
    ///
    /// # Errors
    /// When the directory is not writable.
    pub fn write(&self, path: &Path, secrets: &[String]) -> std::io::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::Builder::new().prefix(".journal-").suffix(".tmp").tempfile_in(dir)?;
        serde_json::to_writer_pretty(&mut tmp, &crate::secrets::mask(&self.to_value(), secrets))?;
        tmp.write_all(b"\n")?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

fn seconds(start: DateTime<Utc>, end: DateTime<Utc>) -> f64 {
    (end - start).num_microseconds().unwrap_or(0) as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_off_activity_has_no_status() {
        let r = RunRecord::start(&json!({"name": "a"}));
        assert!(r.to_value().get("status").is_none());
    }

    #[test]
    fn a_failed_activity_records_its_exception_as_a_list_of_lines() {
        let mut r = RunRecord::start(&json!({"name": "a"}));
        r.status = Some(ActivityStatus::Failed);
        r.exception = Some("boom".into());
        assert_eq!(r.to_value()["exception"], json!(["chaoslib.exceptions.ActivityFailed: boom\n"]));
    }

    #[test]
    fn timestamps_use_microseconds_and_an_explicit_utc_offset() {
        let t = DateTime::parse_from_rfc3339("2026-11-24T15:36:24.336077Z").unwrap().with_timezone(&Utc);
        assert_eq!(timestamp(t), "2026-11-24T15:36:24.336077+00:00");
    }

    #[test]
    fn secrets_are_masked_when_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.json");
        Journal::start(json!({"title": "token s3cr3t"})).write(&path, &["s3cr3t".to_string()]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("token ***") && !text.contains("s3cr3t"));
    }

    #[test]
    fn writing_replaces_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.json");
        std::fs::write(&path, "old").unwrap();
        Journal::start(json!({"title": "t"})).write(&path, &[]).unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["experiment"]["title"], "t");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
