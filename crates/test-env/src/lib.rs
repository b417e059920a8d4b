//! `chaos-test-env`: run an experiment in-process, as `chaos run` would,
//! and get its journal: the way to test runner and provider behaviour
//! without spawning the binary (spin's `factors-test`, for this project).
//!
//! Each [`TestEnvironment`] has its own scratch directory, which is the
//! run's base directory (relative grants and `./` paths resolve in it). All
//! environments of a test process share one sandbox, so components compile
//! once.
//!
//! ```no_run
//! # async fn example() {
//! use chaos_test_env::{TestEnvironment, echo, experiment};
//! let journal = TestEnvironment::new().run(experiment(serde_json::json!([echo("p", 1.into())]))).await.unwrap();
//! assert_eq!(journal.run[0].output, 1);
//! # }
//! ```
#![deny(missing_docs)]

use chaos_core::grants::Permissions;
use chaos_core::journal::Journal;
use chaos_core::vars::Vars;
use chaos_runtime::prepare::{PrepareError, Prepared};
use chaos_runtime::providers::ProviderFactory;
use chaos_runtime::runner::{HypothesisStrategy, RollbackStrategy, RunOptions};
use chaos_runtime::{Plan, Session, SessionError};
use chaos_sandbox::{Limits, Sandbox, SandboxBuilder};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The path of the test component with hostile and helper activities
/// (`echo`, `fail`, `spin`, `eat_memory`, ...; `tests/components/hostile`).
pub fn hostile() -> &'static str {
    test_artifacts::HOSTILE_COMPONENT
}

/// A minimal valid experiment around `method` (shared by the in-process
/// and the end-to-end tests).
pub fn experiment(method: Value) -> Value {
    json!({"title": "test", "description": "a test experiment", "method": method})
}

/// A wasm provider.
pub fn wasm(module: &str, func: &str, arguments: Value, grants: Value) -> Value {
    json!({"type": "wasm", "module": module, "func": func, "arguments": arguments, "grants": grants})
}

/// A probe.
pub fn probe(name: &str, provider: Value) -> Value {
    json!({"type": "probe", "name": name, "provider": provider})
}

/// An action.
pub fn action(name: &str, provider: Value) -> Value {
    json!({"type": "action", "name": name, "provider": provider})
}

/// A probe returning `value` (the hostile component's `echo`).
pub fn echo(name: &str, value: Value) -> Value {
    probe(name, wasm(hostile(), "echo", json!({"value": value}), json!({})))
}

/// One in-process run's settings; everything is denied by default.
pub struct TestEnvironment {
    dir: tempfile::TempDir,
    permissions: Option<Permissions>,
    options: RunOptions,
    rollback_strategy: Option<RollbackStrategy>,
    hypothesis_strategy: Option<HypothesisStrategy>,
    vars: Vars,
    no_validation: bool,
}

impl Default for TestEnvironment {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnvironment {
    /// A fresh scratch directory, no grants, default options.
    ///
    /// # Panics
    /// When no temporary directory can be created.
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary directory"),
            permissions: None,
            options: RunOptions::default(),
            rollback_strategy: None,
            hypothesis_strategy: None,
            vars: Vars::default(),
            no_validation: false,
        }
    }

    /// `rel` in the scratch directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `content` to `rel` in the scratch directory.
    ///
    /// # Panics
    /// When the file cannot be written.
    pub fn write(self, rel: &str, content: &str) -> Self {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("the parent directory");
        }
        std::fs::write(&path, content).expect("the file");
        self
    }

    /// What the operator allows (relative paths against the scratch
    /// directory: build it with [`TestEnvironment::path`]`(".")`).
    pub fn permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = Some(permissions);
        self
    }

    /// Allows everything the experiment asks for (`-A`).
    pub fn allow_all(self) -> Self {
        let all = Permissions::allow_all(self.dir.path());
        self.permissions(all)
    }

    /// Changes the run options (frequency, fail-fast, dry, strict).
    pub fn options(mut self, change: impl FnOnce(&mut RunOptions)) -> Self {
        change(&mut self.options);
        self
    }

    /// `--rollback-strategy`.
    pub fn rollback_strategy(mut self, strategy: RollbackStrategy) -> Self {
        self.rollback_strategy = Some(strategy);
        self
    }

    /// `--hypothesis-strategy`.
    pub fn hypothesis_strategy(mut self, strategy: HypothesisStrategy) -> Self {
        self.hypothesis_strategy = Some(strategy);
        self
    }

    /// `--var` and `--var-file` values.
    pub fn vars(mut self, vars: Vars) -> Self {
        self.vars = vars;
        self
    }

    /// `--no-validation`: skip the component checks.
    pub fn no_validation(mut self) -> Self {
        self.no_validation = true;
        self
    }

    /// Prepares `experiment` and plans it (without checking its grants),
    /// for tests of the plan itself.
    ///
    /// # Errors
    /// As [`Session::prepare`].
    ///
    /// # Panics
    /// When the experiment cannot be written or the sandbox cannot start.
    pub async fn plan(&self, experiment: Value) -> Result<(Plan, Prepared), PrepareError> {
        let (session, file) = self.session(&experiment);
        let prepared = session.prepare(&file.to_string_lossy()).await?;
        let factory = ProviderFactory::new(
            shared_sandbox(),
            Arc::new(self.permissions_or_none()),
            Limits::default(),
            self.dir.path().to_path_buf(),
            true,
        );
        let plan =
            Plan::new(prepared.experiment.clone(), &factory).await.with_env_requests(prepared.env_requests.clone());
        Ok((plan, prepared))
    }

    /// Writes `experiment` as `experiment.json` in the scratch directory and
    /// runs it as `chaos run` does.
    ///
    /// # Errors
    /// As [`Session::prepare`] and [`Session::run`].
    ///
    /// # Panics
    /// When the experiment cannot be written or the sandbox cannot start.
    pub async fn run(&self, experiment: Value) -> Result<Journal, SessionError> {
        let (session, file) = self.session(&experiment);
        let prepared = session.prepare(&file.to_string_lossy()).await?;
        Ok(session.run(prepared).await?.journal)
    }

    fn permissions_or_none(&self) -> Permissions {
        self.permissions.clone().unwrap_or_else(|| Permissions::deny_all(self.dir.path()))
    }

    /// Writes the experiment file and builds the session that runs it.
    fn session(&self, experiment: &Value) -> (Session, PathBuf) {
        let file = self.path("experiment.json");
        std::fs::write(&file, serde_json::to_string_pretty(experiment).expect("JSON")).expect("the experiment");
        let session = Session::builder()
            .sandbox(shared_sandbox())
            .permissions(self.permissions_or_none())
            .base_dir(self.dir.path())
            .vars(self.vars.clone())
            .no_validation(self.no_validation)
            .rollback_strategy(self.rollback_strategy)
            .hypothesis_strategy(self.hypothesis_strategy)
            .run_options(self.options.clone())
            .build()
            .expect("the session starts");
        (session, file)
    }
}

/// The sandbox every environment of this process uses, with the built-ins
/// and a compiled-component cache under the system's temporary directory.
fn shared_sandbox() -> Arc<Sandbox> {
    static SANDBOX: OnceLock<Arc<Sandbox>> = OnceLock::new();
    SANDBOX
        .get_or_init(|| {
            let cache = std::env::temp_dir().join("chaos-test-env-component-cache");
            let mut builder = SandboxBuilder::new();
            builder.cache_dir(cache).builtins(chaos_runtime::EmbeddedBuiltins);
            builder.build().expect("the sandbox starts")
        })
        .clone()
}
