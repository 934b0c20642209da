//! PostgreSQL stops while two nodes serve: reads by id keep answering from memory, writes fail
//! with a Confluent 5xx, and once the server is back writes succeed again with no manual step.
//!
//! Runs its own throwaway cluster through `scripts/postgres` (stopping the shared one would
//! disturb other tests); like the other PostgreSQL tests it runs only when `TEST_DATABASE_URL`
//! is set, which says PostgreSQL is installed.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::postgres::{Node, server};
use common::{USER_V1, USER_V2, register_body, send};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres")
}

/// Runs `scripts/postgres` and returns its stdout.
fn postgres(args: &[&str]) -> String {
    let output = Command::new(script()).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "scripts/postgres {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Destroys the cluster even when the test fails.
struct Cluster(String);

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script()).args(["destroy", &self.0]).output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_ride_out_a_postgres_restart() {
    if server("nodes_ride_out_a_postgres_restart").is_none() {
        return;
    }
    let started = Instant::now();
    let exports = postgres(&["start"]);
    let value = |name: &str| {
        exports
            .lines()
            .find_map(|line| line.strip_prefix(&format!("export {name}=")))
            .unwrap()
            .to_string()
    };
    let (url, dir) = (value("TEST_DATABASE_URL"), value("TEST_POSTGRES_DIR"));
    let cluster = Cluster(dir.clone());
    let nodes = [Node::start(&url).await, Node::start(&url).await];

    let registered = send(
        nodes[0].addr,
        "POST",
        "/subjects/orders-value/versions",
        Some(&register_body(USER_V1)),
        &[],
    )
    .await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    let id = registered.json()["id"].as_i64().unwrap();
    for node in &nodes {
        let by_id = send(node.addr, "GET", &format!("/schemas/ids/{id}"), None, &[]).await;
        assert_eq!(by_id.status, 200, "{}", by_id.body);
    }

    postgres(&["stop", &dir]);
    let stopped = Instant::now();
    for node in &nodes {
        let by_id = send(node.addr, "GET", &format!("/schemas/ids/{id}"), None, &[]).await;
        assert_eq!(by_id.status, 200, "by id from memory: {}", by_id.body);
    }
    // Both nodes at once: each waits for its pool's acquire timeout.
    let body = register_body(USER_V2);
    let path = "/subjects/orders-value/versions";
    let (first, second) = tokio::join!(
        send(nodes[0].addr, "POST", path, Some(&body), &[]),
        send(nodes[1].addr, "POST", path, Some(&body), &[]),
    );
    for write in [first, second] {
        assert!(write.status >= 500, "{} {}", write.status, write.body);
        write.assert_error(write.status, 50001);
    }
    let failing_for = stopped.elapsed();

    postgres(&["start", &dir]);
    let restarted = Instant::now();
    for node in &nodes {
        loop {
            let write = send(
                node.addr,
                "POST",
                "/subjects/orders-value/versions",
                Some(&register_body(USER_V2)),
                &[],
            )
            .await;
            if write.status == 200 {
                break;
            }
            assert!(
                restarted.elapsed() < Duration::from_secs(30),
                "writes still fail after the restart: {} {}",
                write.status,
                write.body
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let versions = send(
        nodes[1].addr,
        "GET",
        "/subjects/orders-value/versions",
        None,
        &[],
    )
    .await;
    assert_eq!(versions.body, "[1,2]");

    // The erasure watch came back too: a permanent delete on one node reaches the other.
    let second = send(
        nodes[1].addr,
        "GET",
        "/subjects/orders-value/versions/2",
        None,
        &[],
    )
    .await;
    let second_id = second.json()["id"].as_i64().unwrap();
    for permanent in ["false", "true"] {
        let deleted = send(
            nodes[0].addr,
            "DELETE",
            &format!("/subjects/orders-value/versions/2?permanent={permanent}"),
            None,
            &[],
        )
        .await;
        assert_eq!(deleted.status, 200, "{}", deleted.body);
    }
    let erased = Instant::now();
    loop {
        let gone = send(
            nodes[1].addr,
            "GET",
            &format!("/schemas/ids/{second_id}"),
            None,
            &[],
        )
        .await;
        if gone.status == 404 {
            gone.assert_error(404, 40403);
            break;
        }
        assert!(
            erased.elapsed() < Duration::from_secs(5),
            "the other node still serves the erased schema: {}",
            gone.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "nodes_ride_out_a_postgres_restart: failed writes took {failing_for:?} on two nodes, \
         writes recovered {:?} after the restart; test took {:?}",
        restarted.elapsed(),
        started.elapsed()
    );
    let [a, b] = nodes;
    a.stop();
    b.stop();
    drop(cluster);
}
