//! The pooling instance allocator's sizes, derived from the limits, and
//! the slots calls take from it.
//!
//! The pool reserves, up front, room for `concurrent_calls` calls at once,
//! each with up to [`MEMORIES_PER_CALL`] memories of one slot each and
//! [`TABLES_PER_CALL`] tables. A slot must hold the memory limit, so that a
//! guest is stopped by the limiter (with a message naming the limit) and
//! not by an exhausted slot. A call takes one of the pool's call slots
//! ([`CallSlots`]) before it instantiates, so calls beyond the pool's size
//! wait for one instead of failing to instantiate.

use crate::limiter::{MAX_INSTANCES, MAX_MEMORIES, MAX_TABLE_ELEMENTS, MAX_TABLES, TABLE_ELEMENT_BYTES};
use crate::limits::Limits;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime::PoolingAllocationConfig;

/// Linear memories reserved per concurrent call (a Rust or Python
/// component uses one or two).
pub const MEMORIES_PER_CALL: u32 = 4;
/// Tables reserved per concurrent call.
pub const TABLES_PER_CALL: u32 = 16;
/// Bytes of each linear memory kept resident when its slot is given back:
/// reset with `memset` instead of `madvise`, so the next call in that slot
/// takes no page faults for its first pages. The reset still zeroes (or
/// restores the component's initial image), so no call sees another's data.
pub const MEMORY_KEEP_RESIDENT: usize = 1 << 20;
/// Bytes of each table kept resident when its slot is given back (as
/// [`MEMORY_KEEP_RESIDENT`]).
pub const TABLE_KEEP_RESIDENT: usize = 64 << 10;
/// Slots decommitted together, in one batch of system calls.
pub const DECOMMIT_BATCH: usize = 8;

/// Most calls a default pool is sized for, whatever the memory budget
/// would let run at once: beyond it, calls wait for a slot.
pub const MAX_DEFAULT_CONCURRENT_CALLS: u32 = 64;

/// How many calls a default pool holds: as many as the memory budget lets
/// run at once (`total_memory` / the memory limit; no more can hold their
/// memory together), at least one and at most
/// [`MAX_DEFAULT_CONCURRENT_CALLS`].
pub fn default_concurrent_calls(limits: &Limits, total_memory: usize) -> u32 {
    let fit = total_memory / limits.memory.max(1);
    u32::try_from(fit).unwrap_or(u32::MAX).clamp(1, MAX_DEFAULT_CONCURRENT_CALLS)
}

/// The call slots of a pool: a call holds one from before it instantiates
/// until its store is gone.
#[derive(Debug)]
pub(crate) struct CallSlots {
    slots: Arc<Semaphore>,
}

/// One call slot, given back when dropped.
#[derive(Debug)]
pub(crate) struct CallSlot {
    _permit: OwnedSemaphorePermit,
}

impl CallSlots {
    /// `calls` slots.
    pub(crate) fn new(calls: u32) -> Self {
        Self { slots: Arc::new(Semaphore::new(usize::try_from(calls).unwrap_or(usize::MAX))) }
    }

    /// A slot, waiting until one is free.
    pub(crate) async fn take(&self) -> CallSlot {
        let permit = self.slots.clone().acquire_owned().await.expect("the call slots are never closed");
        CallSlot { _permit: permit }
    }
}

/// What the pool is sized for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PoolSizes {
    /// Calls that may run at once.
    pub concurrent_calls: u32,
    /// Bytes of one memory slot.
    pub memory_slot: usize,
    /// Elements of one table slot.
    pub table_elements: usize,
}

impl PoolSizes {
    /// Sizes for `concurrent_calls` calls under `limits`: one memory slot
    /// holds the whole memory limit (or `memory_slot`), one table slot as
    /// many elements as the memory limit can pay for, at most
    /// [`MAX_TABLE_ELEMENTS`].
    pub fn derive(limits: &Limits, concurrent_calls: u32, memory_slot: Option<usize>) -> Self {
        Self {
            concurrent_calls,
            memory_slot: memory_slot.unwrap_or(limits.memory),
            table_elements: (limits.memory / TABLE_ELEMENT_BYTES).min(MAX_TABLE_ELEMENTS),
        }
    }

    /// The wasmtime configuration.
    pub fn config(&self) -> PoolingAllocationConfig {
        let calls = self.concurrent_calls;
        let core_instances = u32::try_from(MAX_INSTANCES).unwrap_or(u32::MAX);
        // One call may have as many memories and tables as the limiter
        // allows (so the limiter, with its message, is what stops a guest);
        // the pool holds that many for one call, and `*_PER_CALL` on
        // average for each of the others.
        let memories = u32::try_from(MAX_MEMORIES).unwrap_or(u32::MAX);
        let tables = u32::try_from(MAX_TABLES).unwrap_or(u32::MAX);
        let mut config = PoolingAllocationConfig::new();
        config
            .total_component_instances(calls)
            .total_core_instances(calls.saturating_mul(core_instances))
            .max_core_instances_per_component(core_instances)
            .total_memories(calls.saturating_mul(MEMORIES_PER_CALL).max(memories))
            .max_memories_per_component(memories)
            .max_memories_per_module(memories)
            .total_tables(calls.saturating_mul(TABLES_PER_CALL).max(tables))
            .max_tables_per_component(tables)
            .max_tables_per_module(tables)
            .total_stacks(calls)
            .max_memory_size(self.memory_slot)
            .table_elements(self.table_elements)
            .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT.min(self.memory_slot))
            .table_keep_resident(TABLE_KEEP_RESIDENT)
            .decommit_batch_size(DECOMMIT_BATCH);
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: usize = 1 << 30;

    #[test]
    fn a_default_pool_holds_as_many_calls_as_the_memory_budget_lets_run_at_once() {
        let limits = Limits { memory: 128 << 20, ..Limits::default() };
        assert_eq!(default_concurrent_calls(&limits, 2 * GIB), 16);
    }

    #[test]
    fn a_default_pool_holds_at_least_one_call() {
        let limits = Limits { memory: 4 * GIB, ..Limits::default() };
        assert_eq!(default_concurrent_calls(&limits, GIB), 1);
    }

    #[test]
    fn a_default_pool_is_capped_when_the_memory_limit_is_small() {
        let limits = Limits { memory: 1 << 20, ..Limits::default() };
        assert_eq!(default_concurrent_calls(&limits, 2 * GIB), MAX_DEFAULT_CONCURRENT_CALLS);
    }

    #[tokio::test]
    async fn a_call_beyond_the_pool_waits_for_a_slot() {
        let slots = CallSlots::new(1);
        let first = slots.take().await;
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), slots.take()).await;
        assert!(waiting.is_err(), "it waits while the only slot is taken");
        drop(first);
        tokio::time::timeout(std::time::Duration::from_secs(5), slots.take()).await.unwrap();
    }

    #[test]
    fn a_memory_slot_holds_the_memory_limit_by_default() {
        let limits = Limits { memory: 64 << 20, ..Limits::default() };
        assert_eq!(PoolSizes::derive(&limits, 8, None).memory_slot, 64 << 20);
    }

    #[test]
    fn table_slots_are_paid_for_by_the_memory_limit() {
        let limits = Limits { memory: 1 << 20, ..Limits::default() };
        assert_eq!(PoolSizes::derive(&limits, 8, None).table_elements, (1 << 20) / TABLE_ELEMENT_BYTES);
    }

    #[test]
    fn table_slots_never_exceed_the_element_cap() {
        let limits = Limits { memory: usize::MAX, ..Limits::default() };
        assert_eq!(PoolSizes::derive(&limits, 8, None).table_elements, MAX_TABLE_ELEMENTS);
    }
}
