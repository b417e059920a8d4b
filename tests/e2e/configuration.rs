//! Configuration, `--var`, `--var-file` and secrets, with their precedence
//! and masking.

use crate::support::{Scenario, action, experiment, hostile, probe, wasm};
use serde_json::{Value, json};

fn echo(name: &str, value: Value) -> Value {
    probe(name, wasm(hostile(), "echo", json!({"value": value}), json!({})))
}

fn configured(config: Value) -> Value {
    let mut doc = experiment(json!([echo("e", json!("${who}"))]));
    doc["configuration"] = config;
    doc
}

#[test]
fn a_var_overrides_the_configuration_with_its_type() {
    let s = Scenario::new();
    s.experiment(&configured(json!({"who": "declared"})));
    let o = s.chaos(&["run", "experiment.json", "--var", "who:int=42"]);
    assert_eq!(o.run_of("e")["output"], 42, "{}", o.log);
}

#[test]
fn vars_win_over_var_files_and_later_files_win() {
    let s = Scenario::new();
    s.experiment(&configured(json!({"who": "declared"})));
    s.write("a.json", r#"{"configuration": {"who": "file-a"}}"#);
    s.write("b.yaml", "configuration:\n  who: file-b\n");
    let o = s.chaos(&["run", "experiment.json", "--var-file", "a.json", "--var-file", "b.yaml"]);
    assert_eq!(o.run_of("e")["output"], "file-b", "{}", o.log);
    let o = s.chaos(&["run", "experiment.json", "--var-file", "a.json", "--var", "who=cli"]);
    assert_eq!(o.run_of("e")["output"], "cli");
}

#[test]
fn a_dotenv_var_file_feeds_env_configuration() {
    let s = Scenario::new();
    s.experiment(&configured(json!({"who": {"type": "env", "key": "CHAOS_E2E_WHO"}})));
    s.write("vars.env", "CHAOS_E2E_WHO=from-dotenv\n");
    let o = s.chaos(&["run", "experiment.json", "--var-file", "vars.env", "--allow-env=CHAOS_E2E_WHO"]);
    assert_eq!(o.run_of("e")["output"], "from-dotenv", "{}", o.log);
}

#[test]
fn a_malformed_var_is_a_usage_error() {
    let s = Scenario::new();
    s.experiment(&configured(json!({"who": "x"})));
    assert_eq!(s.chaos(&["run", "experiment.json", "--var", "who"]).code, 2);
    assert_eq!(s.chaos(&["run", "experiment.json", "--var", "who:int=x"]).code, 2);
    assert_eq!(s.chaos(&["run", "experiment.json", "--var-file", "missing.json"]).code, 2);
}

#[test]
fn an_allowed_env_configuration_without_its_variable_fails_the_run() {
    let s = Scenario::new();
    s.experiment(&configured(json!({"who": {"type": "env", "key": "CHAOS_E2E_SURELY_UNSET"}})));
    let o = s.chaos(&["run", "experiment.json", "--allow-env=CHAOS_E2E_SURELY_UNSET"]);
    assert_eq!(o.code, 1);
    assert!(
        o.log.contains(
            "Configuration makes reference to an environment key that does not exist: CHAOS_E2E_SURELY_UNSET"
        )
    );
}

fn with_secret() -> Value {
    let mut doc = experiment(json!([echo("e", json!("token=${token}"))]));
    doc["secrets"] = json!({"api": {"token": {"type": "env", "key": "CHAOS_E2E_TOKEN"}}});
    doc
}

#[test]
fn env_secrets_are_substituted_and_masked_in_the_journal_and_the_log() {
    let s = Scenario::new();
    s.experiment(&with_secret());
    let args = ["run", "experiment.json", "--verbose", "--allow-env=CHAOS_E2E_TOKEN"];
    let o = s.chaos_with_env(&args, &[("CHAOS_E2E_TOKEN", "hunter2-secret")]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.run_of("e")["output"], "token=***");
    let journal = o.journal().to_string();
    assert!(!journal.contains("hunter2-secret"));
    assert!(!o.log.contains("hunter2-secret"), "{}", o.log);
}

#[test]
fn show_secrets_leaves_them_visible() {
    let s = Scenario::new();
    s.experiment(&with_secret());
    let args = ["run", "experiment.json", "--show-secrets", "--allow-env=CHAOS_E2E_TOKEN"];
    let o = s.chaos_with_env(&args, &[("CHAOS_E2E_TOKEN", "hunter2-secret")]);
    assert_eq!(o.run_of("e")["output"], "token=hunter2-secret");
}

#[test]
fn an_allowed_but_missing_secret_variable_fails_the_run_with_the_reference_message() {
    let s = Scenario::new();
    s.experiment(&with_secret());
    let o = s.chaos(&["run", "experiment.json", "--allow-env=CHAOS_E2E_TOKEN"]);
    assert_eq!(o.code, 1);
    assert!(
        o.log.contains("Secrets make reference to an environment key that does not exist: CHAOS_E2E_TOKEN"),
        "{}",
        o.log
    );
}

#[test]
fn a_var_file_can_replace_a_secret_scope() {
    let s = Scenario::new();
    s.experiment(&with_secret());
    s.write("secrets.json", r#"{"secrets": {"api": {"token": "from-file"}}}"#);
    let o = s.chaos(&["run", "experiment.json", "--var-file", "secrets.json", "--show-secrets"]);
    assert_eq!(o.run_of("e")["output"], "token=from-file", "{}", o.log);
}

#[test]
fn vault_secrets_are_refused_clearly() {
    let s = Scenario::new();
    let mut doc = experiment(json!([]));
    doc["secrets"] = json!({"db": {"password": {"type": "vault", "path": "secret/db"}}});
    s.experiment(&doc);
    let o = s.chaos(&["validate", "experiment.json"]);
    assert_eq!(o.code, 1);
    assert!(o.log.contains("comes from Vault, which this engine does not support"), "{}", o.log);
}

#[test]
fn a_configuration_probe_is_run_at_start_and_its_output_substituted() {
    let s = Scenario::new();
    let mut doc = experiment(json!([echo("e", json!("${computed} and ${listed}"))]));
    doc["configuration"] = json!({
        "computed": probe("compute", wasm(hostile(), "echo", json!({"value": "from a probe"}), json!({}))),
        "listed": {"type": "probe", "name": "list", "provider": {"type": "process", "path": "echo", "arguments": ["  from a process  "]}},
    });
    s.experiment(&doc);
    let o = s.chaos(&["run", "experiment.json", "--allow-run=echo"]);
    assert_eq!(o.run_of("e")["output"], "from a probe and from a process", "{}", o.log);
}

#[test]
fn a_configuration_probe_without_a_name_runs_as_in_the_reference() {
    let s = Scenario::new();
    let mut doc = experiment(json!([echo("e", json!("${greeting}"))]));
    doc["configuration"] =
        json!({"greeting": {"type": "probe", "provider": {"type": "process", "path": "echo", "arguments": "hello"}}});
    s.experiment(&doc);
    let o = s.chaos(&["run", "experiment.json", "--allow-run=echo,sh"]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.run_of("e")["output"], "hello", "{}", o.log);
}

#[test]
fn a_failed_configuration_probe_drops_its_key_with_a_warning() {
    let s = Scenario::new();
    let mut doc = experiment(json!([echo("e", json!("${broken}"))]));
    let read_missing = wasm("builtin:fs", "read", json!({"path": "./missing.txt"}), json!({"read": ["."]}));
    doc["configuration"] = json!({"broken": probe("fails", read_missing)});
    s.experiment(&doc);
    let o = s.chaos(&["run", "experiment.json", "--allow-read=."]);
    assert_eq!(o.run_of("e")["output"], "${broken}", "{}", o.log);
    assert!(o.log.contains("Some of the dynamic configuration failed to be loaded."));
}

#[test]
fn the_activity_timeout_limits_a_provider_without_its_own() {
    let s = Scenario::new();
    let mut spin = action("spin", wasm(hostile(), "spin", json!({}), json!({})));
    spin["timeout"] = json!(0.5);
    s.experiment(&experiment(json!([spin])));
    let o = s.chaos(&["run", "experiment.json"]);
    assert!(o.exception_of("spin").contains("exceeded its time limit of 0.5s"), "{}", o.log);
}
