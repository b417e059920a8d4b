//! [`CompileLimits`]: what compiling one component may use.

use std::time::Duration;

/// The memory and time compiling one component in a child process may use
/// (see [`crate::SandboxBuilder::compile_in_child`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileLimits {
    /// Bytes of address space of the compiling process (`RLIMIT_AS`): the
    /// program itself, the component, Cranelift's working memory and the
    /// artifact.
    pub memory: usize,
    /// Wall-clock time; the child is killed when it runs out.
    pub time: Duration,
}

impl CompileLimits {
    /// 2 GiB: Cranelift needs roughly a hundred times the component's size,
    /// so this compiles components of about 20 MB.
    pub const DEFAULT_MEMORY: usize = 2 << 30;
    /// 120 seconds.
    pub const DEFAULT_TIME: Duration = Duration::from_secs(120);
}

impl Default for CompileLimits {
    fn default() -> Self {
        Self { memory: Self::DEFAULT_MEMORY, time: Self::DEFAULT_TIME }
    }
}
