//! The settings file (`--settings`, default `~/.chaostoolkit/settings.yaml`),
//! the same YAML document Chaos Toolkit reads. This engine uses
//! `runtime.rollbacks.strategy`, `runtime.hypothesis.strategy` and `auths`
//! (for loading experiments over HTTP); other keys are kept as they are.

use crate::input::{InputError, MAX_NESTING, MAX_SETTINGS_BYTES, check_yaml_nesting, read_regular_text};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The default settings path.
pub fn default_path() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(".chaostoolkit").join("settings.yaml")
}

/// Why the settings file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file exists but cannot be read.
    #[error("cannot read the settings file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not YAML.
    #[error("cannot parse the settings file {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The file is YAML but not a mapping.
    #[error("the settings file {} is not a mapping", .0.display())]
    NotMapping(PathBuf),
    /// The file or its directory cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Settings as a JSON document (empty when the file is missing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// The document.
    pub document: Map<String, Value>,
}

impl Settings {
    /// Loads `path`; a missing file gives empty settings.
    ///
    /// # Errors
    /// An unreadable file or one that is not a YAML mapping.
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        let text = match read_regular_text(path, MAX_SETTINGS_BYTES) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(Self::default()),
            Err(InputError::Io { source, .. }) => return Err(SettingsError::Read { path: path.into(), source }),
            Err(e) => return Err(SettingsError::Parse { path: path.into(), message: e.to_string() }),
        };
        check_yaml_nesting(&text, MAX_NESTING)
            .map_err(|e| SettingsError::Parse { path: path.into(), message: e.to_string() })?;
        match serde_yaml_ng::from_str::<Value>(&text) {
            Ok(Value::Object(document)) => Ok(Self { document }),
            Ok(Value::Null) => Ok(Self::default()),
            Ok(_) => Err(SettingsError::NotMapping(path.into())),
            Err(e) => Err(SettingsError::Parse { path: path.into(), message: e.to_string() }),
        }
    }

    /// Writes the settings to `path` as YAML, creating its directory.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), SettingsError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| SettingsError::Write { path: dir.into(), source })?;
        }
        let text = serde_yaml_ng::to_string(&Value::Object(self.document.clone()))
            .expect("a JSON mapping always serializes to YAML");
        std::fs::write(path, text).map_err(|source| SettingsError::Write { path: path.into(), source })
    }

    /// The value at a dotted `key` (`runtime.rollbacks.strategy`).
    pub fn get(&self, key: &str) -> Option<&Value> {
        let mut parts = key.split('.');
        let mut current = self.document.get(parts.next()?)?;
        for part in parts {
            current = current.get(part)?;
        }
        Some(current)
    }

    /// Sets the value at a dotted `key`, creating intermediate mappings.
    pub fn set(&mut self, key: &str, value: Value) {
        let parts: Vec<&str> = key.split('.').collect();
        let mut current = &mut self.document;
        for part in &parts[..parts.len() - 1] {
            let entry = current.entry(part.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            current = entry.as_object_mut().expect("just made a mapping");
        }
        current.insert(parts[parts.len() - 1].to_string(), value);
    }

    /// Removes the value at a dotted `key`; returns whether it existed.
    pub fn remove(&mut self, key: &str) -> bool {
        fn remove_in(map: &mut Map<String, Value>, parts: &[&str]) -> bool {
            match parts {
                [] => false,
                [last] => map.remove(*last).is_some(),
                [first, rest @ ..] => match map.get_mut(*first).and_then(Value::as_object_mut) {
                    Some(inner) => remove_in(inner, rest),
                    None => false,
                },
            }
        }
        let parts: Vec<&str> = key.split('.').collect();
        remove_in(&mut self.document, &parts)
    }

    /// A string at a dotted key.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_settings_file_that_is_not_a_regular_file_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("settings.yaml");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let err = Settings::load(&fifo).unwrap_err().to_string();
        assert!(err.contains("is not a regular file"), "{err}");
    }

    #[test]
    fn deeply_nested_settings_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.yaml");
        std::fs::write(&path, format!("auths: {}", "[".repeat(10_000))).unwrap();
        let err = Settings::load(&path).unwrap_err().to_string();
        assert!(err.contains("nests deeper than 64 levels"), "{err}");
    }

    #[test]
    fn dotted_keys_get_set_and_remove_nested_values() {
        let mut s = Settings::default();
        s.set("runtime.rollbacks.strategy", json!("always"));
        assert_eq!(s.get_str("runtime.rollbacks.strategy"), Some("always"));
        assert!(s.remove("runtime.rollbacks.strategy"));
        assert!(!s.remove("runtime.rollbacks.strategy"));
        assert_eq!(s.get("runtime.rollbacks"), Some(&json!({})));
    }

    #[test]
    fn a_missing_file_gives_empty_settings_and_saving_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/settings.yaml");
        assert_eq!(Settings::load(&path).unwrap(), Settings::default());
        let mut s = Settings::default();
        s.set("auths.example\\.com", json!({"type": "bearer", "value": "t"}));
        s.save(&path).unwrap();
        assert_eq!(Settings::load(&path).unwrap(), s);
    }
}
