//! One wasm activity's cost, in parts: instantiating `builtin:fs`, one guest call on a live instance, and whole activities through `Sandbox::call` (fresh store, grants, instance, call) with a read grant and with none.

use chaos_core::experiment::ComponentRef;
use chaos_core::grants::Grants;
use chaos_sandbox::{Builtins, CallOptions, LoadedComponent, PreparedGrants, Sandbox, SandboxBuilder};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use tokio::runtime::Runtime;
use wasmtime::Store;
use wasmtime::component::{Component, Linker, ResourceTable, Val};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// The components `chaos-builtins` embeds.
struct EmbeddedBuiltins;

impl Builtins for EmbeddedBuiltins {
    fn get(&self, name: &str) -> Option<(&'static [u8], &'static str)> {
        chaos_builtins::get(name).map(|b| (b.bytes, b.sha256))
    }

    fn names(&self) -> Vec<&'static str> {
        chaos_builtins::names().collect()
    }
}

/// A sandbox with every default, the built-ins, and an artifact cache kept
/// between runs of the bench (so each run compiles nothing).
fn sandbox() -> Arc<Sandbox> {
    let mut builder = SandboxBuilder::new();
    builder.builtins(EmbeddedBuiltins).cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-artifacts"));
    builder.build().expect("a default sandbox builds")
}

/// A bare WASI store: nothing granted, no limits, none of the sandbox's
/// per-call set-up; what wasmtime itself needs to instantiate.
struct Bare {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Bare {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.ctx, table: &mut self.table }
    }
}

fn bare_store(component: &Component) -> Store<Bare> {
    let mut store =
        Store::new(component.engine(), Bare { ctx: WasiCtx::builder().build(), table: ResourceTable::new() });
    // The sandbox's engine interrupts wasm at epoch deadlines; never here.
    store.set_epoch_deadline(u64::MAX / 2);
    store
}

/// `component` ready to instantiate on a [`Bare`] store: WASI linked, and
/// `chaos:activity/log` dropping what it is given.
fn bare_pre(component: &Component) -> wasmtime::component::InstancePre<Bare> {
    let mut linker = Linker::new(component.engine());
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).expect("WASI links");
    let mut log = linker.instance("chaos:activity/log@0.1.0").expect("a fresh linker has no log");
    log.func_new("log", |_, _, _, _| Ok(())).expect("log links");
    linker.instantiate_pre(component).expect("builtin:fs links")
}

fn benches(c: &mut Criterion) {
    let rt = Runtime::new().expect("a tokio runtime");
    let sandbox = sandbox();
    let fs = ComponentRef::Builtin("fs".into());
    let component = rt.block_on(sandbox.compile(&fs)).expect("builtin:fs compiles");
    let loaded: Arc<LoadedComponent> = rt.block_on(sandbox.load(&fs)).expect("builtin:fs loads");
    let pre = bare_pre(&component);

    c.bench_function("instantiate builtin:fs (bare store)", |b| {
        b.to_async(&rt).iter(|| async {
            let mut store = bare_store(&component);
            black_box(pre.instantiate_async(&mut store).await.expect("instantiates"));
        })
    });

    // One `run("exists", ...)` on an instance that stays alive between calls.
    let mut store = bare_store(&component);
    let instance = rt.block_on(pre.instantiate_async(&mut store)).expect("instantiates");
    let interface = instance.get_export_index(&mut store, None, "chaos:activity/activities@0.1.0").expect("exports");
    let run = instance.get_export_index(&mut store, Some(&interface), "run").expect("exports run");
    let run = instance.get_func(&mut store, run).expect("run is a function");
    let arguments = Val::String(json!({"path": "./Cargo.toml"}).to_string());
    c.bench_function("call builtin:fs exists (live instance)", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut results = [Val::Bool(false)];
                run.call_async(&mut store, &[Val::String("exists".into()), arguments.clone()], &mut results)
                    .await
                    .expect("calls");
                black_box(results);
            })
        })
    });

    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = Grants { read: vec![".".to_string()], ..Grants::default() };
    let grants = rt.block_on(PreparedGrants::prepare(&read, here, |_| None)).expect("the read grant prepares");
    let reading = CallOptions { grants: Arc::new(grants), ..CallOptions::new("bench") };
    let exists = json!({"path": "./Cargo.toml"});
    assert_eq!(rt.block_on(sandbox.call(&loaded, "exists", &exists, &reading)).expect("exists runs"), json!(true));
    c.bench_function("activity builtin:fs exists with a read grant", |b| {
        b.to_async(&rt).iter(|| async { black_box(sandbox.call(&loaded, "exists", &exists, &reading).await) })
    });

    let greeter = ComponentRef::File(test_artifacts::GREETER_COMPONENT.into());
    let greeter = rt.block_on(sandbox.load(&greeter)).expect("the greeter loads");
    let plain = CallOptions::new("bench");
    let name = json!({"name": "bench"});
    assert_eq!(rt.block_on(sandbox.call(&greeter, "greet", &name, &plain)).expect("greet runs"), json!("Hello, bench"));
    c.bench_function("activity greet without grants", |b| {
        b.to_async(&rt).iter(|| async { black_box(sandbox.call(&greeter, "greet", &name, &plain).await) })
    });
}

criterion_group!(activity, benches);
criterion_main!(activity);
