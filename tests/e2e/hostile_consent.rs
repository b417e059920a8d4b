//! Consent: before anything runs, the operator sees every capability a
//! shared experiment asks for and decides; `--deny-*` always wins; a policy
//! file holds standing allowances; without a terminal a refusal ends with
//! one line of flags to copy.

use crate::support::{Scenario, experiment, probe, wasm};
use serde_json::{Value, json};

/// An experiment whose one probe asks to read `./data` and reach
/// `localhost:9`.
fn asking(s: &Scenario) {
    std::fs::create_dir_all(s.path("data")).unwrap();
    let look = probe(
        "look",
        wasm("builtin:fs", "exists", json!({"path": "./data"}), json!({"read": ["./data"], "net": ["localhost:9"]})),
    );
    s.experiment(&experiment(json!([look])));
}

#[test]
fn grants_lists_every_request_with_the_flag_to_add_and_exits_1() {
    let s = Scenario::new();
    asking(&s);

    let o = s.chaos(&["grants", "experiment.json"]);

    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.stdout.contains("look: read ./data [grants] missing: --allow-read=./data"), "{}", o.stdout);
    assert!(o.stdout.contains("look: net localhost:9 [grants] missing: --allow-net=localhost:9"), "{}", o.stdout);
    assert!(o.stdout.contains("rerun with: --allow-read=./data --allow-net=localhost:9"), "{}", o.stdout);
    assert!(o.journal.is_none(), "nothing ran");
}

#[test]
fn grants_exits_0_when_the_flags_allow_every_request() {
    let s = Scenario::new();
    asking(&s);

    let o = s.chaos(&["grants", "experiment.json", "--allow-read=./data", "--allow-net=localhost:9"]);

    assert_eq!(o.code, 0, "{}", o.log);
    assert!(o.stdout.contains("look: read ./data [grants] allowed (flags)"), "{}", o.stdout);
}

#[test]
fn grants_json_names_the_deny_flag_that_refuses_a_request() {
    let s = Scenario::new();
    asking(&s);

    let o = s.chaos(&["grants", "--json", "experiment.json", "--allow-read", "--deny-read=./data"]);

    assert_eq!(o.code, 1, "{}", o.log);
    let table: Value = serde_json::from_str(&o.stdout).unwrap();
    let read = &table["rows"][0];
    assert_eq!((read["kind"].as_str(), read["status"].as_str()), (Some("read"), Some("denied")), "{table}");
    assert_eq!(read["by"], "--deny-read=./data", "{table}");
}

#[test]
fn a_deny_flag_wins_over_an_allow_and_nothing_runs() {
    let s = Scenario::new();
    asking(&s);

    let o = s.chaos(&["run", "experiment.json", "--allow-read", "--allow-net", "--deny-net=localhost"]);

    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.journal.is_none(), "nothing ran");
    assert!(
        o.log.contains("activity 'look' needs network access to localhost:9: denied by --deny-net=localhost"),
        "{}",
        o.log
    );
}

#[test]
fn a_deny_flag_wins_over_allow_all() {
    let s = Scenario::new();
    asking(&s);

    let o = s.chaos(&["run", "experiment.json", "-A", "--deny-read"]);

    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.journal.is_none(), "nothing ran");
    assert!(o.log.contains("activity 'look' needs read access to ./data: denied by --deny-read"), "{}", o.log);
}

#[test]
fn without_a_terminal_a_refusal_ends_with_one_line_of_flags_to_copy() {
    let s = Scenario::new();
    asking(&s);

    let o = s.chaos(&["run", "experiment.json"]);

    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.journal.is_none(), "nothing ran");
    let last = o.log.lines().last().unwrap_or_default();
    assert!(last.ends_with("rerun with: --allow-read=./data --allow-net=localhost:9"), "{}", o.log);
}

#[test]
fn a_policy_file_allows_a_run_without_flags() {
    let s = Scenario::new();
    asking(&s);
    s.write("policy.yaml", "allow:\n  read: [./data]\n  net: [localhost:9]\n");

    let o = s.chaos(&["run", "--policy", "policy.yaml", "experiment.json"]);

    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.run_of("look")["status"], "succeeded", "{}", o.log);
}

#[test]
fn a_policy_file_that_cannot_be_parsed_is_a_usage_error() {
    let s = Scenario::new();
    asking(&s);
    s.write("policy.yaml", "allow:\n  read: [./data\n");

    let o = s.chaos(&["run", "--policy", "policy.yaml", "experiment.json"]);

    assert_eq!(o.code, 2, "{}", o.log);
    assert!(o.log.contains("invalid policy file policy.yaml"), "{}", o.log);
    assert!(o.journal.is_none(), "nothing ran");
}

#[test]
fn a_policy_files_deny_wins_over_the_flags() {
    let s = Scenario::new();
    asking(&s);
    s.write("policy.yaml", "deny:\n  net: [localhost]\n");

    let o = s.chaos(&["run", "--policy", "policy.yaml", "experiment.json", "-A"]);

    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.journal.is_none(), "nothing ran");
    assert!(o.log.contains("activity 'look' needs network access to localhost:9: denied by"), "{}", o.log);
}

/// Runs `chaos run experiment.json` in `s` inside a pseudo-terminal
/// (util-linux `script`), typing `answers`; returns what the terminal showed.
fn run_in_terminal(s: &Scenario, answers: &str) -> String {
    use std::io::Write as _;
    let command = format!("{} run experiment.json", env!("CARGO_BIN_EXE_chaos"));
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(s.dir.path())
        .env("CHAOS_CACHE_DIR", crate::support::cache_dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script runs");
    child.stdin.take().expect("stdin is piped").write_all(answers.as_bytes()).unwrap();
    let output = child.wait_with_output().expect("script ends");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn in_a_terminal_each_missing_grant_is_asked_and_allowing_both_runs_the_experiment() {
    let s = Scenario::new();
    asking(&s);

    let screen = run_in_terminal(&s, "y\ny\n");

    assert!(screen.contains("'look' needs read access to ./data. Allow it for this run? [y/N/a]"), "{screen}");
    assert!(screen.contains("'look' needs network access to localhost:9. Allow it for this run?"), "{screen}");
    assert!(s.path("journal.json").exists(), "the run went on: {screen}");
}

#[test]
fn in_a_terminal_denying_a_grant_refuses_the_run() {
    let s = Scenario::new();
    asking(&s);

    let screen = run_in_terminal(&s, "n\ny\n");

    assert!(screen.contains("Refusing to run"), "{screen}");
    assert!(!s.path("journal.json").exists(), "nothing ran: {screen}");
}

#[test]
fn in_a_terminal_allow_all_answers_every_following_grant() {
    let s = Scenario::new();
    asking(&s);

    let screen = run_in_terminal(&s, "a\n");

    assert_eq!(screen.matches("Allow it for this run?").count(), 1, "{screen}");
    assert!(s.path("journal.json").exists(), "the run went on: {screen}");
}
