//! `host`, `host:port`, `[ipv6]:port`: the values of network grants.

use std::fmt;
use std::str::FromStr;

/// A network grant: a host name or IP address, with a port or any port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// Lower-cased host name, or IP address (IPv6 without brackets).
    pub host: String,
    /// The port, or `None` for any port.
    pub port: Option<u16>,
}

impl HostPort {
    /// Whether this grant covers `other` (same host; any port or the same).
    pub fn covers(&self, other: &HostPort) -> bool {
        self.host == other.host
            && match (self.port, other.port) {
                (None, _) => true,
                (Some(a), Some(b)) => a == b,
                (Some(_), None) => false,
            }
    }

    /// Whether it names `host` and `port`.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        self.host.eq_ignore_ascii_case(host.trim_start_matches('[').trim_end_matches(']'))
            && self.port.is_none_or(|p| p == port)
    }
}

/// A network grant that is not a host or `host:port`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostPortError {
    /// Not of the shape `host`, `host:port`, `[ipv6]:port` (or a bad port).
    #[error("`{0}` is not a host or host:port")]
    Malformed(String),
    /// A host that is neither an IP address nor a DNS name (a wildcard, for
    /// example).
    #[error("`{0}` is not a host or host:port (wildcards are not supported: name each host)")]
    NotAHost(String),
}

impl FromStr for HostPort {
    type Err = HostPortError;

    fn from_str(s: &str) -> Result<Self, HostPortError> {
        let s = s.trim();
        let bad = || HostPortError::Malformed(s.to_string());
        if s.is_empty() || s.contains('/') || s.contains(char::is_whitespace) {
            return Err(bad());
        }
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or_else(bad)?;
            match after {
                "" => (host, None),
                p => (host, Some(p.strip_prefix(':').ok_or_else(bad)?)),
            }
        } else if s.matches(':').count() > 1 {
            (s, None) // a bare IPv6 address
        } else {
            match s.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (s, None),
            }
        };
        let is_ip = host.parse::<std::net::IpAddr>().is_ok();
        let is_name = host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
        });
        if host.is_empty() || !(is_ip || is_name) {
            return Err(HostPortError::NotAHost(s.to_string()));
        }
        let port = match port {
            None => None,
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad())?),
        };
        Ok(HostPort { host: host.to_ascii_lowercase(), port })
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        match self.port {
            Some(p) => write!(f, "{host}:{p}"),
            None => f.write_str(&host),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_ports_parse_names_ipv4_and_ipv6() {
        assert_eq!("a.b:80".parse(), Ok(HostPort { host: "a.b".into(), port: Some(80) }));
        assert_eq!("[::1]:80".parse(), Ok(HostPort { host: "::1".into(), port: Some(80) }));
        assert_eq!("::1".parse(), Ok(HostPort { host: "::1".into(), port: None }));
        assert!("a:b".parse::<HostPort>().is_err());
        assert!("*".parse::<HostPort>().is_err());
        assert!("*.example.com:443".parse::<HostPort>().is_err());
        assert!("exa mple".parse::<HostPort>().is_err());
        assert!("my-host.internal:22".parse::<HostPort>().is_ok());
        assert!("http://a".parse::<HostPort>().is_err());
        assert!("".parse::<HostPort>().is_err());
    }

    #[test]
    fn a_port_out_of_range_is_not_a_host_port() {
        assert!("host:99999".parse::<HostPort>().is_err());
    }

    #[test]
    fn a_host_without_port_covers_every_port_but_not_the_reverse() {
        let any: HostPort = "example.com".parse().unwrap();
        let https: HostPort = "example.com:443".parse().unwrap();
        assert!(any.covers(&https));
        assert!(!https.covers(&any));
    }
}
