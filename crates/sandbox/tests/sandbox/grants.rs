use super::{cached_builder as builder, exists, fs};
use chaos_core::grants::Grants;
use chaos_sandbox::{CallError, CallOptions, GrantError, PreparedGrants};
use serde_json::json;
use std::sync::Arc;

fn read(path: &str) -> Grants {
    Grants { read: vec![path.to_string()], ..Grants::default() }
}

#[tokio::test]
async fn grants_prepared_once_apply_to_every_call() {
    let base = tempfile::tempdir().unwrap();
    std::fs::write(base.path().join("f.txt"), "x").unwrap();
    let grants = PreparedGrants::prepare(&read("."), base.path(), |_| None).await.unwrap();
    let options = CallOptions { grants: Arc::new(grants), ..CallOptions::new("t") };
    let sandbox = builder().build().unwrap();
    let component = sandbox.load(&fs()).await.unwrap();
    for _ in 0..2 {
        assert_eq!(exists(&sandbox, &component, "./f.txt", &options).await, json!(true));
    }
}

#[tokio::test]
async fn a_granted_directory_removed_after_preparing_fails_the_call() {
    let base = tempfile::tempdir().unwrap();
    std::fs::create_dir(base.path().join("d")).unwrap();
    let grants = PreparedGrants::prepare(&read("d"), base.path(), |_| None).await.unwrap();
    std::fs::remove_dir(base.path().join("d")).unwrap();
    let options = CallOptions { grants: Arc::new(grants), ..CallOptions::new("t") };
    let sandbox = builder().build().unwrap();
    let component = sandbox.load(&fs()).await.unwrap();
    let err = sandbox.call(&component, "exists", &json!({"path": "d"}), &options).await.unwrap_err();
    assert!(matches!(err, CallError::Grant(ref m) if m.contains("cannot open granted directory `d`")), "{err}");
}

#[tokio::test]
async fn a_missing_directory_is_refused_when_preparing() {
    let base = tempfile::tempdir().unwrap();
    let err = PreparedGrants::prepare(&read("missing"), base.path(), |_| None).await.unwrap_err();
    assert!(matches!(err, GrantError::NotADirectory { .. }), "{err}");
}
