use super::{cached_builder as builder, exists, fs};
use chaos_core::grants::{Allowance, Grants, Permissions};
use chaos_sandbox::{CallError, CallOptions, GrantError, PreparedGrants};
use serde_json::json;
use std::path::{Path, PathBuf};
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

/// Replaces the directory at `path` by a symlink to `target` (the
/// directory itself is moved aside, as an attacker's rename would).
fn swap_for_symlink(path: &Path, target: &str) {
    std::fs::rename(path, path.with_extension("moved")).unwrap();
    std::os::unix::fs::symlink(target, path).unwrap();
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_granted_directory_replaced_by_a_symlink_after_preparing_is_still_the_one_each_call_opens() {
    let base = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(base.path().join("data/sub")).unwrap();
    std::fs::create_dir(base.path().join("victim")).unwrap();
    let allowed =
        Permissions { write: Allowance::Only(vec![PathBuf::from("./data")]), ..Permissions::deny_all(base.path()) };
    let write = Grants { write: vec!["./data/sub".to_string()], ..Grants::default() };
    let grants = PreparedGrants::prepare_within(&write, base.path(), &allowed, |_| None).await.unwrap();
    swap_for_symlink(&base.path().join("data/sub"), "../victim");
    let options = CallOptions { grants: Arc::new(grants), ..CallOptions::new("t") };
    let sandbox = builder().build().unwrap();
    let component = sandbox.load(&fs()).await.unwrap();
    let args = json!({"path": "./data/sub/planted.txt", "content": "x"});
    sandbox.call(&component, "write", &args, &options).await.unwrap();
    assert!(!base.path().join("victim/planted.txt").exists(), "the write followed the swapped path");
    assert!(base.path().join("data/sub.moved/planted.txt").exists(), "the write went to the granted directory");
}

#[tokio::test]
async fn a_symlink_leaving_the_allowance_planted_before_preparing_fails_the_call_naming_the_path() {
    let base = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(base.path().join("data")).unwrap();
    std::fs::create_dir(base.path().join("victim")).unwrap();
    std::os::unix::fs::symlink("../victim", base.path().join("data/sub")).unwrap();
    let allowed =
        Permissions { write: Allowance::Only(vec![PathBuf::from("./data")]), ..Permissions::deny_all(base.path()) };
    let write = Grants { write: vec!["./data/sub".to_string()], ..Grants::default() };
    let err = PreparedGrants::prepare_within(&write, base.path(), &allowed, |_| None).await.unwrap_err();
    let err = CallError::from(err);
    assert!(
        err.to_string().starts_with("could not be given its grants: granted path `./data/sub` does not stay within"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_directory_is_refused_when_preparing() {
    let base = tempfile::tempdir().unwrap();
    let err = PreparedGrants::prepare(&read("missing"), base.path(), |_| None).await.unwrap_err();
    assert!(matches!(err, GrantError::NotADirectory { .. }), "{err}");
}
