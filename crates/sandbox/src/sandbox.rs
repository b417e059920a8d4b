//! The [`Sandbox`]: compiled components, loaded once each, and calls.

use crate::budget::MemoryBudget;
use crate::builtins::{Builtins, read_component};
use crate::cache::ArtifactCache;
use crate::compile::Compiler;
use crate::error::{CallError, LoadError};
use crate::header::not_a_component;
use crate::limits::Limits;
use crate::options::CallOptions;
use crate::outcome::CallOutcome;
use crate::pool::CallSlots;
use crate::store::HostState;
use crate::world::activity::{self, LoadedComponent};
use chaos_core::experiment::{ComponentRef, Sha256Digest};
use sha2::{Digest as _, Sha256};
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
    /// The pool's call slots (`None`: on demand, no slot to wait for).
    pub(crate) call_slots: Option<CallSlots>,
    pub(crate) activity_linker: Linker<HostState>,
    pub(crate) cache: Arc<ArtifactCache>,
    /// How components that are not built-ins are compiled.
    pub(crate) compiler: Compiler,
    /// How `wasi:http` verifies HTTPS servers.
    pub(crate) tls: Arc<tokio_rustls::rustls::ClientConfig>,
    pub(crate) builtins: Arc<dyn Builtins>,
    /// Each compiled component with the SHA-256 of the bytes compiled.
    pub(crate) compiled: SingleFlight<(Component, String)>,
    /// Memory all concurrent calls may hold together.
    pub(crate) memory: MemoryBudget,
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

    /// The pooling allocator's memory slot, bytes, or `None` when instances
    /// are allocated on demand (pooling turned off, or the pool could not
    /// be reserved). No call may have a larger memory limit.
    pub fn pool_memory_slot(&self) -> Option<usize> {
        self.memory_slot
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
        self.compile_pinned(source, None).await
    }

    /// [`Sandbox::compile`], refusing a component whose bytes do not have
    /// the SHA-256 `pin`. The digest is of the very bytes compiled (read
    /// once, hashed, then compiled), so a file swapped between the check
    /// and the compilation cannot slip through; a component compiled
    /// earlier in this process is compared by the digest of the bytes it
    /// was compiled from.
    ///
    /// # Errors
    /// What [`Sandbox::compile`] returns, or [`LoadError::DigestMismatch`]
    /// (nothing is compiled then).
    pub async fn compile_pinned(
        &self,
        source: &ComponentRef,
        pin: Option<&Sha256Digest>,
    ) -> Result<Component, LoadError> {
        let cell = slot(&self.compiled, source);
        let (compiled, digest) = cell
            .get_or_try_init(|| {
                let (engine, cache, builtins, source) =
                    (self.engine.clone(), self.cache.clone(), self.builtins.clone(), source.clone());
                let compiler = self.compiler;
                let pin = pin.cloned();
                async move {
                    let interrupted = |e: tokio::task::JoinError| LoadError::Interrupted {
                        component: source.clone(),
                        reason: e.to_string(),
                    };
                    let task_source = source.clone();
                    tokio::task::spawn_blocking(move || {
                        let (bytes, known) = read_component(builtins.as_ref(), &task_source)?;
                        if let Some(reason) = not_a_component(&bytes) {
                            return Err(LoadError::Invalid { component: task_source, reason: reason.into() });
                        }
                        let digest = known.map_or_else(|| format!("{:x}", Sha256::digest(&bytes)), str::to_string);
                        check_pin(&task_source, pin.as_ref(), &digest)?;
                        let component = cache
                            .load_or_compile(&engine, &digest, || compiler.compile(&engine, &task_source, &bytes))?;
                        Ok((component, digest))
                    })
                    .await
                    .map_err(interrupted)?
                }
            })
            .await?;
        check_pin(source, pin, digest)?;
        Ok(compiled.clone())
    }

    /// The SHA-256 (lower-case hex) of the bytes this sandbox compiled for
    /// `source`, compiling it now if it has not yet: the value a `sha256`
    /// pin of `source` must have.
    ///
    /// # Errors
    /// What [`Sandbox::compile`] returns.
    pub async fn sha256(&self, source: &ComponentRef) -> Result<String, LoadError> {
        self.compile(source).await?;
        let cell = slot(&self.compiled, source);
        Ok(cell.get().map(|(_, digest)| digest.clone()).unwrap_or_default())
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
        self.load_pinned(source, None).await
    }

    /// [`Sandbox::load`], refusing a component whose bytes do not have the
    /// SHA-256 `pin` before it is compiled or instantiated (see
    /// [`Sandbox::compile_pinned`]).
    ///
    /// # Errors
    /// What [`Sandbox::load`] returns, or [`LoadError::DigestMismatch`].
    pub async fn load_pinned(
        &self,
        source: &ComponentRef,
        pin: Option<&Sha256Digest>,
    ) -> Result<Arc<LoadedComponent>, LoadError> {
        let component = self.compile_pinned(source, pin).await?;
        let cell = slot(&self.loaded, source);
        let loaded = cell
            .get_or_try_init(|| async {
                LoadedComponent::new(self, &self.activity_linker, source.clone(), component).await.map(Arc::new)
            })
            .await?;
        Ok(loaded.clone())
    }

    /// Runs activity `func` of `component` with `arguments` (a JSON object)
    /// under `options`' grants and limits. What the host refused it on the
    /// way is dropped: [`Sandbox::call_audited`] returns it.
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
        self.call_audited(component, func, arguments, options).await.result
    }

    /// [`Sandbox::call`], returning with its result every denial recorded
    /// during the call: each socket use and `wasi:http` request the grants
    /// refused, and the activity's own `capability-denied` error (see
    /// [`CallOutcome`]). This is what a runner that keeps an audit trail
    /// calls.
    pub async fn call_audited(
        &self,
        component: &LoadedComponent,
        func: &str,
        arguments: &serde_json::Value,
        options: &CallOptions,
    ) -> CallOutcome {
        if let Err(error) = self.fits_a_slot(options) {
            return CallOutcome { result: Err(error), denials: Default::default() };
        }
        activity::call::call(self, component, func, arguments, options).await
    }

    /// Refuses a call whose memory limit is larger than a pool slot (it
    /// could never be instantiated).
    pub(crate) fn fits_a_slot(&self, options: &CallOptions) -> Result<(), CallError> {
        match self.memory_slot {
            Some(slot) if options.limits.memory > slot => {
                Err(CallError::MemoryLimitAboveSlot { limit: options.limits.memory, slot })
            }
            _ => Ok(()),
        }
    }
}

/// Refuses `source` when `pin` is given and differs from `digest`.
fn check_pin(source: &ComponentRef, pin: Option<&Sha256Digest>, digest: &str) -> Result<(), LoadError> {
    match pin {
        Some(pin) if pin.as_str() != digest => Err(LoadError::DigestMismatch {
            component: source.clone(),
            expected: pin.to_string(),
            actual: digest.to_string(),
        }),
        _ => Ok(()),
    }
}

/// The slot for `source` in `map`, created empty if there is none yet.
fn slot<T>(map: &SingleFlight<T>, source: &ComponentRef) -> Arc<OnceCell<T>> {
    map.lock().unwrap_or_else(PoisonError::into_inner).entry(source.clone()).or_default().clone()
}
