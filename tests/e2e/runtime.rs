//! Runtime behaviour as a user sees it: the strategy, dry, fail-fast and
//! strict flags, their messages and exit codes. The runner's behaviours
//! themselves are tested in-process (`crates/runtime/tests/runner.rs`).

use crate::support::{Scenario, action, experiment, hostile, probe, wasm};
use serde_json::{Value, json};

fn echo(name: &str, value: Value) -> Value {
    probe(name, wasm(hostile(), "echo", json!({"value": value}), json!({})))
}

fn with_hypothesis(method: Value, probe_value: Value, tolerance: Value) -> Value {
    let mut doc = experiment(method);
    let mut p = echo("steady", probe_value);
    p["tolerance"] = tolerance;
    doc["steady-state-hypothesis"] = json!({"title": "h", "probes": [p]});
    doc["rollbacks"] = json!([echo("undo", json!("undone"))]);
    doc
}

fn run(s: &Scenario, doc: &Value, flags: &[&str]) -> crate::support::Outcome {
    s.experiment(doc);
    let mut args = vec!["run", "experiment.json"];
    args.extend_from_slice(flags);
    s.chaos(&args)
}

#[test]
fn an_unknown_strategy_in_the_runtime_block_is_an_error_not_a_crash() {
    let s = Scenario::new();
    let mut doc = with_hypothesis(json!([]), json!(1), json!(1));
    doc["runtime"] = json!({"hypothesis": {"strategy": "sometimes"}});
    let o = run(&s, &doc, &[]);
    assert_eq!(o.code, 1);
    assert!(o.log.contains("unknown hypothesis strategy 'sometimes'"), "{}", o.log);
    assert!(o.journal.is_none());
}

#[test]
fn the_old_continously_spelling_is_accepted_with_a_warning() {
    let s = Scenario::new();
    let o = run(
        &s,
        &with_hypothesis(json!([]), json!(1), json!(1)),
        &["--hypothesis-strategy=continously", "--hypothesis-frequency=0.1"],
    );
    assert_eq!(o.code, 0, "{}", o.log);
    assert!(o.log.contains("deprecated"), "{}", o.log);
}

#[test]
fn fail_fast_stops_the_method_at_the_first_deviation_during_it() {
    let s = Scenario::new();
    s.write("flag", "up");
    let mut doc = experiment(json!([
        {"type": "action", "name": "drop-flag", "pauses": {"after": 2},
         "provider": {"type": "wasm", "module": "builtin:fs", "func": "remove", "arguments": {"path": "./flag"}, "grants": {"write": ["."]}}},
        echo("too-late", json!(1)),
    ]));
    doc["steady-state-hypothesis"] = json!({"title": "flag is up", "probes": [
        {"type": "probe", "name": "flag-exists", "tolerance": true,
         "provider": {"type": "wasm", "module": "builtin:fs", "func": "exists", "arguments": {"path": "./flag"}, "grants": {"read": ["."]}}}
    ]});
    let o = run(
        &s,
        &doc,
        &["--allow-write=.", "--hypothesis-strategy=during-method-only", "--hypothesis-frequency=0.1", "--fail-fast"],
    );
    assert_eq!(o.code, 1, "{}", o.log);
    assert_eq!(o.journal()["status"], "failed");
    assert!(o.journal()["run"].as_array().unwrap().iter().all(|r| r["activity"]["name"] != "too-late"), "{}", o.log);
    assert!(o.log.contains("Continuous steady state probe 'flag-exists' is not in the given tolerance"), "{}", o.log);
}

#[test]
fn a_dry_actions_run_does_not_act() {
    let s = Scenario::new();
    let write =
        action("w", wasm("builtin:fs", "write", json!({"path": "./x", "content": "x"}), json!({"write": ["."]})));
    let o = run(&s, &experiment(json!([write, echo("p", json!(3))])), &["--dry=actions", "--allow-write=."]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert!(!s.path("x").exists());
    assert_eq!(o.run_of("p")["output"], 3);
}

#[test]
fn strict_mode_fails_the_run_on_a_failed_method_activity() {
    let s = Scenario::new();
    let doc = experiment(json!([action("f", wasm(hostile(), "fail", json!({}), json!({})))]));
    assert_eq!(run(&s, &doc, &[]).code, 0);
    let o = run(&s, &doc, &["--strict"]);
    assert_eq!(o.code, 1);
    assert_eq!(o.journal()["status"], "failed");
}

#[test]
fn an_http_url_that_is_invalid_after_substitution_aborts_the_method() {
    let s = Scenario::new();
    let mut doc =
        experiment(json!([probe("bad-url", json!({"type": "http", "url": "${target}"})), echo("never", json!(1))]));
    doc["configuration"] = json!({"target": "not a url"});
    let o = run(&s, &doc, &[]);
    assert_eq!(o.code, 1, "{}", o.log);
    assert_eq!(o.journal()["status"], "aborted");
    assert_eq!(o.journal()["run"].as_array().unwrap().len(), 1);
}
