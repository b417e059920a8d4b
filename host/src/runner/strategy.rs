//! Rollback strategies (`--rollback-strategy`).

use crate::journal::RunStatus;
use std::fmt;
use std::str::FromStr;

/// When rollbacks are played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RollbackStrategy {
    /// Unless the run failed or was interrupted (Chaos Toolkit's default).
    #[default]
    Default,
    /// Always.
    Always,
    /// Never.
    Never,
    /// Only when the hypothesis deviated.
    Deviated,
}

impl RollbackStrategy {
    /// Whether rollbacks play for a run that ended with `status` and `deviated`.
    pub fn plays(self, status: RunStatus, deviated: bool) -> bool {
        match self {
            RollbackStrategy::Default => !matches!(status, RunStatus::Failed | RunStatus::Interrupted),
            RollbackStrategy::Always => true,
            RollbackStrategy::Never => false,
            RollbackStrategy::Deviated => deviated,
        }
    }
}

impl FromStr for RollbackStrategy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "default" => Self::Default,
            "always" => Self::Always,
            "never" => Self::Never,
            "deviated" => Self::Deviated,
            other => return Err(format!("unknown rollback strategy '{other}' (default, always, never, deviated)")),
        })
    }
}

impl fmt::Display for RollbackStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Default => "default",
            Self::Always => "always",
            Self::Never => "never",
            Self::Deviated => "deviated",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_strategy_skips_failed_and_interrupted_runs_only() {
        let d = RollbackStrategy::Default;
        assert!(d.plays(RunStatus::Completed, true));
        assert!(d.plays(RunStatus::Aborted, false));
        assert!(!d.plays(RunStatus::Failed, false));
        assert!(!d.plays(RunStatus::Interrupted, false));
    }

    #[test]
    fn deviated_plays_only_on_deviation() {
        assert!(RollbackStrategy::Deviated.plays(RunStatus::Completed, true));
        assert!(!RollbackStrategy::Deviated.plays(RunStatus::Completed, false));
    }
}
