//! The memory budget shared by every call of a [`crate::Sandbox`]: the
//! per-call memory limit bounds one call, this bounds all calls at once.
//!
//! Before it instantiates a component, a call (or a `describe` while
//! loading) takes its whole memory limit from the budget, and gives it back
//! when its store is gone. Calls that do not fit wait, in order, and the
//! wait counts against their time limit; a call whose limit alone is larger
//! than the budget is refused at once. So eighty background activities of
//! 120 MiB each hold at most the budget in linear memory and tables, not
//! 9.6 GiB.

use crate::error::CallError;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The unit the budget is counted in: a WebAssembly page, 64 KiB.
const UNIT: usize = 64 << 10;

/// Bytes of memory all concurrent calls of one sandbox may hold.
#[derive(Debug)]
pub(crate) struct MemoryBudget {
    total: usize,
    units: Arc<Semaphore>,
}

/// Memory taken from the budget; given back when dropped.
#[derive(Debug)]
pub(crate) struct Reservation {
    _permit: OwnedSemaphorePermit,
}

impl MemoryBudget {
    /// A budget of `total` bytes (rounded down to whole pages, at least one).
    pub(crate) fn new(total: usize) -> Self {
        let units = (total / UNIT).clamp(1, Semaphore::MAX_PERMITS);
        Self { total, units: Arc::new(Semaphore::new(units)) }
    }

    /// Takes `bytes` (rounded up to whole pages) from the budget, waiting
    /// until that much is free.
    ///
    /// # Errors
    /// [`CallError::MemoryLimitAboveTotal`] when `bytes` is more than the
    /// whole budget: the call could never run.
    pub(crate) async fn reserve(&self, bytes: usize) -> Result<Reservation, CallError> {
        let refused = || CallError::MemoryLimitAboveTotal { limit: bytes, total: self.total };
        let units = u32::try_from(bytes.div_ceil(UNIT)).map_err(|_| refused())?;
        if bytes > self.total {
            return Err(refused());
        }
        let permit = self.units.clone().acquire_many_owned(units).await.map_err(|_| refused())?;
        Ok(Reservation { _permit: permit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const MIB: usize = 1 << 20;

    #[tokio::test]
    async fn a_call_that_fits_takes_its_limit_at_once() {
        let budget = MemoryBudget::new(4 * MIB);
        let _a = budget.reserve(2 * MIB).await.unwrap();
        let _b = budget.reserve(2 * MIB).await.unwrap();
    }

    #[tokio::test]
    async fn a_call_that_does_not_fit_waits_until_memory_is_given_back() {
        let budget = MemoryBudget::new(4 * MIB);
        let first = budget.reserve(3 * MIB).await.unwrap();
        let waiting = tokio::time::timeout(Duration::from_millis(50), budget.reserve(2 * MIB)).await;
        assert!(waiting.is_err(), "it waits while the budget is taken");
        drop(first);
        tokio::time::timeout(Duration::from_secs(5), budget.reserve(2 * MIB)).await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_limit_larger_than_the_budget_is_refused_at_once() {
        let budget = MemoryBudget::new(4 * MIB);
        let e = budget.reserve(5 * MIB).await.unwrap_err();
        assert_eq!(e, CallError::MemoryLimitAboveTotal { limit: 5 * MIB, total: 4 * MIB });
        assert_eq!(
            e.to_string(),
            "has a memory limit of 5 MiB, more than the total memory budget of 4 MiB shared by all concurrent \
             activities"
        );
    }
}
