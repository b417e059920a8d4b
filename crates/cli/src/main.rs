//! The `chaos` binary, in two stages (as ripgrep's): [`args`] defines the
//! command line, [`resolve`] turns it, the settings and the environment into
//! the values the [`commands`] use. Commands return `anyhow::Result<ExitCode>`;
//! [`main`] prints an error once and maps it to its exit code: 0 for a clean
//! run, 1 for any other outcome or error, 2 for a [`UsageError`].

mod args;
mod commands;
mod logging;
mod prompt;
mod replace;
mod resolve;

use anyhow::Context as _;
use args::{Cli, Command};
use clap::{CommandFactory, FromArgMatches};
use resolve::{GivenFlags, UsageError};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // The sandbox compiles component files in a child: this program, run
    // again with this first argument (see `commands::sandbox`).
    if std::env::args_os().nth(1).is_some_and(|a| a == chaos_sandbox::COMPILE_CHILD_ARG) {
        return chaos_sandbox::serve_compile_child();
    }
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match run(cli, &GivenFlags::of(&matches)) {
        Ok(code) => code,
        Err(error) => exit_code(&error),
    }
}

/// Initializes logging, resolves the command line and runs the command.
fn run(cli: Cli, given: &GivenFlags) -> anyhow::Result<ExitCode> {
    let log_file = cli.log_file.as_ref().map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()));
    logging::init(cli.verbose, cli.log_format, log_file.as_deref())?;
    let ctx = resolve::context(&cli)?;
    match cli.command {
        Command::Run(args) => {
            let resolved = resolve::run(&args, &ctx, given)?;
            block_on(commands::run::execute(*args, resolved))
        }
        Command::Validate(args) => {
            let vars = args.vars.collect()?;
            block_on(commands::validate::validate(args, vars, &ctx))
        }
        Command::Grants(args) => {
            let vars = args.vars.collect()?;
            let base_dir = std::env::current_dir().context("cannot read the current directory")?;
            let grants = resolve::grants(&args.grants, &args.limits, given, &ctx, &base_dir)?;
            block_on(commands::grants::grants(*args, vars, grants, &ctx, base_dir))
        }
        Command::Discover(args) => block_on(commands::discover::discover(args)),
        Command::Info(args) => block_on(commands::info::info(args, &ctx)),
        Command::Init(args) => commands::init::init(args),
        Command::Settings(args) => commands::settings::settings(args, &ctx),
    }
}

/// How long the end of a command waits for blocking work still running.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// Runs `command` on a fresh async runtime, then shuts the runtime down
/// waiting at most [`SHUTDOWN_GRACE`] for its blocking threads. A thread a
/// guest left blocked in the host (opening a FIFO in a granted directory,
/// after its call timed out or was interrupted) never finishes; dropping
/// the runtime would wait for it forever, and a signal could not end the
/// process since the runtime's handlers consume them. The command has
/// finished by then (its journal written), so nothing is lost.
fn block_on<T>(command: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    let runtime = async_runtime()?;
    let outcome = runtime.block_on(command);
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    outcome
}

/// Scheduler ticks between two checks of the timers and I/O by a busy
/// worker. Tokio's default (61) lets a worker whose tasks are wasm guests
/// spinning in 10 ms slices (they yield at every epoch tick) leave expired
/// timers unseen for over half a second, so a sleeping activity or the
/// continuous hypothesis would wake that late. Checking at every tick costs
/// one non-blocking poll of the driver per task switch.
const EVENT_INTERVAL: u32 = 1;

fn async_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .event_interval(EVENT_INTERVAL)
        .build()
        .context("cannot start the async runtime")
}

/// Prints `error` once, with its causes, each line of it as a log line (on
/// stderr when logging could not start), and returns its exit code: 2 for a
/// [`UsageError`], 1 otherwise.
fn exit_code(error: &anyhow::Error) -> ExitCode {
    let message = format!("{error:#}");
    if tracing::dispatcher::has_been_set() {
        for line in message.lines() {
            tracing::error!("{line}");
        }
    } else {
        eprintln!("{message}");
    }
    if error.is::<UsageError>() { ExitCode::from(2) } else { ExitCode::FAILURE }
}
