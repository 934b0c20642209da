//! Several `stele-registry` processes on one PostgreSQL database act as one registry: racing
//! registrations get one id and consecutive versions, a write on one node is visible on the
//! other at once, and a permanent delete reaches every node's cache.
//!
//! Needs `TEST_DATABASE_URL` (see `common/postgres.rs`); each test makes its own database.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::postgres::{Node, TestDatabase, server};
use common::{USER_V1, register_body, send};
use serde_json::json;
use stele_registry::cache::{CachedSchema, SchemaCache};
use stele_registry::store::postgres::PgStore;
use stele_registry::store::{SchemaId, StoredSchema};

/// A record schema with one field named after `tag`; all of them are distinct schemas.
fn record(tag: &str) -> String {
    format!(r#"{{"type":"record","name":"R","fields":[{{"name":"f_{tag}","type":"int"}}]}}"#)
}

async fn register(node: &Node, subject: &str, schema: &str) -> (u16, String) {
    let response = send(
        node.addr,
        "POST",
        &format!("/subjects/{subject}/versions"),
        Some(&register_body(schema)),
        &[],
    )
    .await;
    (response.status, response.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_act_as_one_registry() {
    let Some(server) = server("two_nodes_act_as_one_registry") else {
        return;
    };
    let started = Instant::now();
    let db = TestDatabase::create(&server).await;
    let nodes = Arc::new([Node::start(&db.url).await, Node::start(&db.url).await]);
    let (a, b) = (&nodes[0], &nodes[1]);

    // The same schema, at the same moment, on both nodes, several times over: one id, one
    // version.
    let mut racing = Vec::new();
    for i in 0..8 {
        let nodes = Arc::clone(&nodes);
        racing.push(tokio::spawn(async move {
            register(&nodes[i % 2], "same-value", USER_V1).await
        }));
    }
    let mut ids = BTreeSet::new();
    for task in racing {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
        ids.insert(body);
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    let versions = send(b.addr, "GET", "/subjects/same-value/versions", None, &[]).await;
    assert_eq!(versions.json(), json!([1]));

    // Different schemas under one subject from both nodes at once: versions 1..N, no gaps, no
    // duplicates. NONE keeps the test about numbering rather than compatibility.
    let config = send(
        a.addr,
        "PUT",
        "/config/hot-value",
        Some(r#"{"compatibility":"NONE"}"#),
        &[],
    )
    .await;
    assert_eq!(config.status, 200, "{}", config.body);
    let mut writers = Vec::new();
    for writer in 0..4 {
        let nodes = Arc::clone(&nodes);
        writers.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for i in 0..5 {
                answers.push(
                    register(
                        &nodes[writer % 2],
                        "hot-value",
                        &record(&format!("{writer}_{i}")),
                    )
                    .await,
                );
            }
            answers
        }));
    }
    let mut hot_ids = BTreeSet::new();
    for writer in writers {
        for (status, body) in writer.await.unwrap() {
            assert_eq!(status, 200, "{body}");
            hot_ids.insert(body);
        }
    }
    assert_eq!(hot_ids.len(), 20, "one id per distinct schema");
    for node in nodes.iter() {
        let versions = send(node.addr, "GET", "/subjects/hot-value/versions", None, &[]).await;
        assert_eq!(versions.json(), json!((1..=20).collect::<Vec<i32>>()));
    }

    // A write on A: B serves it by id at once, and as `latest` within a second.
    let (status, body) = register(a, "fresh-value", &record("fresh")).await;
    assert_eq!(status, 200, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let by_id = send(b.addr, "GET", &format!("/schemas/ids/{id}"), None, &[]).await;
    assert_eq!(by_id.status, 200, "{}", by_id.body);
    let written = Instant::now();
    loop {
        let latest = send(
            b.addr,
            "GET",
            "/subjects/fresh-value/versions/latest",
            None,
            &[],
        )
        .await;
        if latest.status == 200 && latest.json()["id"] == id {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "latest on B after a second: {}",
            latest.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A permanent delete on A: B, which has the schema cached, stops serving it.
    for node in nodes.iter() {
        let cached = send(node.addr, "GET", &format!("/schemas/ids/{id}"), None, &[]).await;
        assert_eq!(cached.status, 200);
    }
    let soft = send(a.addr, "DELETE", "/subjects/fresh-value", None, &[]).await;
    assert_eq!(soft.status, 200, "{}", soft.body);
    let hard = send(
        a.addr,
        "DELETE",
        "/subjects/fresh-value?permanent=true",
        None,
        &[],
    )
    .await;
    assert_eq!(hard.status, 200, "{}", hard.body);
    let erased = Instant::now();
    loop {
        let gone = send(b.addr, "GET", &format!("/schemas/ids/{id}"), None, &[]).await;
        if gone.status == 404 {
            gone.assert_error(404, 40403);
            break;
        }
        assert!(
            erased.elapsed() < Duration::from_secs(5),
            "B still serves the erased schema: {}",
            gone.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "two_nodes_act_as_one_registry: B dropped the erased id after {:?}; test took {:?}",
        erased.elapsed(),
        started.elapsed()
    );

    let [a, b] = Arc::into_inner(nodes).expect("the tasks are done");
    a.stop();
    b.stop();
    db.drop_now().await;
}

/// The poll behind LISTEN/NOTIFY: an erasure whose notification never arrived (here, none is
/// sent) still reaches the cache within a few poll intervals.
#[tokio::test]
async fn erasures_reach_the_cache_without_notifications() {
    let Some(server) = server("erasures_reach_the_cache_without_notifications") else {
        return;
    };
    let db = TestDatabase::create(&server).await;
    let store = PgStore::open(&db.url).await.unwrap();
    let cache = Arc::new(SchemaCache::default());
    let tasks = store.watch_erasures(Arc::clone(&cache)).await.unwrap();
    cache.put_stored(
        Arc::new(CachedSchema {
            stored: StoredSchema {
                context: ".ctx".into(),
                id: SchemaId(7),
                schema_type: "AVRO".into(),
                schema: "\"int\"".into(),
                references: Vec::new(),
                metadata: None,
                rule_set: None,
            },
            by_id_body: "{}".into(),
        }),
        cache.generation(),
    );
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    sqlx::query("INSERT INTO erasures (context, schema_id) VALUES ('.ctx', 7)")
        .execute(&mut admin)
        .await
        .unwrap();
    let inserted = Instant::now();
    while cache.stored(".ctx", SchemaId(7)).is_some() {
        assert!(
            inserted.elapsed() < Duration::from_secs(5),
            "the poll did not drop the id"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for task in tasks {
        task.abort();
    }
    store.close().await;
    drop(admin);
    db.drop_now().await;
}

/// A PostgreSQL URL the binary cannot reach stops start-up with exit status 2 and a message
/// naming the database, with the password hidden.
#[test]
fn an_unreachable_database_stops_start_up() {
    let output = std::process::Command::new(common::process::BINARY)
        .args(["--database", "postgres://stele:secret@127.0.0.1:1/stele"])
        .env("STELE_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("opening the database postgres://stele:***@127.0.0.1:1/stele"),
        "{stderr}"
    );
    assert!(!stderr.contains("secret"), "{stderr}");
}
