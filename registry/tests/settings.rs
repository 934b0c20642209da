//! Operational settings end to end: the built binary with a TOML file, environment variables
//! and flags (precedence, JSON logs, startup errors), the two response shapes of `schemaType`,
//! and `GET /health`.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use common::{Server, USER_V1, register_body, send};
use serde_json::{Value, json};
use stele_registry::entities::SchemaTypeField;
use stele_registry::store::sqlite::SqliteStore;
use stele_registry::{AppState, Config, app};

use common::process::{free_port, registry_command, start, terminate};

/// The binary, run from `dir`, with none of the `STELE_*` variables of the test environment.
fn registry(dir: &Path) -> Command {
    let mut command = registry_command();
    command.current_dir(dir);
    command
}

/// Runs the binary expecting a startup failure; returns its exit code and stderr.
fn fails(mut command: Command) -> (Option<i32>, String) {
    let output = command.stderr(Stdio::piped()).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn flags_beat_environment_which_beats_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (file_addr, env_addr, flag_addr) = (free_port(), free_port(), free_port());
    let config = dir.path().join("registry.toml");
    std::fs::write(
        &config,
        format!(
            "# the registry's settings\nlisten = \"{file_addr}\"\ndata_dir = \"file-data\"\n\
             default_compatibility = \"full\"\nmax_body_bytes = 2048\n"
        ),
    )
    .unwrap();

    // The file named by STELE_CONFIG; the environment overrides its address and level.
    let mut command = registry(dir.path());
    command
        .env("STELE_CONFIG", &config)
        .env("STELE_LISTEN", env_addr.to_string())
        .env("STELE_DEFAULT_COMPATIBILITY", "forward");
    let child = start(command, env_addr).await;
    let level = send(env_addr, "GET", "/config", None, &[]).await;
    assert_eq!(level.json(), json!({"compatibilityLevel": "FORWARD"}));
    // The file's body limit and data directory, which nothing overrides, apply.
    let huge = register_body(&" ".repeat(4096));
    let refused = send(env_addr, "POST", "/subjects/s/versions", Some(&huge), &[]).await;
    refused.assert_error(413, 413);
    assert!(dir.path().join("file-data").join("registry.db").exists());
    assert!(
        tokio::net::TcpStream::connect(file_addr).await.is_err(),
        "the file's address was used although the environment overrides it"
    );
    terminate(child);

    // `--config` and flags: the flags win over both.
    let mut command = registry(dir.path());
    command
        .args(["--config"])
        .arg(&config)
        .args(["--listen", &flag_addr.to_string()])
        .args(["--default-compatibility", "NONE"])
        .env("STELE_LISTEN", env_addr.to_string())
        .env("STELE_DEFAULT_COMPATIBILITY", "forward");
    let child = start(command, flag_addr).await;
    let level = send(flag_addr, "GET", "/config", None, &[]).await;
    assert_eq!(level.json(), json!({"compatibilityLevel": "NONE"}));
    terminate(child);
}

#[tokio::test]
async fn json_logs_are_one_json_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_port();
    let mut command = registry(dir.path());
    command
        .args(["--listen", &addr.to_string(), "--data-dir", "data"])
        .env("STELE_LOG_FORMAT", "json")
        .env("STELE_LOG", "info")
        .stdout(Stdio::piped());
    let mut child = start(command, addr).await;
    assert_eq!(send(addr, "GET", "/", None, &[]).await.status, 200);
    let stdout = child.stdout.take().unwrap();
    terminate(child);
    let logs = std::io::read_to_string(stdout).unwrap();
    let lines: Vec<Value> = logs
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let listening = lines
        .iter()
        .find(|line| line["message"] == "stele-registry listening")
        .unwrap_or_else(|| panic!("no start-up line in {logs}"));
    assert_eq!(listening["level"], "INFO");
    assert_eq!(listening["address"], addr.to_string());
    assert!(
        lines.iter().any(|line| line["message"] == "stopped"),
        "{logs}"
    );
}

#[test]
fn a_typo_in_the_file_is_a_startup_error_naming_file_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("registry.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nmax_body_byte = 10\n").unwrap();
    let mut command = registry(dir.path());
    command.arg("--config").arg(&config);
    let (code, stderr) = fails(command);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&config.display().to_string()), "{stderr}");
    assert!(stderr.contains("max_body_byte"), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
}

#[test]
fn bad_values_and_missing_files_are_startup_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("registry.toml");
    std::fs::write(&config, "log_format = \"xml\"\n").unwrap();
    let mut command = registry(dir.path());
    command.arg("--config").arg(&config);
    let (code, stderr) = fails(command);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("line 1") && stderr.contains("xml"),
        "{stderr}"
    );

    let missing = dir.path().join("missing.toml");
    let mut command = registry(dir.path());
    command.env("STELE_CONFIG", &missing);
    let (code, stderr) = fails(command);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");

    let mut command = registry(dir.path());
    command.env("STELE_MAX_BODY_BYTES", "lots");
    let (code, stderr) = fails(command);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("lots"), "{stderr}");
}

const JSON_SCHEMA: &str = r#"{"type":"object","properties":{"id":{"type":"integer"}}}"#;

/// Every answer carrying a schema, for subject `s` version 1 (Avro, id 1) and subject `j`
/// (JSON Schema, id 2).
async fn schema_answers(server: &Server) -> Vec<(String, Value)> {
    let mut answers = Vec::new();
    for path in [
        "/schemas/ids/1",
        "/schemas/ids/1?subject=s",
        "/subjects/s/versions/1",
        "/subjects/s/versions/latest",
    ] {
        answers.push((path.to_string(), server.get(path).await.json()));
    }
    let lookup = server.post("/subjects/s", &register_body(USER_V1)).await;
    answers.push(("POST /subjects/s".into(), lookup.json()));
    let listed = server.get("/schemas?subjectPrefix=s").await.json();
    answers.push(("/schemas".into(), listed[0].clone()));
    answers
}

#[tokio::test]
async fn avro_answers_omit_schema_type_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    server.register("s", USER_V1).await;
    let json_body = json!({"schema": JSON_SCHEMA, "schemaType": "JSON"}).to_string();
    assert_eq!(
        server.post("/subjects/j/versions", &json_body).await.status,
        200
    );
    for (path, answer) in schema_answers(&server).await {
        assert!(answer.get("schema").is_some(), "{path}: {answer}");
        assert!(answer.get("schemaType").is_none(), "{path}: {answer}");
    }
    // Other formats always say what they are.
    assert_eq!(
        server.get("/schemas/ids/2").await.json()["schemaType"],
        "JSON"
    );
    server.stop().await;
}

#[tokio::test]
async fn avro_answers_can_always_include_schema_type() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        schema_type_field: SchemaTypeField::Always,
        ..Config::default()
    };
    let server = Server::start_with(&dir.path().join("registry.db"), config).await;
    server.register("s", USER_V1).await;
    let json_body = json!({"schema": JSON_SCHEMA, "schemaType": "JSON"}).to_string();
    assert_eq!(
        server.post("/subjects/j/versions", &json_body).await.status,
        200
    );
    for (path, answer) in schema_answers(&server).await {
        assert_eq!(answer["schemaType"], "AVRO", "{path}: {answer}");
    }
    assert_eq!(
        server.get("/schemas/ids/2").await.json()["schemaType"],
        "JSON"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_binary_reads_the_schema_type_setting() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_port();
    let mut command = registry(dir.path());
    command
        .args([
            "--listen",
            &addr.to_string(),
            "--always-include-schema-type",
        ])
        .env("STELE_ALWAYS_INCLUDE_SCHEMA_TYPE", "false");
    let child = start(command, addr).await;
    let body = register_body(USER_V1);
    let registered = send(addr, "POST", "/subjects/s/versions", Some(&body), &[]).await;
    assert_eq!(registered.json(), json!({"id": 1}));
    let by_id = send(addr, "GET", "/schemas/ids/1", None, &[]).await;
    assert_eq!(by_id.json()["schemaType"], "AVRO", "{}", by_id.body);
    terminate(child);
}

#[tokio::test]
async fn health_is_up_while_the_store_answers_whatever_the_accept_header() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let health = send(
        server.addr,
        "GET",
        "/health",
        None,
        &[("Accept", "text/html")],
    )
    .await;
    assert_eq!(health.status, 200, "{}", health.body);
    assert_eq!(health.json(), json!({"status": "UP"}));
    assert_eq!(health.header("content-type"), Some("application/json"));
    // `/` stays the Confluent `{}`.
    assert_eq!(server.get("/").await.json(), json!({}));
    server.stop().await;
}

#[tokio::test]
async fn health_is_503_when_the_store_does_not_answer() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    let state = AppState::new(Arc::new(store.clone()), Config::default());
    // A closed pool refuses every query, as a store that lost its database would.
    store.close().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app(state)).await.unwrap();
    });
    let health = send(addr, "GET", "/health", None, &[]).await;
    health.assert_error(503, 50001);
    task.abort();
}

#[tokio::test]
async fn the_binary_answers_health() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_port();
    let mut command = registry(dir.path());
    command.args(["--listen", &addr.to_string()]);
    let child = start(command, addr).await;
    let health = send(addr, "GET", "/health", None, &[]).await;
    assert_eq!(health.json(), json!({"status": "UP"}));
    assert!(dir.path().join("stele-data").join("registry.db").exists());
    terminate(child);
}
