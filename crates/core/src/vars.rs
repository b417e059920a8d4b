//! `--var key[:type]=value` and `--var-file FILE`: values that override the
//! experiment's configuration (and, from var files, whole secret scopes).
//!
//! Precedence, as in Chaos Toolkit: var files in order (later files win),
//! then `--var`. A `.env` file (any extension other than json/yaml/yml, or
//! one that parses to nothing) adds environment variables to the overlay of
//! the run's [`HostEnv`] instead; the process environment is left alone.

use crate::configuration::{ConvertError, convert};
use crate::host_env::HostEnv;
use crate::input::{InputError, MAX_NESTING, MAX_VAR_FILE_BYTES, check_nesting, check_yaml_nesting, read_regular_text};
use crate::substitution::Mapping;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Overrides collected from the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars {
    /// Configuration overrides.
    pub configuration: Mapping,
    /// Secret scopes that replace the experiment's.
    pub secrets: Map<String, Value>,
    /// The environment the experiment sees: the process environment with
    /// the variables of `.env` files on top.
    pub env: HostEnv,
}

/// Why `--var` or `--var-file` values could not be collected.
#[derive(Debug, thiserror::Error)]
pub enum VarsError {
    /// A `--var` without `=`.
    #[error("invalid --var `{0}`: expected key[:type]=value")]
    Syntax(String),
    /// A `--var` with an empty key.
    #[error("invalid --var `{0}`: the key is empty")]
    EmptyKey(String),
    /// A `--var` whose value does not convert to its type.
    #[error("invalid --var `{text}`: {source}")]
    Convert {
        /// The `--var` value.
        text: String,
        /// Why it does not convert.
        source: ConvertError,
    },
    /// A var file that cannot be read.
    #[error("cannot read the var file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A var file that is not a regular file or is over
    /// [`MAX_VAR_FILE_BYTES`].
    #[error("invalid var file: {0}")]
    Input(InputError),
    /// A JSON or YAML var file that does not parse.
    #[error("invalid var file {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A JSON or YAML var file that is not a mapping.
    #[error("the var file {} must be a mapping", .0.display())]
    NotMapping(PathBuf),
    /// A `.env` line without `=`.
    #[error("{}:{line}: expected KEY=VALUE", path.display())]
    EnvLine {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
    },
}

/// Parses one `--var` value.
///
/// # Errors
/// A missing `=` or a value that does not convert to its type.
pub fn parse_var(text: &str) -> Result<(String, Value), VarsError> {
    let (key, value) = text.split_once('=').ok_or_else(|| VarsError::Syntax(text.to_string()))?;
    let (key, kind) = match key.split_once(':') {
        Some((k, t)) => (k, Some(t)),
        None => (key, None),
    };
    if key.is_empty() {
        return Err(VarsError::EmptyKey(text.to_string()));
    }
    let value = match kind {
        None => Value::String(value.to_string()),
        Some(kind) => convert(kind, value).map_err(|source| VarsError::Convert { text: text.to_string(), source })?,
    };
    Ok((key.to_string(), value))
}

/// Collects `var_files` (in order) then `vars`.
///
/// # Errors
/// A missing or unparsable file, or an invalid `--var`.
pub fn collect(vars: &[String], var_files: &[impl AsRef<Path>]) -> Result<Vars, VarsError> {
    let mut out = Vars::default();
    let mut env = Vec::new();
    for file in var_files {
        load_file(file.as_ref(), &mut out, &mut env)?;
    }
    out.env = HostEnv::with_overlay(env);
    for var in vars {
        let (key, value) = parse_var(var)?;
        out.configuration.insert(key, value);
    }
    Ok(out)
}

fn load_file(path: &Path, out: &mut Vars, env: &mut Vec<(String, String)>) -> Result<(), VarsError> {
    let text = read_regular_text(path, MAX_VAR_FILE_BYTES).map_err(|e| match e {
        InputError::Io { source, .. } => VarsError::Read { path: path.into(), source },
        other => VarsError::Input(other),
    })?;
    let invalid = |message: String| VarsError::Parse { path: path.into(), message };
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("json") => check_nesting(&text, MAX_NESTING).map_err(|e| invalid(e.to_string()))?,
        Some("yaml" | "yml") => check_yaml_nesting(&text, MAX_NESTING).map_err(|e| invalid(e.to_string()))?,
        _ => {}
    }
    let parsed = match ext.as_deref() {
        Some("json") => Some(serde_json::from_str::<Value>(&text).map_err(|e| invalid(e.to_string()))?),
        Some("yaml" | "yml") => Some(serde_yaml_ng::from_str::<Value>(&text).map_err(|e| invalid(e.to_string()))?),
        _ => None,
    };
    match parsed {
        Some(Value::Object(doc)) if !doc.is_empty() => {
            for (section, target) in [("configuration", &mut out.configuration), ("secrets", &mut out.secrets)] {
                if let Some(Value::Object(values)) = doc.get(section) {
                    target.extend(values.clone());
                }
            }
            Ok(())
        }
        Some(Value::Null) | None => load_env(&text, path, env),
        Some(Value::Object(_)) => load_env(&text, path, env),
        Some(_) => Err(VarsError::NotMapping(path.into())),
    }
}

fn load_env(text: &str, path: &Path, out: &mut Vec<(String, String)>) -> Result<(), VarsError> {
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (key, value) = line.split_once('=').ok_or_else(|| VarsError::EnvLine { path: path.into(), line: n + 1 })?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        out.push((key.trim().to_string(), value.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vars_take_an_optional_type() {
        assert_eq!(parse_var("port:int=8080").unwrap(), ("port".into(), json!(8080)));
        assert_eq!(parse_var("name=x=y").unwrap(), ("name".into(), json!("x=y")));
        assert!(parse_var("novalue").is_err());
        assert!(parse_var("port:int=eighty").is_err());
    }

    #[test]
    fn a_deeply_nested_var_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vars.yaml");
        std::fs::write(&path, format!("configuration: {}", "[".repeat(10_000))).unwrap();
        let err = collect(&[], &[path]).unwrap_err().to_string();
        assert!(err.contains("nests deeper than 64 levels"), "{err}");
    }

    #[test]
    fn a_var_file_over_its_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vars.env");
        std::fs::File::create(&path).unwrap().set_len(crate::input::MAX_VAR_FILE_BYTES + 1).unwrap();
        let err = collect(&[], &[path]).unwrap_err().to_string();
        assert!(err.contains("is larger than the limit of 1048576 bytes"), "{err}");
    }

    #[test]
    fn var_files_merge_in_order_and_vars_win() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        std::fs::write(&a, r#"{"configuration": {"x": 1, "y": 1}, "secrets": {"s": {"k": "v"}}}"#).unwrap();
        let b = dir.path().join("b.yaml");
        std::fs::write(&b, "configuration:\n  y: 2\n").unwrap();
        let vars = collect(&["x:int=3".to_string()], &[a, b]).unwrap();
        assert_eq!(vars.configuration, json!({"x": 3, "y": 2}).as_object().unwrap().clone());
        assert_eq!(vars.secrets["s"], json!({"k": "v"}));
    }

    #[test]
    fn other_files_are_dotenv_files_that_overlay_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join(".env");
        std::fs::write(&f, "# comment\nCHAOS_TEST_A=1\nexport CHAOS_TEST_B=\"two words\"\n").unwrap();
        let vars = collect(&[], &[f]).unwrap();
        assert_eq!(vars.env.var("CHAOS_TEST_A").as_deref(), Some("1"));
        assert_eq!(vars.env.var("CHAOS_TEST_B").as_deref(), Some("two words"));
        assert_eq!(std::env::var("CHAOS_TEST_A").ok(), None, "the process environment is left alone");
    }

    #[test]
    fn a_later_dotenv_file_wins() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.env");
        std::fs::write(&first, "CHAOS_TEST_C=first\n").unwrap();
        let second = dir.path().join("second.env");
        std::fs::write(&second, "CHAOS_TEST_C=second\n").unwrap();
        let vars = collect(&[], &[first, second]).unwrap();
        assert_eq!(vars.env.var("CHAOS_TEST_C").as_deref(), Some("second"));
    }
}
