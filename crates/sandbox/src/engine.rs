//! The one wasmtime engine of the process, and its epoch ticker.

use anyhow::Result;
use std::time::Duration;
use wasmtime::{Config, Engine};

/// How often the epoch advances; time limits are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Builds the engine: component model, epoch interruption for time limits,
/// and a background thread that advances the epoch every [`EPOCH_TICK`].
pub fn new_engine() -> Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    let engine = Engine::new(&config)?;
    let weak = engine.weak();
    std::thread::Builder::new().name("chaos-epoch".into()).spawn(move || {
        while let Some(engine) = weak.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(EPOCH_TICK);
        }
    })?;
    Ok(engine)
}

/// Epoch ticks for `timeout`, rounded up, plus one so a deadline is never
/// shorter than asked.
pub fn ticks_for(timeout: Duration) -> u64 {
    (timeout.as_nanos().div_ceil(EPOCH_TICK.as_nanos()) as u64).saturating_add(1)
}
