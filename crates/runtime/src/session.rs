//! The library facade: run an experiment end to end, as `chaos run` does.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use chaos_core::grants::{Consent, GrantsTable, Permissions};
//! let session = chaos_runtime::Session::builder()
//!     .permissions(Permissions::deny_all("."))
//!     .build()?;
//! let prepared = session.prepare("experiment.json").await?;
//! let outcome = session.run(prepared).await?;
//! println!("{:?} deviated={}", outcome.journal.status, outcome.journal.deviated);
//! # Ok(()) }
//! ```
//!
//! The steps, each of which a caller may also take on its own: [`prepare`]
//! (load, validate, configuration and secrets, component checks), resolve
//! the strategies, [`Plan`] the activities and check the plan against the
//! operator's permissions, compute the dynamic configuration and check
//! what depended on it, then run and return the journal.

use crate::plan::{GrantsRefused, Plan};
use crate::prepare::{PrepareError, PrepareOptions, Prepared, prepare, reevaluate};
use crate::providers::ProviderFactory;
use crate::runner::{
    HypothesisStrategy, Interrupt, Listeners, RollbackStrategy, RunEvents, RunOptions, Runner, resolve_strategies,
};
use chaos_core::grants::{Consent, GrantsTable, Permissions};
use chaos_core::journal::Journal;
use chaos_core::settings::Settings;
use chaos_core::strategy::StrategyError;
use chaos_core::vars::Vars;
use chaos_sandbox::{Limits, Sandbox};
use std::path::PathBuf;
use std::sync::Arc;

/// Why an experiment did not run.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// It could not be loaded or is invalid.
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    /// A strategy in the settings or the experiment's `runtime` block is unknown.
    #[error(transparent)]
    Strategy(#[from] StrategyError),
    /// It asks for grants the operator did not allow.
    #[error(transparent)]
    Grants(#[from] GrantsRefused),
}

/// A finished run.
#[derive(Debug)]
pub struct RunOutcome {
    /// The journal.
    pub journal: Journal,
}

impl RunOutcome {
    /// Whether the run completed without deviating: `chaos run` exits 0
    /// only then.
    pub fn succeeded(&self) -> bool {
        self.journal.status == chaos_core::journal::RunStatus::Completed && !self.journal.deviated
    }
}

/// Runs experiments with one operator's settings. Build it with
/// [`Session::builder`].
pub struct Session {
    sandbox: Arc<Sandbox>,
    prepare: PrepareOptions,
    permissions: Arc<Permissions>,
    limits: Limits,
    base_dir: PathBuf,
    verify_tls: bool,
    rollback_strategy: Option<RollbackStrategy>,
    hypothesis_strategy: Option<HypothesisStrategy>,
    options: RunOptions,
    listeners: Listeners,
    interrupt: Interrupt,
}

impl Session {
    /// A builder whose defaults deny every grant.
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// The interrupt handle: trigger it (from a signal handler) to stop the
    /// run, as Ctrl-C does.
    pub fn interrupt(&self) -> &Interrupt {
        &self.interrupt
    }

    /// Loads and validates the experiment at `source` (a path or an http(s)
    /// URL): what `chaos validate` does.
    ///
    /// # Errors
    /// [`PrepareError`]: one line naming the activity (where there is one)
    /// and the cause.
    pub async fn prepare(&self, source: &str) -> Result<Prepared, PrepareError> {
        prepare(source, &self.prepare, &self.sandbox).await
    }

    /// The grants table of `prepared` (what it asks for, and what `consent`
    /// decides), as `chaos grants` prints it and `chaos run` logs it before
    /// anything runs. Requests that depend on dynamic configuration are
    /// [`chaos_core::grants::Status::Deferred`].
    pub async fn grants_table(&self, prepared: &Prepared, consent: &Consent) -> GrantsTable {
        let plan = Plan::new(prepared.experiment.clone(), &self.factory())
            .await
            .with_env_requests(prepared.env_requests.clone());
        plan.table(consent, &prepared.static_mapping())
    }

    /// The same session with `permissions` (after a prompt allowed more).
    #[must_use]
    pub fn with_permissions(mut self, permissions: Permissions) -> Self {
        self.prepare.env_permissions = Some(permissions.clone());
        self.permissions = Arc::new(permissions);
        self
    }

    /// `prepared` with its configuration and secrets evaluated again under
    /// this session's permissions (after [`Session::with_permissions`]
    /// allowed more env entries); the experiment is not loaded again.
    ///
    /// # Errors
    /// A configuration or secret that cannot be evaluated.
    pub fn reevaluate(&self, prepared: Prepared) -> Result<Prepared, PrepareError> {
        reevaluate(prepared, &self.prepare)
    }

    fn factory(&self) -> ProviderFactory {
        ProviderFactory::new(
            self.sandbox.clone(),
            self.permissions.clone(),
            self.limits,
            self.base_dir.clone(),
            self.verify_tls,
        )
        .with_host_env(self.prepare.vars.env.clone())
    }

    /// Runs a prepared experiment and returns its journal.
    ///
    /// # Errors
    /// An unknown strategy in the settings or the experiment, or grants the
    /// operator did not allow (nothing has run then, except dynamic
    /// configuration probes when the refused request depended on them).
    pub async fn run(&self, prepared: Prepared) -> Result<RunOutcome, SessionError> {
        let runtime = prepared.experiment.document.get("runtime");
        let (rollback_strategy, hypothesis_strategy) =
            resolve_strategies(&self.prepare.settings, runtime, self.rollback_strategy, self.hypothesis_strategy)?;
        let options = RunOptions { rollback_strategy, hypothesis_strategy, ..self.options.clone() };

        let factory = self.factory();
        let known = prepared.static_mapping();
        let plan = Plan::new(prepared.experiment, &factory)
            .await
            .with_env_requests(prepared.env_requests)
            .check(&self.permissions, &known)?;
        let runner = Runner::new(options, self.listeners.clone());
        let configured = runner.configure(&plan, &prepared.mapping).await;
        plan.check_configured(&self.permissions, &configured.mapping)?;
        let mut journal = runner.run(&plan, &configured.mapping, &self.interrupt).await;
        journal.record_denials(configured.denials);
        Ok(RunOutcome { journal })
    }
}

/// Builds a [`Session`]. Every setting has a default, listed on its setter.
#[derive(Default)]
pub struct SessionBuilder {
    sandbox: Option<Arc<Sandbox>>,
    prepare: PrepareOptions,
    permissions: Option<Permissions>,
    limits: Limits,
    base_dir: Option<PathBuf>,
    no_verify_tls: bool,
    rollback_strategy: Option<RollbackStrategy>,
    hypothesis_strategy: Option<HypothesisStrategy>,
    options: RunOptions,
    listeners: Listeners,
    interrupt: Interrupt,
}

impl SessionBuilder {
    /// The sandbox that runs components. By default, one with the built-in
    /// components and the default artifact cache
    /// ([`crate::default_sandbox_builder`]) whose default limits are this
    /// session's [`Self::limits`], so components describe themselves under
    /// the operator's limits. A sandbox given here describes components
    /// under its own [`chaos_sandbox::SandboxBuilder::limits`].
    pub fn sandbox(mut self, sandbox: Arc<Sandbox>) -> Self {
        self.sandbox = Some(sandbox);
        self
    }

    /// What the operator allows. By default everything is denied.
    pub fn permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = Some(permissions);
        self
    }

    /// Default limits of each activity. By default [`Limits::default`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The directory relative granted paths and programs resolve against.
    /// By default the current directory.
    pub fn base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// `--var` and `--var-file` values. By default none.
    pub fn vars(mut self, vars: Vars) -> Self {
        self.prepare.vars = vars;
        self
    }

    /// The settings (strategies, auths for URL loading). By default empty.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.prepare.settings = settings;
        self
    }

    /// `--no-validation`: validate leniently (an unresolved `ref` then
    /// aborts the run, as in the reference) and skip the component checks.
    /// By default validation is complete.
    pub fn no_validation(mut self, no_validation: bool) -> Self {
        self.prepare.no_validation = no_validation;
        self
    }

    /// `--require-pinned`: refuse, before anything runs, an experiment
    /// with a component file that has no `sha256` pin (built-ins need
    /// none). By default unpinned components run (a pin, when given, is
    /// always checked).
    pub fn require_pinned(mut self, require: bool) -> Self {
        self.prepare.require_pinned = require;
        self
    }

    /// Do not verify TLS certificates, when loading the experiment and in
    /// http providers (`--no-verify-tls`). By default they are verified.
    pub fn no_verify_tls(mut self, no_verify: bool) -> Self {
        self.no_verify_tls = no_verify;
        self
    }

    /// `--rollback-strategy`: overrides the settings and the experiment. By
    /// default none.
    pub fn rollback_strategy(mut self, strategy: Option<RollbackStrategy>) -> Self {
        self.rollback_strategy = strategy;
        self
    }

    /// `--hypothesis-strategy`: overrides the settings and the experiment.
    /// By default none.
    pub fn hypothesis_strategy(mut self, strategy: Option<HypothesisStrategy>) -> Self {
        self.hypothesis_strategy = strategy;
        self
    }

    /// Frequency, fail-fast, dry and strict. By default [`RunOptions::default`];
    /// its strategies are replaced by the resolved ones.
    pub fn run_options(mut self, options: RunOptions) -> Self {
        self.options = options;
        self
    }

    /// Adds a listener to every run's events. By default only the journal
    /// recorder listens.
    pub fn listener(mut self, listener: Arc<dyn RunEvents>) -> Self {
        self.listeners.push(listener);
        self
    }

    /// The interrupt handle runs watch. By default a fresh one (see
    /// [`Session::interrupt`]).
    pub fn interrupt(mut self, interrupt: Interrupt) -> Self {
        self.interrupt = interrupt;
        self
    }

    /// The session.
    ///
    /// # Errors
    /// When no sandbox was given and the default one cannot be created.
    pub fn build(self) -> anyhow::Result<Session> {
        let base_dir = match self.base_dir {
            Some(dir) => dir,
            None => std::env::current_dir()?,
        };
        let sandbox = match self.sandbox {
            Some(sandbox) => sandbox,
            None => crate::default_sandbox_builder().limits(self.limits).build()?,
        };
        let permissions = self.permissions.unwrap_or_else(|| Permissions::deny_all(&base_dir));
        let mut prepare = self.prepare;
        prepare.verify_tls = !self.no_verify_tls;
        prepare.env_permissions = Some(permissions.clone());
        Ok(Session {
            sandbox,
            prepare,
            permissions: Arc::new(permissions),
            limits: self.limits,
            base_dir,
            verify_tls: !self.no_verify_tls,
            rollback_strategy: self.rollback_strategy,
            hypothesis_strategy: self.hypothesis_strategy,
            options: self.options,
            listeners: self.listeners,
            interrupt: self.interrupt,
        })
    }
}
