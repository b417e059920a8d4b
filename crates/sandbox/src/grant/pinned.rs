//! Sending a `wasi:http` request over a connection the sandbox opens itself,
//! to an address it vetted.
//!
//! wasmtime-wasi-http's `default_send_request` connects to the request's
//! host *name*, so the name is resolved again after the grant was checked
//! and a DNS answer could change in between (or point somewhere the grant
//! never admitted). This mirrors its connection setup (same crates and
//! versions: tokio, tokio-rustls with ring, hyper's HTTP/1 client, the same
//! timeouts from `RequestOptions`) but dials the vetted socket address; for
//! HTTPS the TLS handshake still names (SNI) and verifies the original host,
//! against the Mozilla roots (webpki-roots) and any root certificates the
//! sandbox was given ([`crate::SandboxBuilder::add_root_certificate`]).

use http::uri::Scheme;
use http_body::Body;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, pki_types::ServerName};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody};

/// wasmtime-wasi-http's default for every timeout a request leaves unset.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// A response and the future that drives its connection to the end.
pub(super) type Sent = (http::Response<WasiBody>, Box<dyn Future<Output = Result<(), HttpError>> + Send>);

/// The TLS client configuration: webpki-roots' Mozilla roots plus `extra`
/// (DER-encoded root certificates).
///
/// # Errors
/// A certificate in `extra` that rustls cannot use as a root.
pub(crate) fn tls_config(extra: &[Vec<u8>]) -> Result<Arc<ClientConfig>, rustls::Error> {
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.into() };
    for der in extra {
        roots.add(der.clone().into())?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

trait Stream: AsyncRead + AsyncWrite + Send + Sync + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Sync + Unpin + 'static> Stream for T {}

/// Sends `request` to the first of `addrs` that accepts a connection; for
/// HTTPS, over TLS for `host` with `tls`.
pub(super) async fn send(
    mut request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
    host: &str,
    addrs: &[SocketAddr],
    tls: &Arc<ClientConfig>,
) -> Result<Sent, HttpError> {
    let timeout =
        |pick: fn(&RequestOptions) -> Option<Duration>| options.as_ref().and_then(pick).unwrap_or(DEFAULT_TIMEOUT);
    let connect_timeout = timeout(|o| o.connect_timeout);
    let first_byte_timeout = timeout(|o| o.first_byte_timeout);
    let between_bytes_timeout = timeout(|o| o.between_bytes_timeout).max(Duration::from_nanos(1));

    let tcp = connect(addrs, connect_timeout).await?;
    let stream: Box<dyn Stream> = if request.uri().scheme() == Some(&Scheme::HTTPS) {
        let name = server_name(host)?;
        let connector = tokio_rustls::TlsConnector::from(tls.clone());
        Box::new(connector.connect(name, tcp).await.map_err(HttpError::Tls)?)
    } else {
        Box::new(tcp)
    };
    let (mut sender, conn) = tokio::time::timeout(
        connect_timeout,
        hyper::client::conn::http1::Builder::new().handshake(TokioIo::new(stream)),
    )
    .await
    .map_err(|_| HttpError::ConnectionTimeout)??;

    // The request line carries only the path: scheme and authority are for
    // proxies (the Host header keeps the name).
    let path = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    *request.uri_mut() =
        http::Uri::builder().path_and_query(path).build().map_err(|_| HttpError::HttpRequestUriInvalid)?;

    let mut conn = Some(conn);
    let mut send = std::pin::pin!(async {
        let response = tokio::time::timeout(first_byte_timeout, sender.send_request(request))
            .await
            .map_err(|_| HttpError::ConnectionReadTimeout)??;
        let mut interval = tokio::time::interval(between_bytes_timeout);
        interval.reset();
        Ok::<_, HttpError>(response.map(|incoming| TimedBody { incoming, interval }.boxed_unsync()))
    });
    // Drive the connection while waiting for the response.
    let response = std::future::poll_fn(|cx| match send.as_mut().poll(cx) {
        Poll::Ready(result) => Poll::Ready(result),
        Poll::Pending => {
            let Some(c) = conn.as_mut() else { return Poll::Pending };
            let result = ready!(Pin::new(c).poll(cx));
            conn = None;
            match result {
                Ok(()) => send.as_mut().poll(cx),
                Err(e) => Poll::Ready(Err(HttpError::from(e))),
            }
        }
    })
    .await?;
    let io = async move {
        match conn {
            None => Ok(()),
            Some(c) => c.await.map_err(|e| if e.is_timeout() { HttpError::HttpResponseTimeout } else { e.into() }),
        }
    };
    Ok((response, Box::new(io)))
}

/// A TCP connection to the first of `addrs` that accepts one.
async fn connect(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, HttpError> {
    let mut last = HttpError::DestinationNotFound;
    for addr in addrs {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(e)) => last = HttpError::Connect(e),
            Err(_) => last = HttpError::ConnectionTimeout,
        }
    }
    Err(last)
}

/// The name TLS presents (SNI) and verifies: the request's host, or its IP
/// address for an IP literal.
fn server_name(host: &str) -> Result<ServerName<'static>, HttpError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return Ok(ServerName::from(ip));
    }
    Ok(ServerName::try_from(bare.to_string())?)
}

/// A response body that fails when no bytes come for the between-bytes
/// timeout (as wasmtime-wasi-http's does).
struct TimedBody {
    incoming: Incoming,
    interval: tokio::time::Interval,
}

impl Body for TimedBody {
    type Data = bytes::Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match Pin::new(&mut self.incoming).poll_frame(cx) {
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Err(e))) => {
                Poll::Ready(Some(Err(if e.is_timeout() { HttpError::HttpResponseTimeout } else { e.into() })))
            }
            Poll::Ready(Some(Ok(frame))) => {
                self.interval.reset();
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                ready!(self.interval.poll_tick(cx));
                Poll::Ready(Some(Err(HttpError::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.incoming.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_name_of_a_host_name_is_the_name() {
        assert_eq!(server_name("example.com").unwrap(), ServerName::try_from("example.com").unwrap());
    }

    #[test]
    fn the_server_name_of_an_ip_literal_is_its_address() {
        assert_eq!(server_name("[::1]").unwrap(), ServerName::from("::1".parse::<std::net::IpAddr>().unwrap()));
        assert_eq!(
            server_name("127.0.0.1").unwrap(),
            ServerName::from("127.0.0.1".parse::<std::net::IpAddr>().unwrap())
        );
    }

    use http_body_util::Empty;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    /// A self-signed certificate for `name`: (certificate, private key).
    fn certificate(name: &str) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let c = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
        (c.cert.der().clone(), PrivatePkcs8KeyDer::from(c.signing_key.serialize_der()).into())
    }

    /// A TLS server on loopback answering one request with `pinned`; it
    /// returns the SNI name it was asked for and the request head.
    async fn tls_server(
        cert: CertificateDer<'static>,
        key: PrivateKeyDer<'static>,
    ) -> (SocketAddr, tokio::task::JoinHandle<Option<(Option<String>, String)>>) {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.ok()?;
            let mut tls = acceptor.accept(tcp).await.ok()?;
            let sni = tls.get_ref().1.server_name().map(str::to_string);
            let mut head = vec![0u8; 4096];
            let n = tls.read(&mut head).await.ok()?;
            tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\nconnection: close\r\n\r\npinned").await.ok()?;
            tls.shutdown().await.ok();
            Some((sni, String::from_utf8_lossy(&head[..n]).into_owned()))
        });
        (addr, server)
    }

    fn get(url: &str) -> http::Request<WasiBody> {
        let body = Empty::<bytes::Bytes>::new().map_err(|never| match never {}).boxed_unsync();
        http::Request::builder().uri(url).body(body).unwrap()
    }

    #[tokio::test]
    async fn https_goes_to_the_vetted_address_and_verifies_the_requested_name() {
        let (cert, key) = certificate("pinned.test");
        let (addr, server) = tls_server(cert.clone(), key).await;
        let tls = tls_config(&[cert.to_vec()]).unwrap();
        // `pinned.test` resolves nowhere: only the vetted address is dialled.
        let url = format!("https://pinned.test:{}/path?q=1", addr.port());
        let (response, _io) = send(get(&url), None, "pinned.test", &[addr], &tls).await.unwrap();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"pinned");
        let (sni, head) = server.await.unwrap().unwrap();
        assert_eq!(sni.as_deref(), Some("pinned.test"));
        assert!(head.starts_with("GET /path?q=1 HTTP/1.1\r\n"), "{head}");
    }

    #[tokio::test]
    async fn https_to_a_server_whose_certificate_names_another_host_fails() {
        let (cert, key) = certificate("other.test");
        let (addr, _server) = tls_server(cert.clone(), key).await;
        let tls = tls_config(&[cert.to_vec()]).unwrap();
        let url = format!("https://pinned.test:{}/", addr.port());
        let err = send(get(&url), None, "pinned.test", &[addr], &tls).await.err().unwrap();
        assert!(matches!(err, HttpError::Tls(_)), "{err:?}");
    }

    #[tokio::test]
    async fn https_to_a_server_signed_by_an_untrusted_root_fails() {
        let (cert, key) = certificate("pinned.test");
        let (addr, _server) = tls_server(cert, key).await;
        let url = format!("https://pinned.test:{}/", addr.port());
        let err = send(get(&url), None, "pinned.test", &[addr], &tls_config(&[]).unwrap()).await.err().unwrap();
        assert!(matches!(err, HttpError::Tls(_)), "{err:?}");
    }

    #[test]
    fn a_root_certificate_that_is_not_der_is_refused() {
        assert!(tls_config(&[b"not a certificate".to_vec()]).is_err());
    }
}
