//! Hostile python activities: what a stranger's `python` provider tries
//! (`os.system`, files it was not granted, `..`, endless loops, huge
//! allocations) is contained by the sandboxed CPython of `builtin:python`,
//! named, and journaled; a path outside every grant is a denial, never a
//! plausible `False`.

use crate::python::{python, run, warm};
use crate::support::{Scenario, experiment, probe};
use serde_json::{Value, json};

#[test]
fn os_path_exists_on_a_path_outside_every_grant_is_a_denial_not_false() {
    let scenario = Scenario::new();
    scenario.write("rates.dat", "1.08\n");
    let exists = probe("exists", python("os.path", "exists", json!({"path": "./rates.dat"})));
    let outcome = run(&scenario, json!([exists]), &[]);
    let record = outcome.run_of("exists");
    assert_eq!(record["status"], "failed", "{record:#}");
    assert_eq!(record["denials"][0]["capability"], "activity", "{record:#}");
    let detail = record["denials"][0]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("'./rates.dat' is outside every directory this activity was granted"), "{detail}");
}

#[test]
fn os_path_exists_answers_for_granted_paths_present_or_absent() {
    let scenario = Scenario::new();
    scenario.write("rates.dat", "1.08\n");
    let present = probe("present", python("os.path", "exists", json!({"path": "./rates.dat"})));
    let absent = probe("absent", python("os.path", "exists", json!({"path": "./missing.dat"})));
    let outcome = run(&scenario, json!([present, absent]), &["--allow-read=."]);
    assert_eq!(outcome.run_of("present")["output"], true, "{}", outcome.log);
    assert_eq!(outcome.run_of("absent")["output"], false, "{}", outcome.log);
    assert!(outcome.run_of("absent").get("denials").is_none());
}

#[test]
fn a_python_activity_cannot_read_a_file_the_operator_did_not_allow() {
    let scenario = Scenario::new();
    scenario.write("rates.dat", "secret-rate-1.08\n");
    let method = json!([{"type": "probe", "name": "read",
        "provider": python("shutil", "copyfile", json!({"src": "./rates.dat", "dst": "./copy.dat"}))}]);
    let outcome = run(&scenario, method, &[]);
    let record = outcome.run_of("read");
    assert_eq!(record["status"], "failed", "{}", outcome.log);
    assert!(!scenario.path("copy.dat").exists());
    assert!(!outcome.log.contains("secret-rate"), "{}", outcome.log);
}

#[test]
fn a_python_infinite_loop_is_stopped_at_its_timeout_and_named() {
    let scenario = Scenario::new();
    scenario.write("spin.py", "def forever():\n    while True:\n        pass\n");
    let method = json!([{"type": "probe", "name": "spin",
        "provider": {"type": "python", "module": "spin", "func": "forever", "timeout": 1}}]);
    let outcome = run(&scenario, method, &["--allow-read=."]);
    assert_eq!(
        outcome.exception_of("spin"),
        "chaoslib.exceptions.ActivityFailed: activity 'spin' exceeded its time limit of 1s and was stopped\n"
    );
}

#[test]
fn os_system_does_not_exist_in_the_sandboxed_python() {
    let scenario = Scenario::new();
    let method =
        json!([{"type": "action", "name": "shell", "provider": python("os", "system", json!({"command": "id"}))}]);
    let outcome = run(&scenario, method, &["-A"]);
    assert!(
        outcome.exception_of("shell").contains("the Python module 'os' does not expose a function called 'system'"),
        "{}",
        outcome.log
    );
}

#[test]
fn a_dot_dot_escape_from_the_granted_directory_is_refused() {
    let scenario = Scenario::new();
    std::fs::create_dir(scenario.path("run")).unwrap();
    scenario.write("secret.txt", "outside the grant\n");
    let doc = experiment(json!([{"type": "probe", "name": "escape",
        "provider": python("os", "listdir", json!({"path": ".."}))}]));
    scenario.write("run/experiment.json", &doc.to_string());
    warm();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_chaos"))
        .args(["run", "experiment.json", "--allow-read=."])
        .current_dir(scenario.path("run"))
        .env("CHAOS_CACHE_DIR", crate::support::cache_dir())
        .output()
        .unwrap();
    let journal: Value = serde_json::from_slice(&std::fs::read(scenario.path("run/journal.json")).unwrap()).unwrap();
    let record = &journal["run"][0];
    assert_eq!(record["status"], "failed", "{}", String::from_utf8_lossy(&output.stderr));
    let exception = record["exception"][0].as_str().unwrap();
    assert!(exception.contains("PermissionError: [Errno 63] Operation not permitted: '..'"), "{exception}");
}

#[test]
fn a_huge_python_allocation_is_stopped_and_named() {
    let scenario = Scenario::new();
    scenario.write("hog.py", "def hog():\n    return len(bytearray(2**30))\n");
    let method = json!([probe("hog", json!({"type": "python", "module": "hog", "func": "hog"}))]);
    let outcome = run(&scenario, method, &["--allow-read=."]);
    let exception = outcome.exception_of("hog");
    assert!(exception.contains("activity 'hog' exceeded its memory limit of 128 MiB"), "{exception}");
}
