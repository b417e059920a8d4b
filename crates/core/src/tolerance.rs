//! Steady-state tolerances and how a probe's output is checked against
//! them, with Chaos Toolkit's comparison rules (Python equality: `1 == 1.0`,
//! `true == 1`; a two-element list is an inclusive range).
//!
//! A probe used as a tolerance is run by the runner; everything else is
//! decided here, and each verdict says what was expected and what came.

use crate::experiment::Activity;
use crate::substitution::{Mapping, python_repr, substitute, substitute_str};
use serde_json::Value;
use std::cmp::Ordering;

mod jsonpath;

pub use jsonpath::MAX_JSONPATH_NODES;
use jsonpath::jsonpath;

/// A hypothesis probe's `tolerance`.
#[derive(Debug, Clone)]
pub enum Tolerance {
    /// `true` / `false`.
    Bool(bool),
    /// An integer: equals the value, or its `status` (process, http).
    Int(serde_json::Number),
    /// A string (substituted; may turn into another type).
    Str(String),
    /// A list: `status in list`, else a 2-element inclusive range, else membership.
    List(Vec<Value>),
    /// `{"type": "regex", "pattern", "target"?}`.
    Regex {
        /// Pattern (substituted).
        pattern: String,
        /// Key of the value to match.
        target: Option<String>,
    },
    /// `{"type": "jsonpath", "path", "target"?, "count"?, "expect"?}`.
    JsonPath {
        /// RFC 9535 path (substituted).
        path: String,
        /// Key of the value to query.
        target: Option<String>,
        /// Expected number of matches.
        count: Option<u64>,
        /// Expected matches (substituted).
        expect: Option<Value>,
    },
    /// `{"type": "range", "range": [min, max], "target"?}`.
    Range {
        /// Lower bound, inclusive.
        min: f64,
        /// Upper bound, inclusive.
        max: f64,
        /// Key of the value to compare.
        target: Option<String>,
    },
    /// A probe that receives the value as its `value` argument; met when its
    /// output is truthy.
    Probe(Box<Activity>),
}

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Whether the value is within tolerance.
    pub met: bool,
    /// "expected status in [200, 503], got 500"-style explanation.
    pub explanation: String,
}

/// Checks `value` against `tolerance` (which must not be a probe).
///
/// Where Chaos Toolkit would crash without a journal (comparing values that
/// cannot be ordered, a regex against a non-string), the verdict is "not met"
/// and the explanation says why.
pub fn evaluate(tolerance: &Tolerance, value: &Value, mapping: &Mapping) -> Verdict {
    evaluate_substituted(tolerance, value, mapping)
        .unwrap_or_else(|e| Verdict { met: false, explanation: format!("the tolerance cannot be checked: {e}") })
}

/// [`evaluate`], or why the tolerance's placeholders could not be substituted.
fn evaluate_substituted(
    tolerance: &Tolerance,
    value: &Value,
    mapping: &Mapping,
) -> Result<Verdict, crate::substitution::SubstitutionTooLarge> {
    Ok(match tolerance {
        Tolerance::Bool(b) => equal_to(&Value::Bool(*b), value),
        Tolerance::Int(n) => int(&Value::Number(n.clone()), value),
        Tolerance::Str(s) => match substitute_str(s, mapping)? {
            Value::String(s) => equal_to(&Value::String(s), value),
            Value::Bool(b) => equal_to(&Value::Bool(b), value),
            n @ Value::Number(_) => int(&n, value),
            Value::Array(items) => list(&items, value),
            other => equal_to(&other, value),
        },
        Tolerance::List(items) => list(items, value),
        Tolerance::Regex { pattern, target } => regex(&substitute_str(pattern, mapping)?, target, value),
        Tolerance::JsonPath { path, target, count, expect } => {
            let expect = expect.as_ref().map(|e| substitute(e, mapping)).transpose()?;
            jsonpath(&crate::substitution::render(path, mapping)?, target.as_deref(), *count, expect, value)
        }
        Tolerance::Range { min, max, target } => range(*min, *max, target.as_deref(), value),
        Tolerance::Probe(p) => {
            Verdict { met: false, explanation: format!("probe tolerance '{}' must be run by the runner", p.name) }
        }
    })
}

fn verdict(met: bool, expected: String, got: &Value) -> Verdict {
    Verdict { met, explanation: format!("expected {expected}, got {}", short(got)) }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 200 { format!("{}...", &s[..s.floor_char_boundary(200)]) } else { s }
}

fn status_of(value: &Value) -> Option<&Value> {
    value.as_object().and_then(|o| o.get("status"))
}

fn equal_to(expected: &Value, value: &Value) -> Verdict {
    verdict(py_eq(value, expected), expected.to_string(), value)
}

fn int(expected: &Value, value: &Value) -> Verdict {
    match status_of(value) {
        Some(status) => verdict(py_eq(status, expected), format!("status {expected}"), status),
        None => equal_to(expected, value),
    }
}

fn list(items: &[Value], value: &Value) -> Verdict {
    let shown = Value::Array(items.to_vec()).to_string();
    if let Some(status) = status_of(value) {
        return verdict(items.iter().any(|i| py_eq(status, i)), format!("status in {shown}"), status);
    }
    if let [low, high] = items {
        return match (py_cmp(low, value), py_cmp(value, high)) {
            (Some(a), Some(b)) => verdict(
                a != Ordering::Greater && b != Ordering::Greater,
                format!("a value between {low} and {high}"),
                value,
            ),
            _ => Verdict { met: false, explanation: format!("cannot compare {} with the range {shown}", short(value)) },
        };
    }
    verdict(items.iter().any(|i| py_eq(value, i)), format!("one of {shown}"), value)
}

fn targeted<'a>(value: &'a Value, target: Option<&str>) -> &'a Value {
    match (target, value) {
        (Some(t), Value::Object(o)) => o.get(t).unwrap_or(value),
        _ => value,
    }
}

/// The longest regex tolerance pattern accepted, in bytes.
pub const MAX_PATTERN_BYTES: usize = 4096;

/// The most memory one compiled pattern may take, in bytes: 256 KiB.
/// Compiling stops as soon as a pattern needs more, so a short pattern that
/// expands hugely (`\w{1000}`) is refused quickly instead of costing
/// seconds and megabytes.
pub const MAX_PATTERN_SIZE: usize = 256 << 10;

/// Compiles a regex tolerance pattern within [`MAX_PATTERN_BYTES`] and
/// [`MAX_PATTERN_SIZE`]; validation and evaluation both use it.
///
/// # Errors
/// The pattern is too long, invalid, or compiles to more than the limit.
pub fn compile_pattern(pattern: &str) -> Result<regex::Regex, String> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(format!("the pattern is longer than {MAX_PATTERN_BYTES} bytes"));
    }
    regex::RegexBuilder::new(pattern).size_limit(MAX_PATTERN_SIZE).nest_limit(64).build().map_err(|e| e.to_string())
}

fn regex(pattern: &Value, target: &Option<String>, value: &Value) -> Verdict {
    let pattern = match pattern {
        Value::String(p) => p.clone(),
        other => python_repr(other),
    };
    let value = targeted(value, target.as_deref());
    let Value::String(text) = value else {
        return Verdict {
            met: false,
            explanation: format!("expected text matching /{pattern}/, got {}", short(value)),
        };
    };
    match compile_pattern(&pattern) {
        Ok(re) => verdict(re.is_match(text), format!("text matching /{pattern}/"), value),
        Err(e) => Verdict { met: false, explanation: format!("invalid pattern /{pattern}/: {e}") },
    }
}

fn range(min: f64, max: f64, target: Option<&str>, value: &Value) -> Verdict {
    let value = targeted(value, target);
    let number = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    };
    let expected = format!("a value between {min} and {max}");
    match number {
        Some(n) => verdict(min <= n && n <= max, expected, value),
        None => verdict(false, expected, value),
    }
}

/// Python's `==` on JSON values: numbers and booleans compare numerically.
pub fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => match (numeric(a), numeric(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

/// Python's ordering where it is defined (numbers and booleans, strings,
/// lists); `None` where Python raises `TypeError`.
pub fn py_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                match py_cmp(p, q)? {
                    Ordering::Equal => continue,
                    other => return Some(other),
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        _ => numeric(a)?.partial_cmp(&numeric(b)?),
    }
}

fn numeric(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

/// Python truthiness, for probe tolerances.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(t: Tolerance, v: Value) -> bool {
        evaluate(&t, &v, &Mapping::new()).met
    }

    #[test]
    fn python_equality_treats_true_as_one_and_ints_as_floats() {
        assert!(check(Tolerance::Bool(true), json!(1)));
        assert!(check(Tolerance::Int(1.into()), json!(1.0)));
        assert!(!check(Tolerance::Bool(true), json!("true")));
    }

    #[test]
    fn an_int_tolerance_compares_the_status_of_http_and_process_results() {
        assert!(check(Tolerance::Int(200.into()), json!({"status": 200, "body": ""})));
        assert!(!check(Tolerance::Int(200.into()), json!({"status": 500})));
    }

    #[test]
    fn a_two_element_list_is_an_inclusive_range() {
        assert!(check(Tolerance::List(vec![json!(1), json!(3)]), json!(3)));
        assert!(!check(Tolerance::List(vec![json!(1), json!(3)]), json!(4)));
    }

    #[test]
    fn a_list_checks_the_status_by_membership() {
        let t = Tolerance::List(vec![json!(200), json!(503)]);
        assert!(!check(t.clone(), json!({"status": 300})));
        assert!(check(t, json!({"status": 503})));
    }

    #[test]
    fn other_lists_check_membership() {
        assert!(check(Tolerance::List(vec![json!("a"), json!("b"), json!("c")]), json!("b")));
    }

    #[test]
    fn an_unorderable_range_is_not_met_and_says_why() {
        let v = evaluate(&Tolerance::List(vec![json!(1), json!(3)]), &json!(null), &Mapping::new());
        assert!(!v.met);
        assert!(v.explanation.contains("cannot compare"), "{}", v.explanation);
    }

    #[test]
    fn a_string_tolerance_substituted_into_an_int_uses_the_int_rule() {
        let m = json!({"code": 200}).as_object().unwrap().clone();
        assert!(evaluate(&Tolerance::Str("${code}".into()), &json!({"status": 200}), &m).met);
    }

    #[test]
    fn a_string_never_equals_a_result_object() {
        assert!(!check(Tolerance::Str("200".into()), json!({"status": 200})));
    }

    #[test]
    fn regex_searches_the_target() {
        let t = Tolerance::Regex { pattern: "^ok".into(), target: Some("body".into()) };
        assert!(check(t.clone(), json!({"body": "ok then"})));
        assert!(!check(t, json!({"body": "not ok"})));
    }

    #[test]
    fn jsonpath_counts_and_expects() {
        let v = json!({"body": {"items": [{"id": 1}, {"id": 2}]}});
        let path = |count, expect| Tolerance::JsonPath {
            path: "$.items[*].id".into(),
            target: Some("body".into()),
            count,
            expect,
        };
        assert!(check(path(None, None), v.clone()));
        assert!(check(path(Some(2), None), v.clone()));
        assert!(!check(path(Some(3), None), v.clone()));
        assert!(check(path(None, Some(json!([1, 2]))), v.clone()));
        assert!(!check(path(None, Some(json!(1))), v));
    }

    #[test]
    fn jsonpath_parses_json_text() {
        let t = Tolerance::JsonPath { path: "$.a".into(), target: None, count: None, expect: Some(json!(5)) };
        assert!(check(t, json!("{\"a\": 5}")));
    }

    #[test]
    fn range_accepts_numeric_strings_and_rejects_the_rest() {
        let t = Tolerance::Range { min: 500.0, max: 600.0, target: None };
        assert!(check(t.clone(), json!("580")));
        assert!(!check(t.clone(), json!("abc")));
        assert!(!check(t, json!(601)));
    }

    #[test]
    fn verdicts_say_what_was_expected_and_what_came() {
        let v = evaluate(&Tolerance::List(vec![json!(200), json!(503)]), &json!({"status": 500}), &Mapping::new());
        assert_eq!(v.explanation, "expected status in [200,503], got 500");
    }
}

#[cfg(test)]
mod pattern_tests {
    use super::*;

    #[test]
    fn a_pattern_that_compiles_beyond_the_size_limit_is_refused() {
        let err = compile_pattern(r"\w{1000}").unwrap_err();
        assert!(err.contains("size limit"), "{err}");
    }

    #[test]
    fn a_pattern_longer_than_the_limit_is_refused() {
        let err = compile_pattern(&"a".repeat(MAX_PATTERN_BYTES + 1)).unwrap_err();
        assert!(err.contains("longer than 4096 bytes"), "{err}");
    }

    #[test]
    fn an_ordinary_pattern_compiles() {
        assert!(compile_pattern(r"^\d{3}-[a-z]+(\.\w+)*$").unwrap().is_match("123-abc.d_e"));
    }
}
