//! `chaos run SOURCE`.

use crate::{Context, RunArgs, logging};
use chaos_core::vars::{self, Vars};
use chaos_runtime::Session;
use chaos_runtime::runner::{HypothesisStrategy, Interrupt, RunOptions};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Collects `--var` and `--var-file` values and applies `.env` files to the
/// process environment. Call before any thread starts.
///
/// # Errors
/// Exit code 2 (a usage error) with the message logged.
pub fn collect_vars(vars: &[String], files: &[PathBuf]) -> Result<Vars, ExitCode> {
    let collected = vars::collect(vars, files).map_err(|e| {
        tracing::error!("{e}");
        ExitCode::from(2)
    })?;
    for (key, value) in &collected.env {
        // SAFETY: called from `cli::main` before the async runtime or any
        // other thread exists.
        unsafe { std::env::set_var(key, value) };
    }
    Ok(collected)
}

/// Loads, validates, checks grants, runs, writes the journal; exit 0 only
/// for a completed run that did not deviate.
pub async fn run(args: RunArgs, vars: Vars, ctx: &Context) -> ExitCode {
    let limits = match args.limits.limits() {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(2);
        }
    };
    if !(args.hypothesis_frequency >= 0.0 && args.hypothesis_frequency.is_finite()) {
        tracing::error!("--hypothesis-frequency must be a number of seconds");
        return ExitCode::from(2);
    }
    let hypothesis_strategy = match args.hypothesis_strategy.as_deref().map(HypothesisStrategy::parse).transpose() {
        Ok(parsed) => parsed.map(|(strategy, deprecated)| {
            if deprecated {
                tracing::warn!("The 'continously' hypothesis strategy is deprecated: spell it 'continuously'");
            }
            strategy
        }),
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match ctx.sandbox() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let session = Session::builder()
        .sandbox(sandbox)
        .permissions(args.grants.permissions(&cwd))
        .limits(limits)
        .base_dir(cwd)
        .vars(vars)
        .settings(ctx.settings.clone())
        .no_validation(args.no_validation)
        .no_verify_tls(args.no_verify_tls)
        .rollback_strategy(args.rollback_strategy)
        .hypothesis_strategy(hypothesis_strategy)
        .run_options(RunOptions {
            hypothesis_frequency: Duration::from_secs_f64(args.hypothesis_frequency),
            fail_fast: args.fail_fast,
            dry: args.dry,
            strict: args.strict,
            ..RunOptions::default()
        })
        .build();
    let session = match session {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot start the sandbox: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let prepared = match session.prepare(&args.source).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let secrets = if args.show_secrets { Vec::new() } else { prepared.secret_values.clone() };
    logging::mask(secrets.clone());
    listen_for_signals(session.interrupt().clone());
    let outcome = match session.run(prepared).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = outcome.journal.write(&args.journal_path, &secrets) {
        tracing::error!("cannot write the journal to {}: {e}", args.journal_path.display());
        return ExitCode::FAILURE;
    }
    tracing::info!("Journal written to {}", args.journal_path.display());
    if outcome.succeeded() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
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
