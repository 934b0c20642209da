//! The embedded SQLite store, the default backend.
//!
//! Durability first: WAL journal, `synchronous=FULL` (a registration that answered 200 survives
//! a power cut), foreign keys on, and a busy timeout so a second process waits instead of
//! failing. Writers are serialised twice over: all writes go through a pool of one connection,
//! and every write transaction starts with `BEGIN IMMEDIATE`, so a read-then-write transaction
//! never has to upgrade its lock. Readers use their own pool and never block on writers (WAL).
//!
//! The SQL both backends run lives in `sql.rs`; only the queries whose text differs are here.
//! Not here: several processes sharing one file safely at high write rates (use PostgreSQL).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::register::{self, Dialect};
use super::sql::{self, VersionRecord};
use super::{
    ConfigBody, Counts, NewVersion, SchemaId, Store, StoreError, StoredSchema, Version, VersionRow,
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
}

#[async_trait]
impl Store for SqliteStore {
    async fn schema_by_id(
        &self,
        context: &str,
        id: SchemaId,
    ) -> Result<Option<StoredSchema>, StoreError> {
        let row = sql::schema_by_id(context, id.0)
            .fetch_optional(&self.read)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let references = sql::references_of(context, row.id)
            .fetch_all(&self.read)
            .await?;
        row.into_stored(context, sql::references(references))
            .map(Some)
    }

    async fn usages(&self, context: &str, id: SchemaId) -> Result<Vec<VersionRow>, StoreError> {
        let rows: Vec<VersionRecord> = sqlx::query_as(
            "SELECT subject, version, schema_id, deleted FROM subject_versions \
             WHERE context = $1 AND schema_id = $2 ORDER BY subject, version",
        )
        .bind(context)
        .bind(id.0)
        .fetch_all(&self.read)
        .await?;
        Ok(sql::version_rows(rows))
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
        let rows: Vec<VersionRecord> = sqlx::query_as(
            "SELECT subject, version, schema_id, deleted FROM subject_versions \
             ORDER BY subject, version",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(sql::version_rows(rows))
    }

    async fn contexts(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT DISTINCT context FROM subject_versions ORDER BY context")
                .fetch_all(&self.read)
                .await?;
        Ok(rows.into_iter().map(|(context,)| context).collect())
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let row = sql::counts().fetch_one(&self.read).await?;
        Ok(Counts::from_row(row))
    }

    async fn max_schema_id(&self, context: &str) -> Result<SchemaId, StoreError> {
        let (max,) = sql::max_schema_id(context).fetch_one(&self.read).await?;
        Ok(SchemaId(max.unwrap_or(0)))
    }

    async fn versions(&self, subject: &str) -> Result<Vec<VersionRow>, StoreError> {
        let rows = sql::versions(subject).fetch_all(&self.read).await?;
        Ok(sql::version_rows(rows))
    }

    async fn find_in_subject(
        &self,
        subject: &str,
        fingerprint: &str,
    ) -> Result<Vec<VersionRow>, StoreError> {
        let rows = sql::find_in_subject(subject, fingerprint)
            .fetch_all(&self.read)
            .await?;
        Ok(sql::version_rows(rows))
    }

    async fn referrers(
        &self,
        subject: &str,
        version: Version,
    ) -> Result<Vec<VersionRow>, StoreError> {
        let rows: Vec<VersionRecord> = sqlx::query_as(
            "SELECT v.subject, v.version, v.schema_id, v.deleted FROM subject_versions v \
             JOIN schema_references r ON r.context = v.context AND r.schema_id = v.schema_id \
             WHERE r.subject = $1 AND r.version = $2 ORDER BY v.schema_id, v.subject, v.version",
        )
        .bind(subject)
        .bind(version.0)
        .fetch_all(&self.read)
        .await?;
        Ok(sql::version_rows(rows))
    }

    async fn register(&self, new: NewVersion) -> Result<VersionRow, StoreError> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let dialect = Dialect {
            map: StoreError::from,
            id_lock: None,
        };
        let row = register::register::<Sqlite>(&mut tx, &new, dialect).await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn mark_deleted(&self, subject: &str, versions: &[Version]) -> Result<(), StoreError> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        for version in versions {
            sql::mark_deleted(subject, version.0)
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
        let (remaining,) = sql::count_versions(subject).fetch_one(&mut *tx).await?;
        if remaining == 0 {
            // The subject is gone for good; so are its settings.
            for statement in sql::delete_settings(subject) {
                statement.execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn config(&self, scope: &str) -> Result<Option<ConfigBody>, StoreError> {
        let row = sql::config(scope).fetch_optional(&self.read).await?;
        sql::config_body(row)
    }

    async fn set_config(&self, scope: &str, body: &ConfigBody) -> Result<(), StoreError> {
        sql::set_config(scope, body)?.execute(&self.write).await?;
        Ok(())
    }

    async fn delete_config(&self, scope: &str) -> Result<Option<ConfigBody>, StoreError> {
        let row = sql::delete_config(scope)
            .fetch_optional(&self.write)
            .await?;
        sql::config_body(row)
    }

    async fn mode(&self, scope: &str) -> Result<Option<String>, StoreError> {
        let row = sql::mode(scope).fetch_optional(&self.read).await?;
        Ok(row.map(|(mode,)| mode))
    }

    async fn set_mode(&self, scope: &str, mode: &str) -> Result<(), StoreError> {
        sql::set_mode(scope, mode).execute(&self.write).await?;
        Ok(())
    }

    async fn delete_mode(&self, scope: &str) -> Result<Option<String>, StoreError> {
        let row = sql::delete_mode(scope).fetch_optional(&self.write).await?;
        Ok(row.map(|(mode,)| mode))
    }
}
