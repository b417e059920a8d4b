//! A cache of compiled components on disk, keyed by the component's SHA-256
//! and the engine's compatibility hash, so a component is compiled once per
//! machine instead of once per run. Loading maps the file into memory.
//!
//! Only files this module wrote are ever loaded (deserializing is `unsafe`
//! for untrusted input): the directory name carries the engine hash, the file
//! name the source digest, and files are written atomically. An entry that
//! does not deserialize (corrupt, truncated) is ignored: the component is
//! compiled again and the entry rewritten.
//!
//! Why not wasmtime's own cache (its `cache` feature, which is not enabled):
//! it stores zstd-compressed artifacts that must be decompressed into memory
//! on every load, while `Component::deserialize_file` maps our uncompressed
//! `.cwasm` files directly, about 40 times faster for large guests (a
//! CPython component loads in ~3 ms instead of compiling for ~8 s or
//! decompressing 35 MB). It also brings a configuration file format and a
//! background worker that this program does not need.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::path::PathBuf;
use wasmtime::Engine;
use wasmtime::component::Component;

/// Compiled-artifact cache; a no-op when it has no directory.
pub(crate) struct ArtifactCache {
    dir: Option<PathBuf>,
}

impl ArtifactCache {
    /// A cache under `root`, in a subdirectory specific to `engine`'s settings.
    pub(crate) fn new(engine: &Engine, root: Option<PathBuf>) -> Self {
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
    pub(crate) fn load_or_compile(&self, engine: &Engine, bytes: &[u8], digest: Option<&str>) -> Result<Component> {
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

fn store(dir: &Path, file: &Path, component: &Component) -> Result<()> {
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

#[cfg(test)]
impl ArtifactCache {
    /// Where the compiled form of the component with `digest` is kept.
    pub(crate) fn entry(&self, digest: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|dir| dir.join(format!("{digest}.cwasm")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs_component() -> (&'static [u8], &'static str) {
        let builtin = chaos_builtins::get("fs").expect("builtin:fs is embedded");
        (builtin.bytes, builtin.sha256)
    }

    fn damaged_entry_is_replaced(damage: impl Fn(&[u8]) -> Vec<u8>) {
        let engine = Engine::default();
        let root = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(&engine, Some(root.path().to_path_buf()));
        let (bytes, digest) = fs_component();
        cache.load_or_compile(&engine, bytes, Some(digest)).unwrap();
        let entry = cache.entry(digest).unwrap();
        let good = std::fs::read(&entry).unwrap();
        std::fs::write(&entry, damage(&good)).unwrap();

        let component = cache.load_or_compile(&engine, bytes, Some(digest)).unwrap();

        assert!(component.component_type().exports(&engine).count() > 0, "the recompiled component is usable");
        let rewritten = std::fs::read(&entry).unwrap();
        // SAFETY: written by `store` above for this engine.
        assert!(unsafe { Component::deserialize_file(&engine, &entry) }.is_ok(), "the entry was rewritten");
        assert_eq!(rewritten.len(), good.len());
    }

    #[test]
    fn a_corrupt_entry_is_ignored_and_rewritten() {
        damaged_entry_is_replaced(|good| good.iter().map(|b| b ^ 0x5a).collect());
    }

    #[test]
    fn a_truncated_entry_is_ignored_and_rewritten() {
        damaged_entry_is_replaced(|good| good[..good.len() / 2].to_vec());
    }

    #[test]
    fn an_entry_is_written_under_the_source_digest() {
        let engine = Engine::default();
        let root = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(&engine, Some(root.path().to_path_buf()));
        let (bytes, _) = fs_component();
        cache.load_or_compile(&engine, bytes, None).unwrap();
        let digest = format!("{:x}", Sha256::digest(bytes));
        assert!(cache.entry(&digest).unwrap().is_file());
    }
}
