//! Every grant both ways: what is granted works, anything else is refused,
//! in the sandbox (filesystem, sockets, wasi:http, environment) and for the
//! host's own http provider.

use crate::support::{Scenario, Service, action, closed_port, experiment, hostile, probe, wasm};
use exchange_service::Behaviour;
use serde_json::json;

fn read(name: &str, path: &str, grants: serde_json::Value) -> serde_json::Value {
    probe(name, wasm("builtin:fs", "read", json!({"path": path}), grants))
}

#[test]
fn a_read_grant_lets_the_activity_read_inside_the_directory() {
    let s = Scenario::new();
    s.write("data/file.txt", "inside");
    let outcome =
        s.run_method(json!([read("r", "./data/file.txt", json!({"read": ["./data"]}))]), &["--allow-read=./data"]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert_eq!(outcome.run_of("r")["output"], "inside");
}

#[test]
fn a_path_outside_every_grant_is_denied() {
    let s = Scenario::new();
    s.write("data/file.txt", "inside");
    let secret = s.write("secret.txt", "SECRET-CONTENT");
    let outcome = s.run_method(
        json!([
            read("abs", secret.to_str().unwrap(), json!({"read": ["./data"]})),
            read("sibling", "./secret.txt", json!({"read": ["./data"]}))
        ]),
        &["--allow-read=./data"],
    );
    assert!(outcome.exception_of("abs").contains("was denied a capability"), "{}", outcome.exception_of("abs"));
    assert!(outcome.exception_of("sibling").contains("was denied a capability"));
    assert!(!outcome.log.contains("SECRET-CONTENT"));
}

#[test]
fn a_dotdot_escape_from_a_granted_directory_is_refused() {
    let s = Scenario::new();
    s.write("data/file.txt", "inside");
    s.write("secret.txt", "SECRET-CONTENT");
    let outcome = s.run_method(
        json!([read("escape", "./data/../secret.txt", json!({"read": ["./data"]}))]),
        &["--allow-read=./data"],
    );
    let exception = outcome.exception_of("escape");
    assert!(exception.contains("was denied a capability"), "{exception}");
    assert!(!outcome.log.contains("SECRET-CONTENT"));
}

#[test]
fn a_symlink_escape_from_a_granted_directory_is_refused() {
    let s = Scenario::new();
    s.write("data/file.txt", "inside");
    let secret = s.write("secret.txt", "SECRET-CONTENT");
    std::os::unix::fs::symlink(&secret, s.path("data/link.txt")).unwrap();
    std::os::unix::fs::symlink(s.dir.path(), s.path("data/up")).unwrap();
    let outcome = s.run_method(
        json!([
            read("file-link", "./data/link.txt", json!({"read": ["./data"]})),
            read("dir-link", "./data/up/secret.txt", json!({"read": ["./data"]}))
        ]),
        &["--allow-read=./data"],
    );
    assert!(
        outcome.exception_of("file-link").contains("was denied a capability"),
        "{}",
        outcome.exception_of("file-link")
    );
    assert!(outcome.exception_of("dir-link").contains("was denied a capability"));
    assert!(!outcome.log.contains("SECRET-CONTENT"));
}

#[test]
fn writing_into_a_read_only_grant_is_refused() {
    let s = Scenario::new();
    s.write("data/file.txt", "inside");
    let outcome = s.run_method(
        json!([action(
            "w",
            wasm("builtin:fs", "write", json!({"path": "./data/new.txt", "content": "x"}), json!({"read": ["./data"]}))
        )]),
        &["--allow-read=./data"],
    );
    assert!(outcome.exception_of("w").contains("was denied a capability"), "{}", outcome.exception_of("w"));
    assert!(!s.path("data/new.txt").exists());
}

#[test]
fn a_write_grant_lets_the_activity_write() {
    let s = Scenario::new();
    std::fs::create_dir(s.path("out")).unwrap();
    let outcome = s.run_method(
        json!([action(
            "w",
            wasm(
                "builtin:fs",
                "write",
                json!({"path": "./out/new.txt", "content": "written"}),
                json!({"write": ["./out"]})
            )
        )]),
        &["--allow-write=./out"],
    );
    assert_eq!(outcome.run_of("w")["output"], 7, "{}", outcome.log);
    assert_eq!(std::fs::read_to_string(s.path("out/new.txt")).unwrap(), "written");
}

#[test]
fn an_ungranted_request_stops_the_run_before_anything_runs() {
    let s = Scenario::new();
    s.write("data/file.txt", "inside");
    let outcome = s.run_method(
        json!([action(
            "w",
            wasm("builtin:fs", "write", json!({"path": "./data/x", "content": "x"}), json!({"write": ["./data"]}))
        )]),
        &["--allow-read=./data"],
    );
    assert_eq!(outcome.code, 1);
    assert!(outcome.journal.is_none());
    assert!(
        outcome.log.contains("activity 'w' needs write access to ./data: allow it with --allow-write=./data"),
        "{}",
        outcome.log
    );
    assert!(!s.path("data/x").exists());
}

#[test]
fn an_operator_grant_for_another_directory_does_not_cover_the_request() {
    let s = Scenario::new();
    s.write("data/file.txt", "inside");
    s.write("other/file.txt", "other");
    let outcome =
        s.run_method(json!([read("r", "./data/file.txt", json!({"read": ["./data"]}))]), &["--allow-read=./other"]);
    assert_eq!(outcome.code, 1);
    assert!(outcome.log.contains("needs read access to ./data"), "{}", outcome.log);
}

fn connect(name: &str, port: u16, grants: serde_json::Value) -> serde_json::Value {
    probe(name, wasm("builtin:net", "tcp_connect", json!({"host": "127.0.0.1", "port": port}), grants))
}

#[test]
fn sockets_reach_a_granted_host_and_port() {
    let s = Scenario::new();
    let service = Service::start(s.write("exchange.dat", "x"), Behaviour::Fixed);
    let grant = format!("127.0.0.1:{}", service.port);
    let outcome =
        s.run_method(json!([connect("c", service.port, json!({"net": [grant]}))]), &[&format!("--allow-net={grant}")]);
    let output = &outcome.run_of("c")["output"];
    assert_eq!(output["connected"], true, "{}", outcome.log);
    assert!(output["latency_ms"].as_f64().unwrap() >= 0.0);
}

#[test]
fn sockets_to_an_ungranted_port_are_refused() {
    let s = Scenario::new();
    let service = Service::start(s.write("exchange.dat", "x"), Behaviour::Fixed);
    let other = closed_port();
    let grant = format!("127.0.0.1:{other}");
    let outcome = s.run_method(json!([connect("c", service.port, json!({"net": [grant]}))]), &["--allow-net"]);
    assert!(outcome.exception_of("c").contains("was denied a capability"), "{}", outcome.exception_of("c"));
}

#[test]
fn sockets_without_any_net_grant_are_refused() {
    let s = Scenario::new();
    let service = Service::start(s.write("exchange.dat", "x"), Behaviour::Fixed);
    let outcome = s.run_method(json!([connect("c", service.port, json!({}))]), &[]);
    assert_eq!(outcome.run_of("c")["status"], "failed", "{}", outcome.log);
}

fn request(name: &str, url: &str, grants: serde_json::Value) -> serde_json::Value {
    probe(name, wasm("builtin:http", "request", json!({"url": url}), grants))
}

#[test]
fn wasi_http_reaches_a_granted_host() {
    let s = Scenario::new();
    let service = Service::start(s.write("exchange.dat", "rates"), Behaviour::Fixed);
    let grant = format!("127.0.0.1:{}", service.port);
    let outcome = s
        .run_method(json!([request("h", &service.url(), json!({"net": [grant]}))]), &[&format!("--allow-net={grant}")]);
    let output = &outcome.run_of("h")["output"];
    assert_eq!(output["status"], 200, "{}", outcome.log);
    assert_eq!(output["body"], "rates");
}

#[test]
fn wasi_http_without_a_net_grant_is_refused_even_though_it_bypasses_sockets() {
    let s = Scenario::new();
    let service = Service::start(s.write("exchange.dat", "rates"), Behaviour::Fixed);
    let outcome = s.run_method(json!([request("h", &service.url(), json!({}))]), &[]);
    let exception = outcome.exception_of("h");
    assert!(exception.contains("denied"), "{exception}");
    assert!(!outcome.log.contains("rates"));
}

#[test]
fn wasi_http_to_a_host_other_than_the_granted_one_is_refused() {
    let s = Scenario::new();
    let service = Service::start(s.write("exchange.dat", "rates"), Behaviour::Fixed);
    let grant = format!("127.0.0.1:{}", closed_port());
    let outcome = s.run_method(json!([request("h", &service.url(), json!({"net": [grant]}))]), &["--allow-net"]);
    assert!(outcome.exception_of("h").contains("denied"), "{}", outcome.exception_of("h"));
}

fn native(name: &str, url: &str) -> serde_json::Value {
    probe(name, json!({"type": "http", "url": url, "timeout": 5}))
}

#[test]
fn the_native_http_provider_needs_allow_net_for_its_host() {
    let s = Scenario::new();
    let service = Service::start(s.write("exchange.dat", "rates"), Behaviour::Fixed);
    let outcome = s.run_method(json!([native("n", &service.url())]), &[]);
    assert_eq!(outcome.code, 1);
    assert!(outcome.journal.is_none());
    let flag = format!("--allow-net=127.0.0.1:{}", service.port);
    assert!(
        outcome.log.contains(&format!(
            "activity 'n' needs network access to 127.0.0.1:{}: allow it with {flag}",
            service.port
        )),
        "{}",
        outcome.log
    );

    let outcome = s.run_method(json!([native("n", &service.url())]), &[&flag]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    let output = &outcome.run_of("n")["output"];
    assert_eq!(output["status"], 200);
    assert_eq!(output["body"], "rates");
    assert!(output["headers"].is_object());
}

#[test]
fn the_native_http_provider_is_refused_for_a_host_allowed_on_another_port() {
    let s = Scenario::new();
    let service = Service::start(s.write("exchange.dat", "rates"), Behaviour::Fixed);
    let outcome =
        s.run_method(json!([native("n", &service.url())]), &[&format!("--allow-net=127.0.0.1:{}", closed_port())]);
    assert_eq!(outcome.code, 1);
    assert!(outcome.log.contains("activity 'n' needs network access"), "{}", outcome.log);
}

fn read_env(name: &str, var: &str, grants: serde_json::Value) -> serde_json::Value {
    probe(name, wasm(hostile(), "read_env", json!({"name": var}), grants))
}

#[test]
fn an_env_grant_exposes_exactly_the_granted_variables() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([
        read_env("granted", "CHAOS_E2E_GRANTED", json!({"env": ["CHAOS_E2E_GRANTED"]})),
        read_env("other", "CHAOS_E2E_OTHER", json!({"env": ["CHAOS_E2E_GRANTED"]})),
        probe("count", wasm(hostile(), "env_count", json!({}), json!({}))),
    ])));
    let outcome = s.chaos_with_env(
        &["run", "experiment.json", "--allow-env=CHAOS_E2E_GRANTED"],
        &[("CHAOS_E2E_GRANTED", "yes"), ("CHAOS_E2E_OTHER", "leak")],
    );
    assert_eq!(outcome.run_of("granted")["output"], "yes", "{}", outcome.log);
    assert_eq!(outcome.run_of("other")["output"], serde_json::Value::Null);
    assert_eq!(outcome.run_of("count")["output"], 0);
}

#[test]
fn a_granted_env_variable_takes_its_value_from_a_dotenv_var_file() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([read_env(
        "e",
        "CHAOS_E2E_DOTENV_ONLY",
        json!({"env": ["CHAOS_E2E_DOTENV_ONLY"]})
    )])));
    s.write("vars.env", "CHAOS_E2E_DOTENV_ONLY=from-dotenv\n");
    let outcome = s.chaos(&["run", "experiment.json", "--allow-env=CHAOS_E2E_DOTENV_ONLY", "--var-file", "vars.env"]);
    assert_eq!(outcome.run_of("e")["output"], "from-dotenv", "{}", outcome.log);
}

#[test]
fn an_env_grant_the_operator_did_not_allow_stops_the_run() {
    let s = Scenario::new();
    let outcome = s.run_method(json!([read_env("e", "HOME", json!({"env": ["HOME"]}))]), &["--allow-env=PATH"]);
    assert_eq!(outcome.code, 1);
    assert!(
        outcome.log.contains("activity 'e' needs the environment variable HOME: allow it with --allow-env=HOME"),
        "{}",
        outcome.log
    );
}

#[test]
fn allow_all_allows_every_request() {
    let s = Scenario::new();
    s.write("data/file.txt", "inside");
    let outcome = s.run_method(json!([read("r", "./data/file.txt", json!({"read": ["./data"]}))]), &["-A"]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
}

#[test]
fn the_native_http_provider_does_not_follow_redirects_to_ungranted_hosts() {
    use crate::support::CaptureServer;
    let s = Scenario::new();
    let target = Service::start(s.write("exchange.dat", "SECRET-CONTENT"), Behaviour::Fixed);
    let location = format!("http://localhost:{}/", target.port);
    let redirector = CaptureServer::start(CaptureServer::respond("302 Found", &[("location", &location)], ""));
    let url = format!("http://127.0.0.1:{}/", redirector.port);
    let flag = format!("--allow-net=127.0.0.1:{}", redirector.port);
    let outcome = s.run_method(json!([native("n", &url)]), &[&flag]);
    let exception = outcome.exception_of("n");
    assert!(exception.contains("is not granted"), "{exception}");
    assert!(!outcome.log.contains("SECRET-CONTENT"));
}

#[test]
fn name_lookups_work_only_for_activities_with_a_net_grant() {
    let s = Scenario::new();
    let service = Service::start(s.write("exchange.dat", "x"), Behaviour::Fixed);
    let by_name = |name: &str, grants: serde_json::Value| {
        probe(name, wasm("builtin:net", "tcp_connect", json!({"host": "localhost", "port": service.port}), grants))
    };
    let grant = format!("localhost:{}", service.port);
    let outcome = s.run_method(
        json!([by_name("granted", json!({"net": [grant]})), by_name("ungranted", json!({}))]),
        &["--allow-net"],
    );
    assert_eq!(outcome.run_of("granted")["output"]["connected"], true, "{}", outcome.log);
    let exception = outcome.exception_of("ungranted");
    assert!(exception.contains("resolving localhost"), "{exception}");
}

/// Runs an empty experiment with `flag`; it must be refused as a usage error.
fn refused_flag(flag: &str) -> crate::support::Outcome {
    let s = Scenario::new();
    let outcome = s.run_method(json!([]), &[flag]);
    assert_eq!(outcome.code, 2, "{flag}: {}", outcome.log);
    assert!(outcome.journal.is_none(), "{flag}");
    outcome
}

#[test]
fn an_allow_net_url_is_a_usage_error_naming_the_flag_and_the_value() {
    let outcome = refused_flag("--allow-net=http://x");
    assert!(
        outcome.log.contains("invalid --allow-net value: `http://x` is not a host or host:port"),
        "{}",
        outcome.log
    );
}

#[test]
fn an_allow_net_port_out_of_range_is_a_usage_error_naming_the_flag_and_the_value() {
    let outcome = refused_flag("--allow-net=localhost:99999");
    assert!(outcome.log.contains("invalid --allow-net value: `localhost:99999`"), "{}", outcome.log);
}

#[test]
fn an_empty_allow_entry_is_a_usage_error() {
    for flag in ["--allow-net=localhost,,example.com", "--allow-read=", "--allow-env=A,"] {
        let outcome = refused_flag(flag);
        assert!(outcome.log.contains("value: an empty entry"), "{flag}: {}", outcome.log);
    }
}
