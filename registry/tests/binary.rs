//! The built `stele-registry` binary: flags, serving on a real port, a clean stop on
//! SIGTERM, and data that survives a restart of the process. `kill -9` during a storm of
//! writes is in `crash.rs`, SIGTERM with requests in flight in `shutdown.rs`.

#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{USER_V1, register_body, send};
use serde_json::json;

use common::process::{BINARY, free_port, registry_command, start, terminate};

/// Starts the binary on `addr` over `data_dir` and waits until it listens.
async fn spawn(addr: SocketAddr, data_dir: &Path) -> Child {
    let mut command = registry_command();
    command
        .args(["--listen", &addr.to_string(), "--data-dir"])
        .arg(data_dir);
    start(command, addr).await
}

#[tokio::test]
async fn the_binary_serves_stops_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    // A space and a `#` would break a URL; the data directory is a plain path.
    let data_dir = dir.path().join("nested dir #1").join("data");
    let addr = free_port();
    let child = spawn(addr, &data_dir).await;
    assert_eq!(send(addr, "GET", "/", None, &[]).await.status, 200);
    let registered = send(
        addr,
        "POST",
        "/subjects/orders-value/versions",
        Some(&register_body(USER_V1)),
        &[],
    )
    .await;
    assert_eq!(registered.json(), json!({"id": 1}));
    terminate(child);
    assert!(data_dir.join("registry.db").exists());

    let addr = free_port();
    let child = spawn(addr, &data_dir).await;
    let versions = send(addr, "GET", "/subjects/orders-value/versions", None, &[]).await;
    assert_eq!(versions.json(), json!([1]));
    let by_id = send(addr, "GET", "/schemas/ids/1", None, &[]).await;
    assert_eq!(by_id.status, 200);
    terminate(child);
}

#[tokio::test]
async fn environment_and_defaults_configure_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_port();
    let mut child = Command::new(BINARY)
        .current_dir(dir.path())
        .env("STELE_LISTEN", addr.to_string())
        .env("STELE_DEFAULT_COMPATIBILITY", "full_transitive")
        .env("STELE_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(addr).await.is_err() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let config = send(addr, "GET", "/config", None, &[]).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        config.json(),
        json!({"compatibilityLevel": "FULL_TRANSITIVE"})
    );
    assert!(dir.path().join("stele-data").join("registry.db").exists());
}

/// What the Python round trip needs (also named at the top of `round_trip.py`).
const PYTHON_CLIENT: &str =
    "pip install \"confluent-kafka[avro,json,protobuf,schemaregistry]==2.16.0\"";

/// The real confluent-kafka-python client (registry calls; Avro, JSON Schema and Protobuf
/// serializers) against the binary: `tests/python/round_trip.py`. Runs where Python has the
/// client with those extras installed ([`PYTHON_CLIENT`]); elsewhere it says so and checks
/// nothing, unless `STELE_REQUIRE_PYTHON_CLIENT=1` makes a missing client a failure (for CI).
#[tokio::test]
async fn python_client_round_trip() {
    let probe = Command::new("python3")
        .args([
            "-c",
            "import confluent_kafka.schema_registry.avro, \
             confluent_kafka.schema_registry.json_schema, \
             confluent_kafka.schema_registry.protobuf",
        ])
        .output();
    let available = probe.is_ok_and(|output| output.status.success());
    if !available {
        assert!(
            std::env::var_os("STELE_REQUIRE_PYTHON_CLIENT").is_none(),
            "STELE_REQUIRE_PYTHON_CLIENT is set but confluent-kafka with its Avro, JSON and \
             Protobuf extras is not importable; run {PYTHON_CLIENT}"
        );
        eprintln!(
            "python_client_round_trip: confluent-kafka for Python is not installed ({PYTHON_CLIENT}); not run"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let addr = free_port();
    let child = spawn(addr, dir.path()).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/round_trip.py");
    // The registry is another process, so blocking this thread is harmless.
    let output = Command::new("python3")
        .arg(&script)
        .arg(format!("http://{addr}"))
        .output()
        .unwrap();
    terminate(child);
    assert!(
        output.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
