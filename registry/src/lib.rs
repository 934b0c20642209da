//! Stele's registry service: the Confluent Schema Registry REST API over the engine.
//!
//! [`app`] builds the whole HTTP API over an [`AppState`]: an axum [`Router`] wrapped in
//! [`service::Api`], which answers by-id reads from the cache before routing. Tests drive it
//! in-process or on a socket; `main.rs` only reads configuration, opens the store and serves. Handlers (in `routes/`) extract, call [`registration`] / [`deletion`] / the store,
//! and return `Result<_, ApiError>`; only `error.rs` knows status codes and Confluent error
//! codes, and only `store/` contains SQL.
//!
//! `GET /metrics` and `GET /health` sit outside the Confluent API's conventions (media types,
//! trailing slashes); [`metrics::track`] wraps both, so every request is counted.
//!
//! Contexts (`:.ctx:subject`, per-context ids, `/contexts/{ctx}/...` paths) are described in
//! [`contexts`]. Security (optional authentication and ACLs, TLS, timeouts, CORS) is in
//! [`auth`], [`tls`] and [`edge`]; with all of it off, the stack is the same as without it.
//! Not yet here: schema tags, guids, associations, the `compatibilityPolicy` and
//! `compatibilityGroup` settings.

pub mod auth;
pub mod cache;
pub mod contexts;
pub mod deletion;
pub mod edge;
pub mod entities;
pub mod error;
pub mod http;
pub mod idle;
pub mod metrics;
pub mod registration;
pub mod routes;
pub mod scopes;
pub mod service;
pub mod store;
pub mod tls;

use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use stele_engine::Level;
use tower_http::cors::CorsLayer;

use crate::auth::Auth;
use crate::cache::SchemaCache;
use crate::entities::SchemaTypeField;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::store::Store;

/// Settings of a running registry that requests can see.
#[derive(Debug, Clone)]
pub struct Config {
    /// Level used where neither the subject nor the global config sets one.
    pub default_compatibility: Level,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Whether Avro answers carry `schemaType` (8.x shape) or omit it (7.x shape).
    pub schema_type_field: SchemaTypeField,
    /// Users, tokens and ACLs; `None` serves everyone everything (the default).
    pub auth: Option<Arc<Auth>>,
    /// Longest a request may take, body included; zero for no limit.
    pub request_timeout: Duration,
    /// CORS for browsers; `None` sends no CORS headers (the default).
    pub cors: Option<CorsLayer>,
}

/// Default of [`Config::request_timeout`].
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for Config {
    fn default() -> Config {
        Config {
            default_compatibility: Level::BACKWARD,
            max_body_bytes: 16 * 1024 * 1024,
            schema_type_field: SchemaTypeField::OmitAvro,
            auth: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            cors: None,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The storage backend.
    pub store: Arc<dyn Store>,
    /// Server settings.
    pub config: Arc<Config>,
    /// Schemas by id, for the read path.
    pub cache: Arc<SchemaCache>,
    /// Request counts and latencies for `GET /metrics`.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// State over `store` with `config` and an empty cache.
    pub fn new(store: Arc<dyn Store>, config: Config) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            cache: Arc::new(SchemaCache::default()),
            metrics: Arc::new(Metrics::default()),
        }
    }
}

/// The whole API: the router of every route and layer, behind the by-id shortcut of
/// [`service::Api`] (which `axum::serve` takes as it is).
///
/// With auth on, [`auth::authenticate`] runs before routing on every Confluent route (so a
/// 401 comes before a 404 or a 406), and [`auth::policy::authorize`] after routing, where the
/// route template and subject are known. `/health` and `/metrics` stay open to probes and
/// scrapers: they reveal counts, never schemas or subject names.
pub fn app(state: AppState) -> service::Api {
    let limit = state.config.max_body_bytes;
    let recorder = Arc::clone(&state.metrics);
    let config = Arc::clone(&state.config);
    let mut routes = routes::router();
    if config.auth.is_some() {
        routes = routes.route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::policy::authorize,
        ));
    }
    let routes = routes
        .fallback(http::unknown_path)
        .method_not_allowed_fallback(http::method_not_allowed)
        .layer(middleware::from_fn(metrics::tag_route))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state.clone());
    // Trailing slashes are stripped and `/contexts/{ctx}/...` paths rewritten before routing,
    // so the rewrites wrap the routed service. One layer does logging, negotiation and both
    // rewrites: a layer per step cost the by-id read measurably (`http::conventions`).
    // Authentication, when configured, runs inside it: after negotiation, and logged.
    let mut confluent = Router::new().fallback_service(routes);
    if let Some(auth) = &config.auth {
        confluent = confluent.layer(middleware::from_fn_with_state(
            Arc::clone(auth),
            auth::authenticate,
        ));
    }
    let confluent = confluent.layer(middleware::from_fn(http::conventions));
    let state_for_shortcut = state.clone();
    let mut app = Router::new()
        .route("/metrics", get(metrics_with_auth))
        .route("/health", get(routes::root::health))
        .with_state(state)
        .fallback_service(confluent);
    if !config.request_timeout.is_zero() {
        app = app.layer(middleware::from_fn_with_state(
            config.request_timeout,
            edge::limit_time,
        ));
    }
    // Outside the timeout, so timed-out requests are counted too.
    let mut app = app.layer(middleware::from_fn_with_state(recorder, metrics::track));
    // Outermost, so that preflight requests (which carry no credentials) are answered before
    // authentication.
    if let Some(cors) = &config.cors {
        app = app.layer(cors.clone());
    }
    service::Api::new(app, state_for_shortcut)
}

/// `GET /metrics`: the registry's metrics plus `stele_auth_failures_total`.
async fn metrics_with_auth(State(state): State<AppState>) -> Result<Response, ApiError> {
    let failures = state.config.auth.as_ref().map_or(0, |auth| auth.failures());
    let response = routes::metrics::render(State(state)).await?;
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let bytes = to_bytes(body, usize::MAX)
        .await
        .map_err(|e| ApiError::Internal(format!("reading the metrics text: {e}")))?;
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    let name = "stele_auth_failures_total";
    let _ = write!(
        text,
        "# HELP {name} Requests refused with 401 for wrong or malformed credentials.\n\
         # TYPE {name} counter\n{name} {failures}\n"
    );
    Ok(Response::from_parts(parts, Body::from(text)))
}
