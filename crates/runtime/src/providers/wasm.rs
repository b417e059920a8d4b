//! The `wasm` provider: one call into an activity component.

use super::{ActivityFailed, Call, CallFuture, GrantSets, Provider, Requested};
use chaos_core::experiment::WasmProvider;
use chaos_core::substitution::{Mapping, resolve_arguments};
use chaos_sandbox::{CallError, CallOptions, Limits, LoadedComponent, Sandbox};
use std::sync::Arc;

/// A planned wasm activity: its component loaded and its grants prepared
/// once per run.
pub struct WasmCall {
    sandbox: Arc<Sandbox>,
    name: String,
    declared: WasmProvider,
    /// The loaded component, or why it could not be loaded (every call then
    /// fails with that message).
    ready: Result<Arc<LoadedComponent>, ActivityFailed>,
    /// The grants prepared at plan time. `None` when they could not be
    /// prepared then (a granted directory an earlier activity creates, for
    /// example): each call prepares them again, and reports why it cannot.
    options: Option<CallOptions>,
    limits: Limits,
    /// The run's grant sets: identical grants are prepared once per run.
    grant_sets: Arc<GrantSets>,
}

impl WasmCall {
    /// Loads the component of activity `name` and takes its grants from
    /// the run's `grant_sets` (prepared there once per distinct set).
    pub async fn plan(
        sandbox: &Arc<Sandbox>,
        name: &str,
        declared: &WasmProvider,
        mut limits: Limits,
        grant_sets: Arc<GrantSets>,
    ) -> Self {
        let ready = match super::time_limit(name, declared.timeout, limits.timeout) {
            Ok(timeout) => {
                limits.timeout = timeout;
                sandbox
                    .load_pinned(&declared.source, declared.sha256.as_ref())
                    .await
                    .map_err(|e| ActivityFailed::fatal(format!("activity '{name}': {e:#}")))
            }
            Err(e) => Err(e),
        };
        let mut planned = Self {
            sandbox: sandbox.clone(),
            name: name.to_string(),
            declared: declared.clone(),
            ready,
            options: None,
            limits,
            grant_sets,
        };
        planned.options = match planned.grant_sets.get(&planned.declared.grants).await {
            Ok(grants) => Some(planned.options_with(grants)),
            Err(_) => None,
        };
        planned
    }

    /// The call options with `grants`.
    fn options_with(&self, grants: Arc<chaos_sandbox::PreparedGrants>) -> CallOptions {
        CallOptions { activity: self.name.clone(), grants, limits: self.limits }
    }

    /// The call options with the grants prepared now.
    async fn prepare(&self) -> Result<CallOptions, CallError> {
        let grants = self.grant_sets.prepare(&self.declared.grants).await?;
        Ok(self.options_with(grants))
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
            let fail = |e: CallError| ActivityFailed::new(format!("activity '{}' {e}", call.name));
            let component = self.ready.as_ref().map_err(Clone::clone)?;
            let prepared_now;
            let options = match &self.options {
                Some(options) => options,
                None => {
                    prepared_now = self.prepare().await.map_err(fail)?;
                    &prepared_now
                }
            };
            let arguments = resolve_arguments(&self.declared.arguments, call.mapping, call.value)
                .map_err(|e| ActivityFailed::new(format!("activity '{}': {e}", call.name)))?;
            let outcome = self.sandbox.call_audited(component, &self.declared.func, &arguments, options).await;
            call.audit.record_all(outcome.denials);
            outcome.result.map_err(fail)
        })
    }
}
