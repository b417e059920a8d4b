//! The [`Sandbox`]: compiled components, loaded once each, and calls.

use crate::budget::MemoryBudget;
use crate::builtins::{Builtins, read_component};
use crate::cache::ArtifactCache;
use crate::error::{CallError, LoadError};
use crate::header::not_a_component;
use crate::limits::Limits;
use crate::options::CallOptions;
use crate::store::HostState;
use crate::world::activity::{self, LoadedComponent};
use chaos_core::experiment::ComponentRef;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::OnceCell;
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

/// One slot per source, filled once by the first task to ask; tasks that
/// ask meanwhile wait for it instead of doing the work again.
type SingleFlight<T> = Mutex<HashMap<ComponentRef, Arc<OnceCell<T>>>>;

/// Runs components. Built by [`crate::SandboxBuilder`]; cheap to share:
/// clone the [`Arc`].
pub struct Sandbox {
    pub(crate) engine: Engine,
    pub(crate) epoch_tick: Duration,
    pub(crate) limits: Limits,
    /// The pooling allocator's memory slot, bytes (`None`: on demand).
    pub(crate) memory_slot: Option<usize>,
    pub(crate) activity_linker: Linker<HostState>,
    pub(crate) cache: Arc<ArtifactCache>,
    pub(crate) builtins: Arc<dyn Builtins>,
    /// Memory all concurrent calls may hold together.
    pub(crate) memory: MemoryBudget,
    pub(crate) compiled: SingleFlight<Component>,
    pub(crate) loaded: SingleFlight<Arc<LoadedComponent>>,
}

impl Sandbox {
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

    /// The artifact cache directory this sandbox uses, if any. No grant
    /// may contain it (a guest that writes there could plant native code).
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache.root()
    }

    /// The default limits, used where a call gives none (describing a
    /// component while loading it).
    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(crate) fn epoch_tick(&self) -> Duration {
        self.epoch_tick
    }

    /// The compiled component `source` names, from this process's memory,
    /// the artifact cache, or compiled now. Reading and compiling run on
    /// tokio's blocking threads, and concurrent calls for one source
    /// compile it once. The result is world-agnostic: any world can
    /// instantiate it.
    ///
    /// # Errors
    /// [`LoadError::UnknownBuiltin`], [`LoadError::Read`],
    /// [`LoadError::Invalid`], or [`LoadError::Interrupted`].
    pub async fn compile(&self, source: &ComponentRef) -> Result<Component, LoadError> {
        let cell = slot(&self.compiled, source);
        let compiled = cell
            .get_or_try_init(|| {
                let (engine, cache, builtins, source) =
                    (self.engine.clone(), self.cache.clone(), self.builtins.clone(), source.clone());
                async move {
                    let interrupted = |e: tokio::task::JoinError| LoadError::Interrupted {
                        component: source.clone(),
                        reason: e.to_string(),
                    };
                    let task_source = source.clone();
                    tokio::task::spawn_blocking(move || {
                        let (bytes, digest) = read_component(builtins.as_ref(), &task_source)?;
                        if let Some(reason) = not_a_component(&bytes) {
                            return Err(LoadError::Invalid { component: task_source, reason: reason.into() });
                        }
                        cache
                            .load_or_compile(&engine, &bytes, digest)
                            .map_err(|e| LoadError::Invalid { component: task_source, reason: format!("{e:#}") })
                    })
                    .await
                    .map_err(interrupted)?
                }
            })
            .await?;
        Ok(compiled.clone())
    }

    /// Loads the activity component at `source`: compiles it (see
    /// [`Sandbox::compile`]) and asks it which activities it provides. Each
    /// source is loaded once per sandbox, also when loads overlap.
    ///
    /// # Errors
    /// What [`Sandbox::compile`] returns, or [`LoadError::NotActivity`] when
    /// it does not export the `chaos:activity` world or fails while
    /// describing itself.
    pub async fn load(&self, source: &ComponentRef) -> Result<Arc<LoadedComponent>, LoadError> {
        let cell = slot(&self.loaded, source);
        let loaded = cell
            .get_or_try_init(|| async {
                let component = self.compile(source).await?;
                LoadedComponent::new(self, &self.activity_linker, source.clone(), component).await.map(Arc::new)
            })
            .await?;
        Ok(loaded.clone())
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
        if let Some(slot) = self.memory_slot
            && options.limits.memory > slot
        {
            return Err(CallError::MemoryLimitAboveSlot { limit: options.limits.memory, slot });
        }
        activity::call::call(self, component, func, arguments, options).await
    }
}

/// The slot for `source` in `map`, created empty if there is none yet.
fn slot<T>(map: &SingleFlight<T>, source: &ComponentRef) -> Arc<OnceCell<T>> {
    map.lock().unwrap_or_else(PoisonError::into_inner).entry(source.clone()).or_default().clone()
}
