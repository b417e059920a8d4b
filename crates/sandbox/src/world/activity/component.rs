//! Activity components: what they provide, learned once when they are
//! loaded.

use super::bindings::ActivityPre;
use super::bindings::chaos::activity::types::Kind;
use super::call;
use crate::error::LoadError;
use crate::options::CallOptions;
use crate::sandbox::Sandbox;
use crate::store::HostState;
use chaos_core::experiment::{ActivityKind, ComponentRef};
use serde_json::Value;
use std::collections::HashMap;
use wasmtime::component::{Component, Linker};

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

/// An experiment's use of a component that the component does not support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActivityMismatch {
    /// The component provides no activity of that name.
    #[error("{component} provides no activity `{name}` (it provides: {})", provided.join(", "))]
    Unknown {
        /// The component.
        component: String,
        /// The activity asked for.
        name: String,
        /// The activities it provides.
        provided: Vec<String>,
    },
    /// The arguments do not match the activity's schema.
    #[error("arguments do not match what `{name}` accepts: {}", problems.join("; "))]
    Arguments {
        /// The activity.
        name: String,
        /// Each mismatch, `/path: problem`.
        problems: Vec<String>,
    },
}

/// A compiled component, ready to instantiate, with its activities.
pub struct LoadedComponent {
    source: ComponentRef,
    pub(super) pre: ActivityPre<HostState>,
    activities: Vec<ActivityInfo>,
    validators: HashMap<String, jsonschema::Validator>,
}

impl LoadedComponent {
    /// Prepares `component` for instantiation with `linker` and asks it
    /// which activities it provides (a call with no grants and `sandbox`'s
    /// default limits).
    pub(crate) async fn new(
        sandbox: &Sandbox,
        linker: &Linker<HostState>,
        source: ComponentRef,
        component: Component,
    ) -> Result<Self, LoadError> {
        let not_activity = |reason: String| LoadError::NotActivity { component: source.clone(), reason };
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(|e| not_activity(format!("it imports something the sandbox does not provide: {e:#}")))?;
        let pre = ActivityPre::new(instance_pre)
            .map_err(|e| not_activity(format!("it does not export the chaos:activity/activities interface: {e:#}")))?;
        let options = CallOptions { limits: sandbox.limits(), ..CallOptions::new(format!("{source}#describe")) };
        let infos = call::describe(sandbox, &pre, &options)
            .await
            .map_err(|e| not_activity(format!("describing its activities failed: {e}")))?;
        let mut activities = Vec::new();
        let mut validators = HashMap::new();
        for info in infos {
            let schema: Value = serde_json::from_str(&info.arguments_schema).map_err(|e| {
                not_activity(format!("activity `{}` declares an arguments schema that is not JSON: {e}", info.name))
            })?;
            let validator = jsonschema::validator_for(&schema).map_err(|e| {
                not_activity(format!("activity `{}` declares an invalid arguments schema: {e}", info.name))
            })?;
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
            return Err(not_activity("it provides no activities".into()));
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
    pub fn require(&self, name: &str) -> Result<&ActivityInfo, ActivityMismatch> {
        self.activity(name).ok_or_else(|| ActivityMismatch::Unknown {
            component: self.source.to_string(),
            name: name.to_string(),
            provided: self.activities.iter().map(|a| a.name.clone()).collect(),
        })
    }

    /// Checks `arguments` against the schema of activity `name`.
    ///
    /// # Errors
    /// A message listing each mismatch (`/path: problem`), or naming the
    /// activity the component does not provide.
    pub fn check_arguments(&self, name: &str, arguments: &Value) -> Result<(), ActivityMismatch> {
        self.require(name)?;
        let validator = &self.validators[name];
        let problems: Vec<String> = validator
            .iter_errors(arguments)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() { e.to_string() } else { format!("{at}: {e}") }
            })
            .collect();
        if problems.is_empty() { Ok(()) } else { Err(ActivityMismatch::Arguments { name: name.to_string(), problems }) }
    }
}
