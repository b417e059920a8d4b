//! `chaos validate` and the validation before every run: one clear line
//! naming the activity and the cause, exit 1, no journal, no panic.

use crate::support::{Outcome, Scenario, action, experiment, hostile, probe, wasm};
use serde_json::json;

fn validate(s: &Scenario) -> Outcome {
    s.chaos(&["validate", "experiment.json"])
}

fn assert_refused(outcome: &Outcome, message: &str) {
    assert_eq!(outcome.code, 1, "{}", outcome.log);
    assert!(outcome.journal.is_none());
    assert!(outcome.log.contains(message), "expected `{message}` in:\n{}", outcome.log);
    assert!(!outcome.log.contains("panicked"), "{}", outcome.log);
}

#[test]
fn a_valid_experiment_validates_with_exit_0() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([probe(
        "p",
        wasm("builtin:fs", "exists", json!({"path": "."}), json!({"read": ["."]}))
    )])));
    let outcome = validate(&s);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert!(outcome.log.contains("experiment syntax and semantic look valid"));
}

#[test]
fn malformed_json_is_reported_with_line_and_column() {
    let s = Scenario::new();
    s.write("experiment.json", "{\n  \"title\": \"t\",\n  \"description\" \"d\"\n}\n");
    assert_refused(&validate(&s), "Failed parsing JSON experiment experiment.json at line 3, column 17");
    assert_refused(&s.chaos(&["run", "experiment.json"]), "at line 3, column 17");
}

#[test]
fn malformed_yaml_is_reported_with_line_and_column() {
    let s = Scenario::new();
    s.write("experiment.yaml", "title: t\ndescription: d\nmethod:\n  - name: [unclosed\n");
    assert_refused(
        &s.chaos(&["validate", "experiment.yaml"]),
        "Failed parsing YAML experiment experiment.yaml at line",
    );
}

#[test]
fn a_missing_file_is_reported() {
    let s = Scenario::new();
    assert_refused(&s.chaos(&["validate", "nope.json"]), "Path \"nope.json\" does not exist.");
}

#[test]
fn a_missing_title_is_reported_as_the_reference_does() {
    let s = Scenario::new();
    s.experiment(&json!({"description": "d", "method": []}));
    assert_refused(&validate(&s), "experiment requires a title");
}

#[test]
fn an_unknown_provider_type_names_the_activity() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([probe("odd", json!({"type": "ssh"}))])));
    assert_refused(&validate(&s), "activity 'odd': unknown provider type 'ssh'");
}

#[test]
fn a_missing_component_file_names_the_activity() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([probe("m", wasm("./missing.wasm", "x", json!({}), json!({})))])));
    assert_refused(&validate(&s), "activity 'm': cannot read the component file");
}

#[test]
fn a_file_that_is_not_a_component_names_the_activity() {
    let s = Scenario::new();
    s.write("bogus.wasm", "not wasm at all");
    s.experiment(&experiment(json!([probe("b", wasm("./bogus.wasm", "x", json!({}), json!({})))])));
    assert_refused(&validate(&s), "activity 'b': ");
    assert_refused(&validate(&s), "is not a valid WebAssembly component");
}

#[test]
fn an_unknown_builtin_lists_the_builtins() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([probe("u", wasm("builtin:nope", "x", json!({}), json!({})))])));
    assert_refused(
        &validate(&s),
        "activity 'u': there is no built-in component `builtin:nope` (built-ins: builtin:fs, builtin:http, builtin:net)",
    );
}

#[test]
fn a_func_the_component_does_not_provide_lists_what_it_provides() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([probe("f", wasm("builtin:fs", "delete_everything", json!({}), json!({})))])));
    assert_refused(
        &validate(&s),
        "activity 'f': builtin:fs provides no activity `delete_everything` (it provides: exists, read, write, rename, remove)",
    );
}

#[test]
fn arguments_that_do_not_match_the_schema_are_refused() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([probe(
        "a",
        wasm("builtin:fs", "exists", json!({"path": 3, "extra": true}), json!({}))
    )])));
    let outcome = validate(&s);
    assert_refused(&outcome, "activity 'a': arguments do not match what `exists` accepts");
    assert_refused(&outcome, "/path");
}

#[test]
fn missing_required_arguments_are_refused() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([probe("a", wasm("builtin:net", "tcp_connect", json!({"host": "x"}), json!({})))])));
    assert_refused(&validate(&s), "\"port\" is a required property");
}

#[test]
fn substituted_arguments_are_checked_after_substitution() {
    let s = Scenario::new();
    let mut doc = experiment(json!([probe(
        "a",
        wasm("builtin:net", "tcp_connect", json!({"host": "x", "port": "${port}"}), json!({}))
    )]));
    doc["configuration"] = json!({"port": 8080});
    s.experiment(&doc);
    assert_eq!(validate(&s).code, 0);
}

#[test]
fn component_paths_resolve_against_the_experiment_file() {
    let s = Scenario::new();
    std::fs::create_dir(s.path("exp")).unwrap();
    std::fs::copy(hostile(), s.path("exp/hostile.wasm")).unwrap();
    let doc = experiment(json!([probe("e", wasm("./hostile.wasm", "echo", json!({"value": 42}), json!({})))]));
    s.write("exp/experiment.json", &doc.to_string());
    let outcome = s.chaos(&["run", "exp/experiment.json"]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert_eq!(outcome.run_of("e")["output"], 42);
}

#[test]
fn a_python_provider_naming_a_module_the_sandbox_lacks_is_refused_naming_it() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([probe("py", json!({"type": "python", "module": "ctypes", "func": "CDLL"}))])));
    assert_refused(&validate(&s), "activity 'py': Python module 'ctypes' is not available in the sandboxed CPython");
}

#[test]
fn a_component_action_typed_as_a_probe_is_refused() {
    let s = Scenario::new();
    let remove = wasm("builtin:fs", "remove", json!({"path": "./x"}), json!({"write": ["."]}));
    s.experiment(&experiment(json!([probe("cleanup", remove)])));
    assert_refused(
        &validate(&s),
        "activity 'cleanup': it is typed `probe`, but builtin:fs declares `remove` an action",
    );
}

#[test]
fn a_component_probe_typed_as_an_action_is_accepted() {
    let s = Scenario::new();
    let exists = wasm("builtin:fs", "exists", json!({"path": "."}), json!({"read": ["."]}));
    s.experiment(&experiment(json!([action("look", exists)])));
    let outcome = validate(&s);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
}

#[test]
fn a_method_activity_named_like_a_tolerance_probe_still_has_its_arguments_checked() {
    let s = Scenario::new();
    let checker = probe("check", wasm(hostile(), "echo", json!({}), json!({})));
    let mut doc = experiment(json!([probe("check", wasm("builtin:fs", "exists", json!({}), json!({})))]));
    doc["steady-state-hypothesis"] = json!({"title": "h", "probes": [
        {"type": "probe", "name": "p", "tolerance": checker,
         "provider": {"type": "wasm", "module": hostile(), "func": "echo", "arguments": {"value": 1}}}
    ]});
    s.experiment(&doc);
    assert_refused(&validate(&s), "activity 'check': arguments do not match what `exists` accepts");
}
