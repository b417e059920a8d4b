//! Listeners of a run hear the method's and the rollbacks' records, while
//! the journal gets them without a copy.

use chaos_core::journal::RunRecord;
use chaos_runtime::runner::RunEvents;
use chaos_test_env::{TestEnvironment, experiment, probe, wasm};
use serde_json::json;
use std::sync::{Arc, Mutex};

/// The names in each list of records a run announces.
#[derive(Default)]
struct Heard {
    method: Mutex<Vec<String>>,
    rollbacks: Mutex<Vec<String>>,
}

fn names(records: &[RunRecord]) -> Vec<String> {
    records.iter().filter_map(|r| r.name().map(str::to_string)).collect()
}

impl RunEvents for Heard {
    fn method_finished(&self, records: &[RunRecord]) {
        *self.method.lock().unwrap() = names(records);
    }

    fn rollbacks_finished(&self, records: &[RunRecord]) {
        *self.rollbacks.lock().unwrap() = names(records);
    }
}

fn exists(name: &str) -> serde_json::Value {
    probe(name, wasm("builtin:fs", "exists", json!({"path": "./x"}), json!({"read": ["."]})))
}

#[tokio::test]
async fn listeners_hear_the_method_and_rollback_records_the_journal_keeps() {
    let env = TestEnvironment::new();
    let dir = env.path(".");
    let file = dir.join("experiment.json");
    let mut doc = experiment(json!([exists("first"), exists("second")]));
    doc["rollbacks"] = json!([exists("undo")]);
    std::fs::write(&file, doc.to_string()).unwrap();
    let mut builder = chaos_sandbox::SandboxBuilder::new();
    builder.builtins(chaos_runtime::EmbeddedBuiltins);
    let heard = Arc::new(Heard::default());
    let session = chaos_runtime::Session::builder()
        .sandbox(builder.build().unwrap())
        .permissions(chaos_core::grants::Permissions::allow_all(&dir))
        .base_dir(&dir)
        .rollback_strategy(Some(chaos_runtime::runner::RollbackStrategy::Always))
        .listener(heard.clone())
        .build()
        .unwrap();
    let prepared = session.prepare(&file.to_string_lossy()).await.unwrap();
    let journal = session.run(prepared).await.unwrap().journal;
    assert_eq!(*heard.method.lock().unwrap(), ["first", "second"]);
    assert_eq!(*heard.rollbacks.lock().unwrap(), ["undo"]);
    assert_eq!(names(&journal.run), ["first", "second"]);
    assert_eq!(names(&journal.rollbacks), ["undo"]);
}
