use super::{cached_builder as builder, exists, fs, reading};
use chaos_sandbox::{CallError, CallOptions, Limits, SandboxBuilder, SandboxError};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_default_sandbox_runs_a_built_in_activity() {
    let sandbox = builder().build().unwrap();
    let component = sandbox.load(&fs()).await.unwrap();
    let base = tempfile::tempdir().unwrap();
    assert_eq!(exists(&sandbox, &component, "./missing", &reading(base.path()).await).await, json!(false));
}

#[test]
fn a_default_sandbox_pools_instances_in_slots_that_hold_the_whole_memory_budget() {
    let sandbox = builder().build().unwrap();
    assert_eq!(sandbox.pool_memory_slot(), Some(SandboxBuilder::DEFAULT_TOTAL_MEMORY));
}

#[test]
fn a_pool_slot_is_never_smaller_than_the_memory_limit() {
    let limits = Limits { memory: 3 << 30, ..Limits::default() };
    let sandbox = builder().limits(limits).build().unwrap();
    assert_eq!(sandbox.pool_memory_slot(), Some(3 << 30));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_beyond_the_pool_wait_for_a_slot_instead_of_failing() {
    let sandbox = builder().pool_concurrent_calls(2).unwrap().build().unwrap();
    let component = sandbox.load(&fs()).await.unwrap();
    let base = tempfile::tempdir().unwrap();
    let options = reading(base.path()).await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (sandbox, component, options) = (sandbox.clone(), component.clone(), options.clone());
        calls.spawn(async move { sandbox.call(&component, "exists", &json!({"path": "./missing"}), &options).await });
    }
    while let Some(result) = calls.join_next().await {
        assert_eq!(result.unwrap().unwrap(), json!(false));
    }
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
    let err = builder().pooling_allocator(false).pool_memory_slot(256 << 20).build().err();
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
    let sandbox = builder().pooling_allocator(true).pool_memory_slot(Limits::DEFAULT_MEMORY).build().unwrap();
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
