//! Structured inputs shared by the fuzz targets: JSON values and
//! substitution mappings built by `arbitrary` from the fuzzer's bytes, so
//! the targets spend their time in chaos-core rather than in a JSON parser.

use arbitrary::Arbitrary;
use chaos_core::substitution::Mapping;
use serde_json::{Map, Value};

/// A JSON value `arbitrary` can build.
#[derive(Arbitrary, Debug, Clone)]
pub enum ArbValue {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A non-negative integer past `i64`.
    UInt(u64),
    /// A float (non-finite ones become `null`, as in JSON).
    Float(f64),
    /// A string.
    Str(String),
    /// An array.
    Array(Vec<ArbValue>),
    /// An object (later keys win).
    Object(Vec<(String, ArbValue)>),
}

/// The deepest value built: as deep as `serde_json` parses (its recursion
/// limit), which is where every value chaos-core sees comes from (an
/// experiment, a var file, a probe's output). Deeper parts become `null`.
const MAX_DEPTH: usize = 128;

impl ArbValue {
    /// The JSON value.
    pub fn to_json(&self) -> Value {
        self.to_json_within(MAX_DEPTH)
    }

    fn to_json_within(&self, depth: usize) -> Value {
        let Some(depth) = depth.checked_sub(1) else { return Value::Null };
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Int(i) => Value::from(*i),
            Self::UInt(u) => Value::from(*u),
            Self::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Self::Str(s) => Value::String(s.clone()),
            Self::Array(items) => Value::Array(items.iter().map(|v| v.to_json_within(depth)).collect()),
            Self::Object(entries) => {
                Value::Object(entries.iter().map(|(k, v)| (k.clone(), v.to_json_within(depth))).collect())
            }
        }
    }
}

/// How deeply `value` nests arrays and objects (`[]` is 1, a scalar 0).
pub fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(entries) => 1 + entries.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Checks a loader's result: a document no deeper than
/// [`chaos_core::input::MAX_NESTING`], or an error that is not the parser's
/// own depth limit (the pre-check must refuse deep documents first).
pub fn check_loaded(result: &Result<Value, chaos_core::experiment::load::LoadError>) {
    match result {
        Ok(value) => assert!(depth(value) <= chaos_core::input::MAX_NESTING, "a document deeper than the limit loaded"),
        Err(e) => assert!(!e.to_string().contains("deeper than 128"), "the pre-check missed: {e}"),
    }
}

/// A substitution mapping (configuration and secrets by name).
pub fn mapping(entries: &[(String, ArbValue)]) -> Mapping {
    entries.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<Map<String, Value>>()
}
