//! Loading a compiled component from the artifact cache: read, authenticate
//! (keyed BLAKE3), deserialize. A small component (`builtin:fs`, as a
//! file) and a large one (16 MiB of data, the size of a Python or
//! JavaScript activity). Each iteration uses a fresh sandbox (built outside
//! the timing), so nothing is served from its memory.
//!
//! `cargo bench -p chaos-sandbox --bench cache`

use chaos_core::experiment::ComponentRef;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::path::Path;

/// An activity component carrying `data_mib` MiB of data.
fn large_component(data_mib: usize) -> Vec<u8> {
    let wat = format!(
        r#"(module
  (memory (export "memory") {pages})
  (data (i32.const 65536) "{data}")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 1024)
  (func (export "chaos:activity/activities@0.1.0#describe") (result i32) unreachable)
  (func (export "chaos:activity/activities@0.1.0#run") (param i32 i32 i32 i32) (result i32) unreachable))"#,
        pages = data_mib * 16 + 2,
        data = "z".repeat(data_mib << 20),
    );
    let mut module = wat::parse_str(&wat).unwrap();
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit")).unwrap();
    let world = resolve.select_world(&[package], Some("activity")).unwrap();
    wit_component::embed_component_metadata(&mut module, &resolve, world, wit_component::StringEncoding::UTF8).unwrap();
    wit_component::ComponentEncoder::default().module(&module).unwrap().validate(true).encode().unwrap()
}

fn load_from_cache(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let components = [
        ("small (builtin:fs, 0.3 MB)", chaos_builtins::get("fs").unwrap().bytes.to_vec()),
        ("large (16 MiB)", large_component(16)),
    ];
    let mut group = c.benchmark_group("load from cache");
    for (i, (name, bytes)) in components.iter().enumerate() {
        let path = dir.path().join(format!("component-{i}.wasm"));
        std::fs::write(&path, bytes).unwrap();
        let source = ComponentRef::File(path);
        let sandbox = || chaos_sandbox::SandboxBuilder::new().cache_dir(&cache).build().unwrap();
        runtime.block_on(sandbox().compile(&source)).unwrap();
        group.bench_function(*name, |b| {
            b.iter_batched(
                sandbox,
                |sandbox| {
                    let component = runtime.block_on(sandbox.compile(&source)).unwrap();
                    (sandbox, component)
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, load_from_cache);
criterion_main!(benches);
