//! Activity components: where they come from (`builtin:NAME` or a file) and
//! what they provide, learned once when they are loaded.

use super::bindings::ActivityPre;
use super::bindings::chaos::activity::types::Kind;
use super::call::{self, CallOptions};
use super::state::ActivityState;
use anyhow::{Context, Result, anyhow, bail};
use chaos_core::experiment::{ActivityKind, ComponentRef};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

/// The built-in components a sandbox can load as `builtin:NAME`. The
/// sandbox does not embed them itself (`chaos-builtins` does), so that it
/// can be built and tested without building guests.
pub trait Builtins: Send + Sync {
    /// The component `builtin:NAME` and the SHA-256 of its bytes (lower-case
    /// hex), if there is one.
    fn get(&self, name: &str) -> Option<(&'static [u8], &'static str)>;
    /// The names of every built-in, for messages.
    fn names(&self) -> Vec<&'static str>;
}

/// No built-in components.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBuiltins;

impl Builtins for NoBuiltins {
    fn get(&self, _: &str) -> Option<(&'static [u8], &'static str)> {
        None
    }

    fn names(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

/// The bytes of the component `source` names, with their SHA-256 when it
/// is known without hashing (built-ins).
///
/// # Errors
/// An unknown built-in name, or a file that cannot be read.
pub fn read_component(
    builtins: &dyn Builtins,
    source: &ComponentRef,
) -> Result<(Cow<'static, [u8]>, Option<&'static str>)> {
    match source {
        ComponentRef::Builtin(name) => match builtins.get(name) {
            Some((bytes, digest)) => Ok((Cow::Borrowed(bytes), Some(digest))),
            None => {
                let known: Vec<_> = builtins.names().into_iter().map(|n| format!("builtin:{n}")).collect();
                Err(anyhow!("there is no built-in component `builtin:{name}` (built-ins: {})", known.join(", ")))
            }
        },
        ComponentRef::File(path) => std::fs::read(path)
            .map(|bytes| (Cow::Owned(bytes), None))
            .with_context(|| format!("cannot read the component file {}", path.display())),
    }
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
    source: ComponentRef,
    pub(super) pre: ActivityPre<ActivityState>,
    activities: Vec<ActivityInfo>,
    validators: HashMap<String, jsonschema::Validator>,
}

impl LoadedComponent {
    pub(super) async fn new(
        engine: &Engine,
        linker: &Linker<ActivityState>,
        source: ComponentRef,
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
    pub fn source(&self) -> &ComponentRef {
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
