//! Test harness: a real registry on a loopback socket over a fresh temp-dir SQLite file, and
//! a deliberately tiny HTTP/1.1 client.
//!
//! The client is hand-written (a few dozen lines over tokio's TcpStream) rather than a crate:
//! it adds no dependency, and it sends exactly the bytes a test writes, so raw paths such as
//! `/subjects/a%2Fb/versions/` and odd headers reach the server unnormalised.

#![allow(dead_code, clippy::unwrap_used)]

pub mod postgres;
pub mod process;
pub mod raw;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use stele_registry::store::sqlite::SqliteStore;
use stele_registry::{AppState, Config, app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A running in-process registry.
pub struct Server {
    pub addr: SocketAddr,
    pub db: PathBuf,
    store: SqliteStore,
    task: JoinHandle<()>,
}

impl Server {
    /// Starts a registry on a fresh database in `dir`.
    pub async fn start(dir: &Path) -> Server {
        Server::start_on(&dir.join("registry.db")).await
    }

    /// Starts a registry on the database file `db` (created if missing).
    pub async fn start_on(db: &Path) -> Server {
        Server::start_with(db, Config::default()).await
    }

    /// Starts a registry on the database file `db` with `config`.
    pub async fn start_with(db: &Path, config: Config) -> Server {
        let url = format!("sqlite://{}", db.display());
        let store = SqliteStore::open(&url).await.unwrap();
        let state = AppState::new(Arc::new(store.clone()), config);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app(state)).await.unwrap();
        });
        Server {
            addr,
            db: db.to_path_buf(),
            store,
            task,
        }
    }

    /// Stops serving and closes the database.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
        self.store.close().await;
    }

    pub async fn get(&self, path: &str) -> Response {
        send(self.addr, "GET", path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &str) -> Response {
        send(self.addr, "POST", path, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, body: &str) -> Response {
        send(self.addr, "PUT", path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        send(self.addr, "DELETE", path, None, &[]).await
    }

    /// Registers an Avro schema under `subject` and returns its id.
    pub async fn register(&self, subject: &str, schema: &str) -> i64 {
        let response = self
            .post(
                &format!("/subjects/{subject}/versions"),
                &register_body(schema),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        response.json()["id"].as_i64().unwrap()
    }
}

/// An argon2id hash with the smallest parameters: the same code path as a real password
/// hash, a fraction of the time.
pub fn cheap_hash(password: &str) -> String {
    use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version};
    let params = Params::new(8, 1, 1, None).unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_with_salt(password.as_bytes(), b"saltsaltsalt")
        .unwrap()
        .to_string()
}

/// A register/lookup body for an Avro schema text.
pub fn register_body(schema: &str) -> String {
    serde_json::json!({ "schema": schema }).to_string()
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts a Confluent error: this status, this code, and exactly the two keys.
    pub fn assert_error(&self, status: u16, code: i64) {
        assert_eq!(self.status, status, "{}", self.body);
        let body = self.json();
        let object = body.as_object().unwrap();
        let mut keys: Vec<&String> = object.keys().collect();
        keys.sort();
        assert_eq!(keys, ["error_code", "message"], "{}", self.body);
        assert_eq!(body["error_code"], code, "{}", self.body);
    }
}

/// Sends one request with `Connection: close` and reads the whole answer.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Response {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    let has_content_type = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    if body.is_some() && !has_content_type {
        request.push_str("Content-Type: application/vnd.schemaregistry.v1+json\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or("");
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Response {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

/// Avro schemas used across tests: each is BACKWARD compatible with the one before.
pub const USER_V1: &str = r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}"#;
pub const USER_V2: &str = r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"email","type":"string","default":""}]}"#;
/// Adds a field without a default: not BACKWARD compatible with the others.
pub const USER_BROKEN: &str = r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"couponCode","type":"string"}]}"#;
