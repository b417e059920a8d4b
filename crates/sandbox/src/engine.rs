//! The wasmtime engine of a [`crate::Sandbox`], and its epoch ticker.

use crate::builder::SandboxError;
use crate::pool::PoolSizes;
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy};

/// How the engine is configured.
pub(crate) struct EngineSettings {
    /// How often the epoch advances.
    pub epoch_tick: Duration,
    /// The pooling allocator's sizes; `None`: allocate on demand.
    pub pool: Option<PoolSizes>,
}

/// Builds the engine: component model, epoch interruption for time limits,
/// the instance allocator, and a background thread that advances the epoch
/// every `epoch_tick` for as long as the engine lives.
pub(crate) fn new_engine(settings: &EngineSettings) -> Result<Engine, SandboxError> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    if let Some(pool) = &settings.pool {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool.config()));
    }
    let engine = Engine::new(&config).map_err(|e| SandboxError::Engine(format!("{e:#}")))?;
    let weak = engine.weak();
    let tick = settings.epoch_tick;
    std::thread::Builder::new()
        .name("chaos-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(tick);
            }
        })
        .map_err(|e| SandboxError::Engine(format!("cannot start the epoch thread: {e}")))?;
    Ok(engine)
}

/// Epoch ticks of `tick` for `timeout`, rounded up, plus one so a deadline
/// is never shorter than asked.
pub(crate) fn ticks_for(timeout: Duration, tick: Duration) -> u64 {
    let ticks = timeout.as_nanos().div_ceil(tick.as_nanos().max(1));
    u64::try_from(ticks).unwrap_or(u64::MAX).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICK: Duration = Duration::from_millis(10);

    #[test]
    fn a_deadline_is_rounded_up_to_whole_ticks_plus_one() {
        assert_eq!(ticks_for(Duration::from_millis(25), TICK), 4);
    }

    #[test]
    fn a_whole_number_of_ticks_still_gets_one_more() {
        assert_eq!(ticks_for(Duration::from_secs(1), TICK), 101);
    }

    #[test]
    fn a_huge_timeout_saturates() {
        assert_eq!(ticks_for(Duration::MAX, Duration::from_nanos(1)), u64::MAX);
    }
}
