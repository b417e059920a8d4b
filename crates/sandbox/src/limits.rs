//! Per-call resource limits.

use std::time::Duration;

/// The resources one activity call may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of linear memory and table storage, across all of the
    /// component's memories and tables (see [`crate::limiter`]).
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
