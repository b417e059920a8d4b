//! `benches/compare.sh` in its reduced mode (`REDUCED=1`: 10 probes, one
//! run of each engine, 10 background sleepers, a short load), so that the
//! benchmark against the reference Chaos Toolkit cannot rot. It installs
//! the reference itself when absent (a virtualenv under `~/.cache`); the
//! tutorial's service runs in-process. One run, shared by the tests below.

use crate::support::{Scenario, Service, cache_dir};
use exchange_service::Behaviour;
use std::process::Command;
use std::sync::OnceLock;

/// What the reduced run printed on stdout (it exited 0).
fn reduced_run() -> &'static str {
    static OUTPUT: OnceLock<Result<String, String>> = OnceLock::new();
    let output = OUTPUT.get_or_init(|| {
        let scenario = Scenario::new();
        let served = scenario.write("exchange.dat", "exchange rates: EUR/USD 1.08\n");
        let service = Service::start(served.clone(), Behaviour::Fixed);
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../benches/compare.sh");
        let output = Command::new("bash")
            .arg(script)
            .env("REDUCED", "1")
            .env("CHAOS", env!("CARGO_BIN_EXE_chaos"))
            .env("HOSTILE", test_artifacts::HOSTILE_COMPONENT)
            .env("SERVICE_URL", service.url())
            .env("SERVICE_FILE", &served)
            .env("CHAOS_CACHE_DIR", cache_dir())
            .output()
            .expect("bash runs benches/compare.sh");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if output.status.success() {
            Ok(stdout)
        } else {
            Err(format!(
                "benches/compare.sh exited {:?}\nstdout:\n{stdout}\nstderr:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    });
    output.as_deref().unwrap_or_else(|e| panic!("{e}"))
}

/// The cells of the table row whose first cell starts with `work`.
fn row(work: &str) -> Vec<String> {
    let output = reduced_run();
    let line = output
        .lines()
        .find(|l| l.starts_with(&format!("| {work}")))
        .unwrap_or_else(|| panic!("no row for {work:?} in:\n{output}"));
    line.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect()
}

/// Asserts that `cells` (work, ours wall, ours RSS, reference wall,
/// reference RSS, two ratios) hold figures for both engines.
fn assert_both_engines(cells: &[String]) {
    assert_eq!(cells.len(), 7, "{cells:?}");
    for (i, unit) in [(1, " ms"), (2, " MB"), (3, " ms"), (4, " MB"), (5, "x"), (6, "x")] {
        assert!(cells[i].ends_with(unit) || cells[i].ends_with(" s"), "cell {i} of {cells:?}");
        let figure: f64 = cells[i].trim_end_matches(unit).trim_end_matches(" s").parse().unwrap();
        assert!(figure > 0.0, "cell {i} of {cells:?}");
    }
}

#[test]
fn the_reduced_comparison_times_the_tutorial_on_both_engines() {
    assert_both_engines(&row("the tutorial experiment"));
}

#[test]
fn the_reduced_comparison_times_10_probes_on_both_engines() {
    assert_both_engines(&row("10 probes"));
}

#[test]
fn the_reduced_comparison_times_background_sleepers_against_the_sum_of_their_durations() {
    let cells = row("10 background activities that each sleep 1 s (process");
    assert_both_engines(&cells);
    assert!(cells[0].contains("sum of durations: ours"), "{cells:?}");
}

#[test]
fn the_reduced_comparison_prints_the_period_each_engine_achieves_under_load() {
    assert_both_engines(&row("continuous hypothesis every 0.1 s"));
    let output = reduced_run();
    for engine in ["ours", "reference"] {
        let line = output
            .lines()
            .find(|l| l.starts_with(&format!("| {engine} | ")))
            .unwrap_or_else(|| panic!("no period for {engine} in:\n{output}"));
        assert!(line.contains(" ms |"), "{line}");
    }
}
