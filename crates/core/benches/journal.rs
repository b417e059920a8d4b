//! Serializing the journal of a run of 10 and of 10,000 activities, as written at the end of a run (JSON, pretty-printed), and writing it atomically.

use chaos_core::journal::{ActivityStatus, Journal, RunRecord};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;

/// A journal of `runs` `builtin:fs exists` probes that succeeded.
fn journal_of(runs: usize) -> Journal {
    let probe = |i: usize| {
        json!({"type": "probe", "name": format!("exists-{i}"),
               "provider": {"type": "wasm", "module": "builtin:fs", "func": "exists",
                            "arguments": {"path": "./exchange.dat"}, "grants": {"read": ["."]}}})
    };
    let method: Vec<_> = (0..runs).map(probe).collect();
    let mut journal = Journal::start(json!({"title": "bench", "description": "bench", "method": method}));
    for activity in &method {
        let mut record = RunRecord::start(activity);
        record.output = json!(true);
        record.status = Some(ActivityStatus::Succeeded);
        record.finish(chrono::Utc::now());
        journal.run.push(record);
    }
    journal.finish(chrono::Utc::now());
    journal
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("journal");
    // Writing 10,000 runs takes seconds (an unbuffered writer): few samples.
    group.sample_size(10);
    let dir = tempfile::tempdir().expect("a temporary directory");
    for runs in [10, 10_000] {
        let journal = journal_of(runs);
        group.bench_with_input(BenchmarkId::new("serialize", runs), &journal, |b, journal| {
            b.iter(|| black_box(serde_json::to_vec_pretty(journal).expect("serializes")))
        });
        let path = dir.path().join(format!("journal-{runs}.json"));
        group.bench_with_input(BenchmarkId::new("write", runs), &journal, |b, journal| {
            b.iter(|| journal.write(&path, &[]).expect("writes"))
        });
    }
    group.finish();
}

criterion_group!(journal_benches, benches);
criterion_main!(journal_benches);
