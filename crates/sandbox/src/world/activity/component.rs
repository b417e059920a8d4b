//! Activity components: what they provide, learned once when they are
//! loaded.

use super::bindings::ActivityPre;
use super::bindings::chaos::activity::types::{ActivityInfo as WitInfo, Kind};
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

/// Most activities one component may describe.
pub const MAX_ACTIVITIES: usize = 256;
/// Longest activity name, bytes.
pub const MAX_NAME_BYTES: usize = 128;
/// Longest activity description, bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 4 << 10;
/// Largest arguments schema of one activity, bytes.
pub const MAX_SCHEMA_BYTES: usize = 64 << 10;
/// Most bytes of names, descriptions and schemas one component may describe
/// in all: 1 MiB. Each schema is compiled when the component loads, so
/// without this a component describing 200,000 activities made the host
/// compile 200,000 schemas (792 MB).
pub const MAX_DESCRIBED_BYTES: usize = 1 << 20;

/// Refuses a description larger than the caps above, naming the cap and
/// quoting nothing of it.
fn check_size(infos: &[WitInfo]) -> Result<(), String> {
    if infos.len() > MAX_ACTIVITIES {
        return Err(format!("it describes {} activities, more than the limit of {MAX_ACTIVITIES}", infos.len()));
    }
    let mut total = 0usize;
    for (i, info) in infos.iter().enumerate() {
        let activity = if info.name.len() <= MAX_NAME_BYTES {
            format!("activity `{}`", info.name)
        } else {
            return Err(format!(
                "activity #{} has a name of {} bytes, more than the limit of {MAX_NAME_BYTES}",
                i + 1,
                info.name.len()
            ));
        };
        for (what, size, limit) in [
            ("a description", info.description.len(), MAX_DESCRIPTION_BYTES),
            ("an arguments schema", info.arguments_schema.len(), MAX_SCHEMA_BYTES),
        ] {
            if size > limit {
                return Err(format!("{activity} has {what} of {size} bytes, more than the limit of {limit}"));
            }
        }
        total += info.name.len() + info.description.len() + info.arguments_schema.len();
    }
    if total > MAX_DESCRIBED_BYTES {
        return Err(format!(
            "its activities' names, descriptions and schemas take {total} bytes, more than the limit of \
             {MAX_DESCRIBED_BYTES}"
        ));
    }
    Ok(())
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
        check_size(&infos).map_err(not_activity)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, description: usize, schema: usize) -> WitInfo {
        WitInfo {
            name: name.into(),
            kind: Kind::Probe,
            description: "d".repeat(description),
            arguments_schema: " ".repeat(schema),
        }
    }

    #[test]
    fn a_component_within_the_caps_is_accepted() {
        assert_eq!(check_size(&vec![info("a", 100, 1000); MAX_ACTIVITIES]), Ok(()));
    }

    #[test]
    fn too_many_activities_are_refused() {
        let e = check_size(&vec![info("a", 1, 1); MAX_ACTIVITIES + 1]).unwrap_err();
        assert_eq!(e, "it describes 257 activities, more than the limit of 256");
    }

    #[test]
    fn a_schema_over_its_cap_is_refused_naming_the_activity() {
        let e = check_size(&[info("big", 1, MAX_SCHEMA_BYTES + 1)]).unwrap_err();
        assert_eq!(e, "activity `big` has an arguments schema of 65537 bytes, more than the limit of 65536");
    }

    #[test]
    fn a_long_name_is_refused_without_quoting_it() {
        let e = check_size(&[info(&"n".repeat(MAX_NAME_BYTES + 1), 1, 1)]).unwrap_err();
        assert_eq!(e, "activity #1 has a name of 129 bytes, more than the limit of 128");
    }

    #[test]
    fn descriptions_larger_in_all_than_the_cap_are_refused() {
        let e = check_size(&vec![info("a", 1, MAX_SCHEMA_BYTES); 17]).unwrap_err();
        assert!(e.contains("more than the limit of 1048576"), "{e}");
    }
}
