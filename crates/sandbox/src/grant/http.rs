//! `wasi:http` under the network grant.
//!
//! `wasi:http`'s default sender opens its own connections and ignores the
//! socket check, so outgoing HTTP requests are checked here: the request's
//! host and port must be granted, and the addresses it resolves to must be
//! among the vetted ones. Plain-HTTP requests are then sent to the vetted
//! address itself, so a DNS answer cannot change between check and connect.
//! HTTPS requests are not pinned (the default sender resolves again).

use super::net::{PreparedNetGrant, resolve};
use crate::denials::DenialLog;
use http::uri::{Authority, Scheme, Uri};
use std::net::SocketAddr;
use std::sync::Arc;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// `wasi:http` hooks that enforce a [`PreparedNetGrant`].
pub struct HttpPolicy {
    net: Arc<PreparedNetGrant>,
    denials: DenialLog,
}

impl HttpPolicy {
    /// Hooks for `net`, recording each refused request in `denials`.
    pub fn new(net: Arc<PreparedNetGrant>, denials: DenialLog) -> Self {
        Self { net, denials }
    }
}

type ResponseFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = Result<(), HttpError>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> ResponseFuture {
        drop(fut);
        let (net, denials) = (self.net.clone(), self.denials.clone());
        Box::new(async move {
            use http_body_util::BodyExt;
            let uri = request.uri().clone();
            let tls = uri.scheme() == Some(&Scheme::HTTPS);
            let host = uri.host().unwrap_or_default().to_string();
            let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
            if !net.allows_authority(&host, port) {
                tracing::debug!("sandbox refused HTTP request to {host}:{port}");
                denials.record("net", format!("{host}:{port}"), "wasi:http request to a host and port not granted");
                return Err(HttpError::HttpRequestDenied);
            }
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let resolved = resolve(bare).await.map_err(|_| HttpError::DestinationNotFound)?;
            let vetted: Vec<SocketAddr> =
                resolved.into_iter().map(|ip| SocketAddr::new(ip, port)).filter(|a| net.allows_addr(*a)).collect();
            let Some(first) = vetted.first() else {
                tracing::debug!("sandbox refused HTTP request to {host}:{port}: it resolved to no granted address");
                denials.record(
                    "net",
                    format!("{host}:{port}"),
                    "wasi:http request: the host resolved to no granted address",
                );
                return Err(HttpError::HttpRequestDenied);
            };
            if !tls {
                *request.uri_mut() = pin_address(&uri, *first)?;
            }
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = Result<(), HttpError>> + Send>,
            ))
        })
    }
}

/// `uri` with its authority replaced by the vetted socket address (the Host
/// header keeps the original name).
fn pin_address(uri: &Uri, addr: SocketAddr) -> Result<Uri, HttpError> {
    let mut parts = uri.clone().into_parts();
    parts.authority =
        Some(Authority::try_from(addr.to_string().as_str()).map_err(|_| HttpError::HttpRequestUriInvalid)?);
    Uri::from_parts(parts).map_err(|_| HttpError::HttpRequestUriInvalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pinned(uri: &str, addr: &str) -> String {
        pin_address(&uri.parse().unwrap(), addr.parse().unwrap()).unwrap().to_string()
    }

    #[test]
    fn pinning_replaces_the_host_with_the_vetted_address_and_keeps_the_rest() {
        assert_eq!(pinned("http://example.com/a/b?q=1", "10.0.0.5:80"), "http://10.0.0.5:80/a/b?q=1");
    }

    #[test]
    fn pinning_replaces_the_port_with_the_vetted_port() {
        assert_eq!(pinned("http://localhost:8080/", "127.0.0.1:8080"), "http://127.0.0.1:8080/");
    }

    #[test]
    fn pinning_to_an_ipv6_address_brackets_it() {
        assert_eq!(pinned("http://localhost:8080/x", "[::1]:8080"), "http://[::1]:8080/x");
    }

    #[test]
    fn pinning_drops_userinfo_from_the_authority() {
        assert_eq!(pinned("http://user:pw@example.com/", "10.0.0.5:80"), "http://10.0.0.5:80/");
    }
}
