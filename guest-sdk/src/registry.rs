//! Glue used by [`crate::activities!`]: schema generation and JSON
//! (de)serialization around the author's functions.

use crate::__bindings::chaos::activity::types::{ActivityError as WitError, ActivityInfo, Kind as WitKind};
use crate::ActivityError;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The activity kinds, spelled as in [`crate::activities!`].
#[allow(non_camel_case_types)]
pub enum Kind {
    /// Observes the system.
    probe,
    /// Changes the system.
    action,
}

/// Builds the description of one activity.
pub fn info(kind: Kind, name: &str, description: &str, schema: String) -> ActivityInfo {
    ActivityInfo {
        name: name.to_string(),
        kind: match kind {
            Kind::probe => WitKind::Probe,
            Kind::action => WitKind::Action,
        },
        description: description.to_string(),
        arguments_schema: schema,
    }
}

/// The JSON Schema of the arguments `f` takes.
pub fn schema_of<A: JsonSchema, O>(_f: fn(A) -> Result<O, ActivityError>) -> String {
    serde_json::to_string(&schemars::schema_for!(A)).expect("a JSON schema serializes")
}

/// Decodes `arguments`, calls `f`, encodes its output.
pub fn invoke<A: DeserializeOwned, O: Serialize>(
    f: fn(A) -> Result<O, ActivityError>,
    arguments: &str,
) -> Result<String, WitError> {
    let args: A = serde_json::from_str(if arguments.trim().is_empty() { "{}" } else { arguments })
        .map_err(|e| WitError::InvalidArguments(e.to_string()))?;
    let output = f(args).map_err(WitError::from)?;
    serde_json::to_string(&output).map_err(|e| WitError::Failed(format!("the output is not JSON-serializable: {e}")))
}

/// The error for a name the component does not provide.
pub fn unknown_activity(name: &str) -> WitError {
    WitError::InvalidArguments(format!("this component provides no activity named `{name}`"))
}
