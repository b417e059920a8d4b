//! The outputs of the `http` provider and of `builtin:http`: header names,
//! repeated headers and when the body is parsed as JSON, as the reference's
//! http provider gives them.

use crate::support::{CaptureServer, Outcome, Scenario, probe, wasm};
use serde_json::{Value, json};

fn served(headers: &[(&str, &str)], body: &str) -> CaptureServer {
    CaptureServer::start(CaptureServer::respond("200 OK", headers, body))
}

fn host_call(server: &CaptureServer) -> Outcome {
    let url = format!("http://127.0.0.1:{}/", server.port);
    let s = Scenario::new();
    s.run_method(
        json!([probe("h", json!({"type": "http", "url": url}))]),
        &[&format!("--allow-net=127.0.0.1:{}", server.port)],
    )
}

fn guest_call(server: &CaptureServer) -> Outcome {
    let url = format!("http://127.0.0.1:{}/", server.port);
    let grant = format!("127.0.0.1:{}", server.port);
    let s = Scenario::new();
    let request = probe("h", wasm("builtin:http", "request", json!({"url": url}), json!({"net": [grant]})));
    s.run_method(json!([request]), &[&format!("--allow-net={grant}")])
}

fn output(outcome: &Outcome) -> Value {
    outcome.run_of("h")["output"].clone()
}

#[test]
fn the_http_provider_spells_header_names_as_servers_do() {
    let server = served(&[("Content-Type", "text/plain"), ("X-Request-Id", "7")], "hi");
    let headers = output(&host_call(&server))["headers"].clone();
    assert_eq!(headers["Content-Type"], "text/plain", "{headers}");
    assert_eq!(headers["X-Request-Id"], "7", "{headers}");
}

#[test]
fn the_http_provider_parses_an_application_json_body() {
    let server = served(&[("Content-Type", "application/json")], r#"{"ok": true}"#);
    assert_eq!(output(&host_call(&server))["body"], json!({"ok": true}));
}

#[test]
fn a_json_body_with_parameters_stays_text_as_in_the_reference() {
    let server = served(&[("Content-Type", "application/json; charset=utf-8")], r#"{"ok": true}"#);
    assert_eq!(output(&host_call(&server))["body"], r#"{"ok": true}"#);
    assert_eq!(output(&guest_call(&server))["body"], r#"{"ok": true}"#);
}

#[test]
fn a_repeated_header_joins_its_values_with_a_comma_in_both_providers() {
    let server = served(&[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")], "");
    assert_eq!(output(&host_call(&server))["headers"]["Set-Cookie"], "a=1, b=2");
    assert_eq!(output(&guest_call(&server))["headers"]["set-cookie"], "a=1, b=2");
}
