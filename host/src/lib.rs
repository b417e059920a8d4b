//! The `chaos` library: load a Chaos Toolkit experiment, validate it, check
//! its requested grants against what the operator allows, and run it with
//! every probe and action executing as a WASI 0.2 component inside wasmtime.
//!
//! The `chaos` binary is a thin layer over this crate ([`cli`]).
#![deny(missing_docs)]

pub mod cli;
pub mod configuration;
pub mod experiment;
pub mod grants;
pub mod init;
pub mod journal;
pub mod prepare;
pub mod providers;
pub mod runner;
pub mod sandbox;
pub mod secrets;
pub mod settings;
pub mod substitution;
pub mod tolerance;
pub mod validation;
pub mod vars;
