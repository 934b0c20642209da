//! `GET /metrics`: the Prometheus text exposition of [`crate::metrics`], plus what the store
//! holds (schemas and subjects), counted when scraped.
//!
//! Served outside the Confluent media-type negotiation: Prometheus asks for `text/plain` or
//! OpenMetrics, which the Confluent API would refuse with 406.
//!
//! The counts read every subject-version row per scrape, since the `Store` trait has no
//! counting query yet: cheap for thousands of versions, worth a `COUNT` in the store for
//! registries with millions.

use std::collections::HashSet;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::contexts;
use crate::error::ApiError;
use crate::metrics::Inventory;

/// The content type of the Prometheus text format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>) -> Result<Response, ApiError> {
    let versions = state.store.all_versions().await?;
    // Ids are per context: the same integer in two contexts is two schemas.
    let schemas: HashSet<(&str, i32)> = versions
        .iter()
        .map(|v| (contexts::context_of(&v.subject), v.schema_id.0))
        .collect();
    let subjects: HashSet<&str> = versions
        .iter()
        .filter(|v| !v.deleted)
        .map(|v| v.subject.as_str())
        .collect();
    let inventory = Inventory {
        schemas: schemas.len(),
        subjects: subjects.len(),
    };
    let mut response = state.metrics.render(inventory).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    Ok(response)
}
