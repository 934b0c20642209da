//! What wraps the whole API at the network edge, outside any route: the request timeout and
//! CORS. (The body limit is axum's `DefaultBodyLimit`, set in [`crate::app`]; TLS is in
//! `tls.rs`; authentication in `auth/`.)
//!
//! The timeout covers reading the body and answering, so a client that sends headers and
//! then trickles (or stops sending) its body is cut off too. A timed-out request answers
//! Confluent's operation timeout, 500 with error code 50002. A registration cut off while
//! committing may still have been committed: clients retry registrations anyway, and a retry
//! of the same schema gets the same id.
//!
//! CORS is off unless origins are configured: browsers then get no CORS headers and refuse
//! cross-origin calls. With origins, preflights are answered for the API's methods and the
//! `Authorization`, `Content-Type` and `Accept` headers; cookies are never involved.
//!
//! Left out: rate limiting (per-client limits belong to a proxy that sees every node).

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::ApiError;

/// Middleware: answers 50002 when the rest of the stack takes longer than `limit`.
pub async fn limit_time(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    // For the warning only; cloning a `Uri` shares its bytes instead of copying the path on
    // every request.
    let uri = request.uri().clone();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let path = uri.path();
            tracing::warn!(%method, %path, limit_ms = limit.as_millis(), "request timed out");
            ApiError::Timeout.into_response()
        }
    }
}

/// The CORS layer for `origins` (`*` allows any origin); an origin that is not a valid
/// header value is an error naming it.
pub fn cors(origins: &[String]) -> Result<CorsLayer, String> {
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let values = origins
            .iter()
            .map(|origin| {
                HeaderValue::from_str(origin.trim_end_matches('/'))
                    .map_err(|_| format!("invalid CORS origin `{origin}`"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(values)
    };
    Ok(CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .max_age(Duration::from_secs(3600)))
}

/// Parses a duration: a number with `ms`, `s` (the default) or `m`, e.g. `30s`, `500ms`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000)
    } else {
        (text, 1000)
    };
    number
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .map(Duration::from_millis)
        .ok_or_else(|| format!("invalid duration `{text}` (expected e.g. 30s, 500ms, 2m)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "s", "-1s", "1h", "1.5s", "99999999999999999999m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn origins_must_be_header_values() {
        assert!(cors(&["https://ui.example.com".to_string()]).is_ok());
        assert!(cors(&["*".to_string()]).is_ok());
        assert!(cors(&["bad\norigin".to_string()]).is_err());
    }
}
