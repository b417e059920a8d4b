//! Activity components: where they come from (`builtin:NAME` or a file) and
//! what they provide, learned once when they are loaded.

use super::bindings::ActivityPre;
use super::bindings::chaos::activity::types::Kind;
use super::call::{self, CallOptions};
use super::state::ActivityState;
use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

include!(concat!(env!("OUT_DIR"), "/builtin_components.rs"));

/// Where a component comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ComponentSource {
    /// `builtin:NAME`, embedded in the binary.
    Builtin(String),
    /// A `.wasm` file.
    File(PathBuf),
}

impl ComponentSource {
    /// Reads a provider's `module`: `builtin:NAME`, or a path relative to
    /// `base_dir` (the experiment file's directory).
    pub fn parse(module: &str, base_dir: &Path) -> Self {
        match module.strip_prefix("builtin:") {
            Some(name) => ComponentSource::Builtin(name.to_string()),
            None => ComponentSource::File(base_dir.join(module)),
        }
    }

    /// The names of the built-in components.
    pub fn builtin_names() -> impl Iterator<Item = &'static str> {
        BUILTIN_COMPONENTS.iter().map(|(name, _)| *name)
    }

    /// The component's bytes.
    ///
    /// # Errors
    /// An unknown built-in name, or a file that cannot be read.
    pub fn bytes(&self) -> Result<Cow<'static, [u8]>> {
        match self {
            ComponentSource::Builtin(name) => {
                BUILTIN_COMPONENTS.iter().find(|(n, _)| n == name).map(|(_, bytes)| Cow::Borrowed(*bytes)).ok_or_else(
                    || {
                        let known: Vec<_> = Self::builtin_names().map(|n| format!("builtin:{n}")).collect();
                        anyhow!("there is no built-in component `builtin:{name}` (built-ins: {})", known.join(", "))
                    },
                )
            }
            ComponentSource::File(path) => std::fs::read(path)
                .map(Cow::Owned)
                .with_context(|| format!("cannot read the component file {}", path.display())),
        }
    }
}

impl fmt::Display for ComponentSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComponentSource::Builtin(name) => write!(f, "builtin:{name}"),
            ComponentSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Probe or action, as the component declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityKind {
    /// Observes the system.
    Probe,
    /// Changes the system.
    Action,
}

/// One activity a component provides.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActivityInfo {
    /// The name experiments use in `provider.func`.
    pub name: String,
    /// Probe or action.
    #[serde(rename = "type")]
    pub kind: ActivityKind,
    /// What it does.
    pub description: String,
    /// JSON Schema of its arguments.
    pub arguments_schema: Value,
}

/// A compiled component, ready to instantiate, with its activities.
pub struct LoadedComponent {
    source: ComponentSource,
    pub(super) pre: ActivityPre<ActivityState>,
    activities: Vec<ActivityInfo>,
    validators: HashMap<String, jsonschema::Validator>,
}

impl LoadedComponent {
    pub(super) async fn new(
        engine: &Engine,
        linker: &Linker<ActivityState>,
        source: ComponentSource,
        component: Component,
    ) -> Result<Self> {
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .context("it imports something the sandbox does not provide")?;
        let pre = ActivityPre::new(instance_pre)
            .map_err(anyhow::Error::from)
            .context("it does not export the chaos:activity/activities interface")?;
        let options = CallOptions::new(format!("{source}#describe"));
        let infos = call::describe(engine, &pre, &options)
            .await
            .map_err(|e| anyhow!("describing its activities failed: {e}"))?;
        let mut activities = Vec::new();
        let mut validators = HashMap::new();
        for info in infos {
            let schema: Value = serde_json::from_str(&info.arguments_schema)
                .with_context(|| format!("activity `{}` declares an arguments schema that is not JSON", info.name))?;
            let validator = jsonschema::validator_for(&schema)
                .map_err(|e| anyhow!("activity `{}` declares an invalid arguments schema: {e}", info.name))?;
            validators.insert(info.name.clone(), validator);
            activities.push(ActivityInfo {
                name: info.name,
                kind: match info.kind {
                    Kind::Probe => ActivityKind::Probe,
                    Kind::Action => ActivityKind::Action,
                },
                description: info.description,
                arguments_schema: schema,
            });
        }
        if activities.is_empty() {
            bail!("it provides no activities");
        }
        Ok(Self { source, pre, activities, validators })
    }

    /// Where the component came from.
    pub fn source(&self) -> &ComponentSource {
        &self.source
    }

    /// The activities it provides.
    pub fn activities(&self) -> &[ActivityInfo] {
        &self.activities
    }

    /// The activity called `name`, if provided.
    pub fn activity(&self, name: &str) -> Option<&ActivityInfo> {
        self.activities.iter().find(|a| a.name == name)
    }

    /// The activity called `name`.
    ///
    /// # Errors
    /// A message naming the activities the component does provide.
    pub fn require(&self, name: &str) -> Result<&ActivityInfo, String> {
        self.activity(name).ok_or_else(|| {
            let names: Vec<_> = self.activities.iter().map(|a| a.name.as_str()).collect();
            format!("{} provides no activity `{name}` (it provides: {})", self.source, names.join(", "))
        })
    }

    /// Checks `arguments` against the schema of activity `name`.
    ///
    /// # Errors
    /// A message listing each mismatch (`/path: problem`), or naming the
    /// activity the component does not provide.
    pub fn check_arguments(&self, name: &str, arguments: &Value) -> Result<(), String> {
        self.require(name)?;
        let validator = &self.validators[name];
        let problems: Vec<String> = validator
            .iter_errors(arguments)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() { e.to_string() } else { format!("{at}: {e}") }
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("arguments do not match what `{name}` accepts: {}", problems.join("; ")))
        }
    }
}
