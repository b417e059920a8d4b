//! The `jsonpath` tolerance, with a bound on the work a query may cause.
//!
//! A JSONPath query's result can be far larger than the document it reads:
//! each descendant segment (`..`) lists, for every node it is given, every
//! node below it, so `$..*..*..*..*` on a 1 MiB probe output asks for
//! billions of nodes (gigabytes of memory). Before a query runs, its
//! worst-case result size on this output is computed from the query's
//! shape (its segments, their selectors, its descendant segments) and the
//! output's node count and depth; a query that could exceed
//! [`MAX_JSONPATH_NODES`] is not run and the tolerance is not met, saying
//! why. Ordinary queries (`$.a[*].b`, `$..name`, filters) stay far below it:
//! a descendant segment applied to one node lists each node once.
//!
//! Matches are compared by reference, never copied, and the explanation
//! shows only their first bytes.

use super::{Verdict, py_eq, short, targeted};
use serde_json::Value;
use serde_json_path::JsonPath;

/// The most nodes a JSONPath query may select (or list while selecting) in
/// the worst case on the value it queries: ten million references, 80 MB.
pub const MAX_JSONPATH_NODES: f64 = 10_000_000.0;

/// How many characters of the matches an explanation shows.
const SHOWN: usize = 200;

/// Checks `value` (or its `target`) against the JSONPath `path`: at least
/// one match, `count` matches, or matches equal to `expect`.
pub(super) fn jsonpath(
    path: &str,
    target: Option<&str>,
    count: Option<u64>,
    expect: Option<Value>,
    value: &Value,
) -> Verdict {
    let value = targeted(value, target);
    let parsed;
    let document = match value {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) => {
                parsed = v;
                &parsed
            }
            Err(_) => value,
        },
        other => other,
    };
    let query = match JsonPath::parse(path) {
        Ok(q) => q,
        Err(e) => return not_met(format!("invalid JSON path {path}: {e}")),
    };
    let worst = worst_case(&Shape::of(path), &Extent::of(document));
    if worst > MAX_JSONPATH_NODES {
        return not_met(format!(
            "JSON path {path} was not evaluated: on this value (of {} nodes) it could select up to {worst:.0} \
             nodes, over the limit of {MAX_JSONPATH_NODES:.0} (use fewer descendant `..` segments)",
            Extent::of(document).nodes
        ));
    }
    let matches = query.query(document).all();
    let met = |met: bool, expected: String| Verdict {
        met,
        explanation: format!("expected {expected}, got {}", shown(&matches)),
    };
    match (expect, count) {
        (Some(Value::Array(expected)), _) => met(
            matches.len() == expected.len() && matches.iter().zip(&expected).all(|(m, e)| py_eq(m, e)),
            format!("{path} to match {}", short(&Value::Array(expected.clone()))),
        ),
        (Some(single), _) => {
            met(matches.len() == 1 && py_eq(matches[0], &single), format!("{path} to match [{}]", short(&single)))
        }
        (None, Some(n)) => met(matches.len() as u64 == n, format!("{n} matches of {path}")),
        (None, None) => met(!matches.is_empty(), format!("at least one match of {path}")),
    }
}

fn not_met(explanation: String) -> Verdict {
    Verdict { met: false, explanation }
}

/// The matches as a JSON list, cut after [`SHOWN`] characters: serializing
/// every match of a large result would cost as much as copying it.
fn shown(matches: &[&Value]) -> String {
    let mut text = String::from("[");
    for (i, m) in matches.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&m.to_string());
        if text.len() > SHOWN {
            return format!("{}...", &text[..text.floor_char_boundary(SHOWN)]);
        }
    }
    text.push(']');
    text
}

/// How large a JSON value is: its nodes and its depth.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Extent {
    /// Every value in it, itself included.
    nodes: f64,
    /// The most values on a path from it to a leaf, itself included.
    depth: f64,
    /// The most members or elements of one object or list.
    fanout: f64,
}

impl Extent {
    /// Walks `value` without recursion (its depth is the guest's choice).
    fn of(value: &Value) -> Self {
        let (mut nodes, mut depth, mut fanout) = (0usize, 0usize, 0usize);
        let mut stack = vec![(value, 1usize)];
        while let Some((v, level)) = stack.pop() {
            nodes += 1;
            depth = depth.max(level);
            match v {
                Value::Array(items) => {
                    fanout = fanout.max(items.len());
                    stack.extend(items.iter().map(|i| (i, level + 1)));
                }
                Value::Object(members) => {
                    fanout = fanout.max(members.len());
                    stack.extend(members.values().map(|m| (m, level + 1)));
                }
                _ => {}
            }
        }
        Self { nodes: nodes as f64, depth: depth as f64, fanout: fanout as f64 }
    }
}

/// What of a query's text decides how many nodes it can select.
#[derive(Debug, Clone, Default, PartialEq)]
struct Shape {
    /// The query's own segments: descendant (`..`) or child, and how many
    /// selectors each has (`[0,1,1]`: three).
    segments: Vec<(bool, f64)>,
    /// Descendant segments inside filters (run once per candidate node).
    nested_descendants: i32,
    /// The product of the selector counts of bracketed segments inside
    /// filters.
    nested_selectors: f64,
}

impl Shape {
    /// Reads the shape of `path`, a query `JsonPath::parse` accepted: a
    /// scan that skips string literals and tracks brackets and parentheses.
    fn of(path: &str) -> Self {
        let mut shape = Shape { nested_selectors: 1.0, ..Shape::default() };
        let chars: Vec<char> = path.chars().collect();
        // Open brackets: (selectors so far, parenthesis depth at opening).
        let mut open: Vec<(f64, usize)> = Vec::new();
        let mut parens = 0usize;
        let mut descendant = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            match c {
                '\'' | '"' if !open.is_empty() => {
                    i += 1;
                    while i < chars.len() && chars[i] != c {
                        i += if chars[i] == '\\' { 2 } else { 1 };
                    }
                }
                '.' if next == Some('.') => {
                    i += 1;
                    if open.is_empty() {
                        descendant = true;
                        if chars.get(i + 1) != Some(&'[') {
                            shape.segments.push((true, 1.0));
                            descendant = false;
                        }
                    } else {
                        shape.nested_descendants += 1;
                    }
                }
                '.' if open.is_empty() => shape.segments.push((false, 1.0)),
                '[' => open.push((1.0, parens)),
                ']' => {
                    if let Some((selectors, _)) = open.pop() {
                        if open.is_empty() {
                            shape.segments.push((descendant, selectors));
                            descendant = false;
                        } else {
                            shape.nested_selectors *= selectors;
                        }
                    }
                }
                '(' => parens += 1,
                ')' => parens = parens.saturating_sub(1),
                ',' => {
                    if let Some((selectors, at)) = open.last_mut()
                        && *at == parens
                    {
                        *selectors += 1.0;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        shape
    }
}

/// The most nodes `shape` can list at once on a value of `extent`.
///
/// It follows the list of nodes segment by segment, bounding its length
/// and how many times one node can appear in it (`copies`): a child
/// segment with `s` selectors gives each node at most `s` times per copy of
/// its parent; a descendant segment reaches a node from each of its
/// ancestors in the list, at most `depth` of them, so its copies multiply
/// by the depth only when the list holds nested nodes. A list never holds
/// more than `nodes × copies` entries. Filters run their own queries once
/// per candidate: their descendant segments and selectors multiply the
/// total.
fn worst_case(shape: &Shape, extent: &Extent) -> f64 {
    let (mut copies, mut length, mut peak) = (1.0f64, 1.0f64, 1.0f64);
    for &(descendant, selectors) in &shape.segments {
        if descendant {
            copies = selectors * (copies * extent.depth).min(length);
            length = (length * selectors * extent.nodes).min(extent.nodes * copies);
        } else {
            copies *= selectors;
            length = (length * selectors * extent.fanout).min(extent.nodes * copies);
        }
        peak = peak.max(length);
    }
    peak * shape.nested_selectors * extent.depth.powi(shape.nested_descendants)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A list of `n` objects, each `{"name": i, "tags": [..3]}`.
    fn wide(n: usize) -> Value {
        Value::Array((0..n).map(|i| json!({"name": i, "tags": [1, 2, 3]})).collect())
    }

    /// `[[[...]]]`, `depth` lists deep, with `width` numbers at each level.
    fn deep(depth: usize, width: usize) -> Value {
        let mut v = json!([]);
        for _ in 0..depth {
            let mut items: Vec<Value> = (0..width).map(|i| json!(i)).collect();
            items.push(v);
            v = Value::Array(items);
        }
        v
    }

    fn worst(path: &str, value: &Value) -> f64 {
        worst_case(&Shape::of(path), &Extent::of(value))
    }

    #[test]
    fn the_shape_of_a_query_lists_its_segments_and_selectors() {
        let shape = Shape::of("$.a[*].b..c..[0,1,'x,y'][?@.d == 'a..b']");
        assert_eq!(
            shape.segments,
            [(false, 1.0), (false, 1.0), (false, 1.0), (true, 1.0), (true, 3.0), (false, 1.0)],
            "{shape:?}"
        );
        assert_eq!(shape.nested_descendants, 0, "a `..` in a string is not a segment");
    }

    #[test]
    fn descendant_segments_in_filters_are_counted() {
        let shape = Shape::of("$[?@..x && match(@.y, 'a,b')][?@[1,2]]");
        assert_eq!(shape.nested_descendants, 1);
        assert_eq!(shape.nested_selectors, 2.0);
        assert_eq!(shape.segments, [(false, 1.0), (false, 1.0)], "commas in calls are not selectors");
    }

    #[test]
    fn ordinary_queries_on_a_large_output_stay_under_the_limit() {
        let value = wide(50_000);
        for path in ["$.a[*].b", "$[*].name", "$..name", "$..tags[*]", "$[?@.name > 3].tags", "$..*"] {
            assert!(worst(path, &value) <= MAX_JSONPATH_NODES, "{path}: {}", worst(path, &value));
        }
    }

    #[test]
    fn one_descendant_segment_from_the_root_lists_each_node_once() {
        let value = deep(100, 10);
        assert_eq!(worst("$..*", &value), Extent::of(&value).nodes);
    }

    #[test]
    fn stacked_descendant_segments_on_a_deep_output_are_over_the_limit() {
        let value = deep(100, 100);
        assert!(worst("$..*..*..*..*", &value) > MAX_JSONPATH_NODES);
    }

    #[test]
    fn many_selectors_in_many_segments_are_over_the_limit() {
        let value = deep(12, 1);
        let segment = format!("[{}]", ["0"; 10].join(","));
        assert!(worst(&format!("${}", segment.repeat(12)), &value) > MAX_JSONPATH_NODES);
    }

    #[test]
    fn a_query_over_the_limit_is_not_run_and_says_why() {
        let v = jsonpath("$..*..*..*..*", None, None, None, &deep(100, 100));
        assert!(!v.met);
        assert!(v.explanation.contains("was not evaluated"), "{}", v.explanation);
        assert!(v.explanation.contains("over the limit of 10000000"), "{}", v.explanation);
    }

    #[test]
    fn the_explanation_shows_only_the_first_matches() {
        let v = jsonpath("$[*].name", None, Some(1), None, &wide(10_000));
        assert!(!v.met);
        assert!(v.explanation.len() < 300, "{}", v.explanation);
        assert!(v.explanation.ends_with("..."), "{}", v.explanation);
    }
}
