//! The `process` provider: allowed only with `--allow-run`, output
//! `{status, stdout, stderr}`, timeouts.

use crate::support::{Scenario, action, experiment};
use serde_json::{Value, json};

fn process(name: &str, path: &str, arguments: Value) -> Value {
    action(name, json!({"type": "process", "path": path, "arguments": arguments}))
}

#[test]
fn a_process_needs_allow_run() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([process("p", "echo", json!(["hi"]))])));
    let o = s.chaos(&["run", "experiment.json"]);
    assert_eq!(o.code, 1);
    assert!(o.log.contains("activity 'p' needs to run the program echo: allow it with --allow-run=echo"), "{}", o.log);
    let o = s.chaos(&["run", "experiment.json", "--allow-run=ls"]);
    assert_eq!(o.code, 1);
}

#[test]
fn a_process_sees_the_variables_of_a_dotenv_var_file() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([process("p", "sh", json!(["-c", "echo $CHAOS_E2E_DOTENV_FOR_PROCESS"]))])));
    s.write("vars.env", "CHAOS_E2E_DOTENV_FOR_PROCESS=from-dotenv\n");
    let o = s.chaos(&["run", "experiment.json", "--allow-run=sh", "--var-file", "vars.env"]);
    assert_eq!(o.run_of("p")["output"]["stdout"], "from-dotenv\n", "{}", o.log);
}

#[test]
fn a_process_outputs_its_status_stdout_and_stderr() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([
        process("p", "sh", json!(["-c", "echo out; echo err >&2; exit 3"])),
        process("list", "echo", json!(["a", null, "", 2])),
    ])));
    let o = s.chaos(&["run", "experiment.json", "--allow-run=sh,echo"]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.run_of("p")["output"], json!({"status": 3, "stdout": "out\n", "stderr": "err\n"}));
    assert_eq!(o.run_of("list")["output"]["stdout"], "a 2\n");
}

#[test]
fn string_arguments_run_through_the_shell_which_must_be_allowed_too() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([process("p", "echo", json!("one two"))])));
    let o = s.chaos(&["run", "experiment.json", "--allow-run=echo"]);
    assert_eq!(o.code, 1);
    assert!(o.log.contains("needs to run the program sh"), "{}", o.log);
    let o = s.chaos(&["run", "experiment.json", "--allow-run=echo,sh"]);
    assert_eq!(o.run_of("p")["output"]["stdout"], "one two\n", "{}", o.log);
}

#[test]
fn a_process_that_runs_too_long_is_killed() {
    let s = Scenario::new();
    let mut p = process("slow", "sleep", json!(["30"]));
    p["provider"]["timeout"] = json!(0.5);
    s.experiment(&experiment(json!([p])));
    let o = s.chaos(&["run", "experiment.json", "--allow-run=sleep"]);
    assert!(o.exception_of("slow").contains("process activity took too long to complete"), "{}", o.log);
    assert!(o.run_of("slow")["duration"].as_f64().unwrap() < 5.0);
}

#[test]
fn a_missing_program_fails_validation() {
    let s = Scenario::new();
    s.experiment(&experiment(json!([process("p", "surely-no-such-program", json!([]))])));
    let o = s.chaos(&["validate", "experiment.json"]);
    assert_eq!(o.code, 1);
    assert!(o.log.contains("activity 'p': path 'surely-no-such-program' cannot be found\n"), "{}", o.log);
}
