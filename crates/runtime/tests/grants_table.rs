//! The grants table the plan builds (what `chaos grants` prints and `chaos
//! run` logs), and refusals: denials win and name their flag, missing
//! grants end with one line of flags to copy.

use chaos_core::grants::{
    Allowance, Capability, Consent, GrantRow, Origin, Permissions, RequestSource, RowKind, Status,
};
use chaos_runtime::SessionError;
use chaos_test_env::{TestEnvironment, action, echo, experiment, hostile, probe, wasm};
use serde_json::{Value, json};

fn asking_for_everything() -> Value {
    let mut doc = experiment(json!([
        probe("reader", wasm(hostile(), "echo", json!({"value": 1}), json!({"read": ["./data"], "env": ["HOME"]}))),
        probe("web", json!({"type": "http", "url": "http://localhost:8080/health"})),
        action("script", json!({"type": "process", "path": "echo", "arguments": "hi"})),
        probe("later", json!({"type": "http", "url": "http://${host}/"})),
    ]));
    doc["configuration"] = json!({"token": {"type": "env", "key": "CHAOS_TABLE_TOKEN"}});
    doc["secrets"] = json!({"api": {"key": {"type": "env", "key": "CHAOS_TABLE_KEY"}}});
    doc["dynamic_configuration"] = json!({"host": {"type": "probe", "name": "h",
        "provider": wasm(hostile(), "echo", json!({"value": "localhost"}), json!({}))}});
    doc
}

fn row(activity: &str, kind: RowKind, value: &str, source: RequestSource, status: Status) -> GrantRow {
    GrantRow { activity: activity.into(), kind, value: value.into(), source, status }
}

fn missing(flag: &str) -> Status {
    Status::Missing { flag: flag.into() }
}

#[tokio::test]
async fn the_table_lists_every_request_with_its_source_and_status() {
    let env = TestEnvironment::new();
    let (plan, prepared) = env.plan(asking_for_everything()).await.expect("valid");
    let mut flags = Permissions::deny_all(env.path("."));
    flags.read = Allowance::Only(vec!["./data".into()]);
    let consent = Consent::new(Origin::Flags, flags);
    let table = plan.table(&consent, &prepared.static_mapping());
    use Capability::*;
    assert_eq!(
        table.rows,
        [
            row(
                "configuration:token",
                RowKind::Grant(Env),
                "CHAOS_TABLE_TOKEN",
                RequestSource::Configuration,
                missing("--allow-env=CHAOS_TABLE_TOKEN")
            ),
            row(
                "secrets:api.key",
                RowKind::Grant(Env),
                "CHAOS_TABLE_KEY",
                RequestSource::Secrets,
                missing("--allow-env=CHAOS_TABLE_KEY")
            ),
            row("reader", RowKind::Grant(Read), "./data", RequestSource::Grants, Status::Allowed { by: Origin::Flags }),
            row("reader", RowKind::Grant(Env), "HOME", RequestSource::Grants, missing("--allow-env=HOME")),
            row(
                "web",
                RowKind::Grant(Net),
                "localhost:8080",
                RequestSource::HttpUrl,
                missing("--allow-net=localhost:8080")
            ),
            row("script", RowKind::Grant(Run), "echo", RequestSource::Program, missing("--allow-run=echo")),
            row("script", RowKind::Grant(Run), "sh", RequestSource::Program, missing("--allow-run=sh")),
            row("later", RowKind::Grant(Net), "http://${host}/", RequestSource::HttpUrl, Status::Deferred),
        ]
    );
    assert_eq!(
        table.rerun_flags().as_deref(),
        Some("--allow-env=CHAOS_TABLE_TOKEN,CHAOS_TABLE_KEY,HOME --allow-net=localhost:8080 --allow-run=echo,sh")
    );
}

#[tokio::test]
async fn a_provider_timeout_above_the_default_is_a_row_of_the_table() {
    let env = TestEnvironment::new();
    let mut slow = echo("slow", json!(1));
    slow["provider"]["timeout"] = json!(90);
    let (plan, prepared) = env.plan(experiment(json!([slow]))).await.expect("valid");
    let table = plan.table(&Consent::new(Origin::Flags, Permissions::deny_all("/")), &prepared.static_mapping());
    assert_eq!(
        table.rows,
        [row(
            "slow",
            RowKind::Timeout,
            "90s, lowered to the operator's 60s",
            RequestSource::ProviderTimeout,
            Status::Allowed { by: Origin::Flags }
        )]
    );
}

#[tokio::test]
async fn a_denied_request_is_refused_even_with_allow_all_naming_the_deny_flag() {
    let env = TestEnvironment::new();
    let mut permissions = Permissions::allow_all(env.path("."));
    permissions.deny.env = Allowance::Only(vec!["HOME".into()]);
    let doc = experiment(json!([probe("e", wasm(hostile(), "echo", json!({"value": 1}), json!({"env": ["HOME"]})))]));
    let err = env.permissions(permissions).run(doc).await.unwrap_err();
    let SessionError::Grants(refused) = err else { panic!("{err}") };
    let message = refused.to_string();
    assert!(
        message.contains("activity 'e' needs the environment variable HOME: denied by --deny-env=HOME"),
        "{message}"
    );
    assert!(!message.contains("rerun with"), "{message}");
}

#[tokio::test]
async fn a_refusal_ends_with_one_line_of_flags_to_copy() {
    let env = TestEnvironment::new();
    let doc = experiment(json!([
        probe("a", wasm(hostile(), "echo", json!({"value": 1}), json!({"read": ["./data"], "env": ["A"]}))),
        probe("b", wasm(hostile(), "echo", json!({"value": 1}), json!({"env": ["B"], "net": ["localhost:8080"]}))),
    ]));
    let err = env.run(doc).await.unwrap_err().to_string();
    let last = err.lines().last().unwrap();
    assert_eq!(last, "rerun with: --allow-read=./data --allow-env=A,B --allow-net=localhost:8080", "{err}");
}
