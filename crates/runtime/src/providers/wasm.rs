//! The `wasm` provider: one call into an activity component.

use super::{ActivityFailed, Providers};
use chaos_core::experiment::WasmProvider;
use chaos_core::substitution::{Mapping, substitute};
use chaos_sandbox::{CallError, CallOptions, PreparedGrants};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Runs `provider` for activity `name`.
pub async fn run(
    providers: &Providers,
    name: &str,
    provider: &WasmProvider,
    mapping: &Mapping,
    value: Option<&Value>,
) -> Result<Value, ActivityFailed> {
    let component = providers
        .sandbox
        .load(&provider.source)
        .await
        .map_err(|e| ActivityFailed::fatal(format!("activity '{name}': {e:#}")))?;
    // Chaos Toolkit substitutes arguments only when there is something to
    // substitute with (so `$$` stays as written otherwise).
    let mut arguments =
        if mapping.is_empty() { provider.arguments.clone() } else { substitute(&provider.arguments, mapping) };
    if let (Some(value), Value::Object(args)) = (value, &mut arguments) {
        args.insert("value".into(), value.clone());
    }
    let mut limits = providers.limits;
    if let Some(secs) = provider.timeout {
        limits.timeout = Duration::from_secs_f64(secs);
    }
    // The run plan prepares these once
    let grants = PreparedGrants::prepare(&provider.grants, &providers.base_dir, |var| std::env::var_os(var))
        .await
        .map_err(|e| ActivityFailed::new(format!("activity '{name}' {}", CallError::from(e))))?;
    let options = CallOptions { activity: name.to_string(), grants: Arc::new(grants), limits };
    providers
        .sandbox
        .call(&component, &provider.func, &arguments, &options)
        .await
        .map_err(|e| ActivityFailed::new(format!("activity '{name}' {e}")))
}
