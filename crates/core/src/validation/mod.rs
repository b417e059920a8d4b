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
mod tolerance;

use crate::configuration;
use crate::experiment::{Activity, Experiment, Hypothesis};
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
    pub fn new(message: impl Into<String>) -> Self {
        Self { activity: None, message: message.into() }
    }

    /// A problem with one activity (its name, or where it sits).
    pub fn at(activity: impl Into<String>, message: impl Into<String>) -> Self {
        Self { activity: Some(activity.into()), message: message.into() }
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

/// Validates `document` and builds the experiment. `base_dir` is the
/// experiment file's directory; `overrides` are `--var` values.
///
/// # Errors
/// The first problem found, in Chaos Toolkit's order.
pub fn validate(document: &Value, base_dir: &Path, overrides: &Vars) -> Result<Experiment, ValidationError> {
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
    configuration::load(&configuration, &overrides.configuration, &overrides.env).map_err(ValidationError::new)?;
    let secrets = match doc.get("secrets") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(s)) => s.clone(),
        Some(_) => return Err(ValidationError::new("experiment secrets must be a mapping of scopes")),
    };
    crate::secrets::load(&secrets, &overrides.secrets, &overrides.env).map_err(ValidationError::new)?;

    let ctx = activity::Context { base_dir };
    let mut dynamic_configuration = Vec::new();
    for (key, value) in &configuration {
        if value.get("type").and_then(Value::as_str) == Some("probe") && !overrides.configuration.contains_key(key) {
            dynamic_configuration
                .push((key.clone(), activity::activity(value, &format!("configuration.{key}"), &ctx)?));
        }
    }
    controls::validate_all(doc)?;
    let hypothesis = match doc.get("steady-state-hypothesis") {
        None | Some(Value::Null) => None,
        Some(h) => Some(hypothesis(h, &ctx)?),
    };

    let method = doc.get("method").filter(|m| !m.is_null()).ok_or_else(|| {
        ValidationError::new(
            "an experiment requires a method, which can be empty for only checking steady state hypothesis ",
        )
    })?;
    let method = list_of(method, "method")?;
    let mut known: Vec<Activity> = hypothesis.iter().flat_map(|h| h.probes.clone()).collect();
    let mut method_activities = Vec::new();
    for (i, item) in method.iter().enumerate() {
        let mut resolved = activity::activity_or_ref(item, &format!("method[{i}]"), &ctx, &known)?;
        // Method tolerances are not validated (as in the reference); --strict
        // checks the ones that parse.
        if resolved.tolerance.is_none()
            && let Some(t) = item.get("tolerance")
        {
            resolved.tolerance = tolerance::parse(t, &resolved.name, &ctx).ok();
        }
        known.push(resolved.clone());
        method_activities.push(resolved);
    }

    let mut rollbacks = Vec::new();
    if let Some(list) = doc.get("rollbacks").filter(|r| !r.is_null()) {
        for (i, item) in list_of(list, "rollbacks")?.iter().enumerate() {
            rollbacks.push(activity::activity_or_ref(item, &format!("rollbacks[{i}]"), &ctx, &known)?);
        }
    }

    Ok(Experiment {
        document: document.clone(),
        title: title.to_string(),
        configuration,
        dynamic_configuration,
        secrets,
        hypothesis,
        method: method_activities,
        rollbacks,
        base_dir: base_dir.to_path_buf(),
    })
}

fn hypothesis(value: &Value, ctx: &activity::Context) -> Result<Hypothesis, ValidationError> {
    let title = non_empty_str(value.get("title")).ok_or_else(|| ValidationError::new("hypothesis requires a title"))?;
    let mut probes = Vec::new();
    if let Some(list) = value.get("probes").filter(|p| !p.is_null()) {
        for (i, item) in list_of(list, "steady-state-hypothesis probes")?.iter().enumerate() {
            let location = format!("steady-state-hypothesis.probes[{i}]");
            let mut probe = activity::activity(item, &location, ctx)?;
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
