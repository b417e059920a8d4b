//! Environment-variable grants: the guest sees only the variables it was
//! granted, with the host's values. By default it sees none.

use wasmtime_wasi::WasiCtxBuilder;

/// Copies each granted variable that the host has into the guest's environment.
pub fn apply(names: &[String], wasi: &mut WasiCtxBuilder) {
    for name in names {
        if let Some(value) = std::env::var_os(name) {
            wasi.env(name, value.to_string_lossy());
        }
    }
}
