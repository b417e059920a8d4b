//! The `http` provider, as Chaos Toolkit's: the host sends the request
//! (reqwest), and the output is `{status, headers, body}`. The URL's host and
//! every redirect target must be granted by `--allow-net`.

use super::{ActivityFailed, Call, CallFuture, Provider, Requested, check_grants};
use crate::audit::Audit;
use chaos_core::experiment::{HttpProvider, url_host_port};
use chaos_core::grants::{Capability, Grants, Permissions};
use chaos_core::journal::Denial;
use chaos_core::substitution::{Mapping, has_placeholder, render, resolve_arguments, substitute};
use chaos_sandbox::Limits;
use reqwest::redirect::Policy;
use reqwest::{Client, Url};
use serde_json::{Map, Value, json};
use std::sync::{Arc, OnceLock};

/// A planned http activity.
pub struct HttpCall {
    declared: HttpProvider,
    clients: Arc<HttpClients>,
    limits: Limits,
}

impl HttpCall {
    /// Sends `declared`'s request with `clients`. `limits.timeout` applies
    /// when the provider sets none and caps the provider's; it bounds the
    /// whole call, retries and the body included. The response body may not
    /// exceed `limits.output` bytes.
    pub fn new(declared: HttpProvider, clients: Arc<HttpClients>, limits: Limits) -> Self {
        Self { declared, clients, limits }
    }
}

impl Provider for HttpCall {
    fn kind(&self) -> &'static str {
        "http"
    }

    fn requested(&self, mapping: &Mapping) -> Requested {
        if render(&self.declared.url, mapping).is_ok_and(|url| has_placeholder(&url)) {
            return Requested::Deferred;
        }
        Requested::Known(self.url_grants(mapping))
    }

    fn call<'a>(&'a self, call: Call<'a>) -> CallFuture<'a> {
        Box::pin(async move {
            // The plan checked the grants; the URL is checked again here
            // because dynamic-configuration probes run before the final
            // values (and so the final check) exist.
            check_grants(&self.clients.permissions, call.name, &self.url_grants(call.mapping), call.audit)?;
            self.clients.run(call, &self.declared, self.limits).await
        })
    }

    fn configuration_value(&self, output: Value) -> Option<Value> {
        Some(output.get("body").cloned().unwrap_or(Value::Null))
    }
}

impl HttpCall {
    /// The network grant the URL, rendered with `mapping`, needs (none when
    /// it does not parse: the call then fails on the URL itself).
    fn url_grants(&self, mapping: &Mapping) -> Grants {
        Grants { net: self.declared.host_port(mapping).into_iter().collect(), ..Grants::default() }
    }
}

/// HTTP clients (TLS-verifying and not), built on first use.
pub struct HttpClients {
    permissions: Arc<Permissions>,
    verify_tls: bool,
    verified: OnceLock<Result<Client, String>>,
    unverified: OnceLock<Result<Client, String>>,
}

impl HttpClients {
    /// Clients that only follow redirects to hosts `permissions` allows;
    /// `verify_tls == false` turns certificate checks off for every request.
    pub fn new(permissions: Arc<Permissions>, verify_tls: bool) -> Self {
        Self { permissions, verify_tls, verified: OnceLock::new(), unverified: OnceLock::new() }
    }

    fn client(&self, verify_tls: bool) -> Result<Client, String> {
        let slot = if verify_tls { &self.verified } else { &self.unverified };
        slot.get_or_init(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let permissions = self.permissions.clone();
            let policy = Policy::custom(move |attempt| {
                let granted = url_host_port(attempt.url()).is_some_and(|hp| permissions.allows(Capability::Net, &hp));
                if attempt.previous().len() >= 10 {
                    attempt.error("too many redirects")
                } else if granted {
                    attempt.follow()
                } else {
                    let (url, target) = (attempt.url().to_string(), url_host_port(attempt.url()).unwrap_or_default());
                    attempt.error(RedirectRefused { url, target })
                }
            });
            Client::builder()
                .redirect(policy)
                .tls_danger_accept_invalid_certs(!verify_tls)
                .build()
                .map_err(|e| format!("cannot create the HTTP client: {e}"))
        })
        .clone()
    }

    /// Sends the request of `call`'s activity.
    async fn run(&self, call: Call<'_>, provider: &HttpProvider, limits: Limits) -> Result<Value, ActivityFailed> {
        let Call { name, mapping, value, has_tolerance, audit } = call;
        let fail = |m: String| ActivityFailed::new(format!("activity '{name}': {m}"));
        let fatal = |m: String| ActivityFailed::fatal(format!("activity '{name}': {m}"));
        let url_text = render(&provider.url, mapping).map_err(|e| fatal(e.to_string()))?;
        let url = Url::parse(&url_text).map_err(|e| fatal(format!("invalid URL {url_text}: {e}")))?;
        url_host_port(&url).ok_or_else(|| fatal(format!("URL {url_text} has no host")))?;
        let client = self.client(provider.verify_tls && self.verify_tls).map_err(fail)?;
        let method = reqwest::Method::from_bytes(provider.method.as_bytes())
            .map_err(|_| fail(format!("invalid HTTP method {}", provider.method)))?;
        let headers =
            substitute(&Value::Object(provider.headers.clone()), mapping).map_err(|e| fatal(e.to_string()))?;
        let arguments = match (&provider.arguments, value) {
            (None, None) => None,
            (declared, value) => {
                let template = declared.clone().unwrap_or_else(|| json!({}));
                Some(resolve_arguments(&template, mapping, value).map_err(|e| fatal(e.to_string()))?)
            }
        };
        let declared = match provider
            .timeout
            .as_ref()
            .map(|t| substitute(t, mapping))
            .transpose()
            .map_err(|e| fatal(e.to_string()))?
        {
            None => None,
            Some(Value::Array(pair)) => Some(pair.iter().filter_map(Value::as_f64).sum()),
            Some(t) => Some(t.as_f64().ok_or_else(|| fail(format!("invalid timeout {t}")))?),
        };
        let timeout = super::time_limit(name, declared, limits.timeout)?;
        let too_long = || fail("activity took too long to complete".into());

        let exchange = async {
            let mut attempt = 0;
            let response = loop {
                let mut request = client.request(method.clone(), url.clone()).timeout(timeout);
                let mut is_json = false;
                for (k, v) in headers.as_object().into_iter().flatten() {
                    let v = v.as_str().map(String::from).unwrap_or_else(|| v.to_string());
                    is_json |= k == "Content-Type" && v == "application/json";
                    request = request.header(k, v);
                }
                if let Some(args) = &arguments {
                    request = if method == reqwest::Method::GET {
                        request.query(&query_pairs(args))
                    } else if is_json {
                        request.json(args)
                    } else {
                        request.form(&query_pairs(args))
                    };
                }
                match request.send().await {
                    Ok(r) => break r,
                    Err(e) if e.is_connect() && attempt < provider.max_retries => attempt += 1,
                    Err(e) if e.is_timeout() => return Err(too_long()),
                    Err(e) if e.is_redirect() => {
                        record_refused_redirect(audit, &e);
                        return Err(fail(format!("request to {url_text} failed: {}", root_cause(&e))));
                    }
                    Err(e) if e.is_connect() => {
                        return Err(fail(format!("failed to connect to {url_text}: {}", root_cause(&e))));
                    }
                    Err(e) => return Err(fail(format!("request to {url_text} failed: {}", root_cause(&e)))),
                }
            };
            let status = response.status().as_u16();
            let out_headers = output_headers(response.headers());
            let text = read_body(response, limits.output).await.map_err(|e| match e {
                BodyError::TooLarge => {
                    fail(format!("returned a body over its output limit of {} bytes", limits.output))
                }
                BodyError::Read(e) if e.is_timeout() => too_long(),
                BodyError::Read(e) => fail(format!("reading the response failed: {e}")),
            })?;
            Ok((status, out_headers, text))
        };
        let (status, out_headers, text) = tokio::time::timeout(timeout, exchange).await.map_err(|_| too_long())??;
        // As the reference: JSON only for exactly `application/json`.
        let json_body = out_headers.get("Content-Type").and_then(Value::as_str) == Some("application/json");
        let body =
            if json_body { serde_json::from_str(&text).unwrap_or(Value::String(text)) } else { Value::String(text) };
        if status >= 400 && !has_tolerance {
            tracing::warn!(
                "This HTTP call returned a response with a HTTP status code above 400. If this was expected, please consider setting a tolerance to this activity."
            );
        }
        Ok(json!({"status": status, "headers": out_headers, "body": body}))
    }
}

/// A redirect the client refused to follow: its target is not granted.
#[derive(Debug, thiserror::Error)]
#[error("redirect to {url} is not granted (--allow-net)")]
struct RedirectRefused {
    /// Where the redirect pointed.
    url: String,
    /// Its `host:port`, the grant it would need.
    target: String,
}

/// Records the refused redirect behind `e`, if there is one (too many
/// redirects is not a denial).
fn record_refused_redirect(audit: &Audit, e: &reqwest::Error) {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(current) = cause {
        if let Some(refused) = current.downcast_ref::<RedirectRefused>() {
            audit.record(Denial::new("net", refused.target.clone(), refused.to_string()));
            return;
        }
        cause = current.source();
    }
}

/// Why a response body could not be read.
enum BodyError {
    /// Over the output limit.
    TooLarge,
    /// The connection failed.
    Read(reqwest::Error),
}

/// The body of `response` as text (decoded by the charset of its
/// Content-Type, UTF-8 by default, as `Response::text` does), refused as
/// soon as it passes `limit` bytes.
async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<String, BodyError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let content_type = response.headers().get(reqwest::header::CONTENT_TYPE).cloned();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let mut read = http::Response::new(body);
    if let Some(content_type) = content_type {
        read.headers_mut().insert(reqwest::header::CONTENT_TYPE, content_type);
    }
    reqwest::Response::from(read).text().await.map_err(BodyError::Read)
}

/// The response headers as the output's `headers`: names in HTTP/1 Title-Case
/// (`Content-Type`), the values of a repeated header joined with `, `.
///
/// The reference (Python `requests`) keeps the server's spelling of each
/// name. reqwest and hyper normalise names to lower case; hyper can record
/// the original spelling (`preserve_header_case`), but only in a private
/// extension that reqwest neither enables nor exposes. Title-Case is how
/// nearly every HTTP/1 server spells them, so tolerances written against
/// the reference's output hold; a server that sends, say, `content-type`
/// in lower case still shows here as `Content-Type`.
fn output_headers(headers: &reqwest::header::HeaderMap) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in headers {
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        match out.entry(title_case(k.as_str())) {
            serde_json::map::Entry::Occupied(mut existing) => {
                let joined = format!("{}, {v}", existing.get().as_str().unwrap_or_default());
                existing.insert(Value::String(joined));
            }
            serde_json::map::Entry::Vacant(slot) => {
                slot.insert(Value::String(v));
            }
        }
    }
    out
}

/// `content-type` → `Content-Type`, with the usual spelling of the few
/// names that are not plain Title-Case (`ETag`, `WWW-Authenticate`).
fn title_case(name: &str) -> String {
    const IRREGULAR: &[&str] = &["ETag", "WWW-Authenticate", "Content-MD5", "X-XSS-Protection", "DNT", "TE"];
    if let Some(known) = IRREGULAR.iter().find(|k| k.eq_ignore_ascii_case(name)) {
        return (*known).to_string();
    }
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        out.push(if start { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() });
        start = c == '-';
    }
    out
}

/// Arguments as (key, text) pairs for a query string or a form.
fn query_pairs(args: &Value) -> Vec<(String, String)> {
    args.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().map(String::from).unwrap_or_else(|| v.to_string())))
        .collect()
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn header_names_are_title_cased() {
        assert_eq!(title_case("content-type"), "Content-Type");
        assert_eq!(title_case("x-request-id"), "X-Request-Id");
        assert_eq!(title_case("etag"), "ETag");
        assert_eq!(title_case("www-authenticate"), "WWW-Authenticate");
    }

    #[test]
    fn a_repeated_header_joins_its_values_with_a_comma() {
        let mut headers = HeaderMap::new();
        headers.append("set-cookie", HeaderValue::from_static("a=1"));
        headers.append("set-cookie", HeaderValue::from_static("b=2"));
        assert_eq!(output_headers(&headers), json!({"Set-Cookie": "a=1, b=2"}).as_object().unwrap().clone());
    }
}
