//! Filesystem grants: each granted directory is preopened under the name the
//! experiment uses, read-only for `read` and read-write for `write`. By
//! default no directory is preopened, so the guest sees no filesystem.
//!
//! WASI resolves every path against a preopen and refuses `..` and symlinks
//! that leave it, so a grant covers exactly the directory tree on disk.
//!
//! Preparing resolves each path once (following symlinks) and checks that
//! it is a directory; applying preopens the *canonical path* again for each
//! call. wasmtime-wasi 48.0.8 offers no way to preopen a directory that is
//! already open: `WasiCtxBuilder::preopened_dir(host_path: impl AsRef<Path>,
//! guest_path, FsPerms)` takes a path and opens it itself, and although
//! `wasmtime_wasi::filesystem::Dir::new(std::fs::File, FsPerms, OpenMode,
//! bool)` is public, the preopen list it would go into
//! (`WasiFilesystemCtx::preopens`) is `pub(crate)`, with no public setter on
//! the builder or on `WasiCtx::filesystem()`. So a directory renamed or
//! replaced by a symlink between preparing and a call is opened by path at
//! the call. Handle-based opening (open once, share the handle) needs that
//! API from wasmtime-wasi; until then the canonical path is the contract.

use super::GrantError;
use chaos_core::grants::{Grants, resolve_path};
use std::path::{Path, PathBuf};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

/// The granted directories, resolved and checked.
#[derive(Debug, Clone, Default)]
pub struct PreparedFsGrant {
    dirs: Vec<PreparedDir>,
}

/// One granted directory.
#[derive(Debug, Clone)]
struct PreparedDir {
    /// The path as granted (for messages).
    granted: String,
    /// The canonical host path.
    host: PathBuf,
    /// The name the guest sees.
    guest: String,
    perms: FsPerms,
}

impl PreparedFsGrant {
    /// Resolves the `read` and `write` paths of `grants` against `base_dir`
    /// (a path granted for writing is read-write, whether or not it is also
    /// granted for reading).
    ///
    /// # Errors
    /// A granted path that is missing or is not a directory.
    pub fn prepare(grants: &Grants, base_dir: &Path) -> Result<Self, GrantError> {
        let read_only = grants.read.iter().filter(|p| !grants.write.contains(p));
        let dirs =
            grants.write.iter().map(|p| (p, FsPerms::ReadWrite)).chain(read_only.map(|p| (p, FsPerms::ReadOnly)));
        let dirs = dirs
            .map(|(path, perms)| {
                let host = resolve_path(base_dir, path);
                if !host.is_dir() {
                    return Err(GrantError::NotADirectory { path: path.clone(), host });
                }
                Ok(PreparedDir { granted: path.clone(), host, guest: guest_name(path), perms })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { dirs })
    }

    /// Each granted directory: its canonical host path, the name the guest
    /// sees it under, and whether it is writable.
    pub fn dirs(&self) -> impl Iterator<Item = (&Path, &str, FsPerms)> {
        self.dirs.iter().map(|d| (d.host.as_path(), d.guest.as_str(), d.perms))
    }

    /// Preopens the granted directories in `wasi`.
    ///
    /// # Errors
    /// A directory that can no longer be opened (removed since it was
    /// prepared, or no longer a directory).
    pub fn apply(&self, wasi: &mut WasiCtxBuilder) -> Result<(), GrantError> {
        for dir in &self.dirs {
            wasi.preopened_dir(&dir.host, &dir.guest, dir.perms)
                .map_err(|e| GrantError::OpenDirectory { path: dir.granted.clone(), reason: e.to_string() })?;
        }
        Ok(())
    }
}

/// The name the guest sees: the experiment's spelling without a trailing slash.
fn guest_name(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() { "/".to_string() } else { trimmed.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(read: &[&str], write: &[&str]) -> Grants {
        Grants {
            read: read.iter().map(|s| s.to_string()).collect(),
            write: write.iter().map(|s| s.to_string()).collect(),
            ..Grants::default()
        }
    }

    #[test]
    fn a_granted_directory_is_resolved_to_its_canonical_path_once() {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir(base.path().join("data")).unwrap();
        let prepared = PreparedFsGrant::prepare(&grants(&["./data/"], &[]), base.path()).unwrap();
        let dirs: Vec<_> = prepared.dirs().collect();
        let canonical = base.path().join("data").canonicalize().unwrap();
        assert_eq!(dirs, [(canonical.as_path(), "./data", FsPerms::ReadOnly)]);
    }

    #[test]
    fn a_path_granted_for_reading_and_writing_is_preopened_once_read_write() {
        let base = tempfile::tempdir().unwrap();
        let prepared = PreparedFsGrant::prepare(&grants(&["."], &["."]), base.path()).unwrap();
        let perms: Vec<_> = prepared.dirs().map(|(_, _, p)| p).collect();
        assert_eq!(perms, [FsPerms::ReadWrite]);
    }

    #[test]
    fn a_missing_directory_is_refused_when_prepared() {
        let base = tempfile::tempdir().unwrap();
        let err = PreparedFsGrant::prepare(&grants(&["missing"], &[]), base.path()).unwrap_err();
        assert!(matches!(err, GrantError::NotADirectory { ref path, .. } if path == "missing"), "{err}");
    }

    #[test]
    fn a_file_is_not_a_granted_directory() {
        let base = tempfile::tempdir().unwrap();
        std::fs::write(base.path().join("f"), "x").unwrap();
        let err = PreparedFsGrant::prepare(&grants(&[], &["f"]), base.path()).unwrap_err();
        assert!(matches!(err, GrantError::NotADirectory { .. }), "{err}");
    }

    #[test]
    fn a_directory_removed_after_preparing_is_refused_when_applied() {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir(base.path().join("gone")).unwrap();
        let prepared = PreparedFsGrant::prepare(&grants(&["gone"], &[]), base.path()).unwrap();
        std::fs::remove_dir(base.path().join("gone")).unwrap();
        let err = prepared.apply(&mut WasiCtxBuilder::new()).unwrap_err();
        assert!(matches!(err, GrantError::OpenDirectory { ref path, .. } if path == "gone"), "{err}");
    }

    #[test]
    fn the_root_keeps_its_name() {
        assert_eq!(guest_name("/"), "/");
        assert_eq!(guest_name("data/"), "data");
    }
}
