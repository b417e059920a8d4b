//! Every input the fuzz targets (`fuzz/`) found a problem with, replayed
//! through the same calls in the normal `cargo test`: each must give a
//! result (an error is fine), never a panic or a hang; the loaders never
//! give a document deeper than the nesting limit.
//!
//! Inputs live in `tests/fuzz-regressions/<target>/`. The text targets
//! (`load_json`, `load_yaml`, `validate`) keep the fuzzer's input as it
//! was; the structured ones keep the decoded input as JSON:
//! `substitution`: `{"template", "mapping", "value"?, "text"}`;
//! `tolerance`: `{"tolerance" (as an experiment writes it), "value", "mapping"}`.

use chaos_core::experiment::load::{LoadError, parse_json, parse_yaml};
use chaos_core::input::MAX_NESTING;
use chaos_core::substitution::{Mapping, has_placeholder, render, resolve_arguments, substitute_str};
use chaos_core::tolerance::evaluate;
use chaos_core::validation::{Mode, validate, validate_with};
use chaos_core::vars::Vars;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The regression inputs of `target`, sorted.
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().is_some_and(|n| n != ".gitkeep"))
        .collect();
    files.sort();
    files
}

fn text(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
}

fn json_input(path: &Path) -> Value {
    serde_json::from_str(&text(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn mapping(value: &Value) -> Mapping {
    value.as_object().cloned().unwrap_or_default()
}

/// How deeply `value` nests arrays and objects.
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(entries) => 1 + entries.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// As the loader targets check: a document within the nesting limit, or an
/// error other than the parser's own depth limit.
fn assert_loaded_within_the_limit(path: &Path, result: Result<Value, LoadError>) {
    match result {
        Ok(value) => assert!(depth(&value) <= MAX_NESTING, "{}: loaded too deep", path.display()),
        Err(e) => assert!(!e.to_string().contains("deeper than 128"), "{}: {e}", path.display()),
    }
}

#[test]
fn json_loader_regressions_load_within_the_nesting_limit_or_fail() {
    for path in inputs("load_json") {
        assert_loaded_within_the_limit(&path, parse_json(&text(&path), "fuzz.json"));
    }
}

#[test]
fn yaml_loader_regressions_load_within_the_nesting_limit_or_fail() {
    for path in inputs("load_yaml") {
        assert_loaded_within_the_limit(&path, parse_yaml(&text(&path), "fuzz.yaml"));
    }
}

#[test]
fn validation_regressions_give_a_result() {
    let base_dir = Path::new("/nonexistent/chaos-fuzz");
    for path in inputs("validate") {
        let text = text(&path);
        let Ok(document) = parse_json(&text, "fuzz.json").or_else(|_| parse_yaml(&text, "fuzz.yaml")) else {
            continue;
        };
        for mode in [Mode::Strict, Mode::Lenient] {
            let _ = validate_with(&document, base_dir, &Vars::default(), mode);
        }
    }
}

#[test]
fn substitution_regressions_give_a_result() {
    for path in inputs("substitution") {
        let input = json_input(&path);
        let mapping = mapping(&input["mapping"]);
        let _ = resolve_arguments(&input["template"], &mapping, input.get("value"));
        let text = input["text"].as_str().unwrap_or_default();
        let _ = (render(text, &mapping), substitute_str(text, &mapping), has_placeholder(text));
    }
}

#[test]
fn tolerance_regressions_give_a_verdict() {
    for path in inputs("tolerance") {
        let input = json_input(&path);
        // The tolerance as an experiment declares it, typed by validation.
        let document = json!({
            "title": "t", "description": "d", "method": [],
            "steady-state-hypothesis": {"title": "h", "probes": [{
                "type": "probe", "name": "p", "tolerance": input["tolerance"],
                "provider": {"type": "wasm", "module": "builtin:fs", "func": "exists", "arguments": {"path": "."}}
            }]}
        });
        let experiment =
            validate(&document, Path::new("."), &Vars::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let tolerance = experiment.hypothesis.unwrap().probes.remove(0).tolerance.unwrap();
        let _ = evaluate(&tolerance, &input["value"], &mapping(&input["mapping"]));
    }
}
