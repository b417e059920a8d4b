//! `chaos validate FILE`.

use super::ValidateArgs;
use crate::prepare::prepare;
use crate::sandbox::Sandbox;
use std::process::ExitCode;

/// Validates the experiment, its components and its arguments; exit 0 when valid.
pub async fn validate(args: ValidateArgs) -> ExitCode {
    let sandbox = match Sandbox::new(Sandbox::default_cache_dir()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot start the sandbox: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    match prepare(&args.experiment, &Default::default(), &sandbox).await {
        Ok(_) => {
            tracing::info!("experiment syntax and semantic look valid");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
