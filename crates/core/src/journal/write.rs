//! Writing a journal atomically (a temporary file in the same directory,
//! then a rename, so an interrupted write never leaves a truncated journal
//! behind), and reading one.

use super::Journal;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Why a journal could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("cannot read the journal: {0}")]
    Io(#[from] std::io::Error),
    /// The file is not a journal.
    #[error("not a journal: {0}")]
    Format(#[from] serde_json::Error),
}

/// The buffer between the serializer and the file: the serializer writes
/// token by token, and each unbuffered write would be a system call.
const WRITE_BUFFER: usize = 64 << 10;

impl Journal {
    /// Writes the journal to `path` atomically, with `secrets` masked.
    ///
    /// # Errors
    /// When the directory is not writable.
    pub fn write(&self, path: &Path, secrets: &[String]) -> std::io::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::Builder::new().prefix(".journal-").suffix(".tmp").tempfile_in(dir)?;
        self.write_to(&mut tmp, secrets)?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Writes the journal to `out` as indented JSON and a final newline,
    /// with `secrets` masked, through a buffer so that `out` sees a few
    /// large writes. Without secrets to mask, the journal is serialized
    /// straight from its records, with no copy as a JSON tree.
    ///
    /// # Errors
    /// When `out` fails.
    pub fn write_to(&self, out: impl Write, secrets: &[String]) -> std::io::Result<()> {
        let mut out = BufWriter::with_capacity(WRITE_BUFFER, out);
        if secrets.is_empty() {
            serde_json::to_writer_pretty(&mut out, self)?;
        } else {
            let value = serde_json::to_value(self)?;
            serde_json::to_writer_pretty(&mut out, &crate::secrets::mask(&value, secrets))?;
        }
        out.write_all(b"\n")?;
        out.flush()
    }

    /// Reads the journal at `path`, ours or Chaos Toolkit's.
    ///
    /// # Errors
    /// When the file cannot be read or is not a journal.
    pub fn read(path: &Path) -> Result<Journal, ReadError> {
        Ok(serde_json::from_slice(&std::fs::read(path)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{ActivityStatus, RunRecord, RunStatus};
    use serde_json::{Value, json};
    use std::path::PathBuf;

    fn reference_journals() -> Vec<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference/journals");
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        paths
    }

    fn ours() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/journal-written-by-chaos.json")
    }

    fn reads_and_writes_back_the_same(path: &Path) {
        let text = std::fs::read_to_string(path).unwrap();
        let journal = Journal::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let original: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_value(&journal).unwrap(), original, "{}", path.display());
    }

    #[test]
    fn every_chaos_toolkit_reference_journal_reads_and_writes_back_unchanged() {
        let paths = reference_journals();
        assert!(paths.len() >= 8, "the reference journals are missing");
        for path in paths {
            reads_and_writes_back_the_same(&path);
        }
    }

    #[test]
    fn a_journal_written_by_chaos_reads_and_writes_back_unchanged() {
        reads_and_writes_back_the_same(&ours());
    }

    #[test]
    fn a_chaos_toolkit_traceback_reads_as_its_message() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference/journals/failed-probe.json");
        let journal = Journal::read(&path).unwrap();
        assert_eq!(journal.status, RunStatus::Failed);
        let probe = &journal.steady_states.before.as_ref().unwrap().probes[0];
        assert_eq!(probe.name(), Some("too-slow"));
        assert_eq!(probe.status, Some(ActivityStatus::Failed));
        assert_eq!(probe.exception.as_ref().unwrap().message(), "process activity took too long to complete");
        assert!(probe.exception.as_ref().unwrap().lines.len() > 1);
    }

    #[test]
    fn a_journal_written_by_chaos_names_its_engine_and_records() {
        let journal = Journal::read(&ours()).unwrap();
        assert_eq!(journal.chaos_wasm_version.as_deref(), Some("0.1.0"));
        let names: Vec<_> = journal.records().filter_map(|r| r.name()).collect();
        assert_eq!(names, ["say-hello", "say-hello", "too-slow", "undo"]);
    }

    #[test]
    fn unknown_keys_are_kept() {
        let mut value: Value = serde_json::from_str(&std::fs::read_to_string(ours()).unwrap()).unwrap();
        value["x-extension"] = json!({"a": 1});
        value["run"][0]["x-note"] = json!("kept");
        let journal: Journal = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(journal.extra["x-extension"], json!({"a": 1}));
        assert_eq!(serde_json::to_value(&journal).unwrap(), value);
    }

    #[test]
    fn a_document_that_is_not_a_journal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.json");
        std::fs::write(&path, r#"{"title": "an experiment"}"#).unwrap();
        assert!(matches!(Journal::read(&path), Err(ReadError::Format(_))));
    }

    #[test]
    fn the_journal_has_chaos_toolkit_keys_in_order() {
        let value = serde_json::to_value(Journal::start(json!({"title": "t"}))).unwrap();
        let keys: Vec<_> = value.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "chaoslib-version",
                "chaos-wasm-version",
                "platform",
                "node",
                "experiment",
                "start",
                "status",
                "deviated",
                "steady_states",
                "run",
                "rollbacks",
                "end",
                "duration"
            ]
        );
        assert_eq!(value["steady_states"], json!({"before": null, "after": null, "during": []}));
    }

    #[test]
    fn secrets_are_masked_when_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.json");
        Journal::start(json!({"title": "token s3cr3t"})).write(&path, &["s3cr3t".to_string()]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("token ***") && !text.contains("s3cr3t"));
    }

    /// A sink that counts the writes it receives.
    #[derive(Default)]
    struct CountingSink {
        bytes: Vec<u8>,
        writes: usize,
    }

    impl Write for CountingSink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.writes += 1;
            self.bytes.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn journal_of(records: usize) -> Journal {
        let mut journal = Journal::start(json!({"title": "t"}));
        journal.run = (0..records)
            .map(|i| {
                let mut r = RunRecord::start(&json!({"type": "probe", "name": format!("p-{i}"), "provider": {"type": "wasm", "module": "builtin:fs", "func": "exists", "arguments": {"path": "./x"}, "grants": {"read": ["."]}}}));
                r.status = Some(ActivityStatus::Succeeded);
                r.output = json!(true);
                r
            })
            .collect();
        journal
    }

    #[test]
    fn a_journal_reaches_its_file_in_a_few_large_writes_not_one_per_token() {
        let mut sink = CountingSink::default();
        journal_of(1000).write_to(&mut sink, &[]).unwrap();
        let most = sink.bytes.len() / (WRITE_BUFFER / 2) + 2;
        assert!(sink.writes <= most, "{} writes for {} bytes", sink.writes, sink.bytes.len());
    }

    #[test]
    fn a_journal_without_secrets_is_written_as_its_json_tree_would_be() {
        let journal = journal_of(3);
        let mut sink = CountingSink::default();
        journal.write_to(&mut sink, &[]).unwrap();
        let mut expected = serde_json::to_vec_pretty(&serde_json::to_value(&journal).unwrap()).unwrap();
        expected.push(b'\n');
        assert_eq!(String::from_utf8(sink.bytes).unwrap(), String::from_utf8(expected).unwrap());
    }

    #[test]
    fn writing_replaces_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.json");
        std::fs::write(&path, "old").unwrap();
        Journal::start(json!({"title": "t"})).write(&path, &[]).unwrap();
        assert_eq!(Journal::read(&path).unwrap().title(), Some("t"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
