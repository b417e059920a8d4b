//! What activities ask for (`grants` in an experiment) and what the operator
//! allows (`--allow-*` flags), and the comparison of the two that `chaos run`
//! makes before anything runs.
//!
//! This module is pure data: it does not depend on wasmtime, so validation
//! and the CLI use it without a runtime. `chaos-sandbox` turns granted
//! requests into WASI capabilities.

use serde::Deserialize;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

/// The capabilities one activity requests, Deno-style. Everything is denied
/// unless listed here **and** allowed by the operator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// Directories the activity may read, as the experiment names them
    /// (relative paths resolve against the run's working directory).
    #[serde(default)]
    pub read: Vec<String>,
    /// Directories the activity may read and write.
    #[serde(default)]
    pub write: Vec<String>,
    /// `host:port` (or `host` for any port) the activity may connect to,
    /// through `wasi:sockets` or `wasi:http`.
    #[serde(default)]
    pub net: Vec<String>,
    /// Environment variables the activity may read.
    #[serde(default)]
    pub env: Vec<String>,
    /// Programs a `process` provider runs (outside the sandbox). Not part of
    /// a wasm provider's `grants`: components cannot run programs.
    #[serde(skip)]
    pub run: Vec<String>,
}

impl Grants {
    /// Every (capability, value) pair requested.
    pub fn requests(&self) -> impl Iterator<Item = (Capability, &str)> {
        self.read
            .iter()
            .map(|v| (Capability::Read, v.as_str()))
            .chain(self.write.iter().map(|v| (Capability::Write, v.as_str())))
            .chain(self.net.iter().map(|v| (Capability::Net, v.as_str())))
            .chain(self.env.iter().map(|v| (Capability::Env, v.as_str())))
            .chain(self.run.iter().map(|v| (Capability::Run, v.as_str())))
    }

    /// Whether nothing is requested.
    pub fn is_empty(&self) -> bool {
        self.requests().next().is_none()
    }
}

/// A kind of authority an activity can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Read files under a directory.
    Read,
    /// Read and write files under a directory.
    Write,
    /// Connect to a host and port.
    Net,
    /// Read an environment variable.
    Env,
    /// Run a program, outside the sandbox.
    Run,
}

impl Capability {
    /// The operator flag that allows this capability.
    pub fn flag(self) -> &'static str {
        match self {
            Capability::Read => "--allow-read",
            Capability::Write => "--allow-write",
            Capability::Net => "--allow-net",
            Capability::Env => "--allow-env",
            Capability::Run => "--allow-run",
        }
    }

    /// A few words for messages: "read access to".
    pub fn noun(self) -> &'static str {
        match self {
            Capability::Read => "read access to",
            Capability::Write => "write access to",
            Capability::Net => "network access to",
            Capability::Env => "the environment variable",
            Capability::Run => "to run the program",
        }
    }
}

/// What the operator allows for one capability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowance {
    /// Nothing (the default).
    Denied,
    /// Anything (`--allow-read` with no value).
    All,
    /// Only these values (`--allow-read=a,b`).
    Only(Vec<String>),
}

impl Allowance {
    /// Parses a flag: absent (`None`) is denied, present without values is
    /// all, present with values is only those.
    pub fn from_flag(flag: Option<&[String]>) -> Self {
        match flag {
            None => Allowance::Denied,
            Some([]) => Allowance::All,
            Some(values) => Allowance::Only(
                values
                    .iter()
                    .flat_map(|v| v.split(','))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(String::from)
                    .collect(),
            ),
        }
    }
}

/// Everything the operator allows for a run. Denies everything by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    /// `--allow-read`. Write access implies read access.
    pub read: Allowance,
    /// `--allow-write`.
    pub write: Allowance,
    /// `--allow-net`.
    pub net: Allowance,
    /// `--allow-env`.
    pub env: Allowance,
    /// `--allow-run`.
    pub run: Allowance,
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
            base_dir: base_dir.into(),
        }
    }

    /// Whether the operator allows `value` for `capability`.
    pub fn allows(&self, capability: Capability, value: &str) -> bool {
        match capability {
            Capability::Read => self.allows_path(&self.read, value) || self.allows_path(&self.write, value),
            Capability::Write => self.allows_path(&self.write, value),
            Capability::Net => match &self.net {
                Allowance::Denied => false,
                Allowance::All => true,
                Allowance::Only(list) => match value.parse::<HostPort>() {
                    Ok(wanted) => {
                        list.iter().filter_map(|a| a.parse::<HostPort>().ok()).any(|allowed| allowed.covers(&wanted))
                    }
                    Err(_) => false,
                },
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

    fn allows_path(&self, allowance: &Allowance, value: &str) -> bool {
        match allowance {
            Allowance::Denied => false,
            Allowance::All => true,
            Allowance::Only(list) => {
                let wanted = resolve_path(&self.base_dir, value);
                list.iter().any(|allowed| wanted.starts_with(resolve_path(&self.base_dir, allowed)))
            }
        }
    }

    /// Every request of `activities` (name, grants) that is not allowed.
    pub fn missing<'a>(&self, activities: impl IntoIterator<Item = (&'a str, &'a Grants)>) -> Vec<MissingGrant> {
        let mut missing = Vec::new();
        for (activity, grants) in activities {
            for (capability, value) in grants.requests() {
                let entry = MissingGrant { activity: activity.to_string(), capability, value: value.to_string() };
                if !self.allows(capability, value) && !missing.contains(&entry) {
                    missing.push(entry);
                }
            }
        }
        missing
    }
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
}

impl fmt::Display for MissingGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "activity '{}' needs {} {}: allow it with {}={}",
            self.activity,
            self.capability.noun(),
            self.value,
            self.capability.flag(),
            self.value
        )
    }
}

/// Resolves `path` against `base` and, where it exists, follows symlinks, so
/// that an allowed directory covers exactly what lies under it on disk.
/// Missing paths are normalized lexically (`a/../b` is `b`).
pub fn resolve_path(base: &Path, path: &str) -> PathBuf {
    let joined = base.join(path);
    if let Ok(real) = joined.canonicalize() {
        return real;
    }
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Where `program` is: a path (with a `/`, relative to `base`) or a name
/// looked up in `PATH`; `None` when no executable file is found.
pub fn resolve_program(base: &Path, program: &str) -> Option<PathBuf> {
    let program = match program.strip_prefix("~/") {
        Some(rest) => PathBuf::from(std::env::var_os("HOME")?).join(rest),
        None => PathBuf::from(program),
    };
    let is_executable = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.components().count() > 1 || program.is_absolute() {
        let path = base.join(&program);
        return is_executable(&path).then(|| path.canonicalize().unwrap_or(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(&program))
        .find(|p| is_executable(p))
        .map(|p| p.canonicalize().unwrap_or(p))
}

/// A network grant: a host name or IP address, with a port or any port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// Lower-cased host name, or IP address (IPv6 without brackets).
    pub host: String,
    /// The port, or `None` for any port.
    pub port: Option<u16>,
}

impl HostPort {
    /// Whether this grant covers `other` (same host; any port or the same).
    pub fn covers(&self, other: &HostPort) -> bool {
        self.host == other.host
            && match (self.port, other.port) {
                (None, _) => true,
                (Some(a), Some(b)) => a == b,
                (Some(_), None) => false,
            }
    }

    /// Whether it names `host` and `port`.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        self.host.eq_ignore_ascii_case(host.trim_start_matches('[').trim_end_matches(']'))
            && self.port.is_none_or(|p| p == port)
    }
}

impl FromStr for HostPort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || format!("`{s}` is not a host or host:port");
        if s.is_empty() || s.contains('/') || s.contains(char::is_whitespace) {
            return Err(bad());
        }
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or_else(bad)?;
            match after {
                "" => (host, None),
                p => (host, Some(p.strip_prefix(':').ok_or_else(bad)?)),
            }
        } else if s.matches(':').count() > 1 {
            (s, None) // a bare IPv6 address
        } else {
            match s.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (s, None),
            }
        };
        let is_ip = host.parse::<std::net::IpAddr>().is_ok();
        let is_name = host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
        });
        if host.is_empty() || !(is_ip || is_name) {
            return Err(format!("`{s}` is not a host or host:port (wildcards are not supported: name each host)"));
        }
        let port = match port {
            None => None,
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad())?),
        };
        Ok(HostPort { host: host.to_ascii_lowercase(), port })
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        match self.port {
            Some(p) => write!(f, "{host}:{p}"),
            None => f.write_str(&host),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perms() -> Permissions {
        Permissions::deny_all("/work/exp")
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
        p.net = Allowance::from_flag(Some(&[]));
        assert!(p.allows(Capability::Net, "example.com:443"));
        assert!(!p.allows(Capability::Env, "HOME"));
    }

    #[test]
    fn an_allowed_directory_covers_paths_under_it_but_not_beside_it() {
        let mut p = perms();
        p.read = Allowance::from_flag(Some(&["./data".to_string()]));
        assert!(p.allows(Capability::Read, "data/sub"));
        assert!(p.allows(Capability::Read, "./data"));
        assert!(!p.allows(Capability::Read, "./data-other"));
        assert!(!p.allows(Capability::Read, "./data/../secret"));
        assert!(!p.allows(Capability::Read, "/etc"));
    }

    #[test]
    fn write_implies_read_but_read_does_not_imply_write() {
        let mut p = perms();
        p.write = Allowance::from_flag(Some(&[".".to_string()]));
        assert!(p.allows(Capability::Read, "./x"));
        let mut p = perms();
        p.read = Allowance::from_flag(Some(&[".".to_string()]));
        assert!(!p.allows(Capability::Write, "./x"));
    }

    #[test]
    fn a_host_without_port_covers_every_port_but_not_the_reverse() {
        let mut p = perms();
        p.net = Allowance::from_flag(Some(&["localhost,example.com:443".to_string()]));
        assert!(p.allows(Capability::Net, "localhost:8080"));
        assert!(p.allows(Capability::Net, "LOCALHOST:1"));
        assert!(p.allows(Capability::Net, "example.com:443"));
        assert!(!p.allows(Capability::Net, "example.com:80"));
        assert!(!p.allows(Capability::Net, "example.com"));
    }

    #[test]
    fn host_ports_parse_names_ipv4_and_ipv6() {
        assert_eq!("a.b:80".parse(), Ok(HostPort { host: "a.b".into(), port: Some(80) }));
        assert_eq!("[::1]:80".parse(), Ok(HostPort { host: "::1".into(), port: Some(80) }));
        assert_eq!("::1".parse(), Ok(HostPort { host: "::1".into(), port: None }));
        assert!("a:b".parse::<HostPort>().is_err());
        assert!("*".parse::<HostPort>().is_err());
        assert!("*.example.com:443".parse::<HostPort>().is_err());
        assert!("exa mple".parse::<HostPort>().is_err());
        assert!("my-host.internal:22".parse::<HostPort>().is_ok());
        assert!("http://a".parse::<HostPort>().is_err());
        assert!("".parse::<HostPort>().is_err());
    }

    #[test]
    fn programs_are_allowed_by_name_or_by_the_file_they_resolve_to() {
        let mut p = perms();
        p.run = Allowance::from_flag(Some(&["sh".to_string()]));
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
