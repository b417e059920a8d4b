//! Misbehaving components are stopped by the right limit, with a message that
//! names the activity and the limit, while the run goes on and the journal
//! records the failure.

use crate::support::{Scenario, action, hostile, probe, wasm};
use serde_json::json;

fn hostile_call(kind: &str, name: &str, func: &str, args: serde_json::Value) -> serde_json::Value {
    let provider = wasm(hostile(), func, args, json!({}));
    if kind == "probe" { probe(name, provider) } else { action(name, provider) }
}

fn with_timeout(mut activity: serde_json::Value, secs: f64) -> serde_json::Value {
    activity["provider"]["timeout"] = json!(secs);
    activity
}

#[test]
fn an_infinite_loop_is_stopped_by_the_time_limit_and_the_run_goes_on() {
    let s = Scenario::new();
    let outcome = s.run_method(
        json!([
            with_timeout(hostile_call("action", "spin", "spin", json!({})), 1.0),
            hostile_call("probe", "after", "echo", json!({"value": 1}))
        ]),
        &[],
    );
    assert_eq!(outcome.code, 0, "a failed method activity does not fail the run: {}", outcome.log);
    assert_eq!(
        outcome.exception_of("spin"),
        "chaoslib.exceptions.ActivityFailed: activity 'spin' exceeded its time limit of 1s and was stopped\n"
    );
    assert!(outcome.log.contains("=> failed: activity 'spin' exceeded its time limit of 1s"), "{}", outcome.log);
    assert_eq!(outcome.run_of("after")["output"], 1);
    let duration = outcome.run_of("spin")["duration"].as_f64().unwrap();
    assert!(duration < 30.0, "stopped promptly: {duration}");
}

#[test]
fn the_run_wide_timeout_applies_when_the_provider_sets_none() {
    let s = Scenario::new();
    let outcome = s.run_method(json!([hostile_call("action", "spin", "spin", json!({}))]), &["--timeout=0.5"]);
    assert!(outcome.exception_of("spin").contains("exceeded its time limit of 0.5s"), "{}", outcome.log);
}

#[test]
fn a_guest_blocked_in_a_host_call_is_stopped_by_the_host_side_timeout() {
    let s = Scenario::new();
    let outcome =
        s.run_method(json!([with_timeout(hostile_call("action", "sleeper", "sleep_forever", json!({})), 1.0)]), &[]);
    assert!(outcome.exception_of("sleeper").contains("exceeded its time limit of 1s"), "{}", outcome.log);
}

#[test]
fn a_memory_hungry_component_is_stopped_by_the_memory_limit() {
    let s = Scenario::new();
    let outcome = s.run_method(
        json!([
            hostile_call("action", "hog", "eat_memory", json!({})),
            hostile_call("probe", "after", "echo", json!({"value": "still running"}))
        ]),
        &["--memory-limit=32"],
    );
    let exception = outcome.exception_of("hog");
    assert!(exception.contains("activity 'hog' exceeded its memory limit of 32 MiB"), "{exception}");
    assert_eq!(outcome.run_of("after")["output"], "still running");
}

#[test]
fn output_over_the_output_limit_fails_the_activity() {
    let s = Scenario::new();
    let outcome = s
        .run_method(json!([hostile_call("probe", "big", "big_output", json!({"bytes": 4096}))]), &["--output-limit=2"]);
    assert!(outcome.exception_of("big").contains("over its output limit of 2048 bytes"), "{}", outcome.log);
}

#[test]
fn a_panicking_component_fails_with_a_message_naming_the_activity() {
    let s = Scenario::new();
    let outcome = s.run_method(json!([hostile_call("action", "boom", "panic", json!({}))]), &[]);
    let exception = outcome.exception_of("boom");
    assert!(exception.contains("activity 'boom' crashed"), "{exception}");
    assert!(
        outcome.log.contains("[boom]") && outcome.log.contains("panics on purpose"),
        "the guest's panic message is logged: {}",
        outcome.log
    );
}

#[test]
fn an_activity_error_is_journaled_as_a_failure() {
    let s = Scenario::new();
    let outcome = s.run_method(json!([hostile_call("action", "f", "fail", json!({}))]), &[]);
    assert_eq!(
        outcome.exception_of("f"),
        "chaoslib.exceptions.ActivityFailed: activity 'f' failed: this activity fails on purpose\n"
    );
}

#[test]
fn guest_output_goes_to_the_log_prefixed_and_capped() {
    let s = Scenario::new();
    let outcome = s.run_method(json!([hostile_call("probe", "talk", "chatter", json!({"count": 100000}))]), &[]);
    assert_eq!(outcome.run_of("talk")["output"], 100000, "{}", &outcome.log[..2000.min(outcome.log.len())]);
    assert!(outcome.log.contains("[talk] chatter line 0"));
    assert!(outcome.log.contains("output truncated"));
    assert!(!outcome.log.contains("chatter line 99999"));
    assert!(outcome.log.len() < 200_000, "the log is capped: {} bytes", outcome.log.len());
}

#[test]
fn stderr_and_log_records_are_prefixed_too() {
    let s = Scenario::new();
    let outcome = s.run_method(json!([hostile_call("probe", "talk", "chatter", json!({"count": 1}))]), &[]);
    assert!(outcome.log.contains("WARNING] [talk] chatter on stderr"), "{}", outcome.log);
    assert!(outcome.log.contains("INFO] [talk] chatter through the log import"), "{}", outcome.log);
}

#[test]
fn a_memory_limit_out_of_range_is_a_usage_error_not_a_wrap() {
    let s = Scenario::new();
    let outcome = s.run_method(json!([]), &["--memory-limit=18446744073709551615"]);
    assert_eq!(outcome.code, 2, "{}", outcome.log);
    assert!(outcome.log.contains("--memory-limit 18446744073709551615 MiB is out of range"), "{}", outcome.log);
}

#[test]
fn an_output_limit_out_of_range_is_a_usage_error_not_a_wrap() {
    let s = Scenario::new();
    let outcome = s.run_method(json!([]), &["--output-limit=18446744073709551615"]);
    assert_eq!(outcome.code, 2, "{}", outcome.log);
    assert!(outcome.log.contains("--output-limit 18446744073709551615 KiB is out of range"), "{}", outcome.log);
}
