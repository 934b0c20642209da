//! The `Store` contract, driven directly: what every backend must do, whatever its SQL.
//! Every story runs on a temp-file SQLite, and on a fresh PostgreSQL database when
//! `TEST_DATABASE_URL` is set (see `common/postgres.rs` for when its absence fails).

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use serde_json::{Map, json};
use stele_engine::Reference;
use stele_registry::store::postgres::PgStore;
use stele_registry::store::sqlite::SqliteStore;
use stele_registry::store::{
    Conflict, GLOBAL_SCOPE, NewSchema, NewVersion, SchemaId, Store, StoreError, Version,
};

fn schema(fingerprint: &str) -> NewSchema {
    NewSchema {
        fingerprint: fingerprint.into(),
        schema_type: "AVRO".into(),
        schema: format!("\"{fingerprint}\""),
        references: Vec::new(),
        metadata: None,
        rule_set: None,
    }
}

fn version(subject: &str, fingerprint: &str) -> NewVersion {
    NewVersion {
        subject: subject.into(),
        schema: schema(fingerprint),
        id: None,
        version: None,
        checked_against: None,
    }
}

/// Runs each story (an `async fn(Opener)`) once per backend: `sqlite` and `postgres` tests.
/// A story opens as many stores as it wants on one database, like several nodes would.
macro_rules! contract {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let dir = tempfile::tempdir().unwrap();
                    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
                    super::$story(super::Opener::Sqlite(url)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let Some(server) = super::common::postgres::server(stringify!($story)) else {
                        return;
                    };
                    let db = super::common::postgres::TestDatabase::create(&server).await;
                    super::$story(super::Opener::Postgres(db.url.clone())).await;
                    db.drop_now().await;
                }
            )*
        }
    };
}

contract!(
    registration_is_idempotent_and_ids_are_global,
    uniqueness_rules_are_conflicts,
    deletes_references_and_settings,
    concurrent_writers_get_one_id_and_consecutive_versions,
    ids_dedup_and_references_are_per_context,
);

/// Opens stores of one backend on one database.
#[derive(Clone)]
enum Opener {
    Sqlite(String),
    Postgres(String),
}

impl Opener {
    async fn open(&self) -> Arc<dyn Store> {
        match self {
            Opener::Sqlite(url) => Arc::new(SqliteStore::open(url).await.unwrap()),
            Opener::Postgres(url) => Arc::new(PgStore::open(url).await.unwrap()),
        }
    }
}

async fn registration_is_idempotent_and_ids_are_global(opener: Opener) {
    let store = opener.open().await;
    let first = store.register(version("s", "a")).await.unwrap();
    assert_eq!((first.schema_id, first.version), (SchemaId(1), Version(1)));
    // A retry gets the same row.
    assert_eq!(store.register(version("s", "a")).await.unwrap(), first);
    let other = store.register(version("t", "a")).await.unwrap();
    assert_eq!((other.schema_id, other.version), (SchemaId(1), Version(1)));
    let second = store.register(version("s", "b")).await.unwrap();
    assert_eq!(
        (second.schema_id, second.version),
        (SchemaId(2), Version(2))
    );
    assert_eq!(store.max_schema_id(".").await.unwrap(), SchemaId(2));
    assert_eq!(
        store.subjects().await.unwrap(),
        [("s".to_string(), true), ("t".to_string(), true)]
    );
    assert_eq!(store.usages(".", SchemaId(1)).await.unwrap().len(), 2);
    assert_eq!(store.all_versions().await.unwrap().len(), 3);
    assert_eq!(store.find_in_subject("s", "b").await.unwrap(), [second]);
}

async fn uniqueness_rules_are_conflicts(opener: Opener) {
    let store = opener.open().await;
    store.register(version("s", "a")).await.unwrap();
    // The caller checked against "no versions", but version 1 exists now.
    let stale = NewVersion {
        checked_against: Some(None),
        ..version("s", "b")
    };
    assert!(matches!(
        store.register(stale).await,
        Err(StoreError::Conflict(Conflict::LatestChanged))
    ));
    let fresh = NewVersion {
        checked_against: Some(Some(Version(1))),
        ..version("s", "b")
    };
    assert_eq!(store.register(fresh).await.unwrap().version, Version(2));
    let id_taken = NewVersion {
        id: Some(SchemaId(1)),
        ..version("i", "c")
    };
    assert!(matches!(
        store.register(id_taken).await,
        Err(StoreError::Conflict(Conflict::IdTaken(SchemaId(1))))
    ));
    let version_taken = NewVersion {
        version: Some(Version(2)),
        ..version("s", "c")
    };
    assert!(matches!(
        store.register(version_taken).await,
        Err(StoreError::Conflict(Conflict::VersionTaken(Version(2))))
    ));
    let imported = NewVersion {
        id: Some(SchemaId(50)),
        version: Some(Version(9)),
        ..version("i", "c")
    };
    let row = store.register(imported).await.unwrap();
    assert_eq!((row.schema_id, row.version), (SchemaId(50), Version(9)));
    assert_eq!(
        store.register(version("j", "d")).await.unwrap().schema_id,
        SchemaId(51)
    );
}

async fn deletes_references_and_settings(opener: Opener) {
    let store = opener.open().await;
    store.register(version("base", "a")).await.unwrap();
    let mut user = version("user", "b");
    user.schema.references = vec![Reference {
        name: "a.avsc".into(),
        subject: "base".into(),
        version: 1,
    }];
    user.schema.metadata = Some(json!({"properties": {"k": "v"}}));
    let user = store.register(user).await.unwrap();
    let stored = store
        .schema_by_id(".", user.schema_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.references[0].subject, "base");
    assert_eq!(stored.metadata, Some(json!({"properties": {"k": "v"}})));
    assert_eq!(
        store.referrers("base", Version(1)).await.unwrap(),
        std::slice::from_ref(&user)
    );

    store.mark_deleted("user", &[Version(1)]).await.unwrap();
    assert!(store.versions("user").await.unwrap()[0].deleted);
    assert_eq!(
        store.subjects().await.unwrap()[1],
        ("user".to_string(), false)
    );
    // Soft-deleted schemas still resolve by id; erased ones do not, but keep their id.
    assert!(
        store
            .schema_by_id(".", user.schema_id)
            .await
            .unwrap()
            .is_some()
    );
    let mut config = Map::new();
    config.insert("compatibility".into(), json!("FULL"));
    store.set_config("user", &config).await.unwrap();
    store.set_mode("user", "READONLY").await.unwrap();
    store.erase("user", &[Version(1)]).await.unwrap();
    assert!(
        store
            .schema_by_id(".", user.schema_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.versions("user").await.unwrap().is_empty());
    // The subject is gone for good, and so are its settings.
    assert_eq!(store.config("user").await.unwrap(), None);
    assert_eq!(store.mode("user").await.unwrap(), None);
    assert_eq!(
        store
            .register(version("again", "b"))
            .await
            .unwrap()
            .schema_id,
        user.schema_id
    );

    store.set_config(GLOBAL_SCOPE, &config).await.unwrap();
    assert_eq!(
        store.config(GLOBAL_SCOPE).await.unwrap(),
        Some(config.clone())
    );
    assert_eq!(
        store.delete_config(GLOBAL_SCOPE).await.unwrap(),
        Some(config)
    );
    assert_eq!(store.delete_config(GLOBAL_SCOPE).await.unwrap(), None);
    store.set_mode(GLOBAL_SCOPE, "IMPORT").await.unwrap();
    store.set_mode(GLOBAL_SCOPE, "READWRITE").await.unwrap();
    assert_eq!(
        store.mode(GLOBAL_SCOPE).await.unwrap().as_deref(),
        Some("READWRITE")
    );
    assert_eq!(
        store.delete_mode(GLOBAL_SCOPE).await.unwrap().as_deref(),
        Some("READWRITE")
    );
}

/// Two stores on one database stand for two nodes: writers racing on both get one id per
/// schema and versions 1..N without gaps or duplicates.
async fn concurrent_writers_get_one_id_and_consecutive_versions(opener: Opener) {
    let nodes = [opener.open().await, opener.open().await];
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let store = Arc::clone(&nodes[writer % 2]);
        tasks.push(tokio::spawn(async move {
            let mut rows = Vec::new();
            for i in 0..5 {
                // Every writer also registers the shared schema under a subject of its own.
                rows.push(
                    store
                        .register(version(&format!("own{writer}"), "shared"))
                        .await,
                );
                rows.push(
                    store
                        .register(version("hot", &format!("w{writer}-{i}")))
                        .await,
                );
                rows.push(store.register(version("same", "same")).await);
            }
            rows
        }));
    }
    let mut rows = Vec::new();
    for task in tasks {
        rows.extend(task.await.unwrap().into_iter().map(Result::unwrap));
    }
    let shared: Vec<SchemaId> = rows
        .iter()
        .filter(|r| r.subject.starts_with("own"))
        .map(|r| r.schema_id)
        .collect();
    assert!(shared.windows(2).all(|w| w[0] == w[1]), "{shared:?}");
    let same = store_versions(&nodes[0], "same").await;
    assert_eq!(same, [1]);
    let hot = store_versions(&nodes[1], "hot").await;
    assert_eq!(hot, (1..=40).collect::<Vec<i32>>());
    let mut ids: Vec<SchemaId> = nodes[0]
        .all_versions()
        .await
        .unwrap()
        .iter()
        .filter(|v| v.subject == "hot")
        .map(|v| v.schema_id)
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "one id per distinct schema");
    // 40 "hot" schemas, "shared" and "same": ids 1..=42, none skipped.
    assert_eq!(nodes[0].max_schema_id(".").await.unwrap(), SchemaId(42));
}

async fn store_versions(store: &Arc<dyn Store>, subject: &str) -> Vec<i32> {
    store
        .versions(subject)
        .await
        .unwrap()
        .iter()
        .map(|v| v.version.0)
        .collect()
}

/// Every context numbers its own ids: one fingerprint has one id per context, and writers in
/// two contexts at once (two nodes) each get 1..N.
async fn ids_dedup_and_references_are_per_context(opener: Opener) {
    let nodes = [opener.open().await, opener.open().await];
    let mut tasks = Vec::new();
    for (writer, context) in [(0, ""), (1, ":.a:"), (2, ":.b:"), (3, ":.a:")] {
        let store = Arc::clone(&nodes[writer % 2]);
        tasks.push(tokio::spawn(async move {
            let mut rows = Vec::new();
            for i in 0..5 {
                let subject = format!("{context}s{writer}");
                rows.push(store.register(version(&subject, &format!("f{i}"))).await);
            }
            rows
        }));
    }
    for task in tasks {
        for row in task.await.unwrap() {
            row.unwrap();
        }
    }
    let store = &nodes[0];
    assert_eq!(store.max_schema_id(".").await.unwrap(), SchemaId(5));
    assert_eq!(store.max_schema_id(".a").await.unwrap(), SchemaId(5));
    assert_eq!(store.max_schema_id(".b").await.unwrap(), SchemaId(5));
    assert_eq!(store.max_schema_id(".none").await.unwrap(), SchemaId(0));
    assert_eq!(store.contexts().await.unwrap(), [".", ".a", ".b"]);
    let in_a = store.usages(".a", SchemaId(1)).await.unwrap();
    let subjects: Vec<&str> = in_a.iter().map(|v| v.subject.as_str()).collect();
    assert_eq!(subjects, [":.a:s1", ":.a:s3"]);
    let stored = store
        .schema_by_id(".b", SchemaId(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.context.as_str(), stored.id), (".b", SchemaId(2)));
    assert!(
        store
            .schema_by_id(".c", SchemaId(1))
            .await
            .unwrap()
            .is_none()
    );

    // A reference into another context, and its referrers.
    let mut referrer = version(":.b:user", "uses-a");
    referrer.schema.references = vec![Reference {
        name: "r".into(),
        subject: ":.a:s1".into(),
        version: 1,
    }];
    let row = store.register(referrer).await.unwrap();
    assert_eq!(row.schema_id, SchemaId(6));
    let referrers = store.referrers(":.a:s1", Version(1)).await.unwrap();
    assert_eq!(referrers.len(), 1);
    assert_eq!(referrers[0].subject, ":.b:user");
    assert_eq!(
        store
            .schema_by_id(".b", SchemaId(6))
            .await
            .unwrap()
            .unwrap()
            .references[0]
            .subject,
        ":.a:s1"
    );
    // An explicit id is only taken within its context.
    let mut imported = version(":.c:x", "f0");
    imported.id = Some(SchemaId(3));
    assert_eq!(
        store.register(imported).await.unwrap().schema_id,
        SchemaId(3)
    );
    let mut clash = version(":.c:y", "other");
    clash.id = Some(SchemaId(3));
    assert!(matches!(
        store.register(clash).await,
        Err(StoreError::Conflict(Conflict::IdTaken(SchemaId(3))))
    ));
}
