//! Host bindings for the `chaos:activity` world (`wit/activity.wit`), and
//! its imports implemented on the shared [`HostState`].

use crate::output::LogLevel;
use crate::store::HostState;

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "activity",
    exports: { default: async },
});

use chaos::activity::log::Level;

impl chaos::activity::log::Host for HostState {
    fn log(&mut self, level: Level, message: String) {
        let level = match level {
            Level::Trace => LogLevel::Trace,
            Level::Debug => LogLevel::Debug,
            Level::Info => LogLevel::Info,
            Level::Warn => LogLevel::Warn,
            Level::Error => LogLevel::Error,
        };
        self.log.record(level, &message);
    }
}

impl chaos::activity::types::Host for HostState {}
