//! The parent side of compiling in a child process: start it, feed it the
//! component, wait at most the time limit, and read back the artifact.

use super::serve::{COMPILE_CHILD_ARG, EXIT_INVALID};
use super::{CompileLimits, Compiled};
use crate::error::LoadError;
use chaos_core::experiment::ComponentRef;
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use wasmtime::Engine;
use wasmtime::component::Component;

/// The most of the child's stderr kept for a message.
const MAX_STDERR: u64 = 64 << 10;

/// Compiles `bytes` (the component `source`) in a child process under
/// `limits`, then deserializes the artifact it returns.
pub(crate) fn compile_in_child(
    engine: &Engine,
    source: &ComponentRef,
    bytes: &[u8],
    limits: &CompileLimits,
) -> Result<Compiled, LoadError> {
    let failed = |reason: String| LoadError::Interrupted { component: source.clone(), reason };
    let program = std::env::current_exe().map_err(|e| failed(format!("cannot find this program to compile: {e}")))?;
    let mut child = Command::new(&program)
        .arg(COMPILE_CHILD_ARG)
        .arg(limits.memory.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("cannot start the compiler process {}: {e}", program.display())))?;
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let (artifact, stderr) = std::thread::scope(|scope| {
        if let Some(mut stdin) = stdin {
            // A child that dies early closes the pipe: its status says why.
            scope.spawn(move || stdin.write_all(bytes));
        }
        let errors = scope.spawn(move || {
            let mut text = String::new();
            if let Some(stderr) = stderr {
                let _ = stderr.take(MAX_STDERR).read_to_string(&mut text);
            }
            text
        });
        let (tx, rx) = mpsc::channel();
        let max_artifact = u64::try_from(limits.memory).unwrap_or(u64::MAX);
        scope.spawn(move || {
            let mut artifact = Vec::new();
            let read = stdout.map(|out| out.take(max_artifact).read_to_end(&mut artifact));
            let _ = tx.send(read.map(|r| r.map(|_| artifact)));
        });
        let artifact = match rx.recv_timeout(limits.time) {
            Ok(read) => Some(read),
            Err(_) => {
                // Timed out: kill it, which also ends the reading threads.
                let _ = child.kill();
                None
            }
        };
        (artifact, errors.join().unwrap_or_default())
    });
    let status = child.wait().map_err(|e| failed(format!("cannot wait for the compiler process: {e}")))?;
    let Some(artifact) = artifact else {
        return Err(LoadError::CompileTimeout { component: source.clone(), limit: limits.time });
    };
    if !status.success() {
        return Err(outcome_error(source, status, &stderr, limits));
    }
    let artifact = match artifact {
        Some(Ok(artifact)) => artifact,
        _ => return Err(failed("cannot read the compiled component from the compiler process".into())),
    };
    // SAFETY: the artifact was written by this very program (the compile
    // child, `Engine::precompile_component` on an engine configured by
    // `new_engine`) through a pipe only it and this process hold; wasmtime
    // checks the engine configuration it was compiled for.
    let component = unsafe { Component::deserialize(engine, &artifact) }
        .map_err(|e| failed(format!("cannot load what the compiler process produced: {e:#}")))?;
    Ok(Compiled { component, artifact: Some(artifact) })
}

/// Why a child that did not succeed failed: it ran out of memory (an
/// allocation failed: Rust aborts, wasmtime reports ENOMEM), the component
/// is invalid, or the process crashed.
fn outcome_error(source: &ComponentRef, status: ExitStatus, stderr: &str, limits: &CompileLimits) -> LoadError {
    // EAGAIN (os error 11): a thread could not get its stack.
    let out_of_memory =
        ["memory allocation of", "out of memory", "Cannot allocate memory", "os error 12", "os error 11"]
            .iter()
            .any(|sign| stderr.contains(sign))
            || status.signal().is_some_and(|s| s == libc::SIGABRT || s == libc::SIGSEGV || s == libc::SIGBUS);
    if out_of_memory {
        return LoadError::CompileMemoryLimit { component: source.clone(), limit: limits.memory };
    }
    let reason = stderr.trim().to_string();
    if status.code() == Some(i32::from(EXIT_INVALID)) {
        return LoadError::Invalid { component: source.clone(), reason };
    }
    LoadError::Interrupted {
        component: source.clone(),
        reason: format!("the compiler process failed ({status}): {reason}"),
    }
}
