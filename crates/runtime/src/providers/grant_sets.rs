//! The grant sets of one run, each prepared once: activities that declare
//! the same `grants` share one [`PreparedGrants`] (its directories opened
//! once, its host names resolved once, its environment read once), so
//! 10,000 probes granted `read: ["."]` open `.` once, not 10,000 times.

use chaos_core::grants::{Grants, Permissions};
use chaos_core::host_env::HostEnv;
use chaos_sandbox::{GrantError, PreparedGrants};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// Prepares grant sets for one run, against one base directory, one set of
/// operator permissions and one host environment, and keeps each set
/// prepared successfully.
pub struct GrantSets {
    base_dir: PathBuf,
    /// What the operator allows: granted directories are opened beneath it.
    permissions: Arc<Permissions>,
    env: HostEnv,
    prepared: Mutex<HashMap<Grants, Arc<PreparedGrants>>>,
}

impl GrantSets {
    /// No set prepared yet; paths resolve against `base_dir`, directories
    /// are opened beneath what `permissions` allows, granted environment
    /// variables take their values from `env`.
    pub fn new(base_dir: PathBuf, permissions: Arc<Permissions>, env: HostEnv) -> Self {
        Self { base_dir, permissions, env, prepared: Mutex::default() }
    }

    /// `grants` prepared: the set prepared earlier in this run if there is
    /// one, else prepared now and kept. A set that cannot be prepared is
    /// not kept, so a later activity tries again (a directory an earlier
    /// activity creates, for example).
    ///
    /// # Errors
    /// Why `grants` cannot be prepared ([`PreparedGrants::prepare_within`]).
    pub async fn get(&self, grants: &Grants) -> Result<Arc<PreparedGrants>, GrantError> {
        if let Some(prepared) = self.prepared.lock().unwrap_or_else(PoisonError::into_inner).get(grants) {
            return Ok(prepared.clone());
        }
        let prepared = self.prepare(grants).await?;
        let mut sets = self.prepared.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(sets.entry(grants.clone()).or_insert(prepared).clone())
    }

    /// `grants` prepared now, whatever was prepared before (and not kept).
    ///
    /// # Errors
    /// Why `grants` cannot be prepared ([`PreparedGrants::prepare_within`]).
    pub async fn prepare(&self, grants: &Grants) -> Result<Arc<PreparedGrants>, GrantError> {
        let prepared =
            PreparedGrants::prepare_within(grants, &self.base_dir, &self.permissions, |var| self.env.var_os(var))
                .await?;
        Ok(Arc::new(prepared))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(paths: &[&str]) -> Grants {
        Grants { read: paths.iter().map(|p| p.to_string()).collect(), ..Grants::default() }
    }

    fn sets(base: &std::path::Path) -> GrantSets {
        GrantSets::new(base.to_path_buf(), Arc::new(Permissions::allow_all(base)), HostEnv::process())
    }

    #[tokio::test]
    async fn activities_declaring_the_same_grants_share_one_prepared_set() {
        let base = tempfile::tempdir().unwrap();
        let sets = sets(base.path());
        let first = sets.get(&reading(&["."])).await.unwrap();
        for _ in 0..100 {
            assert!(Arc::ptr_eq(&first, &sets.get(&reading(&["."])).await.unwrap()));
        }
    }

    #[tokio::test]
    async fn different_grants_are_prepared_apart() {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir(base.path().join("data")).unwrap();
        let sets = sets(base.path());
        let dot = sets.get(&reading(&["."])).await.unwrap();
        let data = sets.get(&reading(&["data"])).await.unwrap();
        assert!(!Arc::ptr_eq(&dot, &data));
    }

    #[tokio::test]
    async fn a_set_that_cannot_be_prepared_is_tried_again_later() {
        let base = tempfile::tempdir().unwrap();
        let sets = sets(base.path());
        assert!(sets.get(&reading(&["later"])).await.is_err());
        std::fs::create_dir(base.path().join("later")).unwrap();
        assert!(sets.get(&reading(&["later"])).await.is_ok());
    }
}
