//! The experiment's `secrets`: `{scope: {key: value}}`, where a value may be
//! `{"type": "env", "key": "VAR"}`. Secret keys join the substitution
//! mapping after the configuration (configuration wins a name clash, then
//! the first scope). Vault secrets are refused with a clear message.
//!
//! Secret values are masked (`***`) in journals and logs unless the
//! operator asks otherwise: [`mask`].

use crate::host_env::HostEnv;
use crate::substitution::Mapping;
use serde_json::{Map, Value};

/// Loaded secrets, by scope.
pub type Secrets = Map<String, Value>;

/// Why the secrets could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    /// An env secret whose variable is unset (Chaos Toolkit's message).
    #[error("Secrets make reference to an environment key that does not exist: {0}")]
    MissingEnv(String),
    /// A Vault secret, which this engine does not support.
    #[error(
        "secret `{0}` comes from Vault, which this engine does not support; use an env secret ({{\"type\": \"env\", \"key\": \"VAR\"}})"
    )]
    Vault(String),
}

/// Loads `declared` secrets; a scope in `overrides` (from a var file)
/// replaces the declared one; env secrets read `env`.
///
/// # Errors
/// An env secret whose variable is unset (Chaos Toolkit's message), or a
/// Vault secret.
pub fn load(
    declared: &Map<String, Value>,
    overrides: &Map<String, Value>,
    env: &HostEnv,
) -> Result<Secrets, SecretsError> {
    let mut out = Secrets::new();
    for (scope, value) in declared {
        let loaded = match overrides.get(scope) {
            Some(replacement) => replacement.clone(),
            None => resolve(value, scope, env)?,
        };
        out.insert(scope.clone(), loaded);
    }
    Ok(out)
}

fn resolve(value: &Value, at: &str, env: &HostEnv) -> Result<Value, SecretsError> {
    let Value::Object(obj) = value else { return Ok(value.clone()) };
    match obj.get("type").and_then(Value::as_str) {
        Some("env") => {
            let var = obj.get("key").and_then(Value::as_str).unwrap_or_default();
            env.var(var).map(Value::String).ok_or_else(|| SecretsError::MissingEnv(var.to_string()))
        }
        Some("vault") => Err(SecretsError::Vault(at.to_string())),
        _ => {
            let mut resolved = Map::new();
            for (k, v) in obj {
                resolved.insert(k.clone(), resolve(v, &format!("{at}.{k}"), env)?);
            }
            Ok(Value::Object(resolved))
        }
    }
}

/// The substitution mapping: configuration, then each scope's keys.
pub fn mapping(configuration: &Mapping, secrets: &Secrets) -> Mapping {
    let mut out = configuration.clone();
    for scope in secrets.values() {
        if let Value::Object(values) = scope {
            for (k, v) in values {
                out.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    out
}

/// The secret strings to mask: every leaf value of at least 3 characters.
pub fn values(secrets: &Secrets) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) if s.chars().count() >= 3 => out.push(s.clone()),
            Value::Number(n) if n.to_string().len() >= 3 => out.push(n.to_string()),
            Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    secrets.values().for_each(|v| walk(v, &mut out));
    // Longest first, so a secret containing another is masked whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

/// Replaces every occurrence of a secret in `text` with `***`.
pub fn mask_str(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

/// Masks secrets in every string of `value`, and replaces the values of the
/// experiment's inline `secrets` declarations.
pub fn mask(value: &Value, secrets: &[String]) -> Value {
    match value {
        Value::String(s) => Value::String(mask_str(s, secrets)),
        Value::Array(a) => Value::Array(a.iter().map(|v| mask(v, secrets)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), mask(v, secrets))).collect()),
        other => {
            let text = other.to_string();
            if secrets.contains(&text) { Value::String("***".into()) } else { other.clone() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn env_secrets_resolve_and_missing_ones_fail_with_the_reference_message() {
        let declared = json!({"s": {"token": {"type": "env", "key": "CHAOS_TEST_SURELY_UNSET"}}});
        let err = load(declared.as_object().unwrap(), &Map::new(), &HostEnv::process()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Secrets make reference to an environment key that does not exist: CHAOS_TEST_SURELY_UNSET"
        );
    }

    #[test]
    fn env_secrets_read_the_overlay_of_the_host_environment() {
        let declared = json!({"s": {"token": {"type": "env", "key": "CHAOS_TEST_SECRET_FROM_DOTENV"}}});
        let env = HostEnv::with_overlay([("CHAOS_TEST_SECRET_FROM_DOTENV".to_string(), "hunter22".to_string())]);
        let loaded = load(declared.as_object().unwrap(), &Map::new(), &env).unwrap();
        assert_eq!(loaded["s"]["token"], json!("hunter22"));
    }

    #[test]
    fn vault_secrets_are_refused_clearly() {
        let declared = json!({"s": {"db": {"type": "vault", "path": "secret/db"}}});
        let err = load(declared.as_object().unwrap(), &Map::new(), &HostEnv::process()).unwrap_err();
        assert!(err.to_string().contains("secret `s.db` comes from Vault"), "{err}");
    }

    #[test]
    fn configuration_wins_over_secrets_then_the_first_scope() {
        let config = json!({"a": "config"}).as_object().unwrap().clone();
        let secrets =
            json!({"one": {"a": "s1", "b": "s1"}, "two": {"b": "s2", "c": "s2"}}).as_object().unwrap().clone();
        let m = mapping(&config, &secrets);
        assert_eq!((m["a"].as_str(), m["b"].as_str(), m["c"].as_str()), (Some("config"), Some("s1"), Some("s2")));
    }

    #[test]
    fn masking_replaces_secret_values_everywhere() {
        let secrets = json!({"s": {"token": "hunter22"}}).as_object().unwrap().clone();
        let v = values(&secrets);
        assert_eq!(mask(&json!({"x": ["Bearer hunter22"]}), &v), json!({"x": ["Bearer ***"]}));
        assert_eq!(mask_str("pw=hunter22;", &v), "pw=***;");
    }
}
