//! `chaos-sandbox`: the WebAssembly sandbox that runs activity components.
//!
//! It owns wasmtime: the engine, the compiled-artifact cache, the linker,
//! grants turned into WASI capabilities, and the limits. It depends on
//! `chaos-core` for the grant grammar and the component reference, and on
//! nothing that runs experiments (no runner, no providers, no CLI).
//!
//! One [`Sandbox`] per process holds the wasmtime [`Engine`], the linker with
//! WASI 0.2 and `wasi:http`, and the compiled components. Each activity call
//! gets a fresh [`wasmtime::Store`] whose WASI context holds exactly the
//! capabilities granted to that activity, and nothing else: no preopened
//! directories, no sockets, no environment, no inherited stdio.
//!
//! Defaults, all overridable per call with [`CallOptions`]:
//! - memory: [`Limits::DEFAULT_MEMORY`] bytes of linear memory;
//! - time: [`Limits::DEFAULT_TIMEOUT`], enforced twice: an epoch deadline
//!   traps wasm that runs too long, and a host-side timeout stops a guest
//!   blocked in a host call;
//! - output: [`Limits::DEFAULT_OUTPUT`] bytes of JSON output, and
//!   [`Limits::DEFAULT_LOG`] bytes of stdout/stderr/log per call.

#![deny(missing_docs)]

mod bindings;
mod cache;
mod call;
mod component;
mod engine;
mod env;
mod fs;
mod limits;
mod net;
mod output;
mod state;

pub use call::{CallError, CallOptions};
pub use component::{ActivityInfo, Builtins, LoadedComponent, NoBuiltins, read_component};
pub use limits::Limits;

use anyhow::{Context, Result};
use chaos_core::experiment::ComponentRef;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use wasmtime::Engine;
use wasmtime::component::Linker;

/// Runs activity components. Cheap to share: clone the [`Arc`].
pub struct Sandbox {
    engine: Engine,
    linker: Linker<state::ActivityState>,
    cache: cache::ArtifactCache,
    builtins: Box<dyn Builtins>,
    loaded: Mutex<HashMap<ComponentRef, Arc<LoadedComponent>>>,
}

impl Sandbox {
    /// Creates the engine and linker. `cache_dir` is where compiled
    /// components are kept between runs (`None` disables the cache);
    /// `builtins` are the components `builtin:NAME` names.
    ///
    /// # Errors
    /// When the engine cannot be configured on this platform.
    pub fn new(cache_dir: Option<PathBuf>, builtins: Box<dyn Builtins>) -> Result<Arc<Self>> {
        let engine = engine::new_engine()?;
        let linker = state::new_linker(&engine)?;
        let cache = cache::ArtifactCache::new(&engine, cache_dir);
        Ok(Arc::new(Self { engine, linker, cache, builtins, loaded: Mutex::default() }))
    }

    /// The default directory for compiled components: `$CHAOS_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/chaos`, else `~/.cache/chaos`.
    pub fn default_cache_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("CHAOS_CACHE_DIR") {
            return Some(PathBuf::from(dir));
        }
        if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
            return Some(PathBuf::from(dir).join("chaos"));
        }
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("chaos"))
    }

    /// Loads (compiles or takes from the cache) the component at `source`
    /// and asks it which activities it provides. Each source is loaded once
    /// per process.
    ///
    /// # Errors
    /// When the file is missing, is not a component, does not export the
    /// `chaos:activity` world, or fails while describing itself.
    pub async fn load(&self, source: &ComponentRef) -> Result<Arc<LoadedComponent>> {
        if let Some(found) = self.loaded.lock().unwrap().get(source) {
            return Ok(found.clone());
        }
        let (bytes, digest) = read_component(self.builtins.as_ref(), source)?;
        let component = self
            .cache
            .load_or_compile(&self.engine, &bytes, digest)
            .with_context(|| format!("{source} is not a valid WebAssembly component"))?;
        let loaded = Arc::new(
            component::LoadedComponent::new(&self.engine, &self.linker, source.clone(), component)
                .await
                .with_context(|| format!("{source} does not work as an activity component"))?,
        );
        self.loaded.lock().unwrap().insert(source.clone(), loaded.clone());
        Ok(loaded)
    }

    /// Runs activity `func` of `component` with `arguments` (a JSON object)
    /// under `options`' grants and limits.
    ///
    /// # Errors
    /// A [`CallError`] that says why: the activity's own error, a limit, a
    /// trap, a grant that could not be applied.
    pub async fn call(
        &self,
        component: &LoadedComponent,
        func: &str,
        arguments: &serde_json::Value,
        options: &CallOptions,
    ) -> Result<serde_json::Value, CallError> {
        call::call(&self.engine, component, func, arguments, options).await
    }
}
