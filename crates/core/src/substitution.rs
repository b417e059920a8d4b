//! `${name}` and `$name` substitution, as Chaos Toolkit does it (Python's
//! `string.Template.safe_substitute` plus type preservation):
//!
//! - a string that is exactly `${name}` becomes the value itself, with its
//!   type (number, bool, object...);
//! - anywhere else a placeholder is replaced by the value's text, spelled as
//!   Python prints it (`True`, `None`, `{'a': 1}`);
//! - `$$` is a literal `$`; unknown names are left as they are;
//! - names match `[_a-zA-Z][_a-zA-Z0-9]*`, so `${my-key}` is never replaced.
//!
//! Recursion goes into object values (never keys) and arrays.

use serde_json::{Map, Value};

/// Values available to placeholders: configuration, then secrets.
pub type Mapping = Map<String, Value>;

/// Substitutes placeholders throughout `value`.
pub fn substitute(value: &Value, mapping: &Mapping) -> Value {
    match value {
        Value::String(s) => substitute_str(s, mapping),
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, mapping)).collect()),
        Value::Object(obj) => Value::Object(obj.iter().map(|(k, v)| (k.clone(), substitute(v, mapping))).collect()),
        other => other.clone(),
    }
}

/// The arguments an activity is called with: `template` (its declared
/// `arguments`) substituted with `mapping`, then, for a probe used as a
/// tolerance, `value` (the checked probe's output) set as the `value`
/// argument. Validation and the run both resolve arguments with this one
/// function, so the schema check sees exactly what the activity receives.
///
/// As Chaos Toolkit does, nothing is substituted when `mapping` is empty
/// (so `$$` stays as written in an experiment without configuration).
pub fn resolve_arguments(template: &Value, mapping: &Mapping, value: Option<&Value>) -> Value {
    let mut arguments = if mapping.is_empty() { template.clone() } else { substitute(template, mapping) };
    if let (Some(value), Value::Object(args)) = (value, &mut arguments) {
        args.insert("value".into(), value.clone());
    }
    arguments
}

/// Substitutes placeholders in one string; a lone `${name}` keeps the type.
pub fn substitute_str(s: &str, mapping: &Mapping) -> Value {
    if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
        && is_identifier(name)
        && let Some(value) = mapping.get(name)
    {
        return value.clone();
    }
    Value::String(render(s, mapping))
}

/// Substitutes placeholders in a string and always returns text.
pub fn render(s: &str, mapping: &Mapping) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
            continue;
        }
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) if is_identifier(&braced[..end]) => (&braced[..end], end + 2),
                _ => ("", 0),
            }
        } else {
            let len = identifier_len(after);
            (&after[..len], len)
        };
        match mapping.get(name) {
            Some(value) if !name.is_empty() => {
                out.push_str(&python_str(value));
                rest = &after[consumed..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether `s` holds a placeholder (`${name}` or `$name`; `$$` is not one),
/// so its final text is known only after substitution.
pub fn has_placeholder(s: &str) -> bool {
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            rest = tail;
            continue;
        }
        let braced = after.strip_prefix('{').and_then(|b| b.find('}').map(|end| is_identifier(&b[..end])));
        if braced == Some(true) || identifier_len(after) > 0 {
            return true;
        }
        rest = after;
    }
    false
}

fn identifier_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if c == '_' || c.is_ascii_alphabetic() => {}
        _ => return 0,
    }
    chars.find(|(_, c)| !(*c == '_' || c.is_ascii_alphanumeric())).map(|(i, _)| i).unwrap_or(s.len())
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && identifier_len(s) == s.len()
}

/// A value as Python's `str()` prints it.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// A value as Python's `repr()` prints it.
pub fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => {
            format!("[{}]", items.iter().map(python_repr).collect::<Vec<_>>().join(", "))
        }
        Value::Object(obj) => format!(
            "{{{}}}",
            obj.iter().map(|(k, v)| format!("'{k}': {}", python_repr(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_substituted_only_when_there_is_something_to_substitute_with() {
        let template = serde_json::json!({"a": "$$", "b": "${x}"});
        assert_eq!(resolve_arguments(&template, &Mapping::new(), None), template);
        let mapping: Mapping = serde_json::from_value(serde_json::json!({"x": 3})).unwrap();
        assert_eq!(resolve_arguments(&template, &mapping, None), serde_json::json!({"a": "$", "b": 3}));
    }

    #[test]
    fn a_tolerance_probe_receives_the_checked_value_as_its_value_argument() {
        let template = serde_json::json!({"limit": 2});
        let resolved = resolve_arguments(&template, &Mapping::new(), Some(&serde_json::json!([1])));
        assert_eq!(resolved, serde_json::json!({"limit": 2, "value": [1]}));
    }
    use serde_json::json;

    fn mapping() -> Mapping {
        json!({"port": 8080, "host": "localhost", "on": true, "obj": {"a": 1}, "none": null})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn a_lone_braced_placeholder_keeps_the_value_type() {
        assert_eq!(substitute_str("${port}", &mapping()), json!(8080));
        assert_eq!(substitute_str("${obj}", &mapping()), json!({"a": 1}));
    }

    #[test]
    fn an_unbraced_lone_placeholder_gives_text() {
        assert_eq!(substitute_str("$port", &mapping()), json!("8080"));
    }

    #[test]
    fn embedded_placeholders_are_spelled_as_python_prints_them() {
        let m = mapping();
        assert_eq!(render("http://${host}:$port/x", &m), "http://localhost:8080/x");
        assert_eq!(render("on=${on} n=${none} o=${obj}", &m), "on=True n=None o={'a': 1}");
    }

    #[test]
    fn double_dollar_is_a_literal_dollar_and_unknown_names_stay() {
        let m = mapping();
        assert_eq!(render("$$port costs $$5 ${missing} $missing", &m), "$port costs $5 ${missing} $missing");
    }

    #[test]
    fn placeholders_are_told_apart_from_other_dollars() {
        assert!(has_placeholder("^${prefix}.*"));
        assert!(has_placeholder("$name"));
        assert!(!has_placeholder("^ok$"));
        assert!(!has_placeholder("$.items[*]"));
        assert!(!has_placeholder("costs $$5"));
    }

    #[test]
    fn names_with_dashes_are_never_substituted() {
        let mut m = mapping();
        m.insert("my-key".into(), json!(1));
        assert_eq!(substitute_str("${my-key}", &m), json!("${my-key}"));
    }

    #[test]
    fn substitution_recurses_into_values_but_not_keys() {
        let v = json!({"${host}": ["${port}", {"h": "${host}"}]});
        assert_eq!(substitute(&v, &mapping()), json!({"${host}": [8080, {"h": "localhost"}]}));
    }
}
