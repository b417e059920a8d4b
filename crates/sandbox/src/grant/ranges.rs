//! Special address ranges: addresses a granted *name* may not lead to.
//!
//! A DNS answer is controlled by whoever controls the name's zone (or the
//! resolver). If a granted name could resolve to loopback, to the cloud
//! metadata service (169.254.169.254) or to the operator's private network,
//! granting `example.com` would grant those too. So an answer for a granted
//! name is admitted only if it is a public unicast address, unless:
//! - the name is `localhost`, which names loopback: it admits loopback
//!   addresses (the tutorial grants `localhost:8080`);
//! - the address itself is granted (an IP literal grant).
//!
//! IP literal grants admit exactly themselves, whatever their range.
//!
//! The ranges are IANA's special-purpose registries (RFC 6890 and later),
//! with IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) judged
//! by the embedded address.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> IpNet {
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len))
}

#[allow(clippy::too_many_arguments)]
const fn v6(a: u16, b: u16, c: u16, d: u16, e: u16, f: u16, g: u16, h: u16, len: u8) -> IpNet {
    IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, g, h), len))
}

/// Ranges that are not public unicast destinations: private, loopback,
/// link-local, shared, multicast, reserved, documentation, unspecified.
const SPECIAL: &[IpNet] = &[
    v4(0, 0, 0, 0, 8),                        // "this network", unspecified
    v4(10, 0, 0, 0, 8),                       // private
    v4(100, 64, 0, 0, 10),                    // shared address space (carrier-grade NAT)
    v4(127, 0, 0, 0, 8),                      // loopback
    v4(169, 254, 0, 0, 16),                   // link-local (cloud metadata services)
    v4(172, 16, 0, 0, 12),                    // private
    v4(192, 0, 0, 0, 24),                     // IETF protocol assignments
    v4(192, 0, 2, 0, 24),                     // documentation
    v4(192, 88, 99, 0, 24),                   // 6to4 relay anycast
    v4(192, 168, 0, 0, 16),                   // private
    v4(198, 18, 0, 0, 15),                    // benchmarking
    v4(198, 51, 100, 0, 24),                  // documentation
    v4(203, 0, 113, 0, 24),                   // documentation
    v4(224, 0, 0, 0, 4),                      // multicast
    v4(240, 0, 0, 0, 4),                      // reserved, broadcast
    v6(0, 0, 0, 0, 0, 0, 0, 0, 128),          // unspecified
    v6(0, 0, 0, 0, 0, 0, 0, 1, 128),          // loopback
    v6(0x0100, 0, 0, 0, 0, 0, 0, 0, 64),      // discard
    v6(0x2001, 0, 0, 0, 0, 0, 0, 0, 23),      // IETF protocol assignments (Teredo included)
    v6(0x2001, 0x0db8, 0, 0, 0, 0, 0, 0, 32), // documentation
    v6(0xfc00, 0, 0, 0, 0, 0, 0, 0, 7),       // unique local (private)
    v6(0xfe80, 0, 0, 0, 0, 0, 0, 0, 10),      // link-local
    v6(0xfec0, 0, 0, 0, 0, 0, 0, 0, 10),      // site-local (deprecated)
    v6(0xff00, 0, 0, 0, 0, 0, 0, 0, 8),       // multicast
];

/// Whether `ip` is in a special range (see the module documentation).
/// IPv6 addresses that embed an IPv4 address are judged by it.
pub(super) fn is_special(ip: IpAddr) -> bool {
    let ip = embedded_ipv4(ip).map(IpAddr::V4).unwrap_or(ip);
    SPECIAL.iter().any(|net| net.contains(&ip))
}

/// Whether `ip` is a loopback address (IPv4-mapped IPv6 included).
pub(super) fn is_loopback(ip: IpAddr) -> bool {
    embedded_ipv4(ip).map(IpAddr::V4).unwrap_or(ip).is_loopback()
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, deprecated), NAT64
/// (`64:ff9b::a.b.c.d`) and 6to4 (`2002:aabb:ccdd::`).
fn embedded_ipv4(ip: IpAddr) -> Option<Ipv4Addr> {
    let IpAddr::V6(v6) = ip else { return None };
    let s = v6.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => Some(low(hi, lo)),
        // `::` and `::1` are IPv6's own unspecified and loopback addresses.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 => Some(low(hi, lo)),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(low(hi, lo)),
        [0x2002, hi, lo, ..] => Some(low(hi, lo)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn special(ip: &str) -> bool {
        is_special(ip.parse().unwrap())
    }

    #[test]
    fn ipv4_loopback_is_special() {
        assert!(special("127.0.0.1") && special("127.255.0.9"));
    }

    #[test]
    fn ipv4_private_ranges_are_special() {
        for ip in ["10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1"] {
            assert!(special(ip), "{ip}");
        }
    }

    #[test]
    fn addresses_next_to_the_private_ranges_are_public() {
        for ip in ["9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255", "192.169.0.0"] {
            assert!(!special(ip), "{ip}");
        }
    }

    #[test]
    fn link_local_and_the_metadata_service_are_special() {
        assert!(special("169.254.169.254") && special("169.254.0.1"));
    }

    #[test]
    fn unspecified_and_this_network_are_special() {
        assert!(special("0.0.0.0") && special("0.1.2.3") && special("::"));
    }

    #[test]
    fn shared_multicast_broadcast_and_reserved_ipv4_are_special() {
        for ip in ["100.64.0.1", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "198.18.0.1"] {
            assert!(special(ip), "{ip}");
        }
    }

    #[test]
    fn ipv6_loopback_unique_local_link_local_and_multicast_are_special() {
        for ip in ["::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "ff02::1"] {
            assert!(special(ip), "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_embedding_a_special_ipv4_address_are_special() {
        for ip in ["::ffff:127.0.0.1", "::ffff:169.254.169.254", "::10.0.0.1", "64:ff9b::10.0.0.1", "2002:a00:1::"] {
            assert!(special(ip), "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_embedding_a_public_ipv4_address_are_public() {
        for ip in ["::ffff:93.184.216.34", "64:ff9b::93.184.216.34", "2002:5db8:d822::1"] {
            assert!(!special(ip), "{ip}");
        }
    }

    #[test]
    fn public_unicast_addresses_are_not_special() {
        for ip in ["93.184.216.34", "1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001::200e"] {
            assert!(!special(ip), "{ip}");
        }
    }

    #[test]
    fn loopback_is_recognised_in_ipv4_ipv6_and_mapped_forms() {
        for ip in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            assert!(is_loopback(ip.parse().unwrap()), "{ip}");
        }
        assert!(!is_loopback("10.0.0.1".parse().unwrap()));
    }
}
