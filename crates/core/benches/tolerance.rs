//! Checking one probe output against each kind of tolerance: an exact value, a regex, a JSONPath query and a range.

use chaos_core::substitution::Mapping;
use chaos_core::tolerance::{Tolerance, evaluate};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let mapping = Mapping::new();
    // What the http provider returns.
    let response = json!({
        "status": 200,
        "headers": {"content-type": "application/json", "content-length": "123"},
        "body": {"service": "exchange", "healthy": true,
                 "replicas": [{"name": "a", "ready": true}, {"name": "b", "ready": true}, {"name": "c", "ready": false}]}
    });
    let mut group = c.benchmark_group("tolerance");
    let cases = [
        ("exact value", Tolerance::Int(200.into())),
        ("regex", Tolerance::Regex { pattern: "^exchange(-[a-z]+)?$".into(), target: Some("service".into()) }),
        (
            "jsonpath",
            Tolerance::JsonPath {
                path: "$.body.replicas[?@.ready == true]".into(),
                target: None,
                count: Some(2),
                expect: None,
            },
        ),
        ("range", Tolerance::Range { min: 100.0, max: 299.0, target: Some("status".into()) }),
    ];
    for (name, tolerance) in &cases {
        let value = if *name == "regex" { &response["body"] } else { &response };
        assert!(evaluate(tolerance, value, &mapping).met, "the {name} tolerance is met");
        group.bench_function(*name, |b| b.iter(|| black_box(evaluate(tolerance, value, &mapping))));
    }
    group.finish();
}

criterion_group!(tolerance, benches);
criterion_main!(tolerance);
