//! Loading the experiment's `configuration` block into the values that
//! placeholders refer to: static values as written, `{"type": "env"}`
//! entries from the [`HostEnv`], converted with `env_var_type`.

use crate::host_env::HostEnv;
use crate::substitution::Mapping;
use serde_json::{Map, Value};

/// Why the configuration could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigurationError {
    /// An `env` entry whose variable is unset and has no `default` (Chaos
    /// Toolkit's message).
    #[error("Configuration makes reference to an environment key that does not exist: {0}")]
    MissingEnv(String),
    /// An `env` entry whose value does not convert to its `env_var_type`.
    #[error("configuration `{key}`: {source}")]
    Convert {
        /// The configuration key.
        key: String,
        /// Why the value does not convert.
        source: ConvertError,
    },
}

/// Why a text value does not convert to a type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// The text is not a value of that type.
    #[error("`{raw}` is not a valid {kind}")]
    Invalid {
        /// The text.
        raw: String,
        /// The type.
        kind: String,
    },
    /// The text is not JSON.
    #[error("`{raw}` is not JSON: {message}")]
    Json {
        /// The text.
        raw: String,
        /// The parser's message.
        message: String,
    },
    /// The type is not one of bool, str, int, float, bytes or json.
    #[error("variable type can only be: bool, str, int, float, bytes or json")]
    UnknownType(String),
}

/// Evaluates `declarations`; `overrides` (from `--var`) replace a
/// declaration before it is interpreted; `env` entries read `env`.
///
/// # Errors
/// An `env` entry whose variable is unset and has no `default` (Chaos
/// Toolkit's message), or a value that does not convert to `env_var_type`.
pub fn load(
    declarations: &Map<String, Value>,
    overrides: &Mapping,
    env: &HostEnv,
) -> Result<Mapping, ConfigurationError> {
    let mut out = Mapping::new();
    for (key, declared) in declarations {
        let declared = overrides.get(key).unwrap_or(declared);
        let value = match declared {
            Value::Object(obj) if obj.get("type").and_then(Value::as_str) == Some("env") => {
                let var = obj.get("key").and_then(Value::as_str).unwrap_or_default();
                match env.var(var) {
                    Some(raw) => match obj.get("env_var_type").and_then(Value::as_str) {
                        Some(kind) => convert(kind, &raw)
                            .map_err(|source| ConfigurationError::Convert { key: key.clone(), source })?,
                        None => Value::String(raw),
                    },
                    None => match obj.get("default") {
                        Some(default) => default.clone(),
                        None => {
                            return Err(ConfigurationError::MissingEnv(var.to_string()));
                        }
                    },
                }
            }
            other => other.clone(),
        };
        out.insert(key.clone(), value);
    }
    Ok(out)
}

/// Converts text to `kind`: str, int, float, bytes, bool or json.
///
/// # Errors
/// An unknown kind or text that does not parse.
pub fn convert(kind: &str, raw: &str) -> Result<Value, ConvertError> {
    let bad = || ConvertError::Invalid { raw: raw.to_string(), kind: kind.to_string() };
    Ok(match kind {
        "str" | "string" | "bytes" => Value::String(raw.to_string()),
        "int" | "integer" => Value::from(raw.trim().parse::<i64>().map_err(|_| bad())?),
        "float" | "number" => Value::from(raw.trim().parse::<f64>().map_err(|_| bad())?),
        "bool" => Value::Bool(!matches!(raw.to_ascii_lowercase().as_str(), "false" | "0" | "no")),
        "json" => serde_json::from_str(raw)
            .map_err(|e| ConvertError::Json { raw: raw.to_string(), message: e.to_string() })?,
        _ => return Err(ConvertError::UnknownType(kind.to_string())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn static_values_pass_through() {
        let decl = json!({"a": 1, "b": {"nested": true}});
        let out = load(decl.as_object().unwrap(), &Mapping::new(), &HostEnv::process()).unwrap();
        assert_eq!(Value::Object(out), decl);
    }

    #[test]
    fn a_missing_env_key_without_default_fails_with_the_reference_message() {
        let decl = json!({"a": {"type": "env", "key": "CHAOS_TEST_SURELY_UNSET_VAR"}});
        let err = load(decl.as_object().unwrap(), &Mapping::new(), &HostEnv::process()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Configuration makes reference to an environment key that does not exist: CHAOS_TEST_SURELY_UNSET_VAR"
        );
    }

    #[test]
    fn a_missing_env_key_takes_its_default_even_null() {
        let decl = json!({"a": {"type": "env", "key": "CHAOS_TEST_SURELY_UNSET_VAR", "default": null}});
        let out = load(decl.as_object().unwrap(), &Mapping::new(), &HostEnv::process()).unwrap();
        assert_eq!(out["a"], Value::Null);
    }

    #[test]
    fn an_env_key_reads_the_overlay_of_the_host_environment() {
        let decl = json!({"a": {"type": "env", "key": "CHAOS_TEST_FROM_DOTENV", "env_var_type": "int"}});
        let env = HostEnv::with_overlay([("CHAOS_TEST_FROM_DOTENV".to_string(), "7".to_string())]);
        let out = load(decl.as_object().unwrap(), &Mapping::new(), &env).unwrap();
        assert_eq!(out["a"], json!(7));
    }

    #[test]
    fn env_values_convert_to_their_declared_type() {
        assert_eq!(convert("int", "42").unwrap(), json!(42));
        assert_eq!(convert("bool", "No").unwrap(), json!(false));
        assert_eq!(convert("bool", "yes").unwrap(), json!(true));
        assert_eq!(convert("json", "[1]").unwrap(), json!([1]));
        assert!(convert("int", "x").is_err());
        assert!(convert("complex", "1").is_err());
    }

    #[test]
    fn overrides_replace_the_declaration() {
        let decl = json!({"a": 1});
        let overrides = json!({"a": 2}).as_object().unwrap().clone();
        assert_eq!(load(decl.as_object().unwrap(), &overrides, &HostEnv::process()).unwrap()["a"], json!(2));
    }
}
