//! The YAML experiment loader on arbitrary text: an error or a document,
//! never a panic, a hang or a memory blow-up, and never
//! deeper than the nesting limit (deep nesting of any style is
//! refused before the parser slows down).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    chaos_fuzz::check_loaded(&chaos_core::experiment::load::parse_yaml(text, "fuzz.yaml"));
});
