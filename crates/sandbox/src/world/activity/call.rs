//! One call of the `chaos:activity` world: instantiate on a fresh store,
//! call `run` (or `describe`), and check the output against the limits.

use super::bindings::ActivityPre;
use super::bindings::chaos::activity::types::{ActivityError as WitError, ActivityInfo};
use super::component::LoadedComponent;
use crate::error::CallError;
use crate::options::CallOptions;
use crate::outcome::CallOutcome;
use crate::sandbox::Sandbox;
use crate::store::{HostState, new_store, settle};
use serde_json::Value;

/// Runs `func` of `component` with `arguments`; returns its result with
/// what the host refused it meanwhile.
pub(crate) async fn call(
    sandbox: &Sandbox,
    component: &LoadedComponent,
    func: &str,
    arguments: &Value,
    options: &CallOptions,
) -> CallOutcome {
    let mut store = match new_store(sandbox.engine(), options, sandbox.epoch_tick(), &sandbox.tls) {
        Ok(store) => store,
        Err(e) => return CallOutcome::new(Err(e), Default::default()),
    };
    let result = run(&mut store, component, func, arguments, options).await;
    let denials = store.data().denials.take();
    CallOutcome::new(result, denials)
}

/// Runs `func` on `store`, and checks its output against the limits.
async fn run(
    store: &mut wasmtime::Store<HostState>,
    component: &LoadedComponent,
    func: &str,
    arguments: &Value,
    options: &CallOptions,
) -> Result<Value, CallError> {
    let arguments = serde_json::to_string(arguments).expect("JSON values serialize");
    let limits = options.limits;
    let outcome = tokio::time::timeout(limits.timeout, async {
        let instance = component.pre.instantiate_async(&mut *store).await?;
        instance.chaos_activity_activities().call_run(&mut *store, func, &arguments).await
    })
    .await;
    store.data().log.flush();
    let text = match settle(outcome, store, limits)? {
        Ok(text) => text,
        Err(WitError::InvalidArguments(m)) => return Err(CallError::InvalidArguments(m)),
        Err(WitError::CapabilityDenied(m)) => return Err(CallError::CapabilityDenied(m)),
        Err(WitError::Failed(m)) => return Err(CallError::Failed(m)),
    };
    if text.len() > limits.output {
        return Err(CallError::OutputLimit { size: text.len(), limit: limits.output });
    }
    serde_json::from_str(&text).map_err(|e| CallError::BadOutput(e.to_string()))
}

/// Asks a component which activities it provides.
pub(crate) async fn describe(
    sandbox: &Sandbox,
    pre: &ActivityPre<HostState>,
    options: &CallOptions,
) -> Result<Vec<ActivityInfo>, CallError> {
    let mut store = new_store(sandbox.engine(), options, sandbox.epoch_tick(), &sandbox.tls)?;
    let outcome = tokio::time::timeout(options.limits.timeout, async {
        let instance = pre.instantiate_async(&mut store).await?;
        instance.chaos_activity_activities().call_describe(&mut store).await
    })
    .await;
    store.data().log.flush();
    settle(outcome, &store, options.limits)
}
