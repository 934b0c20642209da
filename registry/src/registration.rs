//! Registration, lookup and compatibility checks: the steps of Confluent's `register` in
//! order (reference §5), glue between the engine (parse, canonicalise, check) and the store.
//!
//! References are prefetched from the store, recursively, into a map that the engine's
//! [`Resolver`] reads; nothing is ever fetched from a URL. Left out for now: `compatibilityGroup`,
//! `defaultMetadata`/`overrideMetadata` and rule-set inheritance, `force=true`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use stele_engine::references::MAX_REFERENCES;
use stele_engine::{
    CheckOptions, Fetched, Finding, Format, Level, ParseOptions, Reference, Resolver, Schema,
    Versioned,
};
use tokio::sync::Semaphore;

use crate::AppState;
use crate::cache::CachedSchema;
use crate::contexts;
use crate::entities::{CompatibilityAnswer, RegisterRequest, SchemaById, SubjectSchema};
use crate::error::ApiError;
use crate::http::VersionSpec;
use crate::scopes::{self, Mode};
use crate::store::{Conflict, NewSchema, NewVersion, SchemaId, StoreError, Version, VersionRow};

/// How often a registration is retried when another write to the subject slipped in between
/// its compatibility check and its commit. Each round one of the racing writers wins, so with
/// several writers on one subject (several nodes on PostgreSQL) a writer can lose many rounds
/// in a row; [`retry_pause`] breaks the lockstep between rounds.
const MAX_ATTEMPTS: u32 = 50;

/// A random pause of up to `attempt` milliseconds (at most 20) before trying again.
fn retry_pause(attempt: u32) -> std::time::Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let ceiling_us = attempt.clamp(1, 20) * 1000;
    std::time::Duration::from_micros(u64::from(nanos % ceiling_us))
}

/// A submitted schema, parsed and ready to store.
#[derive(Debug)]
pub struct Candidate {
    /// The engine's parse.
    pub parsed: Arc<Schema>,
    /// What the store needs.
    pub new: NewSchema,
}

/// Referenced schemas fetched from the store ahead of parsing.
struct Prefetched(HashMap<(String, i32), Fetched>);

impl Resolver for Prefetched {
    fn fetch(&self, subject: &str, version: i32) -> Option<Fetched> {
        self.0.get(&(subject.to_string(), version)).cloned()
    }
}

/// Fetches `references` and everything they reference. Missing ones are left out: the
/// engine's resolver names them in its error.
async fn prefetch(state: &AppState, references: &[Reference]) -> Result<Prefetched, ApiError> {
    let mut fetched = HashMap::new();
    let mut queue: VecDeque<Reference> = references.iter().cloned().collect();
    let mut seen = HashSet::new();
    while let Some(reference) = queue.pop_front() {
        let key = (reference.subject.clone(), reference.version);
        if !seen.insert(key.clone()) || seen.len() > MAX_REFERENCES {
            continue;
        }
        let versions = state.store.versions(&reference.subject).await?;
        let Some(row) = versions.iter().find(|v| v.version.0 == reference.version) else {
            continue;
        };
        let Some(cached) = version_schema(state, row).await? else {
            continue;
        };
        queue.extend(cached.stored.references.iter().cloned());
        fetched.insert(
            key,
            Fetched {
                text: cached.stored.schema.clone(),
                references: cached.stored.references.clone(),
            },
        );
    }
    Ok(Prefetched(fetched))
}

/// Schema text parsed at once, in KiB. Parsing takes up to about 85 times the text's size in
/// memory (a 7.9 MB Avro record of 250,000 fields peaks near 670 MB: serde's document plus
/// apache-avro's), so concurrent parses are bounded by their total size. Each parse holds one
/// permit per KiB of its text: a schema at the engine's 8 MiB limit parses alone, while
/// ordinary schemas (a few KiB) never wait for each other.
const PARSE_BUDGET_KIB: u32 = 4 * 1024;
static PARSING: Semaphore = Semaphore::const_new(PARSE_BUDGET_KIB as usize);

/// Parses `text` with its references resolved from the store. Parsing runs on the blocking
/// pool: a multi-megabyte schema must not stall the workers serving the hot read path.
async fn parse(
    state: &AppState,
    format: Format,
    text: &str,
    references: &[Reference],
    normalize: bool,
) -> Result<Schema, stele_engine::ParseError> {
    let prefetched = match prefetch(state, references).await {
        Ok(prefetched) => prefetched,
        Err(e) => {
            tracing::error!(error = %e, "prefetching references failed");
            Prefetched(HashMap::new())
        }
    };
    let kib = u32::try_from(text.len().div_ceil(1024)).unwrap_or(u32::MAX);
    // Never closed, so acquiring only waits; the permits return when the parse is done.
    let _budget = PARSING
        .acquire_many(kib.clamp(1, PARSE_BUDGET_KIB))
        .await
        .map_err(|_| {
            stele_engine::ParseError::new(
                stele_engine::ParseErrorKind::Unsupported,
                "the registry is shutting down",
            )
        })?;
    let text = text.to_string();
    let references = references.to_vec();
    let parsing = tokio::task::spawn_blocking(move || {
        let deps = stele_engine::resolve(&references, &prefetched)?;
        Schema::parse(format, &text, &deps, ParseOptions { normalize })
    });
    parsing.await.unwrap_or_else(|join_error| {
        Err(stele_engine::ParseError::new(
            stele_engine::ParseErrorKind::Unsupported,
            format!("the parser failed unexpectedly: {join_error}"),
        ))
    })
}

/// The schema with this id in `context`, from the cache or the store.
pub async fn stored_schema(
    state: &AppState,
    context: &str,
    id: SchemaId,
) -> Result<Option<Arc<CachedSchema>>, ApiError> {
    if let Some(hit) = state.cache.stored(context, id) {
        return Ok(Some(hit));
    }
    let generation = state.cache.generation();
    let Some(stored) = state.store.schema_by_id(context, id).await? else {
        return Ok(None);
    };
    let body = serde_json::to_vec(&SchemaById::new(&stored, state.config.schema_type_field))
        .map_err(|e| ApiError::Internal(format!("serialising schema {id}: {e}")))?;
    let entry = Arc::new(CachedSchema {
        stored,
        by_id_body: body.into(),
    });
    state.cache.put_stored(Arc::clone(&entry), generation);
    Ok(Some(entry))
}

/// The schema a subject version registers (its id is in the subject's context).
pub async fn version_schema(
    state: &AppState,
    row: &VersionRow,
) -> Result<Option<Arc<CachedSchema>>, ApiError> {
    stored_schema(state, contexts::context_of(&row.subject), row.schema_id).await
}

/// The stored schema `id` of `context`, parsed (cached: schemas are immutable).
pub async fn parsed_schema(
    state: &AppState,
    context: &str,
    id: SchemaId,
) -> Result<Arc<Schema>, ApiError> {
    if let Some(hit) = state.cache.parsed(context, id) {
        return Ok(hit);
    }
    let cached = stored_schema(state, context, id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("schema {id} of a live version is missing")))?;
    let stored = &cached.stored;
    let format: Format = stored
        .schema_type
        .parse()
        .map_err(|e| ApiError::Internal(format!("schema {id}: {e}")))?;
    let schema = parse(state, format, &stored.schema, &stored.references, false)
        .await
        .map_err(|e| ApiError::Internal(format!("stored schema {id} no longer parses: {e}")))?;
    let schema = Arc::new(schema);
    state.cache.put_parsed(context, id, Arc::clone(&schema));
    Ok(schema)
}

/// Sorts object keys recursively, so metadata that differs only in key order is one identity.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The store's identity of a schema: the engine's fingerprint (format, canonical text,
/// resolved texts) plus the references as named, metadata and rule set, as Confluent compares
/// all of them.
fn identity(
    schema: &Schema,
    references: &[Reference],
    metadata: Option<&Value>,
    rule_set: Option<&Value>,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(schema.fingerprint().to_string().as_bytes());
    for reference in references {
        hasher.update(
            format!(
                "\0ref\0{}\0{}\0{}",
                reference.name, reference.subject, reference.version
            )
            .as_bytes(),
        );
    }
    for (tag, value) in [("metadata", metadata), ("ruleSet", rule_set)] {
        if let Some(value) = value {
            hasher.update(format!("\0{tag}\0{}", sorted(value)).as_bytes());
        }
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Turns a register/lookup/compatibility body into a parsed candidate (42201 when invalid).
pub async fn prepare(
    state: &AppState,
    subject: &str,
    request: &RegisterRequest,
    normalize: bool,
) -> Result<Candidate, ApiError> {
    if let Some(rule_set) = &request.rule_set
        && !rule_set.is_object()
    {
        return Err(ApiError::InvalidRuleSet(
            "Invalid rule set: ruleSet must be a JSON object".into(),
        ));
    }
    let format: Format = match &request.schema_type {
        Some(name) => name.parse().map_err(ApiError::InvalidSchema)?,
        None => Format::Avro,
    };
    let mut text = request.schema.clone().unwrap_or_default();
    if text.len() > stele_engine::format::MAX_SCHEMA_BYTES {
        return Err(ApiError::SchemaTooLarge);
    }
    let mut references = Vec::new();
    for entity in request.references.iter().flatten() {
        // Stored as seen from `subject`: an unqualified name means the subject's context.
        let target = contexts::qualify_with_parent(subject, &entity.subject);
        let version = resolve_reference_version(state, &target, entity.version).await?;
        references.push(Reference {
            name: entity.name.clone(),
            subject: target,
            version,
        });
    }
    if text.trim().is_empty() {
        // Confluent reuses the latest schema for metadata-only updates.
        let versions = state.store.versions(subject).await?;
        let latest = versions.iter().rev().find(|v| !v.deleted);
        let Some(cached) = (match latest {
            Some(row) => version_schema(state, row).await?,
            None => None,
        }) else {
            return Err(ApiError::InvalidSchema("Empty schema".into()));
        };
        text = cached.stored.schema.clone();
        references = cached.stored.references.clone();
    }
    let parsed = parse(state, format, &text, &references, normalize)
        .await
        .map_err(|e| ApiError::InvalidSchema(format!("Invalid schema: {e}")))?;
    let fingerprint = identity(
        &parsed,
        &references,
        request.metadata.as_ref(),
        request.rule_set.as_ref(),
    );
    let new = NewSchema {
        fingerprint,
        schema_type: format.as_str().to_string(),
        schema: parsed.canonical().to_string(),
        references,
        metadata: request.metadata.clone(),
        rule_set: request.rule_set.clone(),
    };
    Ok(Candidate {
        parsed: Arc::new(parsed),
        new,
    })
}

/// A reference's version with `-1` turned into the subject's latest live version.
async fn resolve_reference_version(
    state: &AppState,
    subject: &str,
    version: i32,
) -> Result<i32, ApiError> {
    if version != -1 {
        return Ok(version);
    }
    let versions = state.store.versions(subject).await?;
    Ok(versions
        .iter()
        .rev()
        .find(|v| !v.deleted)
        .map_or(-1, |v| v.version.0))
}

/// One verbose message per finding: the rule, where, and the engine's sentence.
fn message(finding: &Finding) -> String {
    if finding.path.is_empty() {
        format!("{}: {}", finding.rule, finding.message)
    } else {
        format!("{} at {}: {}", finding.rule, finding.path, finding.message)
    }
}

/// Checks `candidate` (as version `new_version`) against `previous` (oldest first, live
/// versions only) at `level`; returns one message per finding.
async fn incompatibilities(
    state: &AppState,
    candidate: &Arc<Schema>,
    new_version: i32,
    previous: &[&VersionRow],
    level: Level,
    options: CheckOptions,
) -> Result<Vec<String>, ApiError> {
    let compared: &[&VersionRow] = match (level == Level::NONE, level.transitive) {
        (true, _) => &[],
        (false, true) => previous,
        (false, false) => previous
            .len()
            .checked_sub(1)
            .map_or(&[][..], |last| &previous[last..]),
    };
    let mut parsed = Vec::with_capacity(compared.len());
    for row in compared {
        let context = contexts::context_of(&row.subject);
        parsed.push((
            row.version.0,
            parsed_schema(state, context, row.schema_id).await?,
        ));
    }
    let candidate = Arc::clone(candidate);
    let checking = tokio::task::spawn_blocking(move || {
        let versioned: Vec<Versioned<'_>> = parsed
            .iter()
            .map(|(version, schema)| Versioned {
                version: *version,
                schema: schema.as_ref(),
            })
            .collect();
        stele_engine::check(
            level,
            Versioned {
                version: new_version,
                schema: &candidate,
            },
            &versioned,
            options,
        )
    });
    let report = checking
        .await
        .map_err(|e| ApiError::Internal(format!("the compatibility check failed: {e}")))?;
    Ok(report.findings.iter().map(message).collect())
}

/// `POST /subjects/{subject}/versions`: the registration steps of reference §5, in order.
pub async fn register(
    state: &AppState,
    subject: &str,
    request: &RegisterRequest,
    normalize_flag: bool,
) -> Result<VersionRow, ApiError> {
    let effective = scopes::effective_level(state, subject).await?;
    let (level, normalize_config) = (effective.level, effective.normalize);
    let candidate = prepare(state, subject, request, normalize_flag || normalize_config).await?;
    let explicit_id = request
        .id
        .filter(|id| *id >= 0)
        .map(|id| i32::try_from(id).map(SchemaId))
        .transpose()
        .map_err(|_| ApiError::InvalidSchema("Invalid schema id".into()))?;
    let explicit_version = request
        .version
        .filter(|v| *v > 0)
        .map(|v| i32::try_from(v).map(Version))
        .transpose()
        .map_err(|_| ApiError::InvalidVersion(format!("{:?}", request.version)))?;

    // Idempotent fast path: before the mode check, so it works in READONLY and IMPORT too.
    if explicit_version.is_none() {
        let existing = state
            .store
            .find_in_subject(subject, &candidate.new.fingerprint)
            .await?;
        if let Some(row) = existing
            .into_iter()
            .find(|row| !row.deleted && explicit_id.is_none_or(|id| id == row.schema_id))
        {
            return Ok(row);
        }
    }

    let mode = scopes::ensure_writable(state, subject).await?;
    let importing = matches!(mode, Mode::Import | Mode::Forward);
    match (explicit_id.is_some(), importing) {
        (true, false) => {
            return Err(ApiError::OperationNotPermitted(format!(
                "Subject {subject} in context {} is not in import mode",
                contexts::context_of(subject)
            )));
        }
        (false, true) => {
            return Err(ApiError::OperationNotPermitted(format!(
                "Subject {subject} in context {} is not in read-write mode",
                contexts::context_of(subject)
            )));
        }
        _ => {}
    }

    for attempt in 0..MAX_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(retry_pause(attempt)).await;
        }
        let versions = state.store.versions(subject).await?;
        let live: Vec<&VersionRow> = versions.iter().filter(|v| !v.deleted).collect();
        let next = versions.last().map_or(1, |v| v.version.0.saturating_add(1));
        let latest_live = live.last().map(|v| v.version);
        if !importing {
            if let Some(wanted) = explicit_version
                && wanted.0 != next
            {
                return Err(ApiError::InvalidSchema(
                    "Version is not one more than previous version".into(),
                ));
            }
            let options = CheckOptions {
                policy: effective.policy,
            };
            let messages =
                incompatibilities(state, &candidate.parsed, next, &live, level, options).await?;
            if !messages.is_empty() {
                return Err(ApiError::Incompatible {
                    subject: subject.to_string(),
                    messages,
                });
            }
        }
        let new = NewVersion {
            subject: subject.to_string(),
            schema: candidate.new.clone(),
            id: explicit_id,
            version: explicit_version,
            checked_against: (!importing).then_some(latest_live),
        };
        match state.store.register(new).await {
            Ok(row) => return Ok(row),
            Err(StoreError::Conflict(Conflict::LatestChanged | Conflict::Raced)) => continue,
            Err(StoreError::Conflict(Conflict::IdTaken(id))) => {
                return Err(ApiError::OperationNotPermitted(format!(
                    "Overwrite new schema with id {id} in context {} is not permitted.",
                    contexts::context_of(subject)
                )));
            }
            Err(StoreError::Conflict(Conflict::VersionTaken(version))) => {
                return Err(ApiError::OperationNotPermitted(format!(
                    "Overwrite new schema with version {version} in subject {subject} is not permitted."
                )));
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(ApiError::Internal(format!(
        "registration under {subject} kept racing with other writes"
    )))
}

/// `POST /subjects/{subject}`: the version of `subject` holding this schema.
pub async fn lookup(
    state: &AppState,
    subject: &str,
    request: &RegisterRequest,
    normalize_flag: bool,
    include_deleted: bool,
) -> Result<SubjectSchema, ApiError> {
    let normalize_config = scopes::effective_level(state, subject).await?.normalize;
    let candidate = prepare(state, subject, request, normalize_flag || normalize_config).await?;
    let versions = state.store.versions(subject).await?;
    let visible: Vec<&VersionRow> = versions
        .iter()
        .filter(|v| include_deleted || !v.deleted)
        .collect();
    let Some(latest) = visible.last() else {
        return Err(ApiError::SubjectNotFound(subject.to_string()));
    };
    let mut fingerprints = vec![candidate.new.fingerprint.clone()];
    if request.metadata.is_none() && request.rule_set.is_none() {
        // Confluent retries with what registration would have inherited from the latest
        // version: a client that never sends metadata still finds a version that has some.
        if let Some(latest) = version_schema(state, latest).await? {
            let stored = &latest.stored;
            fingerprints.push(identity(
                &candidate.parsed,
                &candidate.new.references,
                stored.metadata.as_ref(),
                stored.rule_set.as_ref(),
            ));
        }
    }
    for fingerprint in &fingerprints {
        let found = state.store.find_in_subject(subject, fingerprint).await?;
        if let Some(row) = found
            .iter()
            .rev()
            .find(|row| include_deleted || !row.deleted)
            && let Some(cached) = version_schema(state, row).await?
        {
            return Ok(SubjectSchema::new(
                subject,
                row.version.0,
                &cached.stored,
                state.config.schema_type_field,
            ));
        }
    }
    Err(ApiError::SchemaNotFound("Schema not found".into()))
}

/// `POST /compatibility/subjects/{subject}/versions[/{version}]`.
pub async fn check_compatibility(
    state: &AppState,
    subject: &str,
    version: Option<VersionSpec>,
    request: &RegisterRequest,
    normalize_flag: bool,
    verbose: bool,
) -> Result<CompatibilityAnswer, ApiError> {
    let effective = scopes::effective_level(state, subject).await?;
    let (level, normalize_config) = (effective.level, effective.normalize);
    let versions = state.store.versions(subject).await?;
    let live: Vec<&VersionRow> = versions.iter().filter(|v| !v.deleted).collect();
    // A numbered version must exist (40402) before anything else is looked at.
    let (previous, level): (Vec<&VersionRow>, Level) = match version {
        None => (live.clone(), level),
        Some(VersionSpec::Latest) => (live.last().copied().into_iter().collect(), single(level)),
        Some(VersionSpec::Number(n)) => {
            let row = live
                .iter()
                .find(|v| v.version.0 == n)
                .ok_or_else(|| ApiError::VersionNotFound(n.to_string()))?;
            (vec![*row], single(level))
        }
    };
    let candidate = match prepare(state, subject, request, normalize_flag || normalize_config).await
    {
        Ok(candidate) => candidate,
        Err(ApiError::InvalidSchema(message)) if verbose => {
            return Ok(CompatibilityAnswer {
                is_compatible: false,
                messages: Some(vec![message]),
            });
        }
        Err(other) => return Err(other),
    };
    let next = versions.last().map_or(1, |v| v.version.0.saturating_add(1));
    let options = CheckOptions {
        policy: effective.policy,
    };
    let messages =
        incompatibilities(state, &candidate.parsed, next, &previous, level, options).await?;
    Ok(CompatibilityAnswer {
        is_compatible: messages.is_empty(),
        // Confluent omits empty lists.
        messages: (verbose && !messages.is_empty()).then_some(messages),
    })
}

/// The level checked against one chosen version: transitive scope does not apply
/// (Confluent checks exactly that version, csr#1682).
fn single(level: Level) -> Level {
    Level {
        transitive: false,
        ..level
    }
}
