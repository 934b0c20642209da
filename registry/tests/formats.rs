//! Protobuf and JSON Schema through the API, and references: resolved from the store,
//! reported by `referencedby`, and blocking deletes (42206).

#![allow(clippy::unwrap_used)]

mod common;

use common::Server;
use serde_json::json;

const COMMON_PROTO: &str = r#"syntax = "proto3";
package shop;
message Money { int64 cents = 1; string currency = 2; }
"#;

const ORDER_PROTO: &str = r#"syntax = "proto3";
package shop;
import "shop/common.proto";
message Order { string id = 1; shop.Money total = 2; }
"#;

#[tokio::test]
async fn protobuf_with_references() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let common = json!({"schema": COMMON_PROTO, "schemaType": "PROTOBUF"}).to_string();
    let registered = server.post("/subjects/common/versions", &common).await;
    assert_eq!(registered.json(), json!({"id": 1}), "{}", registered.body);
    let order = json!({
        "schema": ORDER_PROTO,
        "schemaType": "PROTOBUF",
        "references": [{"name": "shop/common.proto", "subject": "common", "version": 1}]
    })
    .to_string();
    let registered = server.post("/subjects/orders-value/versions", &order).await;
    assert_eq!(registered.json(), json!({"id": 2}), "{}", registered.body);

    let by_id = server.get("/schemas/ids/2").await.json();
    assert_eq!(by_id["schemaType"], "PROTOBUF");
    assert_eq!(
        by_id["references"],
        json!([{"name": "shop/common.proto", "subject": "common", "version": 1}])
    );
    let version = server.get("/subjects/orders-value/versions/1").await.json();
    assert_eq!(version["schemaType"], "PROTOBUF");
    assert_eq!(
        server
            .get("/subjects/common/versions/1/referencedby")
            .await
            .json(),
        json!([2])
    );
    // Lookup and re-registration give the same answers.
    assert_eq!(
        server.post("/subjects/orders-value", &order).await.json()["id"],
        2
    );
    assert_eq!(
        server
            .post("/subjects/orders-value/versions", &order)
            .await
            .json(),
        json!({"id": 2})
    );
    // The referenced version cannot go while something uses it.
    server
        .delete("/subjects/common/versions/1")
        .await
        .assert_error(422, 42206);
    server
        .delete("/subjects/common")
        .await
        .assert_error(422, 42206);
    // A missing reference is an invalid schema.
    let dangling = json!({
        "schema": ORDER_PROTO,
        "schemaType": "PROTOBUF",
        "references": [{"name": "shop/common.proto", "subject": "nowhere", "version": 1}]
    })
    .to_string();
    server
        .post("/subjects/other/versions", &dangling)
        .await
        .assert_error(422, 42201);
    // Once the referrer is gone for good, the reference no longer blocks.
    server.delete("/subjects/orders-value").await;
    server.delete("/subjects/common/versions/1").await;
    server
        .delete("/subjects/common/versions/1?permanent=true")
        .await
        .assert_error(422, 42206);
    server.delete("/subjects/orders-value?permanent=true").await;
    assert_eq!(
        server
            .delete("/subjects/common/versions/1?permanent=true")
            .await
            .json(),
        json!(1)
    );
}

#[tokio::test]
async fn protobuf_incompatibility_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let v1 = r#"syntax = "proto3"; message A { int64 id = 1; }"#;
    let v2 = r#"syntax = "proto3"; message A { string id = 1; }"#;
    let body = |text: &str| json!({"schema": text, "schemaType": "PROTOBUF"}).to_string();
    server.post("/subjects/p/versions", &body(v1)).await;
    let verbose = server
        .post(
            "/compatibility/subjects/p/versions/latest?verbose=true",
            &body(v2),
        )
        .await
        .json();
    assert_eq!(verbose["is_compatible"], false, "{verbose}");
    assert!(!verbose["messages"].as_array().unwrap().is_empty());
    server
        .post("/subjects/p/versions", &body(v2))
        .await
        .assert_error(409, 40901);
}

#[tokio::test]
async fn json_schema_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let schema = r#"{"type":"object","properties":{"id":{"type":"integer"}}}"#;
    let body = json!({"schema": schema, "schemaType": "JSON"}).to_string();
    assert_eq!(
        server.post("/subjects/j/versions", &body).await.json(),
        json!({"id": 1})
    );
    let by_id = server.get("/schemas/ids/1").await.json();
    assert_eq!(by_id["schemaType"], "JSON");
    // The same text as Avro would be another format: a different schema, refused by type.
    let narrowed = r#"{"type":"object","properties":{"id":{"type":"string"}}}"#;
    let verbose = server
        .post(
            "/compatibility/subjects/j/versions?verbose=true",
            &json!({"schema": narrowed, "schemaType": "JSON"}).to_string(),
        )
        .await
        .json();
    assert_eq!(verbose["is_compatible"], false, "{verbose}");
    // Invalid schema text with verbose: an answer, not an error.
    let invalid = server
        .post(
            "/compatibility/subjects/j/versions?verbose=true",
            &json!({"schema": "{", "schemaType": "JSON"}).to_string(),
        )
        .await
        .json();
    assert_eq!(invalid["is_compatible"], false);
}

#[tokio::test]
async fn hostile_schemas_are_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let depth = 10_000;
    let avro = format!(
        "{}\"long\"{}",
        r#"{"type":"array","items":"#.repeat(depth),
        "}".repeat(depth)
    );
    let json_schema = format!(
        "{}{{}}{}",
        r#"{"type":"object","properties":{"a":"#.repeat(depth),
        "}}".repeat(depth)
    );
    let proto = format!(
        "syntax = \"proto3\";\n{}{}",
        "message M { ".repeat(depth),
        "}".repeat(depth)
    );
    for (schema_type, text) in [("AVRO", avro), ("JSON", json_schema), ("PROTOBUF", proto)] {
        let body = json!({"schema": text, "schemaType": schema_type}).to_string();
        server
            .post("/subjects/deep/versions", &body)
            .await
            .assert_error(422, 42201);
    }
    let huge = format!(
        r#"{{"type":"enum","name":"E","symbols":["{}"]}}"#,
        "A".repeat(9 * 1024 * 1024)
    );
    server
        .post(
            "/subjects/big/versions",
            &json!({"schema": huge}).to_string(),
        )
        .await
        .assert_error(422, 42209);
    // The server is still there.
    assert_eq!(server.get("/").await.status, 200);
}

/// A 5 MB schema of 100,000 fields goes through registration, the idempotent fast path and
/// the by-id read: parsing and checking are linear in the number of fields.
#[tokio::test]
async fn a_five_megabyte_schema_registers_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let fields: Vec<String> = (0..100_000)
        .map(|i| format!(r#"{{"name":"field_{i:06}","type":"long","doc":"field {i:06}"}}"#))
        .collect();
    let schema = format!(
        r#"{{"type":"record","name":"Wide","fields":[{}]}}"#,
        fields.join(",")
    );
    assert!(schema.len() > 5_000_000);
    let body = json!({"schema": schema}).to_string();
    let registered = server.post("/subjects/wide/versions", &body).await;
    assert_eq!(registered.json(), json!({"id": 1}));
    let again = server.post("/subjects/wide/versions", &body).await;
    assert_eq!(again.json(), json!({"id": 1}));
    assert_eq!(server.get("/schemas/ids/1").await.status, 200);
    assert_eq!(
        server.post("/subjects/wide", &body).await.json()["version"],
        1
    );
}
