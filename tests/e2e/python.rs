//! `python` providers: unmodified Chaos Toolkit python activities, run by
//! the sandboxed CPython of `builtin:python` with what the operator allows.
//! The tutorial pair compares verdicts with the reference Chaos Toolkit,
//! which deviates against both services (its steady-state probe, "the
//! exchange file exists", is checked again after the method moved it).

use crate::support::{Outcome, Scenario, Service, experiment, probe};
use exchange_service::Behaviour;
use serde_json::{Value, json};
use std::sync::Once;

/// A python provider.
pub(crate) fn python(module: &str, func: &str, arguments: Value) -> Value {
    json!({"type": "python", "module": module, "func": func, "arguments": arguments})
}

/// Runs one python probe once before any test of this file goes on, so
/// that the runner is compiled into the shared cache once, not by every
/// test at the same time.
pub(crate) fn warm() {
    static WARM: Once = Once::new();
    WARM.call_once(|| {
        let scenario = Scenario::new();
        scenario.run_method(json!([probe("warm", python("os.path", "exists", json!({"path": "."})))]), &[]);
    });
}

/// Runs `method` (after warming up) with `flags`.
pub(crate) fn run(scenario: &Scenario, method: Value, flags: &[&str]) -> Outcome {
    warm();
    scenario.run_method(method, flags)
}

/// Our own python tutorial: the steady state is "the exchange file exists"
/// (`os.path.exists`), the method moves it away (`os.rename`) and probes
/// the service (an http probe), run with the flags the walkthrough gives.
fn run_python_tutorial(behaviour: Behaviour) -> (Scenario, Outcome) {
    warm();
    let scenario = Scenario::new();
    let file = scenario.write("rates.dat", "EUR/USD 1.08\n");
    let service = Service::start(file, behaviour);
    let mut doc = experiment(json!([
        {"type": "action", "name": "move-rates-file",
         "provider": python("os", "rename", json!({"src": "./rates.dat", "dst": "./rates.dat.old"}))},
        {"type": "probe", "name": "service-without-rates-file",
         "provider": {"type": "http", "url": service.url(), "expected_status": 503}}
    ]));
    doc["steady-state-hypothesis"] = json!({
        "title": "The rates file exists",
        "probes": [{"type": "probe", "name": "rates-file-exists", "tolerance": true,
                    "provider": python("os.path", "exists", json!({"path": "./rates.dat"}))}]
    });
    scenario.experiment(&doc);
    let net = format!("--allow-net=127.0.0.1:{}", service.port);
    let outcome = scenario.chaos(&["run", "experiment.json", "--allow-read=.", "--allow-write=.", &net]);
    (scenario, outcome)
}

/// What the reference gives for the tutorial, against either service.
fn assert_deviates_like_the_reference(scenario: &Scenario, outcome: &Outcome) {
    assert_eq!(outcome.code, 1, "{}", outcome.log);
    let journal = outcome.journal();
    assert_eq!((journal["status"].as_str(), journal["deviated"].as_bool()), (Some("completed"), Some(true)));
    let before = &journal["steady_states"]["before"];
    assert_eq!((before["steady_state_met"].as_bool(), &before["probes"][0]["output"]), (Some(true), &json!(true)));
    let after = &journal["steady_states"]["after"];
    assert_eq!((after["steady_state_met"].as_bool(), &after["probes"][0]["output"]), (Some(false), &json!(false)));
    assert_eq!(outcome.run_of("move-rates-file")["status"], "succeeded");
    assert_eq!(outcome.run_of("service-without-rates-file")["status"], "succeeded");
    assert!(scenario.path("rates.dat.old").exists() && !scenario.path("rates.dat").exists());
}

#[test]
fn the_python_tutorial_deviates_against_the_fixed_service_as_the_reference_does() {
    let (scenario, outcome) = run_python_tutorial(Behaviour::Fixed);
    assert_deviates_like_the_reference(&scenario, &outcome);
    assert_eq!(outcome.run_of("service-without-rates-file")["output"]["status"], 503);
}

#[test]
fn the_python_tutorial_deviates_against_the_broken_service_as_the_reference_does() {
    let (scenario, outcome) = run_python_tutorial(Behaviour::Broken);
    assert_deviates_like_the_reference(&scenario, &outcome);
    assert_eq!(outcome.run_of("service-without-rates-file")["output"]["status"], 500);
}

#[test]
fn the_grants_table_shows_the_operators_allowances_as_a_python_activitys_requests() {
    let scenario = Scenario::new();
    let outcome =
        run(&scenario, json!([probe("here", python("os.path", "exists", json!({"path": "."})))]), &["--allow-write=."]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert!(outcome.log.contains("here: write . [operator] allowed (flags)"), "{}", outcome.log);
}

#[test]
fn a_python_exception_fails_the_activity_with_chaos_toolkits_message() {
    let scenario = Scenario::new();
    let method = json!([{"type": "action", "name": "move",
        "provider": python("os", "rename", json!({"src": "./missing.dat", "dst": "./moved.dat"}))}]);
    let outcome = run(&scenario, method, &["--allow-write=."]);
    let exception = outcome.exception_of("move");
    assert!(
        exception.starts_with("chaoslib.exceptions.ActivityFailed: FileNotFoundError: [Errno 44] No such file or directory: './missing.dat'"),
        "{exception}"
    );
    assert_eq!(outcome.journal()["status"], "completed");
}

#[test]
fn configuration_and_the_listed_secrets_reach_a_function_that_declares_them() {
    let scenario = Scenario::new();
    scenario.write(
        "probes.py",
        "def settings(configuration, secrets):\n    \
         return {'region': configuration['region'], 'password_length': len(secrets['password']), \
         'scopes': sorted(secrets)}\n",
    );
    let mut doc = experiment(json!([{"type": "probe", "name": "settings",
        "provider": {"type": "python", "module": "probes", "func": "settings", "secrets": ["db"]}}]));
    doc["configuration"] = json!({"region": "eu-west"});
    doc["secrets"] = json!({"db": {"password": "hunter22"}, "other": {"token": "t0ken"}});
    scenario.experiment(&doc);
    warm();
    let outcome = scenario.chaos(&["run", "experiment.json", "--allow-read=."]);
    let output = &outcome.run_of("settings")["output"];
    assert_eq!(output, &json!({"region": "eu-west", "password_length": 8, "scopes": ["password"]}), "{}", outcome.log);
}

#[test]
fn a_chaos_toolkit_extension_module_is_refused_at_validation_naming_it() {
    let scenario = Scenario::new();
    let method = json!([{"type": "action", "name": "kill-pods",
        "provider": python("chaosk8s.pod.actions", "terminate_pods", json!({"label_selector": "app=rates"}))}]);
    let outcome = scenario.run_method(method, &["-A"]);
    assert_eq!(outcome.code, 1);
    assert!(outcome.journal.is_none());
    assert!(
        outcome.log.contains(
            "activity 'kill-pods': Python module 'chaosk8s.pod.actions' is a Chaos Toolkit extension, which is not available here"
        ),
        "{}",
        outcome.log
    );
}

#[test]
fn values_json_cannot_hold_become_the_documented_text() {
    let scenario = Scenario::new();
    scenario.write(
        "values.py",
        "import datetime, decimal, uuid\n\
         def odd():\n    \
         return {'day': datetime.date(2026, 1, 2), 'price': decimal.Decimal('1.50'), 'pair': (1, 2),\n            \
         'set': {3}, 'nan': float('nan'), 1: 'one', 'id': uuid.UUID(int=1), 'kind': object}\n",
    );
    let method = json!([probe("odd", json!({"type": "python", "module": "values", "func": "odd"}))]);
    let outcome = run(&scenario, method, &["--allow-read=."]);
    assert_eq!(
        outcome.run_of("odd")["output"],
        json!({"day": "2026-01-02", "price": "1.50", "pair": [1, 2], "set": [3], "nan": "nan", "1": "one",
               "id": "00000000-0000-0000-0000-000000000001", "kind": "<class 'object'>"}),
        "{}",
        outcome.log
    );
}

#[test]
fn a_python_probe_as_a_tolerance_receives_the_checked_value() {
    let scenario = Scenario::new();
    scenario.write("checks.py", "def is_small(value=None):\n    return value < 10\n");
    let mut doc = experiment(json!([]));
    doc["steady-state-hypothesis"] = json!({
        "title": "small",
        "probes": [{"type": "probe", "name": "count", "provider": python("statistics", "mean", json!({"data": [3, 5]})),
                    "tolerance": {"type": "probe", "name": "is-small",
                                  "provider": {"type": "python", "module": "checks", "func": "is_small"}}}]
    });
    scenario.experiment(&doc);
    warm();
    let outcome = scenario.chaos(&["run", "experiment.json", "--allow-read=."]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    let probe = &outcome.journal()["steady_states"]["before"]["probes"][0];
    assert_eq!((&probe["output"], &probe["tolerance_met"]), (&json!(4), &json!(true)));
}
