//! The `process` provider, as Chaos Toolkit's: the host runs a program
//! (outside the sandbox, which is why it needs `--allow-run`) and the
//! output is `{status, stdout, stderr}`. A non-zero exit is not a failure.

use super::{ActivityFailed, Call, CallFuture, Provider, Requested};
use chaos_core::experiment::{ProcessArguments, ProcessProvider, Provider as Declared};
use chaos_core::grants::resolve_program;
use chaos_core::host_env::HostEnv;
use chaos_core::substitution::{Mapping, python_str, render, substitute};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// A planned process activity.
pub struct ProcessCall {
    declared: ProcessProvider,
    default_timeout: Duration,
    base_dir: PathBuf,
    env: HostEnv,
}

impl ProcessCall {
    /// Runs `declared`'s program, relative paths against `base_dir`, in
    /// the process environment with `env`'s overlay on top;
    /// `default_timeout` applies when the provider sets none, and caps the
    /// provider's.
    pub fn new(declared: ProcessProvider, default_timeout: Duration, base_dir: PathBuf, env: HostEnv) -> Self {
        Self { declared, default_timeout, base_dir, env }
    }
}

impl Provider for ProcessCall {
    fn kind(&self) -> &'static str {
        "process"
    }

    fn requested(&self, mapping: &Mapping) -> Requested {
        Requested::Known(Declared::Process(self.declared.clone()).grants(mapping))
    }

    fn call<'a>(&'a self, call: Call<'a>) -> CallFuture<'a> {
        Box::pin(run(call, &self.declared, self.default_timeout, &self.base_dir, &self.env))
    }

    fn configuration_value(&self, output: Value) -> Option<Value> {
        (output.get("status") == Some(&Value::from(0)))
            .then(|| Value::from(output.get("stdout").and_then(Value::as_str).unwrap_or_default().trim()))
    }
}

/// Runs the program of `call`'s activity.
async fn run(
    call: Call<'_>,
    provider: &ProcessProvider,
    default_timeout: Duration,
    base_dir: &std::path::Path,
    env: &HostEnv,
) -> Result<Value, ActivityFailed> {
    let Call { name, mapping, has_tolerance, .. } = call;
    let fail = |m: String| ActivityFailed::new(format!("activity '{name}': {m}"));
    let program = resolve_program(base_dir, &provider.path)
        .ok_or_else(|| fail(format!("path '{}' cannot be found", provider.path)))?;
    let mut command = match &provider.arguments {
        ProcessArguments::List(items) => {
            let items = if mapping.is_empty() {
                items.clone()
            } else {
                items
                    .iter()
                    .map(|i| substitute(i, mapping))
                    .collect::<Result<_, _>>()
                    .map_err(|e| fail(e.to_string()))?
            };
            let mut c = tokio::process::Command::new(&program);
            c.args(items.iter().filter(|v| !v.is_null() && v.as_str() != Some("")).map(python_str));
            c
        }
        ProcessArguments::Shell(line) => {
            let line = if mapping.is_empty() {
                line.clone()
            } else {
                render(line, mapping).map_err(|e| fail(e.to_string()))?
            };
            let mut c = tokio::process::Command::new("sh");
            c.arg("-c").arg(format!("{} {line}", program.display()));
            c
        }
    };
    command.kill_on_drop(true).stdin(std::process::Stdio::null()).envs(env.overlay());
    let timeout = super::time_limit(name, provider.timeout, default_timeout)?;
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
