use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

async fn grant(hosts: &[&str]) -> PreparedNetGrant {
    let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    PreparedNetGrant::prepare(&hosts).await.unwrap()
}

/// Prepares `hosts` with a resolver that answers `answers` for every name.
async fn grant_resolving(hosts: &[&str], answers: &[&str]) -> Result<PreparedNetGrant, GrantError> {
    let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    let answers: Vec<IpAddr> = answers.iter().map(|a| a.parse().unwrap()).collect();
    PreparedNetGrant::prepare_with(&hosts, |_| {
        let answers = answers.clone();
        async move { Ok(answers) }
    })
    .await
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
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

#[tokio::test]
async fn udp_sends_and_receives_are_refused_even_to_a_granted_address() {
    let net = grant(&["127.0.0.1:53"]).await;
    assert!(net.allows_socket(addr("0.0.0.0:0"), SocketAddrUse::UdpBind));
    assert!(!net.allows_socket(addr("0.0.0.0:5353"), SocketAddrUse::UdpBind));
    assert!(!net.allows_socket(addr("127.0.0.1:53"), SocketAddrUse::UdpSend));
    assert!(!net.allows_socket(addr("127.0.0.1:53"), SocketAddrUse::UdpReceive));
}

// Name lookups by the guest.

#[tokio::test]
async fn a_lookup_of_a_granted_name_answers_its_prepared_addresses() {
    let net = grant_resolving(&["api.example:443"], &["93.184.216.34", "2606:2800:220:1::1"]).await.unwrap();
    assert_eq!(net.lookup("api.example"), Ok(vec![ip("93.184.216.34"), ip("2606:2800:220:1::1")]));
    assert_eq!(net.lookup("API.Example."), Ok(vec![ip("93.184.216.34"), ip("2606:2800:220:1::1")]));
}

#[tokio::test]
async fn a_lookup_of_a_name_not_granted_is_refused() {
    let net = grant_resolving(&["api.example"], &["93.184.216.34"]).await.unwrap();
    assert_eq!(net.lookup("attacker.test"), Err(LookupRefused::NotGranted));
    assert_eq!(net.lookup("secret.api.example"), Err(LookupRefused::NotGranted));
}

#[tokio::test]
async fn a_lookup_without_any_net_grant_is_refused() {
    let net = PreparedNetGrant::default();
    assert_eq!(net.lookup("localhost"), Err(LookupRefused::NoGrant));
    assert_eq!(net.lookup("127.0.0.1"), Err(LookupRefused::NoGrant));
}

#[tokio::test]
async fn a_lookup_of_an_ip_literal_answers_itself() {
    let net = grant(&["127.0.0.1:80"]).await;
    assert_eq!(net.lookup("10.1.2.3"), Ok(vec![ip("10.1.2.3")]));
    assert_eq!(net.lookup("[::1]"), Ok(vec![ip("::1")]));
}

#[tokio::test]
async fn lookups_never_ask_the_resolver() {
    let asked = AtomicUsize::new(0);
    let net = PreparedNetGrant::prepare_with(&["api.example".to_string()], |_| {
        asked.fetch_add(1, Ordering::SeqCst);
        async { Ok(vec![ip("93.184.216.34")]) }
    })
    .await
    .unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1, "the grant is resolved once, when prepared");
    let _ = net.lookup("attacker.test");
    let _ = net.lookup("exfiltrated-secret.attacker.test");
    let _ = net.lookup("api.example");
    assert_eq!(asked.load(Ordering::SeqCst), 1, "no lookup asked the resolver");
}

// DNS answers for granted names.

#[tokio::test]
async fn a_granted_name_resolving_to_a_public_address_admits_it() {
    let net = grant_resolving(&["api.example:443"], &["93.184.216.34"]).await.unwrap();
    assert!(net.allows_addr(addr("93.184.216.34:443")));
}

#[tokio::test]
async fn a_granted_name_resolving_only_to_special_addresses_is_refused_when_prepared() {
    for answer in [
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",
        "127.0.0.1",
        "::1",
        "fd00::1",
        "fe80::1",
        "0.0.0.0",
    ] {
        let err = grant_resolving(&["api.example"], &[answer]).await.unwrap_err();
        assert!(
            matches!(err, GrantError::SpecialAddresses { ref host, .. } if host == "api.example"),
            "{answer}: {err}"
        );
        assert!(err.to_string().contains(&answer.to_string()), "{err}");
    }
}

#[tokio::test]
async fn special_answers_of_a_granted_name_are_dropped_and_public_ones_kept() {
    let net = grant_resolving(&["api.example:80"], &["169.254.169.254", "93.184.216.34"]).await.unwrap();
    assert!(!net.allows_addr(addr("169.254.169.254:80")));
    assert!(net.allows_addr(addr("93.184.216.34:80")));
    assert_eq!(net.lookup("api.example"), Ok(vec![ip("93.184.216.34")]));
}

#[tokio::test]
async fn a_special_answer_is_admitted_when_the_address_is_granted_itself() {
    let net = grant_resolving(&["db.internal:5432", "10.0.0.5"], &["10.0.0.5"]).await.unwrap();
    assert!(net.allows_addr(addr("10.0.0.5:5432")));
    assert_eq!(net.lookup("db.internal"), Ok(vec![ip("10.0.0.5")]));
}

#[tokio::test]
async fn localhost_admits_loopback_answers() {
    let net = grant_resolving(&["localhost:8080"], &["127.0.0.1", "::1"]).await.unwrap();
    assert!(net.allows_addr(addr("127.0.0.1:8080")) && net.allows_addr(addr("[::1]:8080")));
}

#[tokio::test]
async fn localhost_does_not_admit_private_answers() {
    let net = grant_resolving(&["localhost"], &["127.0.0.1", "10.0.0.5"]).await.unwrap();
    assert!(!net.allows_addr(addr("10.0.0.5:80")));
}

#[tokio::test]
async fn an_ip_literal_grant_admits_exactly_itself_whatever_its_range() {
    let net = grant_resolving(&["169.254.169.254:80"], &[]).await.unwrap();
    assert!(net.allows_addr(addr("169.254.169.254:80")));
    assert!(!net.allows_addr(addr("169.254.169.253:80")));
}

#[tokio::test]
async fn the_vetted_addresses_of_an_authority_are_those_admitted_for_it() {
    let net = grant_resolving(&["api.example:443"], &["93.184.216.34", "10.0.0.1"]).await.unwrap();
    assert_eq!(net.addresses_of("api.example", 443), vec![addr("93.184.216.34:443")]);
    assert!(net.addresses_of("api.example", 80).is_empty());
    assert!(net.addresses_of("other.example", 443).is_empty());
}
