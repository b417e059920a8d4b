//! The denials a call returns: each refusal the host made, with its target.

use super::{cached_builder as builder, fs};
use chaos_core::experiment::ComponentRef;
use chaos_core::grants::Grants;
use chaos_core::journal::Denial;
use chaos_sandbox::{CallError, CallOptions, CallOutcome, PreparedGrants};
use serde_json::{Value, json};
use std::sync::Arc;

/// Calls `func` of `builtin:NAME` with `arguments` and `net` granted.
async fn call(name: &str, func: &str, arguments: Value, net: &[&str]) -> CallOutcome {
    let grants = Grants { net: net.iter().map(|h| h.to_string()).collect(), ..Grants::default() };
    let base = std::env::temp_dir();
    let prepared = PreparedGrants::prepare(&grants, &base, |_| None).await.unwrap();
    let options = CallOptions { grants: Arc::new(prepared), ..CallOptions::new("t") };
    let sandbox = builder().build().unwrap();
    let component = sandbox.load(&ComponentRef::Builtin(name.into())).await.unwrap();
    sandbox.call_audited(&component, func, &arguments, &options).await
}

#[tokio::test]
async fn a_connection_to_an_ungranted_address_is_a_denial_naming_it() {
    let outcome = call("net", "tcp_connect", json!({"host": "127.0.0.2", "port": 9}), &["127.0.0.1:1"]).await;
    assert!(matches!(outcome.result, Err(CallError::CapabilityDenied(_))), "{:?}", outcome.result);
    // The host's refusal, with its target; not repeated from the guest's error.
    let targets: Vec<&str> = outcome.denials.kept.iter().map(|d| d.target.as_str()).collect();
    assert_eq!(targets, ["127.0.0.2:9"], "{:?}", outcome.denials);
    assert_eq!(outcome.denials.kept[0].capability, "net");
}

#[tokio::test]
async fn a_connection_without_any_net_grant_is_a_denial_naming_its_address() {
    let outcome = call("net", "tcp_connect", json!({"host": "127.0.0.1", "port": 9}), &[]).await;
    assert!(outcome.result.is_err());
    assert!(
        outcome.denials.kept.iter().any(|d| d.capability == "net" && d.target == "127.0.0.1:9"),
        "{:?}",
        outcome.denials
    );
}

#[tokio::test]
async fn a_wasi_http_request_to_an_ungranted_host_is_one_denial_naming_host_and_port() {
    let outcome = call("http", "request", json!({"url": "http://evil.test:8080/x"}), &["127.0.0.1:1"]).await;
    assert!(outcome.result.is_err());
    assert_eq!(outcome.denials.kept.len(), 1, "{:?}", outcome.denials);
    assert_eq!(outcome.denials.kept[0].capability, "net");
    assert_eq!(outcome.denials.kept[0].target, "evil.test:8080");
}

#[tokio::test]
async fn the_activitys_own_capability_denied_error_is_a_denial_with_its_message() {
    let sandbox = builder().build().unwrap();
    let component = sandbox.load(&fs()).await.unwrap();
    let outcome =
        sandbox.call_audited(&component, "exists", &json!({"path": "/etc/passwd"}), &CallOptions::new("t")).await;
    let Err(CallError::CapabilityDenied(message)) = &outcome.result else { panic!("{:?}", outcome.result) };
    assert_eq!(outcome.denials.kept, vec![Denial::new("activity", "", message.clone())]);
}

#[tokio::test]
async fn a_call_refused_nothing_has_no_denials() {
    let outcome = call("net", "tcp_connect", json!({"host": "127.0.0.1", "port": 1}), &["127.0.0.1:1"]).await;
    assert!(outcome.result.is_ok());
    assert!(outcome.denials.is_empty(), "{:?}", outcome.denials);
}
