//! [`ApiError`]: every error the API can answer, and the only place that knows HTTP statuses
//! and Confluent error codes.
//!
//! The body is exactly `{"error_code": <int>, "message": "<text>"}`: older Java clients fail
//! on any extra field. Messages copy Confluent's wording (typos included) because some tools
//! match on them. Internal errors are logged in full and answered with a generic message.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::http::MEDIA_TYPE_V1;
use crate::store::StoreError;

/// An error answer of the registry API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 40401: the subject has no (live) versions.
    #[error("Subject '{0}' not found.")]
    SubjectNotFound(String),
    /// 40402: the version does not exist.
    #[error("Version {0} not found.")]
    VersionNotFound(String),
    /// 40403: no schema with this id, or the schema is not under the subject.
    #[error("{0}")]
    SchemaNotFound(String),
    /// 40404: soft delete of a subject that is already soft-deleted.
    #[error("Subject '{0}' was soft deleted.Set permanent=true to delete permanently")]
    SubjectSoftDeleted(String),
    /// 40405: permanent delete of a subject that was not soft-deleted first.
    #[error("Subject '{0}' was not deleted first before being permanently deleted")]
    SubjectNotSoftDeleted(String),
    /// 40406: soft delete of a version that is already soft-deleted.
    #[error("Subject '{0}' Version {1} was soft deleted.Set permanent=true to delete permanently")]
    VersionSoftDeleted(String, i32),
    /// 40407: permanent delete of a version that was not soft-deleted first.
    #[error("Subject '{0}' Version {1} was not deleted first before being permanently deleted")]
    VersionNotSoftDeleted(String, i32),
    /// 40408: no subject-level compatibility config.
    #[error("Subject '{0}' does not have subject-level compatibility configured")]
    SubjectConfigNotFound(String),
    /// 40409: no subject-level mode.
    #[error("Subject '{0}' does not have subject-level mode configured")]
    SubjectModeNotFound(String),
    /// 40901: the schema breaks compatibility; carries the engine's finding messages.
    #[error(
        "Schema being registered is incompatible with an earlier schema for subject \"{subject}\", details: [{}]",
        .messages.join(", ")
    )]
    Incompatible {
        /// The subject.
        subject: String,
        /// One message per finding.
        messages: Vec<String>,
    },
    /// 42201: the schema text, type or an explicit version is invalid.
    #[error("{0}")]
    InvalidSchema(String),
    /// 42202: the version path parameter is not a version.
    #[error(
        "The specified version '{0}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\""
    )]
    InvalidVersion(String),
    /// 42203: unknown compatibility level.
    #[error(
        "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive"
    )]
    InvalidCompatibilityLevel,
    /// 42203 as well: unknown `compatibilityPolicy`.
    #[error("Invalid compatibility policy. Valid values are STRICT and LENIENT")]
    InvalidCompatibilityPolicy,
    /// 42204: unknown mode, or a mode not allowed on this scope.
    #[error("{0}")]
    InvalidMode(String),
    /// 42205: the operation is not permitted in the current mode.
    #[error("{0}")]
    OperationNotPermitted(String),
    /// 42206: another schema references the version being deleted.
    #[error(
        "One or more references exist to the schema {{magic=1,keytype=SCHEMA,subject={0},version={1}}}."
    )]
    ReferenceExists(String, i32),
    /// 42208: reserved or malformed subject name.
    #[error("The specified subject '{0}' is not a valid.")]
    InvalidSubject(String),
    /// 42209: the schema text is over the engine's size limit.
    #[error("Register operation failed because schema is too large")]
    SchemaTooLarge,
    /// 42210: `ruleSet` is not a rule set.
    #[error("{0}")]
    InvalidRuleSet(String),
    /// 42211: a context still holds subjects and cannot be deleted.
    #[error("Context {0} is not empty")]
    ContextNotEmpty(String),
    /// 400: the body is not JSON, or has wrong types for known fields.
    #[error("{0}")]
    BadRequest(String),
    /// 422 when a request needs a body and has none (Jersey's `@NotNull`).
    #[error("The request body may not be empty")]
    MissingBody,
    /// 404 for paths nobody routes (Jersey's generic answer).
    #[error("HTTP 404 Not Found")]
    UnknownPath,
    /// 405 for a known path with the wrong method.
    #[error("HTTP 405 Method Not Allowed")]
    MethodNotAllowed,
    /// 406 when no acceptable response media type can be produced.
    #[error("HTTP 406 Not Acceptable")]
    NotAcceptable,
    /// 413 when the body exceeds the configured limit (`--max-body-bytes`).
    #[error("Request body is larger than the configured limit")]
    PayloadTooLarge,
    /// 415 for a request body media type we do not read.
    #[error("HTTP 415 Unsupported Media Type")]
    UnsupportedMediaType,
    /// 401 with Confluent's body `{"error_code":401,"message":"Unauthorized"}`: auth is on and
    /// the request has no valid credentials. Answered with a `WWW-Authenticate` challenge.
    #[error("Unauthorized")]
    Unauthorized,
    /// 40301: the principal's ACL does not grant the operation (Confluent's RBAC wording).
    #[error("{0}")]
    Forbidden(String),
    /// 50002: the request took longer than `--request-timeout` (Confluent's operation timeout).
    #[error("Request timed out")]
    Timeout,
    /// 50001: the store failed; logged in full, answered generically.
    #[error("Error in the backend data store")]
    Store(#[source] StoreError),
    /// 50001 with 503: `GET /health` found the store not answering; logged, answered generically.
    #[error("The backend data store is not answering")]
    StoreUnavailable(#[source] StoreError),
    /// 500: any other internal failure; logged in full, answered generically.
    #[error("Internal Server Error")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status and Confluent error code.
    fn status_and_code(&self) -> (StatusCode, u32) {
        use ApiError as E;
        match self {
            E::SubjectNotFound(_) => (StatusCode::NOT_FOUND, 40401),
            E::VersionNotFound(_) => (StatusCode::NOT_FOUND, 40402),
            E::SchemaNotFound(_) => (StatusCode::NOT_FOUND, 40403),
            E::SubjectSoftDeleted(_) => (StatusCode::NOT_FOUND, 40404),
            E::SubjectNotSoftDeleted(_) => (StatusCode::NOT_FOUND, 40405),
            E::VersionSoftDeleted(..) => (StatusCode::NOT_FOUND, 40406),
            E::VersionNotSoftDeleted(..) => (StatusCode::NOT_FOUND, 40407),
            E::SubjectConfigNotFound(_) => (StatusCode::NOT_FOUND, 40408),
            E::SubjectModeNotFound(_) => (StatusCode::NOT_FOUND, 40409),
            E::Incompatible { .. } => (StatusCode::CONFLICT, 40901),
            E::InvalidSchema(_) => (StatusCode::UNPROCESSABLE_ENTITY, 42201),
            E::InvalidVersion(_) => (StatusCode::UNPROCESSABLE_ENTITY, 42202),
            E::InvalidCompatibilityLevel | E::InvalidCompatibilityPolicy => {
                (StatusCode::UNPROCESSABLE_ENTITY, 42203)
            }
            E::InvalidMode(_) => (StatusCode::UNPROCESSABLE_ENTITY, 42204),
            E::OperationNotPermitted(_) => (StatusCode::UNPROCESSABLE_ENTITY, 42205),
            E::ReferenceExists(..) => (StatusCode::UNPROCESSABLE_ENTITY, 42206),
            E::InvalidSubject(_) => (StatusCode::UNPROCESSABLE_ENTITY, 42208),
            E::SchemaTooLarge => (StatusCode::UNPROCESSABLE_ENTITY, 42209),
            E::InvalidRuleSet(_) => (StatusCode::UNPROCESSABLE_ENTITY, 42210),
            E::ContextNotEmpty(_) => (StatusCode::UNPROCESSABLE_ENTITY, 42211),
            E::BadRequest(_) => (StatusCode::BAD_REQUEST, 400),
            E::MissingBody => (StatusCode::UNPROCESSABLE_ENTITY, 422),
            E::UnknownPath => (StatusCode::NOT_FOUND, 404),
            E::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, 405),
            E::NotAcceptable => (StatusCode::NOT_ACCEPTABLE, 406),
            E::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, 413),
            E::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, 415),
            E::Unauthorized => (StatusCode::UNAUTHORIZED, 401),
            E::Forbidden(_) => (StatusCode::FORBIDDEN, 40301),
            E::Timeout => (StatusCode::INTERNAL_SERVER_ERROR, 50002),
            E::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, 50001),
            E::StoreUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, 50001),
            E::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, 500),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        ApiError::Store(error)
    }
}

/// Confluent's `ErrorMessage` entity.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error_code: u32,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error_code) = self.status_and_code();
        match &self {
            ApiError::Store(source) => tracing::error!(error = %source, ?source, "store failed"),
            // A warning, not an error: a probe repeats it every few seconds during an outage.
            ApiError::StoreUnavailable(source) => {
                tracing::warn!(error = %source, "health check: the store is not answering");
            }
            ApiError::Internal(detail) => tracing::error!(%detail, "internal error"),
            _ => tracing::debug!(error_code, message = %self, "request refused"),
        }
        let message = self.to_string();
        let body = serde_json::to_vec(&ErrorBody {
            error_code,
            message: &message,
        })
        .unwrap_or_else(|_| br#"{"error_code":500,"message":"Internal Server Error"}"#.to_vec());
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(MEDIA_TYPE_V1),
        );
        if matches!(self, ApiError::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"stele-registry\""),
            );
        }
        response
    }
}
