//! The per-call store state and the linker that exposes WASI 0.2,
//! `wasi:http` and the `chaos:activity/log` import to components.

use super::bindings::{self, chaos::activity::log::Level};
use super::limits::MemoryLimiter;
use super::net::HttpPolicy;
use super::output::GuestLog;
use anyhow::Result;
use wasmtime::Engine;
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// What one activity call holds: its WASI context (its grants), resources,
/// HTTP policy, memory limiter and log.
pub struct ActivityState {
    pub(super) wasi: WasiCtx,
    pub(super) table: ResourceTable,
    pub(super) http: WasiHttpCtx,
    pub(super) hooks: HttpPolicy,
    pub(super) limiter: MemoryLimiter,
    pub(super) log: GuestLog,
}

impl WasiView for ActivityState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for ActivityState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

impl bindings::chaos::activity::log::Host for ActivityState {
    fn log(&mut self, level: Level, message: String) {
        self.log.record(level, &message);
    }
}

impl bindings::chaos::activity::types::Host for ActivityState {}

/// A linker with everything a component may import. What it may actually
/// use is decided per call by the store's WASI context.
pub fn new_linker(engine: &Engine) -> Result<Linker<ActivityState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    bindings::Activity::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
    Ok(linker)
}
