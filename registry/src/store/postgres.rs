//! The PostgreSQL store: any number of `stele-registry` processes on one database act as one
//! registry.
//!
//! **Write serialisation.** Every transaction that adds, soft-deletes or erases versions of a
//! subject first takes `pg_advisory_xact_lock(SUBJECT_LOCKS, hashtext(subject))`, and a
//! registration that needs a new schema id also takes its context's id lock
//! (`ID_LOCKS`, `hashtext(context)`) before reading `MAX(id)`: ids are allocated per context. Chosen over the alternatives because:
//! - `SELECT ... FOR UPDATE` needs a row to lock, and a subject has none before its first
//!   version (the two first registrations of a subject would both find nothing to lock);
//! - SERIALIZABLE would also be correct but aborts one of two concurrent writers, and the
//!   caller's compatibility check would be redone on every retry; under a lock the second
//!   writer simply waits and then sees the first one's commit (READ COMMITTED takes a fresh
//!   snapshot per statement), so versions come out consecutive without retries.
//!
//! A hash collision between two subjects only makes them wait for each other. Locks are always
//! taken subject first, then an id lock or `ERASURE_LOCK` (never both), so they cannot deadlock.
//! Subjects of other contexts have qualified names, so their locks are distinct.
//! The unique constraints stay the last word: a violation surfaces as [`Conflict::Raced`] and
//! the caller checks again.
//!
//! **Ids.** Confluent ids are `MAX(id) + 1` and IMPORT mode writes explicit ids, so a sequence
//! would hand out ids an import already took. `MAX(id) + 1` under the id lock gives the same ids
//! as the SQLite store and never a duplicate across nodes.
//!
//! **Cache invalidation.** Schemas are immutable; a cached id only goes stale when its last
//! subject version is erased. [`PgStore::erase`] records the erased ids with their context in
//! `erasures` and sends `NOTIFY stele_erasures` in the same transaction (delivered on commit);
//! the payload is the id, followed by `:` and the context outside the default context. Each node listens on
//! that channel and also polls `erasures` every [`POLL_INTERVAL`], because notifications sent
//! while its listening connection is down are lost. Ids erased in the last
//! `REINVALIDATE_FOR` (10 s) are dropped again on every poll, so a by-id read that was in flight
//! during the erase cannot leave the old answer cached for long.
//!
//! **Durability.** `synchronous_commit` is forced on for our sessions: a registration is
//! acknowledged only after its commit is on disk.
//!
//! Not here: read replicas, and connection settings beyond what the URL carries.

use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use tokio::task::JoinHandle;

use super::register::{self, Dialect};
use super::sql::{self, VersionRecord};
use super::{
    ConfigBody, Conflict, Counts, NewVersion, SchemaId, Store, StoreError, StoredSchema, Version,
    VersionRow,
};
use crate::cache::SchemaCache;
use crate::contexts;

/// First key of the per-subject advisory locks ("stel" in ASCII), so they do not collide
/// with locks other applications take in the same database.
const SUBJECT_LOCKS: i32 = 0x7374_656c;
/// First key of the registry-wide locks.
const GLOBAL_LOCKS: i32 = 0x7374_656d;
/// First key of the per-context locks on allocating new schema ids; the second key is
/// `hashtext(context)`.
const ID_LOCKS: i32 = 0x7374_656e;
/// Second key: appending to `erasures`, so `seq` values commit in order.
const ERASURE_LOCK: i32 = 2;

/// The NOTIFY channel carrying erased schema ids.
const CHANNEL: &str = "stele_erasures";

/// How often each node polls `erasures`: the bound on a missed notification.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How long an erased id keeps being dropped from the cache on every poll.
const REINVALIDATE_FOR: Duration = Duration::from_secs(10);

/// How long a request waits for a connection; while the database is down, writes fail after
/// this long with a 5xx instead of hanging.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections per node.
const MAX_CONNECTIONS: u32 = 16;

/// The PostgreSQL-backed [`Store`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

/// The SQLSTATEs PostgreSQL uses when it aborts a transaction to let another one through;
/// retrying is safe.
fn is_retryable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("40001" | "40P01")),
        _ => false,
    }
}

/// Maps sqlx errors like the shared conversion, plus PostgreSQL's retryable aborts.
fn map(error: sqlx::Error) -> StoreError {
    if is_retryable(&error) {
        StoreError::Conflict(Conflict::Raced)
    } else {
        StoreError::from(error)
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://...`) and applies the migrations in
    /// `migrations/postgres/` (sqlx serialises concurrent migrators with a lock, so nodes may
    /// start together).
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(map)?
            .application_name("stele-registry")
            .options([("synchronous_commit", "on")]);
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(map)?;
        sqlx::migrate!("../migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        Ok(PgStore { pool })
    }

    /// Closes the pool, waiting for running queries.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Keeps `cache` free of ids erased by any node: a LISTEN task and a polling task, both
    /// reconnecting on their own. Abort the handles to stop them.
    pub async fn watch_erasures(
        &self,
        cache: Arc<SchemaCache>,
    ) -> Result<[JoinHandle<()>; 2], StoreError> {
        // Start after the erasures that already exist: the cache is empty at start-up.
        let (cursor,): (Option<i64>,) = sqlx::query_as("SELECT MAX(seq) FROM erasures")
            .fetch_one(&self.pool)
            .await
            .map_err(map)?;
        let listening = tokio::spawn(listen(self.pool.clone(), Arc::clone(&cache)));
        let polling = tokio::spawn(poll(self.pool.clone(), cache, cursor.unwrap_or(0)));
        Ok([listening, polling])
    }
}

/// Drops the ids named by notifications as they arrive.
async fn listen(pool: PgPool, cache: Arc<SchemaCache>) {
    loop {
        if pool.is_closed() {
            return;
        }
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::debug!(%error, "cannot listen for erasures yet; the poll covers them");
                tokio::time::sleep(POLL_INTERVAL).await;
                continue;
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::debug!(%error, "LISTEN failed; the poll covers erasures");
            tokio::time::sleep(POLL_INTERVAL).await;
            continue;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => match parse_payload(notification.payload()) {
                    Some((context, id)) => cache.invalidate(context, id),
                    None => tracing::warn!(
                        payload = notification.payload(),
                        "unexpected payload on {CHANNEL}"
                    ),
                },
                // The connection dropped; notifications in between are lost, the poll has
                // them.
                Ok(None) => tracing::debug!("erasure listener reconnected"),
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => {
                    tracing::debug!(%error, "erasure listener failed");
                    tokio::time::sleep(POLL_INTERVAL).await;
                    break;
                }
            }
        }
    }
}

/// The payload announcing an erased id: `id` in the default context, else `id:context`.
fn payload(context: &str, id: i32) -> String {
    if context == contexts::DEFAULT_CONTEXT {
        id.to_string()
    } else {
        format!("{id}:{context}")
    }
}

/// Reads a [`payload`].
fn parse_payload(payload: &str) -> Option<(&str, SchemaId)> {
    let (id, context) = payload
        .split_once(':')
        .unwrap_or((payload, contexts::DEFAULT_CONTEXT));
    Some((context, SchemaId(id.parse().ok()?)))
}

/// Polls `erasures` past `cursor`, the fallback for lost notifications.
async fn poll(pool: PgPool, cache: Arc<SchemaCache>, mut cursor: i64) {
    let mut recent: VecDeque<(Instant, String, SchemaId)> = VecDeque::new();
    let mut ticks = tokio::time::interval(POLL_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if pool.is_closed() {
            return;
        }
        let rows: Result<Vec<(i64, String, i32)>, sqlx::Error> = sqlx::query_as(
            "SELECT seq, context, schema_id FROM erasures WHERE seq > $1 ORDER BY seq \
             LIMIT 10000",
        )
        .bind(cursor)
        .fetch_all(&pool)
        .await;
        match rows {
            Ok(rows) => {
                let now = Instant::now();
                for (seq, context, id) in rows {
                    cursor = cursor.max(seq);
                    recent.push_back((now, context, SchemaId(id)));
                }
            }
            Err(error) => tracing::debug!(%error, "polling erasures failed; retrying"),
        }
        while recent
            .front()
            .is_some_and(|(seen, _, _)| seen.elapsed() > REINVALIDATE_FOR)
        {
            recent.pop_front();
        }
        for (_, context, id) in &recent {
            cache.invalidate(context, *id);
        }
    }
}

/// The advisory lock `(class, key)`, held until the transaction ends.
fn lock(class: i32, key: i32) -> sql::Statement<'static, Postgres> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(class)
        .bind(key)
}

/// The advisory lock `(class, hashtext(name))`, held until the transaction ends.
fn lock_name(class: i32, name: &str) -> sql::Statement<'_, Postgres> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(class)
        .bind(name)
}

#[async_trait]
impl Store for PgStore {
    async fn schema_by_id(
        &self,
        context: &str,
        id: SchemaId,
    ) -> Result<Option<StoredSchema>, StoreError> {
        let row = sql::schema_by_id(context, id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(map)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let references = sql::references_of(context, row.id)
            .fetch_all(&self.pool)
            .await
            .map_err(map)?;
        row.into_stored(context, sql::references(references))
            .map(Some)
    }

    async fn usages(&self, context: &str, id: SchemaId) -> Result<Vec<VersionRow>, StoreError> {
        let rows: Vec<VersionRecord> = sqlx::query_as(
            "SELECT subject, version, schema_id, deleted FROM subject_versions \
             WHERE context = $1 AND schema_id = $2 ORDER BY subject COLLATE \"C\", version",
        )
        .bind(context)
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        Ok(sql::version_rows(rows))
    }

    async fn subjects(&self) -> Result<Vec<(String, bool)>, StoreError> {
        // `COLLATE "C"`: byte order, as SQLite sorts, whatever the database's locale.
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT subject, SUM(CASE WHEN deleted THEN 0 ELSE 1 END) FROM subject_versions \
             GROUP BY subject ORDER BY subject COLLATE \"C\"",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        Ok(rows.into_iter().map(|(s, live)| (s, live > 0)).collect())
    }

    async fn all_versions(&self) -> Result<Vec<VersionRow>, StoreError> {
        let rows: Vec<VersionRecord> = sqlx::query_as(
            "SELECT subject, version, schema_id, deleted FROM subject_versions \
             ORDER BY subject COLLATE \"C\", version",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        Ok(sql::version_rows(rows))
    }

    async fn contexts(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT context COLLATE \"C\" FROM subject_versions ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        Ok(rows.into_iter().map(|(context,)| context).collect())
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let row = sql::counts().fetch_one(&self.pool).await.map_err(map)?;
        Ok(Counts::from_row(row))
    }

    async fn max_schema_id(&self, context: &str) -> Result<SchemaId, StoreError> {
        let (max,) = sql::max_schema_id(context)
            .fetch_one(&self.pool)
            .await
            .map_err(map)?;
        Ok(SchemaId(max.unwrap_or(0)))
    }

    async fn versions(&self, subject: &str) -> Result<Vec<VersionRow>, StoreError> {
        let rows = sql::versions(subject)
            .fetch_all(&self.pool)
            .await
            .map_err(map)?;
        Ok(sql::version_rows(rows))
    }

    async fn find_in_subject(
        &self,
        subject: &str,
        fingerprint: &str,
    ) -> Result<Vec<VersionRow>, StoreError> {
        let rows = sql::find_in_subject(subject, fingerprint)
            .fetch_all(&self.pool)
            .await
            .map_err(map)?;
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
             WHERE r.subject = $1 AND r.version = $2 \
             ORDER BY v.schema_id, v.subject COLLATE \"C\", v.version",
        )
        .bind(subject)
        .bind(version.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        Ok(sql::version_rows(rows))
    }

    async fn register(&self, new: NewVersion) -> Result<VersionRow, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map)?;
        lock_name(SUBJECT_LOCKS, &new.subject)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
        let dialect = Dialect {
            map,
            id_lock: Some(lock_name(ID_LOCKS, contexts::context_of(&new.subject))),
        };
        let row = register::register::<Postgres>(&mut tx, &new, dialect).await?;
        // Acknowledged only once this returns: the commit is durable (synchronous_commit).
        tx.commit().await.map_err(map)?;
        Ok(row)
    }

    async fn mark_deleted(&self, subject: &str, versions: &[Version]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(map)?;
        lock_name(SUBJECT_LOCKS, subject)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
        for version in versions {
            sql::mark_deleted(subject, version.0)
                .execute(&mut *tx)
                .await
                .map_err(map)?;
        }
        tx.commit().await.map_err(map)?;
        Ok(())
    }

    async fn erase(&self, subject: &str, versions: &[Version]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(map)?;
        lock_name(SUBJECT_LOCKS, subject)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
        let mut erased = Vec::new();
        for version in versions {
            let row: Option<(i32,)> = sqlx::query_as(
                "DELETE FROM subject_versions WHERE subject = $1 AND version = $2 \
                 RETURNING schema_id",
            )
            .bind(subject)
            .bind(version.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map)?;
            erased.extend(row.map(|(id,)| id));
        }
        let (remaining,) = sql::count_versions(subject)
            .fetch_one(&mut *tx)
            .await
            .map_err(map)?;
        if remaining == 0 {
            // The subject is gone for good; so are its settings.
            for statement in sql::delete_settings(subject) {
                statement.execute(&mut *tx).await.map_err(map)?;
            }
        }
        if !erased.is_empty() {
            // Every node drops these ids from its cache (the module doc). Ids another subject
            // still uses are announced too: a re-read costs one query and keeps this simple.
            lock(GLOBAL_LOCKS, ERASURE_LOCK)
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            let context = contexts::context_of(subject);
            for id in &erased {
                sqlx::query("INSERT INTO erasures (context, schema_id) VALUES ($1, $2)")
                    .bind(context)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?;
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(payload(context, *id))
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?;
            }
            sqlx::query("DELETE FROM erasures WHERE erased_at < now() - interval '7 days'")
                .execute(&mut *tx)
                .await
                .map_err(map)?;
        }
        tx.commit().await.map_err(map)?;
        Ok(())
    }

    async fn config(&self, scope: &str) -> Result<Option<ConfigBody>, StoreError> {
        let row = sql::config(scope)
            .fetch_optional(&self.pool)
            .await
            .map_err(map)?;
        sql::config_body(row)
    }

    async fn set_config(&self, scope: &str, body: &ConfigBody) -> Result<(), StoreError> {
        sql::set_config(scope, body)?
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(())
    }

    async fn delete_config(&self, scope: &str) -> Result<Option<ConfigBody>, StoreError> {
        let row = sql::delete_config(scope)
            .fetch_optional(&self.pool)
            .await
            .map_err(map)?;
        sql::config_body(row)
    }

    async fn mode(&self, scope: &str) -> Result<Option<String>, StoreError> {
        let row = sql::mode(scope)
            .fetch_optional(&self.pool)
            .await
            .map_err(map)?;
        Ok(row.map(|(mode,)| mode))
    }

    async fn set_mode(&self, scope: &str, mode: &str) -> Result<(), StoreError> {
        sql::set_mode(scope, mode)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(())
    }

    async fn delete_mode(&self, scope: &str) -> Result<Option<String>, StoreError> {
        let row = sql::delete_mode(scope)
            .fetch_optional(&self.pool)
            .await
            .map_err(map)?;
        Ok(row.map(|(mode,)| mode))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erasure_payloads_carry_the_context() {
        assert_eq!(payload(".", 7), "7");
        assert_eq!(payload(".ctx", 7), "7:.ctx");
        assert_eq!(parse_payload("7"), Some((".", SchemaId(7))));
        assert_eq!(parse_payload("7:.ctx"), Some((".ctx", SchemaId(7))));
        assert_eq!(parse_payload("x:.ctx"), None);
        assert_eq!(parse_payload(""), None);
    }
}
