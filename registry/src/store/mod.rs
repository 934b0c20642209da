//! Persistence behind one async trait, [`Store`], in the registry's own words.
//!
//! The store keeps schemas (text stored once per context, keyed by id and by fingerprint
//! within the context), the versions
//! of each subject, and the config and mode of each scope. It enforces uniqueness (one id per
//! fingerprint, one row per subject version) and makes a registration one transaction; it
//! does not know HTTP, Confluent error codes, compatibility or parsing: the caller hands it
//! canonical text and a fingerprint computed by the engine.
//!
//! Only this module and its backends contain SQL. `sqlite.rs` is the embedded default;
//! `postgres.rs` implements the same trait for several nodes on one database. The `$N`-placeholder
//! SQL they share, and the rows it reads, are written once in `sql.rs`, and the registration
//! transaction in `register.rs`; each backend keeps its own connections, transactions and
//! locking. [`Backend::open`] picks one by the URL's scheme.

pub mod postgres;
mod register;
mod sql;
pub mod sqlite;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::{Map, Value};

use stele_engine::Reference;

use crate::cache::SchemaCache;
use postgres::PgStore;
use sqlite::SqliteStore;

/// The global scope's key in the `configs` and `modes` tables. Confluent reserves the subject
/// name `__GLOBAL`, so no subject can collide with it.
pub const GLOBAL_SCOPE: &str = "__GLOBAL";

/// A schema id, as written into every Kafka message; unique within its context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SchemaId(pub i32);

impl fmt::Display for SchemaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A version number inside one subject, starting at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Version(pub i32);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A schema as stored: immutable once it has an id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSchema {
    /// The context its id belongs to (`.` or `.ctx`).
    pub context: String,
    /// Its id within the context.
    pub id: SchemaId,
    /// `AVRO`, `PROTOBUF` or `JSON`.
    pub schema_type: String,
    /// The engine's canonical text.
    pub schema: String,
    /// The referenced subject versions, in the order given at registration.
    pub references: Vec<Reference>,
    /// Confluent `metadata`, kept as sent.
    pub metadata: Option<Value>,
    /// Confluent `ruleSet`, kept as sent.
    pub rule_set: Option<Value>,
}

/// One version of one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRow {
    /// The subject.
    pub subject: String,
    /// The version number.
    pub version: Version,
    /// The schema it registers.
    pub schema_id: SchemaId,
    /// Soft-deleted: hidden from most reads, still counted for version numbering.
    pub deleted: bool,
}

/// A schema to be stored, prepared by the caller (parsed, canonicalised, fingerprinted).
#[derive(Debug, Clone)]
pub struct NewSchema {
    /// Identity of the schema: equal fingerprints mean the same id.
    pub fingerprint: String,
    /// `AVRO`, `PROTOBUF` or `JSON`.
    pub schema_type: String,
    /// Canonical text.
    pub schema: String,
    /// References, versions already resolved to numbers.
    pub references: Vec<Reference>,
    /// Confluent `metadata`.
    pub metadata: Option<Value>,
    /// Confluent `ruleSet`.
    pub rule_set: Option<Value>,
}

/// A registration request as the store sees it.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// The subject to add a version to, normalised (qualified unless in the default
    /// context); its context is the id space the schema's id comes from.
    pub subject: String,
    /// The schema.
    pub schema: NewSchema,
    /// An explicit id (IMPORT mode only).
    pub id: Option<SchemaId>,
    /// An explicit version (IMPORT mode only).
    pub version: Option<Version>,
    /// The latest live version the caller checked compatibility against. When set and the
    /// subject's latest live version differs at commit time, the store refuses with
    /// [`Conflict::LatestChanged`] so the caller can check again: two nodes can never both
    /// append after checking against the same predecessor.
    pub checked_against: Option<Option<Version>>,
}

/// What the store holds, for `GET /metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Distinct schema ids (per context) that still resolve: used by a live or soft-deleted
    /// version.
    pub schemas: u64,
    /// Subjects with at least one live version.
    pub subjects: u64,
}

impl Counts {
    fn from_row((schemas, subjects): (i64, i64)) -> Counts {
        Counts {
            schemas: u64::try_from(schemas).unwrap_or(0),
            subjects: u64::try_from(subjects).unwrap_or(0),
        }
    }
}

/// Why a write was refused by a uniqueness rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Another version was added or deleted since the caller's compatibility check.
    LatestChanged,
    /// The explicit id already names a different schema.
    IdTaken(SchemaId),
    /// The explicit version already exists in the subject.
    VersionTaken(Version),
    /// A concurrent write took a unique key first (another node, or another connection);
    /// checking again and retrying is safe.
    Raced,
}

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The row the operation needs does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule refused the write.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// The database failed (IO, corruption, a constraint we did not expect).
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        match error {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(Conflict::Raced)
            }
            other => StoreError::Backend(Box::new(other)),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> StoreError {
        StoreError::Backend(Box::new(error))
    }
}

/// A config body: the Confluent config fields that were set, keyed by their `PUT` spelling
/// (`compatibility`, `normalize`, ...).
pub type ConfigBody = Map<String, Value>;

/// The registry's storage.
#[async_trait]
pub trait Store: Send + Sync {
    /// The schema with this id in `context` (`.` or `.ctx`), if at least one subject version
    /// (live or soft-deleted) still uses it.
    async fn schema_by_id(
        &self,
        context: &str,
        id: SchemaId,
    ) -> Result<Option<StoredSchema>, StoreError>;

    /// Every subject version of `context` that uses schema `id`, live and soft-deleted,
    /// ordered by subject then version.
    async fn usages(&self, context: &str, id: SchemaId) -> Result<Vec<VersionRow>, StoreError>;

    /// Every context with at least one subject version, sorted (`.` included when it has one).
    async fn contexts(&self) -> Result<Vec<String>, StoreError>;

    /// Every subject with at least one version, sorted, each with whether any version is live.
    async fn subjects(&self) -> Result<Vec<(String, bool)>, StoreError>;

    /// Every version of every subject, live and soft-deleted, by subject then version.
    async fn all_versions(&self) -> Result<Vec<VersionRow>, StoreError>;

    /// How many schemas and subjects the store holds, counted by the database.
    async fn counts(&self) -> Result<Counts, StoreError>;

    /// The highest schema id ever given out in `context` (0 when none).
    async fn max_schema_id(&self, context: &str) -> Result<SchemaId, StoreError>;

    /// All versions of `subject`, live and soft-deleted, ascending.
    async fn versions(&self, subject: &str) -> Result<Vec<VersionRow>, StoreError>;

    /// Versions of `subject` whose schema has this fingerprint, ascending.
    async fn find_in_subject(
        &self,
        subject: &str,
        fingerprint: &str,
    ) -> Result<Vec<VersionRow>, StoreError>;

    /// Subject versions whose schema references `subject` version `version`.
    async fn referrers(
        &self,
        subject: &str,
        version: Version,
    ) -> Result<Vec<VersionRow>, StoreError>;

    /// Adds a version in one transaction and returns it. Returns the existing version when
    /// the schema is already a live version of the subject (and no explicit version was
    /// asked for), so a retried request never creates a duplicate.
    async fn register(&self, new: NewVersion) -> Result<VersionRow, StoreError>;

    /// Marks versions soft-deleted.
    async fn mark_deleted(&self, subject: &str, versions: &[Version]) -> Result<(), StoreError>;

    /// Removes versions for good (their schemas keep their ids).
    async fn erase(&self, subject: &str, versions: &[Version]) -> Result<(), StoreError>;

    /// The config set on `scope`, if any.
    async fn config(&self, scope: &str) -> Result<Option<ConfigBody>, StoreError>;

    /// Replaces the config of `scope`.
    async fn set_config(&self, scope: &str, body: &ConfigBody) -> Result<(), StoreError>;

    /// Removes the config of `scope`, returning what it was.
    async fn delete_config(&self, scope: &str) -> Result<Option<ConfigBody>, StoreError>;

    /// The mode set on `scope`, if any.
    async fn mode(&self, scope: &str) -> Result<Option<String>, StoreError>;

    /// Sets the mode of `scope`.
    async fn set_mode(&self, scope: &str, mode: &str) -> Result<(), StoreError>;

    /// Removes the mode of `scope`, returning what it was.
    async fn delete_mode(&self, scope: &str) -> Result<Option<String>, StoreError>;
}

/// An opened store of either kind, for the binary: what [`Store`] leaves out (closing, the
/// multi-node cache watch) differs by backend.
#[derive(Debug, Clone)]
pub enum Backend {
    /// The embedded SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL database shared by any number of nodes.
    Postgres(PgStore),
}

/// A database URL the registry cannot use.
#[derive(Debug, thiserror::Error)]
#[error("unsupported database URL `{0}`; expected sqlite://PATH or postgres://...")]
pub struct UnsupportedUrl(pub String);

impl Backend {
    /// Opens the store named by `url` by its scheme (`sqlite:`, `postgres://` or
    /// `postgresql://`) and applies its migrations.
    pub async fn open(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres(PgStore::open(url).await?))
        } else if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite(SqliteStore::open(url).await?))
        } else {
            Err(StoreError::Backend(Box::new(UnsupportedUrl(
                url.to_string(),
            ))))
        }
    }

    /// Opens (creating if needed) the SQLite file at `path`.
    pub async fn open_file(path: &Path) -> Result<Backend, StoreError> {
        Ok(Backend::Sqlite(SqliteStore::open_file(path).await?))
    }

    /// The store, for [`crate::AppState`].
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite(store) => Arc::new(store.clone()),
            Backend::Postgres(store) => Arc::new(store.clone()),
        }
    }

    /// Keeps `cache` consistent with writes made by other nodes. Only PostgreSQL has other
    /// nodes; the SQLite store is one process's, and that process invalidates as it deletes.
    pub async fn watch(&self, cache: Arc<SchemaCache>) -> Result<(), StoreError> {
        if let Backend::Postgres(store) = self {
            // The tasks end when the pool closes.
            let _tasks = store.watch_erasures(cache).await?;
        }
        Ok(())
    }

    /// Closes the connections, waiting for running queries.
    pub async fn close(&self) {
        match self {
            Backend::Sqlite(store) => store.close().await,
            Backend::Postgres(store) => store.close().await,
        }
    }
}
