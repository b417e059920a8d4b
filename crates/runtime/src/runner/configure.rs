//! Chaos Toolkit's dynamic configuration: configuration values computed by
//! probes at run start.

use super::Runner;
use crate::plan::CheckedPlan;
use chaos_core::substitution::Mapping;

impl Runner {
    /// Runs each configuration probe of `plan` in declaration order and
    /// stores what its provider keeps of the output under its key (a wasm
    /// probe's output, an http probe's body, a process's trimmed stdout when
    /// it exits 0). A probe sees only the keys declared before it. A failed
    /// probe's key is dropped, with a warning at the end.
    pub async fn configure(&self, plan: &CheckedPlan, mapping: &Mapping) -> Mapping {
        let mut mapping = mapping.clone();
        let pending: Vec<&str> = plan.configuration.iter().map(|(k, _)| k.as_str()).collect();
        let mut failed = false;
        for (i, (key, planned)) in plan.configuration.iter().enumerate() {
            let mut visible = mapping.clone();
            for later in &pending[i..] {
                visible.remove(*later);
            }
            let value = match planned.call(&visible, None).await {
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
        mapping
    }
}
