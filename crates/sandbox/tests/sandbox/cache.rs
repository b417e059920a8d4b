use super::{builder, exists, fs, reading};
use serde_json::json;

/// Every compiled component under `root`, at any depth.
fn entries(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    // The root also holds the key file: only its directories hold entries.
    for dir in std::fs::read_dir(root).unwrap().flatten().filter(|d| d.path().is_dir()) {
        for file in std::fs::read_dir(dir.path()).unwrap().flatten() {
            if file.path().extension().is_some_and(|e| e == "cwasm") {
                found.push(file.path());
            }
        }
    }
    found
}

#[tokio::test]
async fn a_component_whose_cache_entry_is_corrupt_is_recompiled_and_works() {
    let cache = tempfile::tempdir().unwrap();
    let first = builder().cache_dir(cache.path()).build().unwrap();
    first.load(&fs()).await.unwrap();
    let written = entries(cache.path());
    assert_eq!(written.len(), 1);
    std::fs::write(&written[0], b"\x7fELF garbage").unwrap();

    let second = builder().cache_dir(cache.path()).build().unwrap();
    let component = second.load(&fs()).await.unwrap();

    let base = tempfile::tempdir().unwrap();
    assert_eq!(exists(&second, &component, "./missing", &reading(base.path()).await).await, json!(false));
}
