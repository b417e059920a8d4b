//! Test scaffolding: a scratch directory per test, the `chaos` binary run in
//! it, and the tutorial's HTTP service started in-process on a free port.

#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub use chaos_test_env::{action, experiment, hostile, probe, wasm};

/// A scratch directory where experiments are written and run.
pub struct Scenario {
    pub dir: tempfile::TempDir,
}

/// What a `chaos` invocation did.
#[derive(Debug)]
pub struct Outcome {
    /// Exit code.
    pub code: i32,
    /// stderr (the log).
    pub log: String,
    /// stdout.
    pub stdout: String,
    /// `journal.json`, when written.
    pub journal: Option<Value>,
}

impl Outcome {
    /// The journal, which must exist.
    pub fn journal(&self) -> &Value {
        self.journal.as_ref().unwrap_or_else(|| panic!("no journal was written; log:\n{}", self.log))
    }

    /// The method record of activity `name`.
    pub fn run_of(&self, name: &str) -> &Value {
        self.journal()["run"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["activity"]["name"] == name)
            .unwrap_or_else(|| panic!("no run record for {name}; log:\n{}", self.log))
    }

    /// The one-line exception of a failed method activity.
    pub fn exception_of(&self, name: &str) -> String {
        let record = self.run_of(name);
        assert_eq!(record["status"], "failed", "{name} should have failed: {record:#}");
        record["exception"][0].as_str().unwrap().to_string()
    }
}

impl Scenario {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Writes `doc` as `experiment.json`.
    pub fn experiment(&self, doc: &Value) -> PathBuf {
        self.write("experiment.json", &serde_json::to_string_pretty(doc).unwrap())
    }

    /// Runs `chaos ARGS` in the scenario directory.
    pub fn chaos(&self, args: &[&str]) -> Outcome {
        self.chaos_with_env(args, &[])
    }

    /// Runs `chaos ARGS` with extra environment variables.
    pub fn chaos_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        let journal_path = self.path("journal.json");
        let _ = std::fs::remove_file(&journal_path);
        let output = Command::new(env!("CARGO_BIN_EXE_chaos"))
            .args(args)
            .current_dir(self.dir.path())
            .env("CHAOS_CACHE_DIR", cache_dir())
            .envs(env.iter().copied())
            .output()
            .expect("chaos runs");
        let journal = std::fs::read_to_string(&journal_path)
            .ok()
            .map(|text| serde_json::from_str(&text).expect("the journal is JSON"));
        Outcome {
            code: output.status.code().expect("chaos exits with a code"),
            log: String::from_utf8_lossy(&output.stderr).into_owned(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            journal,
        }
    }

    /// Writes an experiment whose method is `method` and runs it with `flags`.
    pub fn run_method(&self, method: Value, flags: &[&str]) -> Outcome {
        self.experiment(&experiment(method));
        let mut args = vec!["run", "experiment.json"];
        args.extend_from_slice(flags);
        self.chaos(&args)
    }
}

/// Compiled components are cached here across tests and runs.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("chaos-component-cache")
}

/// The tutorial's HTTP service, running in-process until dropped.
pub struct Service {
    pub port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Service {
    /// Serves `file` on 127.0.0.1 and a free port.
    pub fn start(file: PathBuf, behaviour: exchange_service::Behaviour) -> Self {
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                port_tx.send(listener.local_addr().unwrap().port()).unwrap();
                tokio::select! {
                    _ = exchange_service::serve(listener, file, behaviour) => {}
                    _ = stop_rx => {}
                }
            });
        });
        let port = port_rx.recv().unwrap();
        Self { port, stop: Some(stop_tx), thread: Some(thread) }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A one-shot HTTP server for tests that need to see a request's headers or
/// answer with a given status and headers: it serves `response` (raw
/// HTTP/1.1) to each connection and keeps the request heads it received.
pub struct CaptureServer {
    pub port: u16,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl CaptureServer {
    pub fn start(response: String) -> Self {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten().take(16) {
                let mut stream = stream;
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                seen.lock().unwrap().push(String::from_utf8_lossy(&head).to_ascii_lowercase());
                let _ = stream.write_all(response.as_bytes());
            }
        });
        Self { port, requests }
    }

    /// A response with `status`, `headers` and `body`.
    pub fn respond(status: &str, headers: &[(&str, &str)], body: &str) -> String {
        let mut r = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
        for (k, v) in headers {
            r.push_str(&format!("{k}: {v}\r\n"));
        }
        r.push_str("\r\n");
        r.push_str(body);
        r
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// What one measured `chaos` invocation did, and what it cost.
pub struct Measured {
    pub outcome: Outcome,
    /// The process's peak resident memory, bytes (its own and its reaped
    /// children's: `wait4` reports the largest of them).
    pub peak: u64,
    /// Wall-clock time until it exited.
    pub elapsed: Duration,
}

/// Runs `chaos ARGS` in the scenario directory with the component cache
/// `cache`, as `Scenario::chaos` does, and reads the process's own peak RSS
/// from `wait4` (not the maximum over every child of this test process,
/// which other tests share).
pub fn measured(s: &Scenario, args: &[&str], cache: &Path) -> Measured {
    let journal_path = s.path("journal.json");
    let _ = std::fs::remove_file(&journal_path);
    let (stdout, stderr) = (s.path("stdout.txt"), s.path("stderr.txt"));
    let start = Instant::now();
    // Reaped by `wait4` below, which also reports its peak memory.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_chaos"))
        .args(args)
        .current_dir(s.dir.path())
        .env("CHAOS_CACHE_DIR", cache)
        .stdout(Stdio::from(std::fs::File::create(&stdout).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&stderr).unwrap()))
        .spawn()
        .expect("chaos runs");
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is valid; `wait4` fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for; the pointers are valid.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "waiting for chaos: {}", std::io::Error::last_os_error());
    let elapsed = start.elapsed();
    let journal =
        std::fs::read_to_string(&journal_path).ok().map(|t| serde_json::from_str(&t).expect("the journal is JSON"));
    let outcome = Outcome {
        code: if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 },
        log: std::fs::read_to_string(&stderr).unwrap(),
        stdout: std::fs::read_to_string(&stdout).unwrap(),
        journal,
    };
    // `ru_maxrss` is in KiB on Linux.
    let peak = u64::try_from(usage.ru_maxrss).unwrap() * 1024;
    eprintln!("chaos {args:?}: peak RSS {} MiB, {:.2}s", peak >> 20, elapsed.as_secs_f64());
    Measured { outcome, peak, elapsed }
}
