//! An experiment's numbers, files and sizes cannot crash, hang or exhaust the
//! host: each hostile input is refused (or its activity fails) with one
//! clear message naming the activity or the file and the cause, never a
//! panic (exit 101) and never a hang.

use crate::support::{CaptureServer, Outcome, Scenario, action, closed_port, experiment, hostile, probe, wasm};
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn echo_with(name: &str, field: &str, value: Value) -> Value {
    let mut activity = probe(name, wasm(hostile(), "echo", json!({"value": 1}), json!({})));
    activity["provider"][field] = value;
    activity
}

fn assert_refused(outcome: &Outcome, name: &str, cause: &str) {
    assert_eq!(outcome.code, 1, "refused, no panic: {}", outcome.log);
    assert!(outcome.journal.is_none(), "nothing ran");
    assert!(outcome.log.contains(name), "names `{name}`:\n{}", outcome.log);
    assert!(outcome.log.contains(cause), "says `{cause}`:\n{}", outcome.log);
}

/// Validates the experiment with `activity` as its method.
fn validate(activity: Value) -> Outcome {
    let s = Scenario::new();
    s.experiment(&experiment(json!([activity])));
    s.chaos(&["validate", "experiment.json"])
}

/// Runs `chaos ARGS` in `dir`, killing it when it outlives `limit`.
fn chaos_within(dir: &std::path::Path, args: &[&str], limit: Duration) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chaos"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chaos starts");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("chaos is waited for") {
            let mut log = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr is piped"), &mut log).ok();
            return (status.code().expect("chaos exits with a code"), log);
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("chaos {args:?} still ran after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(path: &std::path::Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success());
}

#[test]
fn a_wasm_timeout_of_1e300_is_refused_at_validation() {
    assert_refused(&validate(echo_with("slow", "timeout", json!(1e300))), "slow", "timeout");
}

#[test]
fn an_activity_timeout_of_1e300_is_refused_at_validation() {
    let mut activity = probe("slow", wasm(hostile(), "echo", json!({"value": 1}), json!({})));
    activity["timeout"] = json!(1e300);
    assert_refused(&validate(activity), "slow", "timeout");
}

#[test]
fn a_pause_of_1e300_is_refused_at_validation() {
    let mut activity = probe("paused", wasm(hostile(), "echo", json!({"value": 1}), json!({})));
    activity["pauses"] = json!({"after": 1e300});
    assert_refused(&validate(activity), "paused", "pause");
}

#[test]
fn a_negative_http_timeout_is_refused_at_validation() {
    let activity = probe("h", json!({"type": "http", "url": "http://127.0.0.1:1/", "timeout": -1}));
    assert_refused(&validate(activity), "h", "timeout");
}

#[test]
fn an_http_timeout_pair_with_a_huge_member_is_refused_at_validation() {
    let activity = probe("h", json!({"type": "http", "url": "http://127.0.0.1:1/", "timeout": [1, 1e300]}));
    assert_refused(&validate(activity), "h", "timeout");
}

#[test]
fn a_process_timeout_of_1e300_is_refused_at_validation() {
    let activity = action("p", json!({"type": "process", "path": "true", "timeout": 1e300}));
    assert_refused(&validate(activity), "p", "timeout");
}

#[test]
fn a_substituted_http_timeout_out_of_range_fails_the_activity_and_the_run_goes_on() {
    let s = Scenario::new();
    let mut doc = experiment(json!([
        probe("h", json!({"type": "http", "url": format!("http://127.0.0.1:{}/", closed_port()), "timeout": "${t}"})),
        probe("after", wasm(hostile(), "echo", json!({"value": 1}), json!({})))
    ]));
    doc["configuration"] = json!({"t": 1e300});
    s.experiment(&doc);
    let outcome = s.chaos(&["run", "experiment.json", "--allow-net=127.0.0.1"]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    let exception = outcome.exception_of("h");
    assert!(exception.contains("activity 'h'") && exception.contains("timeout"), "{exception}");
    assert_eq!(outcome.run_of("after")["output"], 1);
}

#[test]
fn a_substituted_pause_out_of_range_is_ignored_with_a_warning() {
    let s = Scenario::new();
    let mut activity = probe("paused", wasm(hostile(), "echo", json!({"value": 1}), json!({})));
    activity["pauses"] = json!({"after": "${p}"});
    let mut doc = experiment(json!([activity]));
    doc["configuration"] = json!({"p": "1e300"});
    s.experiment(&doc);
    let outcome = s.chaos(&["run", "experiment.json"]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert!(outcome.log.contains("ignoring the after pause"), "{}", outcome.log);
    assert_eq!(outcome.run_of("paused")["output"], 1);
}

#[test]
fn an_activity_timeout_cannot_raise_the_operators_timeout() {
    let s = Scenario::new();
    let mut spin = action("spin", wasm(hostile(), "spin", json!({}), json!({})));
    spin["provider"]["timeout"] = json!(600);
    let outcome = s.run_method(json!([spin]), &["--timeout=0.5"]);
    assert!(outcome.exception_of("spin").contains("exceeded its time limit of 0.5s"), "{}", outcome.log);
}

#[test]
fn http_retries_are_bounded_by_the_activity_time_limit() {
    let s = Scenario::new();
    let url = format!("http://127.0.0.1:{}/", closed_port());
    s.experiment(&experiment(json!([probe(
        "h",
        json!({"type": "http", "url": url, "max_retries": 4294967295u64, "timeout": 1})
    )])));
    let (code, log) = chaos_within(
        s.dir.path(),
        &["run", "experiment.json", "--allow-net=127.0.0.1", "--timeout=1"],
        Duration::from_secs(30),
    );
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("activity 'h'") && log.contains("took too long"), "{log}");
}

#[test]
fn a_device_as_module_is_refused_without_reading_it() {
    let outcome = validate(probe("z", wasm("/dev/zero", "f", json!({}), json!({}))));
    assert_refused(&outcome, "z", "not a regular file");
}

#[test]
fn a_fifo_as_module_is_refused_without_blocking() {
    let s = Scenario::new();
    mkfifo(&s.path("c.wasm"));
    s.experiment(&experiment(json!([probe("f", wasm("c.wasm", "f", json!({}), json!({})))])));
    let (code, log) = chaos_within(s.dir.path(), &["run", "experiment.json"], Duration::from_secs(30));
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("not a regular file") && log.contains('f'), "{log}");
}

#[test]
fn a_fifo_as_experiment_file_is_refused_without_blocking() {
    let s = Scenario::new();
    mkfifo(&s.path("experiment.json"));
    let (code, log) = chaos_within(s.dir.path(), &["validate", "experiment.json"], Duration::from_secs(30));
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("experiment.json") && log.contains("not a regular file"), "{log}");
}

#[test]
fn a_fifo_as_var_file_is_refused_without_blocking() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([probe("p", wasm(hostile(), "echo", json!({"value": 1}), json!({})))])));
    mkfifo(&s.path("vars.json"));
    let (code, log) =
        chaos_within(s.dir.path(), &["run", "experiment.json", "--var-file", "vars.json"], Duration::from_secs(30));
    assert_eq!(code, 2, "a usage error, as any unreadable --var-file: {log}");
    assert!(log.contains("vars.json") && log.contains("not a regular file"), "{log}");
}

#[test]
fn an_oversized_component_is_refused_without_reading_it() {
    let s = Scenario::new();
    let file = std::fs::File::create(s.path("huge.wasm")).unwrap();
    file.set_len(1 << 30).unwrap();
    let outcome = {
        s.experiment(&experiment(json!([probe("huge", wasm("huge.wasm", "f", json!({}), json!({})))])));
        s.chaos(&["validate", "experiment.json"])
    };
    assert_refused(&outcome, "huge", "larger than the limit");
}

#[test]
fn an_oversized_experiment_file_is_refused() {
    let s = Scenario::new();
    let padding = " ".repeat(5 << 20);
    s.write("experiment.json", &format!("{{{padding}}}"));
    let outcome = s.chaos(&["validate", "experiment.json"]);
    assert_eq!(outcome.code, 1, "{}", outcome.log);
    assert!(
        outcome.log.contains("experiment.json") && outcome.log.contains("larger than the limit"),
        "{}",
        outcome.log
    );
}

#[test]
fn deeply_nested_yaml_is_refused_promptly() {
    let s = Scenario::new();
    s.write("experiment.yaml", &format!("title: {}", "[".repeat(200_000)));
    let start = Instant::now();
    let outcome = s.chaos(&["validate", "experiment.yaml"]);
    assert_eq!(outcome.code, 1, "{}", outcome.log);
    assert!(outcome.log.contains("nest"), "{}", outcome.log);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
}

#[test]
fn deeply_nested_block_yaml_is_refused_promptly() {
    let s = Scenario::new();
    s.write("experiment.yaml", &format!("title:\n{}x", "- ".repeat(100_000)));
    let start = Instant::now();
    let outcome = s.chaos(&["validate", "experiment.yaml"]);
    assert_eq!(outcome.code, 1, "{}", outcome.log);
    assert!(outcome.log.contains("nest"), "{}", outcome.log);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
}

#[test]
fn deeply_nested_json_is_refused_with_a_clear_message() {
    let s = Scenario::new();
    s.write("experiment.json", &format!("{{\"title\": {}", "[".repeat(200_000)));
    let outcome = s.chaos(&["validate", "experiment.json"]);
    assert_eq!(outcome.code, 1, "{}", outcome.log);
    assert!(outcome.log.contains("nest"), "{}", outcome.log);
}

#[test]
fn an_oversized_remote_experiment_is_refused() {
    let body = format!("{{\"title\": \"{}\"}}", "x".repeat(5 << 20));
    let server = CaptureServer::start(CaptureServer::respond("200 OK", &[("content-type", "application/json")], &body));
    let s = Scenario::new();
    let outcome = s.chaos(&["validate", &format!("http://127.0.0.1:{}/e.json", server.port)]);
    assert_eq!(outcome.code, 1, "{}", outcome.log);
    assert!(outcome.log.contains("larger than the limit"), "{}", outcome.log);
}

#[test]
fn an_http_response_body_over_the_output_limit_fails_the_activity() {
    let server = CaptureServer::start(CaptureServer::respond("200 OK", &[], &"x".repeat(8192)));
    let s = Scenario::new();
    let url = format!("http://127.0.0.1:{}/", server.port);
    let outcome = s.run_method(
        json!([probe("h", json!({"type": "http", "url": url}))]),
        &[&format!("--allow-net=127.0.0.1:{}", server.port), "--output-limit=2"],
    );
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    let exception = outcome.exception_of("h");
    assert!(exception.contains("activity 'h'") && exception.contains("output limit of 2048 bytes"), "{exception}");
}

/// An experiment whose configuration holds a 100 KB value `x`, and whose
/// only activity names it `count` times in its arguments.
fn amplifying_experiment(count: usize) -> Value {
    let activity = probe("amplify", wasm(hostile(), "echo", json!({"value": "$x".repeat(count)}), json!({})));
    let mut doc = experiment(json!([activity]));
    doc["configuration"] = json!({"x": "y".repeat(100_000)});
    doc
}

#[test]
fn a_template_naming_a_large_value_many_times_is_refused_by_validation_not_expanded() {
    let s = Scenario::new();
    s.experiment(&amplifying_experiment(2_000));

    let o = s.chaos(&["validate", "experiment.json"]);

    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.log.contains("amplify"), "{}", o.log);
    assert!(o.log.contains("would produce more than 16777216 bytes"), "{}", o.log);
}

#[test]
fn a_regex_tolerance_that_compiles_too_large_is_refused_by_validation() {
    let mut activity = probe("matcher", wasm(hostile(), "echo", json!({"value": "x"}), json!({})));
    activity["tolerance"] = json!({"type": "regex", "pattern": "\\w{1000}"});
    let s = Scenario::new();
    let mut doc = experiment(json!([]));
    doc["steady-state-hypothesis"] = json!({"title": "h", "probes": [activity]});
    s.experiment(&doc);

    let o = s.chaos(&["validate", "experiment.json"]);

    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.log.contains("size limit"), "{}", o.log);
}
