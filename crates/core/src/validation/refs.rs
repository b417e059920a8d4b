//! `ref` entries: what they may name and how they resolve.
//!
//! As in the reference (`caching.py:cache_activities`), a `ref` names any
//! activity of the method or any hypothesis probe, wherever it is declared;
//! a hypothesis probe wins a name clash with a method activity. The journal
//! records the activity referred to, not the `{"ref": ...}` entry.

use super::activity::{self, Context};
use super::{Mode, ValidationError, non_empty_str};
use crate::experiment::{Activity, ActivityKind, Pauses, Provider};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The activities a `ref` may name, by name, as declared.
pub struct Targets<'a> {
    by_name: HashMap<&'a str, &'a Value>,
}

impl<'a> Targets<'a> {
    /// The named activities of `doc`'s method, then of its hypothesis.
    pub fn of(doc: &'a Map<String, Value>) -> Self {
        let method = doc.get("method").and_then(Value::as_array).into_iter().flatten();
        let probes = doc
            .get("steady-state-hypothesis")
            .and_then(|h| h.get("probes"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        let by_name = method
            .chain(probes)
            .filter(|item| item.get("ref").is_none())
            .filter_map(|item| Some((non_empty_str(item.get("name"))?, item)))
            .collect();
        Self { by_name }
    }
}

/// The activity `item` declares, or the one its `ref` names. Keys of a
/// `ref` entry other than `ref` (`type`, `tolerance`) are not checked, as in
/// the reference. A `ref` that names nothing is an error, or, in
/// [`Mode::Lenient`], an activity that cannot run ([`Provider::Unresolved`]).
pub fn activity_or_ref(
    item: &Value,
    location: &str,
    ctx: &Context,
    targets: &Targets,
    mode: Mode,
) -> Result<Activity, ValidationError> {
    let Some(reference) = item.get("ref") else { return activity::activity(item, location, ctx) };
    let name = non_empty_str(Some(reference))
        .ok_or_else(|| ValidationError::at(location, "reference to activity must be non-empty strings"))?;
    if let Some(target) = targets.by_name.get(name) {
        return activity::activity(target, location, ctx);
    }
    match mode {
        Mode::Strict => Err(ValidationError::at(
            location,
            format!("referenced activity '{name}' could not be found in the experiment"),
        )),
        Mode::Lenient => Ok(unresolved(item, name)),
    }
}

fn unresolved(item: &Value, name: &str) -> Activity {
    let kind = match item.get("type").and_then(Value::as_str) {
        Some("probe") => ActivityKind::Probe,
        _ => ActivityKind::Action,
    };
    Activity {
        document: item.clone(),
        name: name.to_string(),
        kind,
        provider: Provider::Unresolved(name.to_string()),
        pauses: Pauses::default(),
        background: false,
        tolerance: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::experiment::{Experiment, Provider};
    use crate::validation::{Mode, validate_with};
    use crate::vars::Vars;
    use serde_json::{Value, json};
    use std::path::Path;

    fn check(doc: &Value, mode: Mode) -> Result<Experiment, String> {
        validate_with(doc, Path::new("/tmp"), &Vars::default(), mode).map_err(|e| e.to_string())
    }

    fn probe(name: &str, path: &str) -> Value {
        json!({"type": "probe", "name": name,
               "provider": {"type": "wasm", "module": "builtin:fs", "func": "exists", "arguments": {"path": path}}})
    }

    fn experiment(probes: Value, method: Value) -> Value {
        json!({"title": "t", "description": "d",
               "steady-state-hypothesis": {"title": "h", "probes": probes}, "method": method})
    }

    fn path_of(experiment: &Experiment, i: usize) -> &Value {
        &experiment.hypothesis.as_ref().unwrap().probes[i].document["provider"]["arguments"]["path"]
    }

    #[test]
    fn a_hypothesis_ref_entry_with_a_type_and_a_tolerance_resolves() {
        let doc = experiment(
            json!([{"type": "probe", "tolerance": true, "ref": "look"}]),
            json!([probe("look", "./method")]),
        );
        let experiment = check(&doc, Mode::Strict).unwrap();
        let resolved = &experiment.hypothesis.as_ref().unwrap().probes[0];
        assert_eq!(resolved.name, "look");
        assert!(resolved.tolerance.is_some(), "the tolerance is the ref entry's");
        assert_eq!(path_of(&experiment, 0), "./method", "the journal records the activity referred to");
    }

    #[test]
    fn a_hypothesis_ref_entry_needs_a_tolerance() {
        let doc = experiment(json!([{"type": "probe", "ref": "look"}]), json!([probe("look", ".")]));
        assert_eq!(
            check(&doc, Mode::Strict).unwrap_err(),
            "activity 'look': hypothesis probe must have a tolerance entry"
        );
    }

    #[test]
    fn a_method_ref_may_name_an_activity_declared_later() {
        let doc = experiment(json!([]), json!([{"ref": "later"}, probe("later", "./later")]));
        let experiment = check(&doc, Mode::Strict).unwrap();
        assert_eq!(experiment.method[0].name, "later");
    }

    #[test]
    fn a_hypothesis_probe_wins_a_name_clash_with_a_method_activity() {
        let mut own = probe("look", "./hypothesis");
        own["tolerance"] = json!(true);
        let doc = experiment(
            json!([{"type": "probe", "tolerance": true, "ref": "look"}, own]),
            json!([probe("look", "./method")]),
        );
        assert_eq!(path_of(&check(&doc, Mode::Strict).unwrap(), 0), "./hypothesis");
    }

    #[test]
    fn a_lenient_validation_keeps_a_ref_to_nothing_as_an_activity_that_cannot_run() {
        let mut doc = experiment(json!([]), json!([{"ref": "missing"}]));
        doc["rollbacks"] = json!([{"ref": "gone"}]);
        let experiment = check(&doc, Mode::Lenient).unwrap();
        assert!(matches!(&experiment.method[0].provider, Provider::Unresolved(name) if name == "missing"));
        assert!(matches!(&experiment.rollbacks[0].provider, Provider::Unresolved(name) if name == "gone"));
    }

    #[test]
    fn a_lenient_validation_still_refuses_an_activity_it_cannot_build() {
        let doc = experiment(json!([]), json!([{"type": "action", "name": "a"}]));
        assert_eq!(check(&doc, Mode::Lenient).unwrap_err(), "activity 'a': an activity requires a provider");
    }
}
