//! `chaos run SOURCE`.

use crate::args::RunArgs;
use crate::logging;
use crate::resolve::ResolvedRun;
use anyhow::Context as _;
use chaos_core::grants::MissingGrant;
use chaos_core::journal::RunStatus;
use chaos_runtime::prepare::{PrepareOptions, prepare};
use chaos_runtime::providers::Providers;
use chaos_runtime::runner::{Interrupt, RunOptions, Runner, resolve_strategies};
use std::fmt;
use std::process::ExitCode;
use std::sync::Arc;

/// The experiment asks for grants the operator did not allow: nothing runs.
#[derive(Debug, thiserror::Error)]
pub struct RefusedGrants(pub Vec<MissingGrant>);

impl fmt::Display for RefusedGrants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Refusing to run: the experiment asks for {} grant(s) that were not allowed:", self.0.len())?;
        self.0.iter().try_for_each(|m| write!(f, "\n  {m}"))
    }
}

/// Loads, validates, checks grants, runs, writes the journal; exit 0 only
/// for a completed run that did not deviate.
///
/// # Errors
/// An experiment that cannot be prepared, an unknown strategy in the
/// settings or the experiment, grants that were not allowed, or a journal
/// that cannot be written.
pub async fn execute(args: RunArgs, resolved: ResolvedRun) -> anyhow::Result<ExitCode> {
    let sandbox = super::sandbox()?;
    let options = PrepareOptions {
        vars: resolved.vars.clone(),
        skip_component_checks: args.no_validation,
        verify_tls: !args.tls.no_verify_tls,
        settings: resolved.settings.clone(),
    };
    let prepared = prepare(&args.source, &options, &sandbox).await?;
    let secrets = if args.show_secrets { Vec::new() } else { prepared.secret_values.clone() };
    logging::mask(secrets.clone());

    let runtime = prepared.experiment.document.get("runtime");
    let (rollback_strategy, hypothesis_strategy) =
        resolve_strategies(&resolved.settings, runtime, args.rollback_strategy, resolved.hypothesis_strategy)?;

    let permissions = Arc::new(resolved.permissions);
    let requested = prepared.experiment.requested_grants(&prepared.mapping);
    let missing = permissions.missing(requested.iter().map(|(name, g)| (name.as_str(), g)));
    if !missing.is_empty() {
        return Err(RefusedGrants(missing).into());
    }

    let interrupt = Interrupt::default();
    listen_for_signals(interrupt.clone());
    let providers = Providers::new(sandbox, permissions, resolved.limits, resolved.base_dir)
        .with_tls_verification(!args.tls.no_verify_tls)
        .with_host_env(resolved.vars.env);
    let runner = Runner::new(
        providers,
        RunOptions {
            rollback_strategy,
            hypothesis_strategy,
            hypothesis_frequency: resolved.hypothesis_frequency,
            fail_fast: args.fail_fast,
            dry: args.dry,
            strict: args.strict,
        },
    );
    let mapping = runner.configure(&prepared.experiment, &prepared.mapping).await;
    let journal = runner.run(&prepared.experiment, &mapping, &interrupt).await;

    journal
        .write(&args.journal_path, &secrets)
        .with_context(|| format!("cannot write the journal to {}", args.journal_path.display()))?;
    tracing::info!("Journal written to {}", args.journal_path.display());
    Ok(if journal.status == RunStatus::Completed && !journal.deviated { ExitCode::SUCCESS } else { ExitCode::FAILURE })
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
