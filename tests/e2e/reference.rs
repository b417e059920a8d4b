//! Journals and exit codes compared key by key with the reference Chaos
//! Toolkit's, recorded by `tests/reference/regenerate.sh` for the
//! experiments in `tests/reference/experiments`.
//!
//! Compared: exit code, every key of the journal except the ones that vary
//! between runs or engines (timestamps, durations, platform, versions), the
//! key sets of every record, and, for failures, that our one-line exception
//! ends with the reference's message.

use crate::support::Scenario;
use serde_json::Value;
use std::path::Path;

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/reference");
/// Keys whose values legitimately differ between two runs or engines.
const VOLATILE: &[&str] = &["start", "end", "duration", "platform", "node", "chaoslib-version", "chaos-wasm-version"];

fn compare(path: &str, ours: &Value, theirs: &Value, diffs: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let extra: Vec<_> =
                a.keys().filter(|k| !b.contains_key(*k) && k.as_str() != "chaos-wasm-version").collect();
            let missing: Vec<_> = b.keys().filter(|k| !a.contains_key(*k)).collect();
            if !extra.is_empty() || !missing.is_empty() {
                diffs.push(format!("{path}: keys differ: extra {extra:?}, missing {missing:?}"));
            }
            for (k, v) in b {
                let Some(mine) = a.get(k) else { continue };
                if VOLATILE.contains(&k.as_str()) {
                    continue;
                }
                if k == "exception" {
                    let last = |e: &Value| {
                        e.as_array().and_then(|l| l.last()).and_then(Value::as_str).unwrap_or("").to_string()
                    };
                    let reference = last(v);
                    let message = reference.split("ActivityFailed: ").nth(1).unwrap_or(&reference).trim().to_string();
                    if !last(mine).trim().ends_with(&message) {
                        diffs.push(format!("{path}.exception: ours {:?} does not end with {message:?}", last(mine)));
                    }
                    continue;
                }
                compare(&format!("{path}.{k}"), mine, v, diffs);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                diffs.push(format!("{path}: {} items, the reference has {}", a.len(), b.len()));
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                compare(&format!("{path}[{i}]"), x, y, diffs);
            }
        }
        (a, b) if a != b => diffs.push(format!("{path}: ours {a}, the reference's {b}")),
        _ => {}
    }
}

fn check(name: &str) {
    let dir = Path::new(REFERENCE);
    let s = Scenario::new();
    std::fs::copy(dir.join(format!("experiments/{name}.json")), s.path("experiment.json")).unwrap();
    let flags = std::fs::read_to_string(dir.join(format!("experiments/{name}.flags"))).unwrap_or_default();
    let mut args = vec!["--no-version-check", "--no-log-file", "run", "experiment.json", "--allow-run"];
    args.extend(flags.split_whitespace());
    let outcome = s.chaos(&args);
    let theirs: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("journals/{name}.json"))).unwrap()).unwrap();
    let exit: i32 = std::fs::read_to_string(dir.join(format!("journals/{name}.exit"))).unwrap().trim().parse().unwrap();
    assert_eq!(outcome.code, exit, "exit code of {name}; log:\n{}", outcome.log);
    let mut diffs = Vec::new();
    compare("journal", outcome.journal(), &theirs, &mut diffs);
    assert!(diffs.is_empty(), "{name} differs from the reference:\n{}\nlog:\n{}", diffs.join("\n"), outcome.log);
}

#[test]
fn a_clean_run_matches_the_reference_journal() {
    check("completed");
}

#[test]
fn a_deviated_run_matches_the_reference_journal() {
    check("deviated");
}

#[test]
fn a_hypothesis_not_met_before_the_method_matches_the_reference_journal() {
    check("before-not-met");
}

#[test]
fn a_failing_hypothesis_probe_matches_the_reference_journal() {
    check("failed-probe");
}

#[test]
fn tolerance_rules_match_the_reference_journal() {
    check("tolerances");
}

#[test]
fn runtime_block_strategies_match_the_reference_journal() {
    check("strategies");
}

#[test]
fn a_dry_actions_run_matches_the_reference_journal() {
    check("dry-actions");
}

#[test]
fn vars_match_the_reference_journal() {
    check("vars");
}

#[test]
fn ref_entries_with_a_type_and_a_tolerance_match_the_reference_journal() {
    check("refs");
}

#[test]
fn an_unresolved_ref_run_without_validation_aborts_as_in_the_reference_journal() {
    check("unresolved-ref");
}
