//! Bounds on what one call keeps on the host's side.
//!
//! The store's memory limiter counts the guest's linear memories and
//! tables, not what host functions allocate for it: every `wasi:http`
//! `fields`, request or body buffer, stream or pollable a guest creates
//! lives in the call's [`ResourceTable`] in host memory. Without a bound, a
//! guest creating `fields` in a loop made the host allocate gigabytes, with
//! or without a network grant. So each call may keep at most
//! [`MAX_LIVE_RESOURCES`] host resources alive at once (a guest that tries
//! to create more is stopped with [`crate::CallError::ResourceLimit`]), each
//! `fields` holds at most [`HTTP_FIELDS_BYTES`], and an outgoing body buffers
//! at most [`HTTP_BODY_CHUNK_BYTES`] per write. Together they bound the
//! host memory one call can hold through `wasi:http` to about
//! `MAX_LIVE_RESOURCES × HTTP_FIELDS_BYTES` (32 MiB).

use wasmtime::component::ResourceTable;
use wasmtime_wasi_http::WasiHttpCtx;

/// Host resources (WASI handles: files, streams, pollables, sockets,
/// `wasi:http` fields, requests, bodies, ...) a call may keep alive at
/// once. As many as a process's default open-file limit.
pub const MAX_LIVE_RESOURCES: usize = 1024;

/// Bytes one `wasi:http` `fields` (headers or trailers) may hold, counted as
/// wasmtime-wasi-http counts them (names, values and their in-memory
/// headers). HTTP servers commonly accept 8 to 16 KiB of headers.
pub const HTTP_FIELDS_BYTES: usize = 32 << 10;

/// Bytes one write to an outgoing `wasi:http` body may buffer.
pub const HTTP_BODY_CHUNK_BYTES: usize = 64 << 10;

/// A resource table for one call, bounded to [`MAX_LIVE_RESOURCES`].
pub(crate) fn resource_table() -> ResourceTable {
    let mut table = ResourceTable::new();
    table.set_max_capacity(MAX_LIVE_RESOURCES);
    table
}

/// A `wasi:http` context for one call, its `fields` bounded to
/// [`HTTP_FIELDS_BYTES`].
pub(crate) fn http_ctx() -> WasiHttpCtx {
    let mut ctx = WasiHttpCtx::new();
    ctx.set_field_size_limit(HTTP_FIELDS_BYTES);
    ctx
}

/// Whether `err` (a trap) is a call's resource table running full.
pub(crate) fn is_table_full(err: &wasmtime::Error) -> bool {
    err.chain().any(|e| {
        matches!(
            e.downcast_ref::<wasmtime::component::ResourceTableError>(),
            Some(wasmtime::component::ResourceTableError::Full)
        )
    })
}
