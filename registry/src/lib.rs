//! Stele's registry service: the Confluent Schema Registry REST API over the engine.
//!
//! [`app`] builds the whole HTTP API as an axum [`Router`] over an [`AppState`], so tests can
//! drive it in-process or on a socket; `main.rs` only reads configuration, opens the store and
//! serves. Handlers (in `routes/`) extract, call [`registration`] / [`deletion`] / the store,
//! and return `Result<_, ApiError>`; only `error.rs` knows status codes and Confluent error
//! codes, and only `store/` contains SQL.
//!
//! `GET /metrics` and `GET /health` sit outside the Confluent API's conventions (media types,
//! trailing slashes); [`metrics::track`] wraps both, so every request is counted.
//!
//! Contexts (`:.ctx:subject`, per-context ids, `/contexts/{ctx}/...` paths) are described in
//! [`contexts`]. Not yet here: schema tags, guids,
//! associations, the `compatibilityPolicy` and `compatibilityGroup` settings, authentication.

pub mod cache;
pub mod contexts;
pub mod deletion;
pub mod entities;
pub mod error;
pub mod http;
pub mod metrics;
pub mod registration;
pub mod routes;
pub mod scopes;
pub mod store;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::get;
use stele_engine::Level;

use crate::cache::SchemaCache;
use crate::entities::SchemaTypeField;
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
}

impl Default for Config {
    fn default() -> Config {
        Config {
            default_compatibility: Level::BACKWARD,
            max_body_bytes: 16 * 1024 * 1024,
            schema_type_field: SchemaTypeField::OmitAvro,
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

/// The whole API.
pub fn app(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    let recorder = Arc::clone(&state.metrics);
    let routes = routes::router()
        .fallback(http::unknown_path)
        .method_not_allowed_fallback(http::method_not_allowed)
        .layer(middleware::from_fn(metrics::tag_route))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state.clone());
    // Trailing slashes are stripped and `/contexts/{ctx}/...` paths rewritten before routing,
    // so the rewrites wrap the routed service. One layer does logging, negotiation and both
    // rewrites: a layer per step cost the by-id read measurably (`http::conventions`).
    let confluent = Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn(http::conventions));
    Router::new()
        .route("/metrics", get(routes::metrics::render))
        .route("/health", get(routes::root::health))
        .with_state(state)
        .fallback_service(confluent)
        .layer(middleware::from_fn_with_state(recorder, metrics::track))
}
