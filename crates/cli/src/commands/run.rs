//! `chaos run SOURCE`.

use crate::args::RunArgs;
use crate::logging;
use crate::prompt::TerminalPrompter;
use crate::resolve::ResolvedRun;
use anyhow::Context as _;
use chaos_runtime::Session;
use chaos_runtime::runner::{Interrupt, RunOptions};
use std::process::ExitCode;

/// Loads, validates, logs the grants table, asks about missing grants in
/// a terminal (unless `--no-prompt`), checks grants, runs, writes the
/// journal; exit 0 only for a completed run that did not deviate.
///
/// # Errors
/// An experiment that cannot be prepared, an unknown strategy in the
/// settings or the experiment, grants that were not allowed, or a journal
/// that cannot be written.
pub async fn execute(args: RunArgs, resolved: ResolvedRun) -> anyhow::Result<ExitCode> {
    let mut consent = resolved.consent;
    let mut session = Session::builder()
        .sandbox(super::run_sandbox(resolved.limits, resolved.total_memory, resolved.compile)?)
        .permissions(consent.permissions())
        .limits(resolved.limits)
        .base_dir(resolved.base_dir)
        .vars(resolved.vars)
        .settings(resolved.settings)
        .no_validation(args.no_validation)
        .require_pinned(args.require_pinned)
        .no_verify_tls(args.tls.no_verify_tls)
        .rollback_strategy(args.rollback_strategy)
        .hypothesis_strategy(resolved.hypothesis_strategy)
        .run_options(RunOptions {
            hypothesis_frequency: resolved.hypothesis_frequency,
            fail_fast: args.fail_fast,
            dry: args.dry,
            strict: args.strict,
            ..RunOptions::default()
        })
        .build()?;
    let mut prepared = session.prepare(&args.source).await?;
    let table = session.grants_table(&prepared, &consent).await;
    for line in table.lines() {
        tracing::info!("{line}");
    }
    let prompter = if args.no_prompt { None } else { TerminalPrompter::if_terminal() };
    if let Some(mut prompter) = prompter.filter(|_| !table.missing().is_empty())
        && chaos_core::grants::ask_missing(&table, &mut consent, &mut prompter) > 0
    {
        session = session.with_permissions(consent.permissions());
        prepared = session.reevaluate(prepared)?;
    }
    let secrets = if args.show_secrets { Vec::new() } else { prepared.secret_values.clone() };
    logging::mask(secrets.clone());
    listen_for_signals(session.interrupt().clone());
    let outcome = session.run(prepared).await?;
    outcome
        .journal
        .write(&args.journal_path, &secrets)
        .with_context(|| format!("cannot write the journal to {}", args.journal_path.display()))?;
    tracing::info!("Journal written to {}", args.journal_path.display());
    Ok(if outcome.succeeded() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// SIGINT and SIGTERM interrupt the run (rollbacks then play per strategy
/// and the journal is written; a second signal stops the rollbacks).
/// SIGUSR1 interrupts gracefully the same way; SIGUSR2 interrupts and
/// disables rollbacks.
fn listen_for_signals(interrupt: Interrupt) {
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let kinds = [
            SignalKind::interrupt(),
            SignalKind::terminate(),
            SignalKind::user_defined1(),
            SignalKind::user_defined2(),
        ];
        let Ok(mut streams) = kinds.iter().map(|k| signal(*k)).collect::<Result<Vec<_>, _>>() else {
            tracing::warn!("cannot listen for signals: Ctrl-C will end the run without a journal");
            return;
        };
        let [int, term, usr1, usr2] = streams.as_mut_slice() else { return };
        loop {
            tokio::select! {
                _ = int.recv() => {
                    tracing::warn!("Received a termination signal (Ctrl-C)...");
                    interrupt.trigger();
                }
                _ = term.recv() => {
                    tracing::error!("SIGTERM signal received");
                    interrupt.trigger();
                }
                _ = usr1.recv() => {
                    tracing::warn!("Received the exit signal: 20");
                    interrupt.trigger();
                }
                _ = usr2.recv() => {
                    tracing::warn!("Received the exit signal: 30");
                    interrupt.trigger_without_rollbacks();
                }
            }
        }
    });
}
