//! Where granted paths and programs are on disk: the only part of the
//! grants that touches the file system.

use std::path::{Component, Path, PathBuf};

/// Resolves `path` against `base` and, where it exists, follows symlinks, so
/// that an allowed directory covers exactly what lies under it on disk.
/// Missing paths are normalized lexically (`a/../b` is `b`).
pub fn resolve_path(base: &Path, path: impl AsRef<Path>) -> PathBuf {
    let joined = base.join(path);
    if let Ok(real) = joined.canonicalize() {
        return real;
    }
    lexical_path(base, joined)
}

/// Resolves `path` against `base` without touching the file system:
/// `a/../b` is `b`, symlinks are not followed.
pub fn lexical_path(base: &Path, path: impl AsRef<Path>) -> PathBuf {
    let joined = base.join(path);
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
