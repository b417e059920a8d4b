//! Resource attacks from a shared experiment or component, each stopped
//! by a bound the operator controls, with the host's peak memory and the
//! time to stop measured: a JSONPath tolerance that multiplies nodes, error
//! messages larger than the output limit, many background activities each
//! within its own memory limit, a component that cannot describe itself
//! under the operator's limits, and a "module" that is any host file.

use crate::support::{Measured, Scenario, action, experiment, hostile, probe, wasm};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

const MIB: u64 = 1 << 20;

/// Runs `chaos ARGS` in the scenario with the shared component cache,
/// measured.
fn measured(s: &Scenario, args: &[&str]) -> Measured {
    crate::support::measured(s, args, &crate::support::cache_dir())
}

fn hostile_call(name: &str, func: &str, args: Value) -> Value {
    action(name, wasm(hostile(), func, args, json!({})))
}

/// `[[[...]]]` as JSON text: `depth` lists deep, `width` numbers at each level.
fn deep_json(depth: usize, width: usize) -> String {
    let mut text = String::from("[]");
    for _ in 0..depth {
        let numbers: Vec<String> = (0..width).map(|i| i.to_string()).collect();
        text = format!("[{},{text}]", numbers.join(","));
    }
    text
}

#[test]
fn a_jsonpath_tolerance_that_multiplies_nodes_is_not_evaluated_and_the_hypothesis_fails() {
    let s = Scenario::new();
    let mut doc = experiment(json!([probe("after", wasm(hostile(), "echo", json!({"value": 1}), json!({})))]));
    let mut p = probe("deep", wasm(hostile(), "echo", json!({"value": deep_json(100, 100)}), json!({})));
    p["tolerance"] = json!({"type": "jsonpath", "path": "$..*..*..*..*"});
    doc["steady-state-hypothesis"] = json!({"title": "h", "probes": [p]});
    s.experiment(&doc);

    let m = measured(&s, &["run", "experiment.json"]);

    let journal = m.outcome.journal();
    assert_eq!(journal["steady_states"]["before"]["probes"][0]["tolerance_met"], false, "{}", m.outcome.log);
    assert_eq!(journal["steady_states"]["before"]["steady_state_met"], false);
    assert!(m.outcome.log.contains("JSON path $..*..*..*..* was not evaluated"), "{}", m.outcome.log);
    assert!(m.outcome.log.contains("over the limit of 10000000"), "{}", m.outcome.log);
    assert!(m.peak < 512 * MIB, "peak RSS {} MiB", m.peak / MIB);
    assert!(m.elapsed < Duration::from_secs(60), "{:?}", m.elapsed);
}

#[test]
fn an_ordinary_jsonpath_tolerance_on_the_same_output_is_evaluated() {
    let s = Scenario::new();
    let mut doc = experiment(json!([]));
    let mut p = probe("deep", wasm(hostile(), "echo", json!({"value": deep_json(100, 100)}), json!({})));
    p["tolerance"] = json!({"type": "jsonpath", "path": "$..*", "count": 10100});
    doc["steady-state-hypothesis"] = json!({"title": "h", "probes": [p]});
    s.experiment(&doc);

    let o = s.chaos(&["run", "experiment.json"]);

    assert_eq!(o.journal()["steady_states"]["before"]["probes"][0]["tolerance_met"], true, "{}", o.log);
}

/// Runs `long_error` with a message of 8 MiB and the error `kind`, under
/// an output limit of 1 KiB, and returns the journaled exception.
fn long_error(kind: &str) -> (Measured, String) {
    let s = Scenario::new();
    s.experiment(&experiment(json!([
        hostile_call("loud", "long_error", json!({"bytes": 8 << 20, "kind": kind})),
        hostile_call("after", "echo", json!({"value": "still running"}))
    ])));
    let m = measured(&s, &["run", "experiment.json", "--output-limit=1"]);
    let exception = m.outcome.exception_of("loud");
    assert_eq!(m.outcome.run_of("after")["output"], "still running", "the run goes on");
    (m, exception)
}

#[test]
fn a_failure_message_larger_than_the_output_limit_is_truncated_and_says_so() {
    let (m, exception) = long_error("failed");
    assert!(exception.len() < 2048, "{} bytes", exception.len());
    assert!(
        exception
            .contains("(truncated: the message was 8388608 bytes, over the activity's output limit of 1024 bytes)"),
        "{exception}"
    );
    assert!(m.outcome.log.len() < 64 << 10, "the log is bounded too: {} bytes", m.outcome.log.len());
}

#[test]
fn an_invalid_arguments_message_larger_than_the_output_limit_is_truncated() {
    let (_, exception) = long_error("invalid-arguments");
    assert!(exception.len() < 2048 && exception.contains("rejected its arguments: EEE"), "{exception}");
    assert!(exception.contains("truncated"), "{exception}");
}

#[test]
fn a_capability_denied_message_larger_than_the_output_limit_is_truncated_and_still_a_denial() {
    let (_, exception) = long_error("capability-denied");
    assert!(exception.len() < 2048 && exception.contains("was denied a capability: EEE"), "{exception}");
    assert!(exception.contains("truncated"), "{exception}");
}

#[test]
fn many_background_activities_hold_no_more_than_the_total_memory_budget_together() {
    let s = Scenario::new();
    let mut method: Vec<Value> = (0..16)
        .map(|i| {
            let mut hog = hostile_call(&format!("hog{i}"), "eat_memory", json!({}));
            hog["background"] = json!(true);
            hog
        })
        .collect();
    method.push(hostile_call("after", "echo", json!({"value": "still running"})));
    s.experiment(&experiment(json!(method)));

    let m = measured(&s, &["run", "experiment.json", "--memory-limit=64", "--max-total-memory=256"]);

    for i in 0..16 {
        let exception = m.outcome.exception_of(&format!("hog{i}"));
        assert!(exception.contains("exceeded its memory limit of 64 MiB"), "{exception}");
    }
    assert_eq!(m.outcome.run_of("after")["output"], "still running");
    assert!(m.peak < 600 * MIB, "16 x 64 MiB would be 1 GiB; peak RSS {} MiB", m.peak / MIB);
    assert!(m.elapsed < Duration::from_secs(120), "{:?}", m.elapsed);
}

#[test]
fn an_activity_whose_memory_limit_exceeds_the_total_budget_is_refused_before_anything_runs() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([hostile_call("a", "echo", json!({"value": 1}))])));
    let o = s.chaos(&["run", "experiment.json", "--memory-limit=512", "--max-total-memory=256"]);
    assert_eq!(o.code, 2, "{}", o.log);
    assert!(
        o.log.contains("--memory-limit 512 MiB is more than --max-total-memory 256 MiB: no activity could run"),
        "{}",
        o.log
    );
}

#[test]
fn components_describe_themselves_under_the_operators_memory_limit() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([hostile_call("a", "echo", json!({"value": 1}))])));
    // A Rust component needs more than 1 MiB to instantiate: under the
    // operator's limit it cannot even describe itself.
    let o = s.chaos(&["run", "experiment.json", "--memory-limit=1"]);
    assert_ne!(o.code, 0, "{}", o.log);
    assert!(o.log.contains("describing its activities failed"), "{}", o.log);
    assert!(o.log.contains("exceeded its memory limit of 1 MiB"), "{}", o.log);
}

#[test]
fn a_module_that_is_a_host_file_is_refused_without_echoing_its_content() {
    let s = Scenario::new();
    let secret = "TOPSECRET-0123456789";
    s.write("secret.txt", secret);
    s.experiment(&experiment(json!([action("a", wasm("./secret.txt", "x", json!({}), json!({})))])));

    for args in [&["validate", "experiment.json"][..], &["run", "experiment.json"][..]] {
        let o = s.chaos(args);
        assert_eq!(o.code, 1, "{}", o.log);
        assert!(
            o.log.contains("./secret.txt is not a valid WebAssembly component: it is not a WebAssembly file"),
            "{}",
            o.log
        );
        let everything = format!("{}{}{:?}", o.log, o.stdout, o.journal);
        let hex = secret.bytes().take(4).map(|b| format!("{b:#x}")).collect::<Vec<_>>().join(", ");
        assert!(!everything.contains("TOPS"), "{everything}");
        assert!(!everything.contains(&hex), "the bytes in hex: {everything}");
    }
}

/// Builds the component of `tests/components/wat/NAME.wat` (see the README
/// there) into the scenario directory and returns its `module` path.
fn wat_component(s: &Scenario, name: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut module = wat::parse_file(root.join(format!("tests/components/wat/{name}.wat"))).unwrap();
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(root.join("wit")).unwrap();
    let world = resolve.select_world(&[package], Some("activity")).unwrap();
    wit_component::embed_component_metadata(&mut module, &resolve, world, wit_component::StringEncoding::UTF8).unwrap();
    let component =
        wit_component::ComponentEncoder::default().module(&module).unwrap().validate(true).encode().unwrap();
    std::fs::write(s.path(&format!("{name}.wasm")), component).unwrap();
    format!("./{name}.wasm")
}

#[test]
fn a_describe_that_never_returns_is_stopped_at_the_operators_timeout() {
    let s = Scenario::new();
    let module = wat_component(&s, "describe_spins");
    s.experiment(&experiment(json!([action("a", wasm(&module, "x", json!({}), json!({})))])));

    let m = measured(&s, &["run", "experiment.json", "--timeout=1"]);

    assert_eq!(m.outcome.code, 1, "{}", m.outcome.log);
    assert!(m.outcome.log.contains("describe_spins.wasm does not work as an activity component: describing its activities failed: exceeded its time limit of 1s"), "{}", m.outcome.log);
    assert!(m.elapsed < Duration::from_secs(30), "not the built-in 60 s: {:?}", m.elapsed);
}

#[test]
fn a_describe_that_returns_garbage_is_refused_cleanly() {
    let s = Scenario::new();
    let module = wat_component(&s, "describe_garbage");
    s.experiment(&experiment(json!([action("a", wasm(&module, "x", json!({}), json!({})))])));

    let m = measured(&s, &["validate", "experiment.json"]);

    assert_eq!(m.outcome.code, 1, "{}", m.outcome.log);
    assert!(m.outcome.log.contains("describing its activities failed: crashed:"), "{}", m.outcome.log);
    assert!(!m.outcome.log.contains("panicked"), "{}", m.outcome.log);
    assert!(m.peak < 512 * MIB, "peak RSS {} MiB", m.peak / MIB);
}

#[test]
fn funcref_tables_count_against_the_memory_limit() {
    let s = Scenario::new();
    let module = wat_component(&s, "table_growth");
    s.experiment(&experiment(json!([
        action("tables", wasm(&module, "grow_tables", json!({}), json!({}))),
        hostile_call("after", "echo", json!({"value": "still running"}))
    ])));

    let m = measured(&s, &["run", "experiment.json", "--memory-limit=16"]);

    let exception = m.outcome.exception_of("tables");
    assert!(exception.contains("activity 'tables' exceeded its memory limit of 16 MiB"), "{exception}");
    assert_eq!(m.outcome.run_of("after")["output"], "still running");
}
