//! The `chaos` binary: argument definitions ([`Cli`]) and one module per
//! command. Commands parse, call the libraries (`chaos-core`,
//! `chaos-runtime`), report, and return an exit code; the work happens in
//! the libraries.

mod discover;
mod info;
mod init;
mod logging;
mod run;
mod settings;
mod validate;

use chaos_core::grants::{Allowance, Permissions};
use chaos_core::settings::Settings;
use chaos_runtime::runner::{Dry, RollbackStrategy};
use chaos_sandbox::{Limits, Sandbox};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Run Chaos Toolkit experiments whose probes and actions are sandboxed
/// WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "chaos", version, about, propagate_version = true)]
pub struct Cli {
    /// Log debug messages too.
    #[arg(long, global = true)]
    pub verbose: bool,
    /// Change to this directory before doing anything else.
    #[arg(long, global = true, value_name = "DIR")]
    pub change_dir: Option<PathBuf>,
    /// Also write the log (at debug level) to this file.
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// Log line format, on the console and in the log file.
    #[arg(long, global = true, value_enum, default_value = "string")]
    pub log_format: LogFormat,
    /// The settings file.
    #[arg(long, global = true, value_name = "PATH")]
    pub settings: Option<PathBuf>,
    /// Accepted for Chaos Toolkit compatibility: this engine never checks for new versions.
    #[arg(long, global = true)]
    pub no_version_check: bool,
    /// Accepted for Chaos Toolkit compatibility: no log file is written unless `--log-file` is given.
    #[arg(long, global = true)]
    pub no_log_file: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Log line formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// `[2026-11-24 15:36:24 INFO] message`.
    String,
    /// One JSON object per line.
    Json,
}

/// `chaos` commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an experiment and write its journal.
    Run(Box<RunArgs>),
    /// Check an experiment without running it.
    Validate(ValidateArgs),
    /// Describe the activities of a component in a discovery file.
    Discover(discover::DiscoverArgs),
    /// Build an experiment from a discovery file.
    Init(init::InitArgs),
    /// Show information about the engine, its components or the settings.
    Info(info::InfoArgs),
    /// Read and edit the settings file.
    Settings(settings::SettingsArgs),
}

/// `chaos run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The experiment: a .json, .yaml or .yml file, or an http(s) URL.
    pub source: String,
    /// Where to write the journal.
    #[arg(long, value_name = "PATH", default_value = "./journal.json")]
    pub journal_path: PathBuf,
    /// When to play rollbacks: default (unless failed or interrupted), always, never, deviated.
    #[arg(long, value_name = "STRATEGY")]
    pub rollback_strategy: Option<RollbackStrategy>,
    /// When to check the steady state: default, before-method-only,
    /// after-method-only, during-method-only, continuously.
    #[arg(long, value_name = "STRATEGY")]
    pub hypothesis_strategy: Option<String>,
    /// Seconds between steady-state checks during the method.
    #[arg(long, value_name = "SECS", default_value_t = 1.0)]
    pub hypothesis_frequency: f64,
    /// Stop the method at the first deviation seen during it.
    #[arg(long)]
    pub fail_fast: bool,
    /// Dry run: do not call probes, actions, any activity, or do not pause.
    #[arg(long, value_name = "MODE")]
    pub dry: Option<Dry>,
    /// Skip the component checks (the document must still be runnable).
    #[arg(long)]
    pub no_validation: bool,
    /// Do not verify TLS certificates (loading the experiment and http providers).
    #[arg(long)]
    pub no_verify_tls: bool,
    /// Fail the run when a method activity fails, a method probe misses its
    /// tolerance, or the steady state is not met before the method.
    #[arg(long)]
    pub strict: bool,
    /// Show secret values in the journal and the log instead of `***`.
    #[arg(long)]
    pub show_secrets: bool,
    /// Override a configuration value: `key[:type]=value` (types: str, int, float, bool, json, bytes).
    #[arg(long = "var", value_name = "KEY[:TYPE]=VALUE")]
    pub vars: Vec<String>,
    /// Load configuration and secrets from a JSON/YAML file, or environment variables from a .env file.
    #[arg(long = "var-file", value_name = "PATH")]
    pub var_files: Vec<PathBuf>,
    /// What the operator allows.
    #[command(flatten)]
    pub grants: GrantFlags,
    /// Default limits of each activity.
    #[command(flatten)]
    pub limits: LimitFlags,
}

/// `chaos validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The experiment: a .json, .yaml or .yml file, or an http(s) URL.
    pub source: String,
    /// Do not verify TLS certificates when loading the experiment.
    #[arg(long)]
    pub no_verify_tls: bool,
    /// Override a configuration value: `key[:type]=value`.
    #[arg(long = "var", value_name = "KEY[:TYPE]=VALUE")]
    pub vars: Vec<String>,
    /// Load configuration and secrets from a file.
    #[arg(long = "var-file", value_name = "PATH")]
    pub var_files: Vec<PathBuf>,
}

/// The operator's grants, Deno-style. Without a flag, nothing of that kind
/// is allowed; a flag without values allows everything of its kind.
#[derive(Debug, Args, Default)]
pub struct GrantFlags {
    /// Allow reading under these directories (comma-separated; all if empty).
    #[arg(long, value_name = "PATHS", num_args = 0.., require_equals = true, value_delimiter = ',')]
    pub allow_read: Option<Vec<String>>,
    /// Allow reading and writing under these directories.
    #[arg(long, value_name = "PATHS", num_args = 0.., require_equals = true, value_delimiter = ',')]
    pub allow_write: Option<Vec<String>>,
    /// Allow connecting to these hosts (`host:port`, or `host` for any port).
    #[arg(long, value_name = "HOSTS", num_args = 0.., require_equals = true, value_delimiter = ',')]
    pub allow_net: Option<Vec<String>>,
    /// Allow reading these environment variables.
    #[arg(long, value_name = "VARS", num_args = 0.., require_equals = true, value_delimiter = ',')]
    pub allow_env: Option<Vec<String>>,
    /// Allow running these programs (process providers run outside the sandbox).
    #[arg(long, value_name = "PROGRAMS", num_args = 0.., require_equals = true, value_delimiter = ',')]
    pub allow_run: Option<Vec<String>>,
    /// Allow everything the experiment asks for.
    #[arg(short = 'A', long)]
    pub allow_all: bool,
}

impl GrantFlags {
    /// The permissions these flags give, relative paths resolving against `base_dir`.
    pub fn permissions(&self, base_dir: &Path) -> Permissions {
        if self.allow_all {
            return Permissions::allow_all(base_dir);
        }
        Permissions {
            read: Allowance::from_flag(self.allow_read.as_deref()),
            write: Allowance::from_flag(self.allow_write.as_deref()),
            net: Allowance::from_flag(self.allow_net.as_deref()),
            env: Allowance::from_flag(self.allow_env.as_deref()),
            run: Allowance::from_flag(self.allow_run.as_deref()),
            base_dir: base_dir.to_path_buf(),
        }
    }
}

/// Default limits for each activity call; a provider's `timeout` overrides the time limit.
#[derive(Debug, Args)]
pub struct LimitFlags {
    /// Linear memory an activity may use, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = (Limits::DEFAULT_MEMORY >> 20) as u64)]
    pub memory_limit: u64,
    /// Seconds an activity may run.
    #[arg(long, value_name = "SECS", default_value_t = Limits::DEFAULT_TIMEOUT.as_secs_f64())]
    pub timeout: f64,
    /// Bytes of output an activity may return, in KiB.
    #[arg(long, value_name = "KIB", default_value_t = (Limits::DEFAULT_OUTPUT >> 10) as u64)]
    pub output_limit: u64,
}

impl LimitFlags {
    /// The limits these flags set.
    ///
    /// # Errors
    /// A time limit that is not a positive number.
    pub fn limits(&self) -> Result<Limits, String> {
        if !(self.timeout > 0.0 && self.timeout.is_finite()) {
            return Err(format!("--timeout must be a positive number of seconds, not {}", self.timeout));
        }
        Ok(Limits {
            memory: (self.memory_limit as usize) << 20,
            timeout: Duration::from_secs_f64(self.timeout),
            output: (self.output_limit as usize) << 10,
            log: Limits::DEFAULT_LOG,
        })
    }
}

/// What every command gets: the settings and where they live.
pub struct Context {
    /// The settings file's path.
    pub settings_path: PathBuf,
    /// Its content.
    pub settings: Settings,
}

impl Context {
    /// The sandbox, with the default component cache.
    fn sandbox(&self) -> Result<Arc<Sandbox>, ExitCode> {
        chaos_runtime::default_sandbox().map_err(|e| {
            tracing::error!("cannot start the sandbox: {e:#}");
            ExitCode::FAILURE
        })
    }
}

/// Parses the command line, runs the command, and returns the exit code:
/// 0 for a clean run, 1 for any other outcome, 2 for usage errors.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_file = cli.log_file.as_ref().map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()));
    if let Err(e) = logging::init(cli.verbose, cli.log_format, log_file.as_deref()) {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    if let Some(dir) = &cli.change_dir
        && let Err(e) = std::env::set_current_dir(dir)
    {
        tracing::error!("cannot change to {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    let settings_path = cli.settings.clone().unwrap_or_else(chaos_core::settings::default_path);
    let settings = match Settings::load(&settings_path) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let ctx = Context { settings_path, settings };
    // `.env` var files set environment variables: do it before any thread starts.
    let prepared_vars = match &cli.command {
        Command::Run(args) => Some(run::collect_vars(&args.vars, &args.var_files)),
        Command::Validate(args) => Some(run::collect_vars(&args.vars, &args.var_files)),
        _ => None,
    };
    let vars = match prepared_vars.transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run::run(*args, vars, &ctx).await,
            Command::Validate(args) => validate::validate(args, vars, &ctx).await,
            Command::Discover(args) => discover::discover(args, &ctx).await,
            Command::Info(args) => info::info(args, &ctx).await,
            Command::Init(args) => init::run(args),
            Command::Settings(args) => settings::settings(args, &ctx),
        }
    })
}
