//! World-agnostic store construction: the host state of one call (WASI
//! context with its grants, resource table, `wasi:http` context and hooks,
//! memory limiter, guest log) and the linker part every world shares
//! (WASI 0.2 and `wasi:http`). A world (`crate::world::activity`, later a
//! Python provider or a control world) adds its own imports to a clone of
//! the shared linker and calls its exports on a store built here.

use crate::denials::DenialLog;
use crate::engine::ticks_for;
use crate::error::CallError;
use crate::grant::HttpPolicy;
use crate::grant::PreparedNetGrant;
use crate::grant::lookup::{self, LookupView};
use crate::host_resources;
use crate::limiter::MemoryLimiter;
use crate::limits::Limits;
use crate::options::CallOptions;
use crate::output::{GuestLog, Stream};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_rustls::rustls::ClientConfig;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Engine, Store, Trap, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// What one call holds: its WASI context (its grants), resources, HTTP
/// policy, memory limiter and log.
pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    hooks: HttpPolicy,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) log: GuestLog,
    /// What the grant checks refused during the call.
    pub(crate) denials: DenialLog,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl LookupView for HostState {
    fn lookup_view(&mut self) -> (&mut ResourceTable, &PreparedNetGrant, &DenialLog) {
        (&mut self.table, self.hooks.net(), &self.denials)
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

/// The imports every world gets: WASI 0.2 (with the sandbox's own name
/// lookup, [`lookup`]) and `wasi:http`. What a call may actually use is
/// decided by its store's WASI context.
///
/// # Errors
/// When wasmtime refuses the definitions (a version mismatch).
pub(crate) fn shared_linker(engine: &Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    lookup::add_to_linker(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    Ok(linker)
}

/// A store whose WASI context holds only `options.grants`, with the memory
/// limiter and an epoch deadline (in ticks of `epoch_tick`) for
/// `options.limits`; HTTPS servers are verified with `tls`.
pub(crate) fn new_store(
    engine: &Engine,
    options: &CallOptions,
    epoch_tick: Duration,
    tls: &Arc<ClientConfig>,
) -> Store<HostState> {
    let log = GuestLog::new(&options.activity, options.limits.log);
    let mut wasi = WasiCtxBuilder::new();
    wasi.stdout(log.stream(Stream::Stdout)).stderr(log.stream(Stream::Stderr));
    let denials = DenialLog::new();
    let wasi = options.grants.build(&mut wasi, &denials);
    let state = HostState {
        wasi,
        table: host_resources::resource_table(),
        http: host_resources::http_ctx(),
        hooks: HttpPolicy::new(options.grants.net().clone(), tls.clone(), denials.clone()),
        limiter: MemoryLimiter::new(options.limits.memory),
        log,
        denials,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limiter);
    yield_every_tick_until(&mut store, options.limits.timeout, epoch_tick);
    store
}

/// Makes wasm running in `store` yield to the async executor at every epoch
/// tick, and trap ([`Trap::Interrupt`]) once `timeout` (rounded up to whole
/// ticks, plus one) has passed. Yielding lets whoever awaits the call (the
/// host-side timeout, the runner's interrupt on SIGINT/SIGTERM) drop it
/// within a tick even while the guest spins, instead of the call holding
/// its thread until the deadline.
fn yield_every_tick_until(store: &mut Store<HostState>, timeout: Duration, epoch_tick: Duration) {
    let limit = epoch_tick.saturating_mul(u32::try_from(ticks_for(timeout, epoch_tick)).unwrap_or(u32::MAX));
    let deadline = Instant::now().checked_add(limit);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| match deadline {
        Some(deadline) if Instant::now() >= deadline => Ok(UpdateDeadline::Interrupt),
        _ => Ok(UpdateDeadline::Yield(1)),
    });
}

/// Turns a timed call's outcome into its value or the limit or trap that
/// stopped it.
pub(crate) fn settle<T>(
    outcome: Result<wasmtime::Result<T>, tokio::time::error::Elapsed>,
    store: &Store<HostState>,
    limits: Limits,
) -> Result<T, CallError> {
    match outcome {
        Err(_) => Err(CallError::Timeout(limits.timeout)),
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => {
            if let Some(wanted) = store.data().limiter.exceeded {
                return Err(CallError::MemoryLimit { limit: limits.memory, wanted });
            }
            if host_resources::is_table_full(&err) {
                return Err(CallError::ResourceLimit { limit: host_resources::MAX_LIVE_RESOURCES });
            }
            if err.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
                return Err(CallError::Timeout(limits.timeout));
            }
            let trap =
                err.downcast_ref::<Trap>().map(|t| t.to_string()).unwrap_or_else(|| format!("{:#}", err.root_cause()));
            Err(CallError::Trap(trap))
        }
    }
}
