//! The second validation stage: components exist, load, provide each
//! `func` with a kind the experiment agrees with, and accept the arguments
//! the experiment passes.
//!
//! Kinds: an activity the experiment types `probe` must be one the component
//! declares a probe. A probe is what `--dry actions` still calls, and what
//! runs in the steady-state hypothesis, so typing a component's action as a
//! probe would let it act where the run promised not to. The reverse, an
//! activity typed `action` whose component declares it a probe, is accepted:
//! it only observes, so calling it or not under any `--dry` mode is harmless.

use chaos_core::experiment::{Activity, ActivityKind, Experiment, Provider};
use chaos_core::substitution::{Mapping, resolve_arguments};
use chaos_core::tolerance::Tolerance;
use chaos_core::validation::ValidationError;
use chaos_sandbox::Sandbox;

/// Loads every wasm component of `experiment` (refusing one whose bytes
/// differ from its `sha256` pin) and checks each activity's
/// `func`, its kind, and its arguments (substituted with `mapping`, the
/// configuration; not for probes used as tolerances, which receive `value`
/// at run time, nor for arguments naming a `withheld` key: an env entry
/// whose variable was not read, its type unknown until it is).
///
/// # Errors
/// The first activity whose component is missing or invalid, whose `func`
/// the component does not provide, that is typed `probe` but declared an
/// action, or whose arguments do not match.
pub async fn check_components(
    experiment: &Experiment,
    sandbox: &Sandbox,
    mapping: &Mapping,
    withheld: &[String],
) -> Result<(), ValidationError> {
    let tolerance_probes: Vec<&Activity> = experiment
        .all_activities()
        .into_iter()
        .filter_map(|a| match &a.tolerance {
            Some(Tolerance::Probe(p)) => Some(&**p),
            _ => None,
        })
        .collect();
    for activity in experiment.all_activities() {
        let Provider::Wasm(wasm) = &activity.provider else { continue };
        let fail = |m: String| ValidationError::at(&activity.name, m);
        let component =
            sandbox.load_pinned(&wasm.source, wasm.sha256.as_ref()).await.map_err(|e| fail(format!("{e:#}")))?;
        let declared = component.require(&wasm.func).map_err(|e| fail(e.to_string()))?;
        if activity.kind == ActivityKind::Probe && declared.kind == ActivityKind::Action {
            return Err(fail(format!(
                "it is typed `probe`, but {} declares `{}` an action: a probe must not act (`--dry actions` and the \
                 steady-state hypothesis call probes); type it `action`",
                wasm.module, wasm.func
            )));
        }
        // A probe used as a tolerance receives `value` at run time.
        if tolerance_probes.iter().any(|probe| std::ptr::eq(*probe, activity)) {
            continue;
        }
        if names_any(&wasm.arguments, withheld) {
            continue;
        }
        let arguments = resolve_arguments(&wasm.arguments, mapping, None).map_err(|e| fail(e.to_string()))?;
        component.check_arguments(&wasm.func, &arguments).map_err(|e| fail(e.to_string()))?;
    }
    Ok(())
}

/// Whether `arguments` contain a `${key}` or `$key` placeholder of one of
/// `keys` (a longer name starting with a key counts too: the check is then
/// skipped, never wrongly failed).
fn names_any(arguments: &serde_json::Value, keys: &[String]) -> bool {
    if keys.is_empty() {
        return false;
    }
    let text = arguments.to_string();
    keys.iter().any(|key| text.contains(&format!("${{{key}}}")) || text.contains(&format!("${key}")))
}
