//! The component worlds the sandbox hosts. Each world is a module that
//! adds its imports to the shared linker ([`crate::store`]) and calls its
//! exports on a store built there; a second world (a Python provider, a
//! control) is a second module next to `activity`.

pub mod activity;
pub mod python;
