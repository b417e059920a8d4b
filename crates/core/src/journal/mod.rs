//! The run journal: Chaos Toolkit's journal format as serde types.
//!
//! The types serialise with Chaos Toolkit's keys in its order, and read
//! Chaos Toolkit's own journals as well as ours: an `exception` is the list
//! of traceback lines, and keys that are not modelled here are kept in each
//! type's `extra` map, so that reading a journal and writing it again loses
//! nothing.
//!
//! ```
//! use chaos_core::journal::{Journal, RunStatus};
//! let text = r#"{"chaoslib-version": "1.44.0", "platform": "Linux", "node": "vm",
//!   "experiment": {"title": "t"}, "start": "2026-11-24T17:26:09.038027+00:00",
//!   "status": "completed", "deviated": false,
//!   "steady_states": {"before": null, "after": null, "during": []},
//!   "run": [], "rollbacks": [], "end": "2026-11-24T17:26:09.543729+00:00",
//!   "duration": 0.5}"#;
//! let journal: Journal = serde_json::from_str(text).unwrap();
//! assert_eq!(journal.status, RunStatus::Completed);
//! assert_eq!(journal.title(), Some("t"));
//! ```

mod denial;
mod record;
mod time;
mod write;

pub use denial::{Denial, Denials};
pub use record::{ActivityStatus, Exception, HypothesisState, RunRecord};
pub use time::timestamp;
pub use write::ReadError;

use chrono::{DateTime, Utc};
use record::is_zero;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The journal's `chaoslib-version`: the Chaos Toolkit library whose
/// semantics and journal format this engine follows.
pub const CHAOSLIB_COMPATIBLE_VERSION: &str = "1.44.0";

/// How a run ended (`status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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

/// The hypothesis evaluations of a run (`steady_states`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SteadyStates {
    /// The hypothesis before the method (`null` when not evaluated).
    pub before: Option<HypothesisState>,
    /// The hypothesis after the method (`null` when not evaluated).
    pub after: Option<HypothesisState>,
    /// Hypothesis evaluations during the method.
    #[serde(default)]
    pub during: Vec<HypothesisState>,
    /// Keys this type does not model, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The journal of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    /// The Chaos Toolkit library version whose format this follows.
    #[serde(rename = "chaoslib-version")]
    pub chaoslib_version: String,
    /// This engine's version; absent from Chaos Toolkit's journals.
    #[serde(rename = "chaos-wasm-version", default, skip_serializing_if = "Option::is_none")]
    pub chaos_wasm_version: Option<String>,
    /// The platform the run happened on.
    #[serde(default)]
    pub platform: String,
    /// The host name of the machine the run happened on.
    #[serde(default)]
    pub node: String,
    /// The experiment, as declared, with its substituted title and `dry`.
    pub experiment: Value,
    /// Run start.
    #[serde(with = "time::serde")]
    pub start: DateTime<Utc>,
    /// Final status.
    pub status: RunStatus,
    /// Whether the after-method hypothesis was not met.
    pub deviated: bool,
    /// The hypothesis evaluations.
    pub steady_states: SteadyStates,
    /// Method activities, in start order.
    #[serde(default)]
    pub run: Vec<RunRecord>,
    /// Rollbacks.
    #[serde(default)]
    pub rollbacks: Vec<RunRecord>,
    /// Run end.
    #[serde(with = "time::serde")]
    pub end: DateTime<Utc>,
    /// Seconds from start to end, as recorded ([`Journal::finish`] sets it).
    pub duration: f64,
    /// What dynamic-configuration probes tried and were refused: they have
    /// no run record of their own. Each detail names the configuration key.
    /// Absent when nothing was (this engine's audit trail; not in Chaos
    /// Toolkit's journals).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denials: Vec<Denial>,
    /// How many more such denials there were than `denials` keeps
    /// ([`Denials::LIMIT`]); absent when none were left out.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub denials_omitted: usize,
    /// Keys this type does not model, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Journal {
    /// A journal of this engine for `experiment`, starting now.
    pub fn start(experiment: Value) -> Self {
        let now = Utc::now();
        Self {
            chaoslib_version: CHAOSLIB_COMPATIBLE_VERSION.into(),
            chaos_wasm_version: Some(env!("CARGO_PKG_VERSION").into()),
            platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
            node: gethostname::gethostname().to_string_lossy().into_owned(),
            experiment,
            start: now,
            status: RunStatus::Completed,
            deviated: false,
            steady_states: SteadyStates::default(),
            run: Vec::new(),
            rollbacks: Vec::new(),
            end: now,
            duration: 0.0,
            denials: Vec::new(),
            denials_omitted: 0,
            extra: Map::new(),
        }
    }

    /// Adds `denials`, refusals of activities without a run record
    /// (dynamic configuration), within [`Denials::LIMIT`].
    pub fn record_denials(&mut self, denials: Denials) {
        denials.append_to(&mut self.denials, &mut self.denials_omitted);
    }

    /// Records the end of the run at `end`, and its duration.
    pub fn finish(&mut self, end: DateTime<Utc>) {
        self.end = end;
        self.duration = time::seconds(self.start, end);
    }

    /// The experiment's (substituted) title, if it has one.
    pub fn title(&self) -> Option<&str> {
        self.experiment.get("title").and_then(Value::as_str)
    }

    /// Every activity record of the run, in journal order: the hypothesis
    /// before, during and after the method, the method, then rollbacks.
    pub fn records(&self) -> impl Iterator<Item = &RunRecord> {
        let states = &self.steady_states;
        states
            .before
            .iter()
            .chain(&states.during)
            .chain(&states.after)
            .flat_map(|s| &s.probes)
            .chain(&self.run)
            .chain(&self.rollbacks)
    }
}
