//! The command line: argument definitions ([`Cli`]) and one module per
//! command. Commands parse, call the library, report, and return an exit
//! code; the work happens in the library modules.

mod logging;
mod run;
mod validate;

use crate::grants::{Allowance, Permissions};
use crate::runner::RollbackStrategy;
use crate::sandbox::Limits;
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Run Chaos Toolkit experiments whose probes and actions are sandboxed
/// WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "chaos", version, about, propagate_version = true)]
pub struct Cli {
    /// Log debug messages too.
    #[arg(long, global = true)]
    pub verbose: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// `chaos` commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an experiment and write its journal.
    Run(RunArgs),
    /// Check an experiment without running it.
    Validate(ValidateArgs),
}

/// `chaos run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The experiment file (.json, .yaml or .yml).
    pub experiment: PathBuf,
    /// Where to write the journal.
    #[arg(long, value_name = "PATH", default_value = "./journal.json")]
    pub journal_path: PathBuf,
    /// When to play rollbacks: default (unless failed or interrupted), always, never, deviated.
    #[arg(long, value_name = "STRATEGY", default_value = "default")]
    pub rollback_strategy: RollbackStrategy,
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
    /// The experiment file (.json, .yaml or .yml).
    pub experiment: PathBuf,
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

/// Parses the command line, runs the command, and returns the exit code:
/// 0 for a clean run, 1 for any other outcome, 2 for usage errors.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run::run(args).await,
            Command::Validate(args) => validate::validate(args).await,
        }
    })
}
