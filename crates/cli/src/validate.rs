//! `chaos validate SOURCE`.

use crate::{Context, ValidateArgs};
use chaos_core::vars::Vars;
use chaos_runtime::prepare::{PrepareOptions, prepare};
use std::process::ExitCode;

/// Validates the experiment, its components and its arguments; exit 0 when valid.
pub async fn validate(args: ValidateArgs, vars: Vars, ctx: &Context) -> ExitCode {
    let sandbox = match ctx.sandbox() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let options =
        PrepareOptions { vars, no_validation: false, verify_tls: !args.no_verify_tls, settings: ctx.settings.clone() };
    match prepare(&args.source, &options, &sandbox).await {
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
