//! Everything before a run: load the experiment (a file or an http(s) URL),
//! validate the document, evaluate configuration and secrets, load the
//! components and check each activity's `func` and arguments. `chaos
//! validate` stops here; `chaos run` goes on.

use chaos_core::configuration;
use chaos_core::experiment::{Experiment, LoadError};
use chaos_core::secrets;
use chaos_core::settings::Settings;
use chaos_core::substitution::Mapping;
use chaos_core::validation::{self, ValidationError};
use chaos_core::vars::Vars;
use chaos_sandbox::Sandbox;

/// A validated experiment with its substitution values.
#[derive(Debug)]
pub struct Prepared {
    /// The experiment.
    pub experiment: Experiment,
    /// Configuration then secrets, for substitution.
    pub mapping: Mapping,
    /// Secret values, to mask in journals and logs.
    pub secret_values: Vec<String>,
}

/// How to prepare.
#[derive(Debug, Clone, Default)]
pub struct PrepareOptions {
    /// `--var` / `--var-file` values.
    pub vars: Vars,
    /// Skip the component stage (`--no-validation`).
    pub skip_component_checks: bool,
    /// Verify TLS certificates when loading from a URL.
    pub verify_tls: bool,
    /// Settings (auths for URL loading).
    pub settings: Settings,
}

/// Why an experiment cannot run.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// The file could not be loaded or parsed.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The experiment is invalid.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

/// Loads and validates the experiment at `source` (a path or an http(s) URL).
///
/// # Errors
/// [`PrepareError`]: one line naming the activity (where there is one) and the cause.
pub async fn prepare(source: &str, options: &PrepareOptions, sandbox: &Sandbox) -> Result<Prepared, PrepareError> {
    let loaded = crate::load_source(source, options.verify_tls, &options.settings, &options.vars.env).await?;
    tracing::info!("Validating the experiment's syntax");
    let experiment = validation::validate(&loaded.document, &loaded.base_dir, &options.vars)?;
    let configuration = configuration::load(&experiment.configuration, &options.vars.configuration, &options.vars.env)
        .map_err(ValidationError::new)?;
    let secrets =
        secrets::load(&experiment.secrets, &options.vars.secrets, &options.vars.env).map_err(ValidationError::new)?;
    let mapping = secrets::mapping(&configuration, &secrets);
    if options.skip_component_checks {
        tracing::warn!("Skipping the component checks (--no-validation)");
    } else {
        // Dynamic configuration is computed at run start: leave its
        // placeholders as they are while checking arguments.
        let mut static_mapping = mapping.clone();
        for (key, _) in &experiment.dynamic_configuration {
            static_mapping.remove(key);
        }
        crate::components::check_components(&experiment, sandbox, &static_mapping).await?;
    }
    tracing::info!("Experiment looks valid");
    Ok(Prepared { experiment, mapping, secret_values: secrets::values(&secrets) })
}
