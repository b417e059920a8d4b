//! The `python` provider: a Chaos Toolkit python activity, run by the
//! built-in Python runner (`builtin:python`, CPython in a component) in the
//! sandbox, with the same limits, grant checks, audit and output capture as
//! a wasm activity.
//!
//! Such an activity declares no grants: it receives what the operator
//! allows for the run ([`chaos_core::grants::inherited`]), which the grants
//! table shows as its requests. As in Chaos Toolkit, the function receives
//! `configuration=` (the run's configuration) when it declares that
//! parameter, and `secrets=` (the listed scopes' values) when it declares
//! it and the provider lists `secrets`. An exception it raises fails the
//! activity with Chaos Toolkit's message, `ExceptionType: message`.

use super::{ActivityFailed, Call, CallFuture, GrantSets, Provider, Requested};
use chaos_core::experiment::PythonProvider;
use chaos_core::grants::{Grants, Permissions, inherited};
use chaos_core::substitution::{Mapping, resolve_arguments};
use chaos_sandbox::{CallError, CallOptions, Limits, PreparedGrants, PythonCall as Request, PythonRunner, Sandbox};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The runner, loaded once per run and shared by every python activity, or
/// why it could not be loaded.
pub type SharedRunner = Result<Arc<PythonRunner>, ActivityFailed>;

/// A planned python activity: the runner loaded and its grants prepared
/// once per run.
pub struct PythonCall {
    sandbox: Arc<Sandbox>,
    name: String,
    declared: PythonProvider,
    runner: SharedRunner,
    /// What it receives: the operator's allowances.
    grants: Grants,
    /// The grants prepared at plan time, or `None` when they could not be
    /// prepared then (each call prepares them again and reports why not).
    options: Option<CallOptions>,
    /// Where the runner looks first for the experiment's own module, as
    /// the guest sees it.
    search_path: Option<String>,
    limits: Limits,
    /// The run's grant sets: every python activity receives the same
    /// grants, prepared once per run.
    grant_sets: Arc<GrantSets>,
}

/// Where a python activity runs and what it may use.
pub struct Setting {
    /// The sandbox.
    pub sandbox: Arc<Sandbox>,
    /// The runner, loaded once per run.
    pub runner: SharedRunner,
    /// The run's default limits.
    pub limits: Limits,
    /// Relative granted paths resolve against it.
    pub base_dir: PathBuf,
    /// What the operator allows: the activity's grants.
    pub permissions: Arc<Permissions>,
    /// The run's grant sets (prepared once per distinct set).
    pub grant_sets: Arc<GrantSets>,
}

impl PythonCall {
    /// Plans activity `name` in `setting`: its time limit, its inherited
    /// grants, prepared now when they can be.
    pub async fn plan(name: &str, declared: &PythonProvider, setting: Setting) -> Self {
        let Setting { sandbox, runner, mut limits, base_dir, permissions, grant_sets } = setting;
        let runner = match super::time_limit(name, declared.timeout, limits.timeout) {
            Ok(timeout) => {
                limits.timeout = timeout;
                runner
            }
            Err(e) => Err(e),
        };
        let mut planned = Self {
            sandbox,
            name: name.to_string(),
            declared: declared.clone(),
            runner,
            grants: inherited(&permissions),
            options: None,
            search_path: declared.search_dir.as_deref().map(|dir| guest_path(dir, &base_dir)),
            limits,
            grant_sets,
        };
        planned.options = match planned.grant_sets.get(&planned.grants).await {
            Ok(grants) => Some(planned.options_with(grants)),
            Err(_) => None,
        };
        planned
    }

    /// The call options with `grants`.
    fn options_with(&self, grants: Arc<PreparedGrants>) -> CallOptions {
        CallOptions { activity: self.name.clone(), grants, limits: self.limits }
    }

    /// The call options with the grants prepared now.
    async fn prepare(&self) -> Result<CallOptions, CallError> {
        Ok(self.options_with(self.grant_sets.prepare(&self.grants).await?))
    }
}

/// `dir` as the guest sees it: relative to `base_dir` (against which
/// granted paths resolve, so `.` when it is the experiment's directory),
/// else as it is.
fn guest_path(dir: &Path, base_dir: &Path) -> String {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    match canonical(dir).strip_prefix(canonical(base_dir)) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => format!("./{}", rel.display()),
        Err(_) => dir.display().to_string(),
    }
}

/// The values of `keys` in `mapping`, as an object.
fn pick(mapping: &Mapping, keys: &[String]) -> Value {
    let picked: Map<String, Value> =
        keys.iter().filter_map(|k| mapping.get(k).map(|v| (k.clone(), v.clone()))).collect();
    Value::Object(picked)
}

impl Provider for PythonCall {
    fn kind(&self) -> &'static str {
        "python"
    }

    fn requested(&self, _: &Mapping) -> Requested {
        Requested::Known(self.grants.clone())
    }

    fn call<'a>(&'a self, call: Call<'a>) -> CallFuture<'a> {
        Box::pin(async move {
            let runner = self.runner.as_ref().map_err(Clone::clone)?;
            let prepared_now;
            let options = match &self.options {
                Some(options) => options,
                None => {
                    prepared_now = self
                        .prepare()
                        .await
                        .map_err(|e| ActivityFailed::new(format!("activity '{}' {e}", call.name)))?;
                    &prepared_now
                }
            };
            let arguments = resolve_arguments(&self.declared.arguments, call.mapping, call.value)
                .map_err(|e| ActivityFailed::new(format!("activity '{}': {e}", call.name)))?;
            let configuration = pick(call.mapping, &self.declared.configuration_keys);
            let secrets = self.declared.secrets.as_ref().map(|_| pick(call.mapping, &self.declared.secret_keys));
            let request = Request {
                module: &self.declared.module,
                func: &self.declared.func,
                arguments: &arguments,
                configuration: Some(&configuration),
                secrets: secrets.as_ref(),
                search_path: self.search_path.as_deref(),
            };
            let outcome = self.sandbox.call_python(runner, &request, options).await;
            call.audit.record_all(outcome.denials);
            outcome.result.map_err(|e| match e {
                // What the function raised, as Chaos Toolkit reports it.
                CallError::Failed(message) => ActivityFailed::new(message),
                other => ActivityFailed::new(format!("activity '{}' {other}", call.name)),
            })
        })
    }
}
