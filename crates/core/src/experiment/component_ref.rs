//! Where a wasm provider's component comes from, as the experiment names it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A wasm provider's `module`: a built-in component or a file. The sandbox
/// turns it into bytes; this type only says where to look.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ComponentRef {
    /// `builtin:NAME`, embedded in the binary.
    Builtin(String),
    /// A `.wasm` file.
    File(PathBuf),
}

impl ComponentRef {
    /// Reads a provider's `module`: `builtin:NAME`, or a path relative to
    /// `base_dir` (the experiment file's directory).
    pub fn parse(module: &str, base_dir: &Path) -> Self {
        match module.strip_prefix("builtin:") {
            Some(name) => ComponentRef::Builtin(name.to_string()),
            None => ComponentRef::File(base_dir.join(module)),
        }
    }
}

impl fmt::Display for ComponentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComponentRef::Builtin(name) => write!(f, "builtin:{name}"),
            ComponentRef::File(path) => write!(f, "{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_modules_are_named_and_files_resolve_against_the_experiment_directory() {
        let base = Path::new("/exp");
        assert_eq!(ComponentRef::parse("builtin:fs", base), ComponentRef::Builtin("fs".into()));
        assert_eq!(ComponentRef::parse("a/b.wasm", base), ComponentRef::File("/exp/a/b.wasm".into()));
        assert_eq!(ComponentRef::parse("builtin:fs", base).to_string(), "builtin:fs");
    }
}
