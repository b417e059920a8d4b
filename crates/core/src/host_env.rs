//! The environment an experiment sees: the process environment plus an
//! overlay (the variables of `.env` files given with `--var-file`), without
//! changing the process environment.
//!
//! Everything that reads the host's environment on behalf of an experiment
//! goes through a [`HostEnv`]: `{"type": "env"}` configuration and secrets,
//! the variables granted to an activity, and the environment of process
//! providers.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::sync::Arc;

/// The process environment with an overlay that wins over it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostEnv {
    overlay: Arc<BTreeMap<String, String>>,
}

impl HostEnv {
    /// The process environment, with no overlay.
    pub fn process() -> Self {
        Self::default()
    }

    /// The process environment overlaid with `overlay` (a later entry wins
    /// over an earlier one with the same name).
    pub fn with_overlay(overlay: impl IntoIterator<Item = (String, String)>) -> Self {
        Self { overlay: Arc::new(overlay.into_iter().collect()) }
    }

    /// The value of `name`: from the overlay, else from the process
    /// environment; `None` when unset or not valid Unicode.
    pub fn var(&self, name: &str) -> Option<String> {
        match self.overlay.get(name) {
            Some(value) => Some(value.clone()),
            None => std::env::var(name).ok(),
        }
    }

    /// The value of `name` as the operating system holds it: from the
    /// overlay, else from the process environment.
    pub fn var_os(&self, name: &str) -> Option<OsString> {
        match self.overlay.get(name) {
            Some(value) => Some(value.into()),
            None => std::env::var_os(name),
        }
    }

    /// The overlay's variables, which a child process must be given on top
    /// of the environment it inherits.
    pub fn overlay(&self) -> impl Iterator<Item = (&str, &str)> {
        self.overlay.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overlay_wins_over_the_process_environment() {
        let env = HostEnv::with_overlay([("PATH".to_string(), "/overlay".to_string())]);
        assert_eq!(env.var("PATH").as_deref(), Some("/overlay"));
        assert_eq!(env.var_os("PATH"), Some(OsString::from("/overlay")));
    }

    #[test]
    fn names_outside_the_overlay_come_from_the_process_environment() {
        let env = HostEnv::with_overlay([("CHAOS_TEST_ONLY_IN_OVERLAY".to_string(), "x".to_string())]);
        assert_eq!(env.var("PATH"), std::env::var("PATH").ok());
        assert_eq!(HostEnv::process().var("CHAOS_TEST_ONLY_IN_OVERLAY"), None);
    }

    #[test]
    fn a_later_overlay_entry_wins() {
        let env = HostEnv::with_overlay([("A".to_string(), "1".to_string()), ("A".to_string(), "2".to_string())]);
        assert_eq!(env.var("A").as_deref(), Some("2"));
    }
}
