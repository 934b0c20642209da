//! The embedded SQLite store, the default backend.
//!
//! Durability first: WAL journal, `synchronous=FULL` (a registration that answered 200 survives
//! a power cut), foreign keys on, and a busy timeout so a second process waits instead of
//! failing. Writers are serialised twice over: all writes go through a pool of one connection,
//! and every write transaction starts with `BEGIN IMMEDIATE`, so a read-then-write transaction
//! never has to upgrade its lock. Readers use their own pool and never block on writers (WAL).
//!
//! SQL uses `$N` placeholders and runtime `query_as`, so it carries over to PostgreSQL.
//! Not here: several processes sharing one file safely at high write rates (use PostgreSQL).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use stele_engine::Reference;

use crate::contexts;

use super::{
    ConfigBody, Conflict, NewVersion, SchemaId, Store, StoreError, StoredSchema, Version,
    VersionRow,
};

/// How long a connection waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Readers allowed at once.
const READ_CONNECTIONS: u32 = 8;

/// The SQLite-backed [`Store`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
}

type VersionTuple = (String, i32, i32, bool);
type SchemaTuple = (i32, String, String, Option<String>, Option<String>);

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path`) and runs the
    /// embedded migrations.
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(SqliteConnectOptions::from_str(url)?).await
    }

    /// Opens (creating if needed) the database file at `path`; unlike a URL, any file name
    /// works (spaces, `?`, `#`).
    pub async fn open_file(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(SqliteConnectOptions::new().filename(path)).await
    }

    async fn open_with(options: SqliteConnectOptions) -> Result<SqliteStore, StoreError> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("../migrations/sqlite")
            .run(&write)
            .await
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        let read = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .connect_with(options)
            .await?;
        Ok(SqliteStore { read, write })
    }

    /// Closes both pools, waiting for running queries.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    async fn references_of(&self, context: &str, id: i32) -> Result<Vec<Reference>, StoreError> {
        let rows: Vec<(String, String, i32)> = sqlx::query_as(
            "SELECT name, subject, version FROM schema_references \
             WHERE context = $1 AND schema_id = $2 ORDER BY position",
        )
        .bind(context)
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(name, subject, version)| Reference {
                name,
                subject,
                version,
            })
            .collect())
    }
}

fn version_row((subject, version, schema_id, deleted): VersionTuple) -> VersionRow {
    VersionRow {
        subject,
        version: Version(version),
        schema_id: SchemaId(schema_id),
        deleted,
    }
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

/// The schema id for `new`, inserting the schema when it is new. Runs inside the
/// registration transaction.
async fn schema_id_for(
    tx: &mut Transaction<'static, Sqlite>,
    new: &NewVersion,
) -> Result<i32, StoreError> {
    let schema = &new.schema;
    let context = contexts::context_of(&new.subject);
    let existing: Option<(i32,)> =
        sqlx::query_as("SELECT id FROM schemas WHERE context = $1 AND fingerprint = $2")
            .bind(context)
            .bind(&schema.fingerprint)
            .fetch_optional(&mut **tx)
            .await?;
    match (existing, new.id) {
        (Some((id,)), None) => return Ok(id),
        (Some((id,)), Some(wanted)) if id == wanted.0 => return Ok(id),
        // The schema already has another id; one schema has one id.
        (Some(_), Some(wanted)) => return Err(StoreError::Conflict(Conflict::IdTaken(wanted))),
        (None, _) => {}
    }
    let id = match new.id {
        Some(wanted) => {
            let taken: Option<(i32,)> =
                sqlx::query_as("SELECT id FROM schemas WHERE context = $1 AND id = $2")
                    .bind(context)
                    .bind(wanted.0)
                    .fetch_optional(&mut **tx)
                    .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(Conflict::IdTaken(wanted)));
            }
            wanted.0
        }
        None => {
            let (max,): (Option<i32>,) =
                sqlx::query_as("SELECT MAX(id) FROM schemas WHERE context = $1")
                    .bind(context)
                    .fetch_one(&mut **tx)
                    .await?;
            max.unwrap_or(0).checked_add(1).ok_or_else(|| {
                StoreError::Backend("schema ids are exhausted (2^31-1 reached)".into())
            })?
        }
    };
    sqlx::query(
        "INSERT INTO schemas (context, id, fingerprint, schema_type, schema, metadata, rule_set) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(context)
    .bind(id)
    .bind(&schema.fingerprint)
    .bind(&schema.schema_type)
    .bind(&schema.schema)
    .bind(to_json(schema.metadata.as_ref())?)
    .bind(to_json(schema.rule_set.as_ref())?)
    .execute(&mut **tx)
    .await?;
    for (position, reference) in schema.references.iter().enumerate() {
        sqlx::query(
            "INSERT INTO schema_references (context, schema_id, position, name, subject, version) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(context)
        .bind(id)
        .bind(i32::try_from(position).unwrap_or(i32::MAX))
        .bind(&reference.name)
        .bind(&reference.subject)
        .bind(reference.version)
        .execute(&mut **tx)
        .await?;
    }
    Ok(id)
}

#[async_trait]
impl Store for SqliteStore {
    async fn schema_by_id(
        &self,
        context: &str,
        id: SchemaId,
    ) -> Result<Option<StoredSchema>, StoreError> {
        let row: Option<SchemaTuple> = sqlx::query_as(
            "SELECT id, schema_type, schema, metadata, rule_set FROM schemas s \
             WHERE context = $1 AND id = $2 AND EXISTS (SELECT 1 FROM subject_versions v \
             WHERE v.context = s.context AND v.schema_id = s.id)",
        )
        .bind(context)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await?;
        let Some((id, schema_type, schema, metadata, rule_set)) = row else {
            return Ok(None);
        };
        Ok(Some(StoredSchema {
            context: context.to_string(),
            id: SchemaId(id),
            schema_type,
            schema,
            references: self.references_of(context, id).await?,
            metadata: parse_json(metadata)?,
            rule_set: parse_json(rule_set)?,
        }))
    }

    async fn usages(&self, context: &str, id: SchemaId) -> Result<Vec<VersionRow>, StoreError> {
        let rows: Vec<VersionTuple> = sqlx::query_as(
            "SELECT subject, version, schema_id, deleted FROM subject_versions \
             WHERE context = $1 AND schema_id = $2 ORDER BY subject, version",
        )
        .bind(context)
        .bind(id.0)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(version_row).collect())
    }

    async fn subjects(&self) -> Result<Vec<(String, bool)>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT subject, SUM(CASE WHEN deleted THEN 0 ELSE 1 END) FROM subject_versions \
             GROUP BY subject ORDER BY subject",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(|(s, live)| (s, live > 0)).collect())
    }

    async fn all_versions(&self) -> Result<Vec<VersionRow>, StoreError> {
        let rows: Vec<VersionTuple> = sqlx::query_as(
            "SELECT subject, version, schema_id, deleted FROM subject_versions \
             ORDER BY subject, version",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(version_row).collect())
    }

    async fn contexts(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT DISTINCT context FROM subject_versions ORDER BY context")
                .fetch_all(&self.read)
                .await?;
        Ok(rows.into_iter().map(|(context,)| context).collect())
    }

    async fn max_schema_id(&self, context: &str) -> Result<SchemaId, StoreError> {
        let (max,): (Option<i32>,) =
            sqlx::query_as("SELECT MAX(id) FROM schemas WHERE context = $1")
                .bind(context)
                .fetch_one(&self.read)
                .await?;
        Ok(SchemaId(max.unwrap_or(0)))
    }

    async fn versions(&self, subject: &str) -> Result<Vec<VersionRow>, StoreError> {
        let rows: Vec<VersionTuple> = sqlx::query_as(
            "SELECT subject, version, schema_id, deleted FROM subject_versions \
             WHERE subject = $1 ORDER BY version",
        )
        .bind(subject)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(version_row).collect())
    }

    async fn find_in_subject(
        &self,
        subject: &str,
        fingerprint: &str,
    ) -> Result<Vec<VersionRow>, StoreError> {
        let rows: Vec<VersionTuple> = sqlx::query_as(
            "SELECT v.subject, v.version, v.schema_id, v.deleted FROM subject_versions v \
             JOIN schemas s ON s.context = v.context AND s.id = v.schema_id \
             WHERE v.subject = $1 AND s.fingerprint = $2 ORDER BY v.version",
        )
        .bind(subject)
        .bind(fingerprint)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(version_row).collect())
    }

    async fn referrers(
        &self,
        subject: &str,
        version: Version,
    ) -> Result<Vec<VersionRow>, StoreError> {
        let rows: Vec<VersionTuple> = sqlx::query_as(
            "SELECT v.subject, v.version, v.schema_id, v.deleted FROM subject_versions v \
             JOIN schema_references r ON r.context = v.context AND r.schema_id = v.schema_id \
             WHERE r.subject = $1 AND r.version = $2 ORDER BY v.schema_id, v.subject, v.version",
        )
        .bind(subject)
        .bind(version.0)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(version_row).collect())
    }

    async fn register(&self, new: NewVersion) -> Result<VersionRow, StoreError> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        if new.version.is_none() {
            // A retry of a request that already committed lands here and gets the same answer.
            let existing: Option<VersionTuple> = sqlx::query_as(
                "SELECT v.subject, v.version, v.schema_id, v.deleted FROM subject_versions v \
                 JOIN schemas s ON s.context = v.context AND s.id = v.schema_id \
                 WHERE v.subject = $1 AND s.fingerprint = $2 AND NOT v.deleted \
                 ORDER BY v.version LIMIT 1",
            )
            .bind(&new.subject)
            .bind(&new.schema.fingerprint)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = existing {
                let row = version_row(row);
                if new.id.is_none_or(|id| id == row.schema_id) {
                    return Ok(row);
                }
            }
        }
        if let Some(expected) = new.checked_against {
            let (latest,): (Option<i32>,) = sqlx::query_as(
                "SELECT MAX(version) FROM subject_versions WHERE subject = $1 AND NOT deleted",
            )
            .bind(&new.subject)
            .fetch_one(&mut *tx)
            .await?;
            if latest.map(Version) != expected {
                return Err(StoreError::Conflict(Conflict::LatestChanged));
            }
        }
        let schema_id = schema_id_for(&mut tx, &new).await?;
        let version = match new.version {
            Some(wanted) => {
                let taken: Option<(i32,)> = sqlx::query_as(
                    "SELECT version FROM subject_versions WHERE subject = $1 AND version = $2",
                )
                .bind(&new.subject)
                .bind(wanted.0)
                .fetch_optional(&mut *tx)
                .await?;
                if taken.is_some() {
                    return Err(StoreError::Conflict(Conflict::VersionTaken(wanted)));
                }
                wanted.0
            }
            None => {
                // Soft-deleted versions count: a version number is never handed out twice
                // while its row exists.
                let (max,): (Option<i32>,) =
                    sqlx::query_as("SELECT MAX(version) FROM subject_versions WHERE subject = $1")
                        .bind(&new.subject)
                        .fetch_one(&mut *tx)
                        .await?;
                max.unwrap_or(0).saturating_add(1)
            }
        };
        sqlx::query(
            "INSERT INTO subject_versions (subject, version, context, schema_id, deleted) \
             VALUES ($1, $2, $3, $4, FALSE)",
        )
        .bind(&new.subject)
        .bind(version)
        .bind(contexts::context_of(&new.subject))
        .bind(schema_id)
        .execute(&mut *tx)
        .await?;
        // Older soft-deleted versions carrying the same schema are superseded by this one;
        // keep those that another schema still references.
        sqlx::query(
            "DELETE FROM subject_versions \
             WHERE subject = $1 AND schema_id = $2 AND deleted AND version <> $3 \
             AND NOT EXISTS (SELECT 1 FROM schema_references r \
                             WHERE r.subject = subject_versions.subject \
                             AND r.version = subject_versions.version)",
        )
        .bind(&new.subject)
        .bind(schema_id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(VersionRow {
            subject: new.subject,
            version: Version(version),
            schema_id: SchemaId(schema_id),
            deleted: false,
        })
    }

    async fn mark_deleted(&self, subject: &str, versions: &[Version]) -> Result<(), StoreError> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        for version in versions {
            sqlx::query(
                "UPDATE subject_versions SET deleted = TRUE WHERE subject = $1 AND version = $2",
            )
            .bind(subject)
            .bind(version.0)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn erase(&self, subject: &str, versions: &[Version]) -> Result<(), StoreError> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        for version in versions {
            sqlx::query("DELETE FROM subject_versions WHERE subject = $1 AND version = $2")
                .bind(subject)
                .bind(version.0)
                .execute(&mut *tx)
                .await?;
        }
        let (remaining,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM subject_versions WHERE subject = $1")
                .bind(subject)
                .fetch_one(&mut *tx)
                .await?;
        if remaining == 0 {
            // The subject is gone for good; so are its settings.
            for statement in [
                "DELETE FROM configs WHERE scope = $1",
                "DELETE FROM modes WHERE scope = $1",
            ] {
                sqlx::query(statement)
                    .bind(subject)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn config(&self, scope: &str) -> Result<Option<ConfigBody>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT body FROM configs WHERE scope = $1")
            .bind(scope)
            .fetch_optional(&self.read)
            .await?;
        row.map(|(body,)| serde_json::from_str(&body).map_err(StoreError::from))
            .transpose()
    }

    async fn set_config(&self, scope: &str, body: &ConfigBody) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO configs (scope, body) VALUES ($1, $2) \
             ON CONFLICT (scope) DO UPDATE SET body = excluded.body",
        )
        .bind(scope)
        .bind(serde_json::to_string(body)?)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn delete_config(&self, scope: &str) -> Result<Option<ConfigBody>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("DELETE FROM configs WHERE scope = $1 RETURNING body")
                .bind(scope)
                .fetch_optional(&self.write)
                .await?;
        row.map(|(body,)| serde_json::from_str(&body).map_err(StoreError::from))
            .transpose()
    }

    async fn mode(&self, scope: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT mode FROM modes WHERE scope = $1")
            .bind(scope)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|(mode,)| mode))
    }

    async fn set_mode(&self, scope: &str, mode: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO modes (scope, mode) VALUES ($1, $2) \
             ON CONFLICT (scope) DO UPDATE SET mode = excluded.mode",
        )
        .bind(scope)
        .bind(mode)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn delete_mode(&self, scope: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("DELETE FROM modes WHERE scope = $1 RETURNING mode")
                .bind(scope)
                .fetch_optional(&self.write)
                .await?;
        Ok(row.map(|(mode,)| mode))
    }
}
