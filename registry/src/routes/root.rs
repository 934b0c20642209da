//! `/` (a liveness probe for many deployments), `/health` (readiness: the store answers) and
//! `/v1/metadata/*`. The `/contexts` resource is in `contexts.rs`.
//!
//! `/health` is not a Confluent route: it is served outside the media type negotiation, so
//! load balancers and orchestrators can probe it with any `Accept` header.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::http::{ConfluentJson, Reply, json_bytes};

/// `GET /`: `{}`.
pub async fn get_root() -> Response {
    json_bytes("{}")
}

/// `POST /`: any JSON object, answered with `{}`.
pub async fn post_root(ConfluentJson(_body): ConfluentJson<Value>) -> Response {
    json_bytes("{}")
}

/// `GET /v1/metadata/id`: `ServerClusterId`. There is no Kafka cluster behind this registry.
pub async fn cluster_id() -> Reply<Value> {
    Reply(json!({"scope": {"path": [], "clusters": {"schema-registry-cluster": "stele"}}}))
}

/// `GET /v1/metadata/version`.
pub async fn server_version() -> Reply<Value> {
    Reply(json!({"version": env!("CARGO_PKG_VERSION")}))
}

/// `GET /health`: `{"status":"UP"}` when the store answers a trivial query (the highest
/// schema id), else 503 with error 50001. On PostgreSQL an outage answers within the pool's
/// acquire timeout.
pub async fn health(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state
        .store
        .max_schema_id(crate::contexts::DEFAULT_CONTEXT)
        .await
        .map_err(ApiError::StoreUnavailable)?;
    Ok(Json(json!({"status": "UP"})))
}
