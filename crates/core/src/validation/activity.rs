//! Validation of one activity and its provider (Chaos Toolkit's
//! `ensure_activity_is_valid`, plus the `wasm` provider).

use super::{ValidationError, non_empty_str, truthy};
use crate::duration;
use crate::experiment::{
    Activity, ActivityKind, ComponentRef, HttpProvider, Pauses, ProcessArguments, ProcessProvider, Provider,
    Sha256Digest, WasmProvider,
};
use crate::grants::{Grants, HostPort, resolve_program};
use serde_json::{Map, Value};
use std::path::Path;

/// What activity validation needs to know about the experiment.
pub struct Context<'a> {
    /// The experiment file's directory.
    pub base_dir: &'a Path,
    /// The regex tolerance patterns compiled so far (each is compiled once).
    pub patterns: std::cell::RefCell<std::collections::HashSet<String>>,
}

/// The most distinct regex tolerance patterns an experiment may hold: each
/// costs up to about a millisecond to compile or refuse, so the count bounds
/// how long validating a hostile experiment takes.
pub const MAX_PATTERNS: usize = 256;

impl<'a> Context<'a> {
    /// A context for the experiment in `base_dir`.
    pub fn new(base_dir: &'a Path) -> Self {
        Self { base_dir, patterns: Default::default() }
    }

    /// Compiles regex tolerance `pattern` once per experiment, within
    /// [`crate::tolerance::compile_pattern`]'s limits and [`MAX_PATTERNS`].
    ///
    /// # Errors
    /// Why the pattern is refused.
    pub fn check_pattern(&self, pattern: &str) -> Result<(), String> {
        let mut seen = self.patterns.borrow_mut();
        if seen.contains(pattern) {
            return Ok(());
        }
        if seen.len() >= MAX_PATTERNS {
            return Err(format!("the experiment has more than {MAX_PATTERNS} distinct regex patterns"));
        }
        crate::tolerance::compile_pattern(pattern)?;
        seen.insert(pattern.to_string());
        Ok(())
    }
}

/// A dynamic configuration probe under configuration key `key`. The
/// reference runs it without validating it, so it needs no `name`: it is
/// named after its key when it has none.
pub fn dynamic_probe(item: &Value, key: &str, ctx: &Context) -> Result<Activity, ValidationError> {
    let location = format!("configuration.{key}");
    if non_empty_str(item.get("name")).is_some() {
        return activity(item, &location, ctx);
    }
    let mut named = item.clone();
    if let Value::Object(fields) = &mut named {
        fields.insert("name".into(), Value::from(key));
    }
    let mut probe = activity(&named, &location, ctx)?;
    probe.document = item.clone();
    Ok(probe)
}

/// Validates one declared activity.
pub fn activity(item: &Value, location: &str, ctx: &Context) -> Result<Activity, ValidationError> {
    if !truthy(item) {
        return Err(ValidationError::at(location, "empty activity is no activity"));
    }
    let kind = match item.get("type") {
        None => return Err(ValidationError::at(location, "an activity must have a type")),
        Some(Value::String(t)) if t == "probe" => ActivityKind::Probe,
        Some(Value::String(t)) if t == "action" => ActivityKind::Action,
        Some(other) => {
            let shown = other.as_str().map(String::from).unwrap_or_else(|| other.to_string());
            return Err(ValidationError::at(location, format!("'{shown}' is not a supported activity type")));
        }
    };
    let name = non_empty_str(item.get("name"))
        .ok_or_else(|| ValidationError::at(location, "an activity must have a name"))?
        .to_string();
    let fail = |m: String| ValidationError::at(&name, m);

    let provider = item.get("provider").filter(|p| truthy(p));
    let Some(provider) = provider else { return Err(fail("an activity requires a provider".into())) };
    let Some(provider_type) = provider.get("type") else { return Err(fail("a provider must have a type".into())) };
    let provider_type = provider_type.as_str().map(String::from).unwrap_or_else(|| provider_type.to_string());
    if !["python", "process", "http", "wasm"].contains(&provider_type.as_str()) {
        return Err(fail(format!("unknown provider type '{provider_type}' (supported: wasm, http, process, python)")));
    }
    if let Some(timeout) = item.get("timeout") {
        let secs = timeout.as_f64().ok_or_else(|| fail("activity timeout must be a number".into()))?;
        duration::seconds(secs).map_err(|e| fail(format!("activity timeout: {e}")))?;
    }
    let pauses = pauses(item.get("pauses")).map_err(fail)?;
    let background = match item.get("background") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(fail("activity background must be a boolean".into())),
    };
    let provider = match provider_type.as_str() {
        "wasm" => Provider::Wasm(wasm(provider, ctx).map_err(fail)?),
        "http" => Provider::Http(http(provider).map_err(fail)?),
        "python" => {
            let mut python = super::python::provider(provider, ctx.base_dir).map_err(|e| fail(e.to_string()))?;
            python.timeout = provider_timeout(provider.get("timeout")).map_err(fail)?;
            Provider::Python(python)
        }
        _ => Provider::Process(process(provider).map_err(fail)?),
    };
    // The reference validates the activity-level `timeout` but never uses
    // it; here it is the time limit when the provider sets none.
    let mut provider = provider;
    if let Some(secs) = item.get("timeout").and_then(Value::as_f64).filter(|s| *s > 0.0) {
        match &mut provider {
            Provider::Wasm(w) if w.timeout.is_none() => w.timeout = Some(secs),
            Provider::Process(p) if p.timeout.is_none() => p.timeout = Some(secs),
            Provider::Python(p) if p.timeout.is_none() => p.timeout = Some(secs),
            Provider::Http(h) if h.timeout.is_none() => h.timeout = Some(Value::from(secs)),
            _ => {}
        }
    }
    Ok(Activity { document: item.clone(), name, kind, provider, pauses, background, tolerance: None })
}

fn pauses(value: Option<&Value>) -> Result<Pauses, String> {
    let Some(value) = value.filter(|v| !v.is_null()) else { return Ok(Pauses::default()) };
    let mut out = Pauses::default();
    for (key, slot) in [("before", &mut out.before), ("after", &mut out.after)] {
        match value.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if !(s.starts_with("${") && s.ends_with('}')) => {
                return Err(format!(
                    "activity {key} pause must be a number or a pattern to a variable from the configuration or secrets"
                ));
            }
            Some(Value::Number(n)) => {
                let secs = n.as_f64().unwrap_or(f64::INFINITY);
                duration::seconds(secs).map_err(|e| format!("activity {key} pause: {e}"))?;
                *slot = Some(Value::Number(n.clone()));
            }
            Some(v @ Value::String(_)) => *slot = Some(v.clone()),
            Some(_) => {
                return Err(format!(
                    "activity {key} pause must be a number or a pattern to a variable from the configuration or secrets"
                ));
            }
        }
    }
    Ok(out)
}

const WASM_FIELDS: &[&str] = &["type", "module", "func", "arguments", "timeout", "grants", "sha256"];

fn wasm(provider: &Value, ctx: &Context) -> Result<WasmProvider, String> {
    let obj = provider.as_object().ok_or("a provider must be a mapping")?;
    if let Some(unknown) = obj.keys().find(|k| !WASM_FIELDS.contains(&k.as_str())) {
        return Err(format!("unknown field `{unknown}` in a wasm provider (fields: {})", WASM_FIELDS.join(", ")));
    }
    let module = non_empty_str(obj.get("module"))
        .ok_or("a wasm activity must have a module (`builtin:NAME` or the path of a .wasm component)")?;
    let func = non_empty_str(obj.get("func")).ok_or("a wasm activity must have a func")?;
    let arguments = match obj.get("arguments") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err("a wasm activity expects arguments as a mapping".into()),
    };
    let timeout = provider_timeout(obj.get("timeout"))?;
    let grants: Grants = match obj.get("grants") {
        None | Some(Value::Null) => Grants::default(),
        Some(g) => serde_json::from_value(g.clone()).map_err(|e| format!("invalid grants: {e}"))?,
    };
    for net in &grants.net {
        net.parse::<HostPort>().map_err(|e| format!("invalid net grant: {e}"))?;
    }
    if let Some(empty) = grants.read.iter().chain(&grants.write).chain(&grants.env).find(|v| v.trim().is_empty()) {
        return Err(format!("invalid grants: empty entry `{empty}`"));
    }
    let sha256 = match obj.get("sha256") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.parse::<Sha256Digest>().map_err(|e| format!("invalid sha256: {e}"))?),
        Some(other) => return Err(format!("invalid sha256: {other} is not a string of 64 hexadecimal digits")),
    };
    Ok(WasmProvider {
        module: module.to_string(),
        source: ComponentRef::parse(module, ctx.base_dir),
        func: func.to_string(),
        arguments,
        timeout,
        grants,
        sha256,
    })
}

fn http(provider: &Value) -> Result<HttpProvider, String> {
    let url = non_empty_str(provider.get("url")).ok_or("a HTTP activity must have a URL")?;
    let headers = match provider.get("headers") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(h)) => h.clone(),
        Some(_) => return Err("a HTTP activities expect headers as a mapping".into()),
    };
    let method = provider.get("method").and_then(Value::as_str).unwrap_or("GET").to_ascii_uppercase();
    let verify_tls = provider.get("verify_tls").map(truthy).unwrap_or(true);
    match provider.get("timeout") {
        Some(t @ Value::Number(_)) => {
            provider_timeout(Some(t))?;
        }
        Some(Value::Array(pair)) => {
            for t in pair.iter().filter(|t| t.is_number()) {
                provider_timeout(Some(t))?;
            }
        }
        _ => {}
    }
    let max_retries = provider.get("max_retries").and_then(Value::as_u64).unwrap_or(0) as u32;
    Ok(HttpProvider {
        url: url.to_string(),
        method,
        headers,
        arguments: provider.get("arguments").filter(|a| !a.is_null()).cloned(),
        timeout: provider.get("timeout").filter(|t| !t.is_null()).cloned(),
        verify_tls,
        max_retries,
    })
}

/// A provider's `timeout`: a positive number of seconds, at most
/// [`duration::MAX_SECONDS`].
fn provider_timeout(value: Option<&Value>) -> Result<Option<f64>, String> {
    let secs = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(t) => t.as_f64().filter(|s| *s > 0.0).ok_or("provider timeout must be a positive number of seconds")?,
    };
    duration::seconds(secs).map_err(|e| format!("provider timeout: {e}"))?;
    Ok(Some(secs))
}

fn process(provider: &Value) -> Result<ProcessProvider, String> {
    let path = non_empty_str(provider.get("path")).ok_or("a process activity must have a path")?;
    let cwd = std::env::current_dir().unwrap_or_default();
    if resolve_program(&cwd, path).is_none() {
        return Err(format!("path '{path}' cannot be found"));
    }
    let arguments = match provider.get("arguments") {
        None | Some(Value::Null) => ProcessArguments::List(Vec::new()),
        Some(Value::Array(items)) => ProcessArguments::List(items.clone()),
        Some(Value::String(s)) => ProcessArguments::Shell(s.clone()),
        Some(Value::Object(map)) => {
            tracing::warn!(
                "Process arguments should now be a list to keep the ordering of the arguments. Dictionary arguments are deprecated for process activities."
            );
            ProcessArguments::List(map.iter().flat_map(|(k, v)| [Value::String(k.clone()), v.clone()]).collect())
        }
        Some(_) => return Err("process arguments must be a list, a string or a mapping".into()),
    };
    let timeout = provider_timeout(provider.get("timeout"))?;
    Ok(ProcessProvider { path: path.to_string(), arguments, timeout })
}
