//! Chaos Toolkit's dynamic configuration: configuration values computed by
//! probes at run start.

use super::Runner;
use crate::audit::Audit;
use crate::plan::CheckedPlan;
use chaos_core::journal::Denials;
use chaos_core::substitution::Mapping;

/// The configuration after dynamic configuration ran, and what its probes
/// were refused (they have no run record: the journal keeps these at its
/// top level).
#[derive(Debug)]
pub struct Configured {
    /// The configuration, with each computed key.
    pub mapping: Mapping,
    /// Each probe's denials, the detail naming its configuration key.
    pub denials: Denials,
}

impl Runner {
    /// Runs each configuration probe of `plan` in declaration order and
    /// stores what its provider keeps of the output under its key (a wasm
    /// probe's output, an http probe's body, a process's trimmed stdout when
    /// it exits 0). A probe sees only the keys declared before it. A failed
    /// probe's key is dropped, with a warning at the end.
    pub async fn configure(&self, plan: &CheckedPlan, mapping: &Mapping) -> Configured {
        let mut mapping = mapping.clone();
        let mut denials = Denials::default();
        let pending: Vec<&str> = plan.configuration.iter().map(|(k, _)| k.as_str()).collect();
        let mut failed = false;
        for (i, (key, planned)) in plan.configuration.iter().enumerate() {
            let mut visible = mapping.clone();
            for later in &pending[i..] {
                visible.remove(*later);
            }
            let audit = Audit::new(&planned.activity.name);
            let outcome = planned.call_audited(&visible, None, &audit).await;
            denials.extend(audit.take().described_as(&format!("dynamic configuration '{key}'")));
            let value = match outcome {
                Ok(output) => planned.provider.configuration_value(output),
                Err(e) => {
                    tracing::debug!("dynamic configuration `{key}` failed: {e}");
                    None
                }
            };
            match value {
                Some(v) => {
                    mapping.insert(key.clone(), v);
                }
                None => {
                    failed = true;
                    mapping.remove(key);
                }
            }
        }
        if failed {
            tracing::warn!("Some of the dynamic configuration failed to be loaded.");
        }
        Configured { mapping, denials }
    }
}
