//! Filesystem attacks from inside a grant: another activity racing a
//! grant's path, hard links, and a FIFO that blocks whoever opens it.

use crate::hostile_signals::{Running, STOP_BOUND};
use crate::support::{Scenario, action, experiment, hostile, probe, wasm};
use serde_json::{Value, json};
use std::time::Duration;

/// How many activities write through the raced grant.
const WRITERS: usize = 300;

/// `builtin:fs write` of `path` under a write grant of `dir`.
fn writer(name: &str, path: &str, dir: &str) -> Value {
    action(name, wasm("builtin:fs", "write", json!({"path": path, "content": "x"}), json!({"write": [dir]})))
}

fn undo() -> Value {
    probe("undo", wasm(hostile(), "echo", json!({"value": "undone"}), json!({})))
}

fn entries(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn a_background_activity_swapping_a_granted_directory_for_a_symlink_never_redirects_another_activitys_writes() {
    let s = Scenario::new();
    std::fs::create_dir_all(s.path("data/sub")).unwrap();
    std::fs::create_dir(s.path("victim")).unwrap();
    std::os::unix::fs::symlink("../victim", s.path("data/sub.link")).unwrap();
    let swap_args = json!({"path": "./data/sub", "link": "./data/sub.link", "stop": "./data/stop", "millis": 60_000});
    let mut swapper = action("swapper", wasm(hostile(), "swap_symlink", swap_args, json!({"write": ["./data"]})));
    swapper["background"] = json!(true);
    let mut method = vec![swapper];
    method.extend((0..WRITERS).map(|i| writer(&format!("write-{i}"), &format!("./data/sub/f{i}.txt"), "./data/sub")));
    method.push(writer("stop", "./data/stop", "./data"));
    let mut doc = experiment(json!(method));
    doc["rollbacks"] = json!([undo()]);
    s.experiment(&doc);

    let o = s.chaos(&["run", "experiment.json", "--allow-write=./data", "--rollback-strategy=always"]);

    assert_eq!(entries(&s.path("victim")), 0, "a write landed outside the allowed directory; log:\n{}", o.log);
    assert_eq!(o.code, 0, "{}", o.log);
    assert!(o.run_of("swapper")["output"].as_u64().unwrap() > 0, "the swapper raced: {}", o.run_of("swapper"));
    for i in 0..WRITERS {
        assert_eq!(o.run_of(&format!("write-{i}"))["status"], "succeeded", "{}", o.run_of(&format!("write-{i}")));
    }
    assert_eq!(entries(&s.path("data/sub")), WRITERS, "every write went to the directory granted");
    assert_eq!(o.journal()["rollbacks"][0]["output"], "undone");
}

#[test]
fn a_hard_link_already_in_a_read_grant_reaches_its_file_outside_the_grant() {
    // Documented in SECURITY.md: granting a directory trusts every hard link in it.
    let s = Scenario::new();
    let secret = s.write("secret.txt", "outside");
    std::fs::create_dir(s.path("data")).unwrap();
    std::fs::hard_link(&secret, s.path("data/link.txt")).unwrap();
    let read =
        probe("read", wasm("builtin:fs", "read", json!({"path": "./data/link.txt"}), json!({"read": ["./data"]})));

    let o = s.run_method(json!([read]), &["--allow-read=./data"]);

    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.run_of("read")["output"], "outside");
}

#[test]
fn a_guest_cannot_create_a_hard_link_to_a_file_outside_its_grant() {
    let s = Scenario::new();
    let secret = s.write("secret.txt", "outside");
    std::fs::create_dir(s.path("data")).unwrap();
    std::os::unix::fs::symlink("../secret.txt", s.path("data/out")).unwrap();
    let sources = json!(["./data/../secret.txt", "./secret.txt", "/secret.txt", "./data/out"]);
    let linker = action(
        "linker",
        wasm(hostile(), "hard_link", json!({"sources": sources, "dir": "./data"}), json!({"write": ["./data"]})),
    );

    let o = s.run_method(json!([linker, undo()]), &["--allow-write=./data"]);

    assert_eq!(o.code, 0, "{}", o.log);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(&secret).unwrap().nlink(),
        1,
        "no new name reaches the secret: {}",
        o.run_of("linker")
    );
    let outcomes = o.run_of("linker")["output"].as_array().unwrap().clone();
    assert_eq!(outcomes[..3].iter().filter(|r| *r == "linked").count(), 0, "{outcomes:?}");
    if let Ok(meta) = std::fs::symlink_metadata(s.path("data/stolen-3")) {
        assert!(meta.file_type().is_symlink(), "linking the planted symlink links the symlink itself, not its target");
    }
    assert_eq!(o.run_of("undo")["status"], "succeeded", "the run goes on");
}

/// Makes a FIFO at `path`.
fn mkfifo(path: &std::path::Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
}

/// An experiment whose first activity reads a FIFO nobody writes (time
/// limit 1 s), then echoes; its rollback echoes `undone`.
fn fifo_reader(s: &Scenario) {
    std::fs::create_dir(s.path("data")).unwrap();
    mkfifo(&s.path("data/fifo"));
    let mut reader =
        probe("reader", wasm("builtin:fs", "read", json!({"path": "./data/fifo"}), json!({"read": ["./data"]})));
    reader["provider"]["timeout"] = json!(1);
    let after = probe("after", wasm(hostile(), "echo", json!({"value": 1}), json!({})));
    let mut doc = experiment(json!([reader, after]));
    doc["rollbacks"] = json!([undo()]);
    s.experiment(&doc);
}

#[test]
fn a_fifo_in_a_granted_directory_times_out_its_reader_and_the_process_still_exits() {
    let s = Scenario::new();
    fifo_reader(&s);

    let ended =
        Running::start(&s, &["--allow-read=./data", "--rollback-strategy=always"]).finish(Duration::from_secs(20));

    let journal = ended.journal.expect("a journal");
    let reader = &journal["run"][0];
    assert_eq!(reader["status"], "failed", "{reader}");
    assert!(reader["exception"][0].as_str().unwrap().contains("exceeded its time limit of 1s"), "{reader}");
    assert_eq!(journal["run"][1]["status"], "succeeded", "the run goes on");
    assert_eq!(journal["rollbacks"][0]["output"], "undone");
    assert_eq!(ended.code, 0, "{}", ended.log);
}

#[test]
fn sigterm_while_an_activity_is_blocked_on_a_fifo_ends_the_process_with_a_journal() {
    let s = Scenario::new();
    fifo_reader(&s);
    let mut reader =
        probe("reader", wasm("builtin:fs", "read", json!({"path": "./data/fifo"}), json!({"read": ["./data"]})));
    reader["provider"]["timeout"] = json!(3600);
    let mut doc = experiment(json!([reader]));
    doc["rollbacks"] = json!([undo()]);
    s.experiment(&doc);
    let mut run = Running::start(&s, &["--allow-read=./data", "--rollback-strategy=always"]);
    run.wait_for("Probe: reader");
    std::thread::sleep(Duration::from_millis(300));

    let ended = run.signal(libc::SIGTERM, STOP_BOUND);

    assert!(ended.took < STOP_BOUND, "took {:?}; log:\n{}", ended.took, ended.log);
    assert_eq!(ended.code, 1, "{}", ended.log);
    let journal = ended.journal.expect("a journal");
    assert_eq!(journal["status"], "interrupted");
    assert_eq!(journal["rollbacks"][0]["output"], "undone");
}
