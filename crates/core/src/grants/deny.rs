//! What the operator refuses (`--deny-read`, `--deny-write`, `--deny-net`,
//! `--deny-env`, `--deny-run`, a policy file's `deny:`): a denial wins over
//! every allowance, `-A` and prompts included.
//!
//! A granted directory is handed to the guest whole, so a path request is
//! refused when it lies under a denied path **or contains one**
//! (`--deny-read=./data/secret` refuses a request for `./data`). A write
//! grant gives read access too, so `--deny-read` also refuses write
//! requests. Likewise a request for a host on any port is refused when one
//! of its ports is denied.

use super::host::HostPort;
use super::path::{resolve_path, resolve_program};
use super::policy::{AllowFlagError, Allowance, AllowedValue};
use super::request::Capability;
use std::path::{Path, PathBuf};

/// Everything the operator refuses, per capability. For each, the
/// [`Allowance::Denied`] variant means that nothing is refused (the
/// default), [`Allowance::All`] refuses everything of that kind (`--deny-net`
/// without values), [`Allowance::Only`] refuses those values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denials {
    /// `--deny-read`: refuses read and write access under these paths.
    pub read: Allowance<PathBuf>,
    /// `--deny-write`: refuses write access under these paths.
    pub write: Allowance<PathBuf>,
    /// `--deny-net`: refuses these hosts (a host without port: every port).
    pub net: Allowance<HostPort>,
    /// `--deny-env`: refuses these variables.
    pub env: Allowance<String>,
    /// `--deny-run`: refuses these programs (by name or resolved file).
    pub run: Allowance<String>,
}

impl Default for Denials {
    fn default() -> Self {
        Self {
            read: Allowance::Denied,
            write: Allowance::Denied,
            net: Allowance::Denied,
            env: Allowance::Denied,
            run: Allowance::Denied,
        }
    }
}

/// The deny flag of each capability.
pub fn deny_flag(capability: Capability) -> &'static str {
    match capability {
        Capability::Read => "--deny-read",
        Capability::Write => "--deny-write",
        Capability::Net => "--deny-net",
        Capability::Env => "--deny-env",
        Capability::Run => "--deny-run",
    }
}

impl Denials {
    /// Parses the `--deny-*` flags (absent: nothing refused; present
    /// without values: everything of that kind; with values: those).
    ///
    /// # Errors
    /// [`AllowFlagError`] for an empty entry or a value that is not valid
    /// for the capability, naming the `--deny-*` flag.
    pub fn from_flags(
        read: Option<&[String]>,
        write: Option<&[String]>,
        net: Option<&[String]>,
        env: Option<&[String]>,
        run: Option<&[String]>,
    ) -> Result<Self, AllowFlagError> {
        fn parse<T: AllowedValue>(
            capability: Capability,
            values: Option<&[String]>,
        ) -> Result<Allowance<T>, AllowFlagError> {
            Allowance::from_flag(capability, values).map_err(|e| AllowFlagError { flag: deny_flag(capability), ..e })
        }
        Ok(Self {
            read: parse(Capability::Read, read)?,
            write: parse(Capability::Write, write)?,
            net: parse(Capability::Net, net)?,
            env: parse(Capability::Env, env)?,
            run: parse(Capability::Run, run)?,
        })
    }

    /// Everything either refuses.
    #[must_use]
    pub fn merged(&self, other: &Denials) -> Denials {
        Denials {
            read: self.read.union(&other.read),
            write: self.write.union(&other.write),
            net: self.net.union(&other.net),
            env: self.env.union(&other.env),
            run: self.run.union(&other.run),
        }
    }

    /// The deny entry, spelled as its flag (`--deny-read=./secret`), that
    /// refuses `value` for `capability`; relative paths resolve against
    /// `base_dir`.
    pub fn refusing(&self, capability: Capability, value: &str, base_dir: &Path) -> Option<String> {
        let flag = |c: Capability, entry: Option<String>| match entry {
            None => deny_flag(c).to_string(),
            Some(entry) => format!("{}={entry}", deny_flag(c)),
        };
        match capability {
            Capability::Read => path_denial(&self.read, value, base_dir).map(|e| flag(Capability::Read, e)),
            Capability::Write => path_denial(&self.write, value, base_dir)
                .map(|e| flag(Capability::Write, e))
                .or_else(|| path_denial(&self.read, value, base_dir).map(|e| flag(Capability::Read, e))),
            Capability::Net => {
                let wanted = value.parse::<HostPort>().ok();
                denial(&self.net, |denied| {
                    wanted.as_ref().is_some_and(|w| denied.covers(w) || w.covers(denied)).then(|| denied.to_string())
                })
                .map(|e| flag(Capability::Net, e))
            }
            Capability::Env => {
                denial(&self.env, |denied| (denied == value).then(|| denied.clone())).map(|e| flag(Capability::Env, e))
            }
            Capability::Run => {
                let wanted = resolve_program(base_dir, value);
                denial(&self.run, |denied| {
                    let same = denied == value || (wanted.is_some() && resolve_program(base_dir, denied) == wanted);
                    same.then(|| denied.clone())
                })
                .map(|e| flag(Capability::Run, e))
            }
        }
    }
}

/// `Some(None)` when everything is refused, `Some(Some(entry))` for the
/// first entry `matching` accepts.
fn denial<T>(denials: &Allowance<T>, matching: impl Fn(&T) -> Option<String>) -> Option<Option<String>> {
    match denials {
        Allowance::Denied => None,
        Allowance::All => Some(None),
        Allowance::Only(list) => list.iter().find_map(matching).map(Some),
    }
}

fn path_denial(denials: &Allowance<PathBuf>, value: &str, base_dir: &Path) -> Option<Option<String>> {
    let wanted = resolve_path(base_dir, Path::new(value));
    denial(denials, |denied| {
        let denied_at = resolve_path(base_dir, denied);
        (wanted.starts_with(&denied_at) || denied_at.starts_with(&wanted)).then(|| denied.display().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::Permissions;

    fn only<T: crate::grants::AllowedValue>(capability: Capability, values: &str) -> Allowance<T> {
        Allowance::from_flag(capability, Some(&[values.to_string()])).unwrap()
    }

    #[test]
    fn a_denial_wins_over_allow_all() {
        let mut p = Permissions::allow_all("/work/exp");
        p.deny.env = only(Capability::Env, "TOKEN");
        assert!(!p.allows(Capability::Env, "TOKEN"));
        assert!(p.allows(Capability::Env, "HOME"));
        assert_eq!(p.denial(Capability::Env, "TOKEN").as_deref(), Some("--deny-env=TOKEN"));
    }

    #[test]
    fn a_denied_path_refuses_requests_under_it_and_requests_that_contain_it() {
        let mut p = Permissions::allow_all("/work/exp");
        p.deny.read = only(Capability::Read, "./data/secret");
        assert!(!p.allows(Capability::Read, "./data/secret/x"));
        assert!(!p.allows(Capability::Read, "./data"));
        assert!(p.allows(Capability::Read, "./data/public"));
    }

    #[test]
    fn deny_read_also_refuses_write_requests_but_deny_write_leaves_read() {
        let mut p = Permissions::allow_all("/work/exp");
        p.deny.read = only(Capability::Read, "./a");
        p.deny.write = only(Capability::Write, "./b");
        assert_eq!(p.denial(Capability::Write, "./a").as_deref(), Some("--deny-read=./a"));
        assert_eq!(p.denial(Capability::Write, "./b").as_deref(), Some("--deny-write=./b"));
        assert!(p.allows(Capability::Read, "./b"));
    }

    #[test]
    fn a_denied_port_refuses_a_request_for_every_port_of_its_host() {
        let mut p = Permissions::allow_all("/");
        p.deny.net = only(Capability::Net, "example.com:22");
        assert!(!p.allows(Capability::Net, "example.com"));
        assert!(!p.allows(Capability::Net, "example.com:22"));
        assert!(p.allows(Capability::Net, "example.com:443"));
    }

    #[test]
    fn a_deny_flag_without_values_refuses_everything_of_its_kind() {
        let mut p = Permissions::allow_all("/");
        p.deny.run = Allowance::from_flag(Capability::Run, Some(&[])).unwrap();
        assert_eq!(p.denial(Capability::Run, "sh").as_deref(), Some("--deny-run"));
    }

    #[test]
    fn a_prompt_grant_does_not_win_over_a_denial() {
        let mut p = Permissions::deny_all("/");
        p.deny.env = only(Capability::Env, "TOKEN");
        p.grant(Capability::Env, "TOKEN");
        assert!(!p.allows(Capability::Env, "TOKEN"));
    }

    #[test]
    fn merged_permissions_allow_what_either_allows_and_deny_what_either_denies() {
        let mut flags = Permissions::deny_all("/w");
        flags.env = only(Capability::Env, "A");
        let mut policy = Permissions::deny_all("/w");
        policy.env = only(Capability::Env, "B,C");
        policy.deny.env = only(Capability::Env, "C");
        let merged = flags.merged(&policy);
        assert!(merged.allows(Capability::Env, "A"));
        assert!(merged.allows(Capability::Env, "B"));
        assert!(!merged.allows(Capability::Env, "C"));
    }

    #[test]
    fn a_malformed_deny_value_names_the_deny_flag() {
        let bad = ["http://x/".to_string()];
        let err = Denials::from_flags(None, None, Some(&bad), None, None).unwrap_err();
        assert_eq!(err.to_string(), "invalid --deny-net value: `http://x/` is not a host or host:port");
    }
}
