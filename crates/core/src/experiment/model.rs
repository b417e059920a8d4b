//! The typed experiment, as built by [`crate::validation`] from a document
//! that passed Chaos Toolkit's checks. Values that are substituted at run
//! time (arguments, URLs, pauses) stay JSON here.

use super::ComponentRef;
use crate::grants::Grants;
use crate::substitution::{Mapping, render};
use crate::tolerance::Tolerance;
use serde_json::{Map, Value};
use std::path::PathBuf;

/// A validated experiment.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// The document as loaded; the journal copies it.
    pub document: Value,
    /// `title` (substituted at run start).
    pub title: String,
    /// `configuration` declarations, as written.
    pub configuration: Map<String, Value>,
    /// Configuration values computed by a probe at run start (Chaos
    /// Toolkit's dynamic configuration), in declaration order.
    pub dynamic_configuration: Vec<(String, Activity)>,
    /// `secrets` declarations, as written.
    pub secrets: Map<String, Value>,
    /// `steady-state-hypothesis`, if any.
    pub hypothesis: Option<Hypothesis>,
    /// `method`, with `ref`s resolved.
    pub method: Vec<Activity>,
    /// `rollbacks`, with `ref`s resolved.
    pub rollbacks: Vec<Activity>,
    /// The experiment file's directory: component paths are relative to it.
    pub base_dir: PathBuf,
}

impl Experiment {
    /// Every activity, including hypothesis probes and probes used as
    /// tolerances, in document order.
    pub fn all_activities(&self) -> Vec<&Activity> {
        let mut all: Vec<&Activity> = self.dynamic_configuration.iter().map(|(_, a)| a).collect();
        let probes = self.hypothesis.iter().flat_map(|h| h.probes.iter());
        for activity in probes.chain(&self.method).chain(&self.rollbacks) {
            all.push(activity);
            if let Some(Tolerance::Probe(probe)) = &activity.tolerance {
                all.push(probe);
            }
        }
        all
    }
}

/// `steady-state-hypothesis`.
#[derive(Debug, Clone)]
pub struct Hypothesis {
    /// Its title.
    pub title: String,
    /// Its probes, each with a tolerance.
    pub probes: Vec<Activity>,
}

/// Probe or action: as the experiment types an activity, and as a
/// component declares the activities it provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityKind {
    /// Observes.
    Probe,
    /// Changes.
    Action,
}

impl ActivityKind {
    /// "probe" or "action", as experiments spell them.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Probe => "probe",
            ActivityKind::Action => "action",
        }
    }

    /// "Probe" or "Action", as Chaos Toolkit logs them.
    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::Probe => "Probe",
            ActivityKind::Action => "Action",
        }
    }
}

/// A probe or an action.
#[derive(Debug, Clone)]
pub struct Activity {
    /// The activity as declared (the resolved one for a `ref`); journals copy it.
    pub document: Value,
    /// `name`.
    pub name: String,
    /// `type`.
    pub kind: ActivityKind,
    /// `provider`.
    pub provider: Provider,
    /// `pauses`.
    pub pauses: Pauses,
    /// `background`.
    pub background: bool,
    /// `tolerance` (hypothesis probes).
    pub tolerance: Option<Tolerance>,
}

/// `pauses`: seconds, or a `${name}` placeholder for one.
#[derive(Debug, Clone, Default)]
pub struct Pauses {
    /// Before the activity.
    pub before: Option<Value>,
    /// After the activity.
    pub after: Option<Value>,
}

/// How an activity runs.
#[derive(Debug, Clone)]
pub enum Provider {
    /// A WebAssembly component.
    Wasm(WasmProvider),
    /// An HTTP request made by the host.
    Http(HttpProvider),
    /// A program run by the host, outside the sandbox.
    Process(ProcessProvider),
    /// A Python function, run by the sandboxed CPython of `builtin:python`.
    Python(PythonProvider),
    /// A `ref` that names no activity, kept by lenient validation
    /// (`chaos run --no-validation`): running it aborts the method, as in the
    /// reference. Holds the name referred to.
    Unresolved(String),
}

impl Provider {
    /// The grants this provider needs. An http provider needs its URL's
    /// host and port (the URL substituted with `mapping`).
    pub fn grants(&self, mapping: &Mapping) -> Grants {
        match self {
            Provider::Wasm(w) => w.grants.clone(),
            Provider::Http(h) => Grants { net: h.host_port(mapping).into_iter().collect(), ..Grants::default() },
            Provider::Process(p) => {
                let mut run = vec![p.path.clone()];
                if matches!(p.arguments, ProcessArguments::Shell(_)) {
                    run.push("sh".to_string());
                }
                Grants { run, ..Grants::default() }
            }
            // It declares none: it receives what the operator allows
            // (`chaos_core::grants::inherited`), decided by the runtime.
            Provider::Python(_) | Provider::Unresolved(_) => Grants::default(),
        }
    }
}

/// `{"type": "wasm", ...}`.
#[derive(Debug, Clone)]
pub struct WasmProvider {
    /// `module` as written.
    pub module: String,
    /// Where the component comes from.
    pub source: ComponentRef,
    /// `func`.
    pub func: String,
    /// `arguments` (an object).
    pub arguments: Value,
    /// `timeout` in seconds.
    pub timeout: Option<f64>,
    /// `grants`.
    pub grants: Grants,
    /// `sha256`: the digest the component's bytes must have, or `None` when
    /// it is not pinned.
    pub sha256: Option<super::Sha256Digest>,
}

/// `{"type": "python", ...}`, as Chaos Toolkit's python provider, run in
/// the sandbox by the built-in Python runner.
#[derive(Debug, Clone)]
pub struct PythonProvider {
    /// `module`: a dotted module name the runner bundles
    /// ([`crate::validation::PYTHON_MODULES`]).
    pub module: String,
    /// `func`: a module-level function of it.
    pub func: String,
    /// `arguments` (an object), passed as keyword arguments.
    pub arguments: Value,
    /// `timeout` in seconds.
    pub timeout: Option<f64>,
    /// `secrets`: the secret scopes whose values the function receives as
    /// `secrets=` (when it declares that parameter); `None` when the
    /// provider lists none, and then it receives no `secrets` argument.
    pub secrets: Option<Vec<String>>,
    /// The experiment's configuration keys: the function's
    /// `configuration=` holds these (filled in by validation).
    pub configuration_keys: Vec<String>,
    /// The keys of the listed secret scopes: the function's `secrets=`
    /// holds these (filled in by validation).
    pub secret_keys: Vec<String>,
    /// For a module of the experiment's own (`NAME.py` next to it): the
    /// experiment's directory, searched first by the runner. The operator
    /// must grant read access to it for the import to succeed.
    pub search_dir: Option<PathBuf>,
}

/// `{"type": "http", ...}`, as Chaos Toolkit's http provider.
#[derive(Debug, Clone)]
pub struct HttpProvider {
    /// `url` (substituted).
    pub url: String,
    /// `method`, upper-cased; GET by default.
    pub method: String,
    /// `headers` (substituted).
    pub headers: Map<String, Value>,
    /// `arguments`: query string for GET, body otherwise.
    pub arguments: Option<Value>,
    /// `timeout`: seconds, or `[connect, read]`.
    pub timeout: Option<Value>,
    /// `verify_tls`; true by default.
    pub verify_tls: bool,
    /// `max_retries`; 0 by default.
    pub max_retries: u32,
}

impl HttpProvider {
    /// `host:port` of the URL (substituted with `mapping`), for the network
    /// grant it needs.
    pub fn host_port(&self, mapping: &Mapping) -> Option<String> {
        url_host_port(&url::Url::parse(&render(&self.url, mapping).ok()?).ok()?)
    }
}

/// `host:port` of a URL as network grants spell it (`[::1]:80` for IPv6),
/// with the scheme's default port when the URL has none.
pub fn url_host_port(url: &url::Url) -> Option<String> {
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    Some(if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    })
}

/// `{"type": "process", ...}`, as Chaos Toolkit's process provider.
#[derive(Debug, Clone)]
pub struct ProcessProvider {
    /// `path`: a program name looked up in `PATH`, or a path.
    pub path: String,
    /// `arguments`.
    pub arguments: ProcessArguments,
    /// `timeout` in seconds.
    pub timeout: Option<f64>,
}

/// A process provider's `arguments`.
#[derive(Debug, Clone)]
pub enum ProcessArguments {
    /// A list: each element becomes one argument (null and "" dropped).
    List(Vec<Value>),
    /// A string: the command line `path arguments`, run by `sh -c`.
    Shell(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::HostPort;

    #[test]
    fn url_hosts_are_spelled_as_grants_with_default_ports_and_bracketed_ipv6() {
        let hp = |u: &str| url_host_port(&url::Url::parse(u).unwrap()).unwrap();
        assert_eq!(hp("http://Example.com/x"), "example.com:80");
        assert_eq!(hp("https://example.com/"), "example.com:443");
        assert_eq!(hp("http://[::1]:8080/"), "[::1]:8080");
        let parsed: HostPort = hp("http://[::1]:8080/").parse().unwrap();
        assert_eq!(parsed, HostPort { host: "::1".into(), port: Some(8080) });
    }
}
