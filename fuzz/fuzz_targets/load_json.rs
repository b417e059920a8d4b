//! The JSON experiment loader on arbitrary text: an error or a document,
//! never a panic, a hang or a memory blow-up.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = chaos_core::experiment::load::parse_json(text, "fuzz.json");
});
