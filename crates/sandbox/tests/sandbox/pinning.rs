//! `sha256` pins: the digest of the bytes compiled must be the pinned one.

use super::{builder, fs};
use chaos_core::experiment::{ComponentRef, Sha256Digest};
use chaos_sandbox::LoadError;

const WRONG: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn fs_digest() -> Sha256Digest {
    chaos_builtins::get("fs").unwrap().sha256.parse().unwrap()
}

/// `builtin:fs`'s bytes in a file of a new temporary directory.
fn fs_file() -> (tempfile::TempDir, ComponentRef) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fs.wasm");
    std::fs::write(&path, chaos_builtins::get("fs").unwrap().bytes).unwrap();
    (dir, ComponentRef::File(path))
}

#[tokio::test]
async fn a_component_file_with_its_pinned_digest_loads() {
    let sandbox = builder().build().unwrap();
    let (_dir, file) = fs_file();
    let loaded = sandbox.load_pinned(&file, Some(&fs_digest())).await.unwrap();
    assert!(loaded.require("exists").is_ok());
}

#[tokio::test]
async fn a_component_file_with_another_digest_is_refused_naming_both() {
    let sandbox = builder().build().unwrap();
    let (_dir, file) = fs_file();
    let err = sandbox.load_pinned(&file, Some(&WRONG.parse().unwrap())).await.err().unwrap();
    assert!(
        matches!(&err, LoadError::DigestMismatch { expected, actual, .. }
            if expected == WRONG && actual == fs_digest().as_str()),
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains(WRONG) && message.contains(fs_digest().as_str()), "{message}");
}

#[tokio::test]
async fn a_pin_is_checked_also_when_the_component_was_compiled_unpinned_before() {
    let sandbox = builder().build().unwrap();
    let (_dir, file) = fs_file();
    sandbox.load(&file).await.unwrap();
    let err = sandbox.load_pinned(&file, Some(&WRONG.parse().unwrap())).await.err().unwrap();
    assert!(matches!(err, LoadError::DigestMismatch { .. }), "{err}");
}

#[tokio::test]
async fn the_digest_is_of_the_bytes_compiled_not_of_a_later_version_of_the_file() {
    let sandbox = builder().build().unwrap();
    let (_dir, file) = fs_file();
    sandbox.load_pinned(&file, Some(&fs_digest())).await.unwrap();
    let ComponentRef::File(path) = &file else { unreachable!() };
    std::fs::write(path, chaos_builtins::get("http").unwrap().bytes).unwrap();
    // The bytes this sandbox compiled are still the pinned ones.
    assert!(sandbox.load_pinned(&file, Some(&fs_digest())).await.is_ok());
    let http: Sha256Digest = chaos_builtins::get("http").unwrap().sha256.parse().unwrap();
    assert!(sandbox.load_pinned(&file, Some(&http)).await.is_err());
}

#[tokio::test]
async fn a_builtin_may_be_pinned_with_its_build_time_digest() {
    let sandbox = builder().build().unwrap();
    assert!(sandbox.load_pinned(&fs(), Some(&fs_digest())).await.is_ok());
    let err = sandbox.load_pinned(&fs(), Some(&WRONG.parse().unwrap())).await.err().unwrap();
    assert!(matches!(err, LoadError::DigestMismatch { .. }), "{err}");
}
