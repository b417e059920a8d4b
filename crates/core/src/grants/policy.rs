//! What the operator allows (`--allow-*` flags, `-A`, a policy file,
//! answers to prompts) and refuses (`--deny-*`), parsed once into typed
//! values, and the comparison with what activities request. A denial always
//! wins over an allowance.

use super::deny::Denials;
use super::host::HostPort;
use super::path::{resolve_path, resolve_program};
use super::request::{Capability, Grants};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// A value of an `--allow-*` (or `--deny-*`) flag that is not valid for its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {flag} value: {reason}")]
pub struct AllowFlagError {
    /// The flag as the operator wrote it (`--allow-net`, `--deny-net`).
    pub flag: &'static str,
    /// The capability (and so the flag).
    pub capability: Capability,
    /// The value as given.
    pub value: String,
    /// Why it is not valid (naming the value where there is one).
    pub reason: String,
}

/// A value the operator can allow: parsed from one entry of an `--allow-*`
/// flag.
pub trait AllowedValue: Sized {
    /// Parses one entry (already trimmed, never empty).
    ///
    /// # Errors
    /// Why the entry is not valid.
    fn parse_allowed(entry: &str) -> Result<Self, String>;
}

impl AllowedValue for HostPort {
    fn parse_allowed(entry: &str) -> Result<Self, String> {
        entry.parse().map_err(|e: super::host::HostPortError| e.to_string())
    }
}

impl AllowedValue for PathBuf {
    fn parse_allowed(entry: &str) -> Result<Self, String> {
        Ok(PathBuf::from(entry))
    }
}

impl AllowedValue for String {
    fn parse_allowed(entry: &str) -> Result<Self, String> {
        Ok(entry.to_string())
    }
}

/// What the operator allows (or, in [`Denials`], refuses) for one
/// capability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowance<T> {
    /// Nothing (the default). In a [`Denials`] list: nothing is refused.
    Denied,
    /// Anything (`--allow-read` with no value).
    All,
    /// Only these values (`--allow-read=a,b`).
    Only(Vec<T>),
}

impl<T: Clone + PartialEq> Allowance<T> {
    /// Both allowances together: anything either covers.
    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        match (self, other) {
            (Allowance::All, _) | (_, Allowance::All) => Allowance::All,
            (Allowance::Denied, x) | (x, Allowance::Denied) => x.clone(),
            (Allowance::Only(a), Allowance::Only(b)) => {
                let mut all = a.clone();
                all.extend(b.iter().filter(|v| !a.contains(v)).cloned());
                Allowance::Only(all)
            }
        }
    }

    /// Adds one value (nothing changes when everything is covered already).
    pub fn add(&mut self, value: T) {
        *self = self.union(&Allowance::Only(vec![value]));
    }
}

impl<T: AllowedValue> Allowance<T> {
    /// Parses the flag of `capability`: absent (`None`) is denied, present
    /// without values is all, present with values is only those (each may
    /// itself be a comma-separated list; entries are trimmed).
    ///
    /// # Errors
    /// [`AllowFlagError`] for an empty entry or one that is not valid for
    /// the capability (`--allow-net=http://x`, `--allow-net=host:99999`).
    pub fn from_flag(capability: Capability, flag: Option<&[String]>) -> Result<Self, AllowFlagError> {
        let values = match flag {
            None => return Ok(Allowance::Denied),
            Some([]) => return Ok(Allowance::All),
            Some(values) => values,
        };
        let error = |value: &str, reason: String| AllowFlagError {
            flag: capability.flag(),
            capability,
            value: value.to_string(),
            reason,
        };
        values
            .iter()
            .flat_map(|v| v.split(','))
            .map(|entry| match entry.trim() {
                "" => Err(error(entry, "an empty entry".to_string())),
                trimmed => T::parse_allowed(trimmed).map_err(|reason| error(trimmed, reason)),
            })
            .collect::<Result<_, _>>()
            .map(Allowance::Only)
    }
}

/// Everything the operator allows for a run. Denies everything by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    /// `--allow-read`. Write access implies read access.
    pub read: Allowance<PathBuf>,
    /// `--allow-write`.
    pub write: Allowance<PathBuf>,
    /// `--allow-net`.
    pub net: Allowance<HostPort>,
    /// `--allow-env`.
    pub env: Allowance<String>,
    /// `--allow-run`.
    pub run: Allowance<String>,
    /// `--deny-*`: refused whatever is allowed (including `-A`).
    pub deny: Denials,
    /// Directory relative paths resolve against (the run's working directory).
    pub base_dir: PathBuf,
}

impl Permissions {
    /// Denies everything.
    pub fn deny_all(base_dir: impl Into<PathBuf>) -> Self {
        Self {
            read: Allowance::Denied,
            write: Allowance::Denied,
            net: Allowance::Denied,
            env: Allowance::Denied,
            run: Allowance::Denied,
            deny: Denials::default(),
            base_dir: base_dir.into(),
        }
    }

    /// Allows everything (`-A`).
    pub fn allow_all(base_dir: impl Into<PathBuf>) -> Self {
        Self {
            read: Allowance::All,
            write: Allowance::All,
            net: Allowance::All,
            env: Allowance::All,
            run: Allowance::All,
            deny: Denials::default(),
            base_dir: base_dir.into(),
        }
    }

    /// Whether the operator allows `value` for `capability`: an allowance
    /// covers it and no denial refuses it.
    pub fn allows(&self, capability: Capability, value: &str) -> bool {
        self.denial(capability, value).is_none() && self.allowed_without_denials(capability, value)
    }

    /// The `--deny-*` entry (as a flag, `--deny-read=./secret`) that refuses
    /// `value` for `capability`, if any.
    pub fn denial(&self, capability: Capability, value: &str) -> Option<String> {
        self.deny.refusing(capability, value, &self.base_dir)
    }

    /// What the operator decides for `value`: allowed, denied (naming the
    /// deny flag) or missing.
    pub fn verdict(&self, capability: Capability, value: &str) -> Verdict {
        match self.denial(capability, value) {
            Some(flag) => Verdict::Denied(flag),
            None if self.allowed_without_denials(capability, value) => Verdict::Allowed,
            None => Verdict::Missing,
        }
    }

    /// Both permissions together: everything either allows, and everything
    /// either denies (denials still win). Relative paths of `other` must
    /// already be resolved (as a policy file's are): `self`'s base
    /// directory is kept.
    #[must_use]
    pub fn merged(&self, other: &Permissions) -> Permissions {
        Permissions {
            read: self.read.union(&other.read),
            write: self.write.union(&other.write),
            net: self.net.union(&other.net),
            env: self.env.union(&other.env),
            run: self.run.union(&other.run),
            deny: self.deny.merged(&other.deny),
            base_dir: self.base_dir.clone(),
        }
    }

    /// Allows `value` for `capability` from now on (a prompt's answer).
    /// A denial of it still wins.
    pub fn grant(&mut self, capability: Capability, value: &str) {
        match capability {
            Capability::Read => self.read.add(PathBuf::from(value)),
            Capability::Write => self.write.add(PathBuf::from(value)),
            Capability::Net => {
                if let Ok(host) = value.parse() {
                    self.net.add(host);
                }
            }
            Capability::Env => self.env.add(value.to_string()),
            Capability::Run => self.run.add(value.to_string()),
        }
    }

    fn allowed_without_denials(&self, capability: Capability, value: &str) -> bool {
        match capability {
            Capability::Read => self.allows_path(&self.read, value) || self.allows_path(&self.write, value),
            Capability::Write => self.allows_path(&self.write, value),
            Capability::Net => match &self.net {
                Allowance::Denied => false,
                Allowance::All => true,
                Allowance::Only(list) => {
                    value.parse::<HostPort>().is_ok_and(|wanted| list.iter().any(|allowed| allowed.covers(&wanted)))
                }
            },
            Capability::Env => match &self.env {
                Allowance::Denied => false,
                Allowance::All => true,
                Allowance::Only(list) => list.iter().any(|a| a == value),
            },
            Capability::Run => match &self.run {
                Allowance::Denied => false,
                Allowance::All => true,
                Allowance::Only(list) => {
                    let wanted = resolve_program(&self.base_dir, value);
                    list.iter()
                        .any(|a| a == value || (wanted.is_some() && resolve_program(&self.base_dir, a) == wanted))
                }
            },
        }
    }

    fn allows_path(&self, allowance: &Allowance<PathBuf>, value: &str) -> bool {
        match allowance {
            Allowance::Denied => false,
            Allowance::All => true,
            Allowance::Only(list) => {
                let wanted = resolve_path(&self.base_dir, Path::new(value));
                list.iter().any(|allowed| wanted.starts_with(resolve_path(&self.base_dir, allowed)))
            }
        }
    }

    /// Every request of `activities` (name, grants) that is not allowed:
    /// missing, or denied by a `--deny-*` entry.
    pub fn missing<'a>(&self, activities: impl IntoIterator<Item = (&'a str, &'a Grants)>) -> Vec<MissingGrant> {
        // Many activities ask for the same things: each distinct request is
        // decided once (deciding resolves paths on disk).
        let mut verdicts: HashMap<(Capability, &str), Verdict> = HashMap::new();
        let mut seen: HashSet<(&str, Capability, &str)> = HashSet::new();
        let mut missing = Vec::new();
        for (activity, grants) in activities {
            for (capability, value) in grants.requests() {
                let verdict =
                    verdicts.entry((capability, value)).or_insert_with(|| self.verdict(capability, value)).clone();
                let denied_by = match verdict {
                    Verdict::Allowed => continue,
                    Verdict::Missing => None,
                    Verdict::Denied(flag) => Some(flag),
                };
                if seen.insert((activity, capability, value)) {
                    missing.push(MissingGrant {
                        activity: activity.to_string(),
                        capability,
                        value: value.to_string(),
                        denied_by,
                    });
                }
            }
        }
        missing
    }
}

/// What the operator decides for one request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "status", content = "by")]
pub enum Verdict {
    /// An allowance covers it and no denial refuses it.
    Allowed,
    /// Nothing allows it: an `--allow-*` flag (or a prompt's answer) would.
    Missing,
    /// A denial refuses it, whatever is allowed: this deny flag entry.
    Denied(String),
}

/// One request the operator has not allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGrant {
    /// The activity that asks.
    pub activity: String,
    /// What kind of authority.
    pub capability: Capability,
    /// The path, host or variable.
    pub value: String,
    /// The `--deny-*` entry that refuses it, when it is denied rather than
    /// merely not allowed.
    pub denied_by: Option<String>,
}

impl MissingGrant {
    /// The flag that would allow it (`--allow-read=./data`); `None` when it
    /// is denied (no allow flag can win over a denial).
    pub fn allow_flag(&self) -> Option<String> {
        self.denied_by.is_none().then(|| format!("{}={}", self.capability.flag(), self.value))
    }
}

impl fmt::Display for MissingGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (activity, noun, value) = (&self.activity, self.capability.noun(), &self.value);
        match &self.denied_by {
            None => write!(
                f,
                "activity '{activity}' needs {noun} {value}: allow it with {}={value}",
                self.capability.flag()
            ),
            Some(flag) => write!(f, "activity '{activity}' needs {noun} {value}: denied by {flag}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perms() -> Permissions {
        Permissions::deny_all("/work/exp")
    }

    fn only<T: AllowedValue>(capability: Capability, values: &str) -> Allowance<T> {
        Allowance::from_flag(capability, Some(&[values.to_string()])).unwrap()
    }

    #[test]
    fn nothing_is_allowed_by_default() {
        let p = perms();
        for cap in [Capability::Read, Capability::Write, Capability::Net, Capability::Env] {
            assert!(!p.allows(cap, "x"), "{cap:?}");
        }
    }

    #[test]
    fn a_flag_without_values_allows_everything_of_its_kind() {
        let mut p = perms();
        p.net = Allowance::from_flag(Capability::Net, Some(&[])).unwrap();
        assert!(p.allows(Capability::Net, "example.com:443"));
        assert!(!p.allows(Capability::Env, "HOME"));
    }

    #[test]
    fn an_allowed_directory_covers_paths_under_it_but_not_beside_it() {
        let mut p = perms();
        p.read = only(Capability::Read, "./data");
        assert!(p.allows(Capability::Read, "data/sub"));
        assert!(p.allows(Capability::Read, "./data"));
        assert!(!p.allows(Capability::Read, "./data-other"));
        assert!(!p.allows(Capability::Read, "./data/../secret"));
        assert!(!p.allows(Capability::Read, "/etc"));
    }

    #[test]
    fn write_implies_read_but_read_does_not_imply_write() {
        let mut p = perms();
        p.write = only(Capability::Write, ".");
        assert!(p.allows(Capability::Read, "./x"));
        let mut p = perms();
        p.read = only(Capability::Read, ".");
        assert!(!p.allows(Capability::Write, "./x"));
    }

    #[test]
    fn a_host_without_port_covers_every_port_but_not_the_reverse() {
        let mut p = perms();
        p.net = only(Capability::Net, "localhost, example.com:443");
        assert!(p.allows(Capability::Net, "localhost:8080"));
        assert!(p.allows(Capability::Net, "LOCALHOST:1"));
        assert!(p.allows(Capability::Net, "example.com:443"));
        assert!(!p.allows(Capability::Net, "example.com:80"));
        assert!(!p.allows(Capability::Net, "example.com"));
    }

    #[test]
    fn a_net_flag_value_that_is_not_a_host_port_is_rejected_naming_the_flag_and_value() {
        for bad in ["http://x", "host:99999"] {
            let err = Allowance::<HostPort>::from_flag(Capability::Net, Some(&[bad.to_string()])).unwrap_err();
            assert_eq!(err.value, bad);
            assert_eq!(err.to_string(), format!("invalid --allow-net value: `{bad}` is not a host or host:port"));
        }
    }

    #[test]
    fn an_empty_flag_entry_is_rejected() {
        let err = Allowance::<String>::from_flag(Capability::Env, Some(&["A,,B".to_string()])).unwrap_err();
        assert_eq!(err.to_string(), "invalid --allow-env value: an empty entry");
    }

    #[test]
    fn programs_are_allowed_by_name_or_by_the_file_they_resolve_to() {
        let mut p = perms();
        p.run = only(Capability::Run, "sh");
        assert!(p.allows(Capability::Run, "sh"));
        let sh = resolve_program(Path::new("/"), "sh").unwrap();
        assert!(p.allows(Capability::Run, sh.to_str().unwrap()));
        assert!(!p.allows(Capability::Run, "ls"));
    }

    #[test]
    fn missing_grants_name_the_activity_and_the_flag() {
        let grants = Grants { env: vec!["TOKEN".into()], ..Grants::default() };
        let missing = perms().missing([("read-token", &grants)]);
        assert_eq!(missing.len(), 1);
        assert_eq!(
            missing[0].to_string(),
            "activity 'read-token' needs the environment variable TOKEN: allow it with --allow-env=TOKEN"
        );
    }
}
