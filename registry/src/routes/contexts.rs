//! `/contexts`: the contexts that hold subjects, and deleting an empty one. Paths below
//! `/contexts/{ctx}/` never reach these handlers: `contexts::rewrite` turns them into
//! qualified-subject paths first.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::contexts::{self, DEFAULT_CONTEXT};
use crate::error::ApiError;
use crate::http::{ConfluentPath, Params, Reply};

/// `GET /contexts`: `.` first, then every context with a subject version (live or
/// soft-deleted), sorted; `contextPrefix`, `offset` and `limit` narrow the list.
pub async fn list(
    State(state): State<AppState>,
    params: Params,
) -> Result<Reply<Vec<String>>, ApiError> {
    let mut names = vec![DEFAULT_CONTEXT.to_string()];
    names.extend(
        state
            .store
            .contexts()
            .await?
            .into_iter()
            .filter(|c| c != DEFAULT_CONTEXT),
    );
    let prefix = params.get("contextPrefix").unwrap_or("");
    names.retain(|name| name.starts_with(prefix));
    Ok(Reply(params.paginate(names)))
}

/// `DELETE /contexts/{context}`: 204 when the context holds no subject version, 42211
/// otherwise. A context exists only through its subjects, so an empty one has nothing left
/// to remove but its context-level config and mode.
pub async fn remove(
    State(state): State<AppState>,
    ConfluentPath(context): ConfluentPath<String>,
) -> Result<Response, ApiError> {
    let name = contexts::context_name(&context);
    if state.store.contexts().await?.contains(&name) {
        return Err(ApiError::ContextNotEmpty(name));
    }
    if name != DEFAULT_CONTEXT {
        let scope = format!(":{name}:");
        state.store.delete_config(&scope).await?;
        state.store.delete_mode(&scope).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
