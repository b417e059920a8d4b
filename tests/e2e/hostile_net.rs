//! A stranger's experiment cannot use the network beyond its grants: its
//! guests resolve only granted names (no DNS query of their choosing leaves
//! the host), and a guest flooding the host with `wasi:http` resources is
//! stopped within a bounded amount of host memory.

use crate::support::{Scenario, action, experiment, hostile, probe, wasm};
use chaos_test_env::echo;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// `resolve` of `host` (probe `lookup`), then an `echo` that must still run.
fn resolve_then_echo(host: &str, grants: Value) -> Value {
    let lookup = probe("lookup", wasm(hostile(), "resolve", json!({"name": host}), grants));
    json!([lookup, echo("after", json!("still running"))])
}

#[test]
fn a_granted_name_resolves_in_the_guest_to_loopback() {
    let s = Scenario::new();
    let o = s.run_method(resolve_then_echo("localhost", json!({"net": ["localhost"]})), &["--allow-net=localhost"]);
    let addrs = o.run_of("lookup")["output"].as_array().unwrap_or_else(|| panic!("{}", o.log)).clone();
    assert!(!addrs.is_empty(), "{}", o.log);
    assert!(addrs.iter().all(|a| a == "127.0.0.1" || a == "::1"), "{addrs:?}");
}

#[test]
fn a_lookup_of_a_name_not_granted_is_refused_as_a_denial_and_the_run_goes_on() {
    let s = Scenario::new();
    let method = resolve_then_echo("exfiltrated-secret.attacker.test", json!({"net": ["localhost"]}));
    let o = s.run_method(method, &["--allow-net=localhost"]);
    let exception = o.exception_of("lookup");
    assert!(exception.contains("was denied a capability"), "{exception}");
    assert!(exception.contains("resolving exfiltrated-secret.attacker.test"), "{exception}");
    assert_eq!(o.run_of("after")["status"], "succeeded", "{}", o.log);
}

#[test]
fn a_refused_lookup_is_recorded_under_the_activity_with_the_name_it_tried() {
    let s = Scenario::new();
    let method = resolve_then_echo("exfiltrated-secret.attacker.test", json!({"net": ["localhost"]}));
    let o = s.run_method(method, &["--allow-net=localhost"]);
    let denials = &o.run_of("lookup")["denials"];
    assert_eq!(denials[0]["capability"], "net", "{denials}");
    assert_eq!(denials[0]["target"], "exfiltrated-secret.attacker.test", "{denials}");
    assert!(o.log.contains("was denied net"), "{}", o.log);
}

#[test]
fn a_lookup_without_a_net_grant_is_refused_as_a_denial() {
    let s = Scenario::new();
    let o = s.run_method(resolve_then_echo("example.invalid", json!({})), &[]);
    let exception = o.exception_of("lookup");
    assert!(exception.contains("was denied a capability"), "{exception}");
    assert_eq!(o.run_of("after")["status"], "succeeded", "{}", o.log);
}

/// Runs `chaos ARGS` in `s` and returns the journal, the child's peak
/// resident memory (KiB) and the wall time. The child is reaped with
/// `wait4`, which reports that child's own usage (tests run in parallel, so
/// `RUSAGE_CHILDREN` would mix in other tests' children).
fn run_measured(s: &Scenario, args: &[&str]) -> (Value, i64, Duration) {
    let started = Instant::now();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_chaos"))
        .args(args)
        .current_dir(s.dir.path())
        .env("CHAOS_CACHE_DIR", crate::support::cache_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chaos starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped; the pointers are valid.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    let elapsed = started.elapsed();
    std::mem::forget(child);
    let journal = std::fs::read_to_string(s.path("journal.json")).expect("a journal");
    (serde_json::from_str(&journal).unwrap(), usage.ru_maxrss, elapsed)
}

fn record<'a>(journal: &'a Value, name: &str) -> &'a Value {
    journal["run"].as_array().unwrap().iter().find(|r| r["activity"]["name"] == name).unwrap()
}

#[test]
fn a_wasi_http_fields_flood_without_a_grant_is_stopped_by_the_host_resource_limit() {
    let s = Scenario::new();
    let flood = action("flood", wasm(hostile(), "http_fields_flood", json!({"value_bytes": 8192}), json!({})));
    s.experiment(&experiment(json!([flood, echo("after", json!("still running"))])));
    let (journal, peak_kib, elapsed) = run_measured(&s, &["run", "experiment.json", "--timeout=20"]);
    let flood = record(&journal, "flood");
    assert_eq!(flood["status"], "failed", "{flood:#}");
    let exception = flood["exception"][0].as_str().unwrap();
    assert!(exception.contains("host resources") && exception.contains("1024"), "{exception}");
    assert_eq!(record(&journal, "after")["status"], "succeeded");
    eprintln!("http_fields_flood: peak RSS {} MiB, {:.2} s", peak_kib / 1024, elapsed.as_secs_f64());
    assert!(peak_kib < 400 << 10, "peak RSS {} MiB", peak_kib / 1024);
    assert!(elapsed < Duration::from_secs(15), "{elapsed:?}");
}
