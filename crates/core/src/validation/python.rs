//! Validation of `python` providers: Chaos Toolkit's field checks, and the
//! module check of this engine. Python functions run in the sandboxed
//! CPython of the built-in runner (`activities/python`), which bundles only
//! the curated standard-library set [`PYTHON_MODULES`], plus the
//! experiment's own modules: `NAME.py` (or a package `NAME/__init__.py`)
//! in the experiment's directory, imported from source at run time. Any
//! other module is refused here, before anything runs, naming the module
//! (and saying so when it is a Chaos Toolkit extension such as `chaosk8s`).

use crate::experiment::{Activity, Experiment, Provider, PythonProvider};
use crate::tolerance::Tolerance;
use serde_json::{Map, Value};
use std::path::Path;

/// The modules a `python` provider may name: the curated standard-library
/// set the runner imports when it is built (`activities/python/app.py`).
pub const PYTHON_MODULES: &[&str] = &[
    "datetime",
    "json",
    "math",
    "os",
    "os.path",
    "pathlib",
    "random",
    "re",
    "shutil",
    "socket",
    "statistics",
    "subprocess",
    "time",
    "urllib.parse",
    "urllib.request",
];

/// Why a python provider is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PythonProviderError {
    /// No `module`.
    #[error("a Python activity must have a module path")]
    NoModule,
    /// No `func`.
    #[error("a Python activity must have a function name")]
    NoFunction,
    /// `arguments` is not a mapping.
    #[error("a Python activity expects arguments as a mapping")]
    Arguments,
    /// `secrets` is not a list of scope names.
    #[error("a Python activity expects secrets as a list of secret scope names")]
    Secrets,
    /// A `grants` block (python providers receive the operator's allowances).
    #[error(
        "a Python activity takes no grants: it receives what the operator allows for the run (--allow-read, \
         --allow-write, --allow-net, --allow-env)"
    )]
    Grants,
    /// A Chaos Toolkit extension module.
    #[error(
        "Python module '{0}' is a Chaos Toolkit extension, which is not available here: python activities run \
         in a sandboxed CPython that provides only these standard-library modules: {list}",
        list = PYTHON_MODULES.join(", ")
    )]
    Extension(String),
    /// Any other module the runner does not bundle.
    #[error(
        "Python module '{0}' is not available in the sandboxed CPython, which provides only these standard-library \
         modules and the experiment's own (a NAME.py next to it): {list}",
        list = PYTHON_MODULES.join(", ")
    )]
    Unavailable(String),
}

/// Validates a `python` provider's fields and module, for an experiment in
/// `base_dir`.
///
/// # Errors
/// A [`PythonProviderError`] (its message completes "activity 'x': ").
pub fn provider(provider: &Value, base_dir: &Path) -> Result<PythonProvider, PythonProviderError> {
    let text = |key: &str| provider.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let module = text("module").ok_or(PythonProviderError::NoModule)?;
    let func = text("func").ok_or(PythonProviderError::NoFunction)?;
    if provider.get("grants").is_some() {
        return Err(PythonProviderError::Grants);
    }
    let local = check_module(module, base_dir)?;
    let arguments = match provider.get("arguments") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(PythonProviderError::Arguments),
    };
    let secrets = match provider.get("secrets") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|s| s.as_str().map(String::from))
                .collect::<Option<Vec<_>>>()
                .ok_or(PythonProviderError::Secrets)?,
        ),
        Some(_) => return Err(PythonProviderError::Secrets),
    };
    Ok(PythonProvider {
        module: module.to_string(),
        func: func.to_string(),
        arguments,
        timeout: None,
        secrets,
        configuration_keys: Vec::new(),
        secret_keys: Vec::new(),
        search_dir: local.then(|| base_dir.to_path_buf()),
    })
}

/// Whether `module` is one of the experiment's own (in `base_dir`); refuses
/// a module that is neither that nor bundled.
fn check_module(module: &str, base_dir: &Path) -> Result<bool, PythonProviderError> {
    if PYTHON_MODULES.contains(&module) {
        return Ok(false);
    }
    let root = module.split('.').next().unwrap_or(module);
    let is_identifier = !root.is_empty() && root.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if is_identifier
        && (base_dir.join(format!("{root}.py")).is_file() || base_dir.join(root).join("__init__.py").is_file())
    {
        return Ok(true);
    }
    if root.starts_with("chaos") {
        return Err(PythonProviderError::Extension(module.to_string()));
    }
    Err(PythonProviderError::Unavailable(module.to_string()))
}

/// Gives every python provider of `experiment` the configuration keys and
/// the keys of its secret scopes, so that the runtime can build the
/// `configuration=` and `secrets=` arguments from the run's values.
pub fn bind_keys(experiment: &mut Experiment) {
    let configuration: Vec<String> = experiment.configuration.keys().cloned().collect();
    let scopes = experiment.secrets.clone();
    let bind = |activity: &mut Activity| {
        if let Some(Tolerance::Probe(probe)) = &mut activity.tolerance {
            bind_one(probe, &configuration, &scopes);
        }
        bind_one(activity, &configuration, &scopes);
    };
    experiment.dynamic_configuration.iter_mut().for_each(|(_, a)| bind(a));
    if let Some(hypothesis) = &mut experiment.hypothesis {
        hypothesis.probes.iter_mut().for_each(&bind);
    }
    experiment.method.iter_mut().for_each(&bind);
    experiment.rollbacks.iter_mut().for_each(&bind);
}

fn bind_one(activity: &mut Activity, configuration: &[String], scopes: &Map<String, Value>) {
    let Provider::Python(python) = &mut activity.provider else { return };
    python.configuration_keys = configuration.to_vec();
    python.secret_keys = python
        .secrets
        .iter()
        .flatten()
        .filter_map(|scope| scopes.get(scope).and_then(Value::as_object))
        .flat_map(|scope| scope.keys().cloned())
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn provider_here(value: &Value) -> Result<PythonProvider, PythonProviderError> {
        provider(value, Path::new("/nonexistent"))
    }

    #[test]
    fn a_module_written_next_to_the_experiment_is_accepted_with_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("probes.py"), "def up():\n    return True\n").unwrap();
        let p = provider(&json!({"type": "python", "module": "probes", "func": "up"}), dir.path()).unwrap();
        assert_eq!(p.search_dir.as_deref(), Some(dir.path()));
        let e = provider(&json!({"type": "python", "module": "probez", "func": "up"}), dir.path()).unwrap_err();
        assert_eq!(e, PythonProviderError::Unavailable("probez".into()));
    }

    #[test]
    fn a_curated_standard_library_module_is_accepted() {
        let p = provider_here(
            &json!({"type": "python", "module": "os.path", "func": "exists", "arguments": {"path": "."}}),
        )
        .unwrap();
        assert_eq!((p.module.as_str(), p.func.as_str()), ("os.path", "exists"));
        assert_eq!(p.arguments, json!({"path": "."}));
    }

    #[test]
    fn a_chaos_toolkit_extension_is_refused_naming_it_as_an_extension() {
        let e = provider_here(&json!({"type": "python", "module": "chaosk8s.pod.actions", "func": "terminate_pods"}))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "Python module 'chaosk8s.pod.actions' is a Chaos Toolkit extension, which is not available here"
            ),
            "{e}"
        );
    }

    #[test]
    fn another_module_is_refused_naming_it_and_the_available_ones() {
        let e = provider_here(&json!({"type": "python", "module": "ctypes", "func": "CDLL"})).unwrap_err().to_string();
        assert!(e.starts_with("Python module 'ctypes' is not available in the sandboxed CPython"), "{e}");
        assert!(e.contains("os.path"), "{e}");
    }

    #[test]
    fn module_and_function_are_required_with_the_references_messages() {
        assert_eq!(provider_here(&json!({"type": "python", "func": "f"})).unwrap_err(), PythonProviderError::NoModule);
        assert_eq!(
            provider_here(&json!({"type": "python", "module": "os"})).unwrap_err(),
            PythonProviderError::NoFunction
        );
    }

    #[test]
    fn a_grants_block_is_refused() {
        let e = provider_here(&json!({"type": "python", "module": "os", "func": "rename", "grants": {"write": ["."]}}));
        assert_eq!(e.unwrap_err(), PythonProviderError::Grants);
    }
}
