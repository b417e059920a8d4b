//! `chaos discover COMPONENT`: a discovery file listing a component's
//! activities, kinds and argument schemas, shaped like Chaos Toolkit's.

use crate::args::DiscoverArgs;
use anyhow::Context as _;
use chaos_core::experiment::ComponentRef;
use serde_json::{Value, json};
use std::process::ExitCode;

/// Loads the component and writes what it provides.
///
/// # Errors
/// A component that does not load, or a file that cannot be written.
pub async fn discover(args: DiscoverArgs) -> anyhow::Result<ExitCode> {
    let sandbox = super::sandbox()?;
    let cwd = std::env::current_dir().unwrap_or_default();
    let source = ComponentRef::parse(&args.component, &cwd);
    tracing::info!("Discovering capabilities from {source}");
    let component = sandbox.load(&source).await?;
    let activities: Vec<Value> = component
        .activities()
        .iter()
        .map(|a| {
            json!({
                "type": a.kind,
                "name": a.name,
                "doc": a.description,
                "arguments": a.arguments_schema,
                "module": args.component,
                "func": a.name,
                "mod": args.component,
            })
        })
        .collect();
    let system = (!args.no_system_info).then(|| json!({"os": std::env::consts::OS, "arch": std::env::consts::ARCH}));
    let discovery = json!({
        "chaoslib_version": chaos_core::journal::CHAOSLIB_COMPATIBLE_VERSION,
        "chaos_wasm_version": env!("CARGO_PKG_VERSION"),
        "target": args.component,
        "platform": system,
        "extensions": [{
            "name": args.component,
            "version": env!("CARGO_PKG_VERSION"),
            "activities": activities,
        }],
    });
    let text = serde_json::to_string_pretty(&discovery).expect("JSON serializes");
    std::fs::write(&args.discovery_path, text + "\n")
        .with_context(|| format!("cannot write {}", args.discovery_path.display()))?;
    tracing::info!("Discovery outcome saved in {}", args.discovery_path.display());
    Ok(ExitCode::SUCCESS)
}
