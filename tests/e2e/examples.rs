//! The example activity (`examples/activities/greeter`) works as the README
//! says, from its own experiment file.

use crate::support::Scenario;

#[test]
fn the_greeter_example_runs_from_its_experiment() {
    let s = Scenario::new();
    let experiment = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/activities/greeter/experiment.json");
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(experiment).unwrap()).unwrap();
    for activity in doc["method"].as_array_mut().unwrap() {
        activity["provider"]["module"] = test_artifacts::GREETER_COMPONENT.into();
    }
    s.experiment(&doc);
    let outcome = s.chaos_with_env(&["run", "experiment.json", "--allow-env=GREETING"], &[("GREETING", "Bonjour")]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert_eq!(outcome.run_of("say-hello")["output"], "Hello, chaos!!");
    assert_eq!(outcome.run_of("hello-from-the-environment")["output"], "Bonjour");
    assert!(outcome.log.contains("[say-hello] greeting chaos"), "{}", outcome.log);
}
