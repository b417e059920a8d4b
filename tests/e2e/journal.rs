//! Journals and exit codes, as Chaos Toolkit writes and returns them.

use crate::support::{Scenario, experiment, hostile, probe, wasm};
use serde_json::json;

fn echo(name: &str, value: serde_json::Value) -> serde_json::Value {
    probe(name, wasm(hostile(), "echo", json!({"value": value}), json!({})))
}

#[test]
fn a_hypothesis_not_met_after_the_method_deviates_and_exits_1() {
    let s = Scenario::new();
    let mut doc = experiment(json!([]));
    let mut p = echo("p", json!(5));
    p["tolerance"] = json!([1, 4]);
    doc["steady-state-hypothesis"] = json!({"title": "h", "probes": [p]});
    s.experiment(&doc);
    let outcome = s.chaos(&["run", "experiment.json"]);
    // Not met before the method: the method is skipped, status completed, exit 0 (as the reference).
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert_eq!(outcome.journal()["steady_states"]["before"]["steady_state_met"], false);
    assert_eq!(outcome.journal()["steady_states"]["before"]["probes"][0]["tolerance_met"], false);
    assert!(outcome.log.contains("expected a value between 1 and 4, got 5"), "{}", outcome.log);
}

#[test]
fn a_probe_tolerance_receives_the_value() {
    let s = Scenario::new();
    let mut doc = experiment(json!([]));
    let mut p = echo("p", json!("ok"));
    p["tolerance"] = probe("check", wasm(hostile(), "echo", json!({}), json!({})));
    doc["steady-state-hypothesis"] = json!({"title": "h", "probes": [p]});
    s.experiment(&doc);
    let outcome = s.chaos(&["run", "experiment.json"]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert_eq!(outcome.journal()["steady_states"]["after"]["steady_state_met"], true);
}

#[test]
fn rollbacks_run_after_the_method_and_are_journaled() {
    let s = Scenario::new();
    let mut doc = experiment(json!([echo("m", json!(1))]));
    doc["rollbacks"] = json!([echo("r", json!(2))]);
    s.experiment(&doc);
    let outcome = s.chaos(&["run", "experiment.json"]);
    assert_eq!(outcome.journal()["rollbacks"][0]["output"], 2);
    let outcome = s.chaos(&["run", "experiment.json", "--rollback-strategy=never"]);
    assert_eq!(outcome.journal()["rollbacks"], json!([]));
}

#[test]
fn a_yaml_experiment_runs() {
    let s = Scenario::new();
    s.write(
        "experiment.yaml",
        &format!("title: yaml\ndescription: d\nmethod:\n  - type: probe\n    name: y\n    provider:\n      type: wasm\n      module: {}\n      func: echo\n      arguments:\n        value: 7\n", hostile()),
    );
    let outcome = s.chaos(&["run", "experiment.yaml"]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert_eq!(outcome.run_of("y")["output"], 7);
}

#[test]
fn the_journal_path_can_be_chosen() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([echo("e", json!(1))])));
    let outcome = s.chaos(&["run", "experiment.json", "--journal-path", "out/j.json"]);
    assert_eq!(outcome.code, 1, "the directory does not exist");
    std::fs::create_dir(s.path("out")).unwrap();
    let outcome = s.chaos(&["run", "experiment.json", "--journal-path", "out/j.json"]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert!(s.path("out/j.json").exists());
}

#[test]
fn configuration_is_substituted_into_the_title_and_arguments() {
    let s = Scenario::new();
    let mut doc = experiment(json!([echo("e", json!("${greeting} world"))]));
    doc["title"] = json!("say ${greeting}");
    doc["configuration"] = json!({"greeting": {"type": "env", "key": "CHAOS_E2E_GREETING", "default": "hi"}});
    s.experiment(&doc);
    let args = ["run", "experiment.json", "--allow-env=CHAOS_E2E_GREETING"];
    let outcome = s.chaos_with_env(&args, &[("CHAOS_E2E_GREETING", "hello")]);
    assert_eq!(outcome.run_of("e")["output"], "hello world");
    assert_eq!(outcome.journal()["experiment"]["title"], "say hello");
}

#[test]
fn usage_errors_exit_2() {
    let s = Scenario::new();
    assert_eq!(s.chaos(&["run"]).code, 2);
    assert_eq!(s.chaos(&["run", "x.json", "--rollback-strategy=sometimes"]).code, 2);
    s.experiment(&experiment(json!([])));
    for bad in ["--timeout=0", "--hypothesis-strategy=sometimes", "--hypothesis-frequency=-1", "--dry=maybe"] {
        let o = s.chaos(&["run", "experiment.json", bad]);
        assert_eq!(o.code, 2, "{bad}: {}", o.log);
        assert!(o.journal.is_none(), "{bad}");
    }
}
