//! The command line, as clap structs: no I/O and no interpretation here
//! (`resolve` turns these into settings, vars, permissions and limits).
//! Flags shared by several commands are defined once, in flattened groups:
//! [`VarFlags`], [`TlsFlags`], [`GrantFlags`] and [`LimitFlags`].

use chaos_core::strategy::{Dry, HypothesisStrategy, RollbackStrategy};
use chaos_sandbox::{CompileLimits, Limits, SandboxBuilder};
use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsStr;
use std::path::PathBuf;

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
    /// Print every capability an experiment asks for and whether the given
    /// flags and policy allow it (exit 0: all allowed; 1: something is
    /// missing or denied; 2: a usage error).
    Grants(Box<GrantsArgs>),
    /// Describe the activities of a component in a discovery file.
    Discover(DiscoverArgs),
    /// Build an experiment from a discovery file.
    Init(InitArgs),
    /// Show information about the engine, its components or the settings.
    Info(InfoArgs),
    /// Read and edit the settings file.
    Settings(SettingsArgs),
}

/// `chaos run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The experiment: a .json, .yaml or .yml file, or an http(s) URL.
    pub source: String,
    /// Where to write the journal.
    #[arg(long, value_name = "PATH", default_value = "./journal.json")]
    pub journal_path: PathBuf,
    /// When to play rollbacks.
    #[arg(long, value_name = "STRATEGY", value_enum)]
    pub rollback_strategy: Option<RollbackStrategy>,
    /// When to check the steady state (`continously` is accepted with a warning).
    #[arg(long, value_name = "STRATEGY", value_parser = HypothesisFlagParser)]
    pub hypothesis_strategy: Option<HypothesisFlag>,
    /// Seconds between steady-state checks during the method.
    #[arg(long, value_name = "SECS", default_value_t = 1.0)]
    pub hypothesis_frequency: f64,
    /// Stop the method at the first deviation seen during it.
    #[arg(long)]
    pub fail_fast: bool,
    /// Dry run: do not call probes, actions, any activity, or do not pause.
    #[arg(long, value_name = "MODE", value_enum)]
    pub dry: Option<Dry>,
    /// Skip the component checks (the document must still be runnable).
    #[arg(long)]
    pub no_validation: bool,
    /// Fail the run when a method activity fails, a method probe misses its
    /// tolerance, or the steady state is not met before the method.
    #[arg(long)]
    pub strict: bool,
    /// Show secret values in the journal and the log instead of `***`.
    #[arg(long)]
    pub show_secrets: bool,
    /// Refuse any component file without a `sha256` pin (built-ins need none).
    #[arg(long)]
    pub require_pinned: bool,
    /// Never ask about grants the flags do not allow, even in a terminal:
    /// refuse, and print the flags to add (the behaviour without a terminal).
    #[arg(long)]
    pub no_prompt: bool,
    /// TLS verification.
    #[command(flatten)]
    pub tls: TlsFlags,
    /// Configuration overrides.
    #[command(flatten)]
    pub vars: VarFlags,
    /// What the operator allows.
    #[command(flatten)]
    pub grants: GrantFlags,
    /// Default limits of each activity.
    #[command(flatten)]
    pub limits: LimitFlags,
    /// Limits of compiling a component file.
    #[command(flatten)]
    pub compile: CompileFlags,
}

/// A `--hypothesis-strategy` value, and whether it was spelled the old way
/// (`continously`), which deserves a warning once logging is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HypothesisFlag {
    /// The strategy.
    pub strategy: HypothesisStrategy,
    /// Whether it was given as `continously`.
    pub deprecated_spelling: bool,
}

/// Parses a [`HypothesisFlag`] with [`HypothesisStrategy`]'s possible values.
#[derive(Debug, Clone, Copy)]
pub struct HypothesisFlagParser;

impl TypedValueParser for HypothesisFlagParser {
    type Value = HypothesisFlag;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<HypothesisFlag, clap::Error> {
        let strategy = clap::builder::EnumValueParser::<HypothesisStrategy>::new().parse_ref(cmd, arg, value)?;
        let deprecated_spelling = value == HypothesisStrategy::DEPRECATED_CONTINUOUSLY;
        Ok(HypothesisFlag { strategy, deprecated_spelling })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(HypothesisStrategy::value_variants().iter().filter_map(ValueEnum::to_possible_value)))
    }
}

/// `chaos validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The experiment: a .json, .yaml or .yml file, or an http(s) URL.
    pub source: String,
    /// Refuse any component file without a `sha256` pin (built-ins need none).
    #[arg(long)]
    pub require_pinned: bool,
    /// TLS verification.
    #[command(flatten)]
    pub tls: TlsFlags,
    /// Configuration overrides.
    #[command(flatten)]
    pub vars: VarFlags,
    /// Limits of compiling a component file.
    #[command(flatten)]
    pub compile: CompileFlags,
}

/// `chaos grants`.
#[derive(Debug, Args)]
pub struct GrantsArgs {
    /// The experiment: a .json, .yaml or .yml file, or an http(s) URL.
    pub source: String,
    /// Print the table as JSON (`{"rows": [...]}`) on stdout, for tools.
    #[arg(long)]
    pub json: bool,
    /// TLS verification.
    #[command(flatten)]
    pub tls: TlsFlags,
    /// Configuration overrides.
    #[command(flatten)]
    pub vars: VarFlags,
    /// What the operator allows.
    #[command(flatten)]
    pub grants: GrantFlags,
    /// Default limits of each activity.
    #[command(flatten)]
    pub limits: LimitFlags,
}

/// `--var` and `--var-file`.
#[derive(Debug, Args, Default)]
pub struct VarFlags {
    /// Override a configuration value: `key[:type]=value` (types: str, int, float, bool, json, bytes).
    #[arg(long = "var", value_name = "KEY[:TYPE]=VALUE")]
    pub vars: Vec<String>,
    /// Load configuration and secrets from a JSON/YAML file, or environment variables from a .env file.
    #[arg(long = "var-file", value_name = "PATH")]
    pub var_files: Vec<PathBuf>,
}

/// `--no-verify-tls`.
#[derive(Debug, Args, Default)]
pub struct TlsFlags {
    /// Do not verify TLS certificates (loading the experiment and http providers).
    #[arg(long)]
    pub no_verify_tls: bool,
}

/// The operator's grants, Deno-style. Without a flag, nothing of that kind
/// is allowed; a flag without values allows (or denies) everything of its
/// kind. A `--deny-*` always wins over any allow: flags, `-A`, the policy
/// file and answers to prompts.
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
    /// Allow reading these environment variables (activity `env` grants and
    /// `{"type": "env"}` entries of the configuration and secrets).
    #[arg(long, value_name = "VARS", num_args = 0.., require_equals = true, value_delimiter = ',')]
    pub allow_env: Option<Vec<String>>,
    /// Allow running these programs (process providers run outside the sandbox).
    #[arg(long, value_name = "PROGRAMS", num_args = 0.., require_equals = true, value_delimiter = ',')]
    pub allow_run: Option<Vec<String>>,
    /// Allow every read, write, net, env and run request of the experiment,
    /// as if each `--allow-*` flag were given without values. `--deny-*`
    /// flags and the policy file's `deny:` still win, and grants that would
    /// let a guest change what the host runs are still refused (a program
    /// under a writable directory, a grant over the component cache).
    /// Limits are not raised.
    #[arg(short = 'A', long, verbatim_doc_comment)]
    pub allow_all: bool,
    /// Refuse reading (and writing) under these paths, and any request for
    /// a directory that contains one (all if empty). Wins over every allow.
    #[arg(long, value_name = "PATHS", num_args = 0.., require_equals = true, value_delimiter = ',')]
    pub deny_read: Option<Vec<String>>,
    /// Refuse writing under these paths, and any write request for a
    /// directory that contains one (all if empty). Wins over every allow.
    #[arg(long, value_name = "PATHS", num_args = 0.., require_equals = true, value_delimiter = ',')]
    pub deny_write: Option<Vec<String>>,
    /// Refuse these hosts (`host` for every port; all if empty). Wins over every allow.
    #[arg(long, value_name = "HOSTS", num_args = 0.., require_equals = true, value_delimiter = ',')]
    pub deny_net: Option<Vec<String>>,
    /// Refuse these environment variables (all if empty). Wins over every allow.
    #[arg(long, value_name = "VARS", num_args = 0.., require_equals = true, value_delimiter = ',')]
    pub deny_env: Option<Vec<String>>,
    /// Refuse these programs (all if empty). Wins over every allow.
    #[arg(long, value_name = "PROGRAMS", num_args = 0.., require_equals = true, value_delimiter = ',')]
    pub deny_run: Option<Vec<String>>,
    /// The operator's policy file: standing `allow:`, `deny:` and `limits:`
    /// (YAML or JSON). Replaces the settings file's `policy:`; flags add to
    /// it and denials from either win.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
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
    /// Memory all activities running at once may use together, in MiB: an activity waits (within its
    /// time limit) until its memory limit fits.
    #[arg(long, value_name = "MIB", default_value_t = (SandboxBuilder::DEFAULT_TOTAL_MEMORY >> 20) as u64)]
    pub max_total_memory: u64,
}

/// Limits of compiling a component file, which happens in a child process
/// (once per machine: compiled components are cached; built-ins are not
/// limited).
#[derive(Debug, Args)]
pub struct CompileFlags {
    /// Memory compiling one component file may use, in MiB; a component that needs more is refused.
    #[arg(long, value_name = "MIB", default_value_t = (CompileLimits::DEFAULT_MEMORY >> 20) as u64)]
    pub compile_memory_limit: u64,
    /// Seconds compiling one component file may take; a component that takes longer is refused.
    #[arg(long, value_name = "SECS", default_value_t = CompileLimits::DEFAULT_TIME.as_secs_f64())]
    pub compile_timeout: f64,
}

/// `chaos discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// `builtin:NAME` or the path of a .wasm component.
    pub component: String,
    /// Where to write the discovery file.
    #[arg(long, value_name = "PATH", default_value = "./discovery.json")]
    pub discovery_path: PathBuf,
    /// Leave the platform out of the file.
    #[arg(long)]
    pub no_system_info: bool,
    /// Limits of compiling a component file.
    #[command(flatten)]
    pub compile: CompileFlags,
}

/// `chaos init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The discovery file (`chaos discover` writes it).
    #[arg(long, value_name = "PATH", default_value = "./discovery.json")]
    pub discovery_path: PathBuf,
    /// Where to write the experiment.
    #[arg(long, value_name = "PATH", default_value = "./experiment.json")]
    pub experiment_path: PathBuf,
    /// Ask questions even when stdin is not a terminal (scripted answers).
    #[arg(long)]
    pub interactive: bool,
    /// Replace the experiment file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Title (non-interactive mode).
    #[arg(long)]
    pub title: Option<String>,
    /// Description (non-interactive mode).
    #[arg(long)]
    pub description: Option<String>,
    /// Steady-state probes, by activity name: `NAME` or `NAME=TOLERANCE` (JSON; default true).
    #[arg(long = "hypothesis", value_name = "NAME[=TOLERANCE]")]
    pub hypothesis: Vec<String>,
    /// Method activities, by name, in order.
    #[arg(long = "method", value_name = "NAME")]
    pub method: Vec<String>,
    /// Rollback actions, by name, in order.
    #[arg(long = "rollback", value_name = "NAME")]
    pub rollbacks: Vec<String>,
    /// An argument for every use of an activity: `NAME.ARG=VALUE` (VALUE parsed as JSON when it can be).
    #[arg(long = "arg", value_name = "NAME.ARG=VALUE")]
    pub args: Vec<String>,
    /// A grant for every use of an activity: `NAME.KIND=VALUE` (KIND: read, write, net, env).
    #[arg(long = "grant", value_name = "NAME.KIND=VALUE")]
    pub grants: Vec<String>,
}

/// `chaos info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// What to show.
    #[arg(value_enum)]
    pub target: InfoTarget,
}

/// `chaos info` targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InfoTarget {
    /// Versions.
    Core,
    /// Built-in components and compiled components in the cache.
    Extensions,
    /// The settings file.
    Settings,
}

/// `chaos settings`.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// The operation.
    #[command(subcommand)]
    pub command: SettingsCommand,
}

/// Settings operations; keys are dotted paths (`runtime.rollbacks.strategy`).
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Print the whole settings file.
    Show {
        /// The output format.
        #[arg(long, value_enum, default_value = "yaml")]
        format: SettingsFormat,
    },
    /// Print one value.
    Get {
        /// Dotted key.
        key: String,
    },
    /// Set one value (parsed as YAML, so `3` is a number and `[a]` a list).
    Set {
        /// Dotted key.
        key: String,
        /// Value.
        value: String,
    },
    /// Remove one value.
    Remove {
        /// Dotted key.
        key: String,
    },
}

/// `chaos settings show` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SettingsFormat {
    /// YAML, as the file is written.
    Yaml,
    /// JSON.
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_old_continously_spelling_parses_as_continuously_and_is_remembered() {
        let cli = Cli::try_parse_from(["chaos", "run", "x.json", "--hypothesis-strategy=continously"]).unwrap();
        let Command::Run(args) = cli.command else { panic!("a run") };
        let flag = args.hypothesis_strategy.unwrap();
        assert_eq!(flag.strategy, HypothesisStrategy::Continuously);
        assert!(flag.deprecated_spelling);
    }

    #[test]
    fn allow_all_help_says_what_it_allows_and_what_still_wins() {
        let help = Cli::command().find_subcommand_mut("run").unwrap().render_long_help().to_string();
        // Help text is wrapped to the terminal's width: compare words, not lines.
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for words in
            ["`--deny-*` flags and the policy file's `deny:` still win", "a program under a writable directory"]
        {
            assert!(help.contains(words), "{words} missing from:\n{help}");
        }
    }

    #[test]
    fn run_help_lists_the_strategy_and_dry_values() {
        let help = Cli::command().find_subcommand_mut("run").unwrap().render_long_help().to_string();
        for value in ["deviated", "during-method-only", "continuously", "activities"] {
            assert!(help.contains(value), "{value} missing from:\n{help}");
        }
    }
}
