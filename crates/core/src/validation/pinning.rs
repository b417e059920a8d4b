//! `--require-pinned`: every component that is not built into the binary
//! must be pinned with its `sha256`, so a shared experiment cannot run a
//! component file that changed after it was reviewed.

use super::ValidationError;
use crate::experiment::{ComponentRef, Experiment, Provider};

/// Refuses `experiment` when one of its wasm activities loads a component
/// file without a `sha256` pin. Built-ins (`builtin:NAME`) are part of the
/// binary the operator chose, so they need no pin (they may have one).
///
/// # Errors
/// The first unpinned activity, naming it and its component.
pub fn require_pinned(experiment: &Experiment) -> Result<(), ValidationError> {
    for activity in experiment.all_activities() {
        let Provider::Wasm(wasm) = &activity.provider else { continue };
        if wasm.sha256.is_none() && matches!(wasm.source, ComponentRef::File(_)) {
            return Err(ValidationError::at(
                &activity.name,
                format!(
                    "its component {} is not pinned, and --require-pinned refuses unpinned components: add \
                     \"sha256\": \"<digest>\" to its provider (`chaos discover {}` prints the digest)",
                    wasm.module, wasm.module
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::validate;
    use crate::vars::Vars;
    use serde_json::{Value, json};
    use std::path::Path;

    const DIGEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn experiment(provider: Value) -> Experiment {
        let doc = json!({
            "title": "t", "description": "d",
            "method": [{"type": "action", "name": "act", "provider": provider}],
        });
        validate(&doc, Path::new("/exp"), &Vars::default()).unwrap()
    }

    #[test]
    fn an_unpinned_component_file_is_refused_naming_the_activity() {
        let exp = experiment(json!({"type": "wasm", "module": "a.wasm", "func": "f"}));
        let err = require_pinned(&exp).unwrap_err();
        assert_eq!(err.activity.as_deref(), Some("act"));
        assert!(err.message.contains("a.wasm is not pinned"), "{}", err.message);
    }

    #[test]
    fn a_pinned_component_file_is_accepted() {
        let exp = experiment(json!({"type": "wasm", "module": "a.wasm", "func": "f", "sha256": DIGEST}));
        assert!(require_pinned(&exp).is_ok());
    }

    #[test]
    fn an_unpinned_builtin_is_accepted() {
        let exp = experiment(json!({"type": "wasm", "module": "builtin:fs", "func": "exists"}));
        assert!(require_pinned(&exp).is_ok());
    }

    #[test]
    fn other_providers_need_no_pin() {
        let exp = experiment(json!({"type": "http", "url": "http://localhost/"}));
        assert!(require_pinned(&exp).is_ok());
    }
}
