//! Writing the files `chaos discover` and `chaos init` produce through a
//! temporary file in the same directory and a rename, so that a symbolic
//! link planted at the destination (by a guest of an earlier run, say) is
//! replaced, never followed, and an interrupted write leaves no truncated
//! file behind.

use std::io::Write;
use std::path::Path;

/// Whether an existing file at the destination may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Replace it (a symbolic link is replaced, not followed).
    Replace,
    /// Fail with [`std::io::ErrorKind::AlreadyExists`], leaving it alone.
    Keep,
}

/// Writes `contents` to `path` through a temporary file and a rename.
///
/// # Errors
/// When the directory is not writable, or `path` exists (even as a
/// dangling link) and `existing` is [`Existing::Keep`].
pub fn write(path: &Path, contents: &[u8], existing: Existing) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Mode 0666 less the umask, as `std::fs::write` would create it.
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o666);
    let mut tmp = tempfile::Builder::new().prefix(".chaos-").suffix(".tmp").permissions(mode).tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    match existing {
        Existing::Replace => tmp.persist(path).map(drop).map_err(|e| e.error),
        Existing::Keep => tmp.persist_noclobber(path).map(drop).map_err(|e| e.error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_at_the_destination_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "precious").unwrap();
        let link = dir.path().join("out.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();

        write(&link, b"new", Existing::Replace).unwrap();

        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        assert!(!std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "new");
    }

    #[test]
    fn an_existing_file_is_kept_unless_replacing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        std::fs::write(&path, "old").unwrap();

        let err = write(&path, b"new", Existing::Keep).unwrap_err();

        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    }
}
