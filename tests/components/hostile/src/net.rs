//! Hostile network activities: name lookups of names not granted (DNS
//! exfiltration) and host-side resource floods through `wasi:http`.

use chaos_guest_sdk::{ActivityError, JsonSchema, schemars};
use serde::Deserialize;
use std::net::ToSocketAddrs;
use wasip2::http::types::Fields;

/// A name to resolve.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Name {
    /// The host name (or IP literal).
    name: String,
}

/// Resolves `name` with the guest's resolver (`wasi:sockets/ip-name-lookup`)
/// and returns the addresses.
pub fn resolve(args: Name) -> Result<Vec<String>, ActivityError> {
    let addrs = (args.name.as_str(), 0)
        .to_socket_addrs()
        .map_err(|e| ActivityError::io(format!("resolving {}", args.name), e))?;
    Ok(addrs.map(|a| a.ip().to_string()).collect())
}

/// How many header bytes each `fields` resource of the flood holds.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Flood {
    /// Bytes of header value per `fields` resource.
    value_bytes: usize,
}

/// Creates `wasi:http` `fields` resources (each with one header of
/// `value_bytes` bytes) and keeps them all alive, forever: the memory they
/// take is the host's, not the guest's.
pub fn http_fields_flood(args: Flood) -> Result<usize, ActivityError> {
    let mut kept = Vec::new();
    loop {
        let value = vec![b'a'; args.value_bytes];
        let fields = Fields::from_list(&[("x-flood".to_string(), value)])
            .map_err(|e| ActivityError::failed(format!("fields #{}: {e:?}", kept.len())))?;
        kept.push(fields);
    }
}
