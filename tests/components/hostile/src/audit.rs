//! Audit: activities that try what they were not granted, over and over,
//! for the tests of the denial trail.

use chaos_guest_sdk::{ActivityError, JsonSchema, schemars};
use serde::Deserialize;

/// Where to knock, and how many ports from there.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Knock {
    /// An IP address.
    host: String,
    /// The first port.
    port: u16,
    /// How many consecutive ports to try.
    count: u16,
    /// The output checked, when this runs as a tolerance probe (unused).
    #[serde(default)]
    #[allow(dead_code)]
    value: Option<serde_json::Value>,
}

/// Tries a TCP connection to each of `count` ports from `host:port` and
/// succeeds with the number that connected, whatever was refused.
pub(crate) fn connect_many(args: Knock) -> Result<u32, ActivityError> {
    let mut connected = 0;
    for offset in 0..args.count {
        let port = args.port.wrapping_add(offset);
        if std::net::TcpStream::connect((args.host.as_str(), port)).is_ok() {
            connected += 1;
        }
    }
    Ok(connected)
}

/// A message.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Said {
    /// What to say.
    message: String,
}

/// Fails with `capability-denied` and `message` (which may hold control
/// characters and line breaks meant to forge log lines).
pub(crate) fn deny_self(args: Said) -> Result<(), ActivityError> {
    Err(ActivityError::CapabilityDenied(args.message))
}

/// Where to send a datagram.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Datagram {
    /// An IP address and port, `host:port`.
    to: String,
    /// The payload.
    payload: String,
}

/// Sends one UDP datagram to `to` and succeeds with whether it was sent.
/// The step that failed is the error otherwise.
pub(crate) fn send_udp(args: Datagram) -> Result<bool, ActivityError> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").map_err(|e| ActivityError::Failed(format!("bind: {e}")))?;
    socket
        .send_to(args.payload.as_bytes(), args.to.as_str())
        .map_err(|e| ActivityError::Failed(format!("send: {e}")))?;
    Ok(true)
}
