//! A component that misbehaves on purpose, for the end-to-end tests of the
//! sandbox's limits and grants.

mod audit;
mod fs;

use chaos_guest_sdk::{ActivityError, JsonSchema, activities, log, schemars};
use serde::Deserialize;
use serde_json::Value;

mod net;
mod perf;
mod resources;

/// No arguments.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Nothing {}

/// A size in bytes.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Size {
    /// Bytes.
    bytes: usize,
}

/// A variable name.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Var {
    /// The variable.
    name: String,
}

/// A message to log.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Message {
    /// The message, sent as one record.
    message: String,
}

/// Lines to print.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Lines {
    /// How many lines.
    count: usize,
}

/// A value to echo (also used as a probe tolerance).
#[derive(Deserialize, JsonSchema)]
struct Echo {
    /// Any value.
    #[serde(default)]
    value: Value,
}

fn spin(_: Nothing) -> Result<u64, ActivityError> {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
        if std::hint::black_box(n) == u64::MAX {
            return Ok(n);
        }
    }
}

fn sleep_forever(_: Nothing) -> Result<(), ActivityError> {
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

fn eat_memory(_: Nothing) -> Result<usize, ActivityError> {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![1u8; 8 << 20]);
        std::hint::black_box(&hoard);
    }
}

fn big_output(args: Size) -> Result<String, ActivityError> {
    Ok("x".repeat(args.bytes))
}

fn chatter(args: Lines) -> Result<usize, ActivityError> {
    for i in 0..args.count {
        println!("chatter line {i}");
    }
    eprintln!("chatter on stderr");
    log::info("chatter through the log import");
    Ok(args.count)
}

fn log_message(args: Message) -> Result<(), ActivityError> {
    log::info(&args.message);
    Ok(())
}

fn panic(_: Nothing) -> Result<(), ActivityError> {
    panic!("this activity panics on purpose")
}

fn read_env(args: Var) -> Result<Option<String>, ActivityError> {
    Ok(std::env::var(&args.name).ok())
}

fn env_count(_: Nothing) -> Result<usize, ActivityError> {
    Ok(std::env::vars().count())
}

fn echo(args: Echo) -> Result<Value, ActivityError> {
    Ok(args.value)
}

fn fail(_: Nothing) -> Result<(), ActivityError> {
    Err(ActivityError::failed("this activity fails on purpose"))
}

activities! {
    action "spin": "Loops forever in wasm." => spin,
    action "sleep_forever": "Blocks forever in a host call (sleep)." => sleep_forever,
    action "eat_memory": "Allocates until it is stopped." => eat_memory,
    probe "big_output": "Returns `bytes` bytes of output." => big_output,
    probe "chatter": "Prints `count` lines to stdout, one to stderr, one log record." => chatter,
    action "panic": "Panics." => panic,
    probe "log": "Sends `message` as one log record." => log_message,
    probe "read_env": "Returns the environment variable `name`, or null." => read_env,
    probe "env_count": "Returns how many environment variables it sees." => env_count,
    probe "echo": "Returns `value`." => echo,
    action "fail": "Returns an error." => fail,
    // Filesystem (grant-path race, hard links).
    action "swap_symlink": "Swaps `path` and the symbolic link `link` in a loop until `stop` exists." => fs::swap_symlink,
    action "hard_link": "Tries to hard-link each of `sources` into `dir`." => fs::hard_link,
    // net: DNS exfiltration and wasi:http resource floods.
    probe "resolve": "Resolves `name` through wasi:sockets and returns its addresses." => net::resolve,
    action "http_fields_flood": "Creates wasi:http fields of `value_bytes` bytes and keeps them all, forever." => net::http_fields_flood,
    // audit
    probe "connect_many": "Tries TCP connections to `count` ports from `host`:`port`; returns how many connected." => audit::connect_many,
    probe "deny_self": "Fails with capability-denied and `message`." => audit::deny_self,
    action "send_udp": "Sends one UDP datagram `payload` to `to`." => audit::send_udp,
    // Resources (error messages larger than the output limit).
    action "long_error": "Fails with a message of `bytes` bytes, of the error `kind`." => resources::long_error,
    // sched: the runner at scale (issue 8).
    probe "sleep": "Sleeps `seconds` in a host call, then returns them." => perf::sleep,
    action "burn": "Spins in wasm for `seconds` of wall time; returns how many loops it ran." => perf::burn,
}
