//! `kill -9` during a storm of concurrent registrations, several times over one data
//! directory: after each restart every acknowledged registration is there with its id (and
//! its version, where the writer learned it), no id names two schemas, no schema has two ids,
//! every subject's versions run 1..=n with no gap or repeat, and the store still takes writes.
//!
//! The moment of each kill is random (seeded; the seed is printed, and `STELE_TEST_SEED`
//! repeats a run). Left out: deletes during the storm (they would make gaps legitimate) and
//! PostgreSQL (`postgres_restart.rs` restarts the database instead of the registry).

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::process::stop;
use common::raw::{Rng, spawn, try_send};
use common::{register_body, send};
use serde_json::json;

/// Concurrent writers per round.
const WRITERS: u64 = 16;
/// Subjects the writers share (plus one of each writer's own).
const SHARED_SUBJECTS: u64 = 4;
/// Kill, restart and verify this many times.
const ROUNDS: u64 = 3;

/// What writers were told, shared between them.
#[derive(Default)]
struct Journal {
    /// (subject, schema text) -> id, from 200 answers to registrations.
    registered: HashMap<(String, String), i64>,
    /// (subject, version) -> id, from 200 answers to lookups after a registration.
    versions: HashMap<(String, i64), i64>,
    /// Complete answers that were neither 200 nor consistent with earlier answers.
    wrong: Vec<String>,
    /// Acknowledged registrations in the current round.
    this_round: usize,
}

/// A schema no one registered before: records with distinct names are distinct schemas.
fn schema(round: u64, writer: u64, i: u64) -> String {
    format!(
        r#"{{"type":"record","name":"R{round}w{writer}n{i}","fields":[{{"name":"f","type":"int"}}]}}"#
    )
}

/// One writer: new schemas on shared and own subjects, re-registrations of acknowledged
/// schemas (same subject: same id; another subject: same id too), and lookups to learn
/// versions, until the server stops answering.
async fn writer(
    addr: SocketAddr,
    round: u64,
    writer: u64,
    seed: u64,
    journal: Arc<Mutex<Journal>>,
) {
    let mut rng = Rng::new(seed);
    for i in 0.. {
        let shared = format!("storm-{}", rng.between(0, SHARED_SUBJECTS));
        let own = format!("writer-{writer}");
        let subject = if rng.chance(75) { shared } else { own };
        let known: Option<((String, String), i64)> = if rng.chance(30) {
            let journal = journal.lock().unwrap();
            let len = journal.registered.len() as u64;
            (len > 0).then(|| {
                let pick = rng.between(0, len) as usize;
                let (key, id) = journal.registered.iter().nth(pick).expect("pick < len");
                (key.clone(), *id)
            })
        } else {
            None
        };
        // A known schema goes back to its own subject or to another one; either way its id
        // must not change.
        let (subject, text, expected) = match known {
            Some(((known_subject, text), id)) if rng.chance(50) => (known_subject, text, Some(id)),
            Some(((_, text), id)) => (subject, text, Some(id)),
            None => (subject, schema(round, writer, i), None),
        };
        let body = register_body(&text);
        let path = format!("/subjects/{subject}/versions");
        let Some(answer) = try_send(addr, "POST", &path, Some(&body)).await else {
            return;
        };
        let id = answer.json()["id"].as_i64();
        {
            let mut journal = journal.lock().unwrap();
            match (answer.status, id) {
                (200, Some(id)) => {
                    if let Some(expected) = expected
                        && expected != id
                    {
                        journal.wrong.push(format!(
                            "{subject}: {text} re-registered as id {id}, first acknowledged as {expected}"
                        ));
                    }
                    let previous = journal
                        .registered
                        .insert((subject.clone(), text.clone()), id);
                    if previous.is_some_and(|p| p != id) {
                        journal
                            .wrong
                            .push(format!("{subject}: {text} has ids {previous:?} and {id}"));
                    }
                    journal.this_round += 1;
                }
                _ => journal
                    .wrong
                    .push(format!("{path}: {} {}", answer.status, answer.body)),
            }
        }
        if rng.chance(50) {
            let Some(found) =
                try_send(addr, "POST", &format!("/subjects/{subject}"), Some(&body)).await
            else {
                return;
            };
            let found = found.json();
            if let (Some(version), Some(id)) = (found["version"].as_i64(), found["id"].as_i64()) {
                let mut journal = journal.lock().unwrap();
                let previous = journal.versions.insert((subject.clone(), version), id);
                if previous.is_some_and(|p| p != id) {
                    journal.wrong.push(format!(
                        "{subject} version {version} has ids {previous:?} and {id}"
                    ));
                }
            } else {
                journal
                    .lock()
                    .unwrap()
                    .wrong
                    .push(format!("lookup in {subject}: {found}"));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_registrations_survive_kill_9_storms() {
    let mut rng = Rng::from_env("acknowledged_registrations_survive_kill_9_storms");
    let dir = tempfile::tempdir().unwrap();
    let (mut addr, mut child) = spawn(dir.path(), &[]).await;
    // Every schema is accepted, so each round's answers depend only on ids and versions.
    let none = send(
        addr,
        "PUT",
        "/config",
        Some(r#"{"compatibility":"NONE"}"#),
        &[],
    )
    .await;
    assert_eq!(none.status, 200, "{}", none.body);
    let journal = Arc::new(Mutex::new(Journal::default()));
    let mut killed_after = Vec::new();
    for round in 0..ROUNDS {
        journal.lock().unwrap().this_round = 0;
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| tokio::spawn(writer(addr, round, w, rng.next(), Arc::clone(&journal))))
            .collect();
        // Kill after a random number of acknowledgements, at a random instant after that.
        let target = rng.between(30, 150) as usize;
        let deadline = Instant::now() + Duration::from_secs(120);
        while journal.lock().unwrap().this_round < target {
            assert!(
                Instant::now() < deadline,
                "round {round}: the storm stalled"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(rng.pause(40)).await;
        child.0.kill().unwrap(); // SIGKILL: no shutdown, no checkpoint.
        child.0.wait().unwrap();
        for writer in writers {
            writer.await.unwrap();
        }
        killed_after.push(journal.lock().unwrap().this_round);

        (addr, child) = spawn(dir.path(), &[]).await;
        // The writers are done; verify a copy so no lock is held across the reads.
        let told = {
            let journal = journal.lock().unwrap();
            assert!(
                journal.wrong.is_empty(),
                "round {round}: {:#?}",
                journal.wrong
            );
            Journal {
                registered: journal.registered.clone(),
                versions: journal.versions.clone(),
                ..Journal::default()
            }
        };
        verify(addr, &told, round).await;
    }
    eprintln!(
        "acknowledged_registrations_survive_kill_9_storms: {WRITERS} writers, killed after \
         {killed_after:?} acknowledged registrations; {} distinct (subject, schema) pairs \
         acknowledged in all",
        journal.lock().unwrap().registered.len()
    );
    stop(&mut child.0);
}

/// Reads everything back from the restarted registry and checks it against the journal.
async fn verify(addr: SocketAddr, journal: &Journal, round: u64) {
    // Every acknowledged registration is there with its id.
    for ((subject, text), id) in &journal.registered {
        let found = send(
            addr,
            "POST",
            &format!("/subjects/{subject}"),
            Some(&register_body(text)),
            &[],
        )
        .await;
        assert_eq!(
            found.status, 200,
            "round {round}: {subject}: {text}: {}",
            found.body
        );
        assert_eq!(found.json()["id"], *id, "round {round}: {subject}: {text}");
    }
    // Every version a writer learned still names the same id.
    for ((subject, version), id) in &journal.versions {
        let found = send(
            addr,
            "GET",
            &format!("/subjects/{subject}/versions/{version}"),
            None,
            &[],
        )
        .await;
        assert_eq!(
            found.status, 200,
            "round {round}: {subject} v{version}: {}",
            found.body
        );
        assert_eq!(
            found.json()["id"],
            *id,
            "round {round}: {subject} v{version}"
        );
    }
    // The whole store: versions 1..=n per subject, one schema per id, one id per schema, no
    // schema twice in a subject.
    let subjects = send(addr, "GET", "/subjects", None, &[]).await.json();
    let mut schema_of: BTreeMap<i64, String> = BTreeMap::new();
    let mut id_of: HashMap<String, i64> = HashMap::new();
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
        let versions: Vec<i64> = versions
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        let expected: Vec<i64> = (1..=versions.len() as i64).collect();
        assert_eq!(
            versions, expected,
            "round {round}: {subject} has gaps or repeats"
        );
        let mut ids_here = Vec::new();
        for version in versions {
            let row = send(
                addr,
                "GET",
                &format!("/subjects/{subject}/versions/{version}"),
                None,
                &[],
            )
            .await
            .json();
            let id = row["id"].as_i64().unwrap();
            let text = row["schema"].as_str().unwrap().to_string();
            ids_here.push(id);
            if let Some(other) = schema_of.insert(id, text.clone()) {
                assert_eq!(other, text, "round {round}: id {id} names two schemas");
            }
            if let Some(other) = id_of.insert(text.clone(), id) {
                assert_eq!(other, id, "round {round}: {text} has two ids");
            }
        }
        let mut distinct = ids_here.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            ids_here.len(),
            "round {round}: {subject} repeats a schema: {ids_here:?}"
        );
    }
    for id in journal.registered.values() {
        assert!(
            schema_of.contains_key(id),
            "round {round}: id {id} is in no subject"
        );
        let by_id = send(addr, "GET", &format!("/schemas/ids/{id}"), None, &[]).await;
        assert_eq!(
            by_id.json()["schema"].as_str(),
            schema_of.get(id).map(String::as_str)
        );
    }
    // The store still takes writes, under a fresh id.
    let text = format!(r#"{{"type":"record","name":"AfterRound{round}","fields":[]}}"#);
    let written = send(
        addr,
        "POST",
        "/subjects/after-restart/versions",
        Some(&register_body(&text)),
        &[],
    )
    .await;
    assert_eq!(written.status, 200, "{}", written.body);
    let id = written.json()["id"].as_i64().unwrap();
    assert!(
        !schema_of.contains_key(&id),
        "round {round}: new id {id} is taken"
    );
    let versions = send(addr, "GET", "/subjects/after-restart/versions", None, &[]).await;
    assert_eq!(
        versions.json(),
        json!((1..=round as i64 + 1).collect::<Vec<_>>())
    );
}
