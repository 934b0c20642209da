//! The registry API over a real socket and a temp-dir SQLite file: the worked examples of the
//! Confluent reference (§5), deletes, config, mode, compatibility, error bodies and the
//! client traps (trailing slashes, `%2F` subjects, Python-style booleans, explicit nulls).

#![allow(clippy::unwrap_used)]

mod common;

use common::{Server, USER_BROKEN, USER_V1, USER_V2, register_body, send};
use serde_json::json;

async fn server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    (dir, server)
}

async fn versions(server: &Server, subject: &str, query: &str) -> serde_json::Value {
    server
        .get(&format!("/subjects/{subject}/versions{query}"))
        .await
        .json()
}

#[tokio::test]
async fn root_and_types() {
    let (_dir, server) = server().await;
    let root = server.get("/").await;
    assert_eq!(root.status, 200);
    assert_eq!(root.body, "{}");
    assert_eq!(
        root.header("content-type"),
        Some("application/vnd.schemaregistry.v1+json")
    );
    let mut types: Vec<String> =
        serde_json::from_value(server.get("/schemas/types").await.json()).unwrap();
    types.sort();
    assert_eq!(types, ["AVRO", "JSON", "PROTOBUF"]);
}

/// Reference §5, first example (`RestApiTest.testDeleteSubjectAndRegister`): versions are
/// never reused after a soft delete.
#[tokio::test]
async fn soft_deleted_versions_still_count() {
    let (_dir, server) = server().await;
    assert_eq!(server.register("s", USER_V1).await, 1);
    assert_eq!(server.register("s", USER_V2).await, 2);
    assert_eq!(versions(&server, "s", "").await, json!([1, 2]));
    let deleted = server.delete("/subjects/s").await;
    assert_eq!(deleted.json(), json!([1, 2]));
    server
        .get("/subjects/s/versions")
        .await
        .assert_error(404, 40401);
    assert_eq!(server.register("s", USER_V1).await, 1);
    assert_eq!(versions(&server, "s", "").await, json!([3]));
    assert_eq!(server.register("s", USER_V2).await, 2);
    assert_eq!(versions(&server, "s", "").await, json!([3, 4]));
    // Registration step 10: the soft-deleted versions carrying the same ids were superseded.
    assert_eq!(versions(&server, "s", "?deleted=true").await, json!([3, 4]));
}

/// Reference §5, second example (`testDeleteSchemaVersionPermanent`): a hard-deleted version
/// number is free again; a soft-deleted one is not.
#[tokio::test]
async fn hard_deleted_versions_are_reused() {
    let (_dir, server) = server().await;
    assert_eq!(server.register("s", USER_V1).await, 1);
    assert_eq!(server.register("s", USER_V2).await, 2);
    assert_eq!(
        server.delete("/subjects/s/versions/2").await.json(),
        json!(2)
    );
    assert_eq!(
        server
            .delete("/subjects/s/versions/2?permanent=true")
            .await
            .json(),
        json!(2)
    );
    assert_eq!(
        server.delete("/subjects/s/versions/1").await.json(),
        json!(1)
    );
    assert_eq!(server.register("s", USER_V1).await, 1);
    assert_eq!(versions(&server, "s", "").await, json!([2]));
    assert_eq!(server.register("s", USER_V1).await, 1);
    assert_eq!(versions(&server, "s", "").await, json!([2]));
    // Housekeeping: the soft-deleted v1 carrying the same id was superseded by v2.
    assert_eq!(versions(&server, "s", "?deleted=true").await, json!([2]));
}

/// Reference §5, third example: one id per schema across subjects, each subject with its own
/// version sequence; two spellings of one schema are one schema.
#[tokio::test]
async fn ids_are_shared_across_subjects() {
    let (_dir, server) = server().await;
    assert_eq!(server.register("a", USER_V1).await, 1);
    assert_eq!(server.register("b", USER_V2).await, 2);
    assert_eq!(server.register("b", USER_V1).await, 1);
    assert_eq!(versions(&server, "b", "").await, json!([1, 2]));
    let respelled = r#"{
        "namespace": "com.acme", "name": "User", "type": "record",
        "fields": [ { "type": "long", "name": "id" } ]
    }"#;
    assert_eq!(server.register("c", respelled).await, 1);
    assert_eq!(
        server.get("/schemas/ids/1/versions").await.json(),
        json!([
            {"subject": "a", "version": 1},
            {"subject": "b", "version": 2},
            {"subject": "c", "version": 1}
        ])
    );
    assert_eq!(
        server.get("/schemas/ids/1/subjects").await.json(),
        json!(["a", "b", "c"])
    );
}

#[tokio::test]
async fn schemas_are_read_back_by_id_and_version() {
    let (_dir, server) = server().await;
    let id = server.register("s", USER_V1).await;
    let by_id = server.get(&format!("/schemas/ids/{id}")).await.json();
    // Avro omits schemaType; empty references are omitted; no subject without ?subject=.
    assert_eq!(by_id.as_object().unwrap().len(), 1, "{by_id}");
    let canonical = by_id["schema"].as_str().unwrap().to_string();
    let with_subject = server
        .get(&format!("/schemas/ids/{id}?subject=s"))
        .await
        .json();
    assert_eq!(with_subject["subject"], "s");
    assert_eq!(with_subject["version"], 1);
    let raw = server.get(&format!("/schemas/ids/{id}/schema")).await;
    assert_eq!(raw.body, canonical);
    let latest = server.get("/subjects/s/versions/latest").await.json();
    assert_eq!(
        latest,
        json!({"subject": "s", "version": 1, "id": id, "schema": canonical})
    );
    assert_eq!(server.get("/subjects/s/versions/-1").await.json(), latest);
    assert_eq!(
        server.get("/subjects/s/versions/1/schema").await.body,
        canonical
    );
    server.get("/schemas/ids/99").await.assert_error(404, 40403);
    server.get("/schemas/ids/abc").await.assert_error(404, 404);
    server
        .get("/subjects/s/versions/2")
        .await
        .assert_error(404, 40402);
    server
        .get("/subjects/s/versions/0")
        .await
        .assert_error(422, 42202);
    server
        .get("/subjects/nope/versions/1")
        .await
        .assert_error(404, 40401);
    // Soft-deleted versions still resolve by id.
    server.delete("/subjects/s").await;
    assert_eq!(server.get(&format!("/schemas/ids/{id}")).await.status, 200);
    server
        .get("/subjects/s/versions/1")
        .await
        .assert_error(404, 40401);
    assert_eq!(
        server
            .get("/subjects/s/versions/1?deleted=true")
            .await
            .json()["id"],
        id
    );
    // After a permanent delete it is gone.
    server.delete("/subjects/s?permanent=true").await;
    server
        .get(&format!("/schemas/ids/{id}"))
        .await
        .assert_error(404, 40403);
}

#[tokio::test]
async fn lookup_finds_the_version() {
    let (_dir, server) = server().await;
    server.register("s", USER_V1).await;
    server.register("s", USER_V2).await;
    let found = server.post("/subjects/s", &register_body(USER_V1)).await;
    assert_eq!(found.status, 200, "{}", found.body);
    let found = found.json();
    assert_eq!(found["subject"], "s");
    assert_eq!(found["version"], 1);
    assert_eq!(found["id"], 1);
    assert!(found.get("schemaType").is_none());
    server
        .post("/subjects/s", &register_body(USER_BROKEN))
        .await
        .assert_error(404, 40403);
    server
        .post("/subjects/other", &register_body(USER_V1))
        .await
        .assert_error(404, 40401);
    server
        .post("/subjects/s", &register_body("{not avro"))
        .await
        .assert_error(422, 42201);
}

#[tokio::test]
async fn delete_sequences_use_confluent_codes() {
    let (_dir, server) = server().await;
    server.register("s", USER_V1).await;
    server.register("s", USER_V2).await;
    server
        .delete("/subjects/s/versions/1?permanent=true")
        .await
        .assert_error(404, 40407);
    server
        .delete("/subjects/s?permanent=true")
        .await
        .assert_error(404, 40405);
    assert_eq!(
        server.delete("/subjects/s/versions/latest").await.json(),
        json!(2)
    );
    server
        .delete("/subjects/s/versions/2")
        .await
        .assert_error(404, 40406);
    assert_eq!(versions(&server, "s", "").await, json!([1]));
    assert_eq!(server.delete("/subjects/s").await.json(), json!([1]));
    server.delete("/subjects/s").await.assert_error(404, 40404);
    server
        .delete("/subjects/s/versions/9")
        .await
        .assert_error(404, 40402);
    server
        .delete("/subjects/s/versions/latest")
        .await
        .assert_error(404, 40406);
    assert_eq!(
        server.get("/subjects?deletedOnly=true").await.json(),
        json!(["s"])
    );
    assert_eq!(server.get("/subjects").await.json(), json!([]));
    assert_eq!(
        server.delete("/subjects/s?permanent=true").await.json(),
        json!([1, 2])
    );
    assert_eq!(server.get("/subjects?deleted=true").await.json(), json!([]));
    server.delete("/subjects/s").await.assert_error(404, 40401);
}

#[tokio::test]
async fn config_falls_back_to_global() {
    let (_dir, server) = server().await;
    assert_eq!(
        server.get("/config").await.json(),
        json!({"compatibilityLevel": "BACKWARD"})
    );
    server.get("/config/s").await.assert_error(404, 40408);
    assert_eq!(
        server.get("/config/s?defaultToGlobal=true").await.json(),
        json!({"compatibilityLevel": "BACKWARD"})
    );
    let put = server.put("/config/s", r#"{"compatibility":"full"}"#).await;
    assert_eq!(put.json(), json!({"compatibility": "FULL"}));
    assert_eq!(
        server.get("/config/s").await.json(),
        json!({"compatibilityLevel": "FULL"})
    );
    server
        .put("/config/s", r#"{"compatibility":"SIDEWAYS"}"#)
        .await
        .assert_error(422, 42203);
    assert_eq!(
        server
            .put("/config", r#"{"compatibility":"NONE"}"#)
            .await
            .json(),
        json!({"compatibility": "NONE"})
    );
    assert_eq!(
        server.delete("/config/s").await.json(),
        json!({"compatibilityLevel": "FULL"})
    );
    server.get("/config/s").await.assert_error(404, 40408);
    server.delete("/config/s").await.assert_error(404, 40401);
    assert_eq!(
        server.get("/config/s?defaultToGlobal=true").await.json(),
        json!({"compatibilityLevel": "NONE"})
    );
    // With NONE in force an incompatible schema registers.
    server.register("s", USER_V1).await;
    server.register("s", USER_BROKEN).await;
    assert_eq!(
        server.delete("/config").await.json(),
        json!({"compatibilityLevel": "NONE"})
    );
    assert_eq!(
        server.get("/config").await.json(),
        json!({"compatibilityLevel": "BACKWARD"})
    );
}

#[tokio::test]
async fn incompatible_schemas_are_refused_with_the_engine_findings() {
    let (_dir, server) = server().await;
    server.register("s", USER_V1).await;
    let plain = server
        .post(
            "/compatibility/subjects/s/versions/latest",
            &register_body(USER_BROKEN),
        )
        .await;
    assert_eq!(plain.json(), json!({"is_compatible": false}));
    let verbose = server
        .post(
            "/compatibility/subjects/s/versions/latest?verbose=True",
            &register_body(USER_BROKEN),
        )
        .await
        .json();
    assert_eq!(verbose["is_compatible"], false);
    let messages = verbose["messages"].as_array().unwrap();
    assert!(!messages.is_empty());
    assert!(
        messages
            .iter()
            .any(|m| m.as_str().unwrap().contains("couponCode")),
        "{verbose}"
    );
    let fine = server
        .post(
            "/compatibility/subjects/s/versions?verbose=true",
            &register_body(USER_V2),
        )
        .await;
    assert_eq!(fine.json(), json!({"is_compatible": true}));
    server
        .post(
            "/compatibility/subjects/s/versions/7",
            &register_body(USER_V2),
        )
        .await
        .assert_error(404, 40402);
    let refused = server
        .post("/subjects/s/versions", &register_body(USER_BROKEN))
        .await;
    refused.assert_error(409, 40901);
    let message = refused.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.starts_with(
            "Schema being registered is incompatible with an earlier schema for subject \"s\", details: ["
        ),
        "{message}"
    );
    assert!(message.contains("couponCode"), "{message}");
    // A subject without versions accepts anything.
    let empty = server
        .post(
            "/compatibility/subjects/new/versions",
            &register_body(USER_BROKEN),
        )
        .await;
    assert_eq!(empty.json(), json!({"is_compatible": true}));
}

#[tokio::test]
async fn read_only_mode_blocks_writes_but_not_reregistration() {
    let (_dir, server) = server().await;
    server.register("s", USER_V1).await;
    assert_eq!(
        server.get("/mode").await.json(),
        json!({"mode": "READWRITE"})
    );
    server.get("/mode/s").await.assert_error(404, 40409);
    assert_eq!(
        server.put("/mode/s", r#"{"mode":"readonly"}"#).await.json(),
        json!({"mode": "READONLY"})
    );
    assert_eq!(
        server.get("/mode/s").await.json(),
        json!({"mode": "READONLY"})
    );
    server
        .post("/subjects/s/versions", &register_body(USER_V2))
        .await
        .assert_error(422, 42205);
    // The idempotent fast path comes before the mode check.
    assert_eq!(server.register("s", USER_V1).await, 1);
    server.delete("/subjects/s").await.assert_error(422, 42205);
    server
        .put("/config/s", r#"{"compatibility":"NONE"}"#)
        .await
        .assert_error(422, 42205);
    server
        .put("/mode/s", r#"{"mode":"SIDEWAYS"}"#)
        .await
        .assert_error(422, 42204);
    server
        .put("/mode/s", r#"{"mode":"FORWARD"}"#)
        .await
        .assert_error(422, 42204);
    assert_eq!(
        server.delete("/mode/s").await.json(),
        json!({"mode": "READONLY"})
    );
    assert_eq!(server.register("s", USER_V2).await, 2);
    // Global READONLY_OVERRIDE wins over a subject's own mode.
    server.put("/mode/s", r#"{"mode":"READWRITE"}"#).await;
    server.put("/mode", r#"{"mode":"READONLY_OVERRIDE"}"#).await;
    server
        .delete("/subjects/s/versions/1")
        .await
        .assert_error(422, 42205);
    server
        .put("/config", r#"{"compatibility":"NONE"}"#)
        .await
        .assert_error(422, 42205);
    // Mode changes stay possible, or nobody could leave read-only mode.
    assert_eq!(
        server.delete("/mode").await.json(),
        json!({"mode": "READONLY_OVERRIDE"})
    );
    assert_eq!(
        server
            .put("/config", r#"{"compatibility":"NONE"}"#)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn import_mode_takes_explicit_ids_and_versions() {
    let (_dir, server) = server().await;
    server.register("s", USER_V1).await;
    server
        .put("/mode", r#"{"mode":"IMPORT"}"#)
        .await
        .assert_error(422, 42205);
    assert_eq!(
        server.put("/mode/t", r#"{"mode":"IMPORT"}"#).await.json(),
        json!({"mode": "IMPORT"})
    );
    let body = json!({"schema": USER_BROKEN, "id": 100, "version": 5}).to_string();
    let imported = server.post("/subjects/t/versions", &body).await;
    assert_eq!(imported.json(), json!({"id": 100}));
    assert_eq!(server.get("/subjects/t/versions/5").await.json()["id"], 100);
    // An ordinary registration is refused in IMPORT mode, and an explicit id outside it.
    server
        .post("/subjects/t/versions", &register_body(USER_V2))
        .await
        .assert_error(422, 42205);
    server
        .post(
            "/subjects/s/versions",
            &json!({"schema": USER_V2, "id": 7}).to_string(),
        )
        .await
        .assert_error(422, 42205);
    // The id is taken by another schema.
    let clash = json!({"schema": USER_V2, "id": 100, "version": 6}).to_string();
    server
        .post("/subjects/t/versions", &clash)
        .await
        .assert_error(422, 42205);
    // Entering IMPORT clears soft-deleted leftovers; `force` allows live subjects.
    server.put("/mode/t", r#"{"mode":"READWRITE"}"#).await;
    server.register("v", USER_V1).await;
    server.delete("/subjects/v").await;
    assert_eq!(
        server.put("/mode/v", r#"{"mode":"IMPORT"}"#).await.json(),
        json!({"mode": "IMPORT"})
    );
    server
        .get("/subjects/v/versions?deleted=true")
        .await
        .assert_error(404, 40401);
    assert_eq!(
        server
            .put("/mode/s?force=true", r#"{"mode":"IMPORT"}"#)
            .await
            .json(),
        json!({"mode": "IMPORT"})
    );
    server.delete("/mode/s").await;
    // New ids continue after the highest one.
    server.put("/mode/t", r#"{"mode":"READWRITE"}"#).await;
    assert_eq!(server.register("u", USER_V2).await, 101);
}

#[tokio::test]
async fn error_bodies_are_confluent_shaped() {
    let (_dir, server) = server().await;
    server.get("/nope").await.assert_error(404, 404);
    assert_eq!(
        server.get("/nope").await.json()["message"],
        "HTTP 404 Not Found"
    );
    server
        .put("/schemas/types", "{}")
        .await
        .assert_error(405, 405);
    server
        .post("/subjects/s/versions", "{not json")
        .await
        .assert_error(400, 400);
    server
        .post("/subjects/s/versions", "")
        .await
        .assert_error(422, 422);
    server
        .post("/subjects/s/versions", r#"{"schema": 42}"#)
        .await
        .assert_error(400, 400);
    server
        .post(
            "/subjects/s/versions",
            &register_body("{\"type\": \"nope\"}"),
        )
        .await
        .assert_error(422, 42201);
    server
        .post(
            "/subjects/s/versions",
            &json!({"schema": USER_V1, "schemaType": "XML"}).to_string(),
        )
        .await
        .assert_error(422, 42201);
    server
        .post("/subjects/__GLOBAL/versions", &register_body(USER_V1))
        .await
        .assert_error(422, 42208);
    server
        .post("/subjects/a%07b/versions", &register_body(USER_V1))
        .await
        .assert_error(422, 42208);
    server
        .get("/subjects/%FF/versions")
        .await
        .assert_error(400, 400);
    let wrong_type = send(
        server.addr,
        "POST",
        "/subjects/s/versions",
        Some(&register_body(USER_V1)),
        &[("Content-Type", "text/plain")],
    )
    .await;
    wrong_type.assert_error(415, 415);
    for content_type in [
        "application/json",
        "application/vnd.schemaregistry+json",
        "application/octet-stream",
        "application/vnd.schemaregistry.v1+json; charset=utf-8",
    ] {
        let ok = send(
            server.addr,
            "POST",
            "/subjects/s/versions",
            Some(&register_body(USER_V1)),
            &[("Content-Type", content_type)],
        )
        .await;
        assert_eq!(ok.status, 200, "{content_type}: {}", ok.body);
    }
    let json_only = send(
        server.addr,
        "GET",
        "/",
        None,
        &[("Accept", "application/json")],
    )
    .await;
    assert_eq!(json_only.header("content-type"), Some("application/json"));
    send(server.addr, "GET", "/", None, &[("Accept", "text/html")])
        .await
        .assert_error(406, 406);
}

#[tokio::test]
async fn client_traps() {
    let (_dir, server) = server().await;
    // Python sends every field, with explicit nulls and Python booleans.
    let python = json!({
        "schema": USER_V1, "schemaType": "AVRO", "references": [],
        "metadata": null, "ruleSet": null
    })
    .to_string();
    let registered = server
        .post("/subjects/a%2Fb/versions?normalize=False", &python)
        .await;
    assert_eq!(registered.json(), json!({"id": 1}));
    assert_eq!(server.get("/subjects").await.json(), json!(["a/b"]));
    assert_eq!(
        server.get("/subjects/a%2Fb/versions/").await.json(),
        json!([1])
    );
    // The Java client's trailing slash.
    let checked = server
        .post(
            "/compatibility/subjects/a%2Fb/versions/",
            &register_body(USER_V2),
        )
        .await;
    assert_eq!(checked.json(), json!({"is_compatible": true}));
    assert_eq!(server.get("/subjects/").await.json(), json!(["a/b"]));
    assert_eq!(
        server.get("/subjects?subjectPrefix=a%2F").await.json(),
        json!(["a/b"])
    );
    assert_eq!(
        server.get("/subjects?subjectPrefix=x").await.json(),
        json!([])
    );
    // metadata and ruleSet are stored and returned, and are part of the schema's identity.
    let with_metadata = json!({
        "schema": USER_V2,
        "metadata": {"properties": {"owner": "team-a"}},
        "ruleSet": {"domainRules": [{"name": "r", "kind": "CONDITION", "mode": "WRITE", "type": "CEL", "expr": "true"}]}
    })
    .to_string();
    let id = server
        .post("/subjects/m/versions", &with_metadata)
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(id, 2);
    let stored = server.get("/subjects/m/versions/1").await.json();
    assert_eq!(stored["metadata"]["properties"]["owner"], "team-a");
    assert_eq!(stored["ruleSet"]["domainRules"][0]["name"], "r");
    let by_id = server.get("/schemas/ids/2").await.json();
    assert_eq!(by_id["metadata"]["properties"]["owner"], "team-a");
    // A lookup without metadata still finds it (Confluent inherits from the latest version).
    let found = server.post("/subjects/m", &register_body(USER_V2)).await;
    assert_eq!(found.json()["version"], 1, "{}", found.body);
    // The same text without metadata is another schema.
    assert_eq!(server.register("n", USER_V2).await, 3);
}

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = Server::start(dir.path()).await;
    first.register("s", USER_V1).await;
    first.register("s", USER_V2).await;
    first.put("/config/s", r#"{"compatibility":"FULL"}"#).await;
    first.delete("/subjects/s/versions/1").await;
    let db = first.db.clone();
    first.stop().await;

    let second = Server::start_on(&db).await;
    assert_eq!(versions(&second, "s", "?deleted=true").await, json!([1, 2]));
    assert_eq!(versions(&second, "s", "").await, json!([2]));
    assert_eq!(
        second.get("/config/s").await.json(),
        json!({"compatibilityLevel": "FULL"})
    );
    assert_eq!(second.get("/schemas/ids/1").await.status, 200);
    assert_eq!(second.register("t", USER_BROKEN).await, 3);
    second.stop().await;
}

#[tokio::test]
async fn concurrent_registrations_get_one_id() {
    let (_dir, server) = server().await;
    let server = std::sync::Arc::new(server);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let server = std::sync::Arc::clone(&server);
        tasks.push(tokio::spawn(async move {
            let subject = if i % 2 == 0 { "even" } else { "odd" };
            server.register(subject, USER_V1).await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 1);
    }
    assert_eq!(versions(&server, "even", "").await, json!([1]));
    assert_eq!(versions(&server, "odd", "").await, json!([1]));
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = stele_registry::Config {
        max_body_bytes: 1024,
        ..stele_registry::Config::default()
    };
    let server = Server::start_with(&dir.path().join("registry.db"), config).await;
    let huge = register_body(&" ".repeat(4096));
    server
        .post("/subjects/s/versions", &huge)
        .await
        .assert_error(413, 413);
}

#[tokio::test]
async fn schema_listing_metadata_search_and_contexts() {
    let (_dir, server) = server().await;
    server.register("a", USER_V1).await;
    server.register("a", USER_V2).await;
    let tagged =
        json!({"schema": USER_V1, "metadata": {"properties": {"owner": "team-a", "tier": "1"}}})
            .to_string();
    server.post("/subjects/b/versions", &tagged).await;
    let all = server.get("/schemas").await.json();
    let pairs: Vec<(String, i64)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["subject"].as_str().unwrap().to_string(),
                s["version"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(pairs, [("a".into(), 1), ("a".into(), 2), ("b".into(), 1)]);
    let latest = server
        .get("/schemas?latestOnly=true&subjectPrefix=a")
        .await
        .json();
    assert_eq!(latest.as_array().unwrap().len(), 1);
    assert_eq!(latest[0]["version"], 2);
    assert_eq!(
        server.get("/schemas?offset=1&limit=1").await.json()[0]["version"],
        2
    );

    let found = server
        .get("/subjects/b/metadata?key=owner&value=team-a&key=tier&value=1")
        .await;
    assert_eq!(found.json()["id"], 3, "{}", found.body);
    server
        .get("/subjects/b/metadata?key=owner&value=team-b")
        .await
        .assert_error(404, 40403);
    server
        .get("/subjects/zz/metadata?key=owner&value=team-a")
        .await
        .assert_error(404, 40401);

    assert_eq!(server.get("/contexts").await.json(), json!(["."]));
    assert_eq!(
        server.get("/schemas/ids/1?fetchMaxId=true").await.json()["maxId"],
        3
    );
    assert_eq!(server.get("/v1/metadata/version").await.status, 200);
    assert_eq!(server.get("/v1/metadata/id").await.status, 200);
}

/// An empty `schema` reuses the latest version's schema: Confluent's metadata-only update.
#[tokio::test]
async fn empty_schema_updates_metadata_only() {
    let (_dir, server) = server().await;
    server
        .post("/subjects/s/versions", &register_body(""))
        .await
        .assert_error(422, 42201);
    server.register("s", USER_V1).await;
    let update = json!({"schema": "", "metadata": {"properties": {"owner": "team-b"}}}).to_string();
    let updated = server.post("/subjects/s/versions", &update).await;
    assert_eq!(updated.json(), json!({"id": 2}), "{}", updated.body);
    let latest = server.get("/subjects/s/versions/latest").await.json();
    assert_eq!(latest["version"], 2);
    assert_eq!(latest["metadata"]["properties"]["owner"], "team-b");
    assert_eq!(
        latest["schema"],
        server.get("/subjects/s/versions/1").await.json()["schema"]
    );
}

/// The value of the one sample line `series` (name and labels exactly) in a scrape.
fn sample(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        let (name, value) = line.rsplit_once(' ')?;
        (name == series).then(|| value.parse().ok())?
    })
}

/// `GET /metrics`: Prometheus text, series labelled by route template (never the raw path),
/// inventory gauges and the count of incompatible registrations.
#[tokio::test]
async fn metrics_are_exposed_for_prometheus() {
    let (_dir, server) = server().await;
    server.register("orders-value", USER_V1).await;
    server.register("orders-value", USER_V2).await;
    server.register("other", USER_V1).await;
    server.delete("/subjects/other").await;
    for id in [1, 2, 1] {
        assert_eq!(server.get(&format!("/schemas/ids/{id}")).await.status, 200);
    }
    server.get("/schemas/ids/77").await.assert_error(404, 40403);
    server.get("/no/such/path").await.assert_error(404, 404);
    server
        .post(
            "/subjects/orders-value/versions",
            &register_body(USER_BROKEN),
        )
        .await
        .assert_error(409, 40901);
    // Refused by media-type negotiation before routing: counted all the same.
    let refused = send(
        server.addr,
        "GET",
        "/subjects",
        None,
        &[("Accept", "text/html")],
    )
    .await;
    assert_eq!(refused.status, 406);

    // What Prometheus sends; the Confluent API alone would refuse `text/plain` with 406.
    let accept = "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4";
    let scraped = send(server.addr, "GET", "/metrics", None, &[("Accept", accept)]).await;
    assert_eq!(scraped.status, 200, "{}", scraped.body);
    assert_eq!(
        scraped.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = &scraped.body;
    let by_id = r#"route="/schemas/ids/{id}",method="GET""#;
    let expectations = [
        (format!(r#"stele_http_requests_total{{{by_id},status="2xx"}}"#), 3.0),
        (format!(r#"stele_http_requests_total{{{by_id},status="4xx"}}"#), 1.0),
        (
            format!(r#"stele_http_request_duration_seconds_count{{{by_id},status="2xx"}}"#),
            3.0,
        ),
        (
            format!(r#"stele_http_request_duration_seconds_bucket{{{by_id},status="2xx",le="+Inf"}}"#),
            3.0,
        ),
        (
            r#"stele_http_requests_total{route="/subjects/{subject}/versions",method="POST",status="2xx"}"#.into(),
            3.0,
        ),
        (
            r#"stele_http_requests_total{route="/subjects/{subject}/versions",method="POST",status="4xx"}"#.into(),
            1.0,
        ),
        (
            r#"stele_http_requests_total{route="unmatched",method="GET",status="4xx"}"#.into(),
            2.0,
        ),
        ("stele_compatibility_rejections_total".into(), 1.0),
        // Ids 1 and 2 still resolve (id 1 also through the soft-deleted subject).
        ("stele_schemas".into(), 2.0),
        ("stele_subjects".into(), 1.0),
    ];
    for (series, wanted) in expectations {
        assert_eq!(sample(text, &series), Some(wanted), "{series} in\n{text}");
    }
    let started = sample(text, "process_start_time_seconds").unwrap();
    assert!(started > 1.7e9, "{started}");
    // Bounded cardinality: raw paths never become labels.
    assert!(!text.contains("/schemas/ids/1\""), "{text}");
    assert!(!text.contains("orders-value"), "{text}");
    assert!(!text.contains("no/such"), "{text}");
    // Every line is a comment or `name{labels} value`, and buckets never decrease.
    let mut previous: Option<(String, f64)> = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value: {line}"));
        assert!(
            series.starts_with("stele_") || series.starts_with("process_"),
            "{line}"
        );
        if let Some((labels, _)) = series.split_once(",le=") {
            if let Some((before, count)) = &previous
                && before == labels
            {
                assert!(value >= *count, "bucket decreased: {line}");
            }
            previous = Some((labels.to_string(), value));
        }
    }
    // The scrape itself is counted by the next one.
    let again = server.get("/metrics").await.body;
    assert_eq!(
        sample(
            &again,
            r#"stele_http_requests_total{route="/metrics",method="GET",status="2xx"}"#
        ),
        Some(1.0),
        "{again}"
    );
}

/// `format=serialized`: Protobuf schemas as base64 `FileDescriptorProto`s, which the Python,
/// Go and .NET deserializers ask for; the same descriptor finds the same schema again.
#[tokio::test]
async fn protobuf_schemas_are_served_as_descriptors_on_request() {
    let (_dir, server) = server().await;
    let proto = "syntax = \"proto3\";\npackage acme;\nmessage Order { string id = 1; }\n";
    let body = json!({"schema": proto, "schemaType": "PROTOBUF"}).to_string();
    let registered = server.post("/subjects/orders/versions", &body).await;
    assert_eq!(registered.json(), json!({"id": 1}), "{}", registered.body);
    server.register("avro", USER_V1).await;

    let plain = server.get("/schemas/ids/1").await.json();
    assert!(plain["schema"].as_str().unwrap().contains("message Order"));
    let serialized = server.get("/schemas/ids/1?format=serialized").await.json();
    let descriptor = serialized["schema"].as_str().unwrap().to_string();
    assert!(!descriptor.contains("message"), "{descriptor}");
    assert_eq!(serialized["schemaType"], "PROTOBUF");
    for path in [
        "/subjects/orders/versions/1?format=serialized",
        "/subjects/orders/versions/latest?format=SERIALIZED",
    ] {
        assert_eq!(
            server.get(path).await.json()["schema"],
            descriptor,
            "{path}"
        );
    }
    let raw = server.get("/schemas/ids/1/schema?format=serialized").await;
    assert_eq!(raw.body, descriptor);
    // The descriptor is the same schema: a lookup with it finds version 1.
    let lookup = json!({"schema": descriptor, "schemaType": "PROTOBUF"}).to_string();
    let found = server.post("/subjects/orders", &lookup).await.json();
    assert_eq!(
        (found["id"].clone(), found["version"].clone()),
        (json!(1), json!(1))
    );
    // Other formats and unknown values answer the stored text.
    let avro = server.get("/schemas/ids/2?format=serialized").await.json();
    assert_eq!(avro, server.get("/schemas/ids/2").await.json());
    assert_eq!(
        server.get("/schemas/ids/1?format=other").await.json(),
        plain
    );
}

/// `compatibilityPolicy` is validated, stored upper-case and applied: under LENIENT an
/// optional property may join an open content model, which STRICT refuses.
#[tokio::test]
async fn compatibility_policy_is_validated_and_applied() {
    let (_dir, server) = server().await;
    server
        .put("/config/p", r#"{"compatibilityPolicy":"sloppy"}"#)
        .await
        .assert_error(422, 42203);
    let old = json!({"schemaType": "JSON", "schema": r#"{"type":"object","properties":{"a":{"type":"string"}}}"#});
    let new = json!({"schemaType": "JSON", "schema": r#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}}"#});
    assert_eq!(
        server
            .post("/subjects/p/versions", &old.to_string())
            .await
            .status,
        200
    );
    let check = |body: String| {
        let server = &server;
        async move {
            server
                .post("/compatibility/subjects/p/versions/latest", &body)
                .await
                .json()["is_compatible"]
                .clone()
        }
    };
    assert_eq!(check(new.to_string()).await, json!(false));
    assert_eq!(
        server
            .put("/config/p", r#"{"compatibilityPolicy":"lenient"}"#)
            .await
            .json(),
        json!({"compatibilityPolicy": "LENIENT"})
    );
    assert_eq!(check(new.to_string()).await, json!(true));
}
