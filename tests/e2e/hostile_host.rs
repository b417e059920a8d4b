//! What the host itself writes and runs cannot be redirected by a guest:
//! files the host writes never follow a symbolic link planted at their
//! name, a program a guest could rewrite is never run, and no grant reaches
//! the compiled-component cache.

use crate::support::{Scenario, action, cache_dir, experiment, probe, wasm};
use serde_json::json;
use std::path::Path;

/// Plants `name` as a symbolic link to a file `victim.txt` holding `precious`.
fn plant_link(s: &Scenario, name: &str) -> std::path::PathBuf {
    let victim = s.write("victim.txt", "precious");
    std::os::unix::fs::symlink(&victim, s.path(name)).unwrap();
    victim
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[test]
fn a_log_file_that_is_a_symbolic_link_is_refused_not_followed() {
    let s = Scenario::new();
    let victim = plant_link(&s, "chaos.log");
    s.experiment(&experiment(json!([])));

    let o = s.chaos(&["--log-file", "chaos.log", "validate", "experiment.json"]);

    assert_eq!(o.code, 2, "{}", o.log);
    assert!(o.log.contains("chaos.log: it is a symbolic link (remove it or name its target)"), "{}", o.log);
    assert_eq!(std::fs::read_to_string(victim).unwrap(), "precious");
}

#[test]
fn discover_replaces_a_planted_symbolic_link_instead_of_following_it() {
    let s = Scenario::new();
    let victim = plant_link(&s, "discovery.json");

    let o = s.chaos(&["discover", "builtin:fs"]);

    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(std::fs::read_to_string(victim).unwrap(), "precious");
    assert!(!is_link(&s.path("discovery.json")));
}

#[test]
fn init_with_force_replaces_a_planted_symbolic_link_instead_of_following_it() {
    let s = Scenario::new();
    assert_eq!(s.chaos(&["discover", "builtin:fs"]).code, 0);
    let victim = plant_link(&s, "experiment.json");

    let o = s.chaos(&["init", "--force", "--title", "t", "--method", "read", "--arg", "read.path=x"]);

    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(std::fs::read_to_string(victim).unwrap(), "precious");
    assert!(!is_link(&s.path("experiment.json")));
}

#[test]
fn init_refuses_to_overwrite_an_existing_file_without_force() {
    let s = Scenario::new();
    assert_eq!(s.chaos(&["discover", "builtin:fs"]).code, 0);
    s.write("experiment.json", "mine");

    let o = s.chaos(&["init", "--title", "t", "--method", "read", "--arg", "read.path=x"]);

    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.log.contains("experiment.json: it already exists (pass --force to replace it)"), "{}", o.log);
    assert_eq!(std::fs::read_to_string(s.path("experiment.json")).unwrap(), "mine");
}

#[test]
fn a_program_under_a_directory_an_activity_may_write_is_refused_before_anything_runs() {
    let s = Scenario::new();
    let script = s.write("data/check.sh", "#!/bin/sh\ntouch ran\n");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let writer = probe("writer", wasm("builtin:fs", "exists", json!({"path": "./data"}), json!({"write": ["./data"]})));
    let check = action("check", json!({"type": "process", "path": "./data/check.sh"}));

    let o = s.run_method(json!([writer, check]), &["--allow-write=./data", "--allow-run=./data/check.sh"]);

    assert_ne!(o.code, 0, "{}", o.log);
    assert!(
        o.log.contains(
            "activity 'check' runs the program ./data/check.sh, which lies under ./data, a directory activity \
             'writer' may write: a guest could rewrite the program before the host runs it"
        ),
        "{}",
        o.log
    );
    assert!(!s.path("ran").exists(), "the program did not run");
}

#[test]
fn a_grant_containing_the_compiled_component_cache_is_refused() {
    let s = Scenario::new();
    let cache = cache_dir();
    let parent = cache.parent().unwrap().to_str().unwrap().to_string();
    let reader = probe("reader", wasm("builtin:fs", "exists", json!({"path": parent}), json!({"read": [parent]})));

    let o = s.run_method(json!([reader]), &["--allow-read"]);

    assert_ne!(o.code, 0, "{}", o.log);
    assert!(o.log.contains("which overlaps the compiled-component cache"), "{}", o.log);
    assert!(o.journal.is_none(), "nothing ran");
}
