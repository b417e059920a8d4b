//! An example activity component: a probe that greets someone, and one that
//! reads a greeting from an environment variable it must be granted.
//!
//! Build it with `cargo build --release --target wasm32-wasip2 -p greeter-activity`;
//! the component is `target/wasm32-wasip2/release/greeter_activity.wasm`.

// `schemars` is in scope for the `JsonSchema` derive.
use chaos_guest_sdk::{ActivityError, JsonSchema, activities, log, schemars};
use serde::Deserialize;

/// Who to greet.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Greet {
    /// A name.
    name: String,
    /// How many exclamation marks.
    #[serde(default)]
    excitement: u8,
}

fn greet(args: Greet) -> Result<String, ActivityError> {
    if args.name.trim().is_empty() {
        return Err(ActivityError::InvalidArguments("`name` must not be blank".into()));
    }
    log::info(format!("greeting {}", args.name));
    Ok(format!("Hello, {}{}", args.name, "!".repeat(args.excitement.into())))
}

/// No arguments.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Nothing {}

fn greeting_from_env(_: Nothing) -> Result<String, ActivityError> {
    std::env::var("GREETING").map_err(|_| ActivityError::CapabilityDenied("GREETING is not set or not granted".into()))
}

activities! {
    probe "greet": "Returns a greeting for `name`." => greet,
    probe "greeting_from_env": "Returns the GREETING environment variable (grant it with `env`)." => greeting_from_env,
}
