//! One call of the `python-runner` world: the same steps as an activity
//! call (memory from the budget, a fresh store, the time limit, the output
//! limit), with the typed `call` export.

use super::PythonCall;
use super::bindings::PythonRunnerPre;
use super::bindings::chaos::activity::types::ActivityError as WitError;
use super::bindings::exports::chaos::activity::python::PythonCall as WitCall;
use crate::error::CallError;
use crate::options::CallOptions;
use crate::outcome::CallOutcome;
use crate::output::bounded;
use crate::sandbox::Sandbox;
use crate::store::{HostState, settle};
use crate::world::activity::call::{bounded_error, start};
use serde_json::Value;
use tokio::time::Instant;
use wasmtime::Store;

/// Runs `request`; returns its result with what the host refused it
/// meanwhile.
pub(super) async fn call(
    sandbox: &Sandbox,
    pre: &PythonRunnerPre<HostState>,
    request: &PythonCall<'_>,
    options: &CallOptions,
) -> CallOutcome {
    let mut started = match start(sandbox, options).await {
        Ok(started) => started,
        Err(e) => return CallOutcome::new(Err(e), Default::default()),
    };
    let result = run(&mut started.store, started.deadline, pre, request, options).await;
    let denials = started.store.data().denials.take();
    CallOutcome::new(result, denials)
}

/// Runs `request` on `store` until `deadline`, and checks its output
/// against the limits.
async fn run(
    store: &mut Store<HostState>,
    deadline: Instant,
    pre: &PythonRunnerPre<HostState>,
    request: &PythonCall<'_>,
    options: &CallOptions,
) -> Result<Value, CallError> {
    let text = |value: &Value| serde_json::to_string(value).expect("JSON values serialize");
    let wit = WitCall {
        module: request.module.to_string(),
        func: request.func.to_string(),
        arguments: text(request.arguments),
        configuration: request.configuration.map(text),
        secrets: request.secrets.map(text),
        search_path: request.search_path.map(str::to_string),
    };
    let limits = options.limits;
    let outcome = tokio::time::timeout_at(deadline, async {
        let instance = pre.instantiate_async(&mut *store).await?;
        instance.chaos_activity_python().call_call(&mut *store, &wit).await
    })
    .await;
    store.data().log.flush();
    let output = match settle(outcome, store, limits).map_err(|e| bounded_error(e, limits))? {
        Ok(output) => output,
        Err(WitError::InvalidArguments(m)) => return Err(CallError::InvalidArguments(bounded(m, limits.output))),
        Err(WitError::CapabilityDenied(m)) => return Err(CallError::CapabilityDenied(bounded(m, limits.output))),
        Err(WitError::Failed(m)) => return Err(CallError::Failed(bounded(m, limits.output))),
    };
    if output.len() > limits.output {
        return Err(CallError::OutputLimit { size: output.len(), limit: limits.output });
    }
    serde_json::from_str(&output).map_err(|e| CallError::BadOutput(e.to_string()))
}
