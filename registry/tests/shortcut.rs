//! The by-id shortcut (`service::Api`, which answers `GET /schemas/ids/{id}` from the cache
//! before routing) answers exactly as the routed handler does.
//!
//! One registry is served on two sockets over one store, cache and set of metrics: as
//! `app(state)` (shortcut in front) and as its router alone. Every request goes to both;
//! status, headers (but `date`) and body must be equal, for the forms the shortcut answers
//! and for the ones it leaves to the router, without and with authentication.

#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{USER_V1, USER_V2, cheap_hash, register_body, send};
use serde_json::json;
use stele_registry::auth::{Auth, file, secret};
use stele_registry::store::sqlite::SqliteStore;
use stele_registry::{AppState, Config, app};
use tokio::net::TcpListener;

/// The same registry behind two listeners: `shortcut` is what the binary serves, `routed`
/// the router without the shortcut.
struct Twins {
    shortcut: SocketAddr,
    routed: SocketAddr,
}

async fn twins(dir: &std::path::Path) -> Twins {
    twins_with(dir, Config::default()).await
}

async fn twins_with(dir: &std::path::Path, config: Config) -> Twins {
    let store = SqliteStore::open_file(&dir.join("registry.db"))
        .await
        .unwrap();
    let api = app(AppState::new(Arc::new(store), config));
    let router = api.router();
    let shortcut = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let routed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let twins = Twins {
        shortcut: shortcut.local_addr().unwrap(),
        routed: routed.local_addr().unwrap(),
    };
    tokio::spawn(async move { axum::serve(shortcut, api).await.unwrap() });
    tokio::spawn(async move { axum::serve(routed, router).await.unwrap() });
    twins
}

impl Twins {
    /// Sends the request to both and asserts the answers are the same; returns the status.
    async fn same(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> u16 {
        let a = send(self.shortcut, method, path, None, headers).await;
        let b = send(self.routed, method, path, None, headers).await;
        let comparable = |response: &common::Response| {
            let mut headers: Vec<(String, String)> = response
                .headers
                .iter()
                .filter(|(name, _)| !name.eq_ignore_ascii_case("date"))
                .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
                .collect();
            headers.sort();
            (response.status, headers, response.body.clone())
        };
        assert_eq!(
            comparable(&a),
            comparable(&b),
            "{method} {path} {headers:?}: the shortcut and the router disagree"
        );
        a.status
    }

    async fn post(&self, path: &str, body: &str) -> serde_json::Value {
        self.post_as(path, body, &[]).await
    }

    async fn post_as(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> serde_json::Value {
        let response = send(self.shortcut, "POST", path, Some(body), headers).await;
        assert_eq!(response.status, 200, "{}", response.body);
        response.json()
    }
}

#[tokio::test]
async fn by_id_answers_are_the_same_with_and_without_the_shortcut() {
    let dir = tempfile::tempdir().unwrap();
    let twins = twins(dir.path()).await;
    let avro = twins
        .post("/subjects/users-value/versions", &register_body(USER_V1))
        .await;
    assert_eq!(avro["id"], 1);
    twins
        .post("/subjects/users-value/versions", &register_body(USER_V2))
        .await;
    let proto = "syntax = \"proto3\";\npackage shop;\nmessage Ping { string id = 1; }\n";
    let body = json!({"schema": proto, "schemaType": "PROTOBUF"}).to_string();
    assert_eq!(
        twins.post("/subjects/ping-value/versions", &body).await["id"],
        3
    );
    // Id 1 of another context: only a `subject` parameter naming it reaches it.
    let other = twins
        .post(
            "/subjects/:.other:events-value/versions",
            &register_body(r#"{"type":"enum","name":"E","symbols":["A"]}"#),
        )
        .await;
    assert_eq!(other["id"], 1);

    let none: &[(&str, &str)] = &[];
    // First reads fill the cache (routed in both); the same reads again take the shortcut.
    for _ in 0..2 {
        for id in ["1", "2", "3"] {
            assert_eq!(
                twins.same("GET", &format!("/schemas/ids/{id}"), none).await,
                200
            );
        }
    }
    let accepts = [
        "application/json",
        "application/vnd.schemaregistry+json",
        "application/vnd.schemaregistry.v1+json",
        "*/*",
        "application/*",
        "application/json; q=0.5, application/vnd.schemaregistry+json",
        "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json",
        "text/html",
        "",
    ];
    for accept in accepts {
        twins
            .same("GET", "/schemas/ids/1", &[("Accept", accept)])
            .await;
    }
    let paths = [
        "/schemas/ids/1?fetchMaxId=false",
        "/schemas/ids/1?fetchMaxId=true",
        "/schemas/ids/1?fetch_max_id=TRUE",
        "/schemas/ids/1?subject=users-value",
        "/schemas/ids/1?subject=:.other:",
        "/schemas/ids/1?subject=:.other:events-value",
        "/schemas/ids/1?subject=nobody",
        "/schemas/ids/3?format=serialized",
        "/schemas/ids/3?format=",
        "/schemas/ids/1?",
        "/schemas/ids/1?unknown=1",
        "/schemas/ids/1/",
        "/schemas/ids/001",
        "/schemas/ids/%31",
        "/schemas/ids/99",
        "/schemas/ids/0",
        "/schemas/ids/-1",
        "/schemas/ids/2147483647",
        "/schemas/ids/2147483648",
        "/schemas/ids/99999999999999999999",
        "/schemas/ids/",
        "/schemas/ids/1/schema",
        "/schemas/ids/1/subjects",
        "/contexts/.other/schemas/ids/1",
    ];
    for path in paths {
        twins.same("GET", path, none).await;
    }
    for method in ["HEAD", "POST", "PUT", "DELETE"] {
        twins.same(method, "/schemas/ids/1", none).await;
    }

    // Soft-deleted, the schema still resolves by id; permanently deleted, it is gone from
    // both (the cache is invalidated, not bypassed).
    for path in [
        "/subjects/users-value/versions/1",
        "/subjects/users-value/versions/1?permanent=true",
    ] {
        let deleted = send(twins.shortcut, "DELETE", path, None, &[]).await;
        assert_eq!(deleted.status, 200, "{}", deleted.body);
        let status = twins.same("GET", "/schemas/ids/1", none).await;
        let expected = if path.contains("permanent") { 404 } else { 200 };
        assert_eq!(status, expected, "after DELETE {path}");
    }
}

#[tokio::test]
async fn shortcut_reads_are_counted_under_the_route() {
    let dir = tempfile::tempdir().unwrap();
    let twins = twins(dir.path()).await;
    twins
        .post("/subjects/users-value/versions", &register_body(USER_V1))
        .await;
    // One routed read (it fills the cache), then four from the shortcut, one of them in
    // plain JSON, and one 404 for an unknown id (routed).
    for accept in ["*/*", "*/*", "*/*", "*/*", "application/json"] {
        let response = send(
            twins.shortcut,
            "GET",
            "/schemas/ids/1",
            None,
            &[("Accept", accept)],
        )
        .await;
        assert_eq!(response.status, 200, "{}", response.body);
    }
    let missing = send(twins.shortcut, "GET", "/schemas/ids/7", None, &[]).await;
    missing.assert_error(404, 40403);
    let metrics = send(twins.shortcut, "GET", "/metrics", None, &[]).await;
    let route = r#"route="/schemas/ids/{id}",method="GET""#;
    for line in [
        format!(r#"stele_http_requests_total{{{route},status="2xx"}} 5"#),
        format!(r#"stele_http_requests_total{{{route},status="4xx"}} 1"#),
        format!(r#"stele_http_request_duration_seconds_count{{{route},status="2xx"}} 5"#),
    ] {
        assert!(
            metrics.body.lines().any(|l| l == line),
            "missing {line} in\n{}",
            metrics.body
        );
    }
}

/// Tokens `stele_admin` (admin on everything), `stele_all` (read on everything) and
/// `stele_orders` (read on `orders-*`); users `reader` (read on `orders-*`) and `nobody`.
fn secured() -> Config {
    let token = |name: &str| {
        let digest = secret::hex(&secret::sha256(&[format!("stele_{name}").as_bytes()]));
        format!("[[tokens]]\nname = \"{name}\"\nsha256 = \"{digest}\"\n\n")
    };
    let mut text = String::new();
    for name in ["admin", "all", "orders"] {
        text.push_str(&token(name));
    }
    for user in ["reader", "nobody"] {
        text.push_str(&format!(
            "[[users]]\nname = \"{user}\"\npassword_hash = \"{}\"\n\n",
            cheap_hash(&format!("{user}-pw"))
        ));
    }
    for (principal, permission, subjects) in [
        ("admin", "admin", "*"),
        ("all", "read", "*"),
        ("orders", "read", "orders-*"),
        ("reader", "read", "orders-*"),
    ] {
        text.push_str(&format!(
            "[[acl]]\nprincipal = \"{principal}\"\npermission = \"{permission}\"\n\
             subjects = \"{subjects}\"\n\n"
        ));
    }
    let auth = Auth::from_accounts(file::parse(&text).unwrap()).unwrap();
    Config {
        auth: Some(Arc::new(auth)),
        ..Config::default()
    }
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

#[tokio::test]
async fn with_authentication_the_answers_are_the_same_too() {
    let dir = tempfile::tempdir().unwrap();
    let twins = twins_with(dir.path(), secured()).await;
    let admin: &[(&str, &str)] = &[("Authorization", "Bearer stele_admin")];
    let record = |name: &str| format!(r#"{{"type":"record","name":"{name}","fields":[]}}"#);
    for (subject, schema, id) in [
        ("orders-value", record("Order"), 1),
        ("payments-value", record("Payment"), 2),
        ("refunds-value", record("Refund"), 3),
    ] {
        let path = format!("/subjects/{subject}/versions");
        let answer = twins.post_as(&path, &register_body(&schema), admin).await;
        assert_eq!(answer["id"], id);
    }
    let reader = basic("reader", "reader-pw");
    let credentials = [
        "Bearer stele_all".to_string(),
        "Bearer stele_orders".to_string(),
        reader.clone(),
        basic("nobody", "nobody-pw"),
        basic("reader", "wrong"),
        "Bearer stele_unknown".to_string(),
        "Digest x".to_string(),
    ];
    // Twice over: the first pass fills the schema cache, the verified logins and the
    // holders; the second takes the shortcut wherever it may.
    for _ in 0..2 {
        for credential in &credentials {
            for id in ["1", "2", "4"] {
                let path = format!("/schemas/ids/{id}");
                twins
                    .same("GET", &path, &[("Authorization", credential)])
                    .await;
            }
        }
        twins.same("GET", "/schemas/ids/1", &[]).await;
    }
    let as_reader = [("Authorization", reader.as_str())];
    assert_eq!(twins.same("GET", "/schemas/ids/1", &as_reader).await, 200);
    assert_eq!(twins.same("GET", "/schemas/ids/3", &as_reader).await, 404);
    // Schema 3 registered under a subject the reader may read: its cached holders do not
    // know yet, the database does, and the read is allowed at once.
    let late = twins
        .post_as(
            "/subjects/orders-late-value/versions",
            &register_body(&record("Refund")),
            admin,
        )
        .await;
    assert_eq!(late["id"], 3);
    for _ in 0..2 {
        assert_eq!(twins.same("GET", "/schemas/ids/3", &as_reader).await, 200);
    }
    // Erased from that subject, the id is hidden from the reader again (holders invalidated)
    // while it still resolves for a reader of every subject.
    for path in [
        "/subjects/orders-late-value/versions/1",
        "/subjects/orders-late-value/versions/1?permanent=true",
    ] {
        let deleted = send(twins.shortcut, "DELETE", path, None, admin).await;
        assert_eq!(deleted.status, 200, "{}", deleted.body);
    }
    assert_eq!(twins.same("GET", "/schemas/ids/3", &as_reader).await, 404);
    let all = [("Authorization", "Bearer stele_all")];
    assert_eq!(twins.same("GET", "/schemas/ids/3", &all).await, 200);
}
