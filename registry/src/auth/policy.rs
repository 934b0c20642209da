//! Which permission each route needs, on which subject, and the [`authorize`] middleware that
//! checks it after routing (it reads the matched route template and the `{subject}` path
//! parameter, after `/contexts/{ctx}/...` paths have been rewritten to qualified subjects).
//!
//! | route | needs |
//! |---|---|
//! | `GET /`, `POST /`, `/v1/metadata/*`, `/schemas/types`, `GET /contexts`, `GET /config`, `GET /mode` | any principal |
//! | `GET /subjects`, `GET /schemas` | any principal; the answer lists only readable subjects |
//! | `GET /schemas/ids/{id}` (and `/schema`) | read on a subject holding the id, else 404 40403 |
//! | `GET /schemas/ids/{id}/subjects`, `/versions` | as above; the answer lists only readable subjects |
//! | `GET /subjects/{s}/...`, `POST /subjects/{s}` (lookup), `POST /compatibility/subjects/{s}/...`, `GET /config/{s}`, `GET /mode/{s}` | read on `s` |
//! | `POST /subjects/{s}/versions`, `DELETE /subjects/{s}[/versions/{v}]` | write on `s` |
//! | the same deletes with `permanent=true` | admin on `s` |
//! | `PUT`/`DELETE /config/{s}`, `/mode/{s}` | admin on `s` (on `*` for the global `:.:`) |
//! | `PUT`/`DELETE /config`, `/mode`, `DELETE /contexts/{ctx}` | admin on `*` |
//! | any other route | read on `*` (`GET`), admin on `*` (other methods) |
//!
//! Like Karapace, a schema id the principal may not read answers 404 rather than 403, so ids
//! do not reveal which subjects exist; lists are filtered the same way. Filtering happens
//! after `offset`/`limit` were applied, so a page may come back shorter than `limit`.
//!
//! The subjects holding an id are kept in the schema cache once read (`may_read_id`), so the
//! check of a by-id read usually needs no query, and the shortcut of `service.rs` can make it
//! too ([`may_read_id_cached`]).
//!
//! Left out: per-context grants other than through patterns (`:.ctx:*`), audit logs of allowed
//! requests.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::AppState;
use crate::auth::{Permission, Principal};
use crate::contexts;
use crate::error::ApiError;
use crate::http::Params;
use crate::store::SchemaId;

/// What a route needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Need {
    /// Any authenticated principal.
    Anyone,
    /// A permission on one subject.
    Subject(Permission, String),
    /// A permission on `*`.
    Global(Permission),
    /// Read on a subject holding the schema id of the path; `filter` also filters the list
    /// answered.
    SchemaId { filter: bool },
    /// Any principal; the answer is filtered to readable subjects.
    Filtered,
}

/// The need of `method` on the route `template`, with the path's `subject` (percent-decoded)
/// and the query.
fn need(method: &Method, template: &str, subject: Option<&str>, params: &Params) -> Need {
    let permanent = params.flag("permanent");
    let on = |permission: Permission| match subject {
        Some(subject) => Need::Subject(permission, contexts::normalize_subject(subject)),
        None => Need::Global(permission),
    };
    let settings = |permission: Permission| match subject {
        // `:.:` and `:.__GLOBAL:` are other names of the global setting.
        Some(s)
            if contexts::is_context_name(s)
                && [contexts::DEFAULT_CONTEXT, contexts::GLOBAL_CONTEXT]
                    .contains(&contexts::context_of(s)) =>
        {
            Need::Global(permission)
        }
        _ => on(permission),
    };
    match (method.as_str(), template) {
        (
            "GET",
            "/"
            | "/v1/metadata/id"
            | "/v1/metadata/version"
            | "/schemas/types"
            | "/contexts"
            | "/config"
            | "/mode",
        )
        | ("POST", "/") => Need::Anyone,
        ("GET", "/subjects" | "/schemas") => Need::Filtered,
        ("GET", "/schemas/ids/{id}" | "/schemas/ids/{id}/schema") => {
            Need::SchemaId { filter: false }
        }
        ("GET", "/schemas/ids/{id}/subjects" | "/schemas/ids/{id}/versions") => {
            Need::SchemaId { filter: true }
        }
        (
            "GET",
            "/subjects/{subject}/versions"
            | "/subjects/{subject}/metadata"
            | "/subjects/{subject}/versions/{version}"
            | "/subjects/{subject}/versions/{version}/schema"
            | "/subjects/{subject}/versions/{version}/referencedby",
        )
        | (
            "POST",
            "/subjects/{subject}"
            | "/compatibility/subjects/{subject}/versions"
            | "/compatibility/subjects/{subject}/versions/{version}",
        ) => on(Permission::Read),
        ("GET", "/config/{subject}" | "/mode/{subject}") => settings(Permission::Read),
        ("POST", "/subjects/{subject}/versions") => on(Permission::Write),
        ("DELETE", "/subjects/{subject}" | "/subjects/{subject}/versions/{version}") => {
            on(if permanent {
                Permission::Admin
            } else {
                Permission::Write
            })
        }
        ("PUT" | "DELETE", "/config/{subject}" | "/mode/{subject}") => settings(Permission::Admin),
        ("PUT" | "DELETE", "/config" | "/mode") | ("DELETE", "/contexts/{context}") => {
            Need::Global(Permission::Admin)
        }
        ("GET", _) => Need::Global(Permission::Read),
        _ => Need::Global(Permission::Admin),
    }
}

/// Route middleware (installed only when auth is on): refuses with 403 (40301) what the
/// principal may not do, answers 404 for schema ids it may not see, and filters lists.
pub async fn authorize(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match check(&state, request, next).await {
        Ok(response) | Err(response) => response,
    }
}

async fn check(state: &AppState, request: Request, next: Next) -> Result<Response, Response> {
    let Some(principal) = request.extensions().get::<Arc<Principal>>().cloned() else {
        // `authenticate` runs first whenever this layer is installed; be safe anyway.
        return Err(ApiError::Unauthorized.into_response());
    };
    let (mut parts, body) = request.into_parts();
    let template = parts
        .extensions
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let path_params = RawPathParams::from_request_parts(&mut parts, state)
        .await
        .map_err(|rejection| ApiError::BadRequest(rejection.body_text()).into_response())?;
    let mut subject = None;
    let mut id = None;
    for (name, value) in &path_params {
        match name {
            "subject" => subject = Some(value.to_string()),
            "id" => id = Some(value.to_string()),
            _ => {}
        }
    }
    let params = Params::from_request_parts(&mut parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let request = Request::from_parts(parts, body);
    match need(request.method(), &template, subject.as_deref(), &params) {
        Need::Anyone => Ok(next.run(request).await),
        Need::Subject(permission, subject) => {
            if principal.may(permission, &subject) {
                Ok(next.run(request).await)
            } else {
                Err(denied(
                    &principal,
                    permission,
                    &format!("Subject: {subject}"),
                ))
            }
        }
        Need::Global(permission) => {
            if principal.may_globally(permission) {
                Ok(next.run(request).await)
            } else {
                Err(denied(&principal, permission, "the whole registry"))
            }
        }
        Need::Filtered => filtered(&principal, next.run(request).await).await,
        Need::SchemaId { filter } => {
            if let Some(id) = id.as_deref() {
                may_read_id(state, &principal, id, &params).await?;
            }
            let response = next.run(request).await;
            if filter {
                filtered(&principal, response).await
            } else {
                Ok(response)
            }
        }
    }
}

fn denied(principal: &Principal, permission: Permission, resource: &str) -> Response {
    let operation = permission.operation();
    tracing::info!(user = %principal.name, operation, resource, "request denied");
    ApiError::Forbidden(format!(
        "User is denied operation {operation} on {resource}"
    ))
    .into_response()
}

/// Whether `principal` may read schema `id` of `context` by what is known without asking the
/// database: a read grant on every subject, or on one of the id's cached holders. `false`
/// means "not known", not "refused": `may_read_id` then asks the database.
pub fn may_read_id_cached(
    state: &AppState,
    principal: &Principal,
    context: &str,
    id: SchemaId,
) -> bool {
    principal.may_globally(Permission::Read)
        || state
            .cache
            .holders(context, id)
            .is_some_and(|holders| holders.iter().any(|s| principal.may(Permission::Read, s)))
}

/// Passes when the principal may read every subject, or one that holds schema `id` in the
/// context the request addresses; else the handler's own 404 for an unknown id. The holders
/// come from the cache when they allow the read, else from the database (and are cached).
async fn may_read_id(
    state: &AppState,
    principal: &Principal,
    id: &str,
    params: &Params,
) -> Result<(), Response> {
    if principal.may_globally(Permission::Read) {
        return Ok(());
    }
    // A non-integer id is the handler's generic 404; nothing to protect.
    let Ok(number) = id.trim().parse::<i32>() else {
        return Ok(());
    };
    let id = SchemaId(number);
    let subject = params.get("subject").map(contexts::normalize_subject);
    let context = subject
        .as_deref()
        .map_or(contexts::DEFAULT_CONTEXT, contexts::context_of);
    if may_read_id_cached(state, principal, context, id) {
        return Ok(());
    }
    let generation = state.cache.generation();
    let usages = state
        .store
        .usages(context, id)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    let mut holders: Vec<String> = usages.into_iter().map(|usage| usage.subject).collect();
    holders.dedup();
    let allowed = holders
        .iter()
        .any(|subject| principal.may(Permission::Read, subject));
    if !holders.is_empty() {
        state
            .cache
            .put_holders(context, id, holders.into(), generation);
    }
    if allowed {
        Ok(())
    } else {
        tracing::info!(user = %principal.name, id = number, "schema id hidden from principal");
        Err(ApiError::SchemaNotFound(format!("Schema {number} not found")).into_response())
    }
}

/// Keeps only the entries of a JSON list answer that name a subject the principal may read:
/// strings (subject names) and objects with a `subject` field. Other answers pass unchanged.
async fn filtered(principal: &Principal, response: Response) -> Result<Response, Response> {
    if principal.may_globally(Permission::Read) || response.status() != StatusCode::OK {
        return Ok(response);
    }
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX)
        .await
        .map_err(|e| ApiError::Internal(format!("reading a list answer: {e}")).into_response())?;
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    };
    let kept: Vec<Value> = items
        .into_iter()
        .filter(|item| {
            let subject = match item {
                Value::String(subject) => Some(subject.as_str()),
                Value::Object(fields) => fields.get("subject").and_then(Value::as_str),
                _ => None,
            };
            subject.is_some_and(|s| principal.may(Permission::Read, s))
        })
        .collect();
    let body = serde_json::to_vec(&kept)
        .map_err(|e| ApiError::Internal(format!("writing a list answer: {e}")).into_response())?;
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Response::from_parts(parts, Body::from(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_map_to_their_needs() {
        let none = Params::default();
        let permanent = Params::with_flag("permanent");
        let read = |s: &str| Need::Subject(Permission::Read, s.to_string());
        let cases = [
            (Method::GET, "/", None, &none, Need::Anyone),
            (Method::GET, "/subjects", None, &none, Need::Filtered),
            (
                Method::GET,
                "/schemas/ids/{id}",
                None,
                &none,
                Need::SchemaId { filter: false },
            ),
            (
                Method::GET,
                "/subjects/{subject}/versions",
                Some("orders"),
                &none,
                read("orders"),
            ),
            (
                Method::GET,
                "/subjects/{subject}/versions",
                Some(":.:orders"),
                &none,
                read("orders"),
            ),
            (
                Method::POST,
                "/compatibility/subjects/{subject}/versions",
                Some(":.team:x"),
                &none,
                read(":.team:x"),
            ),
            (
                Method::POST,
                "/subjects/{subject}/versions",
                Some("orders"),
                &none,
                Need::Subject(Permission::Write, "orders".into()),
            ),
            (
                Method::DELETE,
                "/subjects/{subject}",
                Some("orders"),
                &none,
                Need::Subject(Permission::Write, "orders".into()),
            ),
            (
                Method::DELETE,
                "/subjects/{subject}/versions/{version}",
                Some("orders"),
                &permanent,
                Need::Subject(Permission::Admin, "orders".into()),
            ),
            (
                Method::PUT,
                "/config/{subject}",
                Some("orders"),
                &none,
                Need::Subject(Permission::Admin, "orders".into()),
            ),
            (
                Method::PUT,
                "/mode/{subject}",
                Some(":.:"),
                &none,
                Need::Global(Permission::Admin),
            ),
            (
                Method::PUT,
                "/config/{subject}",
                Some(":.team:"),
                &none,
                Need::Subject(Permission::Admin, ":.team:".into()),
            ),
            (
                Method::PUT,
                "/config",
                None,
                &none,
                Need::Global(Permission::Admin),
            ),
            (
                Method::DELETE,
                "/contexts/{context}",
                None,
                &none,
                Need::Global(Permission::Admin),
            ),
            (
                Method::GET,
                "/catalog",
                None,
                &none,
                Need::Global(Permission::Read),
            ),
            (
                Method::POST,
                "/something/new",
                None,
                &none,
                Need::Global(Permission::Admin),
            ),
        ];
        for (method, template, subject, query, expected) in cases {
            assert_eq!(
                need(&method, template, subject, query),
                expected,
                "{method} {template} {subject:?}"
            );
        }
    }
}
