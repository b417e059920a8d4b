//! `builtin:net`: network reachability probes, through `wasi:sockets`, to the
//! hosts and ports the activity is granted.

use chaos_guest_sdk::{ActivityError, JsonSchema, activities, schemars};
use serde::{Deserialize, Serialize};
use std::io::ErrorKind;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Instant;

/// Where to connect.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ConnectArgs {
    /// Host name or IP address.
    host: String,
    /// TCP port.
    port: u16,
}

/// The result of a connection attempt.
#[derive(Serialize)]
struct Connection {
    /// Whether the connection was established.
    connected: bool,
    /// The address that answered (or was tried last).
    address: Option<String>,
    /// Time to connect, in milliseconds.
    latency_ms: f64,
    /// Why the connection failed, when it did.
    error: Option<String>,
}

fn tcp_connect(args: ConnectArgs) -> Result<Connection, ActivityError> {
    let target = format!("{}:{}", args.host, args.port);
    let addrs: Vec<_> = (args.host.as_str(), args.port)
        .to_socket_addrs()
        .map_err(|e| ActivityError::io(format!("resolving {}", args.host), e))?
        .collect();
    let mut last = None;
    for addr in addrs {
        let started = Instant::now();
        match TcpStream::connect(addr) {
            Ok(_) => {
                return Ok(Connection {
                    connected: true,
                    address: Some(addr.to_string()),
                    latency_ms: started.elapsed().as_secs_f64() * 1000.0,
                    error: None,
                });
            }
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                return Err(ActivityError::io(&target, e));
            }
            Err(e) => {
                last = Some(Connection {
                    connected: false,
                    address: Some(addr.to_string()),
                    latency_ms: started.elapsed().as_secs_f64() * 1000.0,
                    error: Some(e.to_string()),
                })
            }
        }
    }
    Ok(last.unwrap_or(Connection {
        connected: false,
        address: None,
        latency_ms: 0.0,
        error: Some(format!("{} resolved to no address", args.host)),
    }))
}

activities! {
    probe "tcp_connect": "Opens a TCP connection to `host`:`port`; returns {connected, address, latency_ms, error}." => tcp_connect,
}
