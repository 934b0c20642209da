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
//!
//! With authentication on, the cache also keeps the subjects that hold each id (its
//! *holders*), for the ACL check of by-id reads (`auth/policy.rs`): a principal may read an id
//! when it may read one of its holders. Holders only shrink by a permanent delete, which
//! invalidates them like the schema; they grow when another subject registers the same
//! schema, which the cached list does not see, so a check the cached holders refuse is asked
//! of the database again (and the list refreshed) before it is refused.
//!
//! A read that went to the database while a permanent delete was invalidating the same id
//! could put the pre-delete answer back after the invalidation. Every invalidation therefore
//! moves a generation counter, and entries read from the database are only kept when the
//! generation they were read under is still current ([`SchemaCache::generation`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use stele_engine::Schema;

use crate::store::{SchemaId, StoredSchema};

/// Entries kept (per map) before the cache starts over.
const MAX_ENTRIES: usize = 100_000;

/// Canonical text of the parsed schemas kept, in bytes, before that cache starts over. A parsed
/// schema takes tens of times its text in memory (a 3.6 MB record of 100,000 fields about
/// 200 MB), so this map is bounded by size, not only by count.
const MAX_PARSED_BYTES: usize = 16 * 1024 * 1024;

/// A parsed schema whose canonical text is larger than this is not kept: it is parsed again
/// when needed, which costs time in proportion but no lasting memory.
const MAX_PARSED_ONE: usize = 1024 * 1024;

/// A stored schema with its `GET /schemas/ids/{id}` answer already serialised.
#[derive(Debug)]
pub struct CachedSchema {
    /// The stored schema.
    pub stored: StoredSchema,
    /// The JSON body of `GET /schemas/ids/{id}` without a `subject` parameter.
    pub by_id_body: Bytes,
}

/// Entries by context, then by id (ids are unique within a context only). Two levels rather
/// than a `(String, SchemaId)` key so that a lookup borrows the context name instead of
/// allocating a key: the by-id read does one lookup per request.
#[derive(Debug)]
struct ByContext<T> {
    contexts: HashMap<Box<str>, HashMap<SchemaId, T>>,
    len: usize,
    /// The summed weights of the entries inserted since the map last started over.
    weight: usize,
}

impl<T> Default for ByContext<T> {
    fn default() -> ByContext<T> {
        ByContext {
            contexts: HashMap::new(),
            len: 0,
            weight: 0,
        }
    }
}

impl<T: Clone> ByContext<T> {
    fn get(&self, context: &str, id: SchemaId) -> Option<T> {
        self.contexts.get(context)?.get(&id).cloned()
    }

    fn insert(&mut self, context: &str, id: SchemaId, value: T) {
        self.insert_weighed(context, id, value, 0, usize::MAX);
    }

    /// Inserts an entry that counts `weight` against `max_weight`; the map starts over when
    /// either the count or the weight would pass its bound.
    fn insert_weighed(
        &mut self,
        context: &str,
        id: SchemaId,
        value: T,
        weight: usize,
        max_weight: usize,
    ) {
        if self.len >= MAX_ENTRIES || self.weight.saturating_add(weight) > max_weight {
            self.contexts.clear();
            self.len = 0;
            self.weight = 0;
        }
        let ids = match self.contexts.get_mut(context) {
            Some(ids) => ids,
            None => self.contexts.entry(context.into()).or_default(),
        };
        if ids.insert(id, value).is_none() {
            self.len += 1;
            self.weight = self.weight.saturating_add(weight);
        }
    }

    fn remove(&mut self, context: &str, id: SchemaId) {
        if let Some(ids) = self.contexts.get_mut(context)
            && ids.remove(&id).is_some()
        {
            self.len -= 1;
        }
    }
}

/// The subjects that hold an id (use it in a live or soft-deleted version).
pub type Holders = Arc<[String]>;

/// The cache shared by all requests.
#[derive(Debug, Default)]
pub struct SchemaCache {
    stored: RwLock<ByContext<Arc<CachedSchema>>>,
    parsed: RwLock<ByContext<Arc<Schema>>>,
    holders: RwLock<ByContext<Holders>>,
    /// Moved by every invalidation; see the module docs.
    generation: AtomicU64,
}

impl SchemaCache {
    /// The current generation: read it before asking the database for something to cache,
    /// and pass it to the `put_` method with the answer.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The cached stored schema, if present.
    pub fn stored(&self, context: &str, id: SchemaId) -> Option<Arc<CachedSchema>> {
        self.stored
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(context, id)
    }

    /// Remembers a stored schema read from the database under `generation`, unless an
    /// invalidation happened since.
    pub fn put_stored(&self, entry: Arc<CachedSchema>, generation: u64) {
        let (context, id) = (entry.stored.context.clone(), entry.stored.id);
        let mut stored = self
            .stored
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.generation() == generation {
            stored.insert(&context, id, entry);
        }
    }

    /// The cached holders of an id, if present.
    pub fn holders(&self, context: &str, id: SchemaId) -> Option<Holders> {
        self.holders
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(context, id)
    }

    /// Remembers the holders of an id read from the database under `generation`, unless an
    /// invalidation happened since.
    pub fn put_holders(&self, context: &str, id: SchemaId, holders: Holders, generation: u64) {
        let mut map = self
            .holders
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.generation() == generation {
            map.insert(context, id, holders);
        }
    }

    /// The cached parsed schema, if present.
    pub fn parsed(&self, context: &str, id: SchemaId) -> Option<Arc<Schema>> {
        self.parsed
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(context, id)
    }

    /// Remembers a parsed schema, unless its canonical text is over 1 MiB (too large to keep).
    pub fn put_parsed(&self, context: &str, id: SchemaId, schema: Arc<Schema>) {
        let weight = schema.canonical().len();
        if weight > MAX_PARSED_ONE {
            return;
        }
        self.parsed
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert_weighed(context, id, schema, weight, MAX_PARSED_BYTES);
    }

    /// Forgets an id of `context` (its schema and holders) after a permanent delete, so it
    /// is looked up again.
    pub fn invalidate(&self, context: &str, id: SchemaId) {
        // Under both write locks, so a `put_` that read the old generation cannot insert
        // after the removal.
        let mut stored = self
            .stored
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut holders = self
            .holders
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        stored.remove(context, id);
        holders.remove(context, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parsed_map_is_bounded_by_weight() {
        let mut map: ByContext<u32> = ByContext::default();
        map.insert_weighed(".", SchemaId(1), 1, 60, 100);
        map.insert_weighed(".", SchemaId(2), 2, 30, 100);
        assert_eq!(map.get(".", SchemaId(1)), Some(1));
        // 60 + 30 + 20 > 100: the map starts over with the new entry alone.
        map.insert_weighed(".", SchemaId(3), 3, 20, 100);
        assert_eq!(map.get(".", SchemaId(1)), None);
        assert_eq!(map.get(".", SchemaId(3)), Some(3));
        assert_eq!(map.weight, 20);
    }

    #[test]
    fn ids_are_per_context_and_the_bound_starts_over() {
        let mut map: ByContext<u32> = ByContext::default();
        map.insert(".", SchemaId(1), 10);
        map.insert(".ctx", SchemaId(1), 20);
        map.insert(".", SchemaId(1), 11);
        assert_eq!(map.get(".", SchemaId(1)), Some(11));
        assert_eq!(map.get(".ctx", SchemaId(1)), Some(20));
        assert_eq!(map.get(".other", SchemaId(1)), None);
        assert_eq!(map.len, 2);
        map.remove(".ctx", SchemaId(1));
        map.remove(".ctx", SchemaId(1));
        assert_eq!(map.get(".ctx", SchemaId(1)), None);
        assert_eq!(map.len, 1);
        for id in 0..MAX_ENTRIES {
            map.insert(
                ".",
                SchemaId(i32::try_from(id).expect("the bound fits an i32")),
                0,
            );
        }
        // Full at the bound: the next insert empties the map first.
        assert_eq!(map.len, MAX_ENTRIES);
        map.insert(".ctx", SchemaId(7), 70);
        assert_eq!(map.len, 1);
        assert_eq!(map.get(".", SchemaId(5)), None);
        assert_eq!(map.get(".ctx", SchemaId(7)), Some(70));
    }
}
