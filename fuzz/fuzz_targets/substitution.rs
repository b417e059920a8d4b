//! `${name}` substitution: arbitrary argument templates, mappings and
//! checked values through `resolve_arguments`, and arbitrary text through
//! `render` and `has_placeholder`; never a panic.
#![no_main]

use arbitrary::Arbitrary;
use chaos_core::substitution::{has_placeholder, render, resolve_arguments, substitute_str};
use chaos_fuzz::{ArbValue, mapping};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    template: ArbValue,
    mapping: Vec<(String, ArbValue)>,
    value: Option<ArbValue>,
    text: String,
}

fuzz_target!(|input: Input| {
    let mapping = mapping(&input.mapping);
    let value = input.value.as_ref().map(ArbValue::to_json);
    let _ = resolve_arguments(&input.template.to_json(), &mapping, value.as_ref());
    let rendered = render(&input.text, &mapping);
    let _ = substitute_str(&input.text, &mapping);
    // Text without a placeholder renders as itself, `$$` aside.
    // (Within the output budget, which such text cannot pass.)
    if !has_placeholder(&input.text) && !input.text.contains("$$") {
        assert_eq!(rendered.as_deref(), Ok(input.text.as_str()));
    }
});
