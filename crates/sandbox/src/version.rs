//! The wasmtime release this crate is built against.

/// The wasmtime version, pinned exactly (`=48.0.8`) in the workspace's
/// `Cargo.toml` because the wasi:http hook API moves between releases.
pub const WASMTIME_VERSION: &str = "48.0.8";

#[cfg(test)]
mod tests {
    use super::WASMTIME_VERSION;

    #[test]
    fn the_version_is_the_one_pinned_in_the_workspace_manifest() {
        let manifest = include_str!("../../../Cargo.toml");
        let pin = format!("wasmtime = {{ version = \"={WASMTIME_VERSION}\"");
        assert!(manifest.contains(&pin), "Cargo.toml does not pin {pin}");
    }

    #[test]
    fn the_version_is_the_one_in_the_lock_file() {
        let lock = include_str!("../../../Cargo.lock");
        let entry = format!("[[package]]\nname = \"wasmtime\"\nversion = \"{WASMTIME_VERSION}\"\n");
        assert!(lock.contains(&entry), "Cargo.lock has no wasmtime {WASMTIME_VERSION}");
    }
}
