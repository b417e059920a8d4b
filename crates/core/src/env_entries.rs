//! The `{"type": "env", "key": "VAR"}` entries of an experiment's
//! `configuration` and `secrets`: each is a request to read a host
//! variable, which the operator must allow with `--allow-env=VAR` (or `-A`)
//! like an activity's `env` grant.
//!
//! An entry is named by where it is declared: `configuration:KEY` for a
//! configuration key, `secrets:SCOPE.KEY` for a secret (nested keys joined
//! with dots). An entry replaced by a `--var` / `--var-file` value reads
//! nothing and requests nothing.
//!
//! [`withhold`] and [`withhold_secrets`] remove the entries whose variable
//! may not be read, so that loading never reads it: the keys stay
//! unresolved and the refusal names the flag to add.

use crate::substitution::Mapping;
use serde_json::{Map, Value};

/// One env entry: the variable it reads and where it is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRequest {
    /// `configuration:KEY` or `secrets:SCOPE.KEY`.
    pub declared_at: String,
    /// The host variable.
    pub var: String,
}

/// The env entries of `configuration` and `secrets` that loading would
/// read, given the `--var` overrides of each, in declaration order.
pub fn requests(
    configuration: &Map<String, Value>,
    configuration_overrides: &Mapping,
    secrets: &Map<String, Value>,
    secret_overrides: &Map<String, Value>,
) -> Vec<EnvRequest> {
    let mut out = Vec::new();
    for (key, declared) in configuration {
        let declared = configuration_overrides.get(key).unwrap_or(declared);
        if let Some(var) = env_var(declared) {
            out.push(EnvRequest { declared_at: format!("configuration:{key}"), var: var.to_string() });
        }
    }
    for (scope, declared) in secrets {
        if !secret_overrides.contains_key(scope) {
            secret_requests(declared, &format!("secrets:{scope}"), &mut out);
        }
    }
    out
}

/// `configuration` without the env entries whose variable `readable`
/// refuses (after applying `overrides`, as loading does).
pub fn withhold(
    configuration: &Map<String, Value>,
    overrides: &Mapping,
    readable: impl Fn(&str) -> bool,
) -> Map<String, Value> {
    configuration
        .iter()
        .filter(|(key, declared)| env_var(overrides.get(*key).unwrap_or(declared)).is_none_or(&readable))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `secrets` without the env entries whose variable `readable` refuses.
pub fn withhold_secrets(secrets: &Map<String, Value>, readable: impl Fn(&str) -> bool) -> Map<String, Value> {
    fn walk(value: &Value, readable: &dyn Fn(&str) -> bool) -> Option<Value> {
        if let Some(var) = env_var(value) {
            return readable(var).then(|| value.clone());
        }
        match value {
            Value::Object(obj) => {
                Some(Value::Object(obj.iter().filter_map(|(k, v)| walk(v, readable).map(|v| (k.clone(), v))).collect()))
            }
            other => Some(other.clone()),
        }
    }
    secrets.iter().filter_map(|(k, v)| walk(v, &readable).map(|v| (k.clone(), v))).collect()
}

fn secret_requests(value: &Value, at: &str, out: &mut Vec<EnvRequest>) {
    if let Some(var) = env_var(value) {
        out.push(EnvRequest { declared_at: at.to_string(), var: var.to_string() });
    } else if let Value::Object(obj) = value {
        for (k, v) in obj {
            secret_requests(v, &format!("{at}.{k}"), out);
        }
    }
}

/// The variable an `{"type": "env"}` declaration reads.
fn env_var(declared: &Value) -> Option<&str> {
    let obj = declared.as_object()?;
    if obj.get("type").and_then(Value::as_str) != Some("env") {
        return None;
    }
    Some(obj.get("key").and_then(Value::as_str).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn configuration_and_secret_env_entries_are_requests_named_by_where_they_are_declared() {
        let configuration = map(json!({"a": {"type": "env", "key": "A"}, "b": 1}));
        let secrets = map(json!({"s": {"token": {"type": "env", "key": "T"}, "plain": "x"}}));
        let found = requests(&configuration, &Mapping::new(), &secrets, &Map::new());
        assert_eq!(
            found,
            vec![
                EnvRequest { declared_at: "configuration:a".into(), var: "A".into() },
                EnvRequest { declared_at: "secrets:s.token".into(), var: "T".into() },
            ]
        );
    }

    #[test]
    fn an_entry_replaced_by_a_var_requests_nothing() {
        let configuration = map(json!({"a": {"type": "env", "key": "A"}}));
        let secrets = map(json!({"s": {"token": {"type": "env", "key": "T"}}}));
        let overrides: Mapping = map(json!({"a": "given"})).into_iter().collect();
        let found = requests(&configuration, &overrides, &secrets, &map(json!({"s": {"token": "given"}})));
        assert!(found.is_empty());
    }

    #[test]
    fn withheld_entries_are_removed_and_the_others_kept() {
        let configuration = map(json!({"a": {"type": "env", "key": "A"}, "b": {"type": "env", "key": "B"}, "c": 1}));
        let kept = withhold(&configuration, &Mapping::new(), |var| var == "B");
        assert_eq!(Value::Object(kept), json!({"b": {"type": "env", "key": "B"}, "c": 1}));
        let secrets = map(json!({"s": {"t": {"type": "env", "key": "T"}, "u": {"type": "env", "key": "U"}}}));
        let kept = withhold_secrets(&secrets, |var| var == "U");
        assert_eq!(Value::Object(kept), json!({"s": {"u": {"type": "env", "key": "U"}}}));
    }
}
