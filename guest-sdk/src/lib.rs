//! Write chaos activities (probes and actions) as plain Rust functions that
//! compile to WebAssembly components for the `chaos` host.
//!
//! An activity is a function taking one serde-deserializable, `JsonSchema`
//! arguments struct and returning `Result<T, ActivityError>` where `T`
//! serializes to JSON. [`activities!`] registers them, derives the argument
//! schemas the host validates experiments against, and generates the
//! component glue (the `chaos:activity` WIT world). Build the crate as a
//! `cdylib` with `cargo build --target wasm32-wasip2`: the result is a
//! component, no other tool needed.
//!
//! ```ignore
//! use chaos_guest_sdk::{activities, schemars, ActivityError, JsonSchema};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct Greet { name: String }
//!
//! fn greet(args: Greet) -> Result<String, ActivityError> {
//!     Ok(format!("hello, {}", args.name))
//! }
//!
//! activities! {
//!     probe "greet": "Says hello to `name`." => greet,
//! }
//! ```
//!
//! Files, sockets, HTTP and environment variables are reached with the usual
//! Rust APIs (`std::fs`, `std::net`, `std::env`, or the `wasip2` crate for
//! `wasi:http`). The host grants nothing by default: an experiment requests
//! capabilities per activity and the operator allows them.
#![deny(missing_docs)]

mod error;
pub mod grants;
pub mod log;
#[doc(hidden)]
pub mod registry;

pub use error::ActivityError;
pub use schemars::{self, JsonSchema};

/// The wit-bindgen output for the `chaos:activity` world. Not part of the
/// public API: [`activities!`] uses it.
#[doc(hidden)]
pub mod __bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "activity",
        pub_export_macro: true,
        export_macro_name: "__export_activity",
        default_bindings_module: "chaos_guest_sdk::__bindings",
    });
}

/// Registers a component's activities and exports them to the host.
///
/// Each entry is `probe` or `action`, the name experiments use in
/// `provider.func`, a description, and the function:
///
/// ```ignore
/// chaos_guest_sdk::activities! {
///     probe "exists": "Tells whether a path exists." => exists,
///     action "remove": "Removes a file." => remove,
/// }
/// ```
///
/// Use it once per crate, at the crate root.
#[macro_export]
macro_rules! activities {
    ($($kind:ident $name:literal : $description:literal => $func:path),+ $(,)?) => {
        #[doc(hidden)]
        struct __ChaosActivities;

        impl $crate::__bindings::exports::chaos::activity::activities::Guest for __ChaosActivities {
            fn describe() -> ::std::vec::Vec<$crate::__bindings::chaos::activity::types::ActivityInfo> {
                ::std::vec![
                    $($crate::registry::info(
                        $crate::registry::Kind::$kind,
                        $name,
                        $description,
                        $crate::registry::schema_of($func as fn(_) -> _),
                    )),+
                ]
            }

            fn run(
                name: ::std::string::String,
                arguments: ::std::string::String,
            ) -> ::std::result::Result<
                ::std::string::String,
                $crate::__bindings::chaos::activity::types::ActivityError,
            > {
                match name.as_str() {
                    $($name => $crate::registry::invoke($func as fn(_) -> _, &arguments),)+
                    other => ::std::result::Result::Err($crate::registry::unknown_activity(other)),
                }
            }
        }

        $crate::__bindings::__export_activity!(__ChaosActivities with_types_in $crate::__bindings);
    };
}
