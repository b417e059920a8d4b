use super::{builder, fs};
use chaos_core::experiment::ComponentRef;
use chaos_sandbox::LoadError;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::test]
async fn concurrent_loads_of_one_component_share_one_load() {
    let sandbox = builder().build().unwrap();
    let source = fs();
    let (a, b) = tokio::join!(sandbox.load(&source), sandbox.load(&source));
    assert!(Arc::ptr_eq(&a.unwrap(), &b.unwrap()));
}

#[tokio::test]
async fn concurrent_compiles_of_one_component_compile_it_once() {
    let sandbox = builder().build().unwrap();
    let source = fs();
    let (a, b) = tokio::join!(sandbox.compile(&source), sandbox.compile(&source));
    assert_eq!(a.unwrap().image_range(), b.unwrap().image_range(), "one compiled image, not two");
}

#[tokio::test]
async fn different_components_are_compiled_separately() {
    let sandbox = builder().build().unwrap();
    let http = ComponentRef::Builtin("http".into());
    let fs = fs();
    let (a, b) = tokio::join!(sandbox.compile(&fs), sandbox.compile(&http));
    assert_ne!(a.unwrap().image_range(), b.unwrap().image_range());
}

#[tokio::test(flavor = "current_thread")]
async fn compiling_leaves_the_async_worker_free() {
    let sandbox = builder().build().unwrap();
    let ticks = Arc::new(AtomicUsize::new(0));
    let ticker = tokio::spawn({
        let ticks = ticks.clone();
        async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                ticks.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    sandbox.compile(&fs()).await.unwrap();
    let seen = ticks.load(Ordering::Relaxed);
    ticker.abort();
    assert!(seen >= 3, "the only worker thread was blocked while compiling ({seen} ticks)");
}

#[tokio::test]
async fn an_unknown_built_in_is_refused_with_the_names_there_are() {
    let sandbox = builder().build().unwrap();
    let err = sandbox.load(&ComponentRef::Builtin("nope".into())).await.err().unwrap();
    assert!(matches!(err, LoadError::UnknownBuiltin { ref name, .. } if name == "nope"), "{err}");
    assert!(err.to_string().contains("builtin:fs"), "{err}");
}

#[tokio::test]
async fn bytes_that_are_not_a_component_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.wasm");
    std::fs::write(&path, b"not wasm").unwrap();
    let sandbox = builder().build().unwrap();
    let err = sandbox.load(&ComponentRef::File(path)).await.err().unwrap();
    assert!(matches!(err, LoadError::Invalid { .. }), "{err}");
}
