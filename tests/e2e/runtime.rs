//! Runtime behaviour: hypothesis and rollback strategies (flags and the
//! experiment's `runtime` block), dry runs, background activities,
//! fail-fast, and `--strict`.

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
fn before_method_only_skips_the_after_hypothesis() {
    let s = Scenario::new();
    let o = run(
        &s,
        &with_hypothesis(json!([echo("m", json!(1))]), json!(1), json!(1)),
        &["--hypothesis-strategy=before-method-only"],
    );
    assert_eq!(o.journal()["steady_states"]["before"]["steady_state_met"], true, "{}", o.log);
    assert_eq!(o.journal()["steady_states"]["after"], Value::Null);
}

#[test]
fn after_method_only_skips_the_before_hypothesis() {
    let s = Scenario::new();
    let o = run(
        &s,
        &with_hypothesis(json!([echo("m", json!(1))]), json!(1), json!(1)),
        &["--hypothesis-strategy=after-method-only"],
    );
    assert_eq!(o.journal()["steady_states"]["before"], Value::Null);
    assert_eq!(o.journal()["steady_states"]["after"]["steady_state_met"], true);
}

#[test]
fn skip_in_the_runtime_block_never_checks_the_hypothesis() {
    let s = Scenario::new();
    let mut doc = with_hypothesis(json!([echo("m", json!(1))]), json!(1), json!(2));
    doc["runtime"] = json!({"hypothesis": {"strategy": "skip"}});
    let o = run(&s, &doc, &[]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.journal()["steady_states"]["before"], Value::Null);
    assert_eq!(o.journal()["steady_states"]["after"], Value::Null);
}

#[test]
fn the_runtime_block_sets_the_rollback_strategy_and_the_flag_overrides_it() {
    let s = Scenario::new();
    let mut doc = with_hypothesis(json!([echo("m", json!(1))]), json!(1), json!(1));
    doc["runtime"] = json!({"rollbacks": {"strategy": "never"}});
    assert_eq!(run(&s, &doc, &[]).journal()["rollbacks"], json!([]));
    assert_eq!(run(&s, &doc, &["--rollback-strategy=always"]).journal()["rollbacks"][0]["output"], "undone");
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
fn the_deviated_rollback_strategy_plays_only_after_a_deviation() {
    let s = Scenario::new();
    let doc = with_hypothesis(json!([]), json!(1), json!(1));
    assert_eq!(run(&s, &doc, &["--rollback-strategy=deviated"]).journal()["rollbacks"], json!([]));
}

#[test]
fn continuously_checks_the_hypothesis_during_the_method() {
    let s = Scenario::new();
    let mut slow = echo("slow", json!(1));
    slow["pauses"] = json!({"after": 1.5});
    let o = run(
        &s,
        &with_hypothesis(json!([slow]), json!(1), json!(1)),
        &["--hypothesis-strategy=continuously", "--hypothesis-frequency=0.2"],
    );
    assert_eq!(o.code, 0, "{}", o.log);
    let during = o.journal()["steady_states"]["during"].as_array().unwrap().len();
    assert!(during >= 2, "{during} during states");
    assert_eq!(o.journal()["steady_states"]["before"]["steady_state_met"], true);
    assert_eq!(o.journal()["steady_states"]["after"]["steady_state_met"], true);
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
fn a_dry_probes_run_calls_no_probe_and_checks_no_tolerance() {
    let s = Scenario::new();
    let o = run(&s, &with_hypothesis(json!([echo("m", json!(1))]), json!(1), json!(999)), &["--dry=probes"]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.run_of("m")["status"], "succeeded");
    assert_eq!(o.run_of("m")["output"], Value::Null);
    assert_eq!(o.journal()["experiment"]["dry"], "probes");
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
fn background_activities_run_concurrently_and_are_awaited() {
    let s = Scenario::new();
    let mut a = echo("a", json!("a"));
    a["background"] = json!(true);
    a["pauses"] = json!({"before": 1});
    let mut b = echo("b", json!("b"));
    b["background"] = json!(true);
    b["pauses"] = json!({"before": 1});
    let o = run(&s, &experiment(json!([a, b, echo("c", json!("c"))])), &[]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.run_of("a")["output"], "a");
    assert_eq!(o.run_of("b")["output"], "b");
    let duration = o.journal()["duration"].as_f64().unwrap();
    assert!(duration < 1.9, "the two 1 s pauses overlapped: {duration}");
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
fn strict_mode_checks_method_probe_tolerances() {
    let s = Scenario::new();
    let mut p = echo("p", json!({"status": 500}));
    p["tolerance"] = json!([200, 503]);
    let doc = experiment(json!([p]));
    assert_eq!(run(&s, &doc, &[]).code, 0);
    let o = run(&s, &doc, &["--strict"]);
    assert_eq!(o.code, 1, "{}", o.log);
    assert_eq!(o.run_of("p")["tolerance_met"], false);
    assert!(o.log.contains("expected status in [200,503], got 500"), "{}", o.log);
}

#[test]
fn strict_mode_fails_when_the_hypothesis_is_not_met_before_the_method() {
    let s = Scenario::new();
    let doc = with_hypothesis(json!([]), json!(1), json!(2));
    assert_eq!(run(&s, &doc, &[]).code, 0, "the reference exits 0 here");
    assert_eq!(run(&s, &doc, &["--strict"]).code, 1);
}

#[test]
fn an_activity_that_cannot_run_aborts_the_method_and_rollbacks_still_play() {
    let s = Scenario::new();
    let mut doc = with_hypothesis(
        json!([probe("missing", wasm("./missing.wasm", "x", json!({}), json!({}))), echo("never", json!(1))]),
        json!(1),
        json!(1),
    );
    doc["rollbacks"] = json!([echo("undo", json!("undone"))]);
    let o = run(&s, &doc, &["--no-validation"]);
    assert_eq!(o.code, 1, "{}", o.log);
    let journal = o.journal();
    assert_eq!(journal["status"], "aborted");
    assert!(o.log.contains("Experiment ran into an un expected fatal error, aborting now."), "{}", o.log);
    assert_eq!(journal["run"].as_array().unwrap().len(), 1, "the method stopped");
    assert!(journal["run"][0].get("status").is_none());
    assert!(journal["run"][0]["exception"][0].as_str().unwrap().contains("cannot read the component file"));
    assert_eq!(journal["steady_states"]["after"], Value::Null, "no hypothesis after an abort");
    assert_eq!(journal["rollbacks"][0]["output"], "undone", "the default strategy plays rollbacks after an abort");
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
