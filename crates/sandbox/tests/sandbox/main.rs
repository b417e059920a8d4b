//! In-process tests of the sandbox, with the built-in components.

mod builder;
mod cache;
mod denials;
mod grants;
mod load;
mod pinning;

use chaos_core::experiment::ComponentRef;
use chaos_core::grants::Grants;
use chaos_sandbox::{Builtins, CallOptions, LoadedComponent, PreparedGrants, Sandbox, SandboxBuilder};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

/// The components `chaos-builtins` embeds.
struct EmbeddedBuiltins;

impl Builtins for EmbeddedBuiltins {
    fn get(&self, name: &str) -> Option<(&'static [u8], &'static str)> {
        chaos_builtins::get(name).map(|b| (b.bytes, b.sha256))
    }

    fn names(&self) -> Vec<&'static str> {
        chaos_builtins::names().collect()
    }
}

/// A builder with the built-ins and every other default (no cache: each
/// sandbox compiles what it loads).
fn builder() -> SandboxBuilder {
    let mut builder = SandboxBuilder::new();
    builder.builtins(EmbeddedBuiltins);
    builder
}

/// [`builder`] with an artifact cache (in cargo's temporary directory for
/// integration tests) shared by the tests that do not test compilation, so
/// that each built-in is compiled once.
fn cached_builder() -> SandboxBuilder {
    let mut builder = builder();
    builder.cache_dir(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sandbox-artifacts"));
    builder
}

fn fs() -> ComponentRef {
    ComponentRef::Builtin("fs".into())
}

/// Call options granting read access to `base` (as `.`).
async fn reading(base: &Path) -> CallOptions {
    let read = Grants { read: vec![".".to_string()], ..Grants::default() };
    let grants = PreparedGrants::prepare(&read, base, |_| None).await.unwrap();
    CallOptions { grants: Arc::new(grants), ..CallOptions::new("t") }
}

/// `builtin:fs`'s `exists` of `path` under `options`.
async fn exists(sandbox: &Sandbox, component: &LoadedComponent, path: &str, options: &CallOptions) -> Value {
    sandbox.call(component, "exists", &json!({ "path": path }), options).await.unwrap()
}
