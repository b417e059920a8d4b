//! `${name}` substitution of an activity's arguments: a small configuration (5 keys, 4 placeholders) and a large one (1,000 keys, 500 placeholders in 250 arguments).

use chaos_core::substitution::{Mapping, substitute};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("substitution");

    let small: Mapping = json!({
        "service_url": "http://127.0.0.1:8080/", "path": "./exchange.dat", "timeout": 3,
        "retries": 2, "verbose": true
    })
    .as_object()
    .cloned()
    .expect("an object");
    let arguments = json!({"url": "${service_url}health", "path": "${path}", "timeout": "${timeout}",
                           "headers": {"x-retries": "$retries"}, "method": "GET"});
    assert_eq!(substitute(&arguments, &small).expect("substitutes")["timeout"], json!(3));
    group.bench_function("small configuration", |b| b.iter(|| black_box(substitute(&arguments, &small))));

    let large: Mapping = (0..1000).map(|i| (format!("key_{i}"), json!(format!("value number {i}")))).collect();
    let arguments: Value = (0..250)
        .map(|i| {
            (
                format!("arg_{i}"),
                json!({"whole": format!("${{key_{}}}", i * 4), "text": format!("a ${{key_{}}} b", i * 4 + 1)}),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    assert_eq!(substitute(&arguments, &large).expect("substitutes")["arg_1"]["text"], json!("a value number 5 b"));
    group.bench_function("large configuration", |b| b.iter(|| black_box(substitute(&arguments, &large))));
    group.finish();
}

criterion_group!(substitution, benches);
criterion_main!(substitution);
