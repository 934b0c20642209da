//! The registration transaction, written once for both stores.
//!
//! [`register`] runs every step of adding a version inside a write transaction the backend
//! has already opened and serialised (SQLite with `BEGIN IMMEDIATE` on its single writer,
//! PostgreSQL with the subject's advisory lock). What still differs is passed in: how the
//! backend maps its errors, and PostgreSQL's per-context lock on allocating a new schema id.
//! Committing is left to the caller.

use sqlx::{Database, Executor, IntoArguments};

use super::sql::{self, Bind, Record, Statement, VersionRecord};
use super::{Conflict, NewVersion, SchemaId, StoreError, Version, VersionRow};
use crate::contexts;

/// What the two backends do differently inside a registration.
pub(super) struct Dialect<'a, DB: Database> {
    /// Converts the backend's errors (PostgreSQL also treats its retryable aborts as races).
    pub(super) map: fn(sqlx::Error) -> StoreError,
    /// Run before a new schema id is allocated, after which the fingerprint is looked up
    /// again: on PostgreSQL another node may have inserted the same schema meanwhile. SQLite
    /// has one writer and needs none.
    pub(super) id_lock: Option<Statement<'a, DB>>,
}

/// Adds `new` in the open transaction `conn` and returns its version. Returns the existing
/// version when the schema is already a live version of the subject (and no explicit version
/// was asked for), so a retried request never creates a duplicate.
pub(super) async fn register<DB>(
    conn: &mut DB::Connection,
    new: &NewVersion,
    dialect: Dialect<'_, DB>,
) -> Result<VersionRow, StoreError>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> &'q str: Bind<'q, DB>,
    i32: for<'q> Bind<'q, DB>,
    Option<String>: for<'q> Bind<'q, DB>,
    VersionRecord: Record<DB> + Send + Unpin,
    (i32,): Record<DB> + Send + Unpin,
    (Option<i32>,): Record<DB> + Send + Unpin,
{
    let map = dialect.map;
    if new.version.is_none() {
        // A retry of a request that already committed, or the same schema registered at the
        // same moment on another node, lands here and gets the same answer.
        let existing = sql::live_by_fingerprint(&new.subject, &new.schema.fingerprint)
            .fetch_optional(&mut *conn)
            .await
            .map_err(map)?;
        if let Some(row) = already_registered(existing, new) {
            return Ok(row);
        }
    }
    if let Some(expected) = new.checked_against {
        let (latest,) = sql::latest_live(&new.subject)
            .fetch_one(&mut *conn)
            .await
            .map_err(map)?;
        check_latest(latest, expected)?;
    }
    let schema_id = schema_id_for(&mut *conn, new, dialect).await?;
    let version = match new.version {
        Some(wanted) => {
            let taken = sql::version_taken(&new.subject, wanted.0)
                .fetch_optional(&mut *conn)
                .await
                .map_err(map)?;
            if taken.is_some() {
                return Err(StoreError::Conflict(Conflict::VersionTaken(wanted)));
            }
            wanted.0
        }
        None => {
            // Soft-deleted versions count: a version number is never handed out twice while
            // its row exists.
            let (max,) = sql::max_version(&new.subject)
                .fetch_one(&mut *conn)
                .await
                .map_err(map)?;
            max.unwrap_or(0).saturating_add(1)
        }
    };
    let context = contexts::context_of(&new.subject);
    sql::insert_version(&new.subject, version, context, schema_id)
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    // Older soft-deleted versions carrying the same schema are superseded by this one; keep
    // those that another schema still references. The id stays in use, so no cache needs
    // telling.
    sql::drop_superseded(&new.subject, schema_id, version)
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    Ok(registered(new.subject.clone(), version, schema_id))
}

/// The schema id for `new`, inserting the schema when it is new.
async fn schema_id_for<DB>(
    conn: &mut DB::Connection,
    new: &NewVersion,
    dialect: Dialect<'_, DB>,
) -> Result<i32, StoreError>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> &'q str: Bind<'q, DB>,
    i32: for<'q> Bind<'q, DB>,
    Option<String>: for<'q> Bind<'q, DB>,
    (i32,): Record<DB> + Send + Unpin,
    (Option<i32>,): Record<DB> + Send + Unpin,
{
    let map = dialect.map;
    let schema = &new.schema;
    let context = contexts::context_of(&new.subject);
    let mut existing = sql::id_by_fingerprint(context, &schema.fingerprint)
        .fetch_optional(&mut *conn)
        .await
        .map_err(map)?;
    if let (None, Some(id_lock)) = (existing, dialect.id_lock) {
        id_lock.execute(&mut *conn).await.map_err(map)?;
        // Another subject's registration may have inserted it while we waited; under READ
        // COMMITTED this statement sees its commit.
        existing = sql::id_by_fingerprint(context, &schema.fingerprint)
            .fetch_optional(&mut *conn)
            .await
            .map_err(map)?;
    }
    if let Some(id) = reuse_id(existing.map(|(id,)| id), new.id)? {
        return Ok(id);
    }
    let id = match new.id {
        Some(wanted) => {
            let taken = sql::id_taken(context, wanted.0)
                .fetch_optional(&mut *conn)
                .await
                .map_err(map)?;
            if taken.is_some() {
                return Err(StoreError::Conflict(Conflict::IdTaken(wanted)));
            }
            wanted.0
        }
        None => {
            let (max,) = sql::max_schema_id(context)
                .fetch_one(&mut *conn)
                .await
                .map_err(map)?;
            next_id(max)?
        }
    };
    sql::insert_schema(context, id, schema)?
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    for (position, reference) in schema.references.iter().enumerate() {
        sql::insert_reference(context, id, position, reference)
            .execute(&mut *conn)
            .await
            .map_err(map)?;
    }
    Ok(id)
}

/// The live version a registration returns instead of adding one: a retried request (or the
/// same schema registered concurrently) gets the same answer, unless it asks for another id.
fn already_registered(existing: Option<VersionRecord>, new: &NewVersion) -> Option<VersionRow> {
    let row = VersionRow::from(existing?);
    new.id.is_none_or(|id| id == row.schema_id).then_some(row)
}

/// Refuses the registration when the subject's latest live version is no longer the one the
/// caller checked compatibility against.
fn check_latest(latest: Option<i32>, expected: Option<Version>) -> Result<(), StoreError> {
    if latest.map(Version) == expected {
        Ok(())
    } else {
        Err(StoreError::Conflict(Conflict::LatestChanged))
    }
}

/// The id to reuse when the schema already has one in the context: one schema has one id, so
/// an explicit different id is refused.
fn reuse_id(existing: Option<i32>, wanted: Option<SchemaId>) -> Result<Option<i32>, StoreError> {
    match (existing, wanted) {
        (Some(id), None) => Ok(Some(id)),
        (Some(id), Some(wanted)) if id == wanted.0 => Ok(Some(id)),
        (Some(_), Some(wanted)) => Err(StoreError::Conflict(Conflict::IdTaken(wanted))),
        (None, _) => Ok(None),
    }
}

/// The id after the context's highest one.
fn next_id(max: Option<i32>) -> Result<i32, StoreError> {
    max.unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| StoreError::Backend("schema ids are exhausted (2^31-1 reached)".into()))
}

/// The version a registration just added.
fn registered(subject: String, version: i32, schema_id: i32) -> VersionRow {
    VersionRow {
        subject,
        version: Version(version),
        schema_id: SchemaId(schema_id),
        deleted: false,
    }
}
