//! HTTP conventions of the Confluent API that are not about any one resource: media types,
//! our JSON body extractor (so malformed bodies get Confluent-shaped errors), query flags
//! parsed the way JAX-RS does, version and id path parameters, subject validation, trailing
//! slashes and the generic 404/405 answers.
//!
//! Left out: authentication. The `/contexts/{ctx}/...` path rewriting is in `contexts.rs`.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The registry's own media type, what we answer with unless the client asks otherwise.
pub const MEDIA_TYPE_V1: &str = "application/vnd.schemaregistry.v1+json";
const MEDIA_TYPE_ANY_VERSION: &str = "application/vnd.schemaregistry+json";
const MEDIA_TYPE_JSON: &str = "application/json";
/// What ad-hoc tools send by default; Confluent reads it as JSON.
const MEDIA_TYPE_OCTET: &str = "application/octet-stream";

/// A request body read as JSON. Content type, size and syntax problems become [`ApiError`]s
/// instead of axum's plain-text rejections.
#[derive(Debug)]
pub struct ConfluentJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ConfluentJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if let Some(content_type) = request.headers().get(header::CONTENT_TYPE) {
            let essence = content_type
                .to_str()
                .unwrap_or_default()
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if ![
                MEDIA_TYPE_V1,
                MEDIA_TYPE_ANY_VERSION,
                MEDIA_TYPE_JSON,
                MEDIA_TYPE_OCTET,
            ]
            .contains(&essence.as_str())
            {
                return Err(ApiError::UnsupportedMediaType);
            }
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::BadRequest(rejection.body_text())
                }
            })?;
        let Some(first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else {
            return Err(ApiError::MissingBody);
        };
        // Every body of the API is an object. serde's derived structs would also take a JSON
        // array as the fields in order (`["\"int\""]` registering a schema), which no
        // Confluent server accepts.
        if *first != b'{' {
            return Err(ApiError::BadRequest(
                "The request body must be a JSON object".to_string(),
            ));
        }
        serde_json::from_slice(&bytes)
            .map(ConfluentJson)
            .map_err(|e| ApiError::BadRequest(e.to_string()))
    }
}

/// Path parameters, percent-decoded by axum (so `a%2Fb` is the subject `a/b`); a segment
/// that does not decode (invalid UTF-8) is a Confluent-shaped 400, not axum's plain text.
#[derive(Debug)]
pub struct ConfluentPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ConfluentPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ConfluentPath(value))
            .map_err(|rejection| ApiError::BadRequest(rejection.body_text()))
    }
}

/// A JSON answer in the registry's media type.
#[derive(Debug)]
pub struct Reply<T>(pub T);

impl<T: Serialize> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => json_bytes(body),
            Err(e) => ApiError::Internal(format!("serialising a reply: {e}")).into_response(),
        }
    }
}

/// Already serialised JSON, answered in the registry's media type.
pub fn json_bytes(body: impl Into<Bytes>) -> Response {
    let mut response = body.into().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(MEDIA_TYPE_V1),
    );
    response
}

/// Raw text (a schema), answered in the registry's media type as Confluent does.
pub fn raw_text(text: String) -> Response {
    json_bytes(text)
}

/// The query string's parameters, in order. Flags follow JAX-RS: `true` in any case is true, anything
/// else (Python's `False`, a typo, nothing) is false.
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The parameters of a query string (`a=b&c=d`, without the `?`).
    pub fn from_query(query: &str) -> Params {
        Params(serde_urlencoded_pairs(query))
    }

    /// Parameters holding just one true flag, for internal lookups.
    pub fn with_flag(name: &str) -> Params {
        Params(vec![(name.to_string(), "true".to_string())])
    }

    /// A flag; `aliases` are other spellings clients send for it.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// A raw value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of a repeated parameter, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first of several spellings that is present.
    pub fn get_any(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|name| self.get(name))
    }

    /// Whether any of several spellings is a true flag.
    pub fn flag_any(&self, names: &[&str]) -> bool {
        names.iter().any(|name| self.flag(name))
    }

    /// Applies `offset` and `limit` (a limit of zero or less means no limit).
    pub fn paginate<T>(&self, items: Vec<T>) -> Vec<T> {
        self.paginate_with_default(items, usize::MAX)
    }

    /// Applies `offset` and `limit`; a missing, non-positive or too large limit becomes
    /// `default` (Confluent replaces rather than clamps, `normalizeLimit`).
    pub fn paginate_with_default<T>(&self, items: Vec<T>, default: usize) -> Vec<T> {
        let offset = self
            .get("offset")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let limit = self
            .get("limit")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .and_then(|l| usize::try_from(l).ok())
            .filter(|l| *l > 0 && *l <= default)
            .unwrap_or(default);
        items.into_iter().skip(offset).take(limit).collect()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(Params::from_query(parts.uri.query().unwrap_or_default()))
    }
}

/// Decodes `a=b&c=d` with percent-decoding and `+` as space; malformed escapes are kept.
fn serde_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: Option<&u8>) -> Option<u8> {
    let digit = char::from(*byte?).to_digit(16)?;
    u8::try_from(digit).ok()
}

/// A version path parameter: a number in `[1, 2^31-1]`, or `latest` / `-1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSpec {
    /// The latest version.
    Latest,
    /// A given number.
    Number(i32),
}

impl VersionSpec {
    /// Parses Confluent's `VersionId`; anything else is 42202.
    pub fn parse(text: &str) -> Result<VersionSpec, ApiError> {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("latest") {
            return Ok(VersionSpec::Latest);
        }
        match trimmed.parse::<i32>() {
            Ok(-1) => Ok(VersionSpec::Latest),
            Ok(n) if n >= 1 => Ok(VersionSpec::Number(n)),
            _ => Err(ApiError::InvalidVersion(text.to_string())),
        }
    }
}

/// A schema id path parameter; a non-integer is Jersey's generic 404.
pub fn parse_schema_id(text: &str) -> Result<i32, ApiError> {
    text.trim()
        .parse::<i32>()
        .map_err(|_| ApiError::UnknownPath)
}

/// Rejects reserved subject names and control characters (42208).
pub fn check_subject(subject: &str) -> Result<(), ApiError> {
    if subject == "__GLOBAL"
        || subject == "__EMPTY"
        || crate::contexts::context_of(subject) == crate::contexts::GLOBAL_CONTEXT
        || subject.chars().any(char::is_control)
    {
        return Err(ApiError::InvalidSubject(subject.to_string()));
    }
    Ok(())
}

/// Drops one trailing slash before routing: the Java client calls
/// `/compatibility/subjects/{s}/versions/`, and Confluent routes both forms.
fn strip_slash(request: &mut Request) {
    let path = request.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let rewritten = match request.uri().query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_string(),
        };
        if let Ok(uri) = rewritten.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
}

/// Rewrites `/contexts/{ctx}/...` paths ([`crate::contexts::rewrite`]).
fn rewrite_context(request: &mut Request) {
    let uri = request.uri();
    if let Some(rewritten) = crate::contexts::rewrite(uri.path(), uri.query())
        && let Ok(uri) = rewritten.parse::<Uri>()
    {
        *request.uri_mut() = uri;
    }
}

/// The Confluent API's request conventions as one middleware: the log line, media-type
/// negotiation ([`choose_media_type`]), the trailing slash dropped, then the
/// `/contexts/{ctx}/...` rewrite. One layer rather than four because each axum `from_fn`
/// layer clones the service inside it and boxes a future on every request, which showed on
/// the by-id read (bench/run, docs/performance.md).
pub async fn conventions(mut request: Request, next: Next) -> Response {
    let method = request.method().clone();
    // The path as received, for the log line; cloning a `Uri` shares its bytes.
    let uri = request.uri().clone();
    let started = std::time::Instant::now();
    // The catalog's pages are HTML, CSS and YAML for browsers and tools, not the Confluent
    // API: they answer in their own media types whatever `Accept` says.
    if is_catalog(uri.path()) {
        let response = next.run(request).await;
        log_answer(&method, uri.path(), response.status(), started.elapsed());
        return response;
    }
    let response = match choose_media_type(request.headers()) {
        Some(chosen) => {
            strip_slash(&mut request);
            rewrite_context(&mut request);
            answer_in(next.run(request).await, chosen)
        }
        None => ApiError::NotAcceptable.into_response(),
    };
    log_answer(&method, uri.path(), response.status(), started.elapsed());
    response
}

/// `/catalog` and everything under it.
fn is_catalog(path: &str) -> bool {
    path.strip_prefix("/catalog")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `response` in the media type [`choose_media_type`] chose (answers are made in ours).
pub fn answer_in(mut response: Response, chosen: &'static str) -> Response {
    if chosen != MEDIA_TYPE_V1 {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(chosen));
    }
    response
}

/// Picks the response media type from `Accept`: ours first, then the unversioned one, then
/// plain JSON; a missing header or a wildcard gets ours. `None`: the client accepts none of
/// ours (406).
pub fn choose_media_type(headers: &HeaderMap) -> Option<&'static str> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Some(MEDIA_TYPE_V1);
    };
    let accept = accept.to_str().unwrap_or_default().to_ascii_lowercase();
    let offered: Vec<(String, f32)> = accept
        .split(',')
        .map(|item| {
            let mut parts = item.split(';');
            let media = parts.next().unwrap_or_default().trim().to_string();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q=").map(str::to_string))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (media, quality)
        })
        .filter(|(media, quality)| !media.is_empty() && *quality > 0.0)
        .collect();
    if offered.is_empty() {
        return Some(MEDIA_TYPE_V1);
    }
    let candidates = [MEDIA_TYPE_V1, MEDIA_TYPE_ANY_VERSION, MEDIA_TYPE_JSON];
    let mut best: Option<(&'static str, f32)> = None;
    for candidate in candidates {
        let quality = offered
            .iter()
            .filter(|(media, _)| media == candidate || media == "*/*" || media == "application/*")
            .map(|(_, q)| *q)
            .fold(None, |acc: Option<f32>, q| {
                Some(acc.map_or(q, |a| a.max(q)))
            });
        if let Some(quality) = quality
            && best.is_none_or(|(_, b)| quality > b)
        {
            best = Some((candidate, quality));
        }
    }
    best.map(|(media, _)| media)
}

/// Logs one answered request with its status and duration (`debug`; server errors at `warn`).
pub fn log_answer(method: &Method, path: &str, status: StatusCode, elapsed: Duration) {
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    let code = status.as_u16();
    if status.is_server_error() {
        tracing::warn!(%method, %path, status = code, elapsed_ms, "request failed");
    } else {
        tracing::debug!(%method, %path, status = code, elapsed_ms, "request");
    }
}

/// Jersey's answer for a path nobody routes.
pub async fn unknown_path() -> ApiError {
    ApiError::UnknownPath
}

/// Jersey's answer for a routed path with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_confluent() {
        assert_eq!(VersionSpec::parse("latest").ok(), Some(VersionSpec::Latest));
        assert_eq!(
            VersionSpec::parse(" LATEST ").ok(),
            Some(VersionSpec::Latest)
        );
        assert_eq!(VersionSpec::parse("-1").ok(), Some(VersionSpec::Latest));
        assert_eq!(VersionSpec::parse("3").ok(), Some(VersionSpec::Number(3)));
        for bad in ["0", "-2", "x", "2147483648", ""] {
            assert!(VersionSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn query_values_are_percent_decoded() {
        let pairs = serde_urlencoded_pairs("subject=a%2Fb&normalize=False&x=%zz&y=%4");
        assert_eq!(pairs[0], ("subject".into(), "a/b".into()));
        assert_eq!(pairs[1], ("normalize".into(), "False".into()));
        assert_eq!(pairs[2], ("x".into(), "%zz".into()));
        assert_eq!(pairs[3], ("y".into(), "%4".into()));
    }

    #[test]
    fn media_types_are_negotiated() {
        let mut headers = HeaderMap::new();
        assert_eq!(choose_media_type(&headers), Some(MEDIA_TYPE_V1));
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert_eq!(choose_media_type(&headers), Some(MEDIA_TYPE_JSON));
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json",
            ),
        );
        assert_eq!(choose_media_type(&headers), Some(MEDIA_TYPE_V1));
        headers.insert(header::ACCEPT, HeaderValue::from_static("text/html"));
        assert_eq!(choose_media_type(&headers), None);
        headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        assert_eq!(choose_media_type(&headers), Some(MEDIA_TYPE_V1));
    }
}
