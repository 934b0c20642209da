//! `/mode`: READWRITE, READONLY, READONLY_OVERRIDE, IMPORT (and FORWARD, global only).
//! Left out: `recursive` deletes and the `mode.mutability` switch.

use axum::extract::State;

use crate::AppState;
use crate::contexts;
use crate::deletion;
use crate::entities::ModeEntity;
use crate::error::ApiError;
use crate::http::{ConfluentJson, ConfluentPath, Params, Reply, check_subject};
use crate::scopes::{self, Mode};
use crate::store::GLOBAL_SCOPE;

fn reply(mode: Mode) -> Reply<ModeEntity> {
    Reply(ModeEntity {
        mode: Some(mode.as_str().to_string()),
    })
}

/// Validates a requested mode; switching to IMPORT needs no live subjects in scope unless
/// `force=true` (Confluent: "Cannot import since found existing subjects"), and clears the
/// scope's soft-deleted leftovers.
async fn requested(
    state: &AppState,
    body: ModeEntity,
    subject: Option<&str>,
    force: bool,
) -> Result<Mode, ApiError> {
    let mode: Mode = body.mode.as_deref().unwrap_or_default().parse()?;
    if mode == Mode::Forward && subject.is_some() {
        return Err(ApiError::InvalidMode(
            "Forward mode only supported on global level".into(),
        ));
    }
    if mode == Mode::Import && !force {
        let subjects = state.store.subjects().await?;
        let busy = subjects
            .iter()
            .any(|(name, live)| *live && subject.is_none_or(|s| contexts::covers(s, name)));
        if busy {
            return Err(ApiError::OperationNotPermitted(
                "Cannot import since found existing subjects".into(),
            ));
        }
    }
    if mode == Mode::Import {
        deletion::purge_soft_deleted(state, subject).await?;
    }
    Ok(mode)
}

/// `GET /mode`.
pub async fn get_global(State(state): State<AppState>) -> Result<Reply<ModeEntity>, ApiError> {
    Ok(reply(scopes::effective_mode(&state, None).await?))
}

/// `PUT /mode`: answers the mode set.
pub async fn put_global(
    State(state): State<AppState>,
    params: Params,
    ConfluentJson(body): ConfluentJson<ModeEntity>,
) -> Result<Reply<ModeEntity>, ApiError> {
    let mode = requested(&state, body, None, params.flag("force")).await?;
    state.store.set_mode(GLOBAL_SCOPE, mode.as_str()).await?;
    Ok(reply(mode))
}

/// `DELETE /mode`: back to READWRITE; answers the mode before.
pub async fn delete_global(State(state): State<AppState>) -> Result<Reply<ModeEntity>, ApiError> {
    let before = scopes::effective_mode(&state, None).await?;
    state.store.delete_mode(GLOBAL_SCOPE).await?;
    Ok(reply(before))
}

/// `GET /mode/{subject}`: 40409 without a subject-level mode unless `defaultToGlobal`.
pub async fn get_subject(
    State(state): State<AppState>,
    ConfluentPath(subject): ConfluentPath<String>,
    params: Params,
) -> Result<Reply<ModeEntity>, ApiError> {
    let subject = scopes::scope_of(&subject);
    if subject == GLOBAL_SCOPE {
        return get_global(State(state)).await;
    }
    match state.store.mode(&subject).await? {
        Some(own) => Ok(reply(own.parse()?)),
        None if params.flag("defaultToGlobal") => {
            Ok(reply(scopes::effective_mode(&state, Some(&subject)).await?))
        }
        None => Err(ApiError::SubjectModeNotFound(subject)),
    }
}

/// `PUT /mode/{subject}`.
pub async fn put_subject(
    State(state): State<AppState>,
    ConfluentPath(subject): ConfluentPath<String>,
    params: Params,
    ConfluentJson(body): ConfluentJson<ModeEntity>,
) -> Result<Reply<ModeEntity>, ApiError> {
    let subject = scopes::scope_of(&subject);
    if subject == GLOBAL_SCOPE {
        return put_global(State(state), params, ConfluentJson(body)).await;
    }
    check_subject(&subject)?;
    let mode = requested(&state, body, Some(&subject), params.flag("force")).await?;
    state.store.set_mode(&subject, mode.as_str()).await?;
    Ok(reply(mode))
}

/// `DELETE /mode/{subject}`: answers the deleted mode (40401 when there was none).
pub async fn delete_subject(
    State(state): State<AppState>,
    ConfluentPath(subject): ConfluentPath<String>,
) -> Result<Reply<ModeEntity>, ApiError> {
    let subject = scopes::scope_of(&subject);
    if subject == GLOBAL_SCOPE {
        return delete_global(State(state)).await;
    }
    let deleted = state
        .store
        .delete_mode(&subject)
        .await?
        .ok_or(ApiError::SubjectNotFound(subject))?;
    Ok(reply(deleted.parse()?))
}
