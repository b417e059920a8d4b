//! Paths of the components the end-to-end tests use, built by `build.rs`.

include!(concat!(env!("OUT_DIR"), "/components.rs"));
