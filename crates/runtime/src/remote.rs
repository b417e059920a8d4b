//! Loading an experiment from an http(s) URL, as Chaos Toolkit does: the
//! request accepts JSON and YAML, carries `Authorization: bearer <token>`
//! from `CHAOSTOOLKIT_LOADER_AUTH_BEARER_TOKEN` (or the settings' `auths`
//! entry for the host), and the response's Content-Type picks the parser.

use chaos_core::experiment::load::{LoadError, Source, load, parse_json, parse_yaml};
use chaos_core::host_env::HostEnv;
use chaos_core::input::MAX_EXPERIMENT_BYTES;
use chaos_core::settings::Settings;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use std::path::Path;

/// Loads the experiment at `source`: an http(s) URL, or a file path. The
/// loader's token is read from `env`.
///
/// # Errors
/// As [`load`] and fetching from a URL, or an unsupported URL scheme.
pub async fn load_source(
    source: &str,
    verify_tls: bool,
    settings: &Settings,
    env: &HostEnv,
) -> Result<Source, LoadError> {
    let lower = source.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return fetch(source, verify_tls, settings, env).await;
    }
    let path = Path::new(source);
    if !path.exists()
        && let Some((scheme, _)) = source.split_once("://")
        && !scheme.is_empty()
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return Err(LoadError::Scheme(scheme.to_string()));
    }
    load(path)
}

/// Fetches and parses the experiment at `url`.
///
/// # Errors
/// A failed request, a non-200 answer, a body over
/// [`MAX_EXPERIMENT_BYTES`], or one that does not parse.
pub async fn fetch(url: &str, verify_tls: bool, settings: &Settings, env: &HostEnv) -> Result<Source, LoadError> {
    let fail = |m: String| LoadError::Fetch(m);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(!verify_tls)
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let parsed = reqwest::Url::parse(url).map_err(|e| fail(format!("invalid URL {url}: {e}")))?;
    let mut request = client.get(parsed.clone()).header(ACCEPT, "application/json, application/x-yaml");
    if let Some(token) = env.var("CHAOSTOOLKIT_LOADER_AUTH_BEARER_TOKEN") {
        request = request.header(AUTHORIZATION, format!("bearer {token}"));
    } else if let Some(auth) = parsed.host_str().and_then(|host| {
        let netloc = match parsed.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        settings.document.get("auths").and_then(|a| a.get(&netloc)).cloned()
    }) {
        let kind = auth.get("type").and_then(|v| v.as_str()).unwrap_or("bearer");
        let value = auth.get("value").and_then(|v| v.as_str()).unwrap_or_default();
        request = request.header(AUTHORIZATION, format!("{kind} {value}"));
    }
    let mut response = request.send().await.map_err(|e| fail(format!("cannot fetch {url}: {e}")))?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .unwrap_or_default();
    let too_large = || fail(format!("{url} is larger than the limit of {MAX_EXPERIMENT_BYTES} bytes"));
    if response.content_length().is_some_and(|n| n > MAX_EXPERIMENT_BYTES) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| fail(format!("cannot read {url}: {e}")))? {
        if (bytes.len() + chunk.len()) as u64 > MAX_EXPERIMENT_BYTES {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    let body = String::from_utf8_lossy(&bytes).into_owned();
    if status != reqwest::StatusCode::OK {
        return Err(fail(format!("Failed to fetch the experiment: {body}")));
    }
    let document = match content_type.as_str() {
        "application/json" => parse_json(&body, url)?,
        "application/x-yaml" | "text/yaml" => parse_yaml(&body, url)?,
        "text/plain" => parse_json(&body, url).or_else(|_| parse_yaml(&body, url))?,
        other => {
            return Err(fail(format!("{url} answered with content type `{other}`, which is neither JSON nor YAML")));
        }
    };
    Ok(Source { document, path: url.into(), base_dir: std::env::current_dir().unwrap_or_default() })
}
