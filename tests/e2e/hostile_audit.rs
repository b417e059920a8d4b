//! The audit trail: what a stranger's experiment tried and was refused is
//! logged (one escaped `warn` line each) and kept in the journal under the
//! activity's run record (`denials`), bounded; a run refused nothing keeps
//! Chaos Toolkit's keys exactly.

use crate::support::{CaptureServer, Scenario, action, closed_port, experiment, hostile, probe, wasm};
use serde_json::{Value, json};

/// The hostile component's `connect_many` from 127.0.0.1:`port`, `count` ports, no grant.
fn knock(name: &str, port: u16, count: u16) -> Value {
    probe(name, wasm(hostile(), "connect_many", json!({"host": "127.0.0.1", "port": port, "count": count}), json!({})))
}

fn echo(name: &str) -> Value {
    action(name, wasm(hostile(), "echo", json!({"value": "after"}), json!({})))
}

#[test]
fn an_ungranted_connection_is_recorded_under_the_activity_and_the_run_goes_on() {
    let s = Scenario::new();
    let port = closed_port();
    let mut doc = experiment(json!([knock("knock", port, 1), echo("next")]));
    doc["rollbacks"] = json!([knock("knock-back", port, 1)]);
    s.experiment(&doc);
    let o = s.chaos(&["run", "experiment.json"]);
    assert_eq!(o.code, 0, "{}", o.log);
    let record = o.run_of("knock");
    assert_eq!(record["status"], "succeeded");
    assert_eq!(record["output"], 0, "contained: nothing connected");
    let target = format!("127.0.0.1:{port}");
    assert_eq!(record["denials"].as_array().unwrap().len(), 1, "{record:#}");
    assert_eq!(record["denials"][0]["capability"], "net");
    assert_eq!(record["denials"][0]["target"], target.as_str());
    assert!(record["denials"][0]["detail"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(o.run_of("next")["output"], "after", "the run went on");
    let rollback = &o.journal()["rollbacks"][0];
    assert_eq!(rollback["denials"][0]["target"], target.as_str(), "rollbacks are audited too");
}

#[test]
fn each_denial_is_logged_naming_the_activity_the_capability_and_the_target() {
    let s = Scenario::new();
    let port = closed_port();
    let o = s.run_method(json!([knock("knock", port, 1)]), &[]);
    let line = o.log.lines().find(|l| l.contains("was denied")).unwrap_or_else(|| panic!("{}", o.log));
    assert!(line.contains("WARNING") || line.contains("WARN"), "{line}");
    assert!(line.contains("activity 'knock' was denied net \"127.0.0.1:"), "{line}");
    assert!(line.contains(&port.to_string()), "{line}");
}

#[test]
fn a_guest_retrying_denied_connections_cannot_grow_the_journal() {
    let s = Scenario::new();
    let o = s.run_method(json!([knock("knock", closed_port(), 100), echo("next")]), &[]);
    assert_eq!(o.code, 0, "{}", o.log);
    let record = o.run_of("knock");
    assert_eq!(record["denials"].as_array().unwrap().len(), 32);
    assert_eq!(record["denials_omitted"], 68);
    assert_eq!(o.log.matches("was denied net").count(), 32, "the log is bounded too");
    assert_eq!(o.run_of("next")["status"], "succeeded");
}

#[test]
fn an_activitys_own_capability_denied_is_recorded_and_logged_escaped() {
    let s = Scenario::new();
    let forged = "no\u{1b}[31m\n[2026-01-01 00:00:00 INFO] forged";
    let deny = probe("deny", wasm(hostile(), "deny_self", json!({"message": forged}), json!({})));
    let o = s.run_method(json!([deny, echo("next")]), &[]);
    let record = o.run_of("deny");
    assert_eq!(record["status"], "failed");
    assert_eq!(record["denials"], json!([{"capability": "activity", "target": "", "detail": forged}]));
    assert!(!o.log.contains('\u{1b}'), "{}", o.log);
    assert!(!o.log.lines().any(|l| l.starts_with("[2026-01-01")), "a forged line: {}", o.log);
    assert_eq!(o.run_of("next")["status"], "succeeded");
}

#[test]
fn an_http_provider_redirect_to_an_ungranted_host_is_recorded() {
    let s = Scenario::new();
    let server =
        CaptureServer::start(CaptureServer::respond("302 Found", &[("location", "http://evil.test:8081/")], ""));
    let url = format!("http://127.0.0.1:{}/", server.port);
    let get = probe("get", json!({"type": "http", "url": url}));
    let grant = format!("--allow-net=127.0.0.1:{}", server.port);
    let o = s.run_method(json!([get, echo("next")]), &[&grant]);
    let record = o.run_of("get");
    assert_eq!(record["status"], "failed", "{record:#}");
    assert_eq!(record["denials"][0]["capability"], "net", "{record:#}");
    assert_eq!(record["denials"][0]["target"], "evil.test:8081");
    assert_eq!(o.run_of("next")["status"], "succeeded");
}

#[test]
fn a_run_refused_nothing_has_no_denial_keys() {
    let s = Scenario::new();
    let o = s.run_method(json!([echo("plain")]), &[]);
    let record = o.run_of("plain");
    assert!(record.get("denials").is_none() && record.get("denials_omitted").is_none(), "{record:#}");
}

#[test]
fn an_ungranted_udp_datagram_is_never_sent_and_its_target_is_recorded() {
    let s = Scenario::new();
    let listener = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let target = listener.local_addr().unwrap().to_string();
    let send = action("send", wasm(hostile(), "send_udp", json!({"to": target, "payload": "exfiltrated"}), json!({})));
    let o = s.run_method(json!([send, echo("next")]), &[]);
    let record = o.run_of("send");
    assert_eq!(record["status"], "failed", "{record:#}");
    assert_eq!(record["denials"][0]["capability"], "net", "{record:#}");
    assert_eq!(record["denials"][0]["target"], target.as_str());
    assert!(record["denials"][0]["detail"].as_str().is_some_and(|d| d.contains("UdpSend")), "{record:#}");
    let mut buffer = [0u8; 64];
    assert!(listener.recv_from(&mut buffer).is_err(), "contained: nothing arrived");
    assert_eq!(o.run_of("next")["status"], "succeeded", "the run went on");
}

#[test]
fn a_tolerance_probes_denials_are_recorded_under_the_probe_it_checks() {
    let s = Scenario::new();
    let port = closed_port();
    let mut checked = echo("checked");
    checked["type"] = json!("probe");
    checked["tolerance"] = knock("knock", port, 1);
    let mut doc = experiment(json!([]));
    doc["steady-state-hypothesis"] = json!({"title": "h", "probes": [checked]});
    s.experiment(&doc);
    let o = s.chaos(&["run", "experiment.json"]);
    let record = &o.journal()["steady_states"]["before"]["probes"][0];
    assert_eq!(record["tolerance_met"], false, "contained: nothing connected, {record:#}");
    assert_eq!(record["denials"][0]["capability"], "net", "{record:#}");
    assert_eq!(record["denials"][0]["target"], format!("127.0.0.1:{port}").as_str());
    let detail = record["denials"][0]["detail"].as_str().unwrap_or_default();
    assert!(detail.starts_with("tolerance probe 'knock': "), "{detail}");
    assert!(o.log.contains("activity 'knock' was denied net"), "{}", o.log);
}

#[test]
fn a_configuration_probes_denials_are_recorded_at_the_top_of_the_journal() {
    let s = Scenario::new();
    let port = closed_port();
    let mut doc = experiment(json!([echo("next")]));
    doc["configuration"] = json!({"count": knock("knock", port, 1)});
    s.experiment(&doc);
    let o = s.chaos(&["run", "experiment.json"]);
    assert_eq!(o.code, 0, "{}", o.log);
    let journal = o.journal();
    assert_eq!(journal["denials"][0]["target"], format!("127.0.0.1:{port}").as_str(), "{journal:#}");
    let detail = journal["denials"][0]["detail"].as_str().unwrap_or_default();
    assert!(detail.starts_with("dynamic configuration 'count': "), "{detail}");
    assert_eq!(o.run_of("next")["status"], "succeeded", "the run went on");
}
