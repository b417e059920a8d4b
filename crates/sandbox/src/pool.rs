//! The pooling instance allocator's sizes, derived from the limits.
//!
//! The pool reserves, up front, room for `concurrent_calls` calls at once,
//! each with up to [`MEMORIES_PER_CALL`] memories of one slot each and
//! [`TABLES_PER_CALL`] tables. A slot must hold the memory limit, so that a
//! guest is stopped by the limiter (with a message naming the limit) and
//! not by an exhausted slot.

use crate::limiter::{MAX_INSTANCES, MAX_TABLE_ELEMENTS, TABLE_ELEMENT_BYTES};
use crate::limits::Limits;
use wasmtime::PoolingAllocationConfig;

/// Linear memories reserved per concurrent call (a Rust or Python
/// component uses one or two).
pub const MEMORIES_PER_CALL: u32 = 4;
/// Tables reserved per concurrent call.
pub const TABLES_PER_CALL: u32 = 16;

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
        let mut config = PoolingAllocationConfig::new();
        config
            .total_component_instances(calls)
            .total_core_instances(calls.saturating_mul(core_instances))
            .max_core_instances_per_component(core_instances)
            .total_memories(calls.saturating_mul(MEMORIES_PER_CALL))
            .max_memories_per_component(MEMORIES_PER_CALL)
            .total_tables(calls.saturating_mul(TABLES_PER_CALL))
            .max_tables_per_component(TABLES_PER_CALL)
            .total_stacks(calls)
            .max_memory_size(self.memory_slot)
            .table_elements(self.table_elements);
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
