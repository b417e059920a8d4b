//! `chaos run FILE`.

use super::RunArgs;
use crate::journal::RunStatus;
use crate::prepare::prepare;
use crate::providers::Providers;
use crate::runner::{Interrupt, RunOptions, Runner};
use crate::sandbox::Sandbox;
use std::process::ExitCode;
use std::sync::Arc;

/// Loads, validates, checks grants, runs, writes the journal; exit 0 only
/// for a completed run that did not deviate.
pub async fn run(args: RunArgs) -> ExitCode {
    let limits = match args.limits.limits() {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match Sandbox::new(Sandbox::default_cache_dir()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot start the sandbox: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let prepared = match prepare(&args.experiment, &Default::default(), &sandbox).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
    };

    let cwd = std::env::current_dir().unwrap_or_default();
    let permissions = Arc::new(args.grants.permissions(&cwd));
    let requested = prepared.experiment.requested_grants(&prepared.mapping);
    let missing = permissions.missing(requested.iter().map(|(name, g)| (name.as_str(), g)));
    if !missing.is_empty() {
        tracing::error!("Refusing to run: the experiment asks for {} grant(s) that were not allowed:", missing.len());
        for m in &missing {
            tracing::error!("  {m}");
        }
        return ExitCode::FAILURE;
    }

    let interrupt = Interrupt::default();
    listen_for_signals(interrupt.clone());
    let providers = Providers::new(sandbox, permissions, limits, cwd);
    let runner = Runner::new(providers, RunOptions { rollback_strategy: args.rollback_strategy });
    let journal = runner.run(&prepared.experiment, &prepared.mapping, &interrupt).await;

    if let Err(e) = journal.write(&args.journal_path) {
        tracing::error!("cannot write the journal to {}: {e}", args.journal_path.display());
        return ExitCode::FAILURE;
    }
    tracing::info!("Journal written to {}", args.journal_path.display());
    if journal.status == RunStatus::Completed && !journal.deviated { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// SIGINT and SIGTERM interrupt the run (rollbacks then play per strategy
/// and the journal is written); each signal counts.
fn listen_for_signals(interrupt: Interrupt) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
                return;
            };
            loop {
                tokio::select! {
                    _ = int.recv() => tracing::warn!("Received SIGINT: interrupting the run"),
                    _ = term.recv() => tracing::error!("SIGTERM signal received"),
                }
                interrupt.trigger();
            }
        }
        #[cfg(not(unix))]
        while tokio::signal::ctrl_c().await.is_ok() {
            interrupt.trigger();
        }
    });
}
