//! [`SandboxBuilder`]: every setting of a [`Sandbox`], with its default.

use crate::budget::MemoryBudget;
use crate::builtins::{Builtins, NoBuiltins};
use crate::cache::ArtifactCache;
use crate::compile::{CompileLimits, Compiler};
use crate::engine::{EngineSettings, new_engine};
use crate::limits::Limits;
use crate::pool::{CallSlots, PoolSizes, default_concurrent_calls};
use crate::sandbox::Sandbox;
use crate::store::shared_linker;
use crate::world::activity;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Why a sandbox could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    /// The epoch tick is zero.
    #[error("the epoch tick must be longer than zero")]
    ZeroEpochTick,
    /// The pool is sized for no call.
    #[error("the pooling allocator must allow at least one concurrent call")]
    ZeroConcurrentCalls,
    /// A limit that must be positive is zero.
    #[error("the {0} limit must be larger than zero")]
    ZeroLimit(&'static str),
    /// A pooling-allocator setting was given without enabling pooling.
    #[error("`{0}` was set but the pooling allocator is not enabled")]
    PoolingDisabled(&'static str),
    /// A pool memory slot cannot hold the memory limit.
    #[error("the pool's memory slot of {slot} bytes is smaller than the memory limit of {memory} bytes")]
    PoolSlotTooSmall {
        /// The slot, bytes.
        slot: usize,
        /// The memory limit, bytes.
        memory: usize,
    },
    /// A root certificate given with [`SandboxBuilder::add_root_certificate`]
    /// cannot be used.
    #[error("cannot use the extra root certificate: {0}")]
    RootCertificate(String),
    /// wasmtime refused the configuration on this platform.
    #[error("cannot configure the WebAssembly engine: {0}")]
    Engine(String),
}

/// Builds a [`Sandbox`], in the style of wasmtime's `Config`: setters
/// return `&mut Self`, each says its default, and [`SandboxBuilder::build`]
/// checks how the settings combine.
///
/// ```no_run
/// # fn main() -> Result<(), chaos_sandbox::SandboxError> {
/// use chaos_sandbox::{Limits, SandboxBuilder};
/// let sandbox = SandboxBuilder::new()
///     .cache_dir("/var/cache/chaos")
///     .limits(Limits { memory: 64 << 20, ..Limits::default() })
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SandboxBuilder {
    cache_dir: Option<PathBuf>,
    builtins: Arc<dyn Builtins>,
    limits: Limits,
    epoch_tick: Duration,
    pooling: bool,
    concurrent_calls: Option<u32>,
    memory_slot: Option<usize>,
    root_certificates: Vec<Vec<u8>>,
    total_memory: usize,
    compile_in_child: Option<CompileLimits>,
}

impl SandboxBuilder {
    /// The tick at which the epoch advances by default: 10 ms.
    pub const DEFAULT_EPOCH_TICK: Duration = Duration::from_millis(10);
    /// Memory all concurrent calls may hold together by default: 2 GiB,
    /// sixteen calls at the default memory limit.
    pub const DEFAULT_TOTAL_MEMORY: usize = 2 << 30;

    /// A builder with every default:
    /// - no artifact cache directory: every component is compiled in each
    ///   process;
    /// - no built-in components ([`NoBuiltins`]): `builtin:NAME` names
    ///   nothing;
    /// - default limits ([`Limits::default`]): 128 MiB of memory and
    ///   tables, 60 s, 1 MiB of output, 64 KiB of log per call;
    /// - the epoch advances every [`Self::DEFAULT_EPOCH_TICK`] (10 ms), the
    ///   granularity of time limits;
    /// - the pooling allocator, with copy-on-write memory images: its slots
    ///   are reserved once, so an instance costs no `mmap`/`munmap`; sized
    ///   from the limits (see [`Self::pooling_allocator`]). Where the pool
    ///   cannot be reserved (a small `ulimit -v`), instances are allocated
    ///   on demand and a warning says why;
    /// - HTTPS servers reached through `wasi:http` are verified against the
    ///   Mozilla root certificates (webpki-roots) only.
    /// - concurrent calls hold at most [`Self::DEFAULT_TOTAL_MEMORY`] (2 GiB)
    ///   of memory and tables together;
    /// - components are compiled in this process, without a time or memory
    ///   limit ([`Self::compile_in_child`] sets them).
    ///
    /// Whatever the settings, a call gets no capability it was not granted:
    /// no preopened directory, no environment variable, no socket, no name
    /// lookup, no HTTP, no inherited stdio.
    pub fn new() -> Self {
        Self {
            cache_dir: None,
            builtins: Arc::new(NoBuiltins),
            limits: Limits::default(),
            epoch_tick: Self::DEFAULT_EPOCH_TICK,
            pooling: true,
            concurrent_calls: None,
            memory_slot: None,
            root_certificates: Vec::new(),
            total_memory: Self::DEFAULT_TOTAL_MEMORY,
            compile_in_child: None,
        }
    }

    /// Keeps compiled components in `dir` (in a subdirectory per engine
    /// configuration), so each is compiled once per machine.
    ///
    /// By default there is no cache directory.
    pub fn cache_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// The components `builtin:NAME` names.
    ///
    /// By default there are none ([`NoBuiltins`]).
    pub fn builtins(&mut self, builtins: impl Builtins + 'static) -> &mut Self {
        self.builtins = Arc::new(builtins);
        self
    }

    /// The default limits of a call: used to describe components while
    /// loading them (so a component that spins or hogs memory in `describe`
    /// is stopped at these limits), and to size the pool. Each call still
    /// gives its own limits in [`crate::CallOptions`].
    ///
    /// By default [`Limits::default`].
    pub fn limits(&mut self, limits: Limits) -> &mut Self {
        self.limits = limits;
        self
    }

    /// How often the epoch advances: time limits are counted in these
    /// ticks, so a shorter tick stops a guest closer to its deadline at the
    /// cost of more wake-ups.
    ///
    /// By default [`Self::DEFAULT_EPOCH_TICK`].
    ///
    /// # Errors
    /// [`SandboxError::ZeroEpochTick`] for a zero duration.
    pub fn epoch_tick(&mut self, tick: Duration) -> Result<&mut Self, SandboxError> {
        if tick.is_zero() {
            return Err(SandboxError::ZeroEpochTick);
        }
        self.epoch_tick = tick;
        Ok(self)
    }

    /// Bytes of memory and tables all calls running at once may hold
    /// together. Each call (and each `describe` while loading) takes its
    /// whole memory limit from this budget before it instantiates and gives
    /// it back when it ends; calls that do not fit wait, and the wait counts
    /// against their time limit. A call whose memory limit alone is larger
    /// is refused ([`crate::CallError::MemoryLimitAboveTotal`]).
    ///
    /// By default [`Self::DEFAULT_TOTAL_MEMORY`].
    ///
    /// # Errors
    /// [`SandboxError::ZeroLimit`] for zero.
    pub fn max_total_memory(&mut self, bytes: usize) -> Result<&mut Self, SandboxError> {
        if bytes == 0 {
            return Err(SandboxError::ZeroLimit("total memory"));
        }
        self.total_memory = bytes;
        Ok(self)
    }

    /// Uses wasmtime's pooling instance allocator, which reserves memory
    /// and table slots up front so that instantiation is cheaper (no
    /// `mmap`/`munmap` per call; memory images are copy-on-write). Its sizes
    /// derive from the limits: one memory slot holds the whole memory budget
    /// ([`Self::max_total_memory`]; no call may use more), so never less
    /// than the memory limit, and the pool holds as many calls at once as
    /// the budget lets run together ([`Self::pool_concurrent_calls`]).
    /// Calls beyond that wait for a free slot; they never fail for want of
    /// one.
    ///
    /// By default this is on; off, instances are allocated on demand.
    pub fn pooling_allocator(&mut self, enable: bool) -> &mut Self {
        self.pooling = enable;
        self
    }

    /// How many calls the pool holds at once; more wait for a slot (the
    /// wait counts against their time limit). Requires
    /// [`Self::pooling_allocator`].
    ///
    /// By default as many as the memory budget lets run at once (the total
    /// memory divided by the memory limit), at most
    /// [`crate::pool::MAX_DEFAULT_CONCURRENT_CALLS`].
    ///
    /// # Errors
    /// [`SandboxError::ZeroConcurrentCalls`] for zero.
    pub fn pool_concurrent_calls(&mut self, calls: u32) -> Result<&mut Self, SandboxError> {
        if calls == 0 {
            return Err(SandboxError::ZeroConcurrentCalls);
        }
        self.concurrent_calls = Some(calls);
        Ok(self)
    }

    /// The size of one memory slot of the pool, bytes; it must hold the
    /// memory limit. Requires [`Self::pooling_allocator`].
    ///
    /// By default the total memory budget, or the memory limit when that is
    /// larger.
    pub fn pool_memory_slot(&mut self, bytes: usize) -> &mut Self {
        self.memory_slot = Some(bytes);
        self
    }

    /// Also trusts the root certificate `der` (DER-encoded X.509) when
    /// verifying HTTPS servers reached through `wasi:http`: for a network
    /// behind a corporate TLS-inspecting proxy, or a private CA. It adds to
    /// the Mozilla roots; it does not replace them. Checked by
    /// [`Self::build`].
    ///
    /// By default no extra root is trusted.
    pub fn add_root_certificate(&mut self, der: impl Into<Vec<u8>>) -> &mut Self {
        self.root_certificates.push(der.into());
        self
    }

    /// Compiles each component that is not a built-in in a child process
    /// under `limits`: this program is started again with
    /// [`crate::COMPILE_CHILD_ARG`] as its first argument, and its `main`
    /// must then return [`crate::serve_compile_child`] at once. The child's
    /// address space is capped at `limits.memory` and it is killed after
    /// `limits.time`; a component over either is refused with
    /// [`crate::LoadError::CompileMemoryLimit`] or
    /// [`crate::LoadError::CompileTimeout`]. Cranelift's memory and time grow
    /// with the component (a 36 MB component took 29 s and 4 GB), so a
    /// program that loads components it did not vet should turn this on.
    /// Built-in components, trusted, still compile in this process; a
    /// component found in the cache is not compiled at all.
    ///
    /// By default components are compiled in this process, without limits.
    pub fn compile_in_child(&mut self, limits: CompileLimits) -> &mut Self {
        self.compile_in_child = Some(limits);
        self
    }

    /// Creates the engine (and its epoch thread), the linker and the cache.
    ///
    /// # Errors
    /// - [`SandboxError::ZeroLimit`]: a zero memory or time limit;
    /// - [`SandboxError::PoolingDisabled`]: a pool setting without the
    ///   pooling allocator;
    /// - [`SandboxError::PoolSlotTooSmall`]: a memory slot smaller than the
    ///   memory limit;
    /// - [`SandboxError::RootCertificate`]: an extra root certificate that
    ///   cannot be used;
    /// - [`SandboxError::Engine`]: wasmtime refused the configuration.
    pub fn build(&self) -> Result<Arc<Sandbox>, SandboxError> {
        if self.limits.memory == 0 {
            return Err(SandboxError::ZeroLimit("memory"));
        }
        if self.limits.timeout.is_zero() {
            return Err(SandboxError::ZeroLimit("time"));
        }
        if let Some(limits) = self.compile_in_child {
            if limits.memory == 0 {
                return Err(SandboxError::ZeroLimit("compile memory"));
            }
            if limits.time.is_zero() {
                return Err(SandboxError::ZeroLimit("compile time"));
            }
        }
        let pool = self.pool_sizes()?;
        let tls = crate::grant::tls_config(&self.root_certificates)
            .map_err(|e| SandboxError::RootCertificate(e.to_string()))?;
        let (engine, pool) = match new_engine(&EngineSettings { epoch_tick: self.epoch_tick, pool }) {
            Err(e) if pool.is_some() => {
                tracing::warn!("cannot reserve the instance pool ({e}); instances are allocated on demand instead");
                (new_engine(&EngineSettings { epoch_tick: self.epoch_tick, pool: None })?, None)
            }
            built => (built?, pool),
        };
        let linker =
            shared_linker(&engine).and_then(activity::linker).map_err(|e| SandboxError::Engine(format!("{e:#}")))?;
        Ok(Arc::new(Sandbox {
            cache: Arc::new(ArtifactCache::new(&engine, self.cache_dir.clone())),
            compiler: self.compile_in_child.map_or(Compiler::InProcess, Compiler::Child),
            engine,
            tls,
            epoch_tick: self.epoch_tick,
            limits: self.limits,
            memory_slot: pool.map(|p| p.memory_slot),
            call_slots: pool.map(|p| CallSlots::new(p.concurrent_calls)),
            activity_linker: linker,
            builtins: self.builtins.clone(),
            memory: MemoryBudget::new(self.total_memory),
            compiled: Default::default(),
            loaded: Default::default(),
        }))
    }

    /// The pool's sizes, checked against the limits; `None` without pooling.
    fn pool_sizes(&self) -> Result<Option<PoolSizes>, SandboxError> {
        if !self.pooling {
            if self.concurrent_calls.is_some() {
                return Err(SandboxError::PoolingDisabled("pool_concurrent_calls"));
            }
            if self.memory_slot.is_some() {
                return Err(SandboxError::PoolingDisabled("pool_memory_slot"));
            }
            return Ok(None);
        }
        let calls = self.concurrent_calls.unwrap_or_else(|| default_concurrent_calls(&self.limits, self.total_memory));
        let slot = self.memory_slot.unwrap_or_else(|| self.total_memory.max(self.limits.memory));
        let sizes = PoolSizes::derive(&self.limits, calls, Some(slot));
        if sizes.memory_slot < self.limits.memory {
            return Err(SandboxError::PoolSlotTooSmall { slot: sizes.memory_slot, memory: self.limits.memory });
        }
        Ok(Some(sizes))
    }
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self::new()
    }
}
