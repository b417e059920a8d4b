//! Everything before a run: load the experiment (a file or an http(s) URL),
//! validate the document, evaluate configuration and secrets, load the
//! components and check each activity's `func` and arguments. `chaos
//! validate` stops here; `chaos run` goes on.
//!
//! An `{"type": "env"}` entry of the configuration or secrets is read only
//! when [`PrepareOptions::env_permissions`] allows its variable; otherwise
//! its key stays unresolved (placeholders naming it are left as written
//! while arguments are checked) and the run's plan refuses it, naming the
//! `--allow-env` flag to add ([`Prepared::env_requests`]). `chaos validate`
//! allows none: it checks the entries' shape, never a variable's value or
//! whether it is set.

use chaos_core::configuration;
use chaos_core::env_entries::{self, EnvRequest};
use chaos_core::experiment::{Experiment, LoadError};
use chaos_core::grants::{Capability, Permissions};
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
    /// The env entries of the configuration and secrets, each a request to
    /// read a host variable that the plan checks like an activity's grant.
    pub env_requests: Vec<EnvRequest>,
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
    /// What env entries may read: `None` (what `chaos validate` uses) reads
    /// no variable.
    pub env_permissions: Option<Permissions>,
    /// `--require-pinned`: refuse, before anything runs, an experiment with
    /// a component file that has no `sha256` pin.
    pub require_pinned: bool,
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
    if options.require_pinned {
        validation::require_pinned(&experiment)?;
    }
    let Prepared { experiment, mapping, secret_values, env_requests } = values(experiment, options)?;
    if options.no_validation {
        tracing::warn!("Skipping the component checks (--no-validation)");
    } else {
        // Dynamic configuration is computed at run start: leave its
        // placeholders as they are while checking arguments.
        // Env entries not read leave their keys out of the mapping: their
        // arguments are checked when the run reads them.
        let static_mapping = without_dynamic_keys(&experiment, &mapping);
        let withheld = withheld_keys(&experiment, &mapping);
        crate::components::check_components(&experiment, sandbox, &static_mapping, &withheld).await?;
    }
    tracing::info!("Experiment looks valid");
    Ok(Prepared { experiment, mapping, secret_values, env_requests })
}

/// Evaluates the configuration and secrets of `experiment`, reading only
/// the env entries `options.env_permissions` allows.
fn values(experiment: Experiment, options: &PrepareOptions) -> Result<Prepared, PrepareError> {
    let env_requests = env_entries::requests(
        &experiment.configuration,
        &options.vars.configuration,
        &experiment.secrets,
        &options.vars.secrets,
    );
    let readable =
        |var: &str| options.env_permissions.as_ref().is_some_and(|granted| granted.allows(Capability::Env, var));
    let declared = env_entries::withhold(&experiment.configuration, &options.vars.configuration, readable);
    let configuration =
        configuration::load(&declared, &options.vars.configuration, &options.vars.env).map_err(ValidationError::new)?;
    let declared = env_entries::withhold_secrets(&experiment.secrets, readable);
    let secrets = secrets::load(&declared, &options.vars.secrets, &options.vars.env).map_err(ValidationError::new)?;
    let mapping = secrets::mapping(&configuration, &secrets);
    Ok(Prepared { experiment, mapping, secret_values: secrets::values(&secrets), env_requests })
}

/// `prepared` with its configuration and secrets evaluated again under
/// `options` (after a prompt allowed more env entries): the experiment is
/// not loaded again, so what runs is what the operator saw.
///
/// # Errors
/// A configuration or secret that cannot be evaluated.
pub fn reevaluate(prepared: Prepared, options: &PrepareOptions) -> Result<Prepared, PrepareError> {
    values(prepared.experiment, options)
}

impl Prepared {
    /// The configuration without the keys dynamic configuration computes at
    /// run start: what is known before the run.
    pub fn static_mapping(&self) -> Mapping {
        without_dynamic_keys(&self.experiment, &self.mapping)
    }
}

/// The configuration and secret keys missing from `mapping`: env entries
/// whose variable was not read.
fn withheld_keys(experiment: &Experiment, mapping: &Mapping) -> Vec<String> {
    let secret_keys = experiment.secrets.values().filter_map(|scope| scope.as_object()).flat_map(|scope| scope.keys());
    experiment.configuration.keys().chain(secret_keys).filter(|key| !mapping.contains_key(*key)).cloned().collect()
}

fn without_dynamic_keys(experiment: &Experiment, mapping: &Mapping) -> Mapping {
    let mut known = mapping.clone();
    for (key, _) in &experiment.dynamic_configuration {
        known.remove(key);
    }
    known
}
