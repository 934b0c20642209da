//! `GET /metrics`: the Prometheus text exposition of [`crate::metrics`], plus what the store
//! holds (schemas and subjects), counted by the database when scraped.
//!
//! Served outside the Confluent media-type negotiation: Prometheus asks for `text/plain` or
//! OpenMetrics, which the Confluent API would refuse with 406.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;
use crate::metrics::Inventory;

/// The content type of the Prometheus text format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>) -> Result<Response, ApiError> {
    let counts = state.store.counts().await?;
    let inventory = Inventory {
        schemas: counts.schemas,
        subjects: counts.subjects,
    };
    let mut response = state.metrics.render(inventory).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    Ok(response)
}
