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
    /// `--no-validation`: validate leniently ([`validation::Mode::Lenient`])
    /// and skip the component stage.
    pub no_validation: bool,
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
    let mode = if options.no_validation { validation::Mode::Lenient } else { validation::Mode::Strict };
    let experiment = validation::validate_with(&loaded.document, &loaded.base_dir, &options.vars, mode)?;
    let configuration = configuration::load(&experiment.configuration, &options.vars.configuration, &options.vars.env)
        .map_err(ValidationError::new)?;
    let secrets =
        secrets::load(&experiment.secrets, &options.vars.secrets, &options.vars.env).map_err(ValidationError::new)?;
    let mapping = secrets::mapping(&configuration, &secrets);
    if options.no_validation {
        tracing::warn!("Skipping the component checks (--no-validation)");
    } else {
        // Dynamic configuration is computed at run start: leave its
        // placeholders as they are while checking arguments.
        let static_mapping = without_dynamic_keys(&experiment, &mapping);
        crate::components::check_components(&experiment, sandbox, &static_mapping).await?;
    }
    tracing::info!("Experiment looks valid");
    Ok(Prepared { experiment, mapping, secret_values: secrets::values(&secrets) })
}

impl Prepared {
    /// The configuration without the keys dynamic configuration computes at
    /// run start: what is known before the run.
    pub fn static_mapping(&self) -> Mapping {
        without_dynamic_keys(&self.experiment, &self.mapping)
    }
}

fn without_dynamic_keys(experiment: &Experiment, mapping: &Mapping) -> Mapping {
    let mut known = mapping.clone();
    for (key, _) in &experiment.dynamic_configuration {
        known.remove(key);
    }
    known
}
