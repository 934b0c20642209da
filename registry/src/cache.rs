//! In-memory cache of schemas by context and id: the producers' and consumers' hot path
//! (`GET /schemas/ids/{id}` once per new id per client) and the parsed schemas that
//! compatibility checks compare against.
//!
//! Schemas never change once they have an id, so entries never go stale; the only
//! invalidation is a permanent delete, after which an id with no remaining version must stop
//! resolving. The cache is bounded by a simple count: when full it is emptied, which costs a
//! few re-reads and needs no eviction bookkeeping.
//!
//! Deletes made by other nodes sharing a PostgreSQL database reach this cache through
//! [`SchemaCache::invalidate`], called by the store's watch tasks (LISTEN/NOTIFY plus a poll;
//! see `store/postgres.rs`). "Latest" reads are never cached, so they see other nodes' writes
//! at once.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use stele_engine::Schema;

use crate::store::{SchemaId, StoredSchema};

/// A schema's key: ids are unique within a context only.
type Key = (String, SchemaId);

/// Entries kept before the cache starts over.
const MAX_ENTRIES: usize = 100_000;

/// A stored schema with its `GET /schemas/ids/{id}` answer already serialised.
#[derive(Debug)]
pub struct CachedSchema {
    /// The stored schema.
    pub stored: StoredSchema,
    /// The JSON body of `GET /schemas/ids/{id}` without a `subject` parameter.
    pub by_id_body: Bytes,
}

/// The cache shared by all requests.
#[derive(Debug, Default)]
pub struct SchemaCache {
    stored: RwLock<HashMap<Key, Arc<CachedSchema>>>,
    parsed: RwLock<HashMap<Key, Arc<Schema>>>,
}

impl SchemaCache {
    /// The cached stored schema, if present.
    pub fn stored(&self, context: &str, id: SchemaId) -> Option<Arc<CachedSchema>> {
        let map = self
            .stored
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.get(&(context.to_string(), id)).cloned()
    }

    /// Remembers a stored schema.
    pub fn put_stored(&self, entry: Arc<CachedSchema>) {
        let mut map = self
            .stored
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert((entry.stored.context.clone(), entry.stored.id), entry);
    }

    /// The cached parsed schema, if present.
    pub fn parsed(&self, context: &str, id: SchemaId) -> Option<Arc<Schema>> {
        let map = self
            .parsed
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.get(&(context.to_string(), id)).cloned()
    }

    /// Remembers a parsed schema.
    pub fn put_parsed(&self, context: &str, id: SchemaId, schema: Arc<Schema>) {
        let mut map = self
            .parsed
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert((context.to_string(), id), schema);
    }

    /// Forgets an id of `context` after a permanent delete, so it is looked up again.
    pub fn invalidate(&self, context: &str, id: SchemaId) {
        self.stored
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&(context.to_string(), id));
    }
}
