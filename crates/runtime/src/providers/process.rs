//! The `process` provider, as Chaos Toolkit's: the host runs a program
//! (outside the sandbox, which is why it needs `--allow-run`) and the
//! output is `{status, stdout, stderr}`. A non-zero exit is not a failure.

use super::ActivityFailed;
use chaos_core::experiment::{ProcessArguments, ProcessProvider};
use chaos_core::grants::resolve_program;
use chaos_core::host_env::HostEnv;
use chaos_core::substitution::{Mapping, python_str, render, substitute};
use serde_json::{Value, json};
use std::time::Duration;

/// Runs the program of activity `name`, in the process environment with
/// `env`'s overlay on top.
pub async fn run(
    name: &str,
    provider: &ProcessProvider,
    mapping: &Mapping,
    has_tolerance: bool,
    default_timeout: Duration,
    env: &HostEnv,
) -> Result<Value, ActivityFailed> {
    let fail = |m: String| ActivityFailed::new(format!("activity '{name}': {m}"));
    let cwd = std::env::current_dir().unwrap_or_default();
    let program = resolve_program(&cwd, &provider.path)
        .ok_or_else(|| fail(format!("path '{}' cannot be found", provider.path)))?;
    let mut command = match &provider.arguments {
        ProcessArguments::List(items) => {
            let items =
                if mapping.is_empty() { items.clone() } else { items.iter().map(|i| substitute(i, mapping)).collect() };
            let mut c = tokio::process::Command::new(&program);
            c.args(items.iter().filter(|v| !v.is_null() && v.as_str() != Some("")).map(python_str));
            c
        }
        ProcessArguments::Shell(line) => {
            let line = if mapping.is_empty() { line.clone() } else { render(line, mapping) };
            let mut c = tokio::process::Command::new("sh");
            c.arg("-c").arg(format!("{} {line}", program.display()));
            c
        }
    };
    command.kill_on_drop(true).stdin(std::process::Stdio::null()).envs(env.overlay());
    let timeout = provider.timeout.map(Duration::from_secs_f64).unwrap_or(default_timeout);
    let output = match tokio::time::timeout(timeout, command.output()).await {
        Err(_) => return Err(fail("process activity took too long to complete".into())),
        Ok(Err(e)) => return Err(fail(format!("cannot run {}: {e}", program.display()))),
        Ok(Ok(output)) => output,
    };
    let status = output.status.code().unwrap_or(-1);
    if status != 0 && !has_tolerance {
        tracing::warn!(
            "This process returned a non-zero exit code. This may indicate some error and not what you expected. Please have a look at the logs."
        );
    }
    Ok(json!({
        "status": status,
        "stdout": String::from_utf8_lossy(&output.stdout),
        "stderr": String::from_utf8_lossy(&output.stderr),
    }))
}
