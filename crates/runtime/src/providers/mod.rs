//! Providers: how an activity's call is carried out. Each provider type is
//! one implementation of [`Provider`]: `wasm` runs a component in the
//! sandbox, `http` is a request the host makes itself (bound by the same
//! network grant), `process` runs a program outside the sandbox (behind
//! `--allow-run`), `python` runs a Python function in the sandbox's CPython.
//!
//! [`ProviderFactory::plan`] is the one place that maps an experiment's
//! provider declaration to its implementation; adding a provider type means
//! one new module and one arm there.

mod grant_sets;
mod http;
mod process;
mod python;
mod wasm;

pub use grant_sets::GrantSets;

use crate::audit::Audit;
use chaos_core::experiment::{Activity, Provider as Declared};
use chaos_core::grants::{Grants, Permissions};
use chaos_core::host_env::HostEnv;
use chaos_core::journal::Denial;
use chaos_core::substitution::Mapping;
use chaos_sandbox::{Limits, Sandbox};
use serde_json::Value;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Why an activity produced no output. The message names the activity and
/// the cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ActivityFailed {
    /// What happened.
    pub message: String,
    /// `false`: the activity ran and failed (Chaos Toolkit's `ActivityFailed`;
    /// the run goes on). `true`: it could not be run at all (a component that
    /// does not load, an invalid URL), which aborts the method, as an
    /// unexpected error does in the reference.
    pub fatal: bool,
}

impl ActivityFailed {
    /// The activity ran and failed.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), fatal: false }
    }

    /// The activity could not be run at all.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self { message: message.into(), fatal: true }
    }
}

/// The time limit of activity `name` whose provider asks for `declared`
/// seconds (or none): never above the operator's `cap` (`--timeout`); a
/// longer request is lowered to it.
///
/// # Errors
/// A request that is not a usable duration (not finite, negative or over
/// [`chaos_core::duration::MAX_SECONDS`]).
pub fn time_limit(name: &str, declared: Option<f64>, cap: Duration) -> Result<Duration, ActivityFailed> {
    let Some(secs) = declared else { return Ok(cap) };
    let asked = chaos_core::duration::seconds(secs)
        .map_err(|e| ActivityFailed::new(format!("activity '{name}': invalid timeout: {e}")))?;
    if asked > cap {
        tracing::debug!(
            "activity '{name}' asks for a timeout of {secs}s, lowered to the --timeout of {}s",
            cap.as_secs_f64()
        );
        return Ok(cap);
    }
    Ok(asked)
}

/// Running a `ref` that names no activity (kept by lenient validation):
/// fatal, as in the reference, where it raises outside the activity.
pub fn unresolved(reference: &str) -> ActivityFailed {
    ActivityFailed::fatal(format!("could not find referenced activity '{reference}'"))
}

/// What a provider's call returns.
pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, ActivityFailed>> + Send + 'a>>;

/// One call of an activity.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The activity's name, for messages and logs.
    pub name: &'a str,
    /// Configuration and secrets, for substitution.
    pub mapping: &'a Mapping,
    /// For a probe used as a tolerance: the output it checks, passed as its
    /// `value` argument.
    pub value: Option<&'a Value>,
    /// Whether the activity has a tolerance (quiets the reference's warnings
    /// about error statuses).
    pub has_tolerance: bool,
    /// Where the provider records what it (or the sandbox) refused the
    /// activity during this call.
    pub audit: &'a Audit,
}

/// What the grants of an activity are, once its values are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// These grants.
    Known(Grants),
    /// Not known yet: they depend on a value that dynamic configuration
    /// computes at run start (for example an http URL built from one).
    Deferred,
}

/// Carries out the calls of one planned activity.
pub trait Provider: Send + Sync {
    /// The provider type, as experiments spell it (`wasm`, `http`, `process`).
    fn kind(&self) -> &'static str;

    /// The grants the activity needs, given the values in `mapping`.
    fn requested(&self, mapping: &Mapping) -> Requested;

    /// Runs the activity once.
    ///
    /// # Errors
    /// [`ActivityFailed`] naming the activity and the cause.
    fn call<'a>(&'a self, call: Call<'a>) -> CallFuture<'a>;

    /// The value a dynamic-configuration probe of this type stores from its
    /// `output` (Chaos Toolkit: an http probe's body, a process's trimmed
    /// stdout when it exits 0, anything else as is), or `None` when it
    /// stores nothing.
    fn configuration_value(&self, output: Value) -> Option<Value> {
        Some(output)
    }
}

/// Builds providers for one run: the sandbox, the operator's permissions and
/// default limits they share.
pub struct ProviderFactory {
    sandbox: Arc<Sandbox>,
    limits: Limits,
    base_dir: PathBuf,
    env: HostEnv,
    http: Arc<http::HttpClients>,
    permissions: Arc<Permissions>,
    /// The wasm activities' grant sets, each prepared once per run.
    grant_sets: Arc<GrantSets>,
    /// The Python runner, loaded on first use by a python activity.
    python: tokio::sync::OnceCell<python::SharedRunner>,
}

impl ProviderFactory {
    /// Providers bound by `permissions`, with `limits` as the default limits
    /// of each call; relative granted paths resolve against `base_dir`.
    /// With `verify_tls == false`, http providers skip TLS certificate
    /// checks (`--no-verify-tls`), whatever their `verify_tls` says.
    pub fn new(
        sandbox: Arc<Sandbox>,
        permissions: Arc<Permissions>,
        limits: Limits,
        base_dir: PathBuf,
        verify_tls: bool,
    ) -> Self {
        let http = Arc::new(http::HttpClients::new(permissions.clone(), verify_tls));
        let env = HostEnv::process();
        let grant_sets = Arc::new(GrantSets::new(base_dir.clone(), permissions.clone(), env.clone()));
        Self { sandbox, limits, base_dir, env, http, permissions, grant_sets, python: Default::default() }
    }

    /// The default limits of each call.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The compiled-component cache directory of the sandbox, if any.
    pub fn cache_dir(&self) -> Option<&std::path::Path> {
        self.sandbox.cache_dir()
    }

    /// Granted environment variables and process providers see `env` (by
    /// default, the process environment).
    pub fn with_host_env(mut self, env: HostEnv) -> Self {
        self.grant_sets = Arc::new(GrantSets::new(self.base_dir.clone(), self.permissions.clone(), env.clone()));
        self.env = env;
        self
    }

    /// The provider that runs `activity`. Loading its component happens
    /// here, once per run; a component that cannot be loaded makes every
    /// call fail as "cannot run" (the run then aborts, as the reference
    /// does for an unexpected error), not the planning.
    pub async fn plan(&self, activity: &Activity) -> Arc<dyn Provider> {
        match &activity.provider {
            Declared::Wasm(p) => Arc::new(
                wasm::WasmCall::plan(&self.sandbox, &activity.name, p, self.limits, self.grant_sets.clone()).await,
            ),
            Declared::Http(p) => Arc::new(http::HttpCall::new(p.clone(), self.http.clone(), self.limits)),
            Declared::Process(p) => Arc::new(process::ProcessCall::new(
                p.clone(),
                self.limits.timeout,
                self.base_dir.clone(),
                self.env.clone(),
            )),
            Declared::Python(p) => {
                let setting = python::Setting {
                    sandbox: self.sandbox.clone(),
                    runner: self.python_runner().await,
                    limits: self.limits,
                    base_dir: self.base_dir.clone(),
                    permissions: self.permissions.clone(),
                    grant_sets: self.grant_sets.clone(),
                };
                Arc::new(python::PythonCall::plan(&activity.name, p, setting).await)
            }
            Declared::Unresolved(reference) => Arc::new(Unresolved(reference.clone())),
        }
    }

    /// The Python runner, loaded once per factory (the sandbox says when it
    /// compiles it: the first run on this machine).
    async fn python_runner(&self) -> python::SharedRunner {
        self.python
            .get_or_init(|| async {
                self.sandbox
                    .python_runner()
                    .await
                    .map(Arc::new)
                    .map_err(|e| ActivityFailed::fatal(format!("the Python runner cannot be loaded: {e:#}")))
            })
            .await
            .clone()
    }
}

/// A `ref` that names no activity, kept by lenient validation
/// (`--no-validation`): it asks for nothing and cannot run.
struct Unresolved(String);

impl Provider for Unresolved {
    fn kind(&self) -> &'static str {
        "unresolved ref"
    }

    fn requested(&self, _: &Mapping) -> Requested {
        Requested::Known(Grants::default())
    }

    fn call<'a>(&'a self, _: Call<'a>) -> CallFuture<'a> {
        Box::pin(async move { Err(unresolved(&self.0)) })
    }
}

/// Refuses a call whose requests the operator does not allow: the one grant
/// check, called once per run by the plan and again, cheaply, per call.
/// Each request refused is recorded in `audit`.
///
/// # Errors
/// The first missing grant, as "activity 'x' needs ...: allow it with ...".
pub fn check_grants(
    permissions: &Permissions,
    name: &str,
    grants: &Grants,
    audit: &Audit,
) -> Result<(), ActivityFailed> {
    let missing = permissions.missing([(name, grants)]);
    for refused in &missing {
        audit.record(Denial::new(
            refused.capability.flag().trim_start_matches("--allow-"),
            refused.value.clone(),
            refused.to_string(),
        ));
    }
    match missing.into_iter().next() {
        Some(missing) => Err(ActivityFailed::new(missing.to_string())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_the_operator_did_not_allow_is_refused_and_recorded_as_a_denial() {
        let audit = Audit::new("get");
        let grants = Grants { net: vec!["evil.test:443".into()], ..Grants::default() };
        let refused = check_grants(&Permissions::deny_all("/"), "get", &grants, &audit).unwrap_err();
        let denials = audit.take();
        assert_eq!(denials.kept.len(), 1);
        assert_eq!((denials.kept[0].capability.as_str(), denials.kept[0].target.as_str()), ("net", "evil.test:443"));
        assert_eq!(denials.kept[0].detail, refused.message);
    }

    #[test]
    fn an_allowed_request_records_nothing() {
        let audit = Audit::new("get");
        let grants = Grants { net: vec!["example.com:443".into()], ..Grants::default() };
        assert!(check_grants(&Permissions::allow_all("/"), "get", &grants, &audit).is_ok());
        assert!(audit.take().is_empty());
    }
}
