//! Providers: how an activity's call is carried out. `wasm` runs a component
//! in the [`Sandbox`]; `http` is a request the host makes itself, bound by
//! the same network grant.

mod http;
mod process;
mod wasm;

use chaos_core::experiment::{Activity, Provider};
use chaos_core::grants::Permissions;
use chaos_core::host_env::HostEnv;
use chaos_core::substitution::Mapping;
use chaos_sandbox::{Limits, Sandbox};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

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

/// Runs activities' providers for one run.
pub struct Providers {
    sandbox: Arc<Sandbox>,
    permissions: Arc<Permissions>,
    limits: Limits,
    base_dir: PathBuf,
    env: HostEnv,
    http: http::HttpClients,
}

impl Providers {
    /// Providers bound by `permissions`, with `limits` as the default limits
    /// of each call; relative granted paths resolve against `base_dir`.
    pub fn new(sandbox: Arc<Sandbox>, permissions: Arc<Permissions>, limits: Limits, base_dir: PathBuf) -> Self {
        let http = http::HttpClients::new(permissions.clone(), true);
        Self { sandbox, permissions, limits, base_dir, env: HostEnv::process(), http }
    }

    /// With `verify == false`, http providers skip TLS certificate checks
    /// (`--no-verify-tls`), whatever their `verify_tls` says.
    pub fn with_tls_verification(mut self, verify: bool) -> Self {
        self.http = http::HttpClients::new(self.permissions.clone(), verify);
        self
    }

    /// Granted environment variables and process providers see `env` (by
    /// default, the process environment).
    pub fn with_host_env(mut self, env: HostEnv) -> Self {
        self.env = env;
        self
    }

    /// Runs `activity`'s provider with arguments substituted from `mapping`.
    /// `value` is set as the `value` argument (probes used as tolerances).
    ///
    /// # Errors
    /// [`ActivityFailed`] with the activity's name and the cause.
    pub async fn run(
        &self,
        activity: &Activity,
        mapping: &Mapping,
        value: Option<&Value>,
    ) -> Result<Value, ActivityFailed> {
        let missing = self.permissions.missing([(activity.name.as_str(), &activity.provider.grants(mapping))]);
        if let Some(first) = missing.first() {
            return Err(ActivityFailed::new(first.to_string()));
        }
        match &activity.provider {
            Provider::Wasm(p) => wasm::run(self, &activity.name, p, mapping, value).await,
            Provider::Http(p) => {
                let has_tolerance = activity.document.get("tolerance").is_some();
                self.http.run(&activity.name, p, mapping, value, has_tolerance, self.limits.timeout).await
            }
            Provider::Process(p) => {
                let has_tolerance = activity.document.get("tolerance").is_some();
                process::run(&activity.name, p, mapping, has_tolerance, self.limits.timeout, &self.env).await
            }
        }
    }
}
