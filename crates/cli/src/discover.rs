//! `chaos discover COMPONENT`: a discovery file listing a component's
//! activities, kinds and argument schemas, shaped like Chaos Toolkit's.

use crate::Context;
use chaos_core::discovery::{DiscoveredActivity, Discovery};
use chaos_core::experiment::ComponentRef;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// `chaos discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// `builtin:NAME` or the path of a .wasm component.
    pub component: String,
    /// Where to write the discovery file.
    #[arg(long, value_name = "PATH", default_value = "./discovery.json")]
    pub discovery_path: PathBuf,
    /// Leave the platform out of the file.
    #[arg(long)]
    pub no_system_info: bool,
}

/// Loads the component and writes what it provides.
pub async fn discover(args: DiscoverArgs, ctx: &Context) -> ExitCode {
    let sandbox = match ctx.sandbox() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let source = ComponentRef::parse(&args.component, &cwd);
    tracing::info!("Discovering capabilities from {source}");
    let component = match sandbox.load(&source).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("{e:#}");
            return ExitCode::FAILURE;
        }
    };
    let activities = component
        .activities()
        .iter()
        .map(|a| DiscoveredActivity::new(&args.component, a.kind, &a.name, &a.description, a.arguments_schema.clone()))
        .collect();
    let text = Discovery::of(&args.component, activities, !args.no_system_info).to_text();
    if let Err(e) = std::fs::write(&args.discovery_path, text) {
        tracing::error!("cannot write {}: {e}", args.discovery_path.display());
        return ExitCode::FAILURE;
    }
    tracing::info!("Discovery outcome saved in {}", args.discovery_path.display());
    ExitCode::SUCCESS
}
