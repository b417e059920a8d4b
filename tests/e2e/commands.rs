//! `discover`, `info`, `settings`, loading from a URL, and the global flags.

use crate::support::{Scenario, Service, experiment, hostile, probe, wasm};
use serde_json::{Value, json};

#[test]
fn discover_writes_the_activities_of_a_component() {
    let s = Scenario::new();
    let o = s.chaos(&["discover", "builtin:fs"]);
    assert_eq!(o.code, 0, "{}", o.log);
    let discovery: Value = serde_json::from_str(&std::fs::read_to_string(s.path("discovery.json")).unwrap()).unwrap();
    let activities = discovery["extensions"][0]["activities"].as_array().unwrap();
    let exists = activities.iter().find(|a| a["name"] == "exists").unwrap();
    assert_eq!(exists["type"], "probe");
    assert_eq!(exists["arguments"]["properties"]["path"]["type"], "string");
}

#[test]
fn info_lists_the_builtin_components() {
    let s = Scenario::new();
    let o = s.chaos(&["info", "extensions"]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert!(o.stdout.contains("builtin:fs") && o.stdout.contains("tcp_connect"), "{}", o.stdout);
}

#[test]
fn settings_can_be_set_read_and_removed() {
    let s = Scenario::new();
    let settings = s.path("settings.yaml");
    let settings = settings.to_str().unwrap();
    assert_eq!(s.chaos(&["--settings", settings, "settings", "set", "runtime.rollbacks.strategy", "never"]).code, 0);
    let out = s.chaos(&["--settings", settings, "settings", "get", "runtime.rollbacks.strategy"]);
    assert_eq!(out.stdout.trim(), "never");

    let mut doc = experiment(json!([]));
    doc["rollbacks"] = json!([probe("undo", wasm(hostile(), "echo", json!({"value": 1}), json!({})))]);
    s.experiment(&doc);
    let o = s.chaos(&["--settings", settings, "run", "experiment.json"]);
    assert_eq!(o.journal()["rollbacks"], json!([]), "the settings' strategy applies");

    assert_eq!(s.chaos(&["--settings", settings, "settings", "remove", "runtime.rollbacks.strategy"]).code, 0);
    assert_eq!(s.chaos(&["--settings", settings, "settings", "get", "runtime.rollbacks.strategy"]).code, 1);
}

#[test]
fn an_experiment_loads_from_an_http_url() {
    let s = Scenario::new();
    let doc = experiment(json!([probe("e", wasm(hostile(), "echo", json!({"value": "remote"}), json!({})))]));
    let file = s.write("served.json", &doc.to_string());
    let service = Service::start(file, exchange_service::Behaviour::Fixed);
    let o = s.chaos(&["run", &service.url()]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.run_of("e")["output"], "remote");
}

#[test]
fn an_unsupported_url_scheme_is_reported() {
    let s = Scenario::new();
    let o = s.chaos(&["validate", "ftp://example.com/e.json"]);
    assert_eq!(o.code, 1);
    assert!(o.log.contains("'ftp' is not a supported source scheme."), "{}", o.log);
}

#[test]
fn change_dir_runs_from_another_directory() {
    let s = Scenario::new();
    let doc = experiment(json!([probe("e", wasm(hostile(), "echo", json!({"value": 1}), json!({})))]));
    s.write("sub/experiment.json", &doc.to_string());
    let o = s.chaos(&["--change-dir", "sub", "run", "experiment.json", "--journal-path", "../journal.json"]);
    assert_eq!(o.code, 0, "{}", o.log);
}

#[test]
fn the_log_can_go_to_a_file_as_json_lines() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([])));
    let o = s.chaos(&["--log-format", "json", "--log-file", "chaos.log", "run", "experiment.json"]);
    assert_eq!(o.code, 0, "{}", o.log);
    let first: Value = serde_json::from_str(o.log.lines().next().unwrap()).unwrap();
    assert_eq!(first["level"], "INFO");
    let file = std::fs::read_to_string(s.path("chaos.log")).unwrap();
    assert!(file.lines().any(|l| l.contains("Experiment ended with status: completed")));
}

#[test]
fn no_validation_skips_the_component_checks() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([
        probe("a", wasm("builtin:fs", "exists", json!({"path": "."}), json!({"read": ["."]}))),
        probe("bad", wasm("builtin:fs", "exists", json!({"wrong": 1}), json!({})))
    ])));
    assert_eq!(s.chaos(&["run", "experiment.json", "--allow-read=."]).code, 1);
    let o = s.chaos(&["run", "experiment.json", "--allow-read=.", "--no-validation"]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert!(o.exception_of("bad").contains("rejected its arguments"), "{}", o.log);
}

#[test]
fn init_builds_a_runnable_experiment_from_flags() {
    let s = Scenario::new();
    assert_eq!(s.chaos(&["discover", "builtin:fs"]).code, 0);
    s.write("data/file", "x");
    let o = s.chaos(&[
        "init",
        "--title",
        "From flags",
        "--hypothesis",
        "exists=true",
        "--method",
        "read",
        "--arg",
        "exists.path=./data/file",
        "--arg",
        "read.path=./data/file",
        "--grant",
        "exists.read=./data",
        "--grant",
        "read.read=./data",
    ]);
    assert_eq!(o.code, 0, "{}", o.log);
    let o = s.chaos(&["run", "experiment.json", "--allow-read=./data"]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.run_of("read")["output"], "x");
}

#[test]
fn init_names_a_missing_required_argument() {
    let s = Scenario::new();
    assert_eq!(s.chaos(&["discover", "builtin:fs"]).code, 0);
    let o = s.chaos(&["init", "--title", "t", "--method", "read"]);
    assert_eq!(o.code, 1);
    assert!(o.log.contains("activity `read` needs the argument `path`: pass --arg read.path=VALUE"), "{}", o.log);
}

#[test]
fn init_asks_questions_when_interactive() {
    use std::io::Write;
    let s = Scenario::new();
    assert_eq!(s.chaos(&["discover", "builtin:fs"]).code, 0);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chaos"))
        .args(["init", "--interactive"])
        .current_dir(s.dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Title, description, then activity 1 (exists) as a hypothesis probe with
    // path ".", grant read=".", tolerance true; nothing else.
    let answers = "Asked\n\n1\n.\n.\n\n\n\ntrue\n\n\n\n";
    child.stdin.take().unwrap().write_all(answers.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("builtin:fs#exists"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(s.path("experiment.json")).unwrap()).unwrap();
    assert_eq!(doc["title"], "Asked");
    assert_eq!(doc["steady-state-hypothesis"]["probes"][0]["provider"]["grants"]["read"], json!(["."]));
}

#[test]
fn loading_from_a_url_sends_the_reference_headers_and_bearer_token() {
    use crate::support::CaptureServer;
    let s = Scenario::new();
    let yaml = "title: t\ndescription: d\nmethod: []\n";
    let server =
        CaptureServer::start(CaptureServer::respond("200 OK", &[("content-type", "application/x-yaml")], yaml));
    let url = format!("http://127.0.0.1:{}/experiment", server.port);
    let o = s.chaos_with_env(&["validate", &url], &[("CHAOSTOOLKIT_LOADER_AUTH_BEARER_TOKEN", "t0ken")]);
    assert_eq!(o.code, 0, "{}", o.log);
    let request = &server.requests()[0];
    assert!(request.contains("accept: application/json, application/x-yaml"), "{request}");
    assert!(request.contains("authorization: bearer t0ken"), "{request}");
}

#[test]
fn a_url_that_does_not_answer_200_is_reported() {
    use crate::support::CaptureServer;
    let s = Scenario::new();
    let server =
        CaptureServer::start(CaptureServer::respond("404 Not Found", &[("content-type", "text/plain")], "nope"));
    let o = s.chaos(&["validate", &format!("http://127.0.0.1:{}/", server.port)]);
    assert_eq!(o.code, 1);
    assert!(o.log.contains("Failed to fetch the experiment: nope"), "{}", o.log);
}

#[test]
fn loading_from_a_url_uses_the_settings_auth_for_its_host() {
    use crate::support::CaptureServer;
    let s = Scenario::new();
    let json = r#"{"title": "t", "description": "d", "method": []}"#;
    let server = CaptureServer::start(CaptureServer::respond("200 OK", &[("content-type", "application/json")], json));
    let settings = s.write(
        "settings.yaml",
        &format!("auths:\n  127.0.0.1:{}:\n    type: token\n    value: from-settings\n", server.port),
    );
    let url = format!("http://127.0.0.1:{}/e.json", server.port);
    let o = s.chaos(&["--settings", settings.to_str().unwrap(), "validate", &url]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert!(server.requests()[0].contains("authorization: token from-settings"), "{:?}", server.requests());
}
