//! Files an experiment or its operator names, read without trusting them:
//! only regular files (a FIFO or a device is refused before it is opened
//! for reading, so it can neither block nor stream forever), no larger than
//! a limit per kind of file, and documents no more deeply nested than
//! [`MAX_NESTING`].

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest experiment file (or remote experiment body): 4 MiB.
pub const MAX_EXPERIMENT_BYTES: u64 = 4 << 20;
/// The largest `--var-file`: 1 MiB.
pub const MAX_VAR_FILE_BYTES: u64 = 1 << 20;
/// The largest settings file: 1 MiB.
pub const MAX_SETTINGS_BYTES: u64 = 1 << 20;
/// The largest component (`.wasm`) file: 256 MiB.
pub const MAX_COMPONENT_BYTES: u64 = 256 << 20;
/// The deepest nesting of `[` and `{` in an experiment, var file or
/// settings document. YAML parsing slows down quadratically with the
/// nesting of flow collections, so deeper documents are refused before they
/// are parsed; block nesting is bounded by the parser (128 levels).
pub const MAX_NESTING: usize = 64;

/// Why an input file was refused.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A directory, FIFO, socket or device.
    #[error("{} is not a regular file", .0.display())]
    NotRegular(PathBuf),
    /// Over the limit for its kind.
    #[error("{} is larger than the limit of {limit} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl InputError {
    /// Whether the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Reads the regular file at `path`, refusing anything else and anything
/// over `limit` bytes. The file type is checked before the file is opened,
/// and again on the open handle (opened non-blocking, so a FIFO swapped in
/// meanwhile cannot block).
///
/// # Errors
/// [`InputError::NotRegular`], [`InputError::TooLarge`] or
/// [`InputError::Io`] (including a missing file).
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let io = |source| InputError::Io { path: path.to_path_buf(), source };
    let check = |meta: std::fs::Metadata| {
        if !meta.is_file() {
            Err(InputError::NotRegular(path.to_path_buf()))
        } else if meta.len() > limit {
            Err(InputError::TooLarge { path: path.to_path_buf(), limit })
        } else {
            Ok(())
        }
    };
    check(std::fs::metadata(path).map_err(io)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    check(file.metadata().map_err(io)?)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge { path: path.to_path_buf(), limit });
    }
    Ok(bytes)
}

/// Reads the regular file at `path` as UTF-8 text (see [`read_regular`]).
///
/// # Errors
/// As [`read_regular`]; text that is not UTF-8 is an [`InputError::Io`].
pub fn read_regular_text(path: &Path, limit: u64) -> Result<String, InputError> {
    let bytes = read_regular(path, limit)?;
    String::from_utf8(bytes).map_err(|e| InputError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
    })
}

/// The document nests `[`/`{` deeper than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the document nests deeper than {limit} levels (at line {line})")]
pub struct TooDeep {
    /// The limit.
    pub limit: usize,
    /// 1-based line where the limit was passed.
    pub line: usize,
}

/// Checks that the JSON or YAML `text` nests flow collections (`[`, `{`)
/// no deeper than `limit`, without parsing it: brackets inside quoted
/// strings (a quote counts where a token may start) and `#` comments are
/// skipped.
///
/// # Errors
/// [`TooDeep`] with the line where the limit was passed.
pub fn check_nesting(text: &str, limit: usize) -> Result<(), TooDeep> {
    let bytes = text.as_bytes();
    let (mut depth, mut line, mut i) = (0usize, 1usize, 0usize);
    let token_start =
        |i: usize| i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',' | b':');
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(TooDeep { limit, line });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'#' if token_start(i) => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            quote @ (b'"' | b'\'') if token_start(i) => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    match bytes[i] {
                        b'\\' if quote == b'"' => i += 1,
                        b'\n' => line += 1,
                        _ => {}
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_up_to_the_limit_passes() {
        assert_eq!(check_nesting(&format!("{}{}", "[".repeat(3), "]".repeat(3)), 3), Ok(()));
    }

    #[test]
    fn nesting_past_the_limit_is_refused_with_its_line() {
        assert_eq!(check_nesting(&format!("a:\n  {}", "[".repeat(4)), 3), Err(TooDeep { limit: 3, line: 2 }));
    }

    #[test]
    fn brackets_in_quoted_strings_and_comments_do_not_nest() {
        let text = format!("a: \"{0}\"\nb: '{0}' # {0}\nc: [\"]\\\"]\", '{0}']", "[".repeat(10));
        assert_eq!(check_nesting(&text, 2), Ok(()));
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        assert!(matches!(read_regular(&fifo, 10), Err(InputError::NotRegular(_))));
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "12345").unwrap();
        assert!(matches!(read_regular(&path, 4), Err(InputError::TooLarge { limit: 4, .. })));
        assert_eq!(read_regular(&path, 5).unwrap(), b"12345");
    }
}
