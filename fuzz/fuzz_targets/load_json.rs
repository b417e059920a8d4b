//! The JSON experiment loader on arbitrary text: an error or a document,
//! never a panic, a hang or a memory blow-up, and never
//! deeper than the nesting limit.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    chaos_fuzz::check_loaded(&chaos_core::experiment::load::parse_json(text, "fuzz.json"));
});
