//! The second stage of the command line: the parsed [`args`](crate::args)
//! plus the settings file and the environment, turned into the values the
//! commands use (settings, vars and var files, permissions, limits), before
//! any command runs. Everything wrong here is a [`UsageError`] (exit 2).

use crate::args::{Cli, CompileFlags, GrantFlags, HypothesisFlag, LimitFlags, RunArgs, VarFlags};
use anyhow::Context as _;
use chaos_core::grants::{
    AllowFlagError, Allowance, Capability, Consent, Denials, Origin, Permissions, PolicyFile, PolicyFileError,
};
use chaos_core::settings::Settings;
use chaos_core::strategy::HypothesisStrategy;
use chaos_core::vars::{self, Vars};
use chaos_sandbox::{CompileLimits, Limits};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A command line that cannot be acted on: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    /// `--log-file` cannot be opened.
    #[error("cannot open the log file {}", path.display())]
    LogFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `--log-file` names a symbolic link, which is not followed.
    #[error("refusing to write the log file {}: it is a symbolic link (remove it or name its target)", path.display())]
    LogFileIsLink {
        /// The link.
        path: PathBuf,
    },
    /// `--change-dir` cannot be entered.
    #[error("cannot change to {}", dir.display())]
    ChangeDir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A `--var` or `--var-file` that cannot be used.
    #[error(transparent)]
    Vars(#[from] chaos_core::vars::VarsError),
    /// A malformed `--allow-*` value.
    #[error(transparent)]
    Grant(#[from] AllowFlagError),
    /// A policy file (or the settings' `policy:`) that cannot be used.
    #[error(transparent)]
    Policy(#[from] PolicyFileError),
    /// A limit out of range.
    #[error(transparent)]
    Limit(#[from] LimitError),
    /// A negative or infinite `--hypothesis-frequency`.
    #[error("--hypothesis-frequency must be a number of seconds")]
    HypothesisFrequency,
}

/// A `--timeout`, `--memory-limit` or `--output-limit` out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LimitError {
    /// Not a positive, representable number of seconds.
    #[error("--timeout must be a positive number of seconds, not {0}")]
    Timeout(f64),
    /// More MiB than this machine can address.
    #[error("--memory-limit {0} MiB is out of range")]
    Memory(u64),
    /// More KiB than this machine can address.
    #[error("--output-limit {0} KiB is out of range")]
    Output(u64),
    /// More MiB than this machine can address.
    #[error("--max-total-memory {0} MiB is out of range")]
    TotalMemory(u64),
    /// Not a positive, representable number of seconds.
    #[error("--compile-timeout must be a positive number of seconds, not {0}")]
    CompileTimeout(f64),
    /// Zero, or more MiB than this machine can address.
    #[error("--compile-memory-limit {0} MiB is out of range")]
    CompileMemory(u64),
    /// One activity's limit is more than all activities may use together.
    #[error("--memory-limit {memory} MiB is more than --max-total-memory {total} MiB: no activity could run")]
    MemoryAboveTotal {
        /// `--memory-limit`, MiB.
        memory: u64,
        /// `--max-total-memory`, MiB.
        total: u64,
    },
}

/// What every command gets: the settings and where they live.
#[derive(Debug, Clone)]
pub struct Context {
    /// The settings file's path.
    pub settings_path: PathBuf,
    /// Its content.
    pub settings: Settings,
}

/// Enters `--change-dir` and loads the settings.
///
/// # Errors
/// [`UsageError::ChangeDir`], or a settings file that cannot be read (exit 1).
pub fn context(cli: &Cli) -> anyhow::Result<Context> {
    if let Some(dir) = &cli.change_dir {
        std::env::set_current_dir(dir).map_err(|source| UsageError::ChangeDir { dir: dir.clone(), source })?;
    }
    let settings_path = cli.settings.clone().unwrap_or_else(chaos_core::settings::default_path);
    let settings = Settings::load(&settings_path)?;
    Ok(Context { settings_path, settings })
}

/// The flags given on the command line (not left at their defaults), by
/// clap id: a limit in the policy file applies unless its flag was given.
#[derive(Debug, Clone, Default)]
pub struct GivenFlags(Vec<String>);

impl GivenFlags {
    /// The flags of the subcommand in `matches` given on the command line.
    pub fn of(matches: &clap::ArgMatches) -> Self {
        let Some((_, sub)) = matches.subcommand() else { return Self::default() };
        let given =
            sub.ids().filter(|id| sub.value_source(id.as_str()) == Some(clap::parser::ValueSource::CommandLine));
        Self(given.map(|id| id.as_str().to_string()).collect())
    }

    fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|g| g == id)
    }
}

/// What the operator allows and refuses, layer by layer (the policy file,
/// then the flags or `-A`), and the limits with the policy's applied.
#[derive(Debug, Clone)]
pub struct ResolvedGrants {
    /// The layers.
    pub consent: Consent,
    /// Default limits of each call.
    pub limits: Limits,
}

/// Resolves the grant flags, the policy file (`--policy`, or the settings'
/// `policy:`) and the limits.
///
/// # Errors
/// A [`UsageError`] for a malformed flag value, a bad policy file or a limit
/// out of range.
pub fn grants(
    flags: &GrantFlags,
    limits: &LimitFlags,
    given: &GivenFlags,
    ctx: &Context,
    base_dir: &Path,
) -> Result<ResolvedGrants, UsageError> {
    let policy = match (&flags.policy, ctx.settings.get("policy")) {
        (Some(path), _) => Some((PolicyFile::load(path)?, parent_dir(path))),
        (None, Some(entry)) => Some(PolicyFile::from_settings(entry, &ctx.settings_path)?),
        (None, None) => None,
    };
    let origin = if flags.allow_all { Origin::AllowAll } else { Origin::Flags };
    let mut consent = Consent::new(origin, flags.permissions(base_dir)?);
    let mut limit_flags = LimitFlags { ..*limits };
    if let Some((policy, dir)) = policy {
        let path = flags.policy.clone().unwrap_or_else(|| ctx.settings_path.clone());
        let permissions =
            policy.permissions(&dir).map_err(|message| PolicyFileError { path: path.clone(), message })?;
        consent = consent.with(Origin::Policy, permissions);
        let from_policy = [
            policy
                .limits
                .memory_limit
                .filter(|_| !given.contains("memory_limit"))
                .map(|m| limit_flags.memory_limit = m),
            policy.limits.timeout.filter(|_| !given.contains("timeout")).map(|t| limit_flags.timeout = t),
            policy
                .limits
                .output_limit
                .filter(|_| !given.contains("output_limit"))
                .map(|o| limit_flags.output_limit = o),
        ];
        if from_policy.iter().any(Option::is_some) {
            consent = consent.with_limits_origin(Origin::Policy);
        }
    }
    Ok(ResolvedGrants { limits: limit_flags.limits()?, consent })
}

fn parent_dir(path: &Path) -> PathBuf {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Everything `chaos run` needs besides its arguments.
#[derive(Debug, Clone)]
pub struct ResolvedRun {
    /// The settings.
    pub settings: Settings,
    /// `--var` and `--var-file` values, with the `.env` overlay.
    pub vars: Vars,
    /// What the operator allows and refuses, layer by layer.
    pub consent: Consent,
    /// Default limits of each call.
    pub limits: Limits,
    /// Bytes of memory all concurrent calls may use together.
    pub total_memory: usize,
    /// What compiling one component file may use.
    pub compile: CompileLimits,
    /// Time between steady-state checks during the method.
    pub hypothesis_frequency: Duration,
    /// `--hypothesis-strategy`, if given.
    pub hypothesis_strategy: Option<HypothesisStrategy>,
    /// The run's working directory.
    pub base_dir: PathBuf,
}

/// Resolves `chaos run`'s arguments.
///
/// # Errors
/// A [`UsageError`] for bad vars, limits, frequency or grants.
pub fn run(args: &RunArgs, ctx: &Context, given: &GivenFlags) -> anyhow::Result<ResolvedRun> {
    let vars = args.vars.collect()?;
    let frequency = args.hypothesis_frequency;
    let hypothesis_frequency = (frequency >= 0.0)
        .then(|| Duration::try_from_secs_f64(frequency).ok())
        .flatten()
        .ok_or(UsageError::HypothesisFrequency)?;
    let base_dir = std::env::current_dir().context("cannot read the current directory")?;
    let ResolvedGrants { consent, limits } = grants(&args.grants, &args.limits, given, ctx, &base_dir)?;
    let total_memory = args.limits.total_memory().map_err(UsageError::from)?;
    let compile = args.compile.limits().map_err(UsageError::from)?;
    let hypothesis_strategy = args.hypothesis_strategy.map(|HypothesisFlag { strategy, deprecated_spelling }| {
        if deprecated_spelling {
            HypothesisStrategy::warn_deprecated_spelling();
        }
        strategy
    });
    Ok(ResolvedRun {
        compile,
        settings: ctx.settings.clone(),
        vars,
        consent,
        limits,
        total_memory,
        hypothesis_frequency,
        hypothesis_strategy,
        base_dir,
    })
}

impl VarFlags {
    /// Collects the var files (in order) then the vars; `.env` files become
    /// the environment overlay.
    ///
    /// # Errors
    /// [`UsageError::Vars`]: a missing or unparsable file, or an invalid `--var`.
    pub fn collect(&self) -> Result<Vars, UsageError> {
        vars::collect(&self.vars, &self.var_files).map_err(UsageError::Vars)
    }
}

impl GrantFlags {
    /// The permissions these flags give, relative paths resolving against
    /// `base_dir`; the `--deny-*` flags apply with `-A` too.
    ///
    /// # Errors
    /// [`AllowFlagError`]: an empty entry or a value that is not valid for its flag.
    pub fn permissions(&self, base_dir: &Path) -> Result<Permissions, AllowFlagError> {
        let deny = Denials::from_flags(
            self.deny_read.as_deref(),
            self.deny_write.as_deref(),
            self.deny_net.as_deref(),
            self.deny_env.as_deref(),
            self.deny_run.as_deref(),
        )?;
        if self.allow_all {
            return Ok(Permissions { deny, ..Permissions::allow_all(base_dir) });
        }
        Ok(Permissions {
            deny,
            read: Allowance::from_flag(Capability::Read, self.allow_read.as_deref())?,
            write: Allowance::from_flag(Capability::Write, self.allow_write.as_deref())?,
            net: Allowance::from_flag(Capability::Net, self.allow_net.as_deref())?,
            env: Allowance::from_flag(Capability::Env, self.allow_env.as_deref())?,
            run: Allowance::from_flag(Capability::Run, self.allow_run.as_deref())?,
            base_dir: base_dir.to_path_buf(),
        })
    }
}

impl LimitFlags {
    /// The limits these flags set.
    ///
    /// # Errors
    /// [`LimitError`]: a time limit that is not a positive number of
    /// seconds, or a size that does not fit in this machine's addresses.
    pub fn limits(&self) -> Result<Limits, LimitError> {
        let timeout = Some(self.timeout)
            .filter(|t| *t > 0.0)
            .and_then(|t| Duration::try_from_secs_f64(t).ok())
            .ok_or(LimitError::Timeout(self.timeout))?;
        let scaled = |value: u64, shift: u32| usize::try_from(value).ok()?.checked_mul(1 << shift);
        Ok(Limits {
            memory: scaled(self.memory_limit, 20).ok_or(LimitError::Memory(self.memory_limit))?,
            timeout,
            output: scaled(self.output_limit, 10).ok_or(LimitError::Output(self.output_limit))?,
            log: Limits::DEFAULT_LOG,
        })
    }

    /// `--max-total-memory` in bytes.
    ///
    /// # Errors
    /// [`LimitError`]: a size that does not fit in this machine's
    /// addresses, or smaller than `--memory-limit`.
    pub fn total_memory(&self) -> Result<usize, LimitError> {
        let total = usize::try_from(self.max_total_memory)
            .ok()
            .and_then(|mib| mib.checked_mul(1 << 20))
            .filter(|bytes| *bytes > 0)
            .ok_or(LimitError::TotalMemory(self.max_total_memory))?;
        if self.memory_limit > self.max_total_memory {
            return Err(LimitError::MemoryAboveTotal { memory: self.memory_limit, total: self.max_total_memory });
        }
        Ok(total)
    }
}

impl CompileFlags {
    /// The compile limits these flags set.
    ///
    /// # Errors
    /// [`LimitError`]: a time limit that is not a positive number of
    /// seconds, or a memory limit that is zero or does not fit in this
    /// machine's addresses.
    pub fn limits(&self) -> Result<CompileLimits, LimitError> {
        let time = Some(self.compile_timeout)
            .filter(|t| *t > 0.0)
            .and_then(|t| Duration::try_from_secs_f64(t).ok())
            .ok_or(LimitError::CompileTimeout(self.compile_timeout))?;
        let memory = usize::try_from(self.compile_memory_limit)
            .ok()
            .and_then(|mib| mib.checked_mul(1 << 20))
            .filter(|bytes| *bytes > 0)
            .ok_or(LimitError::CompileMemory(self.compile_memory_limit))?;
        Ok(CompileLimits { memory, time })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(memory_limit: u64, timeout: f64, output_limit: u64) -> Result<Limits, LimitError> {
        LimitFlags { memory_limit, timeout, output_limit, max_total_memory: 2048 }.limits()
    }

    #[test]
    fn the_total_memory_is_scaled_to_bytes() {
        let flags = LimitFlags { memory_limit: 128, timeout: 1.0, output_limit: 1, max_total_memory: 512 };
        assert_eq!(flags.total_memory(), Ok(512 << 20));
    }

    #[test]
    fn a_memory_limit_above_the_total_is_a_usage_error() {
        let flags = LimitFlags { memory_limit: 4096, timeout: 1.0, output_limit: 1, max_total_memory: 2048 };
        assert_eq!(
            flags.total_memory().unwrap_err().to_string(),
            "--memory-limit 4096 MiB is more than --max-total-memory 2048 MiB: no activity could run"
        );
    }

    #[test]
    fn limits_are_scaled_to_bytes() {
        let l = limits(128, 2.5, 1024).unwrap();
        assert_eq!((l.memory, l.timeout, l.output), (128 << 20, Duration::from_millis(2500), 1 << 20));
    }

    #[test]
    fn a_memory_limit_that_overflows_is_an_error_not_a_wrap() {
        assert_eq!(limits(u64::MAX >> 10, 1.0, 1), Err(LimitError::Memory(u64::MAX >> 10)));
    }

    #[test]
    fn an_output_limit_that_overflows_is_an_error_not_a_wrap() {
        assert_eq!(limits(1, 1.0, u64::MAX), Err(LimitError::Output(u64::MAX)));
    }

    #[test]
    fn a_timeout_must_be_positive_and_representable() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e300] {
            assert!(limits(1, bad, 1).is_err(), "{bad}");
        }
        assert_eq!(limits(1, 0.0, 1).unwrap_err().to_string(), "--timeout must be a positive number of seconds, not 0");
    }

    #[test]
    fn a_malformed_grant_flag_is_an_error_naming_the_flag() {
        let flags = GrantFlags { allow_net: Some(vec!["http://x".into()]), ..GrantFlags::default() };
        let err = flags.permissions(Path::new("/")).unwrap_err();
        assert_eq!(err.to_string(), "invalid --allow-net value: `http://x` is not a host or host:port");
    }

    #[test]
    fn deny_flags_apply_with_allow_all() {
        let flags = GrantFlags { allow_all: true, deny_env: Some(vec!["TOKEN".into()]), ..GrantFlags::default() };
        let permissions = flags.permissions(Path::new("/")).unwrap();
        assert!(!permissions.allows(Capability::Env, "TOKEN"));
        assert!(permissions.allows(Capability::Env, "HOME"));
    }

    #[test]
    fn allow_all_ignores_the_other_flags() {
        let flags = GrantFlags { allow_all: true, ..GrantFlags::default() };
        assert_eq!(flags.permissions(Path::new("/")).unwrap(), Permissions::allow_all("/"));
    }
}
