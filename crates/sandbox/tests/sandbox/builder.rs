use super::{cached_builder as builder, exists, fs, reading};
use chaos_sandbox::{CallError, CallOptions, Limits, SandboxError};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_default_sandbox_runs_a_built_in_activity() {
    let sandbox = builder().build().unwrap();
    let component = sandbox.load(&fs()).await.unwrap();
    let base = tempfile::tempdir().unwrap();
    assert_eq!(exists(&sandbox, &component, "./missing", &reading(base.path()).await).await, json!(false));
}

#[tokio::test]
async fn a_sandbox_with_the_pooling_allocator_runs_a_built_in_activity() {
    let sandbox = builder().pooling_allocator(true).pool_concurrent_calls(2).unwrap().build().unwrap();
    let component = sandbox.load(&fs()).await.unwrap();
    let base = tempfile::tempdir().unwrap();
    assert_eq!(exists(&sandbox, &component, "./missing", &reading(base.path()).await).await, json!(false));
}

#[test]
fn a_pool_slot_smaller_than_the_memory_limit_is_refused() {
    let limits = Limits { memory: 64 << 20, ..Limits::default() };
    let err = builder().limits(limits).pooling_allocator(true).pool_memory_slot(32 << 20).build().err();
    assert_eq!(err, Some(SandboxError::PoolSlotTooSmall { slot: 32 << 20, memory: 64 << 20 }));
}

#[test]
fn a_pool_setting_without_the_pooling_allocator_is_refused() {
    let err = builder().pool_memory_slot(256 << 20).build().err();
    assert_eq!(err, Some(SandboxError::PoolingDisabled("pool_memory_slot")));
}

#[test]
fn a_pool_for_no_calls_is_refused() {
    assert_eq!(builder().pool_concurrent_calls(0).err(), Some(SandboxError::ZeroConcurrentCalls));
}

#[test]
fn a_zero_epoch_tick_is_refused() {
    assert_eq!(builder().epoch_tick(Duration::ZERO).err(), Some(SandboxError::ZeroEpochTick));
}

#[test]
fn a_zero_time_limit_is_refused() {
    let err = builder().limits(Limits { timeout: Duration::ZERO, ..Limits::default() }).build().err();
    assert_eq!(err, Some(SandboxError::ZeroLimit("time")));
}

#[tokio::test]
async fn a_call_whose_memory_limit_exceeds_the_pool_slot_is_refused() {
    let sandbox = builder().pooling_allocator(true).pool_concurrent_calls(2).unwrap().build().unwrap();
    let component = sandbox.load(&fs()).await.unwrap();
    let options = CallOptions { limits: Limits { memory: 256 << 20, ..Limits::default() }, ..CallOptions::new("t") };
    let err = sandbox.call(&component, "exists", &json!({"path": "."}), &options).await.unwrap_err();
    assert_eq!(err, CallError::MemoryLimitAboveSlot { limit: 256 << 20, slot: Limits::DEFAULT_MEMORY });
}

#[test]
fn an_extra_root_certificate_that_is_not_a_certificate_is_refused() {
    let err = builder().add_root_certificate(b"not a certificate".to_vec()).build().err();
    assert!(matches!(err, Some(SandboxError::RootCertificate(_))), "{err:?}");
}
