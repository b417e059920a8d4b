//! `chaos run SOURCE`.

use crate::{Context, RunArgs, logging};
use chaos_core::journal::RunStatus;
use chaos_core::vars::{self, Vars};
use chaos_runtime::prepare::{PrepareOptions, prepare};
use chaos_runtime::providers::Providers;
use chaos_runtime::runner::{Interrupt, RunOptions, Runner, resolve_strategies};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
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
    let sandbox = match ctx.sandbox() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let options = PrepareOptions {
        vars,
        no_validation: args.no_validation,
        verify_tls: !args.no_verify_tls,
        settings: ctx.settings.clone(),
    };
    let prepared = match prepare(&args.source, &options, &sandbox).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let secrets = if args.show_secrets { Vec::new() } else { prepared.secret_values.clone() };
    logging::mask(secrets.clone());

    let runtime = prepared.experiment.document.get("runtime");
    let (rollback_strategy, hypothesis_strategy) =
        match resolve_strategies(&ctx.settings, runtime, args.rollback_strategy, args.hypothesis_strategy.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("{e}");
                return if args.hypothesis_strategy.is_some() { ExitCode::from(2) } else { ExitCode::FAILURE };
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
    let providers = Providers::new(sandbox, permissions, limits, cwd).with_tls_verification(!args.no_verify_tls);
    let runner = Runner::new(
        providers,
        RunOptions {
            rollback_strategy,
            hypothesis_strategy,
            hypothesis_frequency: Duration::from_secs_f64(args.hypothesis_frequency),
            fail_fast: args.fail_fast,
            dry: args.dry,
            strict: args.strict,
        },
    );
    let mapping = runner.configure(&prepared.experiment, &prepared.mapping).await;
    let journal = runner.run(&prepared.experiment, &mapping, &interrupt).await;

    if let Err(e) = journal.write(&args.journal_path, &secrets) {
        tracing::error!("cannot write the journal to {}: {e}", args.journal_path.display());
        return ExitCode::FAILURE;
    }
    tracing::info!("Journal written to {}", args.journal_path.display());
    if journal.status == RunStatus::Completed && !journal.deviated { ExitCode::SUCCESS } else { ExitCode::FAILURE }
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
