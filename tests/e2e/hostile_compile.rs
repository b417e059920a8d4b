//! Compilation attacks: a component file whose compilation would take the
//! host's memory or time (Cranelift's grow with the component) is compiled
//! in a child process under `--compile-memory-limit` and
//! `--compile-timeout`, and refused when it needs more; and concurrent
//! runs on a cold cache compile a component once.

use crate::support::{Measured, Scenario, action, experiment, wasm};
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const MIB: u64 = 1 << 20;

/// A valid activity component (one action `x`, returning `null`) padded
/// with `data_mib` MiB of data and `functions` functions of `blocks`
/// arithmetic blocks each, so that compiling it takes memory (the data is
/// copied into the artifact) and time (Cranelift) that grow with them.
/// `seed` makes the bytes (and so the cache entry) unique.
fn large_component(data_mib: usize, functions: usize, blocks: usize, seed: u32) -> Vec<u8> {
    let pages = data_mib * 16 + 2;
    let mut wat = format!(
        r#"(module
  (memory (export "memory") {pages})
  (data (i32.const 65536) "{data}")
  (data (i32.const 100) "x")
  (data (i32.const 104) "d")
  (data (i32.const 108) "{{}}")
  (data (i32.const 200) "\64\00\00\00\01\00\00\00\01\00\00\00\68\00\00\00\01\00\00\00\6c\00\00\00\02\00\00\00")
  (data (i32.const 300) "\c8\00\00\00\01\00\00\00")
  (data (i32.const 400) "\00\00\00\00\a4\01\00\00\04\00\00\00")
  (data (i32.const 420) "null")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 1024)
  (func (export "chaos:activity/activities@0.1.0#describe") (result i32) i32.const 300)
  (func (export "chaos:activity/activities@0.1.0#run") (param i32 i32 i32 i32) (result i32) i32.const 400)
"#,
        data = "z".repeat(data_mib << 20),
    );
    for f in 0..functions {
        writeln!(wat, "  (func $f{f} (param i32 i32) (result i32) (local i32 i32)").unwrap();
        for b in 0..blocks {
            let k = seed.wrapping_add(u32::try_from(f * blocks + b).unwrap());
            writeln!(
                wat,
                "    local.get 0 i32.const {k} i32.mul local.get 1 i32.add local.tee 2 local.get 3 i32.xor local.set 3 \
                 local.get 2 local.get 0 i32.lt_u (if (then local.get 3 local.set 0) (else local.get 2 local.set 1))"
            )
            .unwrap();
        }
        wat.push_str("    local.get 3)\n");
    }
    wat.push(')');
    let mut module = wat::parse_str(&wat).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(root.join("wit")).unwrap();
    let world = resolve.select_world(&[package], Some("activity")).unwrap();
    wit_component::embed_component_metadata(&mut module, &resolve, world, wit_component::StringEncoding::UTF8).unwrap();
    wit_component::ComponentEncoder::default().module(&module).unwrap().validate(true).encode().unwrap()
}

/// Writes `component` as `large.wasm` in the scenario and an experiment
/// whose method calls its action `x` (activity `compile-me`) after an
/// action that succeeds, and whose rollback writes `rolled-back.txt`.
fn scenario_with(component: &[u8]) -> Scenario {
    let s = Scenario::new();
    std::fs::create_dir(s.path("out")).unwrap();
    std::fs::write(s.path("large.wasm"), component).unwrap();
    let mut doc = experiment(json!([action("compile-me", wasm("./large.wasm", "x", json!({}), json!({})))]));
    doc["rollbacks"] = json!([action(
        "undo",
        wasm(
            "builtin:fs",
            "write",
            json!({"path": "./out/rolled-back.txt", "content": "yes"}),
            json!({"write": ["./out"]})
        )
    )]);
    s.experiment(&doc);
    s
}

/// A private, empty cache directory in the scenario, so the component is
/// compiled by this test, not found compiled by another.
fn private_cache(s: &Scenario) -> PathBuf {
    let dir = s.path("cache");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `chaos ARGS` in the scenario with the private cache, measured.
fn measured(s: &Scenario, args: &[&str]) -> Measured {
    crate::support::measured(s, args, &private_cache(s))
}

/// A component whose compilation needs a few hundred MiB (32 MiB of data
/// copied into the artifact) and a second or more (Cranelift, debug build).
fn heavy_component(seed: u32) -> Vec<u8> {
    large_component(32, 10, 100, seed)
}

/// A component whose compilation takes seconds whatever the build's
/// optimisation of Cranelift: 80,000 branching blocks of code.
fn slow_component(seed: u32) -> Vec<u8> {
    large_component(1, 400, 200, seed)
}

/// Under this limit the compile child cannot hold the heavy component.
const SMALL_MEMORY_MIB: &str = "150";

#[test]
fn a_component_over_the_compile_memory_limit_is_refused_naming_activity_component_limit_and_flag() {
    let s = scenario_with(&heavy_component(1));

    let m =
        measured(&s, &["run", "experiment.json", "--allow-write=./out", "--compile-memory-limit", SMALL_MEMORY_MIB]);

    let log = &m.outcome.log;
    assert_eq!(m.outcome.code, 1, "{log}");
    assert!(log.contains("activity 'compile-me'"), "names the activity: {log}");
    assert!(log.contains("large.wasm"), "names the component: {log}");
    assert!(log.contains("compile memory limit of 150 MiB"), "names the limit: {log}");
    assert!(log.contains("--compile-memory-limit"), "names the flag to raise it: {log}");
    assert!(!log.contains("panicked"), "{log}");
    assert!(m.peak < 400 * MIB, "the host's memory stays bounded: {} MiB", m.peak / MIB);
}

#[test]
fn a_compilation_refused_without_validation_is_journaled_and_rollbacks_play() {
    let s = scenario_with(&heavy_component(2));

    let m = measured(
        &s,
        &[
            "run",
            "experiment.json",
            "--no-validation",
            "--allow-write=./out",
            "--compile-memory-limit",
            SMALL_MEMORY_MIB,
        ],
    );

    assert_ne!(m.outcome.code, 0, "{}", m.outcome.log);
    let record = m.outcome.run_of("compile-me");
    assert_eq!(record["output"], serde_json::Value::Null, "{record:#}");
    let exception = record["exception"][0].as_str().unwrap();
    assert!(exception.contains("activity 'compile-me'"), "{exception}");
    assert!(exception.contains("compile memory limit of 150 MiB"), "{exception}");
    assert_eq!(std::fs::read_to_string(s.path("out/rolled-back.txt")).unwrap(), "yes", "the rollback played");
    assert!(!m.outcome.log.contains("panicked"), "{}", m.outcome.log);
}

#[test]
fn a_component_over_the_compile_timeout_is_stopped_and_refused() {
    let s = scenario_with(&slow_component(3));
    let start = std::time::Instant::now();

    let m = measured(&s, &["validate", "experiment.json", "--compile-timeout", "0.5"]);

    let log = &m.outcome.log;
    assert_eq!(m.outcome.code, 1, "{log}");
    assert!(log.contains("large.wasm") && log.contains("compile time limit of 0.5s"), "{log}");
    assert!(log.contains("--compile-timeout"), "names the flag to raise it: {log}");
    assert!(start.elapsed() < std::time::Duration::from_secs(60), "stopped, not compiled to the end");
}

#[test]
fn the_same_component_compiles_under_the_default_limits() {
    let s = scenario_with(&heavy_component(4));

    let m = measured(&s, &["run", "experiment.json", "--allow-write=./out"]);

    assert_eq!(m.outcome.code, 0, "{}", m.outcome.log);
    assert_eq!(m.outcome.run_of("compile-me")["status"], "succeeded", "{:#}", m.outcome.journal());
}

#[test]
fn concurrent_runs_on_a_cold_cache_compile_a_component_once() {
    let s = scenario_with(&large_component(0, 10, 100, 5));
    let cache = private_cache(&s);
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_chaos"))
            .args(["--verbose", "validate", "experiment.json"])
            .current_dir(s.dir.path())
            .env("CHAOS_CACHE_DIR", &cache)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chaos runs")
    };
    let (first, second) = (start(), start());

    let logs: Vec<String> = [first, second]
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            let log = String::from_utf8_lossy(&output.stderr).into_owned();
            assert!(output.status.success(), "{log}");
            log
        })
        .collect();

    let compiles =
        logs.iter().flat_map(|log| log.lines()).filter(|l| l.contains("Compiling") && l.contains("large.wasm"));
    let compiles = compiles.count();
    assert_eq!(compiles, 1, "compiled once in all: {logs:#?}");
}
