//! Filesystem grants: each granted directory is preopened under the name the
//! experiment uses, read-only for `read` and read-write for `write`. By
//! default no directory is preopened, so the guest sees no filesystem.
//!
//! WASI resolves every path against a preopen and refuses `..` and symlinks
//! that leave it, so a grant covers exactly the directory tree on disk.

use chaos_core::grants::{Grants, resolve_path};
use std::path::Path;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

/// Preopens the directories in `grants` (relative to `base_dir`).
///
/// # Errors
/// A granted path that is missing or is not a directory.
pub fn apply(grants: &Grants, base_dir: &Path, wasi: &mut WasiCtxBuilder) -> Result<(), String> {
    let read_only = grants.read.iter().filter(|p| !grants.write.contains(p));
    let dirs = grants.write.iter().map(|p| (p, FsPerms::ReadWrite)).chain(read_only.map(|p| (p, FsPerms::ReadOnly)));
    for (path, perms) in dirs {
        let host = resolve_path(base_dir, path);
        if !host.is_dir() {
            return Err(format!(
                "granted path `{path}` ({}) is not an existing directory; grants name directories",
                host.display()
            ));
        }
        let guest = guest_name(path);
        wasi.preopened_dir(&host, &guest, perms).map_err(|e| format!("cannot open granted directory `{path}`: {e}"))?;
    }
    Ok(())
}

/// The name the guest sees: the experiment's spelling without a trailing slash.
fn guest_name(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() { "/".to_string() } else { trimmed.to_string() }
}
