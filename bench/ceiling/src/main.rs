//! The ceiling `bench/run` compares the registry's by-id reads with: a bare axum server that
//! answers `GET /schemas/ids/{id}` with the same bodies, from a `HashMap` filled at start-up,
//! with the same content type, on the same default multi-threaded tokio runtime.
//!
//! Whatever this server does per request (accept, parse HTTP/1.1, route, extract the id, look
//! it up, write the answer) the registry must do too, so the ratio of the two request rates
//! measured in one run is what the registry's own layers cost. Left out on purpose: everything
//! the registry adds (media-type negotiation, metrics, logging, contexts, a database behind the
//! cache), and any configuration beyond a listen address and the bodies file.
//!
//! Usage: `stele-bench-ceiling ADDRESS BODIES`, where BODIES holds one `ID<TAB>JSON` line per
//! schema (bench/run writes it from the registry's own answers). `GET /health` answers 200 once
//! listening.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The registry's media type, which it answers by-id reads with.
const MEDIA_TYPE_V1: &str = "application/vnd.schemaregistry.v1+json";

/// The registry's 404 body for an unknown id, for completeness (the benchmark reads known ids).
const NOT_FOUND: &str = r#"{"error_code":40403,"message":"Schema not found"}"#;

type Bodies = Arc<HashMap<i32, Bytes>>;

async fn by_id(State(bodies): State<Bodies>, Path(id): Path<i32>) -> Response {
    let (status, body) = match bodies.get(&id) {
        Some(body) => (StatusCode::OK, body.clone()),
        None => (
            StatusCode::NOT_FOUND,
            Bytes::from_static(NOT_FOUND.as_bytes()),
        ),
    };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(MEDIA_TYPE_V1),
    );
    response
}

fn read_bodies(path: &str) -> Result<HashMap<i32, Bytes>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
    let mut bodies = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let Some((id, body)) = line.split_once('\t') else {
            return Err(format!("{path}:{}: expected ID<TAB>JSON", number + 1));
        };
        let id: i32 = id
            .trim()
            .parse()
            .map_err(|e| format!("{path}:{}: bad id: {e}", number + 1))?;
        bodies.insert(id, Bytes::from(body.to_string()));
    }
    Ok(bodies)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, address, bodies_path] = args.as_slice() else {
        eprintln!("usage: stele-bench-ceiling ADDRESS BODIES");
        return ExitCode::from(2);
    };
    let bodies = match read_bodies(bodies_path) {
        Ok(bodies) => Arc::new(bodies),
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let app = Router::new()
        .route("/schemas/ids/{id}", get(by_id))
        .route("/health", get(|| async { "ok" }))
        .with_state(bodies);
    let listener = match tokio::net::TcpListener::bind(address.as_str()).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: listening on {address}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("error: serving: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
