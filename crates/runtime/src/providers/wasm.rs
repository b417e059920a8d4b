//! The `wasm` provider: one call into an activity component.

use super::{ActivityFailed, Call, CallFuture, Provider, Requested};
use chaos_core::experiment::WasmProvider;
use chaos_core::host_env::HostEnv;
use chaos_core::substitution::{Mapping, resolve_arguments};
use chaos_sandbox::{CallOptions, Limits, LoadedComponent, Sandbox};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A planned wasm activity: its component loaded once per run.
pub struct WasmCall {
    sandbox: Arc<Sandbox>,
    declared: WasmProvider,
    /// The loaded component, or why it could not be loaded or granted
    /// (every call then fails with that message).
    ready: Result<Arc<LoadedComponent>, ActivityFailed>,
    options: CallOptions,
}

impl WasmCall {
    /// Loads the component of activity `name`; granted environment
    /// variables take their values from `env`.
    pub async fn plan(
        sandbox: &Arc<Sandbox>,
        name: &str,
        declared: &WasmProvider,
        mut limits: Limits,
        base_dir: PathBuf,
        env: HostEnv,
    ) -> Self {
        let ready = sandbox
            .load(&declared.source)
            .await
            .map_err(|e| ActivityFailed::fatal(format!("activity '{name}': {e:#}")));
        if let Some(secs) = declared.timeout {
            limits.timeout = Duration::from_secs_f64(secs);
        }
        let options =
            CallOptions { activity: name.to_string(), grants: declared.grants.clone(), base_dir, limits, env };
        Self { sandbox: sandbox.clone(), declared: declared.clone(), ready, options }
    }
}

impl Provider for WasmCall {
    fn kind(&self) -> &'static str {
        "wasm"
    }

    fn requested(&self, _: &Mapping) -> Requested {
        Requested::Known(self.declared.grants.clone())
    }

    fn call<'a>(&'a self, call: Call<'a>) -> CallFuture<'a> {
        Box::pin(async move {
            let component = self.ready.as_ref().map_err(Clone::clone)?;
            let arguments = resolve_arguments(&self.declared.arguments, call.mapping, call.value);
            self.sandbox
                .call(component, &self.declared.func, &arguments, &self.options)
                .await
                .map_err(|e| ActivityFailed::new(format!("activity '{}' {e}", call.name)))
        })
    }
}
