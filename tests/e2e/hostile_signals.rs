//! A guest that spins in wasm with a huge time limit is stopped promptly by
//! SIGINT and SIGTERM: wasm yields at every epoch tick, so the interrupt
//! reaches the call, and the run ends as interrupted (never `completed`,
//! never exit 0) with its journal and the rollbacks its strategy plays.
//! Also the helpers to run `chaos` in the background and signal it.

use crate::support::{Scenario, action, cache_dir, experiment, hostile, probe, wasm};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// How long a process may take to end once signalled (measured: well under
/// a second; see SECURITY.md).
pub const STOP_BOUND: Duration = Duration::from_secs(2);

/// A `chaos run` in the background.
pub struct Running {
    child: Child,
    lines: Receiver<String>,
    log: String,
    journal: std::path::PathBuf,
}

/// How a background run ended.
pub struct Finished {
    pub code: i32,
    pub log: String,
    pub journal: Option<Value>,
    /// From the signal (or the start, with no signal) to the exit.
    pub took: Duration,
}

impl Running {
    /// Starts `chaos run experiment.json FLAGS` in `s`.
    pub fn start(s: &Scenario, flags: &[&str]) -> Self {
        let journal = s.path("journal.json");
        let _ = std::fs::remove_file(&journal);
        let mut child = Command::new(env!("CARGO_BIN_EXE_chaos"))
            .args(["run", "experiment.json"])
            .args(flags)
            .current_dir(s.dir.path())
            .env("CHAOS_CACHE_DIR", cache_dir())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (send, lines) = channel();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines, log: String::new(), journal }
    }

    /// Waits (at most a minute) for a log line containing `text`.
    pub fn wait_for(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while let Ok(line) = self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            self.log.push_str(&line);
            self.log.push('\n');
            if line.contains(text) {
                return;
            }
        }
        panic!("no log line with {text:?}; log:\n{}", self.log);
    }

    /// Sends `signal` (`libc::SIGINT`, ...) and waits (at most `bound` and
    /// a margin) for the process to end.
    pub fn signal(self, signal: libc::c_int, bound: Duration) -> Finished {
        // SAFETY: kill(2) on the child's pid, which has not been reaped.
        assert_eq!(unsafe { libc::kill(self.child.id() as libc::pid_t, signal) }, 0);
        self.finish(bound)
    }

    /// Waits (at most `bound` and a margin) for the process to end; kills
    /// it and fails the test if it does not.
    pub fn finish(mut self, bound: Duration) -> Finished {
        let start = Instant::now();
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code().expect("chaos exits with a code");
            }
            if start.elapsed() > bound + Duration::from_secs(10) {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("chaos did not end within {bound:?} and more; log:\n{}", self.log);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let took = start.elapsed();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.log.push_str(&line);
            self.log.push('\n');
        }
        let journal = std::fs::read_to_string(&self.journal)
            .ok()
            .map(|text| serde_json::from_str(&text).expect("the journal is JSON"));
        Finished { code, log: self.log, journal, took }
    }
}

/// An experiment whose method spins for up to an hour, then would echo;
/// its rollback echoes `undone`.
fn spinning(s: &Scenario) {
    let mut spin = action("spin", wasm(hostile(), "spin", json!({}), json!({})));
    spin["provider"]["timeout"] = json!(3600);
    let mut doc = experiment(json!([spin, probe("after", wasm(hostile(), "echo", json!({"value": 1}), json!({})))]));
    doc["rollbacks"] = json!([probe("undo", wasm(hostile(), "echo", json!({"value": "undone"}), json!({})))]);
    s.experiment(&doc);
}

/// Runs [`spinning`] with `flags`, sends `signal` once the spin runs, and
/// returns how the run ended.
fn interrupt_spin(signal: libc::c_int, flags: &[&str]) -> Finished {
    let s = Scenario::new();
    spinning(&s);
    let mut run = Running::start(&s, flags);
    run.wait_for("Action: spin");
    std::thread::sleep(Duration::from_millis(300));
    run.signal(signal, STOP_BOUND)
}

#[test]
fn sigint_stops_a_spinning_guest_promptly_and_the_run_ends_interrupted() {
    let ended = interrupt_spin(libc::SIGINT, &[]);

    assert!(ended.took < STOP_BOUND, "took {:?}; log:\n{}", ended.took, ended.log);
    assert_eq!(ended.code, 1, "{}", ended.log);
    let journal = ended.journal.expect("a journal");
    assert_eq!(journal["status"], "interrupted");
    assert_eq!(journal["run"].as_array().unwrap().len(), 1, "the method stopped at the spin");
    assert!(journal["run"][0].get("status").is_none(), "the spin was cut off: {}", journal["run"][0]);
    assert_eq!(journal["rollbacks"], json!([]), "the default strategy plays no rollback on an interrupt");
}

#[test]
fn sigterm_stops_a_spinning_guest_promptly_and_the_always_strategy_plays_the_rollbacks() {
    let ended = interrupt_spin(libc::SIGTERM, &["--rollback-strategy=always"]);

    assert!(ended.took < STOP_BOUND, "took {:?}; log:\n{}", ended.took, ended.log);
    assert_eq!(ended.code, 1, "{}", ended.log);
    let journal = ended.journal.expect("a journal");
    assert_eq!(journal["status"], "interrupted");
    assert_eq!(journal["rollbacks"][0]["output"], "undone", "{}", ended.log);
}
