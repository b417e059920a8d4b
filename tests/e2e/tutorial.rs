//! The tutorial experiment (`examples/tutorial/experiment.json`), run as the
//! README runs it, against the broken and the fixed service.

use crate::support::{Outcome, Scenario, Service};
use exchange_service::Behaviour;

fn run_tutorial(behaviour: Behaviour) -> (Scenario, Outcome) {
    let scenario = Scenario::new();
    let experiment = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/tutorial/experiment.json");
    std::fs::copy(experiment, scenario.path("experiment.json")).unwrap();
    let file = scenario.write("exchange.dat", "rates\n");
    let service = Service::start(file, behaviour);
    let net = format!("--allow-net=127.0.0.1:{}", service.port);
    let outcome = scenario.chaos_with_env(
        &["run", "experiment.json", "--allow-read=.", "--allow-write=.", &net, "--allow-env=EXCHANGE_SERVICE_URL"],
        &[("EXCHANGE_SERVICE_URL", &service.url())],
    );
    (scenario, outcome)
}

#[test]
fn the_tutorial_against_the_broken_service_deviates_and_exits_1() {
    let (scenario, outcome) = run_tutorial(Behaviour::Broken);
    assert_eq!(outcome.code, 1, "{}", outcome.log);
    let journal = outcome.journal();
    assert_eq!(journal["status"], "completed");
    assert_eq!(journal["deviated"], true);
    assert_eq!(journal["steady_states"]["before"]["steady_state_met"], true);
    assert_eq!(journal["steady_states"]["after"]["steady_state_met"], false);
    assert_eq!(outcome.run_of("service-without-exchange-file")["output"]["status"], 500);
    assert!(outcome.log.contains("expected status in [200,503], got 500"), "{}", outcome.log);
    // The rollback put the file back.
    assert_eq!(journal["rollbacks"][0]["status"], "succeeded");
    assert!(scenario.path("exchange.dat").exists());
    assert!(!scenario.path("exchange.dat.old").exists());
}

#[test]
fn the_tutorial_against_the_fixed_service_completes_and_exits_0() {
    let (scenario, outcome) = run_tutorial(Behaviour::Fixed);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    let journal = outcome.journal();
    assert_eq!(journal["status"], "completed");
    assert_eq!(journal["deviated"], false);
    assert_eq!(outcome.run_of("exchange-file-exists")["output"], true);
    assert_eq!(outcome.run_of("move-exchange-file")["status"], "succeeded");
    assert_eq!(outcome.run_of("service-without-exchange-file")["output"]["status"], 503);
    assert_eq!(journal["rollbacks"][0]["status"], "succeeded");
    assert!(scenario.path("exchange.dat").exists());
}

#[test]
fn the_tutorial_refuses_to_start_without_its_grants() {
    let scenario = Scenario::new();
    let experiment = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/tutorial/experiment.json");
    std::fs::copy(experiment, scenario.path("experiment.json")).unwrap();
    let outcome = scenario.chaos(&["run", "experiment.json", "--allow-read=.", "--allow-env=EXCHANGE_SERVICE_URL"]);
    assert_eq!(outcome.code, 1);
    assert!(outcome.journal.is_none());
    assert!(
        outcome.log.contains("activity 'move-exchange-file' needs write access to .: allow it with --allow-write=."),
        "{}",
        outcome.log
    );
    assert!(outcome.log.contains("activity 'service-answers-200-or-503' needs network access to 127.0.0.1:8080: allow it with --allow-net=127.0.0.1:8080"), "{}", outcome.log);
}
