//! `/subjects`: list, lookup, register, read and delete versions. Version reads take
//! `format=serialized` (see `format.rs`). Left out: tags, `deletedAsNegative`, `format=` on
//! lookups.

use axum::extract::State;
use axum::response::Response;

use crate::AppState;
use crate::contexts;
use crate::deletion;
use crate::entities::{RegisterRequest, Registered, SubjectSchema};
use crate::error::ApiError;
use crate::http::{
    ConfluentJson, ConfluentPath, Params, Reply, VersionSpec, check_subject, raw_text,
};
use crate::registration::{self, version_schema};
use crate::routes::format::formatted;
use crate::store::VersionRow;

/// `GET /subjects`; Python's `subject` and `deleted_only` spellings are accepted too.
pub async fn list(
    State(state): State<AppState>,
    params: Params,
) -> Result<Reply<Vec<String>>, ApiError> {
    let prefix = params
        .get_any(&["subjectPrefix", "subject"])
        .unwrap_or(contexts::WILDCARD);
    let deleted_only = params.flag_any(&["deletedOnly", "deleted_only"]);
    let deleted = params.flag("deleted");
    let subjects = state.store.subjects().await?;
    let names = subjects
        .into_iter()
        .filter(|(name, live)| {
            contexts::matches_prefix(prefix, name)
                && if deleted_only {
                    !live
                } else {
                    deleted || *live
                }
        })
        .map(|(name, _)| name)
        .collect();
    Ok(Reply(params.paginate(names)))
}

/// `POST /subjects/{subject}`: which version of the subject is this schema?
pub async fn lookup(
    State(state): State<AppState>,
    ConfluentPath(subject): ConfluentPath<String>,
    params: Params,
    ConfluentJson(request): ConfluentJson<RegisterRequest>,
) -> Result<Reply<SubjectSchema>, ApiError> {
    let subject = contexts::normalize_subject(&subject);
    check_subject(&subject)?;
    let found = registration::lookup(
        &state,
        &subject,
        &request,
        params.flag("normalize"),
        params.flag("deleted"),
    )
    .await?;
    Ok(Reply(found))
}

/// `POST /subjects/{subject}/versions`: register (idempotent).
pub async fn register(
    State(state): State<AppState>,
    ConfluentPath(subject): ConfluentPath<String>,
    params: Params,
    ConfluentJson(request): ConfluentJson<RegisterRequest>,
) -> Result<Reply<Registered>, ApiError> {
    let subject = contexts::normalize_subject(&subject);
    check_subject(&subject)?;
    let registered =
        registration::register(&state, &subject, &request, params.flag("normalize")).await;
    if let Err(ApiError::Incompatible { .. }) = &registered {
        state.metrics.compatibility_rejected();
    }
    let row = registered?;
    Ok(Reply(Registered {
        id: row.schema_id.0,
    }))
}

/// The versions of `subject` a read may see: live ones, plus soft-deleted with `deleted`,
/// or only soft-deleted with `deletedOnly`. 40401 when the subject has no version at all in
/// that view (a `deletedOnly` view of a live subject is just empty).
async fn visible(
    state: &AppState,
    subject: &str,
    params: &Params,
) -> Result<Vec<VersionRow>, ApiError> {
    let deleted = params.flag("deleted");
    let deleted_only = params.flag_any(&["deletedOnly", "deleted_only"]);
    let all = state.store.versions(subject).await?;
    if !all.iter().any(|v| deleted || deleted_only || !v.deleted) {
        return Err(ApiError::SubjectNotFound(subject.to_string()));
    }
    Ok(all
        .into_iter()
        .filter(|v| {
            if deleted_only {
                v.deleted
            } else {
                deleted || !v.deleted
            }
        })
        .collect())
}

/// `GET /subjects/{subject}/versions`.
pub async fn versions(
    State(state): State<AppState>,
    ConfluentPath(subject): ConfluentPath<String>,
    params: Params,
) -> Result<Reply<Vec<i32>>, ApiError> {
    let subject = contexts::normalize_subject(&subject);
    let versions = visible(&state, &subject, &params).await?;
    let numbers = versions.iter().map(|v| v.version.0).collect();
    Ok(Reply(params.paginate(numbers)))
}

/// Resolves `{version}` among the visible versions (40401, 40402, 42202).
async fn resolve(
    state: &AppState,
    subject: &str,
    version: &str,
    params: &Params,
) -> Result<(VersionRow, SubjectSchema), ApiError> {
    let spec = VersionSpec::parse(version)?;
    let versions = visible(state, subject, params).await?;
    let row = match spec {
        VersionSpec::Latest => versions.last(),
        VersionSpec::Number(n) => versions.iter().find(|v| v.version.0 == n),
    }
    .ok_or_else(|| ApiError::VersionNotFound(version.trim().to_string()))?
    .clone();
    let cached = version_schema(state, &row)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("schema {} is missing", row.schema_id)))?;
    let mut entity = SubjectSchema::new(
        subject,
        row.version.0,
        &cached.stored,
        state.config.schema_type_field,
    );
    if let Some(text) = formatted(state, &cached, params).await? {
        entity.schema = text;
    }
    Ok((row, entity))
}

/// `GET /subjects/{subject}/versions/{version}`.
pub async fn version(
    State(state): State<AppState>,
    ConfluentPath((subject, version)): ConfluentPath<(String, String)>,
    params: Params,
) -> Result<Reply<SubjectSchema>, ApiError> {
    let subject = contexts::normalize_subject(&subject);
    let (_, entity) = resolve(&state, &subject, &version, &params).await?;
    Ok(Reply(entity))
}

/// `GET /subjects/{subject}/versions/{version}/schema`: the raw text.
pub async fn raw_version(
    State(state): State<AppState>,
    ConfluentPath((subject, version)): ConfluentPath<(String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    let subject = contexts::normalize_subject(&subject);
    let (_, entity) = resolve(&state, &subject, &version, &params).await?;
    Ok(raw_text(entity.schema))
}

/// `GET /subjects/{subject}/versions/{version}/referencedby`: ids of referencing schemas.
pub async fn referenced_by(
    State(state): State<AppState>,
    ConfluentPath((subject, version)): ConfluentPath<(String, String)>,
    params: Params,
) -> Result<Reply<Vec<i32>>, ApiError> {
    let subject = contexts::normalize_subject(&subject);
    // Confluent resolves the referenced version including soft-deleted ones.
    let (row, _) = resolve(&state, &subject, &version, &Params::with_flag("deleted")).await?;
    let deleted = params.flag("deleted");
    let mut ids: Vec<i32> = state
        .store
        .referrers(&subject, row.version)
        .await?
        .into_iter()
        .filter(|r| deleted || !r.deleted)
        .map(|r| r.schema_id.0)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(Reply(params.paginate(ids)))
}

/// `GET /subjects/{subject}/metadata`: the latest version whose `metadata.properties` hold
/// every `key`/`value` pair given (paired by position).
pub async fn by_metadata(
    State(state): State<AppState>,
    ConfluentPath(subject): ConfluentPath<String>,
    params: Params,
) -> Result<Reply<SubjectSchema>, ApiError> {
    let subject = contexts::normalize_subject(&subject);
    let wanted: Vec<(&str, &str)> = params.all("key").zip(params.all("value")).collect();
    let versions = visible(&state, &subject, &params).await?;
    for row in versions.iter().rev() {
        let Some(cached) = version_schema(&state, row).await? else {
            continue;
        };
        let properties = cached
            .stored
            .metadata
            .as_ref()
            .and_then(|m| m.get("properties"));
        let matches = wanted.iter().all(|(key, value)| {
            properties
                .and_then(|p| p.get(*key))
                .and_then(|v| v.as_str())
                .is_some_and(|v| v == *value)
        });
        if matches {
            return Ok(Reply(SubjectSchema::new(
                &subject,
                row.version.0,
                &cached.stored,
                state.config.schema_type_field,
            )));
        }
    }
    Err(ApiError::SchemaNotFound("Schema not found".into()))
}

/// `DELETE /subjects/{subject}`: soft, or with `permanent=true` for good.
pub async fn delete_subject(
    State(state): State<AppState>,
    ConfluentPath(subject): ConfluentPath<String>,
    params: Params,
) -> Result<Reply<Vec<i32>>, ApiError> {
    let subject = contexts::normalize_subject(&subject);
    let deleted = deletion::delete_subject(&state, &subject, params.flag("permanent")).await?;
    Ok(Reply(deleted))
}

/// `DELETE /subjects/{subject}/versions/{version}`.
pub async fn delete_version(
    State(state): State<AppState>,
    ConfluentPath((subject, version)): ConfluentPath<(String, String)>,
    params: Params,
) -> Result<Reply<i32>, ApiError> {
    let subject = contexts::normalize_subject(&subject);
    let spec = VersionSpec::parse(&version)?;
    let deleted =
        deletion::delete_version(&state, &subject, spec, params.flag("permanent")).await?;
    Ok(Reply(deleted))
}
