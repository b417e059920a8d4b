use super::*;
use serde_json::json;

fn check(doc: Value) -> Result<Experiment, String> {
    validate(&doc, Path::new("/tmp"), &Vars::default()).map_err(|e| e.to_string())
}

fn probe(name: &str) -> Value {
    json!({"type": "probe", "name": name, "provider": {"type": "wasm", "module": "builtin:fs", "func": "exists", "arguments": {"path": "."}}})
}

fn base() -> Value {
    json!({"title": "t", "description": "d", "method": [probe("p")]})
}

fn with(key: &str, value: Value) -> Value {
    let mut doc = base();
    doc[key] = value;
    doc
}

#[test]
fn an_empty_document_is_not_an_experiment() {
    assert_eq!(check(json!({})).unwrap_err(), "an empty experiment is not an experiment");
}

#[test]
fn title_and_description_are_required_in_that_order() {
    assert_eq!(check(json!({"method": []})).unwrap_err(), "experiment requires a title");
    assert_eq!(check(json!({"title": "t", "method": []})).unwrap_err(), "experiment requires a description");
}

#[test]
fn a_missing_method_says_it_may_be_empty() {
    let err = check(json!({"title": "t", "description": "d"})).unwrap_err();
    assert!(err.starts_with("an experiment requires a method, which can be empty"), "{err}");
    assert!(check(json!({"title": "t", "description": "d", "method": []})).is_ok());
}

#[test]
fn tags_must_be_non_empty_strings() {
    assert_eq!(check(with("tags", json!(["a", ""]))).unwrap_err(), "experiment tags must be a non-empty string");
}

#[test]
fn an_unknown_provider_type_names_the_activity() {
    let doc = with("method", json!([{"type": "action", "name": "boom", "provider": {"type": "ssh"}}]));
    assert_eq!(
        check(doc).unwrap_err(),
        "activity 'boom': unknown provider type 'ssh' (supported: wasm, http, process, python)"
    );
}

#[test]
fn python_providers_naming_a_bundled_module_are_accepted_with_the_experiments_keys() {
    let mut doc = with(
        "method",
        json!([{"type": "probe", "name": "py", "provider": {"type": "python", "module": "os.path", "func": "exists", "secrets": ["db"]}}]),
    );
    doc["configuration"] = json!({"region": "eu"});
    doc["secrets"] = json!({"db": {"password": "pw"}, "other": {"token": "t"}});
    let experiment = validate(&doc, Path::new("."), &Vars::default()).unwrap();
    let crate::experiment::Provider::Python(python) = &experiment.method[0].provider else { panic!("not python") };
    assert_eq!((python.module.as_str(), python.func.as_str()), ("os.path", "exists"));
    assert_eq!(python.configuration_keys, ["region"]);
    assert_eq!(python.secret_keys, ["password"]);
}

#[test]
fn a_python_provider_naming_a_chaos_toolkit_extension_is_refused_naming_the_module() {
    let doc = with(
        "method",
        json!([{"type": "action", "name": "kill", "provider": {"type": "python", "module": "chaosk8s.pod.actions", "func": "terminate_pods"}}]),
    );
    let err = check(doc).unwrap_err();
    assert!(
        err.starts_with("activity 'kill': Python module 'chaosk8s.pod.actions' is a Chaos Toolkit extension, which is not available here"),
        "{err}"
    );
}

#[test]
fn a_process_provider_needs_a_program_that_exists() {
    let doc = with("method", json!([{"type": "action", "name": "p", "provider": {"type": "process"}}]));
    assert_eq!(check(doc).unwrap_err(), "activity 'p': a process activity must have a path");
    let doc = with(
        "method",
        json!([{"type": "action", "name": "p", "provider": {"type": "process", "path": "surely-no-such-program"}}]),
    );
    assert_eq!(check(doc).unwrap_err(), "activity 'p': path 'surely-no-such-program' cannot be found");
    let doc = with(
        "method",
        json!([{"type": "action", "name": "p", "provider": {"type": "process", "path": "sh", "arguments": ["-c", "true"]}}]),
    );
    assert!(check(doc).is_ok());
}

#[test]
fn an_activity_without_a_name_is_located_by_position() {
    let doc = with("method", json!([probe("a"), {"type": "probe", "provider": {"type": "http", "url": "http://x"}}]));
    assert_eq!(check(doc).unwrap_err(), "activity 'method[1]': an activity must have a name");
}

#[test]
fn an_unsupported_activity_type_is_refused() {
    let doc = with("method", json!([{"type": "test", "name": "x"}]));
    assert_eq!(check(doc).unwrap_err(), "activity 'method[0]': 'test' is not a supported activity type");
}

#[test]
fn hypothesis_probes_need_a_tolerance() {
    let doc = with("steady-state-hypothesis", json!({"title": "h", "probes": [probe("p")]}));
    assert_eq!(check(doc).unwrap_err(), "activity 'p': hypothesis probe must have a tolerance entry");
}

#[test]
fn a_float_tolerance_is_refused() {
    let mut p = probe("p");
    p["tolerance"] = json!(1.5);
    let doc = with("steady-state-hypothesis", json!({"title": "h", "probes": [p]}));
    assert!(check(doc).unwrap_err().starts_with("activity 'p': hypothesis probe tolerance must either be an integer"));
}

#[test]
fn range_tolerances_need_two_numbers() {
    let mut p = probe("p");
    p["tolerance"] = json!({"type": "range", "range": [1, "x"]});
    let doc = with("steady-state-hypothesis", json!({"title": "h", "probes": [p]}));
    assert_eq!(check(doc).unwrap_err(), "activity 'p': hypothesis range upper boundary must be a number");
}

#[test]
fn an_invalid_regex_tolerance_is_refused() {
    let mut p = probe("p");
    p["tolerance"] = json!({"type": "regex", "pattern": "(unclosed"});
    let doc = with("steady-state-hypothesis", json!({"title": "h", "probes": [p]}));
    assert!(check(doc).unwrap_err().contains("seems invalid"));
}

#[test]
fn a_regex_ending_with_a_dollar_anchor_is_still_checked() {
    let mut p = probe("p");
    p["tolerance"] = json!({"type": "regex", "pattern": "(unclosed$"});
    let doc = with("steady-state-hypothesis", json!({"title": "h", "probes": [p.clone()]}));
    assert!(check(doc).unwrap_err().contains("seems invalid"));
    p["tolerance"] = json!({"type": "regex", "pattern": "^ok$"});
    assert!(check(with("steady-state-hypothesis", json!({"title": "h", "probes": [p.clone()]}))).is_ok());
    p["tolerance"] = json!({"type": "regex", "pattern": "^${prefix}"});
    assert!(
        check(with("steady-state-hypothesis", json!({"title": "h", "probes": [p]}))).is_ok(),
        "checked after substitution"
    );
}

#[test]
fn a_ref_must_name_an_activity_of_the_experiment() {
    let doc = with("method", json!([probe("a"), {"ref": "b"}]));
    assert_eq!(
        check(doc).unwrap_err(),
        "activity 'method[1]': referenced activity 'b' could not be found in the experiment"
    );
    let doc = with("method", json!([probe("a"), {"ref": "a"}]));
    assert_eq!(check(doc).unwrap().method[1].name, "a");
}

#[test]
fn wasm_providers_need_module_and_func_and_reject_unknown_fields() {
    let doc = with("method", json!([{"type": "probe", "name": "w", "provider": {"type": "wasm", "func": "x"}}]));
    assert!(check(doc).unwrap_err().starts_with("activity 'w': a wasm activity must have a module"));
    let doc =
        with("method", json!([{"type": "probe", "name": "w", "provider": {"type": "wasm", "module": "builtin:fs"}}]));
    assert_eq!(check(doc).unwrap_err(), "activity 'w': a wasm activity must have a func");
    let doc = with(
        "method",
        json!([{"type": "probe", "name": "w", "provider": {"type": "wasm", "module": "builtin:fs", "func": "x", "grant": {}}}]),
    );
    assert!(check(doc).unwrap_err().starts_with("activity 'w': unknown field `grant`"));
}

#[test]
fn grants_are_checked_for_shape() {
    let doc = with(
        "method",
        json!([{"type": "probe", "name": "w", "provider": {"type": "wasm", "module": "builtin:net", "func": "x", "grants": {"net": ["http://a"]}}}]),
    );
    assert!(check(doc).unwrap_err().starts_with("activity 'w': invalid net grant"));
    let doc = with(
        "method",
        json!([{"type": "probe", "name": "w", "provider": {"type": "wasm", "module": "builtin:net", "func": "x", "grants": {"files": ["."]}}}]),
    );
    assert!(check(doc).unwrap_err().starts_with("activity 'w': invalid grants: unknown field `files`"));
}

#[test]
fn a_pause_string_must_be_a_placeholder() {
    let mut p = probe("p");
    p["pauses"] = json!({"after": "soon"});
    let doc = with("method", json!([p]));
    assert!(check(doc).unwrap_err().contains("activity after pause must be a number or a pattern"));
}

#[test]
fn http_headers_must_be_a_mapping() {
    let doc = with(
        "method",
        json!([{"type": "probe", "name": "h", "provider": {"type": "http", "url": "http://x", "headers": []}}]),
    );
    assert_eq!(check(doc).unwrap_err(), "activity 'h': a HTTP activities expect headers as a mapping");
}

#[test]
fn controls_need_a_name_and_a_provider() {
    assert_eq!(
        check(with("controls", json!([{"provider": {"type": "python"}}]))).unwrap_err(),
        "A control must have a `name` property"
    );
    assert_eq!(
        check(with("controls", json!([{"name": "c"}]))).unwrap_err(),
        "Control 'c' must have a `provider` property"
    );
    let bad_scope = json!([{"name": "c", "scope": "during", "provider": {"type": "python", "module": "m"}}]);
    assert_eq!(
        check(with("controls", bad_scope)).unwrap_err(),
        "Control 'c' scope property must be 'before' or 'after' only"
    );
    let no_module = json!([{"name": "c", "provider": {"type": "python"}}]);
    assert_eq!(check(with("controls", no_module)).unwrap_err(), "Control 'c' must have a module path");
    assert!(check(with("controls", json!([{"name": "c", "provider": {"type": "python", "module": "m"}}]))).is_ok());
}

#[test]
fn a_control_reference_must_name_a_top_level_control() {
    let mut doc = with("controls", json!([{"name": "c", "provider": {"type": "python", "module": "m"}}]));
    doc["method"][0]["controls"] = json!([{"name": "x", "ref": "nope"}]);
    assert_eq!(check(doc).unwrap_err(), "Control reference 'nope' declaration cannot be found");
}

#[test]
fn configuration_probes_are_dynamic_configuration() {
    let doc = with("configuration", json!({"a": 1, "b": probe("compute")}));
    let exp = check(doc).unwrap();
    assert_eq!(exp.dynamic_configuration.len(), 1);
    assert_eq!(exp.dynamic_configuration[0].0, "b");
}

#[test]
fn a_dynamic_configuration_probe_needs_no_name() {
    let mut unnamed = probe("compute");
    unnamed.as_object_mut().unwrap().remove("name");
    let exp = check(with("configuration", json!({"greeting": unnamed}))).unwrap();
    let (key, probe) = &exp.dynamic_configuration[0];
    assert_eq!((key.as_str(), probe.name.as_str()), ("greeting", "greeting"));
}

#[test]
fn no_activity_message_names_the_activity_twice() {
    let broken = [
        json!({"type": "action", "name": "p", "provider": {"type": "process", "path": "surely-no-such-program"}}),
        json!({"type": "action", "name": "p", "provider": {"type": "process"}}),
        json!({"type": "action", "name": "p", "provider": {"type": "http"}}),
        json!({"type": "action", "name": "p", "provider": {"type": "wasm", "module": "builtin:fs"}}),
        json!({"type": "action", "name": "p", "provider": {"type": "python", "module": "os"}}),
        json!({"type": "action", "name": "p", "provider": {"type": "ssh"}}),
        json!({"type": "action", "name": "p", "timeout": "x", "provider": {"type": "http", "url": "http://h"}}),
        json!({"type": "action", "name": "p", "background": 1, "provider": {"type": "http", "url": "http://h"}}),
        json!({"type": "action", "name": "p", "pauses": {"before": "x"}, "provider": {"type": "http", "url": "http://h"}}),
    ];
    for activity in broken {
        let error = check(with("method", json!([activity]))).unwrap_err();
        assert_eq!(error.matches("'p'").count(), 1, "{error}");
    }
}

#[test]
fn a_wasm_provider_may_pin_its_component_by_sha256() {
    let digest = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
    let doc = with(
        "method",
        json!([{"type": "probe", "name": "w", "provider": {"type": "wasm", "module": "a.wasm", "func": "x", "sha256": digest}}]),
    );
    let experiment = check(doc).unwrap();
    let crate::experiment::Provider::Wasm(wasm) = &experiment.method[0].provider else { panic!("not wasm") };
    assert_eq!(wasm.sha256.as_ref().map(|d| d.as_str().to_string()), Some(digest.to_ascii_lowercase()));
}

#[test]
fn a_sha256_pin_that_is_not_a_digest_is_refused() {
    for bad in [json!("abc"), json!(42)] {
        let doc = with(
            "method",
            json!([{"type": "probe", "name": "w", "provider": {"type": "wasm", "module": "a.wasm", "func": "x", "sha256": bad}}]),
        );
        assert!(check(doc).unwrap_err().starts_with("activity 'w': invalid sha256"), "{bad}");
    }
}

fn hypothesis_with_patterns(patterns: impl Iterator<Item = String>) -> Value {
    let probes: Vec<Value> = patterns
        .enumerate()
        .map(|(i, pattern)| {
            let mut p = probe(&format!("p{i}"));
            p["tolerance"] = json!({"type": "regex", "pattern": pattern});
            p
        })
        .collect();
    with("steady-state-hypothesis", json!({"title": "h", "probes": probes}))
}

#[test]
fn more_distinct_regex_patterns_than_the_limit_are_refused() {
    let doc = hypothesis_with_patterns((0..=activity::MAX_PATTERNS).map(|i| format!("^a{i}$")));
    let err = check(doc).unwrap_err();
    assert!(err.contains("more than 256 distinct regex patterns"), "{err}");
}

#[test]
fn a_regex_pattern_repeated_by_many_probes_is_compiled_once_and_accepted() {
    let doc = hypothesis_with_patterns((0..1000).map(|_| "^ok$".to_string()));
    assert!(check(doc).is_ok());
}
