//! `GET /catalog/...`: the event catalog, served live from the store.
//!
//! The same pages `stele catalog` writes (see the `stele-catalog` crate), rendered one file per
//! request from a catalog built out of the registry's live subject versions: every version
//! with its outline, its differences from the previous one and the engine's verdict, and each
//! subject's level in force. Read-only: nothing here writes to the store.
//!
//! The built catalog is cached and rebuilt when the set of subject versions or the global
//! config changes, or after [`MAX_AGE`] (subject-level config changes are only seen then).
//! Producers and consumers are unknown to a registry, and the pages say so. Owners, domains and
//! descriptions come from the schema's Confluent `metadata.properties` (`owner`, `domain`,
//! `description`) when it has them. Topics come from Confluent's default subject naming:
//! `<topic>-value` and `<topic>-key`; other subjects are listed without a topic.

use std::collections::BTreeMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::Value;
use stele_catalog::{Catalog, Event, Site, Version, content_type, link_references};

use crate::AppState;
use crate::contexts;
use crate::error::ApiError;
use crate::registration::{parsed_schema, version_schema};
use crate::scopes::effective_level;
use crate::store::{GLOBAL_SCOPE, VersionRow};

/// Longest time a built catalog is served before it is rebuilt regardless.
const MAX_AGE: Duration = Duration::from_secs(30);

/// The catalog's routes, with their own cache.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(index))
        .route("/catalog/{*path}", get(file))
        .layer(Extension(Arc::new(CatalogCache::default())))
}

/// The last catalog built, with what it was built from.
#[derive(Default)]
pub struct CatalogCache {
    built: Mutex<Option<Built>>,
}

struct Built {
    key: u64,
    at: Instant,
    catalog: Arc<Catalog>,
}

/// `/catalog` and `/catalog/` (the trailing slash is stripped before routing): the pages use
/// relative links, so send the browser to the index file itself.
async fn index() -> Redirect {
    Redirect::to("/catalog/index.html")
}

async fn file(
    State(state): State<AppState>,
    Extension(cache): Extension<Arc<CatalogCache>>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let catalog = current(&state, &cache).await?;
    let site = Site::new(&catalog);
    let body = site.render(&path).ok_or(ApiError::UnknownPath)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type(&path)),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response())
}

/// The cached catalog, rebuilt when the store's versions or global config changed.
async fn current(state: &AppState, cache: &CatalogCache) -> Result<Arc<Catalog>, ApiError> {
    let rows = state.store.all_versions().await?;
    let global = state.store.config(GLOBAL_SCOPE).await?;
    let mut hasher = DefaultHasher::new();
    for row in &rows {
        (&row.subject, row.version.0, row.schema_id.0, row.deleted).hash(&mut hasher);
    }
    global
        .map(|g| Value::Object(g).to_string())
        .hash(&mut hasher);
    let key = hasher.finish();
    if let Ok(guard) = cache.built.lock()
        && let Some(built) = guard.as_ref()
        && built.key == key
        && built.at.elapsed() < MAX_AGE
    {
        return Ok(Arc::clone(&built.catalog));
    }
    let catalog = Arc::new(build(state, &rows).await?);
    if let Ok(mut guard) = cache.built.lock() {
        *guard = Some(Built {
            key,
            at: Instant::now(),
            catalog: Arc::clone(&catalog),
        });
    }
    Ok(catalog)
}

/// Builds the catalog of every live subject version.
async fn build(state: &AppState, rows: &[VersionRow]) -> Result<Catalog, ApiError> {
    let mut by_subject: BTreeMap<&str, Vec<&VersionRow>> = BTreeMap::new();
    for row in rows.iter().filter(|r| !r.deleted) {
        by_subject
            .entry(row.subject.as_str())
            .or_default()
            .push(row);
    }
    let mut events: Vec<Event> = Vec::with_capacity(by_subject.len());
    for (subject, mut live) in by_subject {
        live.sort_by_key(|r| r.version);
        if let Some(event) = event(state, subject, &live).await? {
            events.push(event);
        }
    }
    link_references(&mut events);
    Ok(Catalog {
        name: "Schema registry".to_string(),
        version: "1.0.0".to_string(),
        description: Some(
            "Every live subject in this schema registry, with its versions and how they changed."
                .to_string(),
        ),
        servers: Vec::new(),
        applications: Vec::new(),
        events,
        producers_known: false,
        source: "the schema registry (live)".to_string(),
    })
}

/// One subject's event, or `None` when a stored version no longer loads (logged).
async fn event(
    state: &AppState,
    subject: &str,
    rows: &[&VersionRow],
) -> Result<Option<Event>, ApiError> {
    let context = contexts::context_of(subject);
    let mut inputs = Vec::with_capacity(rows.len());
    let mut references = Vec::new();
    let mut metadata = None;
    for row in rows {
        let Some(stored) = version_schema(state, row).await? else {
            continue;
        };
        let schema = match parsed_schema(state, context, row.schema_id).await {
            Ok(schema) => schema,
            Err(error) => {
                tracing::warn!(subject, version = row.version.0, %error, "catalog: skipping a version that does not load");
                continue;
            }
        };
        references = stored
            .stored
            .references
            .iter()
            .map(|r| r.subject.clone())
            .collect();
        metadata = stored.stored.metadata.clone();
        inputs.push((
            row.version.0,
            Some(i64::from(row.schema_id.0)),
            stored.stored.schema.clone(),
            (*schema).clone(),
        ));
    }
    let Some(format) = inputs.last().map(|(_, _, _, schema)| schema.format()) else {
        return Ok(None);
    };
    let level = effective_level(state, subject).await?.level;
    let (_, bare) = contexts::split(subject);
    let (topic, key) = if let Some(topic) = bare.strip_suffix("-value") {
        (Some(topic.to_string()), false)
    } else if let Some(topic) = bare.strip_suffix("-key") {
        (Some(topic.to_string()), true)
    } else {
        (None, false)
    };
    let property = |name: &str| {
        metadata
            .as_ref()
            .and_then(|m| m.get("properties"))
            .and_then(|p| p.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let versions = Version::build(inputs);
    let record = versions
        .last()
        .map(|v| v.outline.name.clone())
        .unwrap_or_default();
    Ok(Some(Event {
        subject: subject.to_string(),
        record,
        topic,
        key,
        format,
        level,
        description: property("description"),
        owner: property("owner"),
        domain: property("domain"),
        producers: Vec::new(),
        consumers: Vec::new(),
        references,
        referenced_by: Vec::new(),
        versions,
    }))
}
