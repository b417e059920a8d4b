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

/// The most bytes one substitution may produce: 16 MiB. Each placeholder
/// copies its value, so a short template that names a large value many
/// times would otherwise make the host build a result of any size (a 4 KB
/// template naming a 100 KB value 2,000 times is 200 MB).
pub const MAX_SUBSTITUTED_BYTES: usize = 16 << 20;

/// Substitution stopped: the result would exceed [`MAX_SUBSTITUTED_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("substituting configuration and secrets would produce more than {limit} bytes")]
pub struct SubstitutionTooLarge {
    /// The limit, in bytes.
    pub limit: usize,
}

/// Substitutes placeholders throughout `value`.
///
/// # Errors
/// When the result would exceed [`MAX_SUBSTITUTED_BYTES`].
pub fn substitute(value: &Value, mapping: &Mapping) -> Result<Value, SubstitutionTooLarge> {
    Substituter::new(mapping).value(value)
}

/// The arguments an activity is called with: `template` (its declared
/// `arguments`) substituted with `mapping`, then, for a probe used as a
/// tolerance, `value` (the checked probe's output) set as the `value`
/// argument. Validation and the run both resolve arguments with this one
/// function, so the schema check sees exactly what the activity receives.
///
/// As Chaos Toolkit does, nothing is substituted when `mapping` is empty
/// (so `$$` stays as written in an experiment without configuration).
///
/// # Errors
/// When substitution would exceed [`MAX_SUBSTITUTED_BYTES`].
pub fn resolve_arguments(
    template: &Value,
    mapping: &Mapping,
    value: Option<&Value>,
) -> Result<Value, SubstitutionTooLarge> {
    let mut arguments = if mapping.is_empty() { template.clone() } else { substitute(template, mapping)? };
    if let (Some(value), Value::Object(args)) = (value, &mut arguments) {
        args.insert("value".into(), value.clone());
    }
    Ok(arguments)
}

/// Substitutes placeholders in one string; a lone `${name}` keeps the type.
///
/// # Errors
/// When the result would exceed [`MAX_SUBSTITUTED_BYTES`].
pub fn substitute_str(s: &str, mapping: &Mapping) -> Result<Value, SubstitutionTooLarge> {
    Substituter::new(mapping).string(s)
}

/// Substitutes placeholders in a string and always returns text.
///
/// # Errors
/// When the result would exceed [`MAX_SUBSTITUTED_BYTES`].
pub fn render(s: &str, mapping: &Mapping) -> Result<String, SubstitutionTooLarge> {
    Substituter::new(mapping).render(s)
}

/// One substitution: the mapping and what is left of its byte budget.
struct Substituter<'a> {
    mapping: &'a Mapping,
    remaining: usize,
}

impl<'a> Substituter<'a> {
    fn new(mapping: &'a Mapping) -> Self {
        Self { mapping, remaining: MAX_SUBSTITUTED_BYTES }
    }

    /// Takes `bytes` from the budget.
    fn spend(&mut self, bytes: usize) -> Result<(), SubstitutionTooLarge> {
        self.remaining =
            self.remaining.checked_sub(bytes).ok_or(SubstitutionTooLarge { limit: MAX_SUBSTITUTED_BYTES })?;
        Ok(())
    }

    fn value(&mut self, value: &Value) -> Result<Value, SubstitutionTooLarge> {
        Ok(match value {
            Value::String(s) => self.string(s)?,
            Value::Array(items) => Value::Array(items.iter().map(|v| self.value(v)).collect::<Result<_, _>>()?),
            Value::Object(obj) => Value::Object(
                obj.iter()
                    .map(|(k, v)| Ok((k.clone(), self.value(v)?)))
                    .collect::<Result<_, SubstitutionTooLarge>>()?,
            ),
            other => other.clone(),
        })
    }

    fn string(&mut self, s: &str) -> Result<Value, SubstitutionTooLarge> {
        if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
            && is_identifier(name)
            && let Some(value) = self.mapping.get(name)
        {
            self.spend(size_within(value, self.remaining.saturating_add(1)))?;
            return Ok(value.clone());
        }
        self.render(s).map(Value::String)
    }

    fn render(&mut self, s: &str) -> Result<String, SubstitutionTooLarge> {
        let mut out = String::with_capacity(s.len().min(self.remaining));
        let mut rest = s;
        while let Some(pos) = rest.find('$') {
            self.push(&mut out, &rest[..pos])?;
            let after = &rest[pos + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                self.push(&mut out, "$")?;
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
            match self.mapping.get(name) {
                Some(value) if !name.is_empty() => {
                    self.spend(size_within(value, self.remaining.saturating_add(1)))?;
                    out.push_str(&python_str(value));
                    rest = &after[consumed..];
                }
                _ => {
                    self.push(&mut out, "$")?;
                    rest = after;
                }
            }
        }
        self.push(&mut out, rest)?;
        Ok(out)
    }

    /// Appends `text` to `out`, within the budget.
    fn push(&mut self, out: &mut String, text: &str) -> Result<(), SubstitutionTooLarge> {
        self.spend(text.len())?;
        out.push_str(text);
        Ok(())
    }
}

/// About how many bytes `value` takes as text (at least its JSON size,
/// counting no separators), counted only up to `cap`: the walk stops as
/// soon as the cap is passed, so measuring costs no more than the budget.
fn size_within(value: &Value, cap: usize) -> usize {
    fn walk(value: &Value, cap: usize, total: &mut usize) {
        if *total > cap {
            return;
        }
        match value {
            Value::String(s) => *total += s.len() + 2,
            Value::Array(items) => {
                *total += 2;
                for item in items {
                    walk(item, cap, total);
                }
            }
            Value::Object(obj) => {
                *total += 2;
                for (k, v) in obj {
                    *total += k.len() + 4;
                    walk(v, cap, total);
                }
            }
            _ => *total += 8,
        }
    }
    let mut total = 0;
    walk(value, cap, &mut total);
    total
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
        assert_eq!(resolve_arguments(&template, &Mapping::new(), None).unwrap(), template);
        let mapping: Mapping = serde_json::from_value(serde_json::json!({"x": 3})).unwrap();
        assert_eq!(resolve_arguments(&template, &mapping, None).unwrap(), serde_json::json!({"a": "$", "b": 3}));
    }

    #[test]
    fn a_tolerance_probe_receives_the_checked_value_as_its_value_argument() {
        let template = serde_json::json!({"limit": 2});
        let resolved = resolve_arguments(&template, &Mapping::new(), Some(&serde_json::json!([1]))).unwrap();
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
        assert_eq!(substitute_str("${port}", &mapping()).unwrap(), json!(8080));
        assert_eq!(substitute_str("${obj}", &mapping()).unwrap(), json!({"a": 1}));
    }

    #[test]
    fn an_unbraced_lone_placeholder_gives_text() {
        assert_eq!(substitute_str("$port", &mapping()).unwrap(), json!("8080"));
    }

    #[test]
    fn embedded_placeholders_are_spelled_as_python_prints_them() {
        let m = mapping();
        assert_eq!(render("http://${host}:$port/x", &m).unwrap(), "http://localhost:8080/x");
        assert_eq!(render("on=${on} n=${none} o=${obj}", &m).unwrap(), "on=True n=None o={'a': 1}");
    }

    #[test]
    fn double_dollar_is_a_literal_dollar_and_unknown_names_stay() {
        let m = mapping();
        assert_eq!(render("$$port costs $$5 ${missing} $missing", &m).unwrap(), "$port costs $5 ${missing} $missing");
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
        assert_eq!(substitute_str("${my-key}", &m).unwrap(), json!("${my-key}"));
    }

    #[test]
    fn substitution_recurses_into_values_but_not_keys() {
        let v = json!({"${host}": ["${port}", {"h": "${host}"}]});
        assert_eq!(substitute(&v, &mapping()).unwrap(), json!({"${host}": [8080, {"h": "localhost"}]}));
    }

    #[test]
    fn a_substitution_larger_than_the_limit_is_refused() {
        let big: Mapping = json!({"x": "y".repeat(100_000)}).as_object().unwrap().clone();
        let template = "$x".repeat(2_000);
        assert_eq!(render(&template, &big), Err(SubstitutionTooLarge { limit: MAX_SUBSTITUTED_BYTES }));
        let array = Value::Array(vec![json!("${x}"); 2_000]);
        assert_eq!(substitute(&array, &big), Err(SubstitutionTooLarge { limit: MAX_SUBSTITUTED_BYTES }));
    }

    #[test]
    fn a_substitution_within_the_limit_is_made() {
        let big: Mapping = json!({"x": "y".repeat(100_000)}).as_object().unwrap().clone();
        assert_eq!(render(&"$x".repeat(100), &big).unwrap().len(), 10_000_000);
    }
}
