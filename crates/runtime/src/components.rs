//! The second validation stage: components exist, load, provide each
//! `func`, and accept the arguments the experiment passes.

use chaos_core::experiment::{Experiment, Provider};
use chaos_core::substitution::{Mapping, resolve_arguments};
use chaos_core::tolerance::Tolerance;
use chaos_core::validation::ValidationError;
use chaos_sandbox::Sandbox;

/// Loads every wasm component of `experiment` and checks each activity's
/// `func` and arguments (substituted with `mapping`, the configuration).
///
/// # Errors
/// The first activity whose component is missing or invalid, whose `func`
/// the component does not provide, or whose arguments do not match.
pub async fn check_components(
    experiment: &Experiment,
    sandbox: &Sandbox,
    mapping: &Mapping,
) -> Result<(), ValidationError> {
    let tolerance_probes: Vec<&str> = experiment
        .all_activities()
        .iter()
        .filter_map(|a| match &a.tolerance {
            Some(Tolerance::Probe(p)) => Some(p.name.as_str()),
            _ => None,
        })
        .collect();
    for activity in experiment.all_activities() {
        let Provider::Wasm(wasm) = &activity.provider else { continue };
        let fail = |m: String| ValidationError::at(&activity.name, m);
        let component = sandbox.load(&wasm.source).await.map_err(|e| fail(format!("{e:#}")))?;
        component.require(&wasm.func).map_err(fail)?;
        // A probe used as a tolerance receives `value` at run time.
        if tolerance_probes.contains(&activity.name.as_str()) {
            continue;
        }
        let arguments = resolve_arguments(&wasm.arguments, mapping, None);
        component.check_arguments(&wasm.func, &arguments).map_err(fail)?;
    }
    Ok(())
}
