//! End-to-end tests: the real `chaos` binary, real components (the built-in
//! ones and `tests/components/hostile`) and a real local HTTP server (the
//! tutorial's service). Each test states one behaviour.

mod benches;
mod commands;
mod configuration;
mod examples;
mod grants;
mod hostile_audit;
mod hostile_compile;
mod hostile_consent;
mod hostile_env;
mod hostile_fs;
mod hostile_host;
mod hostile_inputs;
mod hostile_integrity;
mod hostile_net;
mod hostile_python;
mod hostile_resources;
mod hostile_signals;
mod http;
mod journal;
mod limits;
mod process;
mod python;
mod reference;
mod runtime;
mod scale;
mod signals;
mod support;
mod tutorial;
mod validation;
