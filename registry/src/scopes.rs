//! Config and mode inheritance: subject-level settings fall back to those of the subject's
//! context (stored under the context's own name, `:.ctx:`), then to the global ones, then to
//! the server's defaults (Confluent's `InMemoryCache.config` / `mode`). A `{subject}` naming
//! the default context (`:.:`) is the global scope.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};
use stele_engine::{Level, Policy};

use crate::AppState;
use crate::contexts::{self, DEFAULT_CONTEXT};
use crate::error::ApiError;
use crate::store::{ConfigBody, GLOBAL_SCOPE};

/// The compatibility level field, as `PUT` spells it and as we store it.
pub const LEVEL_FIELD: &str = "compatibility";

/// The config field naming Confluent's compatibility policy (STRICT or LENIENT).
pub const POLICY_FIELD: &str = "compatibilityPolicy";

/// A registry mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reads and writes allowed (the default).
    ReadWrite,
    /// Writes refused.
    ReadOnly,
    /// Global only: writes refused everywhere, whatever subjects say (deprecated upstream).
    ReadOnlyOverride,
    /// Registrations must carry an explicit id; no compatibility checks.
    Import,
    /// Global only: requests are forwarded to another registry (accepted, not acted on).
    Forward,
}

impl Mode {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::ReadWrite => "READWRITE",
            Mode::ReadOnly => "READONLY",
            Mode::ReadOnlyOverride => "READONLY_OVERRIDE",
            Mode::Import => "IMPORT",
            Mode::Forward => "FORWARD",
        }
    }

    /// Whether writes to subjects are refused.
    pub fn is_read_only(self) -> bool {
        matches!(self, Mode::ReadOnly | Mode::ReadOnlyOverride)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = ApiError;

    /// Case-insensitive, as Confluent accepts modes.
    fn from_str(s: &str) -> Result<Mode, ApiError> {
        match s.trim().to_ascii_uppercase().as_str() {
            "READWRITE" => Ok(Mode::ReadWrite),
            "READONLY" => Ok(Mode::ReadOnly),
            "READONLY_OVERRIDE" => Ok(Mode::ReadOnlyOverride),
            "IMPORT" => Ok(Mode::Import),
            "FORWARD" => Ok(Mode::Forward),
            _ => Err(ApiError::InvalidMode(
                "Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD.".into(),
            )),
        }
    }
}

/// Parses a compatibility level as sent by a client (42203 when unknown).
/// Reads a `compatibilityPolicy` value (case-insensitive): Confluent's STRICT and LENIENT.
pub fn parse_policy(value: &Value) -> Result<Policy, ApiError> {
    match value.as_str().map(str::to_ascii_uppercase).as_deref() {
        Some("STRICT") => Ok(Policy::Strict),
        Some("LENIENT") => Ok(Policy::Lenient),
        _ => Err(ApiError::InvalidCompatibilityPolicy),
    }
}

pub fn parse_level(value: &Value) -> Result<Level, ApiError> {
    value
        .as_str()
        .and_then(|s| s.parse::<Level>().ok())
        .ok_or(ApiError::InvalidCompatibilityLevel)
}

/// The scope a `{subject}` of `/config` or `/mode` names: the global scope for the default
/// context (`:.:`) and for the reserved global context (`:.__GLOBAL:`), else the subject (or
/// context) as stored.
pub fn scope_of(subject: &str) -> String {
    let context = contexts::context_of(subject);
    if contexts::is_context_name(subject)
        && (context == DEFAULT_CONTEXT || context == contexts::GLOBAL_CONTEXT)
    {
        GLOBAL_SCOPE.to_string()
    } else {
        contexts::normalize_subject(subject)
    }
}

/// The scopes whose settings apply to `subject`, most specific first, global excluded: the
/// subject, then its context when that is not the default one.
fn chain(subject: &str) -> Vec<String> {
    let scope = scope_of(subject);
    if scope == GLOBAL_SCOPE {
        return Vec::new();
    }
    let context = contexts::context_of(&scope);
    let context_scope = format!(":{context}:");
    let mut chain = vec![scope.clone()];
    if context != DEFAULT_CONTEXT && scope != context_scope {
        chain.push(context_scope);
    }
    chain
}

/// The config in force for `subject` (or globally): subject fields over context fields over
/// global fields over the server default level.
pub async fn effective_config(
    state: &AppState,
    subject: Option<&str>,
) -> Result<ConfigBody, ApiError> {
    let mut merged = Map::new();
    merged.insert(
        LEVEL_FIELD.into(),
        Value::String(state.config.default_compatibility.as_str().into()),
    );
    if let Some(global) = state.store.config(GLOBAL_SCOPE).await? {
        merged.extend(global);
    }
    let scopes = subject.map(chain).unwrap_or_default();
    for scope in scopes.iter().rev() {
        if let Some(own) = state.store.config(scope).await? {
            merged.extend(own);
        }
    }
    Ok(merged)
}

/// The effective level and `normalize` flag for `subject`.
pub async fn effective_level(state: &AppState, subject: &str) -> Result<Effective, ApiError> {
    let config = effective_config(state, Some(subject)).await?;
    let level = config
        .get(LEVEL_FIELD)
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<Level>().ok())
        .unwrap_or(state.config.default_compatibility);
    let normalize = config
        .get("normalize")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // Stored values were validated on the way in; anything else reads as the default.
    let policy = config
        .get(POLICY_FIELD)
        .and_then(|v| parse_policy(v).ok())
        .unwrap_or_default();
    Ok(Effective {
        level,
        normalize,
        policy,
    })
}

/// The settings a compatibility check takes from the config in force.
#[derive(Debug, Clone, Copy)]
pub struct Effective {
    /// The compatibility level.
    pub level: Level,
    /// The config's `normalize`.
    pub normalize: bool,
    /// The config's `compatibilityPolicy` (STRICT unless set).
    pub policy: Policy,
}

/// The mode in force for `subject` (or globally).
pub async fn effective_mode(state: &AppState, subject: Option<&str>) -> Result<Mode, ApiError> {
    let global = match state.store.mode(GLOBAL_SCOPE).await? {
        Some(mode) => mode.parse()?,
        None => Mode::ReadWrite,
    };
    if global == Mode::ReadOnlyOverride {
        return Ok(global);
    }
    for scope in subject.map(chain).unwrap_or_default() {
        if let Some(own) = state.store.mode(&scope).await? {
            return own.parse();
        }
    }
    Ok(global)
}

/// Refuses a write to `subject` when it is read-only (42205).
pub async fn ensure_writable(state: &AppState, subject: &str) -> Result<Mode, ApiError> {
    let mode = effective_mode(state, Some(subject)).await?;
    if mode.is_read_only() {
        return Err(ApiError::OperationNotPermitted(format!(
            "Subject {subject} in context {} is in read-only mode",
            contexts::context_of(subject)
        )));
    }
    Ok(mode)
}

/// A stored config as `GET /config` spells it: the level is `compatibilityLevel`.
pub fn config_for_get(body: &ConfigBody) -> Value {
    let renamed = body
        .iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(key, value)| {
            let key = if key == LEVEL_FIELD {
                "compatibilityLevel".to_string()
            } else {
                key.clone()
            };
            (key, value.clone())
        })
        .collect();
    Value::Object(renamed)
}

/// Validates a `PUT /config` body: the level must be known (42203); it is stored upper-case.
/// Null fields are dropped (clients send them for "unchanged").
pub fn validate_config_update(body: ConfigBody) -> Result<ConfigBody, ApiError> {
    let mut clean = Map::new();
    for (key, value) in body {
        if value.is_null() {
            continue;
        }
        if key == LEVEL_FIELD {
            let level = parse_level(&value)?;
            clean.insert(key, Value::String(level.as_str().into()));
        } else if key == POLICY_FIELD {
            let policy = match parse_policy(&value)? {
                Policy::Strict => "STRICT",
                Policy::Lenient => "LENIENT",
            };
            clean.insert(key, Value::String(policy.into()));
        } else {
            clean.insert(key, value);
        }
    }
    Ok(clean)
}
