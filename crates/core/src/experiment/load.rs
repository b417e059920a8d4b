//! Reading an experiment file into a JSON document, with the line and
//! column of any syntax error.

use crate::input::{
    InputError, MAX_EXPERIMENT_BYTES, MAX_NESTING, TooDeep, check_nesting, check_yaml_nesting, read_regular_text,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A loaded experiment document and where it came from.
#[derive(Debug, Clone)]
pub struct Source {
    /// The document.
    pub document: Value,
    /// The file it was read from.
    pub path: PathBuf,
    /// The file's directory: component paths in the experiment are relative to it.
    pub base_dir: PathBuf,
}

/// Why an experiment could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// No such file (Chaos Toolkit's wording).
    #[error("Path \"{0}\" does not exist.")]
    NotFound(String),
    /// Neither `.json`, `.yaml` nor `.yml`.
    #[error("{0}: only files with json, yaml or yml extensions are supported")]
    Extension(String),
    /// The file could not be read (the cause is the error's source, so
    /// `{:#}` shows it once).
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Not a regular file, or over [`MAX_EXPERIMENT_BYTES`].
    #[error("{0}")]
    Input(InputError),
    /// Nested deeper than [`MAX_NESTING`].
    #[error("{path}: {source}")]
    TooDeep {
        /// The file.
        path: String,
        /// Where.
        source: TooDeep,
    },
    /// An http(s) source could not be fetched.
    #[error("{0}")]
    Fetch(String),
    /// A URL scheme other than http and https.
    #[error("'{0}' is not a supported source scheme.")]
    Scheme(String),
    /// Malformed JSON or YAML.
    #[error("Failed parsing {format} experiment {path} at line {line}, column {column}: {message}")]
    Syntax {
        /// "JSON" or "YAML".
        format: &'static str,
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
}

/// Loads the experiment at `path`; the parser is chosen by the extension.
///
/// # Errors
/// A missing or unreadable file, one that is not a regular file or is over
/// [`MAX_EXPERIMENT_BYTES`], an unsupported extension, a document nested
/// deeper than [`MAX_NESTING`], or a syntax error.
pub fn load(path: &Path) -> Result<Source, LoadError> {
    let shown = path.display().to_string();
    if !path.exists() {
        return Err(LoadError::NotFound(shown));
    }
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let text = read_regular_text(path, MAX_EXPERIMENT_BYTES).map_err(|e| match e {
        InputError::Io { source, .. } => LoadError::Io { path: shown.clone(), source },
        other => LoadError::Input(other),
    })?;
    let document = match ext.as_deref() {
        Some("json") => parse_json(&text, &shown)?,
        Some("yaml" | "yml") => parse_yaml(&text, &shown)?,
        _ => return Err(LoadError::Extension(shown)),
    };
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let base_dir = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Source { document, path: path.to_path_buf(), base_dir })
}

/// Parses JSON text.
///
/// # Errors
/// [`LoadError::TooDeep`], or [`LoadError::Syntax`] with the position of
/// the error.
pub fn parse_json(text: &str, path: &str) -> Result<Value, LoadError> {
    check_nesting(text, MAX_NESTING).map_err(|source| LoadError::TooDeep { path: path.to_string(), source })?;
    serde_json::from_str(text).map_err(|e| LoadError::Syntax {
        format: "JSON",
        path: path.to_string(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })
}

/// Parses YAML text into the JSON data model.
///
/// # Errors
/// [`LoadError::TooDeep`], or [`LoadError::Syntax`] with the position of
/// the error.
pub fn parse_yaml(text: &str, path: &str) -> Result<Value, LoadError> {
    check_yaml_nesting(text, MAX_NESTING).map_err(|source| LoadError::TooDeep { path: path.to_string(), source })?;
    serde_yaml_ng::from_str::<Value>(text).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
        LoadError::Syntax {
            format: "YAML",
            path: path.to_string(),
            line,
            column,
            message: strip_position(&e.to_string()),
        }
    })
}

/// Parsers append " at line L column C"; the error already says where.
/// The parsers' own depth limit (128) is said in words.
fn strip_position(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    if message == "recursion limit exceeded" {
        return "the document nests deeper than 128 levels".into();
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_syntax_errors_give_line_and_column() {
        let err = parse_json("{\n  \"title\": \"x\",\n  oops\n}", "e.json").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("Failed parsing JSON experiment e.json at line 3, column 3"), "{msg}");
    }

    #[test]
    fn yaml_syntax_errors_give_line_and_column() {
        let err = parse_yaml("title: x\nmethod: [\n  - a: b\n", "e.yaml").unwrap_err();
        let LoadError::Syntax { line, .. } = err else { panic!("{err}") };
        assert!(line >= 2);
    }

    #[test]
    fn yaml_loads_into_the_json_model() {
        let v = parse_yaml("title: t\nn: 3\nok: true\n", "e.yaml").unwrap();
        assert_eq!(v, serde_json::json!({"title": "t", "n": 3, "ok": true}));
    }

    /// Refused as nested too deep, with the limit and a line, not parsed.
    fn assert_too_deep(text: &str) {
        match parse_yaml(text, "e.yaml") {
            Err(err @ LoadError::TooDeep { .. }) => {
                let msg = err.to_string();
                assert!(msg.starts_with("e.yaml: the document nests deeper than 64 levels (at line "), "{msg}");
            }
            other => panic!("not refused as too deep: {other:?}"),
        }
    }

    /// A block mapping `depth` levels deep: `a:` indented one more each line.
    fn block_mapping(depth: usize) -> String {
        (0..depth).map(|d| format!("{}a:\n", " ".repeat(d))).collect::<String>() + &" ".repeat(depth) + "x\n"
    }

    #[test]
    fn deep_yaml_flow_sequences_are_refused() {
        assert_too_deep(&format!("{}{}", "[".repeat(65), "]".repeat(65)));
    }

    #[test]
    fn deep_yaml_flow_mappings_over_many_lines_are_refused() {
        assert_too_deep(&format!("{}x{}", "{a:\n".repeat(65), "}\n".repeat(65)));
    }

    #[test]
    fn deep_yaml_block_mappings_are_refused() {
        assert_too_deep(&block_mapping(65));
    }

    #[test]
    fn deep_yaml_compact_block_sequences_are_refused() {
        assert_too_deep(&format!("{}x\n", "- ".repeat(65)));
    }

    #[test]
    fn aliases_count_as_deep_as_the_anchored_node() {
        let anchored = format!("{}x{}", "[".repeat(40), "]".repeat(40));
        let inside = format!("{}*a{}", "[".repeat(30), "]".repeat(30));
        assert_too_deep(&format!("a: &a {anchored}\nb: {inside}\n"));
    }

    #[test]
    fn yaml_nested_up_to_the_limit_with_aliases_loads() {
        let anchored = format!("{}x{}", "[".repeat(30), "]".repeat(30));
        let inside = format!("{}*a{}", "[".repeat(33), "]".repeat(33));
        let value = parse_yaml(&format!("a: &a {anchored}\nb: {inside}\n"), "e.yaml").unwrap();
        assert_eq!(value["b"].to_string().matches('[').count(), 63);
        assert!(parse_yaml(&block_mapping(63), "e.yaml").is_ok());
    }

    #[test]
    fn a_400_kb_deeply_nested_yaml_document_is_refused_as_too_deep() {
        let size = 400 << 10;
        for text in ["[".repeat(size), "{a: ".repeat(size / 4), "- ".repeat(size / 2), "[\n".repeat(size / 2)] {
            assert_too_deep(&text);
        }
        let mut blocks = String::new();
        let mut depth = 0;
        while blocks.len() < size {
            blocks.push_str(&format!("{}- a:\n", " ".repeat(depth)));
            depth += 2;
        }
        assert_too_deep(&blocks);
    }

    #[test]
    fn yaml_syntax_errors_are_reported_by_the_parser_not_the_depth_check() {
        let err = parse_yaml("a: [1, 2\nb: {", "e.yaml").unwrap_err();
        assert!(matches!(err, LoadError::Syntax { format: "YAML", .. }), "{err}");
    }
}
