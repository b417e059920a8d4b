//! The experiment document: loading it from JSON or YAML ([`mod@load`]) and the
//! typed model that validation builds from it ([`model`]).
//!
//! The document itself is kept as JSON (`Experiment::document`) because
//! journals copy it verbatim, unknown keys included, as Chaos Toolkit does.

pub mod component_ref;
pub mod digest;
pub mod load;
pub mod model;

pub use component_ref::ComponentRef;
pub use digest::{DigestError, Sha256Digest};
pub use load::{LoadError, Source, load};
pub use model::{
    Activity, ActivityKind, Experiment, HttpProvider, Hypothesis, Pauses, ProcessArguments, ProcessProvider, Provider,
    PythonProvider, WasmProvider, url_host_port,
};
