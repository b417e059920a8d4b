//! Validation of hypothesis tolerances (Chaos Toolkit's
//! `ensure_hypothesis_tolerance_is_valid`).

use super::ValidationError;
use super::activity::{self, Context};
use crate::substitution::has_placeholder;
use crate::tolerance::Tolerance;
use serde_json::Value;
use serde_json_path::JsonPath;

/// Parses the tolerance of probe `probe`.
pub fn parse(value: &Value, probe: &str, ctx: &Context) -> Result<Tolerance, ValidationError> {
    let fail = |m: String| ValidationError::at(probe, m);
    Ok(match value {
        Value::Bool(b) => Tolerance::Bool(*b),
        Value::Number(n) if n.is_i64() || n.is_u64() => Tolerance::Int(n.clone()),
        Value::String(s) => Tolerance::Str(s.clone()),
        Value::Array(items) => Tolerance::List(items.clone()),
        Value::Object(obj) => match obj.get("type").and_then(Value::as_str) {
            Some("probe") => Tolerance::Probe(Box::new(activity::activity(value, &format!("{probe} tolerance"), ctx)?)),
            Some("regex") => {
                let pattern = obj
                    .get("pattern")
                    .ok_or_else(|| fail("hypothesis regex probe tolerance must have a `pattern` key".into()))?;
                let Value::String(pattern) = pattern else {
                    return Err(fail(format!("hypothesis probe tolerance pattern {pattern} has an invalid type")));
                };
                if !has_placeholder(pattern)
                    && let Err(e) = ctx.check_pattern(pattern)
                {
                    return Err(fail(format!("hypothesis probe tolerance pattern {pattern} seems invalid: {e}")));
                }
                Tolerance::Regex { pattern: pattern.clone(), target: target(obj) }
            }
            Some("jsonpath") => {
                let path = obj
                    .get("path")
                    .ok_or_else(|| fail("hypothesis jsonpath probe tolerance must have a `path` key".into()))?;
                let path = path.as_str().unwrap_or_default();
                if path.is_empty() {
                    return Err(fail("hypothesis probe tolerance JSON path cannot be empty".into()));
                }
                if !has_placeholder(path) && JsonPath::parse(path).is_err() {
                    return Err(fail(format!("hypothesis probe tolerance JSON path {path} is invalid")));
                }
                Tolerance::JsonPath {
                    path: path.to_string(),
                    target: target(obj),
                    count: obj.get("count").and_then(Value::as_u64),
                    expect: obj.get("expect").cloned(),
                }
            }
            Some("range") => {
                let range = obj
                    .get("range")
                    .ok_or_else(|| fail("hypothesis range probe tolerance must have a `range` key".into()))?;
                let items = range.as_array().ok_or_else(|| fail("hypothesis range must be a sequence".into()))?;
                let [low, high] = items.as_slice() else {
                    return Err(fail("hypothesis range sequence must be made of two values".into()));
                };
                let min =
                    low.as_f64().ok_or_else(|| fail("hypothesis range lower boundary must be a number".into()))?;
                let max =
                    high.as_f64().ok_or_else(|| fail("hypothesis range upper boundary must be a number".into()))?;
                Tolerance::Range { min, max, target: target(obj) }
            }
            other => {
                let shown = other.map(String::from).unwrap_or_else(|| "None".into());
                return Err(fail(format!("hypothesis probe tolerance type '{shown}' is unsupported")));
            }
        },
        _ => {
            return Err(fail(
                "hypothesis probe tolerance must either be an integer, a string, a boolean or a pair of values for boundaries. It can also be a dictionary which is a probe activity definition that takes an argument called `value` with the value of the probe itself to be validated".into(),
            ));
        }
    })
}

fn target(obj: &serde_json::Map<String, Value>) -> Option<String> {
    obj.get("target").and_then(Value::as_str).map(String::from)
}
