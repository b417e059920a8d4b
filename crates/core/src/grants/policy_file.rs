//! The operator's policy file (`--policy FILE`, or `policy:` in the
//! settings file): standing allowances and denials in the vocabulary of the
//! flags, so that CI and a Kubernetes Job need no long flag lists and no
//! terminal. Flags add to it; denials (from either) always win.
//!
//! ```yaml
//! allow:
//!   read: [./data]            # relative to this file's directory
//!   write: [./out]
//!   net: [localhost:8080, api.example.com:443]
//!   env: [HOME]
//!   run: [kubectl]            # a name looked up in PATH, or a path
//! deny:
//!   net: [169.254.169.254]
//!   env: [AWS_SECRET_ACCESS_KEY]
//! limits:
//!   memory_limit: 256         # MiB, like --memory-limit
//!   timeout: 120              # seconds, like --timeout
//!   output_limit: 1024        # KiB, like --output-limit
//! ```
//!
//! Each list may instead be `true` (everything of that kind, like a flag
//! without values) or `false` (nothing). Unknown keys are errors. The file
//! is YAML (so JSON too).

use super::deny::Denials;
use super::policy::{Allowance, AllowedValue, Permissions};
use super::request::Capability;
use crate::input::{MAX_NESTING, MAX_SETTINGS_BYTES, check_nesting, read_regular_text};
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Why a policy file cannot be used: `chaos` exits with status 2.
#[derive(Debug, thiserror::Error)]
#[error("invalid policy file {}: {message}", path.display())]
pub struct PolicyFileError {
    /// The file (the settings file for an inline `policy:` mapping).
    pub path: PathBuf,
    /// What is wrong, naming the key or value.
    pub message: String,
}

/// A policy file, as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// What is allowed, as `--allow-*` would.
    #[serde(default)]
    pub allow: PolicyLists,
    /// What is refused, as `--deny-*` would: wins over every allowance.
    #[serde(default)]
    pub deny: PolicyLists,
    /// Default limits of each activity (a flag given on the command line
    /// wins).
    #[serde(default)]
    pub limits: PolicyLimits,
}

/// One list per capability.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyLists {
    /// Paths to read (a write allowance implies read).
    #[serde(default)]
    pub read: Entries,
    /// Paths to read and write.
    #[serde(default)]
    pub write: Entries,
    /// `host` or `host:port`.
    #[serde(default)]
    pub net: Entries,
    /// Environment variable names.
    #[serde(default)]
    pub env: Entries,
    /// Programs (names in `PATH`, or paths).
    #[serde(default)]
    pub run: Entries,
}

/// The entries of one capability: `true` (all), `false` (none, the
/// default) or a list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Entries {
    /// `true`: everything of the kind; `false`: nothing.
    All(bool),
    /// These values.
    List(Vec<String>),
}

impl Default for Entries {
    fn default() -> Self {
        Entries::All(false)
    }
}

/// Default limits of each activity call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyLimits {
    /// Linear memory, in MiB (`--memory-limit`).
    pub memory_limit: Option<u64>,
    /// Seconds (`--timeout`).
    pub timeout: Option<f64>,
    /// Output, in KiB (`--output-limit`).
    pub output_limit: Option<u64>,
}

impl PolicyFile {
    /// Reads and parses the policy file at `path`.
    ///
    /// # Errors
    /// [`PolicyFileError`]: a missing or unreadable file, YAML that does
    /// not parse, an unknown key or an invalid value.
    pub fn load(path: &Path) -> Result<Self, PolicyFileError> {
        let error = |message: String| PolicyFileError { path: path.to_path_buf(), message };
        let text = read_regular_text(path, MAX_SETTINGS_BYTES).map_err(|e| error(e.to_string()))?;
        check_nesting(&text, MAX_NESTING).map_err(|e| error(e.to_string()))?;
        let file: PolicyFile = serde_yaml_ng::from_str(&text).map_err(|e| error(e.to_string()))?;
        file.check().map_err(error)?;
        Ok(file)
    }

    /// The `policy:` entry of the settings file at `settings_path`: a path
    /// to a policy file (relative to the settings file's directory) or an
    /// inline policy mapping; `None` without one. Relative paths resolve
    /// against the returned directory.
    ///
    /// # Errors
    /// [`PolicyFileError`] as [`PolicyFile::load`], or an entry that is
    /// neither a string nor a mapping.
    pub fn from_settings(entry: &Value, settings_path: &Path) -> Result<(Self, PathBuf), PolicyFileError> {
        let settings_dir = parent_dir(settings_path);
        match entry {
            Value::String(path) => {
                let path = settings_dir.join(path);
                let file = Self::load(&path)?;
                Ok((file, parent_dir(&path)))
            }
            Value::Object(_) => {
                let error = |message: String| PolicyFileError { path: settings_path.to_path_buf(), message };
                let file: PolicyFile =
                    serde_json::from_value(entry.clone()).map_err(|e| error(format!("policy: {e}")))?;
                file.check().map_err(error)?;
                Ok((file, settings_dir))
            }
            _ => Err(PolicyFileError {
                path: settings_path.to_path_buf(),
                message: "`policy` must be the path of a policy file or a mapping".to_string(),
            }),
        }
    }

    /// Checks every value, without resolving anything.
    fn check(&self) -> Result<(), String> {
        self.permissions(Path::new("/")).map(|_| ())?;
        if let Some(t) = self.limits.timeout
            && !(t > 0.0 && std::time::Duration::try_from_secs_f64(t).is_ok())
        {
            return Err(format!("limits.timeout must be a positive number of seconds, not {t}"));
        }
        Ok(())
    }

    /// The permissions this policy gives, relative paths (and relative
    /// program paths, those with a `/`) resolved against `dir`, the policy
    /// file's directory.
    ///
    /// # Errors
    /// An invalid entry, naming its key (`deny.net`) and value.
    pub fn permissions(&self, dir: &Path) -> Result<Permissions, String> {
        let allow = &self.allow;
        let deny = &self.deny;
        let mut permissions = Permissions::deny_all(dir);
        permissions.read = entries("allow", Capability::Read, &allow.read, dir)?;
        permissions.write = entries("allow", Capability::Write, &allow.write, dir)?;
        permissions.net = entries("allow", Capability::Net, &allow.net, dir)?;
        permissions.env = entries("allow", Capability::Env, &allow.env, dir)?;
        permissions.run = entries("allow", Capability::Run, &allow.run, dir)?;
        permissions.deny = Denials {
            read: entries("deny", Capability::Read, &deny.read, dir)?,
            write: entries("deny", Capability::Write, &deny.write, dir)?,
            net: entries("deny", Capability::Net, &deny.net, dir)?,
            env: entries("deny", Capability::Env, &deny.env, dir)?,
            run: entries("deny", Capability::Run, &deny.run, dir)?,
        };
        Ok(permissions)
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

fn entries<T: AllowedValue>(
    section: &str,
    capability: Capability,
    entries: &Entries,
    dir: &Path,
) -> Result<Allowance<T>, String> {
    let key = format!("{section}.{}", &capability.flag()["--allow-".len()..]);
    let list = match entries {
        Entries::All(false) => return Ok(Allowance::Denied),
        Entries::All(true) => return Ok(Allowance::All),
        Entries::List(list) => list,
    };
    list.iter()
        .map(|entry| {
            let trimmed = entry.trim();
            if trimmed.is_empty() {
                return Err(format!("{key}: an empty entry"));
            }
            let is_path = matches!(capability, Capability::Read | Capability::Write)
                || (capability == Capability::Run && trimmed.contains('/'));
            let value = if is_path && !trimmed.starts_with("~/") {
                dir.join(trimmed).display().to_string()
            } else {
                trimmed.to_string()
            };
            T::parse_allowed(&value).map_err(|reason| format!("{key}: {reason}"))
        })
        .collect::<Result<_, _>>()
        .map(Allowance::Only)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("policy.yaml");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn relative_paths_resolve_against_the_policy_files_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "allow:\n  read: [./data]\n  run: [./bin/check, sh]\n");
        let permissions = PolicyFile::load(&path).unwrap().permissions(dir.path()).unwrap();
        assert_eq!(permissions.read, Allowance::Only(vec![dir.path().join("./data")]));
        assert_eq!(
            permissions.run,
            Allowance::Only(vec![dir.path().join("./bin/check").display().to_string(), "sh".to_string()])
        );
        let elsewhere = Permissions::deny_all("/somewhere/else").merged(&permissions);
        assert!(elsewhere.allows(Capability::Read, &dir.path().join("data/x").display().to_string()));
        assert!(!elsewhere.allows(Capability::Read, "./data"));
    }

    #[test]
    fn a_policy_denial_wins_over_a_policy_allowance() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "allow: {env: true, net: [example.com]}\ndeny: {env: [TOKEN]}\n");
        let permissions = PolicyFile::load(&path).unwrap().permissions(dir.path()).unwrap();
        assert!(permissions.allows(Capability::Env, "HOME"));
        assert!(!permissions.allows(Capability::Env, "TOKEN"));
        assert!(permissions.allows(Capability::Net, "example.com:443"));
    }

    #[test]
    fn an_unknown_key_is_one_error_naming_the_file_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "allow:\n  reed: [.]\n");
        let err = PolicyFile::load(&path).unwrap_err().to_string();
        assert!(err.starts_with(&format!("invalid policy file {}:", path.display())), "{err}");
        assert!(err.contains("unknown field `reed`"), "{err}");
    }

    #[test]
    fn an_invalid_value_is_an_error_naming_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "deny:\n  net: [\"http://x\"]\n");
        let err = PolicyFile::load(&path).unwrap_err().to_string();
        assert!(err.ends_with("deny.net: `http://x` is not a host or host:port"), "{err}");
        let path = write(dir.path(), "limits: {timeout: -1}\n");
        let err = PolicyFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("limits.timeout must be a positive number of seconds"), "{err}");
    }

    #[test]
    fn a_missing_policy_file_is_an_error() {
        let err = PolicyFile::load(Path::new("/nonexistent/policy.yaml")).unwrap_err().to_string();
        assert!(err.starts_with("invalid policy file /nonexistent/policy.yaml:"), "{err}");
    }

    #[test]
    fn the_settings_entry_is_a_path_relative_to_the_settings_file_or_an_inline_policy() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "allow: {env: [A]}\n");
        let settings = dir.path().join("settings.yaml");
        let (file, base) = PolicyFile::from_settings(&Value::from("policy.yaml"), &settings).unwrap();
        assert_eq!(base, dir.path());
        assert_eq!(file.allow.env, Entries::List(vec!["A".into()]));
        let inline = serde_json::json!({"deny": {"net": ["169.254.169.254"]}});
        let (file, _) = PolicyFile::from_settings(&inline, &settings).unwrap();
        assert_eq!(file.deny.net, Entries::List(vec!["169.254.169.254".into()]));
        let err = PolicyFile::from_settings(&serde_json::json!({"alow": {}}), &settings).unwrap_err().to_string();
        assert!(err.contains("unknown field `alow`"), "{err}");
    }
}
