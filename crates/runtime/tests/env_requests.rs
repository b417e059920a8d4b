//! The configuration's and secrets' env entries are requests in the run
//! plan, checked like an activity's `env` grant.

use chaos_core::grants::{Capability, Grants, Permissions};
use chaos_runtime::SessionError;
use chaos_runtime::providers::Requested;
use chaos_test_env::{TestEnvironment, echo, experiment};
use serde_json::{Value, json};

fn with_env_entries() -> Value {
    let mut doc = experiment(json!([echo("e", json!("${who} ${token}"))]));
    doc["configuration"] = json!({"who": {"type": "env", "key": "CHAOS_TEST_ENV_WHO", "default": "d"}});
    doc["secrets"] = json!({"api": {"token": {"type": "env", "key": "CHAOS_TEST_ENV_TOKEN"}}});
    doc
}

fn env(var: &str) -> Requested {
    Requested::Known(Grants { env: vec![var.to_string()], ..Grants::default() })
}

#[tokio::test]
async fn the_plan_lists_env_entries_by_where_they_are_declared() {
    let (plan, prepared) = TestEnvironment::new().plan(with_env_entries()).await.expect("the experiment is valid");
    let requests = plan.requests(&prepared.static_mapping());
    let by_name = |name: &str| requests.iter().find(|r| r.activity == name).map(|r| r.requested.clone());
    assert_eq!(by_name("configuration:who"), Some(env("CHAOS_TEST_ENV_WHO")));
    assert_eq!(by_name("secrets:api.token"), Some(env("CHAOS_TEST_ENV_TOKEN")));
}

#[tokio::test]
async fn a_run_without_allow_env_is_refused_naming_each_variable() {
    let err = TestEnvironment::new().run(with_env_entries()).await.unwrap_err();
    let SessionError::Grants(refused) = err else { panic!("{err}") };
    let missing: Vec<_> =
        refused.missing.iter().map(|m| (m.activity.as_str(), m.capability, m.value.as_str())).collect();
    assert_eq!(
        missing,
        [
            ("configuration:who", Capability::Env, "CHAOS_TEST_ENV_WHO"),
            ("secrets:api.token", Capability::Env, "CHAOS_TEST_ENV_TOKEN")
        ]
    );
}

#[tokio::test]
async fn an_allowed_env_entry_without_its_variable_uses_its_default() {
    let env = TestEnvironment::new();
    let permissions = Permissions::allow_all(env.path("."));
    let mut doc = with_env_entries();
    doc["secrets"] = json!({});
    doc["method"] = json!([echo("e", json!("${who}"))]);
    let journal = env.permissions(permissions).run(doc).await.expect("the run is allowed");
    assert_eq!(journal.run[0].output, json!("d"));
}
