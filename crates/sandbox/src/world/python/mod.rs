//! The `python-runner` world (`wit/python.wit`): the built-in Python runner
//! (`builtin:python`, CPython built into a component by componentize-py)
//! that runs Chaos Toolkit `python` providers.
//!
//! It is hosted exactly like an activity component: the same linker (so the
//! same WASI imports, denied unless granted), the same per-call store, grants,
//! limits, output capture and denial log. Only the export differs: one typed
//! `call` instead of `describe`/`run`.

mod bindings;
mod call;

use crate::error::LoadError;
use crate::options::CallOptions;
use crate::outcome::CallOutcome;
use crate::sandbox::Sandbox;
use crate::store::HostState;
use bindings::PythonRunnerPre;
use chaos_core::experiment::ComponentRef;
use serde_json::Value;

/// The name of the runner among the built-ins: `builtin:python`.
pub const PYTHON_RUNNER: &str = "python";

/// One call of a Chaos Toolkit `python` provider.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonCall<'a> {
    /// The dotted module name (`os.path`).
    pub module: &'a str,
    /// The module-level function (`exists`).
    pub func: &'a str,
    /// The keyword arguments (a JSON object).
    pub arguments: &'a Value,
    /// Passed as `configuration=` when the function declares that parameter.
    pub configuration: Option<&'a Value>,
    /// Passed as `secrets=` when the function declares that parameter.
    pub secrets: Option<&'a Value>,
    /// A directory, as the guest sees it (so under a granted directory),
    /// searched first for `module`: the experiment's own modules.
    pub search_path: Option<&'a str>,
}

/// The Python runner, compiled and ready to instantiate once per call.
pub struct PythonRunner {
    pre: PythonRunnerPre<HostState>,
}

impl std::fmt::Debug for PythonRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PythonRunner")
    }
}

impl Sandbox {
    /// The Python runner (`builtin:python`), compiled (or taken from the
    /// artifact cache: see [`Sandbox::compile`]) and linked. Compiling it
    /// the first time takes seconds (it embeds CPython); later runs load it
    /// from the cache.
    ///
    /// # Errors
    /// What [`Sandbox::compile`] returns, or [`LoadError::NotActivity`] when
    /// the component does not fit the `python-runner` world.
    pub async fn python_runner(&self) -> Result<PythonRunner, LoadError> {
        let source = ComponentRef::Builtin(PYTHON_RUNNER.to_string());
        let component = self.compile(&source).await?;
        let misfit = |reason: String| LoadError::NotActivity { component: source.clone(), reason };
        let instance_pre = self
            .activity_linker
            .instantiate_pre(&component)
            .map_err(|e| misfit(format!("it imports something the sandbox does not provide: {e:#}")))?;
        let pre = PythonRunnerPre::new(instance_pre)
            .map_err(|e| misfit(format!("it does not export the chaos:activity/python interface: {e:#}")))?;
        Ok(PythonRunner { pre })
    }

    /// Runs `request` in `runner` under `options`' grants and limits, with
    /// every denial recorded meanwhile (as [`Sandbox::call_audited`] does
    /// for activity components).
    pub async fn call_python(
        &self,
        runner: &PythonRunner,
        request: &PythonCall<'_>,
        options: &CallOptions,
    ) -> CallOutcome {
        if let Err(error) = self.fits_a_slot(options) {
            return CallOutcome { result: Err(error), denials: Default::default() };
        }
        call::call(self, &runner.pre, request, options).await
    }
}
