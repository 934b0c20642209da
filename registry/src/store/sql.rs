//! What the SQLite and PostgreSQL stores share: the SQL both databases run and the rows it
//! reads, with their conversion to the store's types.
//!
//! Each query function builds one statement with its `$N` parameters bound; the caller runs
//! it on its own pool or transaction and maps errors its own way (the registration steps that
//! use them are in `registration.rs`). Left in the backends: queries
//! whose text differs (PostgreSQL sorts subjects with `COLLATE "C"` to match SQLite's byte
//! order, and erases with `RETURNING` to announce the ids), connections, transactions and
//! locking (SQLite's single writer and `BEGIN IMMEDIATE`, PostgreSQL's advisory locks), and the
//! PostgreSQL erasure notifications.

use serde_json::Value;
use sqlx::query::{Query, QueryAs};
use sqlx::{Database, Encode, FromRow, Type};

use stele_engine::Reference;

use super::{ConfigBody, NewSchema, SchemaId, StoreError, StoredSchema, Version, VersionRow};

/// A statement that returns no rows, ready to execute.
pub(super) type Statement<'q, DB> = Query<'q, DB, <DB as Database>::Arguments>;

/// A query returning rows of `O`, ready to fetch.
pub(super) type Select<'q, DB, O> = QueryAs<'q, DB, O, <DB as Database>::Arguments>;

/// A value that can be bound as a parameter on `DB`: sqlx's two bounds under one name.
pub(super) trait Bind<'q, DB: Database>: 'q + Encode<'q, DB> + Type<DB> {}

impl<'q, DB: Database, T: 'q + Encode<'q, DB> + Type<DB>> Bind<'q, DB> for T {}

/// A row type `DB` can decode.
pub(super) trait Record<DB: Database>: for<'r> FromRow<'r, DB::Row> {}

impl<DB: Database, T: for<'r> FromRow<'r, DB::Row>> Record<DB> for T {}

/// One `subject_versions` row, as every version query selects it.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct VersionRecord {
    subject: String,
    version: i32,
    schema_id: i32,
    deleted: bool,
}

impl From<VersionRecord> for VersionRow {
    fn from(row: VersionRecord) -> VersionRow {
        VersionRow {
            subject: row.subject,
            version: Version(row.version),
            schema_id: SchemaId(row.schema_id),
            deleted: row.deleted,
        }
    }
}

/// Converts fetched version rows.
pub(super) fn version_rows(rows: Vec<VersionRecord>) -> Vec<VersionRow> {
    rows.into_iter().map(VersionRow::from).collect()
}

/// One `schemas` row, without the context it was looked up in.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct SchemaRecord {
    /// The schema id, needed to look up its references.
    pub(super) id: i32,
    schema_type: String,
    schema: String,
    metadata: Option<String>,
    rule_set: Option<String>,
}

impl SchemaRecord {
    /// The stored schema, with its `references` read separately.
    pub(super) fn into_stored(
        self,
        context: &str,
        references: Vec<Reference>,
    ) -> Result<StoredSchema, StoreError> {
        Ok(StoredSchema {
            context: context.to_string(),
            id: SchemaId(self.id),
            schema_type: self.schema_type,
            schema: self.schema,
            references,
            metadata: parse_json(self.metadata)?,
            rule_set: parse_json(self.rule_set)?,
        })
    }
}

/// One `schema_references` row.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct ReferenceRecord {
    name: String,
    subject: String,
    version: i32,
}

/// Converts fetched reference rows.
pub(super) fn references(rows: Vec<ReferenceRecord>) -> Vec<Reference> {
    rows.into_iter()
        .map(|row| Reference {
            name: row.name,
            subject: row.subject,
            version: row.version,
        })
        .collect()
}

fn parse_json(text: Option<String>) -> Result<Option<Value>, StoreError> {
    text.map(|t| serde_json::from_str(&t))
        .transpose()
        .map_err(StoreError::from)
}

fn to_json(value: Option<&Value>) -> Result<Option<String>, StoreError> {
    value
        .map(serde_json::to_string)
        .transpose()
        .map_err(StoreError::from)
}

/// Reads a config body fetched by [`config`] or [`delete_config`].
pub(super) fn config_body(row: Option<(String,)>) -> Result<Option<ConfigBody>, StoreError> {
    row.map(|(body,)| serde_json::from_str(&body).map_err(StoreError::from))
        .transpose()
}

// Schemas and their references.

/// The schema `id` of `context`, if a subject version still uses it.
pub(super) fn schema_by_id<'q, DB: Database>(
    context: &'q str,
    id: i32,
) -> Select<'q, DB, SchemaRecord>
where
    &'q str: Bind<'q, DB>,
    i32: Bind<'q, DB>,
    SchemaRecord: Record<DB>,
{
    sqlx::query_as(
        "SELECT id, schema_type, schema, metadata, rule_set FROM schemas s \
         WHERE context = $1 AND id = $2 AND EXISTS (SELECT 1 FROM subject_versions v \
         WHERE v.context = s.context AND v.schema_id = s.id)",
    )
    .bind(context)
    .bind(id)
}

/// The references of schema `id`, in registration order.
pub(super) fn references_of<'q, DB: Database>(
    context: &'q str,
    id: i32,
) -> Select<'q, DB, ReferenceRecord>
where
    &'q str: Bind<'q, DB>,
    i32: Bind<'q, DB>,
    ReferenceRecord: Record<DB>,
{
    sqlx::query_as(
        "SELECT name, subject, version FROM schema_references \
         WHERE context = $1 AND schema_id = $2 ORDER BY position",
    )
    .bind(context)
    .bind(id)
}

/// The id of the schema with this fingerprint in `context`.
pub(super) fn id_by_fingerprint<'q, DB: Database>(
    context: &'q str,
    fingerprint: &'q str,
) -> Select<'q, DB, (i32,)>
where
    &'q str: Bind<'q, DB>,
    (i32,): Record<DB>,
{
    sqlx::query_as("SELECT id FROM schemas WHERE context = $1 AND fingerprint = $2")
        .bind(context)
        .bind(fingerprint)
}

/// The id itself when `context` already has a schema with it.
pub(super) fn id_taken<'q, DB: Database>(context: &'q str, id: i32) -> Select<'q, DB, (i32,)>
where
    &'q str: Bind<'q, DB>,
    i32: Bind<'q, DB>,
    (i32,): Record<DB>,
{
    sqlx::query_as("SELECT id FROM schemas WHERE context = $1 AND id = $2")
        .bind(context)
        .bind(id)
}

/// The highest schema id of `context` (NULL when none).
pub(super) fn max_schema_id<'q, DB: Database>(context: &'q str) -> Select<'q, DB, (Option<i32>,)>
where
    &'q str: Bind<'q, DB>,
    (Option<i32>,): Record<DB>,
{
    sqlx::query_as("SELECT MAX(id) FROM schemas WHERE context = $1").bind(context)
}

/// What `GET /metrics` reports: distinct schemas (per context) used by any subject version,
/// live or soft-deleted, and subjects with at least one live version. Both are counted by the
/// database, one row each, whatever the number of versions.
pub(super) fn counts<'q, DB: Database>() -> Select<'q, DB, (i64, i64)>
where
    (i64, i64): Record<DB>,
{
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM (SELECT DISTINCT context, schema_id FROM subject_versions) \
         AS used), (SELECT COUNT(DISTINCT subject) FROM subject_versions WHERE NOT deleted)",
    )
}

/// Inserts `schema` as `id` of `context`.
pub(super) fn insert_schema<'q, DB: Database>(
    context: &'q str,
    id: i32,
    schema: &'q NewSchema,
) -> Result<Statement<'q, DB>, StoreError>
where
    &'q str: Bind<'q, DB>,
    i32: Bind<'q, DB>,
    Option<String>: Bind<'q, DB>,
{
    Ok(sqlx::query(
        "INSERT INTO schemas (context, id, fingerprint, schema_type, schema, metadata, rule_set) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(context)
    .bind(id)
    .bind(schema.fingerprint.as_str())
    .bind(schema.schema_type.as_str())
    .bind(schema.schema.as_str())
    .bind(to_json(schema.metadata.as_ref())?)
    .bind(to_json(schema.rule_set.as_ref())?))
}

/// Inserts the reference at `position` of schema `id`.
pub(super) fn insert_reference<'q, DB: Database>(
    context: &'q str,
    id: i32,
    position: usize,
    reference: &'q Reference,
) -> Statement<'q, DB>
where
    &'q str: Bind<'q, DB>,
    i32: Bind<'q, DB>,
{
    sqlx::query(
        "INSERT INTO schema_references (context, schema_id, position, name, subject, version) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(context)
    .bind(id)
    .bind(i32::try_from(position).unwrap_or(i32::MAX))
    .bind(reference.name.as_str())
    .bind(reference.subject.as_str())
    .bind(reference.version)
}

// Subject versions.

/// All versions of `subject`, ascending.
pub(super) fn versions<'q, DB: Database>(subject: &'q str) -> Select<'q, DB, VersionRecord>
where
    &'q str: Bind<'q, DB>,
    VersionRecord: Record<DB>,
{
    sqlx::query_as(
        "SELECT subject, version, schema_id, deleted FROM subject_versions \
         WHERE subject = $1 ORDER BY version",
    )
    .bind(subject)
}

/// The versions of `subject` whose schema has `fingerprint`, ascending.
pub(super) fn find_in_subject<'q, DB: Database>(
    subject: &'q str,
    fingerprint: &'q str,
) -> Select<'q, DB, VersionRecord>
where
    &'q str: Bind<'q, DB>,
    VersionRecord: Record<DB>,
{
    sqlx::query_as(
        "SELECT v.subject, v.version, v.schema_id, v.deleted FROM subject_versions v \
         JOIN schemas s ON s.context = v.context AND s.id = v.schema_id \
         WHERE v.subject = $1 AND s.fingerprint = $2 ORDER BY v.version",
    )
    .bind(subject)
    .bind(fingerprint)
}

/// The first live version of `subject` whose schema has `fingerprint`.
pub(super) fn live_by_fingerprint<'q, DB: Database>(
    subject: &'q str,
    fingerprint: &'q str,
) -> Select<'q, DB, VersionRecord>
where
    &'q str: Bind<'q, DB>,
    VersionRecord: Record<DB>,
{
    sqlx::query_as(
        "SELECT v.subject, v.version, v.schema_id, v.deleted FROM subject_versions v \
         JOIN schemas s ON s.context = v.context AND s.id = v.schema_id \
         WHERE v.subject = $1 AND s.fingerprint = $2 AND NOT v.deleted \
         ORDER BY v.version LIMIT 1",
    )
    .bind(subject)
    .bind(fingerprint)
}

/// The latest live version of `subject` (NULL when none).
pub(super) fn latest_live<'q, DB: Database>(subject: &'q str) -> Select<'q, DB, (Option<i32>,)>
where
    &'q str: Bind<'q, DB>,
    (Option<i32>,): Record<DB>,
{
    sqlx::query_as("SELECT MAX(version) FROM subject_versions WHERE subject = $1 AND NOT deleted")
        .bind(subject)
}

/// The highest version of `subject`, soft-deleted ones included (NULL when none).
pub(super) fn max_version<'q, DB: Database>(subject: &'q str) -> Select<'q, DB, (Option<i32>,)>
where
    &'q str: Bind<'q, DB>,
    (Option<i32>,): Record<DB>,
{
    sqlx::query_as("SELECT MAX(version) FROM subject_versions WHERE subject = $1").bind(subject)
}

/// The version itself when `subject` already has it.
pub(super) fn version_taken<'q, DB: Database>(
    subject: &'q str,
    version: i32,
) -> Select<'q, DB, (i32,)>
where
    &'q str: Bind<'q, DB>,
    i32: Bind<'q, DB>,
    (i32,): Record<DB>,
{
    sqlx::query_as("SELECT version FROM subject_versions WHERE subject = $1 AND version = $2")
        .bind(subject)
        .bind(version)
}

/// Adds live `version` of `subject` (in `context`) for schema `schema_id`.
pub(super) fn insert_version<'q, DB: Database>(
    subject: &'q str,
    version: i32,
    context: &'q str,
    schema_id: i32,
) -> Statement<'q, DB>
where
    &'q str: Bind<'q, DB>,
    i32: Bind<'q, DB>,
{
    sqlx::query(
        "INSERT INTO subject_versions (subject, version, context, schema_id, deleted) \
         VALUES ($1, $2, $3, $4, FALSE)",
    )
    .bind(subject)
    .bind(version)
    .bind(context)
    .bind(schema_id)
}

/// Removes the soft-deleted versions of `subject` that `version` supersedes (same schema),
/// except those another schema still references.
pub(super) fn drop_superseded<'q, DB: Database>(
    subject: &'q str,
    schema_id: i32,
    version: i32,
) -> Statement<'q, DB>
where
    &'q str: Bind<'q, DB>,
    i32: Bind<'q, DB>,
{
    sqlx::query(
        "DELETE FROM subject_versions \
         WHERE subject = $1 AND schema_id = $2 AND deleted AND version <> $3 \
         AND NOT EXISTS (SELECT 1 FROM schema_references r \
                         WHERE r.subject = subject_versions.subject \
                         AND r.version = subject_versions.version)",
    )
    .bind(subject)
    .bind(schema_id)
    .bind(version)
}

/// Soft-deletes `version` of `subject`.
pub(super) fn mark_deleted<'q, DB: Database>(subject: &'q str, version: i32) -> Statement<'q, DB>
where
    &'q str: Bind<'q, DB>,
    i32: Bind<'q, DB>,
{
    sqlx::query("UPDATE subject_versions SET deleted = TRUE WHERE subject = $1 AND version = $2")
        .bind(subject)
        .bind(version)
}

/// How many versions `subject` has left, soft-deleted ones included.
pub(super) fn count_versions<'q, DB: Database>(subject: &'q str) -> Select<'q, DB, (i64,)>
where
    &'q str: Bind<'q, DB>,
    (i64,): Record<DB>,
{
    sqlx::query_as("SELECT COUNT(*) FROM subject_versions WHERE subject = $1").bind(subject)
}

/// Removes the config and the mode of `scope`: what goes when a subject's last version is
/// erased.
pub(super) fn delete_settings<'q, DB: Database>(scope: &'q str) -> [Statement<'q, DB>; 2]
where
    &'q str: Bind<'q, DB>,
{
    [
        sqlx::query("DELETE FROM configs WHERE scope = $1").bind(scope),
        sqlx::query("DELETE FROM modes WHERE scope = $1").bind(scope),
    ]
}

// Configs and modes.

/// The config body of `scope`; read it with [`config_body`].
pub(super) fn config<'q, DB: Database>(scope: &'q str) -> Select<'q, DB, (String,)>
where
    &'q str: Bind<'q, DB>,
    (String,): Record<DB>,
{
    sqlx::query_as("SELECT body FROM configs WHERE scope = $1").bind(scope)
}

/// Replaces the config of `scope`.
pub(super) fn set_config<'q, DB: Database>(
    scope: &'q str,
    body: &ConfigBody,
) -> Result<Statement<'q, DB>, StoreError>
where
    &'q str: Bind<'q, DB>,
    String: Bind<'q, DB>,
{
    Ok(sqlx::query(
        "INSERT INTO configs (scope, body) VALUES ($1, $2) \
         ON CONFLICT (scope) DO UPDATE SET body = excluded.body",
    )
    .bind(scope)
    .bind(serde_json::to_string(body)?))
}

/// Removes the config of `scope`, returning its body; read it with [`config_body`].
pub(super) fn delete_config<'q, DB: Database>(scope: &'q str) -> Select<'q, DB, (String,)>
where
    &'q str: Bind<'q, DB>,
    (String,): Record<DB>,
{
    sqlx::query_as("DELETE FROM configs WHERE scope = $1 RETURNING body").bind(scope)
}

/// The mode of `scope`.
pub(super) fn mode<'q, DB: Database>(scope: &'q str) -> Select<'q, DB, (String,)>
where
    &'q str: Bind<'q, DB>,
    (String,): Record<DB>,
{
    sqlx::query_as("SELECT mode FROM modes WHERE scope = $1").bind(scope)
}

/// Sets the mode of `scope`.
pub(super) fn set_mode<'q, DB: Database>(scope: &'q str, mode: &'q str) -> Statement<'q, DB>
where
    &'q str: Bind<'q, DB>,
{
    sqlx::query(
        "INSERT INTO modes (scope, mode) VALUES ($1, $2) \
         ON CONFLICT (scope) DO UPDATE SET mode = excluded.mode",
    )
    .bind(scope)
    .bind(mode)
}

/// Removes the mode of `scope`, returning it.
pub(super) fn delete_mode<'q, DB: Database>(scope: &'q str) -> Select<'q, DB, (String,)>
where
    &'q str: Bind<'q, DB>,
    (String,): Record<DB>,
{
    sqlx::query_as("DELETE FROM modes WHERE scope = $1 RETURNING mode").bind(scope)
}
