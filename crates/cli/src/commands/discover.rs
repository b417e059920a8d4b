//! `chaos discover COMPONENT`: a discovery file listing a component's
//! activities, kinds and argument schemas, shaped like Chaos Toolkit's, and
//! the component's SHA-256, the value to pin it with.

use crate::args::DiscoverArgs;
use anyhow::Context as _;
use chaos_core::discovery::{DiscoveredActivity, Discovery};
use chaos_core::experiment::ComponentRef;
use std::process::ExitCode;

/// Loads the component and writes what it provides.
///
/// # Errors
/// A component that does not load, or a file that cannot be written.
pub async fn discover(args: DiscoverArgs) -> anyhow::Result<ExitCode> {
    let compile = args.compile.limits().map_err(crate::resolve::UsageError::from)?;
    let sandbox = super::sandbox(compile)?;
    let cwd = std::env::current_dir().unwrap_or_default();
    let source = ComponentRef::parse(&args.component, &cwd);
    tracing::info!("Discovering capabilities from {source}");
    let component = sandbox.load(&source).await?;
    let activities = component
        .activities()
        .iter()
        .map(|a| DiscoveredActivity::new(&args.component, a.kind, &a.name, &a.description, a.arguments_schema.clone()))
        .collect();
    let sha256 = sandbox.sha256(&source).await?;
    tracing::info!("Component {source} has SHA-256 {sha256}: pin it with \"sha256\": \"{sha256}\" in its provider");
    let text = Discovery::of(&args.component, activities, !args.no_system_info).with_sha256(sha256).to_text();
    crate::replace::write(&args.discovery_path, text.as_bytes(), crate::replace::Existing::Replace)
        .with_context(|| format!("cannot write {}", args.discovery_path.display()))?;
    tracing::info!("Discovery outcome saved in {}", args.discovery_path.display());
    Ok(ExitCode::SUCCESS)
}
