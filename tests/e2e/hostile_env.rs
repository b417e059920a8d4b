//! A stranger's experiment reads no host variable without `--allow-env`, a
//! denial is reported as a denial, and nothing it says reaches the terminal
//! as control characters or as a forged log line.

use crate::support::{Scenario, action, experiment, hostile, probe, wasm};
use chaos_test_env::echo;
use serde_json::{Value, json};

const LEAK: &str = "leaked-host-value";

fn configured(configuration: Value) -> Value {
    let mut doc = experiment(json!([echo("e", json!("${who}"))]));
    doc["configuration"] = configuration;
    doc
}

fn with_env_secret() -> Value {
    let mut doc = experiment(json!([echo("e", json!("token=${token}"))]));
    doc["secrets"] = json!({"api": {"token": {"type": "env", "key": "CHAOS_E2E_HOSTILE_TOKEN"}}});
    doc
}

#[test]
fn an_env_configuration_is_refused_without_its_allow_env_flag() {
    let s = Scenario::new();
    s.experiment(&configured(json!({"who": {"type": "env", "key": "CHAOS_E2E_HOSTILE_WHO"}})));
    let o = s.chaos_with_env(&["run", "experiment.json"], &[("CHAOS_E2E_HOSTILE_WHO", LEAK)]);
    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.log.contains("configuration:who"), "{}", o.log);
    assert!(o.log.contains("--allow-env=CHAOS_E2E_HOSTILE_WHO"), "{}", o.log);
    assert!(o.journal.is_none(), "nothing ran");
    assert!(!o.log.contains(LEAK), "{}", o.log);
}

#[test]
fn an_env_configuration_with_a_default_still_needs_its_flag() {
    let s = Scenario::new();
    s.experiment(&configured(json!({"who": {"type": "env", "key": "CHAOS_E2E_HOSTILE_WHO", "default": "d"}})));
    let o = s.chaos(&["run", "experiment.json"]);
    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.log.contains("--allow-env=CHAOS_E2E_HOSTILE_WHO"), "{}", o.log);
}

#[test]
fn an_env_secret_is_refused_without_its_allow_env_flag() {
    let s = Scenario::new();
    s.experiment(&with_env_secret());
    let o = s.chaos_with_env(&["run", "experiment.json", "--show-secrets"], &[("CHAOS_E2E_HOSTILE_TOKEN", LEAK)]);
    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.log.contains("secrets:api.token"), "{}", o.log);
    assert!(o.log.contains("--allow-env=CHAOS_E2E_HOSTILE_TOKEN"), "{}", o.log);
    assert!(!o.log.contains(LEAK), "{}", o.log);
}

#[test]
fn the_allow_env_flag_lets_an_env_configuration_be_read() {
    let s = Scenario::new();
    s.experiment(&configured(json!({"who": {"type": "env", "key": "CHAOS_E2E_HOSTILE_WHO"}})));
    let env = [("CHAOS_E2E_HOSTILE_WHO", "granted")];
    let o = s.chaos_with_env(&["run", "experiment.json", "--allow-env=CHAOS_E2E_HOSTILE_WHO"], &env);
    assert_eq!(o.run_of("e")["output"], "granted", "{}", o.log);
    let o = s.chaos_with_env(&["run", "experiment.json", "-A"], &env);
    assert_eq!(o.run_of("e")["output"], "granted", "{}", o.log);
}

#[test]
fn a_var_replacing_an_env_configuration_needs_no_flag() {
    let s = Scenario::new();
    s.experiment(&configured(json!({"who": {"type": "env", "key": "CHAOS_E2E_HOSTILE_WHO"}})));
    let o = s.chaos(&["run", "experiment.json", "--var", "who=given"]);
    assert_eq!(o.run_of("e")["output"], "given", "{}", o.log);
}

#[test]
fn validate_reads_no_env_value() {
    let s = Scenario::new();
    let declared = json!({"who": {"type": "env", "key": "CHAOS_E2E_HOSTILE_WHO", "env_var_type": "int"}});
    s.experiment(&configured(declared));
    let o = s.chaos_with_env(&["validate", "experiment.json"], &[("CHAOS_E2E_HOSTILE_WHO", "not-a-number")]);
    assert_eq!(o.code, 0, "the value was read and converted: {}", o.log);
}

fn typed_port_experiment() -> Value {
    let connect = wasm("builtin:net", "tcp_connect", json!({"host": "127.0.0.1", "port": "${port}"}), json!({}));
    let mut doc = experiment(json!([probe("c", connect)]));
    doc["configuration"] = json!({"port": {"type": "env", "key": "CHAOS_E2E_HOSTILE_PORT", "env_var_type": "int"}});
    doc
}

#[test]
fn an_argument_from_an_unread_env_entry_is_checked_only_once_read() {
    let s = Scenario::new();
    s.experiment(&typed_port_experiment());
    let env = [("CHAOS_E2E_HOSTILE_PORT", "9")];
    assert_eq!(s.chaos_with_env(&["validate", "experiment.json"], &env).code, 0);
    let o = s.chaos_with_env(&["run", "experiment.json"], &env);
    assert!(o.log.contains("--allow-env=CHAOS_E2E_HOSTILE_PORT"), "{}", o.log);
}

fn fs_call(name: &str, func: &str, arguments: Value) -> Value {
    let provider = wasm("builtin:fs", func, arguments, json!({"read": ["./data"]}));
    if matches!(func, "exists" | "read") { probe(name, provider) } else { action(name, provider) }
}

#[test]
fn every_fs_function_on_an_ungranted_path_fails_as_a_denial() {
    let s = Scenario::new();
    s.write("data/inside.txt", "inside");
    let secret = s.write("secret.txt", "SECRET-CONTENT");
    let secret = secret.to_str().expect("a UTF-8 path");
    let calls = [
        ("exists", json!({"path": secret})),
        ("read", json!({"path": secret})),
        ("write", json!({"path": secret, "content": "x"})),
        ("rename", json!({"src": secret, "dst": "./data/moved.txt"})),
        ("remove", json!({"path": secret})),
    ];
    let method: Vec<Value> = calls.iter().map(|(func, args)| fs_call(func, func, args.clone())).collect();
    let o = s.run_method(Value::Array(method), &["--allow-read=./data"]);
    for (func, _) in calls {
        assert_eq!(o.run_of(func)["status"], "failed", "{func}: {}", o.log);
        let exception = o.exception_of(func);
        assert!(exception.contains("was denied a capability"), "{func}: {exception}");
        assert!(exception.contains(secret) && exception.contains("not granted"), "{func}: {exception}");
    }
    assert_eq!(std::fs::read_to_string(s.path("secret.txt")).ok().as_deref(), Some("SECRET-CONTENT"));
}

#[test]
fn an_ungranted_relative_path_fails_as_a_denial() {
    let s = Scenario::new();
    s.write("data/inside.txt", "inside");
    s.write("secret.txt", "SECRET-CONTENT");
    let o =
        s.run_method(json!([fs_call("sibling", "exists", json!({"path": "./secret.txt"}))]), &["--allow-read=./data"]);
    assert!(o.exception_of("sibling").contains("was denied a capability"), "{}", o.log);
}

#[test]
fn a_missing_file_inside_a_grant_is_still_false() {
    let s = Scenario::new();
    s.write("data/inside.txt", "inside");
    let o =
        s.run_method(json!([fs_call("gone", "exists", json!({"path": "./data/gone.txt"}))]), &["--allow-read=./data"]);
    assert_eq!(o.run_of("gone")["output"], false, "{}", o.log);
}

const FORGED: &str = "[2026-01-01 00:00:00 INFO] forged";

fn forged_lines(log: &str) -> usize {
    log.lines().filter(|line| line.starts_with(FORGED)).count()
}

#[test]
fn control_characters_from_the_experiment_are_escaped_in_the_log() {
    let s = Scenario::new();
    let name = format!("evil\u{1b}[2J\r\n{FORGED}");
    let o = s.run_method(json!([echo(&name, json!("v\u{7}"))]), &["--verbose"]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert!(!o.log.contains('\u{1b}') && !o.log.contains('\u{7}') && !o.log.contains('\r'), "{:?}", o.log);
    assert!(o.log.contains("evil\\x1b[2J\\r"), "{}", o.log);
    assert_eq!(forged_lines(&o.log), 0, "{}", o.log);
}

#[test]
fn a_guest_log_record_cannot_forge_a_host_log_line() {
    let s = Scenario::new();
    let message = format!("first\n{FORGED}");
    let o = s.run_method(json!([probe("talker", wasm(hostile(), "log", json!({"message": message}), json!({})))]), &[]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(forged_lines(&o.log), 0, "{}", o.log);
    assert!(o.log.lines().any(|line| line.ends_with(&format!("[talker] {FORGED}"))), "{}", o.log);
}
