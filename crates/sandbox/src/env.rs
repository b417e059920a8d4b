//! Environment-variable grants: the guest sees only the variables it was
//! granted, with the values the run's [`HostEnv`] holds (the process
//! environment plus `.env` overlays). By default it sees none.

use chaos_core::host_env::HostEnv;
use wasmtime_wasi::WasiCtxBuilder;

/// Copies each granted variable that `host` has into the guest's environment.
pub fn apply(names: &[String], host: &HostEnv, wasi: &mut WasiCtxBuilder) {
    for name in names {
        if let Some(value) = host.var_os(name) {
            wasi.env(name, value.to_string_lossy());
        }
    }
}
