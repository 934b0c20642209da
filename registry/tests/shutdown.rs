//! SIGTERM while requests are in flight: uploads still arriving, a slow BACKWARD_TRANSITIVE
//! registration and a burst of concurrent registrations. The registry stops accepting
//! connections, finishes every request it accepted with a whole answer (never a reset
//! halfway), exits 0, and leaves a store that a restart reads back whole: every acknowledged
//! registration with its id, versions 1..=n per subject, SQLite's integrity and foreign-key
//! checks clean and its write-ahead log checkpointed.
//!
//! Left out: a client that stops sending forever (the request timeout bounds that, see
//! `bad_input.rs`), and PostgreSQL (its shutdown is the pool's).

#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::process::Child;
use std::time::{Duration, Instant};

use common::process::stop;
use common::raw::{complete, spawn};
use common::{register_body, send};
use serde_json::json;
use sqlx::{Connection, SqliteConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Fields in each version of the slow subject: its transitive check compares them all,
/// against every earlier version.
const SLOW_FIELDS: usize = 20_000;
/// Versions of the slow subject before the one in flight.
const SLOW_VERSIONS: usize = 6;
/// Uploads whose second half is sent only after SIGTERM.
const TRICKLES: usize = 4;
/// Registrations sent all at once just before SIGTERM.
const BURST: usize = 48;

/// Version `version` of the slow subject: `SLOW_FIELDS` fields, plus one more per version,
/// each with a default, so every version reads every other.
fn slow_schema(version: usize) -> String {
    let fields: Vec<serde_json::Value> = (0..SLOW_FIELDS + version)
        .map(|i| json!({"name": format!("f{i}"), "type": "long", "default": 0}))
        .collect();
    json!({"type": "record", "name": "Slow", "namespace": "shutdown", "fields": fields}).to_string()
}

fn small_schema(name: &str) -> String {
    format!(r#"{{"type":"record","name":"{name}","fields":[{{"name":"a","type":"int"}}]}}"#)
}

/// What became of one request sent around the SIGTERM.
#[derive(Debug)]
enum Outcome {
    /// A whole HTTP answer.
    Answered(common::Response),
    /// The connection was refused, or closed before a single byte came back: the server
    /// never took the request.
    NotTaken,
    /// Some bytes, then the connection ended: the failure this test exists to catch.
    CutOff(Vec<u8>),
}

/// Sends `head` and `body` (the body in two halves, with `pause` between them) and reads the
/// answer.
async fn exchange(
    addr: SocketAddr,
    path: &str,
    body: &str,
    pause: Option<tokio::sync::oneshot::Receiver<()>>,
) -> Outcome {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return Outcome::NotTaken;
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (first, second) = body.split_at(body.len() / 2);
    if stream.write_all(head.as_bytes()).await.is_err()
        || stream.write_all(first.as_bytes()).await.is_err()
    {
        return Outcome::NotTaken;
    }
    if let Some(pause) = pause {
        let _ = pause.await;
    }
    let _ = stream.write_all(second.as_bytes()).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    match complete(&raw) {
        Some(response) => Outcome::Answered(response),
        None if raw.is_empty() => Outcome::NotTaken,
        None => Outcome::CutOff(raw),
    }
}

fn sigterm(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_in_flight_and_leaves_a_whole_store() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, mut child) = spawn(dir.path(), &[]).await;
    // Only the slow subject checks compatibility; the others take any schema.
    let none = send(
        addr,
        "PUT",
        "/config",
        Some(r#"{"compatibility":"NONE"}"#),
        &[],
    )
    .await;
    assert_eq!(none.status, 200, "{}", none.body);
    let transitive = send(
        addr,
        "PUT",
        "/config/slow",
        Some(r#"{"compatibility":"BACKWARD_TRANSITIVE"}"#),
        &[],
    )
    .await;
    assert_eq!(transitive.status, 200, "{}", transitive.body);
    for version in 0..SLOW_VERSIONS {
        let registered = send(
            addr,
            "POST",
            "/subjects/slow/versions",
            Some(&register_body(&slow_schema(version))),
            &[],
        )
        .await;
        assert_eq!(registered.status, 200, "{}", registered.body);
    }

    // Uploads that are half sent when SIGTERM arrives.
    let mut releases = Vec::new();
    let mut in_flight = Vec::new();
    for i in 0..TRICKLES {
        let (release, pause) = tokio::sync::oneshot::channel();
        releases.push(release);
        let subject = format!("trickle-{i}");
        let body = register_body(&small_schema(&format!("Trickle{i}")));
        in_flight.push(tokio::spawn(async move {
            let path = format!("/subjects/{subject}/versions");
            (
                subject,
                body.clone(),
                exchange(addr, &path, &body, Some(pause)).await,
            )
        }));
    }
    // The uploads are taken (half their body is in); then the slow transitive registration
    // and a burst race the signal.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let slow_body = register_body(&slow_schema(SLOW_VERSIONS));
    let slow = {
        let body = slow_body.clone();
        tokio::spawn(async move {
            let outcome = exchange(addr, "/subjects/slow/versions", &body, None).await;
            (outcome, Instant::now())
        })
    };
    // Each of the burst is answered whole or never taken.
    let mut burst = Vec::new();
    for i in 0..BURST {
        let subject = format!("burst-{}", i % 6);
        let body = register_body(&small_schema(&format!("Burst{i}")));
        burst.push(tokio::spawn(async move {
            let path = format!("/subjects/{subject}/versions");
            (
                subject,
                body.clone(),
                exchange(addr, &path, &body, None).await,
            )
        }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let signalled = Instant::now();
    sigterm(&child.0);

    // The listener closes while the uploads are still unfinished.
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "still accepting connections after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "exited with uploads unfinished"
    );
    for release in releases {
        release.send(()).unwrap();
    }

    let mut acknowledged: Vec<(String, String, i64)> = Vec::new();
    for task in in_flight {
        let (subject, body, outcome) = task.await.unwrap();
        let Outcome::Answered(answer) = outcome else {
            panic!("{subject}: an upload in flight got no answer: {outcome:?}");
        };
        assert_eq!(answer.status, 200, "{subject}: {}", answer.body);
        acknowledged.push((subject, body, answer.json()["id"].as_i64().unwrap()));
    }
    let (slow, slow_answered) = slow.await.unwrap();
    match slow {
        Outcome::Answered(answer) => {
            assert_eq!(answer.status, 200, "slow: {}", answer.body);
            acknowledged.push((
                "slow".into(),
                slow_body,
                answer.json()["id"].as_i64().unwrap(),
            ));
        }
        other => panic!("the slow registration got no answer: {other:?}"),
    }
    let (mut answered, mut not_taken) = (0, 0);
    for task in burst {
        let (subject, body, outcome) = task.await.unwrap();
        match outcome {
            Outcome::Answered(answer) => {
                assert_eq!(answer.status, 200, "{subject}: {}", answer.body);
                acknowledged.push((subject, body, answer.json()["id"].as_i64().unwrap()));
                answered += 1;
            }
            Outcome::NotTaken => not_taken += 1,
            Outcome::CutOff(raw) => panic!(
                "{subject}: answer cut off: {}",
                String::from_utf8_lossy(&raw)
            ),
        }
    }
    stop(&mut child.0); // Already stopping: waits for exit 0 (at most 30 seconds).
    eprintln!(
        "sigterm_finishes_requests_in_flight_and_leaves_a_whole_store: exited {:?} after \
         SIGTERM; the slow registration answered {:?} after it; burst: {answered} answered, \
         {not_taken} not taken",
        signalled.elapsed(),
        slow_answered.checked_duration_since(signalled)
    );

    // The database as the process left it.
    let db = dir.path().join("registry.db");
    let wal = dir.path().join("registry.db-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "the write-ahead log was not checkpointed on shutdown"
    );
    let mut connection = SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    let broken: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    assert!(broken.is_empty(), "rows pointing at nothing: {broken:?}");
    connection.close().await.unwrap();

    // A restart reads back every acknowledged registration, and nothing half-written.
    let (addr, mut child) = spawn(dir.path(), &[]).await;
    for (subject, body, id) in &acknowledged {
        let found = send(
            addr,
            "POST",
            &format!("/subjects/{subject}"),
            Some(body),
            &[],
        )
        .await;
        assert_eq!(found.status, 200, "{subject}: {}", found.body);
        assert_eq!(found.json()["id"], *id, "{subject}");
    }
    let subjects = send(addr, "GET", "/subjects", None, &[]).await.json();
    for subject in subjects.as_array().unwrap() {
        let subject = subject.as_str().unwrap();
        let versions = send(
            addr,
            "GET",
            &format!("/subjects/{subject}/versions"),
            None,
            &[],
        )
        .await
        .json();
        let count = versions.as_array().unwrap().len() as i64;
        assert_eq!(
            versions,
            json!((1..=count).collect::<Vec<_>>()),
            "{subject}"
        );
        for version in 1..=count {
            let row = send(
                addr,
                "GET",
                &format!("/subjects/{subject}/versions/{version}"),
                None,
                &[],
            )
            .await;
            assert_eq!(row.status, 200, "{subject} v{version}: {}", row.body);
            let id = row.json()["id"].as_i64().unwrap();
            let by_id = send(addr, "GET", &format!("/schemas/ids/{id}"), None, &[]).await;
            assert_eq!(
                by_id.json()["schema"],
                row.json()["schema"],
                "{subject} v{version}"
            );
        }
    }
    let slow_versions = send(addr, "GET", "/subjects/slow/versions", None, &[])
        .await
        .json();
    assert_eq!(slow_versions.as_array().unwrap().len(), SLOW_VERSIONS + 1);
    let after = send(
        addr,
        "POST",
        "/subjects/after/versions",
        Some(&register_body(&small_schema("After"))),
        &[],
    )
    .await;
    assert_eq!(after.status, 200, "{}", after.body);
    stop(&mut child.0);
}
