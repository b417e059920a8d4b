//! One activity call: a fresh store holding exactly the granted
//! capabilities, instantiation, the call, and the limits around it.

use super::bindings::ActivityPre;
use super::bindings::chaos::activity::types::{ActivityError as WitError, ActivityInfo};
use super::component::LoadedComponent;
use super::engine::ticks_for;
use super::limits::{Limits, MemoryLimiter};
use super::net::{HttpPolicy, NetPolicy};
use super::output::{GuestLog, Stream};
use super::state::ActivityState;
use super::{env, fs};
use chaos_core::grants::Grants;
use chaos_core::host_env::HostEnv;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store, Trap};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi_http::WasiHttpCtx;

/// How to run one call: who it is for (log prefix), what it is granted and
/// its limits.
#[derive(Debug, Clone)]
pub struct CallOptions {
    /// The activity's name, used in logs.
    pub activity: String,
    /// What the activity is granted (already checked against the operator's
    /// permissions).
    pub grants: Grants,
    /// Directory that relative granted paths resolve against.
    pub base_dir: PathBuf,
    /// Resource limits.
    pub limits: Limits,
    /// Where granted environment variables take their values.
    pub env: HostEnv,
}

impl CallOptions {
    /// No grants, default limits, relative paths against the current
    /// directory, environment values from the process.
    pub fn new(activity: impl Into<String>) -> Self {
        Self {
            activity: activity.into(),
            grants: Grants::default(),
            base_dir: std::env::current_dir().unwrap_or_default(),
            limits: Limits::default(),
            env: HostEnv::process(),
        }
    }
}

/// Why a call produced no output. Each message completes the sentence
/// "activity 'x' ...".
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// The activity rejected its arguments.
    #[error("rejected its arguments: {0}")]
    InvalidArguments(String),
    /// The activity needed a capability it was not granted.
    #[error("was denied a capability: {0}")]
    CapabilityDenied(String),
    /// The activity ran and reported a failure.
    #[error("failed: {0}")]
    Failed(String),
    /// The call ran past its time limit.
    #[error("exceeded its time limit of {}s and was stopped", fmt_secs(*.0))]
    Timeout(Duration),
    /// The guest tried to grow its memory past the limit.
    #[error("exceeded its memory limit of {} MiB (it asked for {} MiB) and was stopped", .limit >> 20, .wanted.div_ceil(1 << 20))]
    MemoryLimit {
        /// The limit, bytes.
        limit: usize,
        /// What it asked for, bytes.
        wanted: usize,
    },
    /// The output was larger than allowed.
    #[error("returned {size} bytes of output, over its output limit of {limit} bytes")]
    OutputLimit {
        /// Output size, bytes.
        size: usize,
        /// The limit, bytes.
        limit: usize,
    },
    /// The output was not JSON.
    #[error("returned output that is not JSON: {0}")]
    BadOutput(String),
    /// The guest trapped (panicked, hit `unreachable`, ...).
    #[error("crashed: {0}")]
    Trap(String),
    /// A grant could not be turned into a capability.
    #[error("could not be given its grants: {0}")]
    Grant(String),
}

fn fmt_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0}") } else { format!("{s}") }
}

/// Runs `func` of `component`.
pub async fn call(
    engine: &Engine,
    component: &LoadedComponent,
    func: &str,
    arguments: &Value,
    options: &CallOptions,
) -> Result<Value, CallError> {
    let arguments = serde_json::to_string(arguments).expect("JSON values serialize");
    let mut store = new_store(engine, options).await?;
    let limits = options.limits;
    let outcome = tokio::time::timeout(limits.timeout, async {
        let instance = component.pre.instantiate_async(&mut store).await?;
        instance.chaos_activity_activities().call_run(&mut store, func, &arguments).await
    })
    .await;
    store.data().log.flush();
    let text = match settle(outcome, &store, limits)? {
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
pub(super) async fn describe(
    engine: &Engine,
    pre: &ActivityPre<ActivityState>,
    options: &CallOptions,
) -> Result<Vec<ActivityInfo>, CallError> {
    let mut store = new_store(engine, options).await?;
    let outcome = tokio::time::timeout(options.limits.timeout, async {
        let instance = pre.instantiate_async(&mut store).await?;
        instance.chaos_activity_activities().call_describe(&mut store).await
    })
    .await;
    store.data().log.flush();
    settle(outcome, &store, options.limits)
}

/// Turns a timed call's outcome into its value or the limit or trap that
/// stopped it.
fn settle<T>(
    outcome: Result<wasmtime::Result<T>, tokio::time::error::Elapsed>,
    store: &Store<ActivityState>,
    limits: Limits,
) -> Result<T, CallError> {
    match outcome {
        Err(_) => Err(CallError::Timeout(limits.timeout)),
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => {
            if let Some(wanted) = store.data().limiter.exceeded {
                return Err(CallError::MemoryLimit { limit: limits.memory, wanted });
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

/// A store with a WASI context that holds only `options.grants`.
async fn new_store(engine: &Engine, options: &CallOptions) -> Result<Store<ActivityState>, CallError> {
    let log = GuestLog::new(&options.activity, options.limits.log);
    let mut wasi = WasiCtxBuilder::new();
    wasi.stdout(log.stream(Stream::Stdout)).stderr(log.stream(Stream::Stderr));
    fs::apply(&options.grants, &options.base_dir, &mut wasi).map_err(CallError::Grant)?;
    env::apply(&options.grants.env, &options.env, &mut wasi);
    let net = NetPolicy::resolve(&options.grants.net).await.map_err(CallError::Grant)?;
    net.apply(&mut wasi);
    let state = ActivityState {
        wasi: wasi.build(),
        table: ResourceTable::new(),
        http: WasiHttpCtx::new(),
        hooks: HttpPolicy::new(net),
        limiter: MemoryLimiter::new(options.limits.memory),
        log,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limiter);
    store.set_epoch_deadline(ticks_for(options.limits.timeout));
    store.epoch_deadline_trap();
    Ok(store)
}
