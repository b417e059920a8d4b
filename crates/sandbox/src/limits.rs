//! Per-call resource limits and the store limiter that enforces memory.

use std::time::Duration;
use wasmtime::ResourceLimiter;

/// The resources one activity call may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of linear memory, across all of the component's memories.
    pub memory: usize,
    /// Wall-clock time for the whole call (instantiation included).
    pub timeout: Duration,
    /// Bytes of JSON output.
    pub output: usize,
    /// Bytes of stdout, stderr and log records kept in the host's log.
    pub log: usize,
}

impl Limits {
    /// 128 MiB.
    pub const DEFAULT_MEMORY: usize = 128 << 20;
    /// 60 seconds.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
    /// 1 MiB.
    pub const DEFAULT_OUTPUT: usize = 1 << 20;
    /// 64 KiB.
    pub const DEFAULT_LOG: usize = 64 << 10;
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory: Self::DEFAULT_MEMORY,
            timeout: Self::DEFAULT_TIMEOUT,
            output: Self::DEFAULT_OUTPUT,
            log: Self::DEFAULT_LOG,
        }
    }
}

/// Refuses memory growth past the limit, trapping the guest, and remembers
/// that it did so the failure can name the limit.
pub struct MemoryLimiter {
    limit: usize,
    used: usize,
    /// The size (bytes) a refused growth asked for.
    pub exceeded: Option<usize>,
}

impl MemoryLimiter {
    /// A limiter allowing `limit` bytes in total.
    pub fn new(limit: usize) -> Self {
        Self { limit, used: 0, exceeded: None }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let total = self.used.saturating_sub(current) + desired;
        if total > self.limit {
            self.exceeded = Some(total);
            return Err(wasmtime::Error::msg(format!("memory limit of {} bytes exceeded", self.limit)));
        }
        self.used = total;
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }

    fn instances(&self) -> usize {
        100
    }

    fn tables(&self) -> usize {
        100
    }

    fn memories(&self) -> usize {
        100
    }
}
