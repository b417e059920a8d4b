//! Validation of `controls` (experiment, hypothesis and activity level), with
//! Chaos Toolkit's messages. Controls are Python modules, which this engine
//! does not run: valid ones are reported as ignored.

use super::ValidationError;
use serde_json::{Map, Value};

/// Validates every control declaration in the experiment document.
pub fn validate_all(doc: &Map<String, Value>) -> Result<(), ValidationError> {
    let top: Vec<&Value> = list(doc.get("controls"));
    let names: Vec<&str> = top.iter().filter_map(|c| c.get("name").and_then(Value::as_str)).collect();
    let mut all = top.clone();
    if let Some(h) = doc.get("steady-state-hypothesis") {
        all.extend(list(h.get("controls")));
        for probe in list(h.get("probes")) {
            all.extend(list(probe.get("controls")));
        }
    }
    for section in ["method", "rollbacks"] {
        for activity in list(doc.get(section)) {
            all.extend(list(activity.get("controls")));
        }
    }
    for control in &all {
        validate(control, &names)?;
    }
    if !all.is_empty() {
        tracing::warn!("{} control(s) declared: Python controls are not run by this engine and are ignored", all.len());
    }
    Ok(())
}

fn list(value: Option<&Value>) -> Vec<&Value> {
    value.and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

fn validate(control: &Value, top_level: &[&str]) -> Result<(), ValidationError> {
    let name = control.get("name").and_then(Value::as_str).filter(|n| !n.is_empty());
    let Some(name) = name else { return Err(ValidationError::new("A control must have a `name` property")) };
    if let Some(reference) = control.get("ref") {
        let reference = reference.as_str().unwrap_or_default();
        if !top_level.contains(&reference) {
            return Err(ValidationError::new(format!("Control reference '{reference}' declaration cannot be found")));
        }
        return Ok(());
    }
    let Some(provider) = control.get("provider").filter(|p| p.is_object()) else {
        return Err(ValidationError::new(format!("Control '{name}' must have a `provider` property")));
    };
    if let Some(scope) = control.get("scope")
        && !matches!(scope.as_str(), Some("before" | "after"))
    {
        return Err(ValidationError::new(format!("Control '{name}' scope property must be 'before' or 'after' only")));
    }
    if provider.get("type").and_then(Value::as_str) == Some("python")
        && provider.get("module").and_then(Value::as_str).is_none_or(str::is_empty)
    {
        return Err(ValidationError::new(format!("Control '{name}' must have a module path")));
    }
    Ok(())
}
