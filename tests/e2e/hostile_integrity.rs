//! Integrity: a component pinned with `"sha256"` runs only with those
//! bytes (a swapped file is refused, naming both digests and the
//! activity), `--require-pinned` refuses unpinned component files before
//! anything runs, and `chaos discover` prints the digest to pin.

use crate::support::{Outcome, Scenario, action, experiment, hostile, wasm};
use serde_json::{Value, json};

/// Copies `source` to `component.wasm` in the scenario.
fn place(s: &Scenario, source: &str) {
    std::fs::copy(source, s.path("component.wasm")).unwrap();
}

/// `chaos discover component.wasm`, and the digest its discovery file records.
fn discover(s: &Scenario) -> (Outcome, String) {
    let o = s.chaos(&["discover", "component.wasm"]);
    assert_eq!(o.code, 0, "{}", o.log);
    let discovery: Value = serde_json::from_str(&std::fs::read_to_string(s.path("discovery.json")).unwrap()).unwrap();
    let digest = discovery["extensions"][0]["sha256"].as_str().expect("a sha256 in the discovery file").to_string();
    (o, digest)
}

/// An experiment whose method echoes through `component.wasm`, pinned with `sha256` when given.
fn echo_through_file(sha256: Option<&str>) -> Value {
    let mut provider = wasm("component.wasm", "echo", json!({"value": "ran"}), json!({}));
    if let Some(digest) = sha256 {
        provider["sha256"] = json!(digest);
    }
    experiment(json!([action("pinned-echo", provider)]))
}

#[test]
fn discover_prints_the_digest_to_pin_in_its_log_and_its_discovery_file() {
    let s = Scenario::new();
    place(&s, hostile());
    let (o, digest) = discover(&s);
    assert_eq!(digest.len(), 64);
    assert!(o.log.contains(&format!("\"sha256\": \"{digest}\"")), "{}", o.log);
}

#[test]
fn a_component_pinned_with_its_discovered_digest_runs() {
    let s = Scenario::new();
    place(&s, hostile());
    let (_, digest) = discover(&s);
    s.experiment(&echo_through_file(Some(&digest)));
    let o = s.chaos(&["run", "experiment.json", "--require-pinned"]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.run_of("pinned-echo")["output"], "ran");
}

#[test]
fn a_swapped_component_file_is_refused_with_both_digests_before_anything_runs() {
    let s = Scenario::new();
    place(&s, hostile());
    let (_, pinned) = discover(&s);
    place(&s, test_artifacts::GREETER_COMPONENT);
    let (_, swapped) = discover(&s);
    s.experiment(&echo_through_file(Some(&pinned)));
    let o = s.chaos(&["run", "experiment.json"]);
    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.journal.is_none(), "nothing ran");
    assert!(o.log.contains("pinned-echo"), "names the activity: {}", o.log);
    assert!(o.log.contains(&pinned) && o.log.contains(&swapped), "names both digests: {}", o.log);
    assert!(!o.log.contains("panicked"), "{}", o.log);
}

#[test]
fn a_swapped_component_file_is_refused_also_without_validation() {
    let s = Scenario::new();
    place(&s, hostile());
    let (_, pinned) = discover(&s);
    place(&s, test_artifacts::GREETER_COMPONENT);
    s.experiment(&echo_through_file(Some(&pinned)));
    let o = s.chaos(&["run", "experiment.json", "--no-validation"]);
    assert_ne!(o.code, 0, "{}", o.log);
    assert!(o.log.contains(&pinned), "{}", o.log);
    let record = o.run_of("pinned-echo");
    assert_eq!(record["output"], Value::Null, "the swapped component did not run: {record:#}");
    assert!(record["exception"][0].as_str().unwrap().contains(&pinned), "{record:#}");
}

#[test]
fn require_pinned_refuses_an_unpinned_component_file_naming_the_activity() {
    let s = Scenario::new();
    place(&s, hostile());
    s.experiment(&echo_through_file(None));
    let o = s.chaos(&["run", "experiment.json", "--require-pinned"]);
    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.journal.is_none(), "nothing ran");
    assert!(o.log.contains("pinned-echo") && o.log.contains("--require-pinned"), "{}", o.log);
}

#[test]
fn validate_with_require_pinned_refuses_an_unpinned_component_file() {
    let s = Scenario::new();
    place(&s, hostile());
    s.experiment(&echo_through_file(None));
    let o = s.chaos(&["validate", "experiment.json", "--require-pinned"]);
    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.log.contains("pinned-echo") && o.log.contains("not pinned"), "{}", o.log);
    assert_eq!(s.chaos(&["validate", "experiment.json"]).code, 0, "unpinned is fine without the flag");
}

#[test]
fn require_pinned_accepts_unpinned_builtins() {
    let s = Scenario::new();
    let probe = action("fs", wasm("builtin:fs", "exists", json!({"path": "."}), json!({"read": ["."]})));
    let o = s.run_method(json!([probe]), &["--require-pinned", "--allow-read=."]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.run_of("fs")["output"], true);
}

#[test]
fn a_sha256_that_is_not_a_digest_is_refused_by_validation() {
    let s = Scenario::new();
    place(&s, hostile());
    s.experiment(&echo_through_file(Some("not-a-digest")));
    let o = s.chaos(&["validate", "experiment.json"]);
    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.log.contains("invalid sha256"), "{}", o.log);
}

#[test]
fn a_remote_experiment_pins_its_local_component_files_the_same_way() {
    use crate::support::CaptureServer;
    let s = Scenario::new();
    place(&s, hostile());
    let (_, pinned) = discover(&s);
    place(&s, test_artifacts::GREETER_COMPONENT);
    let doc = serde_json::to_string(&echo_through_file(Some(&pinned))).unwrap();
    let server = CaptureServer::start(CaptureServer::respond("200 OK", &[("content-type", "application/json")], &doc));
    let url = format!("http://127.0.0.1:{}/experiment.json", server.port);
    let o = s.chaos(&["run", &url]);
    assert_eq!(o.code, 1, "{}", o.log);
    assert!(o.journal.is_none(), "nothing ran");
    assert!(o.log.contains(&pinned) && o.log.contains("pinned-echo"), "{}", o.log);
}

#[test]
fn init_pins_a_discovered_component_file_so_the_experiment_runs_with_require_pinned() {
    let s = Scenario::new();
    place(&s, hostile());
    let (_, digest) = discover(&s);
    let o = s.chaos(&["init", "--title", "t", "--method", "echo"]);
    assert_eq!(o.code, 0, "{}", o.log);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(s.path("experiment.json")).unwrap()).unwrap();
    assert_eq!(doc["method"][0]["provider"]["sha256"], digest.as_str());
    let o = s.chaos(&["run", "experiment.json", "--require-pinned"]);
    assert_eq!(o.code, 0, "{}", o.log);
}

#[test]
fn init_does_not_pin_a_builtin() {
    let s = Scenario::new();
    assert_eq!(s.chaos(&["discover", "builtin:fs"]).code, 0);
    let o = s.chaos(&["init", "--title", "t", "--method", "exists", "--arg", "exists.path=."]);
    assert_eq!(o.code, 0, "{}", o.log);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(s.path("experiment.json")).unwrap()).unwrap();
    assert!(doc["method"][0]["provider"].get("sha256").is_none(), "{doc:#}");
}
