//! Everything before a run: load the file, validate the document, evaluate
//! the configuration, load the components and check each activity's `func`
//! and arguments. `chaos validate` stops here; `chaos run` goes on.

use crate::configuration;
use crate::experiment::{self, Experiment, LoadError};
use crate::sandbox::Sandbox;
use crate::substitution::Mapping;
use crate::validation::{self, ValidationError};
use std::path::Path;

/// A validated experiment with its configuration values.
#[derive(Debug)]
pub struct Prepared {
    /// The experiment.
    pub experiment: Experiment,
    /// Configuration values for substitution.
    pub mapping: Mapping,
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

/// Loads and validates the experiment at `path` (`overrides` are `--var` values).
///
/// # Errors
/// [`PrepareError`]: one line naming the activity (where there is one) and the cause.
pub async fn prepare(path: &Path, overrides: &Mapping, sandbox: &Sandbox) -> Result<Prepared, PrepareError> {
    let source = experiment::load(path)?;
    tracing::info!("Validating the experiment's syntax");
    let experiment = validation::validate(&source.document, &source.base_dir, overrides)?;
    let mapping = configuration::load(&experiment.configuration, overrides).map_err(ValidationError::new)?;
    validation::check_components(&experiment, sandbox, &mapping).await?;
    tracing::info!("Experiment looks valid");
    Ok(Prepared { experiment, mapping })
}
