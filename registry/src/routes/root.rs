//! `/` (a health probe for many deployments) and `/v1/metadata/*`.

use axum::response::Response;
use serde_json::{Value, json};

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
