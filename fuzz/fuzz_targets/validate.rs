//! Validation of an arbitrary document (given as JSON or, when it does not
//! parse as JSON, YAML text), strict and lenient: a typed experiment or a
//! validation error, never a panic.
#![no_main]

use chaos_core::experiment::load::{parse_json, parse_yaml};
use chaos_core::validation::{Mode, validate_with};
use chaos_core::vars::Vars;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|text: &str| {
    let Ok(document) = parse_json(text, "fuzz.json").or_else(|_| parse_yaml(text, "fuzz.yaml")) else {
        return;
    };
    let base_dir = Path::new("/nonexistent/chaos-fuzz");
    let vars = Vars::default();
    let _ = validate_with(&document, base_dir, &vars, Mode::Strict);
    let _ = validate_with(&document, base_dir, &vars, Mode::Lenient);
});
