//! The routes of the Confluent API, one file per resource. Each handler extracts, calls the
//! registry logic and the store, and returns `Result<_, ApiError>`.

mod catalog;
mod compatibility;
mod config;
mod contexts;
mod format;
pub mod metrics;
mod mode;
pub mod root;
pub mod schemas;
mod subjects;

use axum::Router;
use axum::routing::{delete, get, post};

use crate::AppState;

/// Every route of this slice of the API.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(catalog::router())
        .route("/", get(root::get_root).post(root::post_root))
        .route("/v1/metadata/id", get(root::cluster_id))
        .route("/v1/metadata/version", get(root::server_version))
        .route("/contexts", get(contexts::list))
        .route("/contexts/{context}", delete(contexts::remove))
        .route("/schemas", get(schemas::list))
        .route("/schemas/types", get(schemas::types))
        .route(schemas::BY_ID, get(schemas::by_id))
        .route("/schemas/ids/{id}/schema", get(schemas::raw_by_id))
        .route("/schemas/ids/{id}/subjects", get(schemas::subjects_of))
        .route("/schemas/ids/{id}/versions", get(schemas::versions_of))
        .route("/subjects", get(subjects::list))
        .route(
            "/subjects/{subject}",
            post(subjects::lookup).delete(subjects::delete_subject),
        )
        .route("/subjects/{subject}/metadata", get(subjects::by_metadata))
        .route(
            "/subjects/{subject}/versions",
            get(subjects::versions).post(subjects::register),
        )
        .route(
            "/subjects/{subject}/versions/{version}",
            get(subjects::version).delete(subjects::delete_version),
        )
        .route(
            "/subjects/{subject}/versions/{version}/schema",
            get(subjects::raw_version),
        )
        .route(
            "/subjects/{subject}/versions/{version}/referencedby",
            get(subjects::referenced_by),
        )
        .route(
            "/compatibility/subjects/{subject}/versions",
            post(compatibility::against_all),
        )
        .route(
            "/compatibility/subjects/{subject}/versions/{version}",
            post(compatibility::against_version),
        )
        .route(
            "/config",
            get(config::get_global)
                .put(config::put_global)
                .delete(config::delete_global),
        )
        .route(
            "/config/{subject}",
            get(config::get_subject)
                .put(config::put_subject)
                .delete(config::delete_subject),
        )
        .route(
            "/mode",
            get(mode::get_global)
                .put(mode::put_global)
                .delete(mode::delete_global),
        )
        .route(
            "/mode/{subject}",
            get(mode::get_subject)
                .put(mode::put_subject)
                .delete(mode::delete_subject),
        )
}
