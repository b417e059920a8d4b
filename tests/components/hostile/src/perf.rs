//! Activities for the runner-at-scale tests (issue 8): one that sleeps in a
//! host call, one that keeps a CPU busy.

use chaos_guest_sdk::{ActivityError, JsonSchema, schemars};
use serde::Deserialize;
use std::time::{Duration, Instant};

/// A length of time.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Seconds {
    /// Seconds (fractions allowed).
    seconds: f64,
}

/// Sleeps `seconds` in the host (`wasi:clocks`), then returns them.
pub fn sleep(args: Seconds) -> Result<f64, ActivityError> {
    std::thread::sleep(Duration::from_secs_f64(args.seconds));
    Ok(args.seconds)
}

/// Spins in wasm for `seconds` of wall time; returns how many loops it ran.
pub fn burn(args: Seconds) -> Result<u64, ActivityError> {
    let until = Instant::now() + Duration::from_secs_f64(args.seconds);
    let mut loops: u64 = 0;
    while Instant::now() < until {
        loops = std::hint::black_box(loops.wrapping_add(1));
    }
    Ok(loops)
}
