//! The audit trail and pinning, in-process through the whole stack: what
//! an activity was refused lands under its run record (`denials`), and a
//! pinned component whose bytes changed never loads.

use chaos_core::journal::{ActivityStatus, Denial, Journal, RunRecord};
use chaos_test_env::{TestEnvironment, experiment, probe, wasm};
use serde_json::{Value, json};

const WRONG: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Runs `activity` (with `-A`) in `env` and returns its record.
async fn run_one(env: &TestEnvironment, activity: Value) -> RunRecord {
    let journal: Journal = env.run(experiment(json!([activity]))).await.expect("the experiment runs");
    journal.run.into_iter().next().expect("one record")
}

fn connect(host: &str, port: u16, net: Value) -> Value {
    probe("connect", wasm("builtin:net", "tcp_connect", json!({"host": host, "port": port}), json!({"net": net})))
}

/// `builtin:fs`'s bytes as `fs.wasm` in a new environment allowing all.
fn env_with_fs_file() -> TestEnvironment {
    let env = TestEnvironment::new().allow_all();
    std::fs::write(env.path("fs.wasm"), chaos_builtins::get("fs").unwrap().bytes).unwrap();
    env
}

fn pinned_exists(sha256: &str) -> Value {
    let mut provider = wasm("fs.wasm", "exists", json!({"path": "."}), json!({"read": ["."]}));
    provider["sha256"] = json!(sha256);
    probe("pinned", provider)
}

#[tokio::test]
async fn a_connection_to_an_ungranted_address_is_recorded_under_the_activity() {
    let env = TestEnvironment::new().allow_all();
    let record = run_one(&env, connect("127.0.0.2", 9, json!(["127.0.0.1:1"]))).await;
    assert_eq!(record.status, Some(ActivityStatus::Failed));
    assert_eq!(record.denials.len(), 1, "{:?}", record.denials);
    assert_eq!((record.denials[0].capability.as_str(), record.denials[0].target.as_str()), ("net", "127.0.0.2:9"));
}

#[tokio::test]
async fn the_activitys_own_capability_denied_is_recorded_with_its_message() {
    let env = TestEnvironment::new().allow_all();
    let activity = probe("peek", wasm("builtin:fs", "exists", json!({"path": "/etc/passwd"}), json!({})));
    let record = run_one(&env, activity).await;
    assert_eq!(record.status, Some(ActivityStatus::Failed));
    let message = record.exception.as_ref().unwrap().message().to_string();
    let [Denial { capability, detail, .. }] = record.denials.as_slice() else { panic!("{:?}", record.denials) };
    assert_eq!(capability, "activity");
    assert!(message.contains(detail.as_str()), "{message} / {detail}");
}

#[tokio::test]
async fn an_activity_refused_nothing_has_no_denials() {
    let env = TestEnvironment::new().write("here", "x").allow_all();
    let activity = probe("ok", wasm("builtin:fs", "exists", json!({"path": "./here"}), json!({"read": ["."]})));
    let record = run_one(&env, activity).await;
    assert_eq!(record.status, Some(ActivityStatus::Succeeded));
    assert!(record.denials.is_empty() && record.denials_omitted == 0);
}

#[tokio::test]
async fn a_pinned_component_file_with_its_digest_runs() {
    let env = env_with_fs_file();
    let record = run_one(&env, pinned_exists(chaos_builtins::get("fs").unwrap().sha256)).await;
    assert_eq!(record.status, Some(ActivityStatus::Succeeded), "{:?}", record.exception);
}

#[tokio::test]
async fn a_pinned_component_file_with_another_digest_is_refused_naming_the_activity_and_both_digests() {
    let env = env_with_fs_file();
    let err = env.run(experiment(json!([pinned_exists(WRONG)]))).await.unwrap_err().to_string();
    let actual = chaos_builtins::get("fs").unwrap().sha256;
    assert!(err.contains("pinned") && err.contains(WRONG) && err.contains(actual), "{err}");
}

#[tokio::test]
async fn without_validation_a_pin_mismatch_still_refuses_to_run_the_activity() {
    let env = env_with_fs_file().no_validation();
    let record = run_one(&env, pinned_exists(WRONG)).await;
    let message = record.exception.expect("it did not run").message().to_string();
    assert!(message.contains("activity 'pinned'") && message.contains(WRONG), "{message}");
    assert_eq!(record.output, Value::Null);
}

/// Collects the denials a run announces.
#[derive(Default)]
struct Announced(std::sync::Mutex<Vec<(String, Denial)>>);

impl chaos_runtime::runner::RunEvents for Announced {
    fn activity_denied(
        &self,
        _: chaos_runtime::runner::ActivityPhase,
        activity: &chaos_core::experiment::Activity,
        denial: &Denial,
    ) {
        self.0.lock().unwrap().push((activity.name.clone(), denial.clone()));
    }
}

#[tokio::test]
async fn listeners_hear_each_denial_with_its_activity() {
    let env = TestEnvironment::new();
    let dir = env.path(".");
    let file = dir.join("experiment.json");
    let doc = experiment(json!([connect("127.0.0.2", 9, json!(["127.0.0.1:1"]))]));
    std::fs::write(&file, doc.to_string()).unwrap();
    let mut builder = chaos_sandbox::SandboxBuilder::new();
    builder.builtins(chaos_runtime::EmbeddedBuiltins);
    let announced = std::sync::Arc::new(Announced::default());
    let session = chaos_runtime::Session::builder()
        .sandbox(builder.build().unwrap())
        .permissions(chaos_core::grants::Permissions::allow_all(&dir))
        .base_dir(&dir)
        .listener(announced.clone())
        .build()
        .unwrap();
    let prepared = session.prepare(&file.to_string_lossy()).await.unwrap();
    session.run(prepared).await.unwrap();
    let heard = announced.0.lock().unwrap().clone();
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!((heard[0].0.as_str(), heard[0].1.target.as_str()), ("connect", "127.0.0.2:9"));
}
