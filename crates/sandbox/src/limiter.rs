//! The store limiter: one byte budget for a call's linear memories and
//! tables, and caps on how many instances, memories and tables a call may
//! create.
//!
//! Table storage is counted against the same budget as memory, at
//! [`TABLE_ELEMENT_BYTES`] per element: without that, a guest could grow
//! [`MAX_TABLES`] tables of [`MAX_TABLE_ELEMENTS`] elements each, hundreds of
//! megabytes outside `--memory-limit`.

use wasmtime::ResourceLimiter;

/// Most elements one table may hold (whatever the byte budget allows).
pub const MAX_TABLE_ELEMENTS: usize = 1_000_000;
/// Bytes one table element is counted as: a pointer-sized reference.
pub const TABLE_ELEMENT_BYTES: usize = size_of::<usize>();
/// Most core instances one call may create.
pub const MAX_INSTANCES: usize = 100;
/// Most tables one call may create.
pub const MAX_TABLES: usize = 100;
/// Most linear memories one call may create.
pub const MAX_MEMORIES: usize = 100;

/// Refuses memory or table growth past the byte budget, trapping the guest,
/// and remembers that it did so the failure can name the limit.
pub struct MemoryLimiter {
    limit: usize,
    used: usize,
    /// The total size (bytes) a refused growth asked for.
    pub exceeded: Option<usize>,
}

impl MemoryLimiter {
    /// A limiter allowing `limit` bytes in total.
    pub fn new(limit: usize) -> Self {
        Self { limit, used: 0, exceeded: None }
    }

    /// Bytes of memory and table storage in use.
    pub fn used(&self) -> usize {
        self.used
    }

    /// Moves one memory or table from `current` to `desired` bytes, within
    /// the budget.
    fn grow(&mut self, current: usize, desired: usize) -> wasmtime::Result<bool> {
        let total = self.used.saturating_sub(current).saturating_add(desired);
        if total > self.limit {
            self.exceeded = Some(total);
            return Err(wasmtime::Error::msg(format!("memory limit of {} bytes exceeded", self.limit)));
        }
        self.used = total;
        Ok(true)
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.grow(current, desired)
    }

    fn table_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > MAX_TABLE_ELEMENTS {
            return Ok(false);
        }
        self.grow(current.saturating_mul(TABLE_ELEMENT_BYTES), desired.saturating_mul(TABLE_ELEMENT_BYTES))
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    #[test]
    fn growth_within_the_budget_is_allowed_and_counted() {
        let mut limiter = MemoryLimiter::new(4 * MIB);
        assert!(limiter.memory_growing(0, MIB, None).unwrap());
        assert!(limiter.memory_growing(MIB, 3 * MIB, None).unwrap());
        assert_eq!(limiter.used(), 3 * MIB);
        assert_eq!(limiter.exceeded, None);
    }

    #[test]
    fn growth_past_the_budget_traps_and_records_the_size_asked_for() {
        let mut limiter = MemoryLimiter::new(4 * MIB);
        limiter.memory_growing(0, 2 * MIB, None).unwrap();
        assert!(limiter.memory_growing(2 * MIB, 5 * MIB, None).is_err());
        assert_eq!(limiter.exceeded, Some(5 * MIB));
        assert_eq!(limiter.used(), 2 * MIB, "a refused growth is not counted");
    }

    #[test]
    fn all_memories_share_one_budget() {
        let mut limiter = MemoryLimiter::new(4 * MIB);
        limiter.memory_growing(0, 3 * MIB, None).unwrap();
        assert!(limiter.memory_growing(0, 2 * MIB, None).is_err());
        assert_eq!(limiter.exceeded, Some(5 * MIB));
    }

    #[test]
    fn a_budget_exactly_used_up_is_allowed() {
        let mut limiter = MemoryLimiter::new(4 * MIB);
        assert!(limiter.memory_growing(0, 4 * MIB, None).unwrap());
    }

    #[test]
    fn table_elements_count_against_the_memory_budget() {
        let mut limiter = MemoryLimiter::new(MIB);
        limiter.memory_growing(0, MIB - 100 * TABLE_ELEMENT_BYTES, None).unwrap();
        assert!(limiter.table_growing(0, 100, None).unwrap());
        assert!(limiter.table_growing(100, 101, None).is_err());
        assert_eq!(limiter.exceeded, Some(MIB + TABLE_ELEMENT_BYTES));
    }

    #[test]
    fn a_table_may_not_grow_past_the_element_cap_whatever_the_budget() {
        let mut limiter = MemoryLimiter::new(usize::MAX);
        assert!(limiter.table_growing(0, MAX_TABLE_ELEMENTS, None).unwrap());
        assert!(!limiter.table_growing(MAX_TABLE_ELEMENTS, MAX_TABLE_ELEMENTS + 1, None).unwrap());
    }
}
