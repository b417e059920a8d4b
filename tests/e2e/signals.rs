//! Signals interrupt the run; rollbacks play per strategy; the journal is
//! written with status `interrupted`.

use crate::support::{Scenario, action, experiment, hostile, probe, wasm};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn blocker(name: &str) -> Value {
    let mut blocker = action(name, wasm(hostile(), "sleep_forever", json!({}), json!({})));
    blocker["provider"]["timeout"] = json!(60);
    blocker
}

/// Starts `chaos run` on an experiment whose method blocks, waits until the
/// blocking activity runs, sends `signal`, and returns (exit code, journal).
fn interrupt_with(signal: &str, flags: &[&str]) -> (i32, Value, String) {
    let rollback = probe("undo", wasm(hostile(), "echo", json!({"value": "undone"}), json!({})));
    interrupt(&[("Action: blocker", signal)], rollback, flags)
}

/// Runs an experiment whose method blocks, and sends each signal once its
/// line appears in the log.
fn interrupt(steps: &[(&str, &str)], rollback: Value, flags: &[&str]) -> (i32, Value, String) {
    let s = Scenario::new();
    let mut doc = experiment(json!([blocker("blocker")]));
    doc["rollbacks"] = json!([rollback]);
    s.experiment(&doc);
    let mut child = Command::new(env!("CARGO_BIN_EXE_chaos"))
        .args(["run", "experiment.json"])
        .args(flags)
        .current_dir(s.dir.path())
        .env("CHAOS_CACHE_DIR", std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("chaos-component-cache"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = String::new();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    for (wait_for, signal) in steps {
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 {
            log.push_str(&line);
            if line.contains(wait_for) {
                break;
            }
            line.clear();
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        let status = Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().unwrap();
        assert!(status.success());
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    log.push_str(&rest);
    let code = child.wait().unwrap().code().unwrap();
    let journal = serde_json::from_str(&std::fs::read_to_string(s.path("journal.json")).unwrap()).unwrap();
    (code, journal, log)
}

#[test]
fn sigint_interrupts_the_run_and_writes_the_journal_without_default_rollbacks() {
    let (code, journal, log) = interrupt_with("INT", &[]);
    assert_eq!(code, 1, "{log}");
    assert_eq!(journal["status"], "interrupted");
    assert!(journal["run"][0].get("status").is_none(), "a cut-off activity has no status");
    assert_eq!(journal["rollbacks"], json!([]));
}

#[test]
fn sigterm_with_the_always_strategy_plays_the_rollbacks() {
    let (code, journal, log) = interrupt_with("TERM", &["--rollback-strategy=always"]);
    assert_eq!(code, 1);
    assert_eq!(journal["status"], "interrupted");
    assert_eq!(journal["rollbacks"][0]["output"], "undone", "{log}");
}

#[test]
fn sigusr2_disables_rollbacks_even_with_always() {
    let (_, journal, log) = interrupt_with("USR2", &["--rollback-strategy=always"]);
    assert_eq!(journal["status"], "interrupted");
    assert_eq!(journal["rollbacks"], json!([]));
    assert!(log.contains("Ignoring rollbacks as per signal"), "{log}");
}

#[test]
fn sigusr1_interrupts_gracefully_and_always_plays_rollbacks() {
    let (code, journal, log) = interrupt_with("USR1", &["--rollback-strategy=always"]);
    assert_eq!(code, 1);
    assert_eq!(journal["status"], "interrupted");
    assert_eq!(journal["rollbacks"][0]["output"], "undone", "{log}");
}

#[test]
fn a_second_sigint_stops_the_rollbacks_and_the_journal_is_still_written() {
    let steps = [("Action: blocker", "INT"), ("Rollback: stuck-undo", "INT")];
    let (code, journal, log) = interrupt(&steps, blocker("stuck-undo"), &["--rollback-strategy=always"]);
    assert_eq!(code, 1, "{log}");
    assert_eq!(journal["status"], "interrupted");
    let undo = &journal["rollbacks"][0];
    assert_eq!(undo["activity"]["name"], "stuck-undo");
    assert!(undo.get("status").is_none(), "the rollback was cut off: {undo}");
    assert!(log.contains("Terminating now without running the remaining rollbacks"), "{log}");
}
