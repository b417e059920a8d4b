//! Tolerance evaluation: an arbitrary tolerance (bool, int, string, list,
//! regex, JSONPath, range) against an arbitrary probe output, with an
//! arbitrary substitution mapping; a verdict, never a panic or a hang.
#![no_main]

use arbitrary::Arbitrary;
use chaos_core::tolerance::{Tolerance, evaluate};
use chaos_fuzz::{ArbValue, mapping};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Spec {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<ArbValue>),
    Regex { pattern: String, target: Option<String> },
    JsonPath { path: String, target: Option<String>, count: Option<u64>, expect: Option<ArbValue> },
    Range { min: f64, max: f64, target: Option<String> },
}

#[derive(Arbitrary, Debug)]
struct Input {
    spec: Spec,
    value: ArbValue,
    mapping: Vec<(String, ArbValue)>,
}

fuzz_target!(|input: Input| {
    // A JSONPath with two descendant segments (`$..*..*`) costs time and
    // memory polynomial in the value's size with a degree growing with each
    // `..`: a known problem being bounded separately; until then such paths
    // are skipped so that the fuzzer looks for others.
    if let Spec::JsonPath { path, .. } = &input.spec
        && path.matches("..").count() > 1
    {
        return;
    }
    let tolerance = match input.spec {
        Spec::Bool(b) => Tolerance::Bool(b),
        Spec::Int(i) => Tolerance::Int(i.into()),
        Spec::Str(s) => Tolerance::Str(s),
        Spec::List(items) => Tolerance::List(items.iter().map(ArbValue::to_json).collect()),
        Spec::Regex { pattern, target } => Tolerance::Regex { pattern, target },
        Spec::JsonPath { path, target, count, expect } => {
            Tolerance::JsonPath { path, target, count, expect: expect.as_ref().map(ArbValue::to_json) }
        }
        Spec::Range { min, max, target } => Tolerance::Range { min, max, target },
    };
    let _ = evaluate(&tolerance, &input.value.to_json(), &mapping(&input.mapping));
});
