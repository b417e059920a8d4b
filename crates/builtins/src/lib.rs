//! The built-in activity components, `builtin:NAME` in an experiment, and
//! the Python runner [`PYTHON_RUNNER`] that runs `python` providers.
//!
//! `build.rs` builds every crate under `activities/` for `wasm32-wasip2`
//! and embeds the components here, each with its SHA-256 digest computed at
//! build time. This crate owns nothing else: it does not load, compile or
//! run components (that is `chaos-sandbox`), so anything that needs the
//! bytes (the sandbox, `chaos info`, `chaos discover`) can depend on it
//! without a runtime.
//!
//! [`foreach_builtin_activity!`] lists every activity the built-ins declare,
//! as `(component, kind, function)`; the end-to-end suite expands it into
//! one assertion per function that a test of that name exists, so a
//! built-in function without a test does not build.
#![deny(missing_docs)]

/// One built-in component.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// `NAME` of `builtin:NAME`.
    pub name: &'static str,
    /// The component.
    pub bytes: &'static [u8],
    /// SHA-256 of `bytes`, lower-case hex.
    pub sha256: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/builtin_components.rs"));
include!(concat!(env!("OUT_DIR"), "/foreach_builtin_activity.rs"));

/// The built-in called `name` (`fs` for `builtin:fs`, `python` for the
/// Python runner).
pub fn get(name: &str) -> Option<&'static Builtin> {
    BUILTIN_COMPONENTS.iter().chain([&PYTHON_RUNNER]).find(|b| b.name == name)
}

/// The names of the built-in activity components, sorted (the Python
/// runner, which `python` providers use, is not one).
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTIN_COMPONENTS.iter().map(|b| b.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_is_a_component_with_its_digest() {
        assert!(!BUILTIN_COMPONENTS.is_empty());
        for builtin in BUILTIN_COMPONENTS {
            // The component-model binary preamble: magic, then layer 1.
            assert_eq!(&builtin.bytes[..4], b"\0asm", "{}", builtin.name);
            assert_eq!(builtin.sha256.len(), 64, "{}", builtin.name);
        }
        assert!(get("fs").is_some());
        assert_eq!(&PYTHON_RUNNER.bytes[..4], b"\0asm");
        assert_eq!(get("python").map(|b| b.sha256), Some(PYTHON_RUNNER.sha256));
        assert!(get("nope").is_none());
    }
}
