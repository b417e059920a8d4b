//! Building an experiment from a discovery file (`chaos discover`), for
//! `chaos init`: from answers to prompts in a terminal, or from flags.
//!
//! Questions go through a [`Prompter`], so the terminal, scripted input and
//! tests share the same logic.

use crate::discovery::{DiscoveredActivity, Discovery};
use serde_json::{Map, Value, json};

/// One activity offered by the discovery file.
pub type Offer = DiscoveredActivity;

/// A discovery file that offers nothing to build an experiment from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the discovery file lists no activities")]
pub struct NoActivities;

/// The activities a discovery file offers, each with its component's
/// digest when the discovery recorded one.
///
/// # Errors
/// When it lists none.
pub fn offers(discovery: &Discovery) -> Result<Vec<Offer>, NoActivities> {
    let out: Vec<Offer> = discovery
        .extensions
        .iter()
        .flat_map(|extension| {
            extension.activities.iter().map(|activity| Offer { sha256: extension.sha256.clone(), ..activity.clone() })
        })
        .collect();
    if out.is_empty() {
        return Err(NoActivities);
    }
    Ok(out)
}

/// Asks questions. `default` is returned for an empty answer.
pub trait Prompter {
    /// Shows `message` to the person.
    fn say(&mut self, message: &str);
    /// Asks `question`; `None` when input has ended.
    fn ask(&mut self, question: &str, default: Option<&str>) -> Option<String>;
}

/// An activity chosen for the experiment, with its arguments and grants.
#[derive(Debug, Clone)]
pub struct Chosen {
    /// The offer.
    pub offer: Offer,
    /// Arguments.
    pub arguments: Map<String, Value>,
    /// Grants (`read`, `write`, `net`, `env` lists).
    pub grants: Map<String, Value>,
    /// For hypothesis probes: the tolerance.
    pub tolerance: Option<Value>,
}

/// Parses an answer or a flag value as JSON, falling back to text.
pub fn value_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// The required argument names of `schema`.
pub fn required(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

/// Builds the experiment document.
pub fn experiment(
    title: &str,
    description: &str,
    hypothesis: &[Chosen],
    method: &[Chosen],
    rollbacks: &[Chosen],
) -> Value {
    let mut used: Vec<String> = Vec::new();
    let mut activity = |c: &Chosen, kind: &str| {
        let mut name = c.offer.func.replace('_', "-");
        let mut n = 2;
        while used.contains(&name) {
            name = format!("{}-{n}", c.offer.func.replace('_', "-"));
            n += 1;
        }
        used.push(name.clone());
        let mut provider =
            json!({"type": "wasm", "module": c.offer.module, "func": c.offer.func, "arguments": c.arguments});
        if !c.grants.is_empty() {
            provider["grants"] = Value::Object(c.grants.clone());
        }
        // A component file is pinned to the bytes discovered; a built-in is
        // part of the binary, and pinning it would break on every upgrade.
        if let Some(sha256) = c.offer.sha256.as_ref().filter(|_| !c.offer.module.starts_with("builtin:")) {
            provider["sha256"] = json!(sha256);
        }
        let mut a = json!({"type": kind, "name": name, "provider": provider});
        if let Some(t) = &c.tolerance {
            a["tolerance"] = t.clone();
        }
        a
    };
    let hypothesis: Vec<Value> = hypothesis.iter().map(|c| activity(c, "probe")).collect();
    let method: Vec<Value> = method.iter().map(|c| activity(c, c.offer.kind.as_str())).collect();
    let rollbacks: Vec<Value> = rollbacks.iter().map(|c| activity(c, "action")).collect();
    let mut doc = json!({"version": "1.0.0", "title": title, "description": description, "tags": []});
    if !hypothesis.is_empty() {
        doc["steady-state-hypothesis"] = json!({"title": format!("{title}: steady state"), "probes": hypothesis});
    }
    doc["method"] = Value::Array(method);
    doc["rollbacks"] = Value::Array(rollbacks);
    doc
}

/// Asks for everything, interactively.
pub fn interview(prompter: &mut dyn Prompter, offers: &[Offer]) -> Option<Value> {
    let title = prompter.ask("Experiment's title", None)?;
    let description = prompter.ask("Experiment's description", Some(&title))?;
    prompter.say("Available activities:");
    for (i, o) in offers.iter().enumerate() {
        prompter.say(&format!("  {}) {} {}#{}: {}", i + 1, o.kind.as_str(), o.module, o.func, o.doc));
    }
    let mut sections: [Vec<Chosen>; 3] = Default::default();
    let names = ["steady-state probe", "method activity", "rollback action"];
    for (section, label) in sections.iter_mut().zip(names) {
        loop {
            let pick = prompter.ask(&format!("Add a {label} (its number; empty to go on)"), Some(""))?;
            if pick.trim().is_empty() {
                break;
            }
            let Some(offer) = pick.trim().parse::<usize>().ok().and_then(|n| offers.get(n.wrapping_sub(1))) else {
                prompter.say(&format!("`{pick}` is not one of the numbers above"));
                continue;
            };
            let mut chosen =
                Chosen { offer: offer.clone(), arguments: Map::new(), grants: Map::new(), tolerance: None };
            let properties = offer.arguments.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
            let needed = required(&offer.arguments);
            for (arg, spec) in &properties {
                let kind = spec.get("type").map(|t| t.to_string()).unwrap_or_default();
                let optional = !needed.contains(arg);
                let question = format!("  argument `{arg}` ({kind}{})", if optional { ", optional" } else { "" });
                let answer = prompter.ask(&question, optional.then_some(""))?;
                if !answer.is_empty() {
                    chosen.arguments.insert(arg.clone(), value_of(&answer));
                }
            }
            for grant in ["read", "write", "net", "env"] {
                let answer = prompter.ask(&format!("  grant `{grant}` (comma-separated, empty for none)"), Some(""))?;
                let list: Vec<Value> =
                    answer.split(',').map(str::trim).filter(|s| !s.is_empty()).map(Value::from).collect();
                if !list.is_empty() {
                    chosen.grants.insert(grant.into(), Value::Array(list));
                }
            }
            if label == "steady-state probe" {
                chosen.tolerance = Some(value_of(&prompter.ask("  tolerance (JSON)", Some("true"))?));
            }
            section.push(chosen);
        }
    }
    let [h, m, r] = sections;
    Some(experiment(&title, &description, &h, &m, &r))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Script(Vec<&'static str>, Vec<String>);

    impl Prompter for Script {
        fn say(&mut self, message: &str) {
            self.1.push(message.to_string());
        }
        fn ask(&mut self, _: &str, default: Option<&str>) -> Option<String> {
            if self.0.is_empty() {
                return None;
            }
            let answer = self.0.remove(0);
            Some(if answer.is_empty() { default.unwrap_or("").to_string() } else { answer.to_string() })
        }
    }

    fn offers() -> Vec<Offer> {
        let schema = json!({"properties": {"path": {"type": "string"}}, "required": ["path"]});
        vec![Offer::new("builtin:fs", crate::experiment::ActivityKind::Probe, "exists", "d", schema)]
    }

    #[test]
    fn an_interview_builds_a_runnable_experiment() {
        let answers = vec!["My title", "", "1", "./x", ".", "", "", "", "true", "", "1", "./y", "", "", "", "", "", ""];
        let mut script = Script(answers, Vec::new());
        let doc = interview(&mut script, &offers()).unwrap();
        assert_eq!(doc["description"], "My title");
        let probe = &doc["steady-state-hypothesis"]["probes"][0];
        assert_eq!(probe["provider"]["arguments"]["path"], "./x");
        assert_eq!(probe["provider"]["grants"]["read"], json!(["."]));
        assert_eq!(probe["tolerance"], true);
        assert_eq!(doc["method"][0]["name"], "exists-2");
        assert!(script.1.iter().any(|l| l.contains("builtin:fs#exists")));
    }

    #[test]
    fn answers_parse_as_json_when_they_can() {
        assert_eq!(value_of("8080"), json!(8080));
        assert_eq!(value_of("./x"), json!("./x"));
    }
}
