//! The YAML experiment loader on arbitrary text: an error or a document,
//! never a panic, a hang or a memory blow-up (deep nesting of any style is
//! refused before the parser slows down).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = chaos_core::experiment::load::parse_yaml(text, "fuzz.yaml");
});
