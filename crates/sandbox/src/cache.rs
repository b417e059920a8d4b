//! A cache of compiled components on disk, keyed by the component's SHA-256
//! and the engine's compatibility hash, so a component is compiled once per
//! machine instead of once per run. Loading maps the file into memory.
//!
//! Only files this module wrote are ever loaded (deserializing is `unsafe`
//! for untrusted input): the directory name carries the engine hash, the file
//! name the source digest, and files are written atomically.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use wasmtime::Engine;
use wasmtime::component::Component;

/// Compiled-artifact cache; a no-op when it has no directory.
pub struct ArtifactCache {
    dir: Option<PathBuf>,
}

impl ArtifactCache {
    /// A cache under `root`, in a subdirectory specific to `engine`'s settings.
    pub fn new(engine: &Engine, root: Option<PathBuf>) -> Self {
        // `DefaultHasher` is not stable across Rust releases: name the
        // directory with SHA-256 of what makes artifacts compatible.
        let mut hasher = EngineHasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        let digest = format!("{:x}", hasher.0.finalize());
        let dir = root.map(|r| r.join(format!("components-{}", &digest[..16])));
        Self { dir }
    }

    /// The compiled form of `bytes`, from the cache when present, else
    /// compiled now and stored. `digest` is the bytes' SHA-256 (lower-case
    /// hex) when the caller knows it (built-ins: computed at build time).
    pub fn load_or_compile(&self, engine: &Engine, bytes: &[u8], digest: Option<&str>) -> Result<Component> {
        let Some(dir) = &self.dir else {
            return Ok(Component::new(engine, bytes)?);
        };
        let digest = match digest {
            Some(known) => known.to_string(),
            None => format!("{:x}", Sha256::digest(bytes)),
        };
        let file = dir.join(format!("{digest}.cwasm"));
        if file.exists() {
            // SAFETY: the file was written by `Component::serialize` of an
            // engine with the same compatibility hash (see the module docs).
            match unsafe { Component::deserialize_file(engine, &file) } {
                Ok(component) => return Ok(component),
                Err(e) => tracing::debug!("ignoring unusable cache entry {}: {e:#}", file.display()),
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Err(e) = store(dir, &file, &component) {
            tracing::debug!("could not cache the compiled component: {e:#}");
        }
        Ok(component)
    }
}

fn store(dir: &std::path::Path, file: &std::path::Path, component: &Component) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, &component.serialize()?)?;
    tmp.persist(file)?;
    Ok(())
}

/// Feeds `Hash` input into SHA-256 (only `write` is used; `finish` is not).
struct EngineHasher(Sha256);

impl Hasher for EngineHasher {
    fn finish(&self) -> u64 {
        unreachable!("the digest is read with finalize")
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}
