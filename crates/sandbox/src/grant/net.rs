//! Network grants, enforced for `wasi:sockets` and `wasi:http` alike.
//!
//! Grants name hosts (`localhost:8080`, `example.com`, `10.0.0.5:22`). The
//! socket check sees only IP addresses, so the host resolves granted names
//! itself, once, when the grant is prepared, and from then on the call uses
//! exactly those addresses:
//! - connections (`wasi:sockets` TCP) are allowed to those addresses and the
//!   granted ports only;
//! - name lookups (`wasi:sockets/ip-name-lookup`) answer only for granted
//!   names, from those addresses, and never ask a resolver (see
//!   [`super::lookup`]): a guest cannot send a DNS query for a name of its
//!   choosing, so it cannot leak data through DNS;
//! - `wasi:http` requests go to those addresses (see [`super::HttpPolicy`]).
//!
//! A DNS answer for a granted *name* is admitted only if it is a public
//! address, or the name is `localhost` and the address loopback, or the
//! address is granted itself as an IP literal (see [`super::ranges`]); an
//! IP literal grant admits exactly itself. A name that resolves only to
//! refused addresses fails to prepare, naming them.
//!
//! By default nothing is granted: no TCP, no UDP, no name lookups, no HTTP.

use super::GrantError;
use super::ranges::{is_loopback, is_special};
use crate::denials::DenialLog;
use chaos_core::grants::HostPort;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::sockets::SocketAddrUse;

/// The network an activity may reach: the granted hosts and the addresses
/// each resolved to when the grant was prepared.
#[derive(Debug, Default)]
pub struct PreparedNetGrant {
    hosts: Vec<PreparedHost>,
}

/// One grant and the addresses it admits (canonical: IPv4-mapped IPv6 as
/// IPv4).
#[derive(Debug)]
struct PreparedHost {
    grant: HostPort,
    addrs: Vec<IpAddr>,
}

/// Why a guest's name lookup was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LookupRefused {
    /// The activity has no network grant at all.
    NoGrant,
    /// The name is not one of the granted hosts.
    NotGranted,
}

impl PreparedNetGrant {
    /// Parses `grants` and resolves their host names with the host's
    /// resolver.
    ///
    /// # Errors
    /// A grant that is not `host[:port]`, a host name that does not
    /// resolve, or one that resolves only to special addresses that are not
    /// granted themselves ([`GrantError::SpecialAddresses`]).
    pub async fn prepare(grants: &[String]) -> Result<Self, GrantError> {
        Self::prepare_with(grants, system_resolve).await
    }

    /// [`Self::prepare`] with the resolver `resolve` (injected by tests).
    pub(super) async fn prepare_with<F, Fut>(grants: &[String], resolve: F) -> Result<Self, GrantError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = std::io::Result<Vec<IpAddr>>>,
    {
        let parsed: Vec<HostPort> =
            grants.iter().map(|g| g.parse().map_err(GrantError::BadHost)).collect::<Result<_, _>>()?;
        let literals: Vec<IpAddr> = parsed.iter().filter_map(|hp| literal(&hp.host)).collect();
        let mut hosts = Vec::with_capacity(parsed.len());
        for grant in parsed {
            if let Some(ip) = literal(&grant.host) {
                hosts.push(PreparedHost { grant, addrs: vec![ip] });
                continue;
            }
            let answers = resolve(grant.host.clone())
                .await
                .map_err(|e| GrantError::Unresolved { host: grant.host.clone(), reason: e.to_string() })?;
            let (addrs, refused): (Vec<IpAddr>, Vec<IpAddr>) =
                answers.into_iter().map(canonical).partition(|ip| admits_answer(&grant.host, *ip, &literals));
            for ip in &refused {
                refuse_answer(&grant.host, *ip);
            }
            if addrs.is_empty() {
                if refused.is_empty() {
                    return Err(GrantError::Unresolved { host: grant.host, reason: "no address".into() });
                }
                return Err(GrantError::SpecialAddresses { host: grant.host, addrs: refused });
            }
            hosts.push(PreparedHost { grant, addrs });
        }
        Ok(Self { hosts })
    }

    /// Whether any network access is granted.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// Whether a connection to `addr` is granted: its IP address (IPv4-mapped
    /// IPv6 compared as IPv4) is one a granted host admitted, and its port
    /// is that grant's port (or the grant has no port).
    pub fn allows_addr(&self, addr: SocketAddr) -> bool {
        let ip = canonical(addr.ip());
        self.hosts.iter().any(|h| h.grant.port.is_none_or(|p| p == addr.port()) && h.addrs.contains(&ip))
    }

    /// Whether `host:port` is granted by name (or IP literal; IPv6 may be
    /// bracketed).
    pub fn allows_authority(&self, host: &str, port: u16) -> bool {
        self.hosts.iter().any(|h| h.grant.matches(host, port))
    }

    /// The vetted addresses for `host:port`: those admitted for the grants
    /// naming it, in the order the resolver gave them.
    pub(crate) fn addresses_of(&self, host: &str, port: u16) -> Vec<SocketAddr> {
        let mut out: Vec<SocketAddr> = Vec::new();
        for h in self.hosts.iter().filter(|h| h.grant.matches(host, port)) {
            for ip in &h.addrs {
                let addr = SocketAddr::new(*ip, port);
                if !out.contains(&addr) {
                    out.push(addr);
                }
            }
        }
        out
    }

    /// The answer to a guest's lookup of `name`: an IP literal is its own
    /// answer; a granted name answers the addresses admitted for it when
    /// the grant was prepared. No resolver is asked either way; anything
    /// else is refused.
    pub(crate) fn lookup(&self, name: &str) -> Result<Vec<IpAddr>, LookupRefused> {
        if self.is_empty() {
            return Err(refuse_lookup(name, LookupRefused::NoGrant));
        }
        if let Some(ip) = literal(name) {
            return Ok(vec![ip]);
        }
        let name = name.strip_suffix('.').unwrap_or(name);
        let mut answer: Vec<IpAddr> = Vec::new();
        for h in self.hosts.iter().filter(|h| h.grant.host.eq_ignore_ascii_case(name)) {
            for ip in &h.addrs {
                if !answer.contains(ip) {
                    answer.push(*ip);
                }
            }
        }
        if answer.is_empty() {
            return Err(refuse_lookup(name, LookupRefused::NotGranted));
        }
        Ok(answer)
    }

    /// Configures `wasi:sockets`: TCP connects to granted addresses only, and
    /// the implicit bind a connect performs; no UDP traffic, no listening.
    /// Each refused address is recorded in `denials`. TCP and UDP sockets can
    /// be created and bound to the wildcard address without a grant (the
    /// address check then refuses every connect, send and receive), so that
    /// what a guest tried to reach is known and recorded. wasmtime's own
    /// name lookup stays off: the sandbox's replaces it ([`super::lookup`]).
    pub fn apply(self: &Arc<Self>, wasi: &mut WasiCtxBuilder, denials: DenialLog) {
        wasi.allow_tcp(true).allow_udp(true).allow_ip_name_lookup(false);
        let policy = self.clone();
        wasi.socket_addr_check(move |addr, usage| {
            let allowed = policy.allows_socket(addr, usage);
            // A refused datagram arriving on a socket is something a peer
            // did, not the guest: dropped without a record, so no one
            // outside can fill the activity's denials.
            if !allowed && !matches!(usage, SocketAddrUse::UdpReceive) {
                refuse_socket(&denials, addr, usage);
            }
            Box::pin(async move { allowed })
        });
    }

    /// Whether the guest may use `addr` for `usage`.
    fn allows_socket(&self, addr: SocketAddr, usage: SocketAddrUse) -> bool {
        match usage {
            SocketAddrUse::TcpConnect => self.allows_addr(addr),
            // A connect (or a datagram's send) first binds the wildcard
            // address implicitly; allowed without a grant too, so that the
            // connect's or send's own check sees (and records) the address
            // the guest tried. Listening, UDP sends and receives stay refused.
            SocketAddrUse::TcpBind | SocketAddrUse::UdpBind => addr.ip().is_unspecified() && addr.port() == 0,
            _ => false,
        }
    }
}

/// The refusal of a socket use (connect, bind, listen, UDP), recorded in
/// `denials`.
fn refuse_socket(denials: &DenialLog, addr: SocketAddr, usage: SocketAddrUse) {
    tracing::debug!("sandbox refused socket use {usage:?} of {addr}");
    denials.record("net", addr.to_string(), format!("socket use {usage:?} is not granted"));
}

/// The refusal of a guest's name lookup.
fn refuse_lookup(name: &str, why: LookupRefused) -> LookupRefused {
    match why {
        LookupRefused::NoGrant => tracing::debug!("sandbox refused name lookup of `{name}`: no network is granted"),
        LookupRefused::NotGranted => tracing::debug!("sandbox refused name lookup of `{name}`: not a granted host"),
    }
    why
}

/// The refusal of one DNS answer for a granted name (a special address).
fn refuse_answer(host: &str, ip: IpAddr) {
    tracing::debug!(
        "sandbox refused address {ip} for granted host `{host}`: a special address (loopback, private, link-local, ...) must be granted itself"
    );
}

/// Whether the DNS answer `ip` for the granted name `host` is admitted.
fn admits_answer(host: &str, ip: IpAddr, literals: &[IpAddr]) -> bool {
    !is_special(ip) || (host.eq_ignore_ascii_case("localhost") && is_loopback(ip)) || literals.contains(&ip)
}

/// `host` as an IP address, if it is an IP literal (IPv6 possibly
/// bracketed), canonical.
fn literal(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[').trim_end_matches(']').parse().ok().map(canonical)
}

/// The addresses the host's resolver gives for `host`.
async fn system_resolve(host: String) -> std::io::Result<Vec<IpAddr>> {
    Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.map(|a| a.ip()).collect())
}

/// IPv4-mapped IPv6 addresses compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests;
