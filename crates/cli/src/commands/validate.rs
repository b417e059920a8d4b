//! `chaos validate SOURCE`.

use crate::args::ValidateArgs;
use crate::resolve::Context;
use chaos_core::vars::Vars;
use chaos_runtime::prepare::{PrepareOptions, prepare};
use std::process::ExitCode;

/// Validates the experiment, its components and its arguments; exit 0 when valid.
///
/// # Errors
/// The first problem found.
pub async fn validate(args: ValidateArgs, vars: Vars, ctx: &Context) -> anyhow::Result<ExitCode> {
    let compile = args.compile.limits().map_err(crate::resolve::UsageError::from)?;
    let sandbox = super::sandbox(compile)?;
    let options = PrepareOptions {
        vars,
        no_validation: false,
        verify_tls: !args.tls.no_verify_tls,
        settings: ctx.settings.clone(),
        // Validation reads no host variable: env entries are checked for
        // their shape only.
        env_permissions: None,
        require_pinned: args.require_pinned,
    };
    prepare(&args.source, &options, &sandbox).await?;
    tracing::info!("experiment syntax and semantic look valid");
    Ok(ExitCode::SUCCESS)
}
