//! `wasi:http` under the network grant.
//!
//! `wasi:http`'s default sender opens its own connections and ignores the
//! socket check, so outgoing HTTP requests are checked here: the request's
//! host and port must be granted, and the request goes to one of the
//! addresses admitted for that host when the grant was prepared (see
//! [`super::net`]), never to a fresh DNS answer. Plain HTTP and HTTPS alike
//! are sent over a connection the sandbox opens to that address itself
//! ([`super::pinned`]); HTTPS still names and verifies the original host.

use super::net::PreparedNetGrant;
use super::pinned::{self, Sent};
use crate::denials::DenialLog;
use http::uri::Scheme;
use std::sync::Arc;
use tokio_rustls::rustls::ClientConfig;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// `wasi:http` hooks that enforce a [`PreparedNetGrant`].
pub struct HttpPolicy {
    net: Arc<PreparedNetGrant>,
    tls: Arc<ClientConfig>,
    denials: DenialLog,
}

impl HttpPolicy {
    /// Hooks for `net`, verifying HTTPS servers with `tls` and recording
    /// each refused request in `denials`.
    pub(crate) fn new(net: Arc<PreparedNetGrant>, tls: Arc<ClientConfig>, denials: DenialLog) -> Self {
        Self { net, tls, denials }
    }

    /// The network grant these hooks enforce.
    pub(crate) fn net(&self) -> &PreparedNetGrant {
        &self.net
    }
}

type ResponseFuture = Box<dyn Future<Output = wasmtime_wasi_http::Result<Sent>> + Send>;

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> ResponseFuture {
        drop(fut);
        let (net, tls, denials) = (self.net.clone(), self.tls.clone(), self.denials.clone());
        Box::new(async move {
            let uri = request.uri();
            let https = uri.scheme() == Some(&Scheme::HTTPS);
            let host = uri.host().unwrap_or_default().to_string();
            let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
            if !net.allows_authority(&host, port) {
                return Err(refuse_request(&denials, &host, port, "wasi:http request to a host and port not granted"));
            }
            let vetted = net.addresses_of(&host, port);
            if vetted.is_empty() {
                return Err(refuse_request(
                    &denials,
                    &host,
                    port,
                    "wasi:http request: the host resolved to no granted address",
                ));
            }
            pinned::send(request, options, &host, &vetted, &tls).await
        })
    }

    fn p2_outgoing_body_chunk_size(&mut self) -> usize {
        crate::host_resources::HTTP_BODY_CHUNK_BYTES
    }
}

/// The refusal of an outgoing HTTP request, recorded in `denials`.
fn refuse_request(denials: &DenialLog, host: &str, port: u16, why: &str) -> HttpError {
    tracing::debug!("sandbox refused HTTP request to {host}:{port}: {why}");
    denials.record("net", format!("{host}:{port}"), why);
    HttpError::HttpRequestDenied
}
