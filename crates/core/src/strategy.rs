//! Runtime strategies: when the hypothesis is checked, when rollbacks play,
//! and dry runs.

use crate::experiment::ActivityKind;
use crate::journal::RunStatus;
use strum::VariantNames;

/// A strategy name that is not one of the known ones, in the settings or in
/// an experiment's `runtime` block (the command line rejects them itself).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategyError {
    /// Not a [`RollbackStrategy`].
    #[error("unknown rollback strategy '{0}' ({list})", list = RollbackStrategy::VARIANTS.join(", "))]
    Rollback(String),
    /// Not a [`HypothesisStrategy`].
    #[error("unknown hypothesis strategy '{0}' ({list})", list = HypothesisStrategy::VARIANTS.join(", "))]
    Hypothesis(String),
}

/// When rollbacks are played (`--rollback-strategy`, `runtime.rollbacks.strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, strum::EnumString, strum::Display, strum::VariantNames)]
#[strum(serialize_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum RollbackStrategy {
    /// Unless the run failed or was interrupted (Chaos Toolkit's default).
    #[default]
    Default,
    /// Always (except after SIGUSR2).
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

    /// Parses a strategy name from the settings or a `runtime` block.
    ///
    /// # Errors
    /// [`StrategyError::Rollback`] for an unknown name.
    pub fn parse(s: &str) -> Result<Self, StrategyError> {
        s.parse().map_err(|_| StrategyError::Rollback(s.to_string()))
    }
}

/// When the steady-state hypothesis is checked (`--hypothesis-strategy`,
/// `runtime.hypothesis.strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, strum::EnumString, strum::Display, strum::VariantNames)]
#[strum(serialize_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum HypothesisStrategy {
    /// Before and after the method.
    #[default]
    Default,
    /// Before the method only.
    BeforeMethodOnly,
    /// After the method only.
    AfterMethodOnly,
    /// Repeatedly while the method runs.
    DuringMethodOnly,
    /// Before, during and after the method.
    #[strum(to_string = "continuously", serialize = "continously")]
    #[cfg_attr(feature = "clap", value(alias = HypothesisStrategy::DEPRECATED_CONTINUOUSLY))]
    Continuously,
    /// Never (meant for a `runtime` block or settings, as in Chaos Toolkit;
    /// accepted but not listed on the command line).
    #[cfg_attr(feature = "clap", value(hide = true))]
    Skip,
}

impl HypothesisStrategy {
    /// Chaos Toolkit's old spelling of `continuously`, still accepted with a
    /// deprecation warning.
    pub const DEPRECATED_CONTINUOUSLY: &'static str = "continously";

    /// Whether the hypothesis runs before the method.
    pub fn before(self) -> bool {
        matches!(self, Self::Default | Self::BeforeMethodOnly | Self::Continuously)
    }

    /// Whether the hypothesis runs repeatedly during the method.
    pub fn during(self) -> bool {
        matches!(self, Self::DuringMethodOnly | Self::Continuously)
    }

    /// Whether the hypothesis runs after the method.
    pub fn after(self) -> bool {
        matches!(self, Self::Default | Self::AfterMethodOnly | Self::Continuously)
    }

    /// Parses a strategy; `continously` (Chaos Toolkit's old spelling) is
    /// accepted and reported as deprecated in the returned flag.
    ///
    /// # Errors
    /// [`StrategyError::Hypothesis`] for an unknown name.
    pub fn parse(s: &str) -> Result<(Self, bool), StrategyError> {
        let strategy = s.parse().map_err(|_| StrategyError::Hypothesis(s.to_string()))?;
        Ok((strategy, s == Self::DEPRECATED_CONTINUOUSLY))
    }

    /// Logs the deprecation warning for the old `continously` spelling.
    pub fn warn_deprecated_spelling() {
        tracing::warn!("The 'continously' hypothesis strategy is deprecated: spell it 'continuously'");
    }
}

/// A dry run (`--dry`): which activities are not really run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Dry {
    /// Probes are not called, their pauses skipped, tolerances not checked.
    Probes,
    /// Actions are not called and their pauses skipped.
    Actions,
    /// Nothing is called, no pause, no tolerance check.
    Activities,
    /// Everything runs but no pause is slept.
    Pause,
}

impl Dry {
    /// Whether an activity of `kind` is not called.
    pub fn skips_call(self, kind: ActivityKind) -> bool {
        match self {
            Dry::Probes => kind == ActivityKind::Probe,
            Dry::Actions => kind == ActivityKind::Action,
            Dry::Activities => true,
            Dry::Pause => false,
        }
    }

    /// Whether pauses around an activity of `kind` are skipped.
    pub fn skips_pause(self, kind: ActivityKind) -> bool {
        self == Dry::Pause || self.skips_call(kind)
    }

    /// Whether tolerances are taken as met without checking.
    pub fn skips_tolerance(self) -> bool {
        matches!(self, Dry::Probes | Dry::Activities)
    }

    /// The journal / CLI spelling.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The strategies a run uses, resolved with Chaos Toolkit's precedence:
/// settings, then the experiment's `runtime` block (if the experiment has
/// one, *both* strategies come from it, a missing one being `default`), then
/// the command line. A name that the command line overrides is not checked.
///
/// # Errors
/// An unknown strategy name in the settings or the experiment.
pub fn resolve(
    settings: &crate::settings::Settings,
    runtime: Option<&serde_json::Value>,
    cli_rollbacks: Option<RollbackStrategy>,
    cli_hypothesis: Option<HypothesisStrategy>,
) -> Result<(RollbackStrategy, HypothesisStrategy), StrategyError> {
    let mut rollbacks = settings.get_str("runtime.rollbacks.strategy").unwrap_or("default").to_string();
    let mut hypothesis = settings.get_str("runtime.hypothesis.strategy").unwrap_or("default").to_string();
    if let Some(runtime) = runtime.filter(|r| r.is_object()) {
        let get = |key: &str| runtime.pointer(key).and_then(serde_json::Value::as_str).unwrap_or("default").to_string();
        rollbacks = get("/rollbacks/strategy");
        hypothesis = get("/hypothesis/strategy");
    }
    let rollbacks = match cli_rollbacks {
        Some(r) => r,
        None => RollbackStrategy::parse(&rollbacks)?,
    };
    let hypothesis = match cli_hypothesis {
        Some(h) => h,
        None => {
            let (h, deprecated) = HypothesisStrategy::parse(&hypothesis)?;
            if deprecated {
                HypothesisStrategy::warn_deprecated_spelling();
            }
            h
        }
    };
    Ok((rollbacks, hypothesis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rollback_strategy_skips_failed_and_interrupted_runs_only() {
        let d = RollbackStrategy::Default;
        assert!(d.plays(RunStatus::Completed, true));
        assert!(d.plays(RunStatus::Aborted, false));
        assert!(!d.plays(RunStatus::Failed, false));
        assert!(!d.plays(RunStatus::Interrupted, false));
    }

    #[test]
    fn the_deviated_rollback_strategy_plays_only_on_deviation() {
        assert!(RollbackStrategy::Deviated.plays(RunStatus::Completed, true));
        assert!(!RollbackStrategy::Deviated.plays(RunStatus::Completed, false));
    }

    #[test]
    fn hypothesis_strategies_choose_their_phases() {
        use HypothesisStrategy::*;
        let phases = |s: HypothesisStrategy| (s.before(), s.during(), s.after());
        assert_eq!(phases(Default), (true, false, true));
        assert_eq!(phases(BeforeMethodOnly), (true, false, false));
        assert_eq!(phases(AfterMethodOnly), (false, false, true));
        assert_eq!(phases(DuringMethodOnly), (false, true, false));
        assert_eq!(phases(Continuously), (true, true, true));
        assert_eq!(phases(Skip), (false, false, false));
    }

    #[test]
    fn the_old_continously_spelling_is_accepted_as_deprecated() {
        assert_eq!(HypothesisStrategy::parse("continously"), Ok((HypothesisStrategy::Continuously, true)));
        assert!(HypothesisStrategy::parse("sometimes").is_err());
    }

    #[test]
    fn an_experiment_runtime_block_overrides_settings_for_both_strategies() {
        let mut settings = crate::settings::Settings::default();
        settings.set("runtime.rollbacks.strategy", serde_json::json!("always"));
        settings.set("runtime.hypothesis.strategy", serde_json::json!("continuously"));
        assert_eq!(
            resolve(&settings, None, None, None),
            Ok((RollbackStrategy::Always, HypothesisStrategy::Continuously))
        );
        let runtime = serde_json::json!({"hypothesis": {"strategy": "skip"}});
        assert_eq!(
            resolve(&settings, Some(&runtime), None, None),
            Ok((RollbackStrategy::Default, HypothesisStrategy::Skip))
        );
        assert_eq!(
            resolve(
                &settings,
                Some(&runtime),
                Some(RollbackStrategy::Never),
                Some(HypothesisStrategy::AfterMethodOnly)
            ),
            Ok((RollbackStrategy::Never, HypothesisStrategy::AfterMethodOnly))
        );
        let bad = serde_json::json!({"hypothesis": {"strategy": "sometimes"}});
        assert!(resolve(&settings, Some(&bad), None, None).is_err());
    }

    #[test]
    fn unknown_names_are_reported_with_the_known_ones() {
        assert_eq!(
            RollbackStrategy::parse("sometimes").unwrap_err().to_string(),
            "unknown rollback strategy 'sometimes' (default, always, never, deviated)"
        );
        assert_eq!(
            HypothesisStrategy::parse("sometimes").unwrap_err().to_string(),
            "unknown hypothesis strategy 'sometimes' (default, before-method-only, after-method-only, during-method-only, continuously, skip)"
        );
    }

    #[test]
    fn strategies_and_dry_modes_are_spelled_in_kebab_case() {
        assert_eq!(HypothesisStrategy::BeforeMethodOnly.to_string(), "before-method-only");
        assert_eq!(HypothesisStrategy::Continuously.to_string(), "continuously");
        assert_eq!(RollbackStrategy::parse("deviated"), Ok(RollbackStrategy::Deviated));
        assert_eq!(Dry::Activities.as_str(), "activities");
    }

    #[test]
    fn dry_modes_skip_what_the_reference_skips() {
        use ActivityKind::*;
        assert!(Dry::Probes.skips_call(Probe) && !Dry::Probes.skips_call(Action));
        assert!(Dry::Actions.skips_call(Action) && !Dry::Actions.skips_call(Probe));
        assert!(Dry::Activities.skips_call(Probe) && Dry::Activities.skips_call(Action));
        assert!(!Dry::Pause.skips_call(Probe) && Dry::Pause.skips_pause(Probe));
        assert!(Dry::Probes.skips_tolerance() && !Dry::Actions.skips_tolerance());
    }
}
