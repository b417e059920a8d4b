//! Files an experiment or its operator names, read without trusting them:
//! only regular files (a FIFO or a device is refused before it is opened
//! for reading, so it can neither block nor stream forever), no larger than
//! a limit per kind of file, and documents no more deeply nested than
//! [`MAX_NESTING`].

mod yaml;

pub use yaml::check_yaml_nesting;

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
/// The deepest nesting of collections (arrays, objects; in YAML, of any
/// style, aliases expanded) in an experiment, var file or settings
/// document. YAML parsing slows down quadratically with nesting, so deeper
/// documents are refused before they are parsed: JSON by
/// [`check_nesting`], YAML by [`check_yaml_nesting`].
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

/// Checks that the JSON `text` nests `[` and `{` no deeper than `limit`,
/// without parsing it (YAML's other styles need [`check_yaml_nesting`]).
/// Quoted strings (a quote counts where a value starts), `#` comments and
/// the content of YAML block scalars (`|`, `>`) are skipped; where the scan
/// cannot tell, it counts a bracket rather than miss one.
///
/// # Errors
/// [`TooDeep`] with the line where the limit was passed.
pub fn check_nesting(text: &str, limit: usize) -> Result<(), TooDeep> {
    Scan { bytes: text.as_bytes(), i: 0, line: 1, depth: 0 }.run(limit)
}

/// The state of [`check_nesting`]'s scan.
struct Scan<'a> {
    bytes: &'a [u8],
    i: usize,
    line: usize,
    depth: usize,
}

impl Scan<'_> {
    fn run(mut self, limit: usize) -> Result<(), TooDeep> {
        // Where a value may start: a quote there opens a quoted string.
        let mut value_start = true;
        // The column of the line's first token after any `- `, which a block
        // scalar's content must be indented beyond.
        let mut owner = self.line_start();
        while let Some(&b) = self.bytes.get(self.i) {
            match b {
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    owner = self.line_start();
                    value_start = true;
                    continue;
                }
                b' ' | b'\t' | b'\r' => {}
                b'[' | b'{' => {
                    self.depth += 1;
                    if self.depth > limit {
                        return Err(TooDeep { limit, line: self.line });
                    }
                    value_start = true;
                }
                b']' | b'}' => {
                    self.depth = self.depth.saturating_sub(1);
                    value_start = false;
                }
                // A flow separator, or a mapping indicator (`: `, or `:`
                // right after a quoted key); inside a block plain scalar
                // (`a: b,'c` or `a: b:'c`) neither starts a value.
                b',' if self.depth > 0 => value_start = true,
                b':' if matches!(self.bytes.get(self.i + 1), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
                    || (self.i > 0 && matches!(self.bytes[self.i - 1], b'"' | b'\'')) =>
                {
                    value_start = true;
                }
                b'#' if self.i == 0 || matches!(self.bytes[self.i - 1], b' ' | b'\t') => {
                    self.skip_line();
                    continue;
                }
                b'"' | b'\'' if value_start => {
                    self.skip_quoted(b);
                    value_start = false;
                }
                b'|' | b'>' if value_start && self.depth == 0 => {
                    self.skip_line();
                    self.skip_block_scalar(owner);
                    owner = self.line_start();
                    continue;
                }
                _ => value_start = false,
            }
            self.i += 1;
        }
        Ok(())
    }

    /// At the start of a line: skips its indentation and any `- ` entries,
    /// and returns the column of its first token.
    fn line_start(&mut self) -> usize {
        let start = self.i;
        while let Some(&b) = self.bytes.get(self.i) {
            let dash = b == b'-' && matches!(self.bytes.get(self.i + 1), Some(b' ') | None);
            if b != b' ' && !dash {
                break;
            }
            self.i += 1;
        }
        self.i - start
    }

    /// Moves to the line's end (its `\n`).
    fn skip_line(&mut self) {
        while self.bytes.get(self.i).is_some_and(|&b| b != b'\n') {
            self.i += 1;
        }
    }

    /// From the opening quote, moves to the closing one.
    fn skip_quoted(&mut self, quote: u8) {
        self.i += 1;
        while let Some(&b) = self.bytes.get(self.i) {
            match b {
                b'\\' if quote == b'"' => self.i += 1,
                b'\'' if quote == b'\'' && self.bytes.get(self.i + 1) == Some(&b'\'') => self.i += 1,
                b'\n' => self.line += 1,
                _ if b == quote => return,
                _ => {}
            }
            self.i += 1;
        }
    }

    /// At the `\n` ending a block scalar's header: skips the content lines,
    /// those indented beyond `owner` (and as far as the first one), and
    /// blank lines, leaving the scan at the start of the next line.
    fn skip_block_scalar(&mut self, owner: usize) {
        let mut content: Option<usize> = None;
        while self.bytes.get(self.i) == Some(&b'\n') {
            let next = self.i + 1;
            let indent = self.bytes[next..].iter().take_while(|&&b| b == b' ').count();
            let rest = self.bytes.get(next + indent);
            let blank = matches!(rest, None | Some(b'\n' | b'\r'));
            let inside = match content {
                _ if blank => true,
                None => indent > owner,
                Some(m) => indent >= m,
            };
            if !inside {
                break;
            }
            if !blank && content.is_none() {
                content = Some(indent);
            }
            self.i = next;
            self.line += 1;
            self.skip_line();
        }
        if self.bytes.get(self.i) == Some(&b'\n') {
            self.i += 1;
            self.line += 1;
        }
    }
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
        let text = format!("a: \"{0}\"\nb: '{0}' # {0}\nc: [\"]\\\"]\", 'it''s {0}']", "[".repeat(10));
        assert_eq!(check_nesting(&text, 2), Ok(()));
    }

    #[test]
    fn brackets_in_a_block_scalar_do_not_nest() {
        let text = format!("- a: |\n    {0}\n\n    \"\n  b: [[x]]\nc: >\n  {0}\n", "[".repeat(10));
        assert_eq!(check_nesting(&text, 2), Ok(()));
    }

    #[test]
    fn a_quote_inside_a_plain_scalar_does_not_hide_brackets() {
        let deep = "[".repeat(4);
        for plain in ["it 's", "b:'c", "b,'c"] {
            assert!(check_nesting(&format!("a: {plain}\nb: {deep}\nc: x'"), 3).is_err(), "{plain}");
        }
    }

    #[test]
    fn json_keys_and_flow_separators_start_values() {
        assert_eq!(check_nesting("{\"a\":\"[[[[\",\"b\":[\"[[[[\",'[[[[']}", 2), Ok(()));
    }

    #[test]
    fn a_line_after_a_block_scalar_header_not_indented_beyond_its_key_is_scanned() {
        assert!(check_nesting(&format!("- a: |\n  b: {}", "[".repeat(4)), 3).is_err());
        assert!(check_nesting(&format!("a: |\n    x\n  b: {}", "[".repeat(4)), 3).is_err());
    }

    #[test]
    fn quotes_in_a_block_scalar_do_not_hide_later_brackets() {
        assert!(check_nesting(&format!("a: |\n  \"\nb: [\"]\" {}", "[\"]\" ".repeat(4)), 3).is_err());
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
