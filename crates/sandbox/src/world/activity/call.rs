//! One call of the `chaos:activity` world: take the call's memory from the
//! sandbox's budget, instantiate on a fresh store, call `run` (or
//! `describe`), and check the output against the limits.

use super::bindings::ActivityPre;
use super::bindings::chaos::activity::types::{ActivityError as WitError, ActivityInfo};
use super::component::LoadedComponent;
use crate::budget::Reservation;
use crate::error::CallError;
use crate::limits::Limits;
use crate::options::CallOptions;
use crate::outcome::CallOutcome;
use crate::output::bounded;
use crate::pool::CallSlot;
use crate::sandbox::Sandbox;
use crate::store::{HostState, new_store, settle};
use serde_json::Value;
use tokio::time::Instant;
use wasmtime::Store;

/// Runs `func` of `component` with `arguments`; returns its result with
/// what the host refused it meanwhile.
pub(crate) async fn call(
    sandbox: &Sandbox,
    component: &LoadedComponent,
    func: &str,
    arguments: &Value,
    options: &CallOptions,
) -> CallOutcome {
    let mut started = match start(sandbox, options).await {
        Ok(started) => started,
        Err(e) => return CallOutcome::new(Err(e), Default::default()),
    };
    let result = run(&mut started.store, started.deadline, component, func, arguments, options).await;
    let denials = started.store.data().denials.take();
    CallOutcome::new(result, denials)
}

/// Runs `func` on `store` until `deadline`, and checks its output against
/// the limits.
async fn run(
    store: &mut Store<HostState>,
    deadline: Instant,
    component: &LoadedComponent,
    func: &str,
    arguments: &Value,
    options: &CallOptions,
) -> Result<Value, CallError> {
    let arguments = serde_json::to_string(arguments).expect("JSON values serialize");
    let limits = options.limits;
    let outcome = tokio::time::timeout_at(deadline, async {
        let instance = component.pre.instantiate_async(&mut *store).await?;
        instance.chaos_activity_activities().call_run(&mut *store, func, &arguments).await
    })
    .await;
    store.data().log.flush();
    let text = match settle(outcome, store, limits).map_err(|e| bounded_error(e, limits))? {
        Ok(text) => text,
        Err(WitError::InvalidArguments(m)) => return Err(CallError::InvalidArguments(bounded(m, limits.output))),
        Err(WitError::CapabilityDenied(m)) => return Err(CallError::CapabilityDenied(bounded(m, limits.output))),
        Err(WitError::Failed(m)) => return Err(CallError::Failed(bounded(m, limits.output))),
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
    let Started { deadline, ref mut store, .. } = start(sandbox, options).await?;
    let outcome = tokio::time::timeout_at(deadline, async {
        let instance = pre.instantiate_async(&mut *store).await?;
        instance.chaos_activity_activities().call_describe(&mut *store).await
    })
    .await;
    store.data().log.flush();
    settle(outcome, store, options.limits).map_err(|e| bounded_error(e, options.limits))
}

/// A call ready to instantiate. Fields drop in order: the store (and its
/// pooled instance) is gone before its pool slot and memory are given back.
pub(crate) struct Started {
    /// When the call's time is up.
    pub(crate) deadline: Instant,
    /// The call's store, whose epoch deadline is what is left of its time.
    pub(crate) store: Store<HostState>,
    /// The pool slot the store's instance takes (`None`: on demand).
    _slot: Option<CallSlot>,
    /// The call's memory, taken from the sandbox's budget.
    _reservation: Reservation,
}

/// The call's deadline, its memory taken from the sandbox's budget and a
/// pool slot (waiting for either counts against the time limit), and its
/// store, whose epoch deadline is what is left of the time limit.
pub(crate) async fn start(sandbox: &Sandbox, options: &CallOptions) -> Result<Started, CallError> {
    let limits = options.limits;
    let deadline = Instant::now() + limits.timeout;
    let timed_out = |_| CallError::Timeout(limits.timeout);
    let reservation =
        tokio::time::timeout_at(deadline, sandbox.memory.reserve(limits.memory)).await.map_err(timed_out)??;
    let slot = match &sandbox.call_slots {
        Some(slots) => Some(tokio::time::timeout_at(deadline, slots.take()).await.map_err(timed_out)?),
        None => None,
    };
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(CallError::Timeout(limits.timeout));
    }
    let remaining = CallOptions { limits: Limits { timeout: left, ..limits }, ..options.clone() };
    let store = new_store(sandbox.engine(), &remaining, sandbox.epoch_tick(), &sandbox.tls);
    Ok(Started { deadline, store, _slot: slot, _reservation: reservation })
}

/// A trap's message, within the output limit.
pub(crate) fn bounded_error(error: CallError, limits: Limits) -> CallError {
    match error {
        CallError::Trap(m) => CallError::Trap(bounded(m, limits.output)),
        other => other,
    }
}
