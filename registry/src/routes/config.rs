//! `/config`: compatibility configuration, global, per context (`/config/:.ctx:`) and per
//! subject. `GET` spells the level
//! `compatibilityLevel`, `PUT` (request and response) spells it `compatibility`; clients
//! depend on the asymmetry.

use axum::extract::State;
use serde_json::Value;

use crate::AppState;
use crate::error::ApiError;
use crate::http::{ConfluentJson, ConfluentPath, Params, Reply, check_subject};
use crate::scopes::{self, config_for_get, validate_config_update};
use crate::store::{ConfigBody, GLOBAL_SCOPE};

/// `GET /config`: always answers, with the server default when nothing was set.
pub async fn get_global(State(state): State<AppState>) -> Result<Reply<Value>, ApiError> {
    let config = scopes::effective_config(&state, None).await?;
    Ok(Reply(config_for_get(&config)))
}

/// Merges the sent fields over what `scope` had and stores the result; answers the request.
async fn update(state: &AppState, scope: &str, body: ConfigBody) -> Result<Value, ApiError> {
    let sent = validate_config_update(body)?;
    let mut stored = state.store.config(scope).await?.unwrap_or_default();
    stored.extend(sent.clone());
    state.store.set_config(scope, &stored).await?;
    Ok(Value::Object(sent))
}

/// `PUT /config`.
pub async fn put_global(
    State(state): State<AppState>,
    ConfluentJson(body): ConfluentJson<ConfigBody>,
) -> Result<Reply<Value>, ApiError> {
    ensure_global_writable(&state).await?;
    Ok(Reply(update(&state, GLOBAL_SCOPE, body).await?))
}

/// Refuses global config changes while the registry as a whole is read-only (42205).
async fn ensure_global_writable(state: &AppState) -> Result<(), ApiError> {
    if scopes::effective_mode(state, None).await?.is_read_only() {
        return Err(ApiError::OperationNotPermitted(
            "The registry is in read-only mode".into(),
        ));
    }
    Ok(())
}

/// `DELETE /config`: resets the global config; answers the one in force before.
pub async fn delete_global(State(state): State<AppState>) -> Result<Reply<Value>, ApiError> {
    ensure_global_writable(&state).await?;
    let before = scopes::effective_config(&state, None).await?;
    state.store.delete_config(GLOBAL_SCOPE).await?;
    Ok(Reply(config_for_get(&before)))
}

/// `GET /config/{subject}`: 40408 without a subject-level config unless `defaultToGlobal`.
pub async fn get_subject(
    State(state): State<AppState>,
    ConfluentPath(subject): ConfluentPath<String>,
    params: Params,
) -> Result<Reply<Value>, ApiError> {
    let subject = scopes::scope_of(&subject);
    if subject == GLOBAL_SCOPE {
        return get_global(State(state)).await;
    }
    if params.flag("defaultToGlobal") {
        let config = scopes::effective_config(&state, Some(&subject)).await?;
        return Ok(Reply(config_for_get(&config)));
    }
    let own = state
        .store
        .config(&subject)
        .await?
        .ok_or(ApiError::SubjectConfigNotFound(subject))?;
    Ok(Reply(config_for_get(&own)))
}

/// `PUT /config/{subject}`: the subject need not exist yet.
pub async fn put_subject(
    State(state): State<AppState>,
    ConfluentPath(subject): ConfluentPath<String>,
    ConfluentJson(body): ConfluentJson<ConfigBody>,
) -> Result<Reply<Value>, ApiError> {
    let subject = scopes::scope_of(&subject);
    if subject == GLOBAL_SCOPE {
        return put_global(State(state), ConfluentJson(body)).await;
    }
    check_subject(&subject)?;
    scopes::ensure_writable(&state, &subject).await?;
    Ok(Reply(update(&state, &subject, body).await?))
}

/// `DELETE /config/{subject}`: answers the deleted config (40401 when there was none).
pub async fn delete_subject(
    State(state): State<AppState>,
    ConfluentPath(subject): ConfluentPath<String>,
) -> Result<Reply<Value>, ApiError> {
    let subject = scopes::scope_of(&subject);
    if subject == GLOBAL_SCOPE {
        return delete_global(State(state)).await;
    }
    scopes::ensure_writable(&state, &subject).await?;
    let deleted = state
        .store
        .delete_config(&subject)
        .await?
        .ok_or(ApiError::SubjectNotFound(subject))?;
    Ok(Reply(config_for_get(&deleted)))
}
