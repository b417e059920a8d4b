//! The runner's behaviour, in-process: hypothesis and rollback strategies
//! (options and the experiment's `runtime` block), dry runs, background
//! activities, fail-fast, strict mode, activities that cannot run, dynamic
//! configuration and the run plan's grant checks.

use chaos_core::grants::{Grants, Permissions};
use chaos_core::journal::{ActivityStatus, Journal, RunRecord, RunStatus};
use chaos_core::substitution::Mapping;
use chaos_runtime::SessionError;
use chaos_runtime::plan::PlannedActivity;
use chaos_runtime::providers::{Call, CallFuture, Provider, Requested};
use chaos_runtime::runner::{Dry, HypothesisStrategy, Interrupt, Listeners, RollbackStrategy, RunOptions, Runner};
use chaos_test_env::{TestEnvironment, action, echo, experiment, hostile, probe, wasm};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

fn with_hypothesis(method: Value, probe_value: Value, tolerance: Value) -> Value {
    let mut doc = experiment(method);
    let mut p = echo("steady", probe_value);
    p["tolerance"] = tolerance;
    doc["steady-state-hypothesis"] = json!({"title": "h", "probes": [p]});
    doc["rollbacks"] = json!([echo("undo", json!("undone"))]);
    doc
}

fn record<'a>(records: &'a [RunRecord], name: &str) -> &'a RunRecord {
    records.iter().find(|r| r.activity["name"] == name).unwrap_or_else(|| panic!("no record for {name}"))
}

fn names(records: &[RunRecord]) -> Vec<&str> {
    records.iter().map(|r| r.activity["name"].as_str().unwrap()).collect()
}

async fn run(env: &TestEnvironment, doc: Value) -> Journal {
    env.run(doc).await.expect("the experiment runs")
}

#[tokio::test]
async fn before_method_only_skips_the_after_hypothesis() {
    let env = TestEnvironment::new().hypothesis_strategy(HypothesisStrategy::BeforeMethodOnly);
    let journal = run(&env, with_hypothesis(json!([echo("m", json!(1))]), json!(1), json!(1))).await;
    assert_eq!(journal.steady_states.before.unwrap().met, Some(true));
    assert!(journal.steady_states.after.is_none());
}

#[tokio::test]
async fn after_method_only_skips_the_before_hypothesis() {
    let env = TestEnvironment::new().hypothesis_strategy(HypothesisStrategy::AfterMethodOnly);
    let journal = run(&env, with_hypothesis(json!([echo("m", json!(1))]), json!(1), json!(1))).await;
    assert!(journal.steady_states.before.is_none());
    assert_eq!(journal.steady_states.after.unwrap().met, Some(true));
}

#[tokio::test]
async fn skip_in_the_runtime_block_never_checks_the_hypothesis() {
    let mut doc = with_hypothesis(json!([echo("m", json!(1))]), json!(1), json!(2));
    doc["runtime"] = json!({"hypothesis": {"strategy": "skip"}});
    let journal = run(&TestEnvironment::new(), doc).await;
    assert_eq!(journal.status, RunStatus::Completed);
    assert!(journal.steady_states.before.is_none() && journal.steady_states.after.is_none());
}

#[tokio::test]
async fn the_runtime_block_sets_the_rollback_strategy_and_the_option_overrides_it() {
    let mut doc = with_hypothesis(json!([echo("m", json!(1))]), json!(1), json!(1));
    doc["runtime"] = json!({"rollbacks": {"strategy": "never"}});
    assert!(run(&TestEnvironment::new(), doc.clone()).await.rollbacks.is_empty());
    let always = TestEnvironment::new().rollback_strategy(RollbackStrategy::Always);
    assert_eq!(run(&always, doc).await.rollbacks[0].output, "undone");
}

#[tokio::test]
async fn an_unknown_strategy_in_the_runtime_block_stops_the_run_before_it_starts() {
    let mut doc = with_hypothesis(json!([]), json!(1), json!(1));
    doc["runtime"] = json!({"hypothesis": {"strategy": "sometimes"}});
    let err = TestEnvironment::new().run(doc).await.unwrap_err();
    assert!(matches!(err, SessionError::Strategy(_)), "{err}");
    assert!(err.to_string().contains("unknown hypothesis strategy 'sometimes'"), "{err}");
}

/// An experiment whose hypothesis (`./flag` exists) holds before the method
/// and, when `remove` is true, no longer after it (the method removes the
/// flag); its rollback puts the flag back.
fn flag_experiment(remove: bool) -> Value {
    let fs = |func: &str, args: Value| wasm("builtin:fs", func, args, json!({"write": ["."]}));
    let method = if remove { json!([action("drop-flag", fs("remove", json!({"path": "./flag"})))]) } else { json!([]) };
    let mut doc = experiment(method);
    let mut exists = probe("flag-exists", fs("exists", json!({"path": "./flag"})));
    exists["tolerance"] = json!(true);
    doc["steady-state-hypothesis"] = json!({"title": "flag is up", "probes": [exists]});
    doc["rollbacks"] = json!([action("raise-flag", fs("write", json!({"path": "./flag", "content": "up"})))]);
    doc
}

#[tokio::test]
async fn the_deviated_rollback_strategy_plays_only_after_a_deviation() {
    let held = TestEnvironment::new().write("flag", "up").allow_all().rollback_strategy(RollbackStrategy::Deviated);
    let journal = run(&held, flag_experiment(false)).await;
    assert!(!journal.deviated);
    assert!(journal.rollbacks.is_empty());

    let deviated = TestEnvironment::new().write("flag", "up").allow_all().rollback_strategy(RollbackStrategy::Deviated);
    let flag = deviated.path("flag");
    let journal = run(&deviated, flag_experiment(true)).await;
    assert!(journal.deviated);
    assert_eq!(names(&journal.rollbacks), ["raise-flag"]);
    assert!(flag.exists(), "the rollback put the flag back");
}

#[tokio::test]
async fn continuously_checks_the_hypothesis_during_the_method() {
    let mut slow = echo("slow", json!(1));
    slow["pauses"] = json!({"after": 1.0});
    let env = TestEnvironment::new()
        .hypothesis_strategy(HypothesisStrategy::Continuously)
        .options(|o| o.hypothesis_frequency = Duration::from_millis(200));
    let journal = run(&env, with_hypothesis(json!([slow]), json!(1), json!(1))).await;
    assert_eq!(journal.status, RunStatus::Completed);
    assert!(journal.steady_states.during.len() >= 2, "{} during states", journal.steady_states.during.len());
    assert_eq!(journal.steady_states.before.unwrap().met, Some(true));
    assert_eq!(journal.steady_states.after.unwrap().met, Some(true));
}

#[tokio::test]
async fn fail_fast_stops_the_method_at_the_first_deviation_during_it() {
    let mut doc = experiment(json!([
        {"type": "action", "name": "drop-flag", "pauses": {"after": 2},
         "provider": {"type": "wasm", "module": "builtin:fs", "func": "remove", "arguments": {"path": "./flag"}, "grants": {"write": ["."]}}},
        echo("too-late", json!(1)),
    ]));
    doc["steady-state-hypothesis"] = json!({"title": "flag is up", "probes": [
        {"type": "probe", "name": "flag-exists", "tolerance": true,
         "provider": {"type": "wasm", "module": "builtin:fs", "func": "exists", "arguments": {"path": "./flag"}, "grants": {"read": ["."]}}}
    ]});
    let env = TestEnvironment::new()
        .write("flag", "up")
        .allow_all()
        .hypothesis_strategy(HypothesisStrategy::DuringMethodOnly)
        .options(|o| {
            o.hypothesis_frequency = Duration::from_millis(100);
            o.fail_fast = true;
        });
    let journal = run(&env, doc).await;
    assert_eq!(journal.status, RunStatus::Failed);
    assert_eq!(names(&journal.run), ["drop-flag"]);
    assert!(journal.steady_states.during.iter().any(|state| state.met == Some(false)));
}

#[tokio::test]
async fn a_dry_probes_run_calls_no_probe_and_checks_no_tolerance() {
    let env = TestEnvironment::new().options(|o| o.dry = Some(Dry::Probes));
    let journal = run(&env, with_hypothesis(json!([echo("m", json!(1))]), json!(1), json!(999))).await;
    assert_eq!(journal.status, RunStatus::Completed);
    assert!(!journal.deviated);
    let m = record(&journal.run, "m");
    assert_eq!(m.status, Some(ActivityStatus::Succeeded));
    assert_eq!(m.output, Value::Null);
    assert_eq!(journal.experiment["dry"], "probes");
}

#[tokio::test]
async fn a_dry_actions_run_does_not_act() {
    let write =
        action("w", wasm("builtin:fs", "write", json!({"path": "./x", "content": "x"}), json!({"write": ["."]})));
    let env = TestEnvironment::new().allow_all().options(|o| o.dry = Some(Dry::Actions));
    let written = env.path("x");
    let journal = run(&env, experiment(json!([write, echo("p", json!(3))]))).await;
    assert!(!written.exists());
    assert_eq!(record(&journal.run, "p").output, 3);
}

#[tokio::test]
async fn background_activities_run_concurrently_and_are_awaited_in_declaration_order() {
    let mut a = echo("a", json!("a"));
    a["background"] = json!(true);
    a["pauses"] = json!({"before": 1});
    let mut b = echo("b", json!("b"));
    b["background"] = json!(true);
    b["pauses"] = json!({"before": 1});
    let started = std::time::Instant::now();
    let journal = run(&TestEnvironment::new(), experiment(json!([a, b, echo("c", json!("c"))]))).await;
    assert!(started.elapsed() < Duration::from_millis(1900), "the two 1 s pauses overlapped");
    assert_eq!(names(&journal.run), ["a", "b", "c"]);
    assert_eq!(record(&journal.run, "a").output, "a");
    assert_eq!(record(&journal.run, "b").output, "b");
}

#[tokio::test]
async fn strict_mode_fails_the_run_on_a_failed_method_activity() {
    let doc = experiment(json!([action("f", wasm(hostile(), "fail", json!({}), json!({})))]));
    assert_eq!(run(&TestEnvironment::new(), doc.clone()).await.status, RunStatus::Completed);
    let strict = TestEnvironment::new().options(|o| o.strict = true);
    assert_eq!(run(&strict, doc).await.status, RunStatus::Failed);
}

#[tokio::test]
async fn strict_mode_checks_method_probe_tolerances() {
    let mut p = echo("p", json!({"status": 500}));
    p["tolerance"] = json!([200, 503]);
    let doc = experiment(json!([p]));
    assert_eq!(run(&TestEnvironment::new(), doc.clone()).await.status, RunStatus::Completed);
    let journal = run(&TestEnvironment::new().options(|o| o.strict = true), doc).await;
    assert_eq!(journal.status, RunStatus::Failed);
    assert_eq!(record(&journal.run, "p").tolerance_met, Some(false));
}

#[tokio::test]
async fn strict_mode_checks_each_record_against_its_own_activity_not_one_of_the_same_name() {
    // Two method probes share a name; only the second has a tolerance, and
    // its output is within it. Matching records by name would check the
    // first probe's output against the second one's tolerance.
    let first = echo("twin", json!(500));
    let mut second = echo("twin", json!(200));
    second["tolerance"] = json!(200);
    let journal = run(&TestEnvironment::new().options(|o| o.strict = true), experiment(json!([first, second]))).await;
    assert_eq!(journal.status, RunStatus::Completed);
    assert_eq!(journal.run[0].tolerance_met, None);
    assert_eq!(journal.run[1].tolerance_met, Some(true));
}

#[tokio::test]
async fn strict_mode_fails_when_the_hypothesis_is_not_met_before_the_method() {
    let doc = with_hypothesis(json!([]), json!(1), json!(2));
    assert_eq!(run(&TestEnvironment::new(), doc.clone()).await.status, RunStatus::Completed, "as the reference");
    assert_eq!(run(&TestEnvironment::new().options(|o| o.strict = true), doc).await.status, RunStatus::Failed);
}

#[tokio::test]
async fn an_activity_that_cannot_run_aborts_the_method_and_rollbacks_still_play() {
    let doc = with_hypothesis(
        json!([probe("missing", wasm("./missing.wasm", "x", json!({}), json!({}))), echo("never", json!(1))]),
        json!(1),
        json!(1),
    );
    let journal = run(&TestEnvironment::new().no_validation(), doc).await;
    assert_eq!(journal.status, RunStatus::Aborted);
    assert_eq!(names(&journal.run), ["missing"], "the method stopped");
    assert_eq!(journal.run[0].status, None);
    assert!(
        journal.run[0]
            .exception
            .as_ref()
            .map(|e| e.message())
            .unwrap_or_default()
            .contains("cannot read the component file")
    );
    assert!(journal.steady_states.after.is_none(), "no hypothesis after an abort");
    assert_eq!(journal.rollbacks[0].output, "undone", "the default strategy plays rollbacks after an abort");
}

#[tokio::test]
async fn a_configuration_probe_runs_at_start_and_its_output_is_substituted() {
    let mut doc = experiment(json!([echo("uses", json!("${computed}"))]));
    doc["configuration"] = json!({"computed": echo("compute", json!({"n": 7}))});
    let journal = run(&TestEnvironment::new(), doc).await;
    assert_eq!(record(&journal.run, "uses").output, json!({"n": 7}));
}

#[tokio::test]
async fn a_failed_configuration_probe_drops_its_key() {
    let mut doc = experiment(json!([echo("uses", json!("${computed}"))]));
    let read_missing = wasm("builtin:fs", "read", json!({"path": "./missing"}), json!({"read": ["."]}));
    doc["configuration"] = json!({"computed": probe("compute", read_missing)});
    let journal = run(&TestEnvironment::new().allow_all(), doc).await;
    assert_eq!(record(&journal.run, "uses").output, "${computed}");
}

#[tokio::test]
async fn an_ungranted_request_stops_the_run_before_anything_runs() {
    let read = probe("read", wasm("builtin:fs", "read", json!({"path": "./f"}), json!({"read": ["."]})));
    let env = TestEnvironment::new().write("f", "x");
    let err = env.run(experiment(json!([read]))).await.unwrap_err();
    let SessionError::Grants(refused) = err else { panic!("{err}") };
    assert_eq!(refused.missing.len(), 1);
    assert_eq!(refused.missing[0].activity, "read");
}

#[tokio::test]
async fn an_http_host_computed_by_dynamic_configuration_is_checked_before_the_run() {
    // The URL's host is known only once the configuration probe ran: the
    // plan checks it then, and refuses the run before any hypothesis or
    // method activity.
    let mut doc = experiment(json!([probe("get", json!({"type": "http", "url": "http://${host}:9/"}))]));
    doc["configuration"] = json!({"host": echo("compute-host", json!("ungranted.example"))});
    let err = TestEnvironment::new().run(doc).await.unwrap_err();
    let SessionError::Grants(refused) = err else { panic!("{err}") };
    assert_eq!(refused.missing[0].activity, "get");
    assert_eq!(refused.missing[0].value, "ungranted.example:9");
}

#[tokio::test]
async fn the_plan_lists_what_each_activity_asks_for_and_defers_what_configuration_decides() {
    let read = probe("read", wasm("builtin:fs", "read", json!({"path": "./f"}), json!({"read": ["./data"]})));
    let fixed = probe("fixed", json!({"type": "http", "url": "http://localhost:8080/"}));
    let computed = probe("computed", json!({"type": "http", "url": "http://${host}/"}));
    let mut doc = experiment(json!([read, fixed, computed, echo("asks-nothing", json!(1))]));
    doc["configuration"] = json!({"host": echo("compute-host", json!("example.com"))});
    let env = TestEnvironment::new();
    let (plan, prepared) = env.plan(doc).await.expect("the experiment is valid");
    let requests = plan.requests(&prepared.static_mapping());
    let by_name = |name: &str| requests.iter().find(|r| r.activity == name).map(|r| r.requested.clone());
    let read_grants = Grants { read: vec!["./data".into()], ..Grants::default() };
    assert_eq!(by_name("read"), Some(Requested::Known(read_grants)));
    let net = Grants { net: vec!["localhost:8080".into()], ..Grants::default() };
    assert_eq!(by_name("fixed"), Some(Requested::Known(net)));
    assert_eq!(by_name("computed"), Some(Requested::Deferred));
    assert_eq!(by_name("asks-nothing"), None, "activities that ask for nothing are left out");
}

#[tokio::test]
async fn a_granted_directory_an_earlier_activity_creates_is_granted_when_the_activity_runs() {
    // Grants are prepared once, when the run is planned; a directory that
    // does not exist yet then is prepared again when its activity runs.
    let env = TestEnvironment::new().allow_all();
    let late = env.path("late");
    let mkdir = action("mkdir", json!({"type": "process", "path": "mkdir", "arguments": [late.to_string_lossy()]}));
    let write = action(
        "write",
        wasm("builtin:fs", "write", json!({"path": "./late/f.txt", "content": "x"}), json!({"write": ["./late"]})),
    );
    let journal = run(&env, experiment(json!([mkdir, write]))).await;
    let written = record(&journal.run, "write");
    assert_eq!(written.status, Some(ActivityStatus::Succeeded), "{:?}", written.exception);
    assert_eq!(std::fs::read_to_string(late.join("f.txt")).unwrap(), "x");
}

#[tokio::test]
async fn a_run_that_is_not_dry_records_dry_as_null_in_the_experiment() {
    let journal = run(&TestEnvironment::new(), experiment(json!([echo("e", json!(1))]))).await;
    assert_eq!(journal.experiment["dry"], Value::Null);
    assert!(journal.experiment.as_object().unwrap().contains_key("dry"));
}

/// A provider whose every call panics in the host (a guest trap is not a
/// host panic: this is the only way to make a background task panic).
struct PanickingProvider;

impl Provider for PanickingProvider {
    fn kind(&self) -> &'static str {
        "panicking"
    }

    fn requested(&self, _: &Mapping) -> Requested {
        Requested::Known(Grants::default())
    }

    fn call<'a>(&'a self, _: Call<'a>) -> CallFuture<'a> {
        Box::pin(async { panic!("the provider panics on purpose") })
    }
}

#[tokio::test]
async fn a_background_activity_whose_task_panics_is_recorded_as_failed_with_the_cause() {
    let env = TestEnvironment::new();
    let mut doomed = echo("doomed", json!(1));
    doomed["background"] = json!(true);
    let (mut plan, prepared) = env.plan(experiment(json!([doomed, echo("after", json!(2))]))).await.unwrap();
    let activity = plan.method[0].activity.clone();
    plan.method[0] =
        Arc::new(PlannedActivity { activity, provider: Arc::new(PanickingProvider), tolerance_probe: None });
    let mapping = prepared.static_mapping();
    let plan = plan.check(&Permissions::deny_all(env.path(".")), &mapping).unwrap();

    let journal =
        Runner::new(RunOptions::default(), Listeners::default()).run(&plan, &mapping, &Interrupt::default()).await;

    assert_eq!(names(&journal.run), ["doomed", "after"], "the panicked activity keeps its place");
    let doomed = record(&journal.run, "doomed");
    assert_eq!(doomed.status, Some(ActivityStatus::Failed));
    let message = doomed.exception.as_ref().map(|e| e.message()).unwrap_or_default();
    assert!(message.contains("activity 'doomed' panicked in the host: the provider panics on purpose"), "{message}");
    assert_eq!(record(&journal.run, "after").status, Some(ActivityStatus::Succeeded));
    assert_eq!(journal.status, RunStatus::Completed);
}
