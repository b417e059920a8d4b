//! The discovery file: what `chaos discover` writes about a component (its
//! activities, their kinds and argument schemas, shaped like Chaos Toolkit's
//! discovery) and what `chaos init` reads to scaffold an experiment.

use crate::experiment::ActivityKind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// A discovery file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discovery {
    /// The Chaos Toolkit library version whose format this follows.
    #[serde(default)]
    pub chaoslib_version: String,
    /// This engine's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chaos_wasm_version: Option<String>,
    /// What was discovered: `builtin:NAME` or a component's path.
    #[serde(default)]
    pub target: String,
    /// The system discovery ran on (`null` with `--no-system-info`).
    #[serde(default)]
    pub platform: Option<Platform>,
    /// The components discovered, with their activities.
    pub extensions: Vec<Extension>,
    /// Keys this type does not model, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The system discovery ran on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// `std::env::consts::OS`.
    pub os: String,
    /// `std::env::consts::ARCH`.
    pub arch: String,
}

impl Platform {
    /// The system this program runs on.
    pub fn current() -> Self {
        Self { os: std::env::consts::OS.into(), arch: std::env::consts::ARCH.into() }
    }
}

/// One component and the activities it provides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extension {
    /// The component (`builtin:fs` or a path).
    pub name: String,
    /// Its version.
    #[serde(default)]
    pub version: String,
    /// Its activities.
    #[serde(default)]
    pub activities: Vec<DiscoveredActivity>,
    /// The SHA-256 of the component's bytes (lower-case hex): the value to
    /// pin it with, `"sha256": "..."` in a wasm provider. Absent in
    /// discovery files written before pinning existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// One activity a component provides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscoveredActivity {
    /// Whether the component declares it a probe or an action.
    #[serde(rename = "type")]
    pub kind: ActivityKind,
    /// Its name.
    pub name: String,
    /// What it does.
    #[serde(default)]
    pub doc: String,
    /// Its arguments' JSON Schema.
    #[serde(default)]
    pub arguments: Value,
    /// The component, for `provider.module`.
    #[serde(default)]
    pub module: String,
    /// The name to call, for `provider.func`.
    #[serde(default)]
    pub func: String,
    /// The component again, under Chaos Toolkit's key.
    #[serde(rename = "mod", default)]
    pub mod_: String,
    /// The SHA-256 of the component, from its extension (not written per
    /// activity): filled by [`crate::scaffold::offers`] so that a scaffolded
    /// experiment pins a component file.
    #[serde(skip)]
    pub sha256: Option<String>,
}

impl DiscoveredActivity {
    /// The entry for activity `name` of `component`.
    pub fn new(component: &str, kind: ActivityKind, name: &str, doc: &str, arguments: Value) -> Self {
        Self {
            kind,
            name: name.into(),
            doc: doc.into(),
            arguments,
            module: component.into(),
            func: name.into(),
            mod_: component.into(),
            sha256: None,
        }
    }
}

/// Why a discovery file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The file could not be read.
    #[error("cannot read {}: {source} (run `chaos discover` first)", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a discovery file.
    #[error("{} is not a discovery file: {source}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
}

impl Discovery {
    /// The discovery of `component`, made by this engine now: one
    /// extension with `activities`; the platform unless `system_info` is
    /// false.
    pub fn of(component: &str, activities: Vec<DiscoveredActivity>, system_info: bool) -> Self {
        let version = env!("CARGO_PKG_VERSION");
        Self {
            chaoslib_version: crate::journal::CHAOSLIB_COMPATIBLE_VERSION.into(),
            chaos_wasm_version: Some(version.into()),
            target: component.into(),
            platform: system_info.then(Platform::current),
            extensions: vec![Extension { name: component.into(), version: version.into(), activities, sha256: None }],
            extra: Map::new(),
        }
    }

    /// The discovery with `sha256`, the digest of the component's bytes,
    /// recorded on its extension (the value to pin the component with).
    #[must_use]
    pub fn with_sha256(mut self, sha256: impl Into<String>) -> Self {
        let sha256 = sha256.into();
        for extension in &mut self.extensions {
            extension.sha256 = Some(sha256.clone());
        }
        self
    }

    /// Every activity of every extension.
    pub fn activities(&self) -> impl Iterator<Item = &DiscoveredActivity> {
        self.extensions.iter().flat_map(|e| &e.activities)
    }

    /// The file's text: pretty JSON with a final newline.
    pub fn to_text(&self) -> String {
        serde_json::to_string_pretty(self).expect("a discovery serialises") + "\n"
    }

    /// Reads the discovery file at `path`.
    ///
    /// # Errors
    /// When the file cannot be read or is not a discovery file.
    pub fn read(path: &Path) -> Result<Self, DiscoveryError> {
        let text = std::fs::read(path).map_err(|source| DiscoveryError::Read { path: path.into(), source })?;
        serde_json::from_slice(&text).map_err(|source| DiscoveryError::Format { path: path.into(), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exists() -> DiscoveredActivity {
        DiscoveredActivity::new("builtin:fs", ActivityKind::Probe, "exists", "d", json!({"type": "object"}))
    }

    #[test]
    fn a_discovery_has_chaos_toolkit_keys_and_names_the_component_three_times() {
        let value = serde_json::to_value(Discovery::of("builtin:fs", vec![exists()], false)).unwrap();
        let keys: Vec<_> = value.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["chaoslib_version", "chaos_wasm_version", "target", "platform", "extensions"]);
        assert_eq!(value["platform"], Value::Null);
        assert_eq!(
            value["extensions"][0]["activities"][0],
            json!({"type": "probe", "name": "exists", "doc": "d", "arguments": {"type": "object"},
                   "module": "builtin:fs", "func": "exists", "mod": "builtin:fs"})
        );
    }

    #[test]
    fn a_discovery_records_the_digest_to_pin_on_its_extension() {
        let digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let value = serde_json::to_value(Discovery::of("a.wasm", vec![exists()], false).with_sha256(digest)).unwrap();
        assert_eq!(value["extensions"][0]["sha256"], digest);
        let unpinned = serde_json::to_value(Discovery::of("a.wasm", vec![exists()], false)).unwrap();
        assert!(unpinned["extensions"][0].get("sha256").is_none());
    }

    #[test]
    fn a_discovery_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("discovery.json");
        let written = Discovery::of("builtin:fs", vec![exists()], true);
        std::fs::write(&path, written.to_text()).unwrap();
        assert_eq!(Discovery::read(&path).unwrap(), written);
    }

    #[test]
    fn a_document_without_extensions_is_not_a_discovery_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("discovery.json");
        std::fs::write(&path, r#"{"chaoslib_version": "1.44.0"}"#).unwrap();
        let error = Discovery::read(&path).unwrap_err();
        assert!(error.to_string().contains("is not a discovery file"), "{error}");
    }

    #[test]
    fn a_missing_file_says_to_run_discover_first() {
        let error = Discovery::read(Path::new("/nonexistent/discovery.json")).unwrap_err();
        assert!(matches!(error, DiscoveryError::Read { .. }));
        assert!(error.to_string().contains("run `chaos discover` first"));
    }
}
