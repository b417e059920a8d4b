//! `chaos-core`: what a Chaos Toolkit experiment *is*, with no runtime.
//!
//! This crate owns the experiment model and its loading from JSON or YAML
//! ([`experiment`]), the validation that needs no WebAssembly runtime
//! ([`validation`]), what activities request and what the operator allows
//! ([`grants`]), `${name}` substitution ([`substitution`]), tolerance
//! evaluation ([`tolerance`]), configuration, secrets and `--var` values,
//! the environment experiments see ([`host_env`]) and the env entries that
//! read it ([`env_entries`]),
//! settings, the run strategies ([`strategy`]), the journal ([`journal`]),
//! the discovery file ([`discovery`]) and experiment scaffolding from it
//! ([`scaffold`]).
//!
//! It must not depend on wasmtime, tokio, reqwest or clap (`clap` is an
//! optional feature for the command line's value enums): a Kubernetes
//! admission check, an editor plugin or a report generator can use it
//! without compiling a WebAssembly runtime. `chaos-sandbox` and
//! `chaos-runtime` build on it; it builds on nothing of theirs.
//!
//! ```
//! let document = serde_json::json!({
//!     "title": "t", "description": "d",
//!     "method": [{"type": "probe", "name": "p",
//!                 "provider": {"type": "wasm", "module": "builtin:fs", "func": "exists",
//!                              "arguments": {"path": "."}}}]
//! });
//! let experiment = chaos_core::validation::validate(
//!     &document, std::path::Path::new("."), &chaos_core::vars::Vars::default()).unwrap();
//! assert_eq!(experiment.method[0].name, "p");
//! ```
#![deny(missing_docs)]

pub mod configuration;
pub mod discovery;
pub mod duration;
pub mod env_entries;
pub mod experiment;
pub mod grants;
pub mod host_env;
pub mod input;
pub mod journal;
pub mod scaffold;
pub mod secrets;
pub mod settings;
pub mod strategy;
pub mod substitution;
pub mod tolerance;
pub mod validation;
pub mod vars;
