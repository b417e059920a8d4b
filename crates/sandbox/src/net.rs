//! Network grants, enforced for `wasi:sockets` and `wasi:http` alike.
//!
//! Grants name hosts (`localhost:8080`, `example.com`, `10.0.0.5:22`). The
//! socket check sees only IP addresses, so the host resolves granted names
//! itself and allows connections to exactly those addresses and ports.
//! `wasi:http`'s default sender opens its own connections and ignores the
//! socket check, so outgoing HTTP requests are checked here too: the request's
//! host and port must be granted, and the addresses it resolves to must be
//! among the vetted ones. Plain-HTTP requests are then sent to the vetted
//! address itself, so a DNS answer cannot change between check and connect.
//!
//! By default nothing is granted: no TCP, no UDP, no name lookups, no HTTP.

use chaos_core::grants::HostPort;
use http::uri::{Authority, Scheme, Uri};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// The network an activity may reach.
#[derive(Debug, Default)]
pub struct NetPolicy {
    grants: Vec<HostPort>,
    /// Resolved addresses, with the port (`None`: any port).
    addrs: Vec<(IpAddr, Option<u16>)>,
}

impl NetPolicy {
    /// Parses and resolves `grants` on the host.
    ///
    /// # Errors
    /// A grant that is not `host[:port]`, or a host name that does not resolve.
    pub async fn resolve(grants: &[String]) -> Result<Arc<Self>, String> {
        let mut policy = NetPolicy::default();
        for grant in grants {
            let hp: HostPort = grant.parse()?;
            for ip in resolve(&hp.host).await.map_err(|e| format!("cannot resolve granted host `{}`: {e}", hp.host))? {
                policy.addrs.push((ip, hp.port));
            }
            policy.grants.push(hp);
        }
        Ok(Arc::new(policy))
    }

    /// Whether any network access is granted.
    pub fn is_empty(&self) -> bool {
        self.grants.is_empty()
    }

    /// Whether a connection to `addr` is granted.
    pub fn allows_addr(&self, addr: SocketAddr) -> bool {
        let ip = canonical(addr.ip());
        self.addrs.iter().any(|(allowed, port)| canonical(*allowed) == ip && port.is_none_or(|p| p == addr.port()))
    }

    /// Whether `host:port` is granted by name (or IP literal).
    pub fn allows_authority(&self, host: &str, port: u16) -> bool {
        self.grants.iter().any(|g| g.matches(host, port))
    }

    /// Configures `wasi:sockets`: TCP connects to granted addresses only, and
    /// the implicit bind a connect performs; no UDP, no listening.
    pub fn apply(self: &Arc<Self>, wasi: &mut WasiCtxBuilder) {
        let granted = !self.is_empty();
        wasi.allow_tcp(granted).allow_udp(false).allow_ip_name_lookup(granted);
        let policy = self.clone();
        wasi.socket_addr_check(move |addr, usage| {
            let allowed = match usage {
                SocketAddrUse::TcpConnect => policy.allows_addr(addr),
                // A connect first binds the wildcard address implicitly.
                SocketAddrUse::TcpBind => !policy.is_empty() && addr.ip().is_unspecified() && addr.port() == 0,
                _ => false,
            };
            if !allowed {
                tracing::debug!("sandbox refused socket use {usage:?} of {addr}");
            }
            Box::pin(async move { allowed })
        });
    }
}

async fn resolve(host: &str) -> std::io::Result<Vec<IpAddr>> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    Ok(tokio::net::lookup_host((host, 0)).await?.map(|a| a.ip()).collect())
}

/// IPv4-mapped IPv6 addresses compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// `wasi:http` hooks that enforce the [`NetPolicy`].
pub struct HttpPolicy {
    net: Arc<NetPolicy>,
}

impl HttpPolicy {
    /// Hooks for `net`.
    pub fn new(net: Arc<NetPolicy>) -> Self {
        Self { net }
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
        let net = self.net.clone();
        Box::new(async move {
            use http_body_util::BodyExt;
            let uri = request.uri().clone();
            let tls = uri.scheme() == Some(&Scheme::HTTPS);
            let host = uri.host().unwrap_or_default().to_string();
            let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
            if !net.allows_authority(&host, port) {
                tracing::debug!("sandbox refused HTTP request to {host}:{port}");
                return Err(HttpError::HttpRequestDenied);
            }
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let resolved = resolve(bare).await.map_err(|_| HttpError::DestinationNotFound)?;
            let vetted: Vec<SocketAddr> =
                resolved.into_iter().map(|ip| SocketAddr::new(ip, port)).filter(|a| net.allows_addr(*a)).collect();
            let Some(first) = vetted.first() else {
                tracing::debug!("sandbox refused HTTP request to {host}:{port}: it resolved to no granted address");
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
