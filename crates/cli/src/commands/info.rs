//! `chaos info core|extensions|settings`.

use crate::args::{InfoArgs, InfoTarget};
use crate::resolve::Context;
use chaos_core::experiment::ComponentRef;
use chaos_sandbox::Sandbox;
use std::process::ExitCode;

/// Prints the requested information on stdout.
///
/// # Errors
/// When the sandbox cannot start (`extensions`).
pub async fn info(args: InfoArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    match args.target {
        InfoTarget::Core => {
            println!("NAME                VERSION");
            println!("chaos               {}", env!("CARGO_PKG_VERSION"));
            println!("chaoslib (compat)   {}", chaos_core::journal::CHAOSLIB_COMPATIBLE_VERSION);
            println!("wasmtime            {}", chaos_sandbox::WASMTIME_VERSION);
            println!("wit                 chaos:activity@0.1.0");
        }
        InfoTarget::Extensions => {
            let sandbox = super::sandbox(chaos_sandbox::CompileLimits::default())?;
            println!("{:<16} {:<8} {:<8} DESCRIPTION", "NAME", "TYPE", "FUNC");
            for name in chaos_builtins::names() {
                let source = ComponentRef::Builtin(name.to_string());
                match sandbox.load(&source).await {
                    Ok(component) => {
                        for a in component.activities() {
                            let kind = serde_json::to_value(a.kind).unwrap_or_default();
                            println!(
                                "{:<16} {:<8} {:<8} {}",
                                source.to_string(),
                                kind.as_str().unwrap_or(""),
                                a.name,
                                a.description
                            );
                        }
                    }
                    Err(e) => println!("{source}: {e:#}"),
                }
            }
            if let Some(dir) = Sandbox::default_cache_dir() {
                let cached = std::fs::read_dir(&dir)
                    .map(|d| {
                        d.flatten().flat_map(|e| std::fs::read_dir(e.path()).into_iter().flatten().flatten()).count()
                    })
                    .unwrap_or(0);
                println!("\n{cached} compiled component(s) cached in {}", dir.display());
            }
        }
        InfoTarget::Settings => {
            println!("Settings file: {}", ctx.settings_path.display());
            let yaml =
                serde_yaml_ng::to_string(&serde_json::Value::Object(ctx.settings.document.clone())).unwrap_or_default();
            print!("{yaml}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
