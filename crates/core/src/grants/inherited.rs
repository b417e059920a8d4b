//! The grants of an activity that declares none: what a Chaos Toolkit
//! `python` activity receives. Unmodified Chaos Toolkit experiments declare
//! no `grants`, so such an activity receives what the operator allows for
//! the run, and never more:
//!
//! - `--allow-read=DIRS` / `--allow-write=DIRS`: those directories, under
//!   the names the operator wrote (`.` is the guest's `.`); a value-less
//!   `--allow-read` / `--allow-write` (or `-A`) gives the run's working
//!   directory `.` only;
//! - `--allow-net=HOSTS`: those hosts; a value-less `--allow-net` (or `-A`)
//!   names no host, so it gives none;
//! - `--allow-env=VARS`: those variables; value-less, none;
//! - never `--allow-run` (a component cannot run programs).
//!
//! Denials (`--deny-*`) are not subtracted here: an inherited directory that
//! contains a denied path is refused by the grant check like any request,
//! so the run stops before anything runs and says which flag refused it.

use super::policy::{Allowance, Permissions};
use super::request::Grants;
use std::path::PathBuf;

/// The grants an activity that declares none receives from `permissions`.
pub fn inherited(permissions: &Permissions) -> Grants {
    let dirs = |allowance: &Allowance<PathBuf>| match allowance {
        Allowance::Denied => Vec::new(),
        Allowance::All => vec![".".to_string()],
        Allowance::Only(paths) => paths.iter().map(|p| p.to_string_lossy().into_owned()).collect(),
    };
    let write = dirs(&permissions.write);
    let read = dirs(&permissions.read).into_iter().filter(|p| !write.contains(p)).collect();
    let net = match &permissions.net {
        Allowance::Only(hosts) => hosts.iter().map(ToString::to_string).collect(),
        Allowance::Denied | Allowance::All => Vec::new(),
    };
    let env = match &permissions.env {
        Allowance::Only(vars) => vars.clone(),
        Allowance::Denied | Allowance::All => Vec::new(),
    };
    Grants { read, write, net, env, run: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::request::Capability;

    fn flags(read: Option<&[&str]>, write: Option<&[&str]>, net: Option<&[&str]>) -> Permissions {
        let owned = |v: Option<&[&str]>| v.map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>());
        let mut p = Permissions::deny_all("/work");
        p.read = Allowance::from_flag(Capability::Read, owned(read).as_deref()).unwrap();
        p.write = Allowance::from_flag(Capability::Write, owned(write).as_deref()).unwrap();
        p.net = Allowance::from_flag(Capability::Net, owned(net).as_deref()).unwrap();
        p
    }

    #[test]
    fn nothing_allowed_gives_nothing() {
        assert!(inherited(&Permissions::deny_all("/work")).is_empty());
    }

    #[test]
    fn the_tutorials_flags_give_the_working_directory_read_write_and_the_service() {
        let grants = inherited(&flags(Some(&["."]), Some(&["."]), Some(&["localhost:8080"])));
        assert_eq!(
            grants,
            Grants { read: vec![], write: vec![".".into()], net: vec!["localhost:8080".into()], ..Grants::default() }
        );
    }

    #[test]
    fn allow_all_gives_the_working_directory_and_no_host() {
        let grants = inherited(&Permissions::allow_all("/work"));
        assert_eq!(grants, Grants { write: vec![".".into()], ..Grants::default() });
    }

    #[test]
    fn read_only_directories_stay_read_only() {
        let grants = inherited(&flags(Some(&["./config", "."]), Some(&["."]), None));
        assert_eq!((grants.read, grants.write), (vec!["./config".to_string()], vec![".".to_string()]));
    }
}
