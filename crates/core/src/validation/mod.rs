//! Validation, in two stages:
//!
//! 1. [`validate`] checks the document in Chaos Toolkit's order and with its
//!    messages, and builds the typed [`Experiment`]. No runtime needed.
//! 2. `chaos_runtime::components::check_components` loads every component an experiment uses and
//!    checks that it provides each `func` and that the arguments match the
//!    activity's schema.
//!
//! Every error names the activity (where there is one) and the cause, on one line.

mod activity;
mod controls;
mod pinning;
mod python;
mod refs;
mod tolerance;

pub use pinning::require_pinned;
pub use python::{PYTHON_MODULES, PythonProviderError};

use crate::configuration;
use crate::experiment::{Experiment, Hypothesis};
use crate::vars::Vars;
use serde_json::{Map, Value};
use std::fmt;
use std::path::Path;

/// Why an experiment is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The activity concerned, when there is one: its name, or where it sits
    /// (`method[2]`) when it has none.
    pub activity: Option<String>,
    /// The cause.
    pub message: String,
}

impl ValidationError {
    /// A problem with the experiment as a whole.
    pub fn new(message: impl fmt::Display) -> Self {
        Self { activity: None, message: message.to_string() }
    }

    /// A problem with one activity (its name, or where it sits).
    pub fn at(activity: impl Into<String>, message: impl fmt::Display) -> Self {
        Self { activity: Some(activity.into()), message: message.to_string() }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.activity {
            Some(activity) => write!(f, "activity '{activity}': {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ValidationError {}

/// How strict validation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Every check (`chaos validate`, `chaos run`).
    #[default]
    Strict,
    /// `chaos run --no-validation`: the reference skips validation entirely
    /// and fails at run time. Here the document must still describe
    /// activities that can be built, but a `ref` that names no activity is
    /// kept as one that cannot run ([`crate::experiment::Provider::Unresolved`]),
    /// so the run aborts when it reaches it, with a journal, as the
    /// reference's does.
    Lenient,
}

/// Validates `document` and builds the experiment. `base_dir` is the
/// experiment file's directory; `overrides` are `--var` values.
///
/// # Errors
/// The first problem found, in Chaos Toolkit's order.
pub fn validate(document: &Value, base_dir: &Path, overrides: &Vars) -> Result<Experiment, ValidationError> {
    validate_with(document, base_dir, overrides, Mode::Strict)
}

/// [`validate`], as strictly as `mode` says.
///
/// # Errors
/// The first problem found, in Chaos Toolkit's order.
pub fn validate_with(
    document: &Value,
    base_dir: &Path,
    overrides: &Vars,
    mode: Mode,
) -> Result<Experiment, ValidationError> {
    let empty = match document {
        Value::Null => true,
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    if empty {
        return Err(ValidationError::new("an empty experiment is not an experiment"));
    }
    let doc =
        document.as_object().ok_or_else(|| ValidationError::new("an experiment must be a mapping (a JSON object)"))?;

    let title = non_empty_str(doc.get("title")).ok_or_else(|| ValidationError::new("experiment requires a title"))?;
    non_empty_str(doc.get("description")).ok_or_else(|| ValidationError::new("experiment requires a description"))?;
    if let Some(tags) = doc.get("tags").filter(|t| truthy(t)) {
        let ok = tags.as_array().is_some_and(|items| items.iter().all(|t| non_empty_str(Some(t)).is_some()));
        if !ok {
            return Err(ValidationError::new("experiment tags must be a non-empty string"));
        }
    }
    if let Some(extensions) = doc.get("extensions").and_then(Value::as_array) {
        let ok = extensions.iter().all(|e| non_empty_str(e.get("name")).is_some_and(|n| !n.trim().is_empty()));
        if !ok {
            return Err(ValidationError::new("All extensions require a non-empty name"));
        }
    }
    let configuration = match doc.get("configuration") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(c)) => c.clone(),
        Some(_) => return Err(ValidationError::new("experiment configuration must be a mapping")),
    };
    // Env entries are left out: reading a host variable needs the
    // operator's `--allow-env`, checked when the experiment runs.
    let without_env = crate::env_entries::withhold(&configuration, &overrides.configuration, |_| false);
    configuration::load(&without_env, &overrides.configuration, &overrides.env).map_err(ValidationError::new)?;
    let secrets = match doc.get("secrets") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(s)) => s.clone(),
        Some(_) => return Err(ValidationError::new("experiment secrets must be a mapping of scopes")),
    };
    let without_env = crate::env_entries::withhold_secrets(&secrets, |_| false);
    crate::secrets::load(&without_env, &overrides.secrets, &overrides.env).map_err(ValidationError::new)?;

    let ctx = activity::Context::new(base_dir);
    let mut dynamic_configuration = Vec::new();
    for (key, value) in &configuration {
        if value.get("type").and_then(Value::as_str) == Some("probe") && !overrides.configuration.contains_key(key) {
            dynamic_configuration.push((key.clone(), activity::dynamic_probe(value, key, &ctx)?));
        }
    }
    controls::validate_all(doc)?;
    let targets = refs::Targets::of(doc);
    let hypothesis = match doc.get("steady-state-hypothesis") {
        None | Some(Value::Null) => None,
        Some(h) => Some(hypothesis(h, &ctx, &targets, mode)?),
    };

    let method = doc.get("method").filter(|m| !m.is_null()).ok_or_else(|| {
        ValidationError::new(
            "an experiment requires a method, which can be empty for only checking steady state hypothesis ",
        )
    })?;
    let method = list_of(method, "method")?;
    let mut method_activities = Vec::new();
    for (i, item) in method.iter().enumerate() {
        let mut resolved = refs::activity_or_ref(item, &format!("method[{i}]"), &ctx, &targets, mode)?;
        // Method tolerances are not validated (as in the reference); --strict
        // checks the ones that parse: the entry's own, else (for a `ref`)
        // the one of the activity it names.
        let declared = item.get("tolerance").or_else(|| resolved.document.get("tolerance"));
        if let Some(t) = declared {
            resolved.tolerance = tolerance::parse(t, &resolved.name, &ctx).ok();
        }
        method_activities.push(resolved);
    }

    let mut rollbacks = Vec::new();
    if let Some(list) = doc.get("rollbacks").filter(|r| !r.is_null()) {
        for (i, item) in list_of(list, "rollbacks")?.iter().enumerate() {
            rollbacks.push(refs::activity_or_ref(item, &format!("rollbacks[{i}]"), &ctx, &targets, mode)?);
        }
    }

    let mut experiment = Experiment {
        document: document.clone(),
        title: title.to_string(),
        configuration,
        dynamic_configuration,
        secrets,
        hypothesis,
        method: method_activities,
        rollbacks,
        base_dir: base_dir.to_path_buf(),
    };
    python::bind_keys(&mut experiment);
    Ok(experiment)
}

fn hypothesis(
    value: &Value,
    ctx: &activity::Context,
    targets: &refs::Targets,
    mode: Mode,
) -> Result<Hypothesis, ValidationError> {
    let title = non_empty_str(value.get("title")).ok_or_else(|| ValidationError::new("hypothesis requires a title"))?;
    let mut probes = Vec::new();
    if let Some(list) = value.get("probes").filter(|p| !p.is_null()) {
        for (i, item) in list_of(list, "steady-state-hypothesis probes")?.iter().enumerate() {
            let location = format!("steady-state-hypothesis.probes[{i}]");
            // The tolerance is the entry's, also for a `ref` entry.
            let mut probe = refs::activity_or_ref(item, &location, ctx, targets, mode)?;
            let Some(tolerance) = item.get("tolerance") else {
                return Err(ValidationError::at(probe.name, "hypothesis probe must have a tolerance entry"));
            };
            probe.tolerance = Some(tolerance::parse(tolerance, &probe.name, ctx)?);
            probes.push(probe);
        }
    }
    Ok(Hypothesis { title: title.to_string(), probes })
}

fn list_of<'a>(value: &'a Value, what: &str) -> Result<&'a Vec<Value>, ValidationError> {
    value.as_array().ok_or_else(|| ValidationError::new(format!("{what} must be a list of activities")))
}

pub(crate) fn non_empty_str(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str).filter(|s| !s.is_empty())
}

pub(crate) fn truthy(value: &Value) -> bool {
    crate::tolerance::truthy(value)
}

#[cfg(test)]
mod tests;
