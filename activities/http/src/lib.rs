//! `builtin:http`: HTTP requests from inside the sandbox, through
//! `wasi:http/outgoing-handler`, to the hosts the activity is granted. The
//! output is shaped like Chaos Toolkit's http provider: `{status, headers, body}`.

use chaos_guest_sdk::{ActivityError, JsonSchema, activities, schemars};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{ErrorCode, Fields, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme};

/// The request to send.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RequestArgs {
    /// `http://` or `https://` URL.
    url: String,
    /// HTTP method; GET by default.
    #[serde(default = "default_method")]
    method: String,
    /// Request headers.
    #[serde(default)]
    headers: BTreeMap<String, String>,
    /// Request body: a string is sent as is, anything else as JSON.
    #[serde(default)]
    body: Option<Value>,
    /// Seconds to wait for the connection and for the first byte of the response.
    #[serde(default)]
    timeout: Option<f64>,
}

fn default_method() -> String {
    "GET".to_string()
}

/// What came back, as Chaos Toolkit's http provider reports it.
#[derive(Serialize)]
struct Response {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Value,
}

/// The parts of a URL that wasi:http wants separately.
struct Target {
    scheme: Scheme,
    authority: String,
    path_with_query: String,
}

fn split_url(url: &str) -> Result<Target, ActivityError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| ActivityError::InvalidArguments(format!("`{url}` is not an absolute URL")))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => {
            return Err(ActivityError::InvalidArguments(format!(
                "unsupported URL scheme `{other}` (use http or https)"
            )));
        }
    };
    let split_at = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split_at);
    if authority.is_empty() {
        return Err(ActivityError::InvalidArguments(format!("`{url}` has no host")));
    }
    let path_with_query = match path {
        "" => "/".to_string(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_string(),
    };
    Ok(Target { scheme, authority: authority.to_string(), path_with_query })
}

fn method(name: &str) -> Method {
    match name.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "CONNECT" => Method::Connect,
        "OPTIONS" => Method::Options,
        "TRACE" => Method::Trace,
        "PATCH" => Method::Patch,
        other => Method::Other(other.to_string()),
    }
}

fn describe(code: &ErrorCode, authority: &str) -> ActivityError {
    match code {
        ErrorCode::HttpRequestDenied => ActivityError::CapabilityDenied(format!(
            "HTTP request to {authority} denied: the host is not granted to this activity"
        )),
        ErrorCode::ConnectionRefused => {
            ActivityError::failed(format!("failed to connect to {authority}: connection refused"))
        }
        ErrorCode::ConnectionTimeout | ErrorCode::ConnectionReadTimeout => {
            ActivityError::failed("activity took too long to complete")
        }
        other => ActivityError::failed(format!("HTTP request to {authority} failed: {other:?}")),
    }
}

fn request(args: RequestArgs) -> Result<Response, ActivityError> {
    let target = split_url(&args.url)?;
    let mut header_list: Vec<(String, Vec<u8>)> =
        args.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.as_bytes().to_vec())).collect();
    let body = match &args.body {
        None => None,
        Some(Value::String(s)) => Some(s.clone().into_bytes()),
        Some(v) => {
            if !header_list.iter().any(|(k, _)| k == "content-type") {
                header_list.push(("content-type".into(), b"application/json".to_vec()));
            }
            Some(serde_json::to_vec(v).map_err(ActivityError::failed)?)
        }
    };
    let headers = Fields::from_list(&header_list)
        .map_err(|e| ActivityError::InvalidArguments(format!("invalid headers: {e:?}")))?;
    let req = OutgoingRequest::new(headers);
    req.set_method(&method(&args.method))
        .map_err(|()| ActivityError::InvalidArguments(format!("invalid method `{}`", args.method)))?;
    req.set_scheme(Some(&target.scheme)).map_err(|()| ActivityError::failed("invalid scheme"))?;
    req.set_authority(Some(&target.authority))
        .map_err(|()| ActivityError::InvalidArguments(format!("invalid host `{}`", target.authority)))?;
    req.set_path_with_query(Some(&target.path_with_query))
        .map_err(|()| ActivityError::InvalidArguments("invalid path".into()))?;

    let outgoing_body = req.body().map_err(|()| ActivityError::failed("request body unavailable"))?;
    let options = args.timeout.map(|secs| {
        let opts = RequestOptions::new();
        let nanos = (secs * 1e9) as u64;
        let _ = opts.set_connect_timeout(Some(nanos));
        let _ = opts.set_first_byte_timeout(Some(nanos));
        opts
    });
    let pending = outgoing_handler::handle(req, options).map_err(|code| describe(&code, &target.authority))?;
    if let Some(bytes) = body {
        let stream = outgoing_body.write().map_err(|()| ActivityError::failed("request body stream"))?;
        for chunk in bytes.chunks(4096) {
            stream.blocking_write_and_flush(chunk).map_err(ActivityError::failed)?;
        }
        drop(stream);
    }
    OutgoingBody::finish(outgoing_body, None).map_err(|code| describe(&code, &target.authority))?;

    pending.subscribe().block();
    let response = pending
        .get()
        .ok_or_else(|| ActivityError::failed("no response"))?
        .map_err(|()| ActivityError::failed("response already taken"))?
        .map_err(|code| describe(&code, &target.authority))?;

    // A repeated header's values are joined with `, `, as the host's http
    // provider and the reference do.
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in response.headers().entries() {
        let value = String::from_utf8_lossy(&value).into_owned();
        headers.entry(name).and_modify(|joined| *joined = format!("{joined}, {value}")).or_insert(value);
    }
    let incoming = response.consume().map_err(|()| ActivityError::failed("response body unavailable"))?;
    let stream = incoming.stream().map_err(|()| ActivityError::failed("response body stream"))?;
    let mut raw = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => raw.extend_from_slice(&chunk),
            Err(wasip2::io::streams::StreamError::Closed) => break,
            Err(e) => return Err(ActivityError::failed(format!("reading the response body: {e}"))),
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    // As the reference: JSON only for exactly `application/json` (so
    // `application/json; charset=utf-8` stays text).
    let is_json = headers.get("content-type").map(String::as_str) == Some("application/json");
    let body = if is_json { serde_json::from_str(&text).unwrap_or(Value::String(text)) } else { Value::String(text) };
    Ok(Response { status: response.status(), headers, body })
}

activities! {
    probe "request": "Sends an HTTP request to `url` and returns {status, headers, body}; the body is parsed when the response is application/json." => request,
}
