//! Filesystem grants: each granted directory is preopened under the name the
//! experiment uses, read-only for `read` and read-write for `write`. By
//! default no directory is preopened, so the guest sees no filesystem.
//!
//! WASI resolves every path against a preopen and refuses `..` and symlinks
//! that leave it, so a grant covers exactly the directory tree on disk.
//!
//! **Opened once, as a handle.** Preparing opens each granted directory
//! once and keeps the open directory; no call ever resolves the granted
//! path again. The directory is opened *through* the operator's allowance
//! it falls under (`--allow-write=./data` for a write grant of
//! `./data/sub`): the allowed directory is opened by its path, then the
//! requested sub-directory beneath it with `cap_primitives::fs::open_dir`
//! (the primitive behind cap-std's `Dir::open_dir`: openat2
//! `RESOLVE_BENEATH` on Linux), which refuses `..` and any symlink that
//! leaves the allowed directory. An allowance without values
//! (`--allow-write`, `-A`) has no directory to stay beneath: the granted
//! directory is then opened by its path as it resolves when preparing.
//!
//! **Preopening the handle, once.** wasmtime-wasi 48.0.8 can only preopen
//! by path (`WasiCtxBuilder::preopened_dir` opens the path itself; the
//! preopen list, `WasiFilesystemCtx::preopens`, is `pub(crate)`). So, once
//! when preparing, the held handle is preopened in a template WASI context
//! through its magic link `/proc/self/fd/<fd>` on Linux: the kernel resolves
//! it to exactly the directory the handle holds, whatever happened to the
//! path since. This needs `/proc` mounted, as it is on every Linux system
//! `chaos` supports. Elsewhere (`cfg(not(target_os = "linux"))`) there is no
//! such link: the canonical path found a moment earlier is preopened.
//!
//! Each call then gets a clone of the template's filesystem context
//! ([`PreparedFsGrant::install`]): the same open directory, shared through an
//! `Arc` exactly as wasmtime-wasi shares a preopen between the descriptors a
//! guest gets for it. No call opens, resolves or duplicates anything; a
//! directory renamed, removed or replaced by a symlink after preparing is
//! still the one every call sees.

use super::GrantError;
use chaos_core::grants::{Allowance, Grants, Permissions, lexical_path, resolve_path};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime_wasi::filesystem::WasiFilesystemCtx;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

/// The granted directories, each opened once and held, and the WASI
/// filesystem context that preopens them, built once.
#[derive(Clone, Default)]
pub struct PreparedFsGrant {
    dirs: Vec<PreparedDir>,
    /// The preopens every call gets a clone of.
    preopens: WasiFilesystemCtx,
}

impl std::fmt::Debug for PreparedFsGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedFsGrant").field("dirs", &self.dirs).finish_non_exhaustive()
    }
}

/// One granted directory.
#[derive(Debug, Clone)]
struct PreparedDir {
    /// The path as granted (for messages).
    granted: String,
    /// The canonical host path when it was prepared (for messages, and the
    /// path preopened where no handle can be).
    host: PathBuf,
    /// The directory, opened once beneath the operator's allowance.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    handle: Arc<File>,
    /// The name the guest sees.
    guest: String,
    perms: FsPerms,
}

impl PreparedFsGrant {
    /// Opens the `read` and `write` paths of `grants`, resolved against
    /// `base_dir`, each beneath the directory of `allowed` it falls under
    /// (a path granted for writing is read-write, whether or not it is also
    /// granted for reading, and must fall under `allowed.write`).
    ///
    /// # Errors
    /// A granted path that is missing or is not a directory
    /// ([`GrantError::NotADirectory`]); one that cannot be opened beneath
    /// any allowed directory, such as a symlink that leaves it
    /// ([`GrantError::OutsideAllowance`]); one whose handle cannot be
    /// preopened ([`GrantError::OpenDirectory`]).
    pub fn prepare(grants: &Grants, base_dir: &Path, allowed: &Permissions) -> Result<Self, GrantError> {
        let read_only = grants.read.iter().filter(|p| !grants.write.contains(p));
        let dirs =
            grants.write.iter().map(|p| (p, FsPerms::ReadWrite)).chain(read_only.map(|p| (p, FsPerms::ReadOnly)));
        let dirs = dirs
            .map(|(path, perms)| {
                let host = resolve_path(base_dir, path);
                if !host.is_dir() {
                    return Err(GrantError::NotADirectory { path: path.clone(), host });
                }
                let handle = open_beneath_allowance(base_dir, path, &host, allowed, perms)?;
                Ok(PreparedDir {
                    granted: path.clone(),
                    host,
                    handle: Arc::new(handle),
                    guest: guest_name(path),
                    perms,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut template = WasiCtxBuilder::new();
        for dir in &dirs {
            template
                .preopened_dir(preopen_path(dir), &dir.guest, dir.perms)
                .map_err(|e| GrantError::OpenDirectory { path: dir.granted.clone(), reason: e.to_string() })?;
        }
        let preopens = template.build().filesystem().clone();
        Ok(Self { dirs, preopens })
    }

    /// Each granted directory: its canonical host path when prepared, the
    /// name the guest sees it under, and whether it is writable.
    pub fn dirs(&self) -> impl Iterator<Item = (&Path, &str, FsPerms)> {
        self.dirs.iter().map(|d| (d.host.as_path(), d.guest.as_str(), d.perms))
    }

    /// Gives `wasi` the granted directories: the very directories opened
    /// when preparing, without a system call. Replaces whatever filesystem
    /// context `wasi` had (a fresh context has no preopen).
    pub fn install(&self, wasi: &mut WasiCtx) {
        *wasi.filesystem() = self.preopens.clone();
    }
}

/// The path that names the held directory: its magic link in `/proc`.
#[cfg(target_os = "linux")]
fn preopen_path(dir: &PreparedDir) -> PathBuf {
    use std::os::fd::AsRawFd;
    PathBuf::from(format!("/proc/self/fd/{}", dir.handle.as_raw_fd()))
}

/// The path that names the held directory: without `/proc`, its canonical
/// path when prepared.
#[cfg(not(target_os = "linux"))]
fn preopen_path(dir: &PreparedDir) -> PathBuf {
    dir.host.clone()
}

/// Opens the granted `path` (resolved as `host`) beneath one of the
/// directories `allowed` gives for `perms`, trying each that covers it,
/// lexically or once resolved; an allowance without values opens `host`.
fn open_beneath_allowance(
    base_dir: &Path,
    path: &str,
    host: &Path,
    allowed: &Permissions,
    perms: FsPerms,
) -> Result<File, GrantError> {
    let outside = |reason: String| GrantError::OutsideAllowance { path: path.to_string(), reason };
    let Some(roots) = allowed_roots(allowed, perms) else {
        return cap_primitives::fs::open_ambient_dir(host, cap_primitives::ambient_authority())
            .map_err(|e| GrantError::OpenDirectory { path: path.to_string(), reason: e.to_string() });
    };
    let requested = lexical_path(base_dir, path);
    let mut last = None;
    for root in roots {
        let lexical_root = lexical_path(&allowed.base_dir, root);
        let real_root = resolve_path(&allowed.base_dir, root);
        let beneath = [requested.strip_prefix(&lexical_root), host.strip_prefix(&real_root)];
        for rest in beneath.into_iter().flatten() {
            let rest = if rest.as_os_str().is_empty() { Path::new(".") } else { rest };
            let opened = cap_primitives::fs::open_ambient_dir(&real_root, cap_primitives::ambient_authority())
                .and_then(|root| cap_primitives::fs::open_dir(&root, rest));
            match opened {
                Ok(dir) => return Ok(dir),
                Err(e) => last = Some(format!("cannot open it beneath `{}`: {e}", real_root.display())),
            }
        }
    }
    Err(outside(last.unwrap_or_else(|| "no allowed directory covers it".to_string())))
}

/// The directories the operator allows for `perms` (write access implies
/// read access), or `None` when any directory is allowed.
fn allowed_roots(allowed: &Permissions, perms: FsPerms) -> Option<Vec<&PathBuf>> {
    let allowances = match perms {
        FsPerms::ReadWrite => vec![&allowed.write],
        _ => vec![&allowed.read, &allowed.write],
    };
    let mut roots = Vec::new();
    for allowance in allowances {
        match allowance {
            Allowance::All => return None,
            Allowance::Denied => {}
            Allowance::Only(list) => roots.extend(list),
        }
    }
    Some(roots)
}

/// The name the guest sees: the experiment's spelling without a trailing slash.
fn guest_name(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() { "/".to_string() } else { trimmed.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prepares `grants` with every directory allowed.
    fn prepare(grants: &Grants, base: &Path) -> Result<PreparedFsGrant, GrantError> {
        PreparedFsGrant::prepare(grants, base, &Permissions::allow_all(base))
    }

    /// The operator's `--allow-write=<write>` (and nothing else).
    fn allowing_write(base: &Path, write: &str) -> Permissions {
        Permissions { write: Allowance::Only(vec![PathBuf::from(write)]), ..Permissions::deny_all(base) }
    }

    /// A base with `data/sub` (holding `original.txt`) and `victim`.
    fn data_and_victim() -> tempfile::TempDir {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(base.path().join("data/sub")).unwrap();
        std::fs::write(base.path().join("data/sub/original.txt"), "x").unwrap();
        std::fs::create_dir(base.path().join("victim")).unwrap();
        base
    }

    /// The inode the preopen of the only prepared directory names now.
    fn preopened_inode(prepared: &PreparedFsGrant) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(preopen_path(&prepared.dirs[0])).unwrap().ino()
    }

    fn inode(path: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).unwrap().ino()
    }

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
        let prepared = prepare(&grants(&["./data/"], &[]), base.path()).unwrap();
        let dirs: Vec<_> = prepared.dirs().collect();
        let canonical = base.path().join("data").canonicalize().unwrap();
        assert_eq!(dirs, [(canonical.as_path(), "./data", FsPerms::ReadOnly)]);
    }

    #[test]
    fn a_path_granted_for_reading_and_writing_is_preopened_once_read_write() {
        let base = tempfile::tempdir().unwrap();
        let prepared = prepare(&grants(&["."], &["."]), base.path()).unwrap();
        let perms: Vec<_> = prepared.dirs().map(|(_, _, p)| p).collect();
        assert_eq!(perms, [FsPerms::ReadWrite]);
    }

    #[test]
    fn a_missing_directory_is_refused_when_prepared() {
        let base = tempfile::tempdir().unwrap();
        let err = prepare(&grants(&["missing"], &[]), base.path()).unwrap_err();
        assert!(matches!(err, GrantError::NotADirectory { ref path, .. } if path == "missing"), "{err}");
    }

    #[test]
    fn a_file_is_not_a_granted_directory() {
        let base = tempfile::tempdir().unwrap();
        std::fs::write(base.path().join("f"), "x").unwrap();
        let err = prepare(&grants(&[], &["f"]), base.path()).unwrap_err();
        assert!(matches!(err, GrantError::NotADirectory { .. }), "{err}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_directory_replaced_by_a_symlink_after_preparing_is_still_the_one_preopened() {
        let base = data_and_victim();
        let sub = base.path().join("data/sub");
        let original = inode(&sub);
        let prepared = PreparedFsGrant::prepare(
            &grants(&[], &["./data/sub"]),
            base.path(),
            &allowing_write(base.path(), "./data"),
        )
        .unwrap();
        std::fs::rename(&sub, base.path().join("data/moved")).unwrap();
        std::os::unix::fs::symlink("../victim", &sub).unwrap();
        assert_eq!(preopened_inode(&prepared), original);
        assert_ne!(inode(&sub), original, "the path itself now leads to the victim");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_directory_removed_after_preparing_is_still_the_one_preopened() {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir(base.path().join("gone")).unwrap();
        let original = inode(&base.path().join("gone"));
        let prepared = prepare(&grants(&["gone"], &[]), base.path()).unwrap();
        std::fs::remove_dir(base.path().join("gone")).unwrap();
        std::fs::create_dir(base.path().join("gone")).unwrap();
        assert_eq!(preopened_inode(&prepared), original);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn calls_share_the_directory_opened_when_preparing_instead_of_opening_it_again() {
        let base = tempfile::tempdir().unwrap();
        let prepared = prepare(&grants(&["."], &["."]), base.path()).unwrap();
        let open_descriptors = || std::fs::read_dir("/proc/self/fd").unwrap().count();
        let before = open_descriptors();
        let contexts: Vec<WasiCtx> = (0..200)
            .map(|_| {
                let mut wasi = WasiCtxBuilder::new().build();
                prepared.install(&mut wasi);
                wasi
            })
            .collect();
        let opened = open_descriptors().saturating_sub(before);
        assert!(opened < 100, "200 contexts opened {opened} descriptors");
        drop(contexts);
    }

    #[test]
    fn a_symlink_planted_before_preparing_that_leaves_the_allowance_is_refused() {
        let base = data_and_victim();
        let sub = base.path().join("data/sub");
        std::fs::remove_dir_all(&sub).unwrap();
        std::os::unix::fs::symlink("../victim", &sub).unwrap();
        let err = PreparedFsGrant::prepare(
            &grants(&[], &["./data/sub"]),
            base.path(),
            &allowing_write(base.path(), "./data"),
        )
        .unwrap_err();
        assert!(matches!(err, GrantError::OutsideAllowance { ref path, .. } if path == "./data/sub"), "{err}");
        let message = err.to_string();
        assert!(message.starts_with("granted path `./data/sub` does not stay within"), "{message}");
        assert!(message.contains("a symlink that leaves them is refused"), "{message}");
    }

    #[test]
    fn a_symlink_that_stays_within_the_allowance_is_followed() {
        let base = data_and_victim();
        std::os::unix::fs::symlink("sub", base.path().join("data/link")).unwrap();
        let prepared =
            PreparedFsGrant::prepare(&grants(&["./data/link"], &[]), base.path(), &allowing_write(base.path(), "data"))
                .unwrap();
        assert_eq!(prepared.dirs[0].host, base.path().join("data/sub").canonicalize().unwrap());
    }

    #[test]
    fn a_read_grant_falls_under_a_read_or_a_write_allowance_and_a_write_grant_only_under_a_write_one() {
        let base = data_and_victim();
        let read_only =
            Permissions { read: Allowance::Only(vec![PathBuf::from("data")]), ..Permissions::deny_all(base.path()) };
        assert!(PreparedFsGrant::prepare(&grants(&["data/sub"], &[]), base.path(), &read_only).is_ok());
        let err = PreparedFsGrant::prepare(&grants(&[], &["data/sub"]), base.path(), &read_only).unwrap_err();
        assert!(matches!(err, GrantError::OutsideAllowance { .. }), "{err}");
        let writable = allowing_write(base.path(), "data");
        assert!(PreparedFsGrant::prepare(&grants(&["data/sub"], &[]), base.path(), &writable).is_ok());
    }

    #[test]
    fn without_an_allowed_directory_a_symlink_is_followed_as_the_operator_allowed_everything() {
        let base = data_and_victim();
        std::fs::remove_dir_all(base.path().join("data/sub")).unwrap();
        std::os::unix::fs::symlink("../victim", base.path().join("data/sub")).unwrap();
        let prepared = prepare(&grants(&[], &["data/sub"]), base.path()).unwrap();
        assert_eq!(prepared.dirs[0].host, base.path().join("victim").canonicalize().unwrap());
    }

    #[test]
    fn the_root_keeps_its_name() {
        assert_eq!(guest_name("/"), "/");
        assert_eq!(guest_name("data/"), "data");
    }
}
