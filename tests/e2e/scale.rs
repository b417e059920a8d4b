//! The runner at scale (issue 8): background activities overlap instead of
//! running one after the other, and the continuous hypothesis keeps its
//! period while the method is busy.

use crate::support::{Outcome, Scenario, action, experiment, hostile, probe, wasm};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How many background sleepers, and how long each sleeps.
const SLEEPERS: usize = 100;
const SLEEP: f64 = 0.5;

/// `SLEEPERS` background activities made by `sleeper`.
fn background(sleeper: impl Fn(String) -> Value) -> Value {
    let activities: Vec<Value> = (0..SLEEPERS)
        .map(|i| {
            let mut activity = sleeper(format!("sleep-{i}"));
            activity["background"] = json!(true);
            activity
        })
        .collect();
    json!(activities)
}

fn time(record: &Value, key: &str) -> DateTime<Utc> {
    let text = record[key].as_str().unwrap_or_else(|| panic!("no {key} in {record:#}"));
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{key} `{text}`: {e}")).with_timezone(&Utc)
}

/// The most method activities running at one moment, from the journal's
/// start and end times.
fn most_at_once(records: &[Value]) -> usize {
    let mut edges: Vec<(DateTime<Utc>, i32)> = Vec::new();
    for record in records {
        edges.push((time(record, "start"), 1));
        edges.push((time(record, "end"), -1));
    }
    // An end at the same instant as a start closes first.
    edges.sort();
    let (mut running, mut most) = (0i32, 0i32);
    for (_, step) in edges {
        running += step;
        most = most.max(running);
    }
    usize::try_from(most).unwrap()
}

/// Runs one hostile activity first, so that the component is compiled and
/// cached before anything is timed.
fn warm_up(s: &Scenario) {
    let o = s.run_method(json!([probe("warm-up", wasm(hostile(), "echo", json!({"value": 1}), json!({})))]), &[]);
    assert_eq!(o.code, 0, "{}", o.log);
}

/// The run took well under the sum of the sleeps, every sleeper succeeded,
/// and at least `together` of them were running at one moment.
fn assert_overlapped(o: &Outcome, wall: Duration, together: usize) {
    assert_eq!(o.code, 0, "{}", o.log);
    let records = o.journal()["run"].as_array().unwrap();
    assert_eq!(records.len(), SLEEPERS, "{}", o.log);
    assert!(records.iter().all(|r| r["status"] == "succeeded"), "{}", o.log);
    let sum = SLEEP * SLEEPERS as f64;
    assert!(wall < Duration::from_secs(10), "{SLEEPERS} sleeps of {SLEEP} s ({sum} s in all) took {wall:?}");
    let most = most_at_once(records);
    assert!(most >= together, "at most {most} of {SLEEPERS} background sleepers ran at once");
}

#[test]
fn a_hundred_background_process_sleepers_run_at_once() {
    let s = Scenario::new();
    let method =
        background(|name| action(&name, json!({"type": "process", "path": "sleep", "arguments": [SLEEP.to_string()]})));
    let started = Instant::now();
    let o = s.run_method(method, &["--allow-run=sleep"]);
    assert_overlapped(&o, started.elapsed(), SLEEPERS / 2);
}

#[test]
fn a_hundred_background_wasm_sleepers_run_at_once_within_the_memory_budget() {
    let s = Scenario::new();
    warm_up(&s);
    let method = background(|name| probe(&name, wasm(hostile(), "sleep", json!({"seconds": SLEEP}), json!({}))));
    let started = Instant::now();
    // 100 calls of 16 MiB each fit in the default budget of 2 GiB.
    let o = s.run_method(method, &["--memory-limit=16"]);
    assert_overlapped(&o, started.elapsed(), SLEEPERS / 2);
}

#[test]
fn background_wasm_sleepers_beyond_the_memory_budget_wait_for_room_and_all_run() {
    let s = Scenario::new();
    warm_up(&s);
    let method: Vec<Value> = (0..20)
        .map(|i| {
            let mut a = probe(&format!("sleep-{i}"), wasm(hostile(), "sleep", json!({"seconds": SLEEP}), json!({})));
            a["background"] = json!(true);
            a
        })
        .collect();
    let started = Instant::now();
    // Room for four calls of 64 MiB at once: five rounds of four.
    let o = s.run_method(json!(method), &["--memory-limit=64", "--max-total-memory=256"]);
    let wall = started.elapsed();
    assert_eq!(o.code, 0, "{}", o.log);
    let records = o.journal()["run"].as_array().unwrap();
    assert_eq!(records.len(), 20);
    assert!(records.iter().all(|r| r["status"] == "succeeded"), "{}", o.log);
    assert!(wall >= Duration::from_secs_f64(5.0 * SLEEP), "20 sleepers with room for 4 took only {wall:?}");
}

/// Average gap between the starts of the continuous evaluations.
fn mean_period(journal: &Value) -> f64 {
    let starts: Vec<DateTime<Utc>> =
        journal["steady_states"]["during"].as_array().unwrap().iter().map(|s| time(&s["probes"][0], "start")).collect();
    assert!(starts.len() >= 10, "only {} evaluations during the method", starts.len());
    let span = (*starts.last().unwrap() - starts[0]).num_microseconds().unwrap() as f64 / 1e6;
    span / (starts.len() - 1) as f64
}

#[test]
fn the_continuous_hypothesis_keeps_its_period_while_the_method_is_busy() {
    let s = Scenario::new();
    warm_up(&s);
    // Each evaluation takes most of the period: the period must not drift by it.
    let mut doc = experiment(json!([
        {"type": "action", "name": "burn-1", "background": true,
         "provider": wasm(hostile(), "burn", json!({"seconds": 3}), json!({}))},
        {"type": "action", "name": "burn-2", "background": true,
         "provider": wasm(hostile(), "burn", json!({"seconds": 3}), json!({}))},
        probe("sleep", wasm(hostile(), "sleep", json!({"seconds": 3}), json!({}))),
    ]));
    let mut check = probe("slow-check", wasm(hostile(), "sleep", json!({"seconds": 0.06}), json!({})));
    check["tolerance"] = json!([0, 1]);
    doc["steady-state-hypothesis"] = json!({"title": "slow but fine", "probes": [check]});
    s.experiment(&doc);
    let o =
        s.chaos(&["run", "experiment.json", "--hypothesis-strategy=during-method-only", "--hypothesis-frequency=0.1"]);
    assert_eq!(o.code, 0, "{}", o.log);
    let period = mean_period(o.journal());
    // Gap-based scheduling would give 0.1 s + 0.06 s + overhead.
    assert!((0.09..0.14).contains(&period), "the evaluations started {period:.3} s apart on average");
}

#[test]
fn a_short_sleep_wakes_on_time_while_guests_spin_on_every_worker() {
    let s = Scenario::new();
    warm_up(&s);
    let mut method: Vec<Value> = (0..4)
        .map(|i| {
            let mut burn = action(&format!("burn-{i}"), wasm(hostile(), "burn", json!({"seconds": 2}), json!({})));
            burn["background"] = json!(true);
            burn
        })
        .collect();
    method.extend(
        (0..5).map(|i| probe(&format!("nap-{i}"), wasm(hostile(), "sleep", json!({"seconds": 0.05}), json!({})))),
    );
    let o = s.run_method(json!(method), &[]);
    assert_eq!(o.code, 0, "{}", o.log);
    for i in 0..5 {
        let took = o.run_of(&format!("nap-{i}"))["duration"].as_f64().unwrap();
        assert!(took < 0.3, "a 0.05 s sleep took {took} s while guests spun");
    }
}
