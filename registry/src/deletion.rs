//! Soft and permanent deletes of versions and subjects (reference §7.1): soft first, then
//! permanent; references from other schemas block both; read-only mode blocks both.
//!
//! Left out: associations (Confluent 8.x, 40904/40907).

use crate::AppState;
use crate::contexts;
use crate::error::ApiError;
use crate::http::VersionSpec;
use crate::scopes;
use crate::store::{Version, VersionRow};

/// Refuses when another schema references `row` (42206). Soft deletes only look at live
/// referrers; permanent deletes also at soft-deleted ones. Referrers from `same_subject_ok`
/// are ignored (a whole-subject delete takes them with it).
async fn ensure_unreferenced(
    state: &AppState,
    row: &VersionRow,
    permanent: bool,
    same_subject_ok: bool,
) -> Result<(), ApiError> {
    let referrers = state.store.referrers(&row.subject, row.version).await?;
    let blocking = referrers.iter().any(|referrer| {
        (permanent || !referrer.deleted) && !(same_subject_ok && referrer.subject == row.subject)
    });
    if blocking {
        return Err(ApiError::ReferenceExists(
            row.subject.clone(),
            row.version.0,
        ));
    }
    Ok(())
}

/// `DELETE /subjects/{subject}/versions/{version}`; returns the deleted version number.
pub async fn delete_version(
    state: &AppState,
    subject: &str,
    spec: VersionSpec,
    permanent: bool,
) -> Result<i32, ApiError> {
    scopes::ensure_writable(state, subject).await?;
    // Confluent resolves the version among soft-deleted ones too, so deleting `latest` when
    // the latest is already soft-deleted answers 40406 rather than reaching further back.
    let versions = state.store.versions(subject).await?;
    if versions.is_empty() {
        return Err(ApiError::SubjectNotFound(subject.to_string()));
    }
    let row = match spec {
        VersionSpec::Latest => versions.last(),
        VersionSpec::Number(n) => versions.iter().find(|v| v.version.0 == n),
    }
    .ok_or_else(|| match spec {
        VersionSpec::Latest => ApiError::VersionNotFound("latest".into()),
        VersionSpec::Number(n) => ApiError::VersionNotFound(n.to_string()),
    })?;
    match (permanent, row.deleted) {
        (false, true) => {
            return Err(ApiError::VersionSoftDeleted(
                subject.to_string(),
                row.version.0,
            ));
        }
        (true, false) => {
            return Err(ApiError::VersionNotSoftDeleted(
                subject.to_string(),
                row.version.0,
            ));
        }
        _ => {}
    }
    ensure_unreferenced(state, row, permanent, false).await?;
    if permanent {
        state.store.erase(subject, &[row.version]).await?;
        state
            .cache
            .invalidate(contexts::context_of(subject), row.schema_id);
    } else {
        state.store.mark_deleted(subject, &[row.version]).await?;
    }
    Ok(row.version.0)
}

/// `DELETE /subjects/{subject}`; returns the deleted version numbers.
pub async fn delete_subject(
    state: &AppState,
    subject: &str,
    permanent: bool,
) -> Result<Vec<i32>, ApiError> {
    scopes::ensure_writable(state, subject).await?;
    let versions = state.store.versions(subject).await?;
    if versions.is_empty() {
        return Err(ApiError::SubjectNotFound(subject.to_string()));
    }
    let any_live = versions.iter().any(|v| !v.deleted);
    if !permanent && !any_live {
        return Err(ApiError::SubjectSoftDeleted(subject.to_string()));
    }
    if permanent && any_live {
        return Err(ApiError::SubjectNotSoftDeleted(subject.to_string()));
    }
    let targets: Vec<&VersionRow> = versions
        .iter()
        .filter(|v| permanent || !v.deleted)
        .collect();
    for row in &targets {
        ensure_unreferenced(state, row, permanent, true).await?;
    }
    // Newest first, so references inside the subject always point at rows still present.
    let numbers: Vec<Version> = targets.iter().rev().map(|v| v.version).collect();
    if permanent {
        state.store.erase(subject, &numbers).await?;
        for row in &targets {
            state
                .cache
                .invalidate(contexts::context_of(subject), row.schema_id);
        }
    } else {
        state.store.mark_deleted(subject, &numbers).await?;
    }
    Ok(targets.iter().map(|v| v.version.0).collect())
}

/// Permanently removes every soft-deleted version in scope (one subject, or all when
/// `subject` is `None`), as Confluent does before a scope enters IMPORT mode so that imported
/// ids and versions cannot collide with leftovers. Referenced leftovers refuse it (42206).
pub async fn purge_soft_deleted(state: &AppState, subject: Option<&str>) -> Result<(), ApiError> {
    let leftovers: Vec<VersionRow> = state
        .store
        .all_versions()
        .await?
        .into_iter()
        .filter(|v| v.deleted && subject.is_none_or(|s| contexts::covers(s, &v.subject)))
        .collect();
    for row in &leftovers {
        ensure_unreferenced(state, row, true, false).await?;
    }
    for row in leftovers.iter().rev() {
        state.store.erase(&row.subject, &[row.version]).await?;
        state
            .cache
            .invalidate(contexts::context_of(&row.subject), row.schema_id);
    }
    Ok(())
}
