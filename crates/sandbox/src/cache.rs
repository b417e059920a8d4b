//! A cache of compiled components on disk, keyed by the component's SHA-256
//! and the engine's compatibility hash, so a component is compiled once per
//! machine instead of once per run.
//!
//! Deserializing a compiled artifact runs its native code, so only
//! artifacts this program wrote are ever loaded:
//! - the cache root and its engine directory must be directories owned by
//!   the current user that neither group nor others may write; otherwise
//!   the cache is not used (a warning, once) and components are compiled
//!   in memory;
//! - each artifact ends with a keyed BLAKE3 tag (a MAC) over the engine
//!   directory, the source digest and the artifact, keyed by a random key kept in the
//!   cache root (`artifact.key`, mode 0600, created on first use). An entry
//!   whose tag does not verify (patched, truncated, written by someone
//!   else, or another component's artifact under this name) is compiled
//!   again and rewritten, never deserialized. The file is read into memory
//!   once, and the bytes checked are the bytes deserialized. BLAKE3 (SIMD,
//!   and both cores for a large artifact) checks a 20 MB artifact in a few
//!   milliseconds, where HMAC-SHA256 took tens.
//!
//! A component is compiled once per machine, also when processes start at
//! once on a cold cache: the one that misses first takes an exclusive lock
//! on the entry (`DIGEST.lock`, `flock`) and compiles; the others wait for
//! the lock and load what it stored.
//!
//! Why not wasmtime's own cache (its `cache` feature, which is not enabled):
//! it stores zstd-compressed artifacts that must be decompressed on every
//! load, and brings a configuration file format and a background worker
//! that this program does not need.

use crate::compile::Compiled;
use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use wasmtime::Engine;
use wasmtime::component::Component;

/// The length of the key and of an artifact's tag, bytes.
const TAG_LEN: usize = 32;
/// The key's file name, in the cache root.
const KEY_FILE: &str = "artifact.key";
/// Artifacts at least this large are hashed on several threads.
const PARALLEL_HASH_BYTES: usize = 1 << 20;

/// Compiled-artifact cache; a no-op when it has no directory or the
/// directory is not safe to use.
pub(crate) struct ArtifactCache {
    /// The cache root (holds the key) and the engine's directory in it.
    dirs: Option<(PathBuf, PathBuf)>,
    /// The key, once the directories are checked; `None`: cache not used.
    key: OnceLock<Option<[u8; TAG_LEN]>>,
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
        let dirs = root.map(|r| {
            let dir = r.join(format!("components-{}", &digest[..16]));
            (r, dir)
        });
        Self { dirs, key: OnceLock::new() }
    }

    /// The cache root, when there is one.
    pub(crate) fn root(&self) -> Option<&Path> {
        self.dirs.as_ref().map(|(root, _)| root.as_path())
    }

    /// The component with source SHA-256 `digest` (lower-case hex), from
    /// the cache when present and authentic, else compiled now by
    /// `compile` and stored. Without a usable cache it is just compiled.
    pub(crate) fn load_or_compile<E>(
        &self,
        engine: &Engine,
        digest: &str,
        compile: impl FnOnce() -> Result<Compiled, E>,
    ) -> Result<Component, E> {
        let (Some((_, dir)), Some(key)) = (&self.dirs, self.key()) else {
            return compile().map(|compiled| compiled.component);
        };
        let file = dir.join(format!("{digest}.cwasm"));
        if let Some(component) = load_authentic(engine, &file, &key, dir, digest) {
            return Ok(component);
        }
        // Single flight across processes: whoever holds the entry's lock
        // compiles; the others wait, then load what it stored.
        let lock = lock_entry(dir, digest);
        if lock.is_some()
            && let Some(component) = load_authentic(engine, &file, &key, dir, digest)
        {
            return Ok(component);
        }
        let compiled = compile()?;
        if let Err(e) = store(dir, &file, &key, digest, &compiled) {
            tracing::debug!("could not cache the compiled component: {e:#}");
        }
        drop(lock);
        Ok(compiled.component)
    }

    /// The key, after checking the directories (once); `None` when the
    /// cache must not be used.
    fn key(&self) -> Option<[u8; TAG_LEN]> {
        *self.key.get_or_init(|| {
            let (root, dir) = self.dirs.as_ref()?;
            match open(root, dir) {
                Ok(key) => Some(key),
                Err(e) => {
                    tracing::warn!("not using the compiled-component cache {}: {e:#}", root.display());
                    None
                }
            }
        })
    }
}

/// Creates (mode 0700) and checks the directories, and reads or creates the key.
fn open(root: &Path, dir: &Path) -> Result<[u8; TAG_LEN]> {
    for d in [root, dir] {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(d)
            .with_context(|| format!("creating {}", d.display()))?;
        check_private(d, true)?;
    }
    let path = root.join(KEY_FILE);
    if !path.exists() {
        let mut key = [0u8; TAG_LEN];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
        // `tempfile` creates files with mode 0600.
        let mut tmp = tempfile::NamedTempFile::new_in(root)?;
        tmp.write_all(&key)?;
        tmp.as_file().sync_all()?;
        // Another process may have created it meanwhile: keep theirs.
        if let Err(e) = tmp.persist_noclobber(&path)
            && e.error.kind() != std::io::ErrorKind::AlreadyExists
        {
            return Err(e.error).with_context(|| format!("creating {}", path.display()));
        }
    }
    check_private(&path, false)?;
    let key = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    key.try_into().map_err(|_| anyhow::anyhow!("{} is not a key", path.display()))
}

/// `path` is owned by the current user and nobody else may write it (a key:
/// nor read it); it is a directory or a regular file as `dir` says.
fn check_private(path: &Path, dir: bool) -> Result<()> {
    let meta = std::fs::symlink_metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let meta = if meta.file_type().is_symlink() && dir { std::fs::metadata(path)? } else { meta };
    if (dir && !meta.is_dir()) || (!dir && !meta.is_file()) {
        bail!("{} is not a {}", path.display(), if dir { "directory" } else { "regular file" });
    }
    // SAFETY: `getuid` has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    if meta.uid() != uid {
        bail!("{} is owned by another user", path.display());
    }
    let forbidden = if dir { 0o022 } else { 0o077 };
    if meta.permissions().mode() & forbidden != 0 {
        bail!(
            "{} has mode {:o}: group or others may {}",
            path.display(),
            meta.permissions().mode() & 0o777,
            if dir { "write it" } else { "use it" }
        );
    }
    Ok(())
}

/// The tag of an artifact: it names the engine directory and the source
/// digest, so an authentic artifact cannot be moved under another name.
fn tag(key: &[u8; TAG_LEN], dir: &Path, digest: &str, artifact: &[u8]) -> blake3::Hash {
    let engine = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut mac = blake3::Hasher::new_keyed(key);
    mac.update(format!("chaos-artifact-v2\0{engine}\0{digest}\0").as_bytes());
    if artifact.len() >= PARALLEL_HASH_BYTES {
        mac.update_rayon(artifact);
    } else {
        mac.update(artifact);
    }
    mac.finalize()
}

/// The artifact in `file` when its tag verifies, else `None`.
fn read_authentic(file: &Path, key: &[u8; TAG_LEN], dir: &Path, digest: &str) -> Option<Vec<u8>> {
    let mut bytes = std::fs::read(file).ok()?;
    let split = bytes.len().checked_sub(TAG_LEN)?;
    let expected: [u8; TAG_LEN] = bytes[split..].try_into().ok()?;
    // `blake3::Hash` compares in constant time.
    if tag(key, dir, digest, &bytes[..split]) != blake3::Hash::from_bytes(expected) {
        tracing::debug!("ignoring unauthenticated cache entry {}", file.display());
        return None;
    }
    bytes.truncate(split);
    Some(bytes)
}

/// The entry `digest`'s lock file (`DIGEST.lock`, mode 0600), locked
/// exclusively: blocks while another process holds it. `None` (compile
/// without it) when it cannot be taken.
fn lock_entry(dir: &Path, digest: &str) -> Option<std::fs::File> {
    let path = dir.join(format!("{digest}.lock"));
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).mode(0o600).open(&path);
    match file.and_then(|file| file.lock().map(|()| file)) {
        Ok(file) => Some(file),
        Err(e) => {
            tracing::debug!("compiling without the lock {}: {e}", path.display());
            None
        }
    }
}

/// The component in `file` when its tag verifies and wasmtime accepts it.
fn load_authentic(engine: &Engine, file: &Path, key: &[u8; TAG_LEN], dir: &Path, digest: &str) -> Option<Component> {
    let artifact = read_authentic(file, key, dir, digest)?;
    // SAFETY: these bytes carry a valid tag of this cache's secret key:
    // `store` wrote them, from an artifact of an engine with the same
    // compatibility hash (see the module docs).
    match unsafe { Component::deserialize(engine, &artifact) } {
        Ok(component) => Some(component),
        Err(e) => {
            tracing::debug!("ignoring unusable cache entry {}: {e:#}", file.display());
            None
        }
    }
}

fn store(dir: &Path, file: &Path, key: &[u8; TAG_LEN], digest: &str, compiled: &Compiled) -> Result<()> {
    let artifact = match &compiled.artifact {
        Some(artifact) => std::borrow::Cow::Borrowed(artifact),
        None => std::borrow::Cow::Owned(compiled.component.serialize()?),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(&artifact)?;
    tmp.write_all(tag(key, dir, digest, &artifact).as_bytes())?;
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
        self.dirs.as_ref().map(|(_, dir)| dir.join(format!("{digest}.cwasm")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loads or compiles `bytes` in this process, as a sandbox does.
    fn compile(cache: &ArtifactCache, engine: &Engine, bytes: &[u8], digest: &str) -> Result<Component> {
        cache.load_or_compile(engine, digest, || {
            Ok(Compiled { component: Component::new(engine, bytes)?, artifact: None })
        })
    }

    fn fs_component() -> (&'static [u8], &'static str) {
        let builtin = chaos_builtins::get("fs").expect("builtin:fs is embedded");
        (builtin.bytes, builtin.sha256)
    }

    /// A cache in a new private directory, with the fs component cached.
    fn cached() -> (Engine, tempfile::TempDir, ArtifactCache, PathBuf, Vec<u8>) {
        let engine = Engine::default();
        let root = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(&engine, Some(root.path().join("chaos")));
        let (bytes, digest) = fs_component();
        compile(&cache, &engine, bytes, digest).unwrap();
        let entry = cache.entry(digest).unwrap();
        let good = std::fs::read(&entry).unwrap();
        (engine, root, cache, entry, good)
    }

    /// Damages the cached entry, loads again, and checks that the entry was
    /// compiled again and rewritten rather than loaded.
    fn damaged_entry_is_rebuilt_not_loaded(damage: impl Fn(&[u8]) -> Vec<u8>) {
        let (engine, _root, cache, entry, good) = cached();
        std::fs::write(&entry, damage(&good)).unwrap();
        let (bytes, digest) = fs_component();

        let component = compile(&cache, &engine, bytes, digest).unwrap();

        assert!(component.component_type().exports(&engine).count() > 0, "the recompiled component is usable");
        assert!(std::fs::read(&entry).unwrap() == good, "the entry was rewritten, not loaded as it was");
    }

    #[test]
    fn a_corrupt_entry_is_rebuilt_not_loaded() {
        damaged_entry_is_rebuilt_not_loaded(|good| good.iter().map(|b| b ^ 0x5a).collect());
    }

    #[test]
    fn a_truncated_entry_is_rebuilt_not_loaded() {
        damaged_entry_is_rebuilt_not_loaded(|good| good[..good.len() / 2].to_vec());
    }

    #[test]
    fn a_patched_entry_is_rebuilt_not_loaded() {
        damaged_entry_is_rebuilt_not_loaded(|good| {
            let mut patched = good.to_vec();
            let middle = patched.len() / 2;
            patched[middle] ^= 0x01;
            patched
        });
    }

    #[test]
    fn an_entry_tagged_with_another_key_is_rebuilt_not_loaded() {
        let (engine, _root, cache, entry, good) = cached();
        let dir = entry.parent().unwrap();
        let digest = fs_component().1;
        let artifact = &good[..good.len() - TAG_LEN];
        let forged = [artifact, tag(&[7; TAG_LEN], dir, digest, artifact).as_bytes()].concat();
        std::fs::write(&entry, forged).unwrap();

        compile(&cache, &engine, fs_component().0, digest).unwrap();

        assert!(std::fs::read(&entry).unwrap() == good, "the forged entry was replaced");
    }

    #[test]
    fn another_components_authentic_entry_is_not_accepted_under_this_name() {
        let (_engine, _root, cache, entry, _good) = cached();
        let other_digest = "0".repeat(64);
        let other = entry.with_file_name(format!("{other_digest}.cwasm"));
        std::fs::copy(&entry, &other).unwrap();
        let key: [u8; TAG_LEN] = std::fs::read(cache.root().unwrap().join(KEY_FILE)).unwrap().try_into().unwrap();
        let dir = entry.parent().unwrap();

        assert!(read_authentic(&entry, &key, dir, fs_component().1).is_some(), "authentic under its own name");
        assert!(read_authentic(&other, &key, dir, &other_digest).is_none(), "not under another name");
    }

    #[test]
    fn the_key_is_created_readable_by_its_owner_only() {
        let (_engine, _root, cache, _entry, _good) = cached();
        let key = cache.root().unwrap().join(KEY_FILE);
        let meta = std::fs::metadata(&key).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(meta.len(), TAG_LEN as u64);
    }

    #[test]
    fn a_cache_directory_others_may_write_is_not_used() {
        let engine = Engine::default();
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("chaos");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let cache = ArtifactCache::new(&engine, Some(dir.clone()));
        let (bytes, digest) = fs_component();

        let component = compile(&cache, &engine, bytes, digest).unwrap();

        assert!(component.component_type().exports(&engine).count() > 0, "compiled in memory");
        assert!(!cache.entry(digest).unwrap().exists(), "nothing is cached");
        assert!(!dir.join(KEY_FILE).exists(), "no key is written there");
    }

    #[test]
    fn an_entry_is_written_under_the_source_digest() {
        let engine = Engine::default();
        let root = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(&engine, Some(root.path().to_path_buf()));
        let (bytes, _) = fs_component();
        let digest = format!("{:x}", Sha256::digest(bytes));
        compile(&cache, &engine, bytes, &digest).unwrap();
        assert!(cache.entry(&digest).unwrap().is_file());
    }
}
