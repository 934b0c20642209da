//! `/schemas`: schema types, the schema list, and schemas by id (the serializers' hot path,
//! served from the cache). Ids are per context: the `subject` parameter picks the context.
//! `format=serialized` is handled in `format.rs`. Left out: guids,
//! `ruleType`, `aliases`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use stele_engine::Format;

use crate::AppState;
use crate::cache::CachedSchema;
use crate::contexts;
use crate::entities::{SchemaById, SubjectSchema, SubjectVersion};
use crate::error::ApiError;
use crate::http::{ConfluentPath, Params, Reply, json_bytes, parse_schema_id, raw_text};
use crate::registration::{stored_schema, version_schema};
use crate::routes::format::formatted;
use crate::store::{SchemaId, VersionRow};

/// `GET /schemas/types`.
pub async fn types() -> Reply<Vec<&'static str>> {
    Reply(Format::ALL.iter().map(|f| f.as_str()).collect())
}

/// The `subject` parameter, normalised; `None` when absent.
fn subject_param(params: &Params) -> Option<String> {
    params.get("subject").map(contexts::normalize_subject)
}

/// Schema `id` in the context the `subject` parameter selects: the default context without
/// one, else the subject's (or the named context's, `:.ctx:`). An unqualified subject whose
/// context does not have the id falls back to every other context, in order
/// (`getSchemaKeyUsingContexts`).
async fn find(state: &AppState, id: &str, params: &Params) -> Result<Arc<CachedSchema>, ApiError> {
    let id = SchemaId(parse_schema_id(id)?);
    let subject = subject_param(params);
    let context = subject
        .as_deref()
        .map_or(contexts::DEFAULT_CONTEXT, contexts::context_of);
    if let Some(found) = stored_schema(state, context, id).await? {
        return Ok(found);
    }
    let unqualified = subject.as_deref().is_some_and(|s| !s.starts_with(":."));
    if unqualified {
        for other in state.store.contexts().await? {
            if other != context
                && let Some(found) = stored_schema(state, &other, id).await?
            {
                return Ok(found);
            }
        }
    }
    Err(ApiError::SchemaNotFound(format!("Schema {id} not found")))
}

/// Whether a usage matches the `subject` parameter: any usage without one or when it names
/// a whole context, else that subject only.
fn selected(subject: Option<&str>, usage: &VersionRow) -> bool {
    subject.is_none_or(|s| contexts::is_context_name(s) || s == usage.subject)
}

/// The route template of [`by_id`] (also its metrics label).
pub const BY_ID: &str = "/schemas/ids/{id}";

/// Whether `GET /schemas/ids/{id}` should add the context's largest id (`maxId`).
fn fetch_max_id(params: &Params) -> bool {
    params.flag_any(&["fetchMaxId", "fetch_max_id"])
}

/// `GET /schemas/ids/{id}`: the schema, even when every version using it is soft-deleted.
pub async fn by_id(
    State(state): State<AppState>,
    ConfluentPath(id): ConfluentPath<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let cached = find(&state, &id, &params).await?;
    let subject = subject_param(&params).filter(|s| !contexts::is_context_name(s));
    let fetch_max_id = fetch_max_id(&params);
    let text = formatted(&state, &cached, &params).await?;
    if subject.is_none() && !fetch_max_id && text.is_none() {
        return Ok(json_bytes(cached.by_id_body.clone()));
    }
    let mut entity = SchemaById::new(&cached.stored, state.config.schema_type_field);
    if let Some(text) = text {
        entity.schema = text;
    }
    if let Some(subject) = subject {
        let usages = state
            .store
            .usages(&cached.stored.context, cached.stored.id)
            .await?;
        let usage = usages.iter().rev().find(|u| u.subject == subject);
        entity.subject = usage.map(|u| u.subject.clone());
        entity.version = usage.map(|u| u.version.0);
    }
    if fetch_max_id {
        entity.max_id = Some(state.store.max_schema_id(&cached.stored.context).await?.0);
    }
    Ok(Reply(entity).into_response())
}

/// The id of a by-id read whose answer needs nothing but the cache: the path is
/// `/schemas/ids/` and digits, and no parameter changes the answer (`subject` picks a
/// context, `fetchMaxId` and `format` add to it). `None` for any other request.
///
/// With [`cached_by_id`], this is the serializers' hot path as `crate::service` serves it,
/// before routing. A request either refuses goes through the router to [`by_id`], which gives
/// the same answer for the same request (`registry/tests/shortcut.rs` compares the two) and
/// fills the cache.
pub fn plain_by_id(path: &str, query: Option<&str>) -> Option<SchemaId> {
    let id = path.strip_prefix("/schemas/ids/")?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id = SchemaId(parse_schema_id(id).ok()?);
    if let Some(query) = query {
        let params = Params::from_query(query);
        if params.get("subject").is_some()
            || params.get("format").is_some()
            || fetch_max_id(&params)
        {
            return None;
        }
    }
    Some(id)
}

/// [`by_id`]'s answer for a [`plain_by_id`] request of the default context, if the id is
/// cached.
pub fn cached_by_id(state: &AppState, id: SchemaId) -> Option<Response> {
    let cached = state.cache.stored(contexts::DEFAULT_CONTEXT, id)?;
    Some(json_bytes(cached.by_id_body.clone()))
}

/// Default and largest page of `GET /schemas` (`schema.search.default.limit`).
const SEARCH_LIMIT: usize = 1000;

/// `GET /schemas`: subject versions with their schemas, by subject then version; the default
/// `subjectPrefix` (empty) lists the default context only, `:*:` every context.
pub async fn list(
    State(state): State<AppState>,
    params: Params,
) -> Result<Reply<Vec<SubjectSchema>>, ApiError> {
    let prefix = params.get("subjectPrefix").unwrap_or("");
    let deleted = params.flag("deleted");
    let latest_only = params.flag("latestOnly");
    let mut rows: Vec<VersionRow> = state
        .store
        .all_versions()
        .await?
        .into_iter()
        .filter(|v| contexts::matches_prefix(prefix, &v.subject) && (deleted || !v.deleted))
        .collect();
    if latest_only {
        // Rows are sorted by subject then version: keep the last of each subject.
        let mut latest: Vec<VersionRow> = Vec::new();
        for row in rows {
            match latest.last_mut() {
                Some(last) if last.subject == row.subject => *last = row,
                _ => latest.push(row),
            }
        }
        rows = latest;
    }
    let mut entities = Vec::new();
    for row in params.paginate_with_default(rows, SEARCH_LIMIT) {
        if let Some(cached) = version_schema(&state, &row).await? {
            entities.push(SubjectSchema::new(
                &row.subject,
                row.version.0,
                &cached.stored,
                state.config.schema_type_field,
            ));
        }
    }
    Ok(Reply(entities))
}

/// `GET /schemas/ids/{id}/schema`: the raw text.
pub async fn raw_by_id(
    State(state): State<AppState>,
    ConfluentPath(id): ConfluentPath<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let cached = find(&state, &id, &params).await?;
    let text = formatted(&state, &cached, &params).await?;
    Ok(raw_text(
        text.unwrap_or_else(|| cached.stored.schema.clone()),
    ))
}

async fn usages(state: &AppState, id: &str, params: &Params) -> Result<Vec<VersionRow>, ApiError> {
    let cached = find(state, id, params).await?;
    let include_deleted = params.flag("deleted");
    let subject = subject_param(params);
    let usages = state
        .store
        .usages(&cached.stored.context, cached.stored.id)
        .await?;
    Ok(usages
        .into_iter()
        .filter(|u| include_deleted || !u.deleted)
        .filter(|u| selected(subject.as_deref(), u))
        .collect())
}

/// `GET /schemas/ids/{id}/subjects`.
pub async fn subjects_of(
    State(state): State<AppState>,
    ConfluentPath(id): ConfluentPath<String>,
    params: Params,
) -> Result<Reply<Vec<String>>, ApiError> {
    let mut subjects: Vec<String> = usages(&state, &id, &params)
        .await?
        .into_iter()
        .map(|u| u.subject)
        .collect();
    subjects.dedup();
    Ok(Reply(params.paginate(subjects)))
}

/// `GET /schemas/ids/{id}/versions`.
pub async fn versions_of(
    State(state): State<AppState>,
    ConfluentPath(id): ConfluentPath<String>,
    params: Params,
) -> Result<Reply<Vec<SubjectVersion>>, ApiError> {
    let versions = usages(&state, &id, &params)
        .await?
        .into_iter()
        .map(|u| SubjectVersion {
            subject: u.subject,
            version: u.version.0,
        })
        .collect();
    Ok(Reply(params.paginate(versions)))
}
