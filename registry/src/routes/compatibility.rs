//! `/compatibility`: would this schema be accepted? The engine's findings become the
//! `messages` list with `verbose=true`.

use axum::extract::State;

use crate::AppState;
use crate::contexts;
use crate::entities::{CompatibilityAnswer, RegisterRequest};
use crate::error::ApiError;
use crate::http::{ConfluentJson, ConfluentPath, Params, Reply, VersionSpec};
use crate::registration;

/// `POST /compatibility/subjects/{subject}/versions/{version}`: against exactly that version.
pub async fn against_version(
    State(state): State<AppState>,
    ConfluentPath((subject, version)): ConfluentPath<(String, String)>,
    params: Params,
    ConfluentJson(request): ConfluentJson<RegisterRequest>,
) -> Result<Reply<CompatibilityAnswer>, ApiError> {
    let subject = contexts::normalize_subject(&subject);
    let spec = VersionSpec::parse(&version)?;
    let answer = registration::check_compatibility(
        &state,
        &subject,
        Some(spec),
        &request,
        params.flag("normalize"),
        params.flag("verbose"),
    )
    .await?;
    Ok(Reply(answer))
}

/// `POST /compatibility/subjects/{subject}/versions`: the check registration would make.
pub async fn against_all(
    State(state): State<AppState>,
    ConfluentPath(subject): ConfluentPath<String>,
    params: Params,
    ConfluentJson(request): ConfluentJson<RegisterRequest>,
) -> Result<Reply<CompatibilityAnswer>, ApiError> {
    let subject = contexts::normalize_subject(&subject);
    let answer = registration::check_compatibility(
        &state,
        &subject,
        None,
        &request,
        params.flag("normalize"),
        params.flag("verbose"),
    )
    .await?;
    Ok(Reply(answer))
}
