//! Network grants, enforced for `wasi:sockets` and `wasi:http` alike.
//!
//! Grants name hosts (`localhost:8080`, `example.com`, `10.0.0.5:22`). The
//! socket check sees only IP addresses, so the host resolves granted names
//! itself, once when the grant is prepared, and allows connections to
//! exactly those addresses and ports. `wasi:http` is checked by
//! [`super::HttpPolicy`].
//!
//! By default nothing is granted: no TCP, no UDP, no name lookups, no HTTP.

use super::GrantError;
use crate::denials::DenialLog;
use chaos_core::grants::HostPort;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::sockets::SocketAddrUse;

/// The network an activity may reach: the granted hosts and the addresses
/// they resolved to when the grant was prepared.
#[derive(Debug, Default)]
pub struct PreparedNetGrant {
    grants: Vec<HostPort>,
    /// Resolved addresses, with the port (`None`: any port).
    addrs: Vec<(IpAddr, Option<u16>)>,
}

impl PreparedNetGrant {
    /// Parses `grants` and resolves their host names on the host.
    ///
    /// # Errors
    /// A grant that is not `host[:port]`, or a host name that does not resolve.
    pub async fn prepare(grants: &[String]) -> Result<Self, GrantError> {
        let mut prepared = Self::default();
        for grant in grants {
            let hp: HostPort = grant.parse().map_err(GrantError::BadHost)?;
            let ips = resolve(&hp.host)
                .await
                .map_err(|e| GrantError::Unresolved { host: hp.host.clone(), reason: e.to_string() })?;
            prepared.addrs.extend(ips.into_iter().map(|ip| (ip, hp.port)));
            prepared.grants.push(hp);
        }
        Ok(prepared)
    }

    /// Whether any network access is granted.
    pub fn is_empty(&self) -> bool {
        self.grants.is_empty()
    }

    /// Whether a connection to `addr` is granted: its IP address (IPv4-mapped
    /// IPv6 compared as IPv4) is one a granted host resolved to, and its port
    /// is the granted one (or any port was granted).
    pub fn allows_addr(&self, addr: SocketAddr) -> bool {
        let ip = canonical(addr.ip());
        self.addrs.iter().any(|(allowed, port)| canonical(*allowed) == ip && port.is_none_or(|p| p == addr.port()))
    }

    /// Whether `host:port` is granted by name (or IP literal; IPv6 may be
    /// bracketed).
    pub fn allows_authority(&self, host: &str, port: u16) -> bool {
        self.grants.iter().any(|g| g.matches(host, port))
    }

    /// Configures `wasi:sockets`: TCP connects to granted addresses only, and
    /// the implicit bind a connect performs; no UDP, no listening. Each
    /// refused address is recorded in `denials`. TCP sockets can be created
    /// without a grant (the address check then refuses every use), so that
    /// what a guest tried to reach is known and recorded.
    pub fn apply(self: &Arc<Self>, wasi: &mut WasiCtxBuilder, denials: DenialLog) {
        let granted = !self.is_empty();
        wasi.allow_tcp(true).allow_udp(false).allow_ip_name_lookup(granted);
        let policy = self.clone();
        wasi.socket_addr_check(move |addr, usage| {
            let allowed = policy.allows_socket(addr, usage);
            if !allowed {
                tracing::debug!("sandbox refused socket use {usage:?} of {addr}");
                denials.record("net", addr.to_string(), format!("socket use {usage:?} is not granted"));
            }
            Box::pin(async move { allowed })
        });
    }

    /// Whether the guest may use `addr` for `usage`.
    fn allows_socket(&self, addr: SocketAddr, usage: SocketAddrUse) -> bool {
        match usage {
            SocketAddrUse::TcpConnect => self.allows_addr(addr),
            // A connect first binds the wildcard address implicitly; allowed
            // without a grant too, so that the connect's own check sees (and
            // records) the address the guest tried. Listening stays refused.
            SocketAddrUse::TcpBind => addr.ip().is_unspecified() && addr.port() == 0,
            _ => false,
        }
    }
}

/// The addresses `host` (a name or an IP literal) resolves to.
pub(super) async fn resolve(host: &str) -> std::io::Result<Vec<IpAddr>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn grant(hosts: &[&str]) -> PreparedNetGrant {
        let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        PreparedNetGrant::prepare(&hosts).await.unwrap()
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn a_granted_address_and_port_is_allowed() {
        let net = grant(&["10.0.0.5:22"]).await;
        assert!(net.allows_addr(addr("10.0.0.5:22")));
    }

    #[tokio::test]
    async fn another_port_of_a_granted_address_is_refused() {
        let net = grant(&["10.0.0.5:22"]).await;
        assert!(!net.allows_addr(addr("10.0.0.5:23")));
    }

    #[tokio::test]
    async fn a_grant_without_a_port_allows_every_port() {
        let net = grant(&["10.0.0.5"]).await;
        assert!(net.allows_addr(addr("10.0.0.5:1")) && net.allows_addr(addr("10.0.0.5:65535")));
    }

    #[tokio::test]
    async fn an_address_not_granted_is_refused() {
        let net = grant(&["10.0.0.5"]).await;
        assert!(!net.allows_addr(addr("10.0.0.6:80")));
    }

    #[tokio::test]
    async fn an_ipv4_mapped_ipv6_address_matches_its_ipv4_grant() {
        let net = grant(&["127.0.0.1:80"]).await;
        assert!(net.allows_addr(addr("[::ffff:127.0.0.1]:80")));
    }

    #[tokio::test]
    async fn an_ipv6_grant_matches_its_address() {
        let net = grant(&["[::1]:8080"]).await;
        assert!(net.allows_addr(addr("[::1]:8080")));
        assert!(!net.allows_addr(addr("127.0.0.1:8080")));
    }

    #[tokio::test]
    async fn a_host_name_is_resolved_when_prepared() {
        let net = grant(&["localhost:9"]).await;
        assert!(net.allows_addr(addr("127.0.0.1:9")) || net.allows_addr(addr("[::1]:9")));
    }

    #[tokio::test]
    async fn an_authority_is_allowed_by_name_case_insensitively() {
        let net = grant(&["localhost:8080"]).await;
        assert!(net.allows_authority("LocalHost", 8080));
        assert!(!net.allows_authority("localhost", 8081));
        assert!(!net.allows_authority("example.com", 8080));
    }

    #[tokio::test]
    async fn a_bracketed_ipv6_authority_matches_its_grant() {
        let net = grant(&["[::1]"]).await;
        assert!(net.allows_authority("[::1]", 443));
    }

    #[tokio::test]
    async fn a_malformed_grant_is_refused_when_prepared() {
        let err = PreparedNetGrant::prepare(&["http://x/".to_string()]).await.unwrap_err();
        assert!(matches!(err, GrantError::BadHost(_)), "{err}");
    }

    #[tokio::test]
    async fn no_grant_allows_no_connection_and_no_listening() {
        let net = PreparedNetGrant::default();
        assert!(!net.allows_socket(addr("127.0.0.1:80"), SocketAddrUse::TcpConnect));
        assert!(!net.allows_socket(addr("0.0.0.0:8080"), SocketAddrUse::TcpBind));
        assert!(!net.allows_socket(addr("0.0.0.0:0"), SocketAddrUse::TcpListen));
    }

    #[tokio::test]
    async fn a_net_grant_allows_only_the_implicit_wildcard_bind() {
        let net = grant(&["127.0.0.1"]).await;
        assert!(net.allows_socket(addr("0.0.0.0:0"), SocketAddrUse::TcpBind));
        assert!(!net.allows_socket(addr("0.0.0.0:8080"), SocketAddrUse::TcpBind));
        assert!(!net.allows_socket(addr("127.0.0.1:80"), SocketAddrUse::TcpListen));
    }
}
