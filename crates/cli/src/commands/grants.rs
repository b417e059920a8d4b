//! `chaos grants SOURCE`: every capability the experiment asks for, and
//! whether the given flags and policy allow it, before anything runs.

use crate::args::GrantsArgs;
use crate::resolve::{Context, ResolvedGrants};
use anyhow::Context as _;
use chaos_core::vars::Vars;
use chaos_runtime::Session;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// The exit status of `chaos grants` when a request is missing or denied.
pub const NOT_ALL_ALLOWED: u8 = 1;

/// Prints the grants table on stdout (text, or JSON with `--json`) and, when
/// something is missing, the one line of flags that would allow it; exit 0
/// when everything is allowed, [`NOT_ALL_ALLOWED`] otherwise.
///
/// # Errors
/// An experiment that cannot be prepared, or stdout that cannot be written.
pub async fn grants(
    args: GrantsArgs,
    vars: Vars,
    resolved: ResolvedGrants,
    ctx: &Context,
    base_dir: PathBuf,
) -> anyhow::Result<ExitCode> {
    let session = Session::builder()
        .sandbox(super::sandbox(chaos_sandbox::CompileLimits::default())?)
        .permissions(resolved.consent.permissions())
        .limits(resolved.limits)
        .base_dir(base_dir)
        .vars(vars)
        .settings(ctx.settings.clone())
        .no_verify_tls(args.tls.no_verify_tls)
        .build()?;
    let prepared = session.prepare(&args.source).await?;
    let table = session.grants_table(&prepared, &resolved.consent).await;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&table)?).context("cannot write to stdout")?;
    } else {
        for line in table.lines() {
            writeln!(out, "{line}").context("cannot write to stdout")?;
        }
        if let Some(flags) = table.rerun_flags() {
            writeln!(out, "rerun with: {flags}").context("cannot write to stdout")?;
        }
    }
    Ok(if table.all_allowed() { ExitCode::SUCCESS } else { ExitCode::from(NOT_ALL_ALLOWED) })
}
