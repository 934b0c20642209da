//! Confluent contexts over HTTP: qualified subjects (`:.ctx:name`), per-context schema ids,
//! `/contexts/{ctx}/...` paths, listing with prefixes, config inheritance through the
//! context, `GET`/`DELETE /contexts`, references across contexts, and an existing SQLite
//! database upgrading in place.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Server, USER_BROKEN, USER_V1, USER_V2, register_body};
use serde_json::{Value, json};

async fn server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    (dir, server)
}

const ORDER: &str = r#"{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"total","type":"double"}]}"#;

#[tokio::test]
async fn ids_are_allocated_per_context() {
    let (_dir, server) = server().await;
    assert_eq!(server.register("orders", ORDER).await, 1);
    assert_eq!(server.register(":.ctx:users", USER_V1).await, 1);
    assert_eq!(server.register(":.ctx:orders", ORDER).await, 2);
    assert_eq!(server.register(":.other:users", USER_V1).await, 1);
    assert_eq!(server.register("users", USER_V1).await, 2);

    // Without `subject`, ids are the default context's.
    let by_id = server.get("/schemas/ids/1").await.json();
    assert!(by_id["schema"].as_str().unwrap().contains("Order"));
    // A qualified subject picks its context, and names the version.
    let in_ctx = server
        .get("/schemas/ids/1?subject=:.ctx:users")
        .await
        .json();
    assert!(in_ctx["schema"].as_str().unwrap().contains("User"));
    assert_eq!(in_ctx["subject"], ":.ctx:users");
    assert_eq!(in_ctx["version"], 1);
    // The same through a context path.
    let via_path = server.get("/contexts/.ctx/schemas/ids/1").await.json();
    assert!(via_path["schema"].as_str().unwrap().contains("User"));
    let ids2 = server
        .get("/contexts/.ctx/schemas/ids/2/versions")
        .await
        .json();
    assert_eq!(ids2, json!([{"subject": ":.ctx:orders", "version": 1}]));
    let max = server
        .get("/schemas/ids/1?subject=:.other:users&fetchMaxId=true")
        .await
        .json();
    assert_eq!(max["maxId"], 1);
    // An unqualified subject not found in the default context tries the others.
    server
        .get("/schemas/ids/3?subject=:.ctx:users")
        .await
        .assert_error(404, 40403);
    let (_dir2, fresh) = server_with(&[(":.only:x", USER_V2)]).await;
    fresh.get("/schemas/ids/1").await.assert_error(404, 40403);
    let fallback = fresh.get("/schemas/ids/1?subject=x").await.json();
    assert!(fallback["schema"].as_str().unwrap().contains("email"));
    // Deduplication is per context too: registering again answers the context's id.
    assert_eq!(server.register(":.ctx:orders", ORDER).await, 2);
    assert_eq!(server.register("orders", ORDER).await, 1);
}

async fn server_with(registrations: &[(&str, &str)]) -> (tempfile::TempDir, Server) {
    let (dir, server) = server().await;
    for (subject, schema) in registrations {
        server.register(subject, schema).await;
    }
    (dir, server)
}

#[tokio::test]
async fn context_paths_equal_qualified_subjects() {
    let (_dir, server) = server().await;
    let registered = server
        .post(
            "/contexts/.ctx/subjects/x/versions",
            &register_body(USER_V1),
        )
        .await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    assert_eq!(registered.json(), json!({"id": 1}));
    assert_eq!(server.register(":.ctx:x", USER_V2).await, 2);
    let by_path = server.get("/contexts/.ctx/subjects/x/versions").await;
    let qualified = server.get("/subjects/:.ctx:x/versions").await;
    assert_eq!(by_path.json(), json!([1, 2]));
    assert_eq!(by_path.body, qualified.body);
    // A context given without its dot, and percent-encoded qualified names.
    let no_dot = server.get("/contexts/ctx/subjects/x/versions/latest").await;
    assert_eq!(no_dot.json()["subject"], ":.ctx:x");
    assert_eq!(no_dot.json()["version"], 2);
    let encoded = server.get("/subjects/%3A.ctx%3Ax/versions").await;
    assert_eq!(encoded.json(), json!([1, 2]));
    // `:.:` names the default context.
    server.register(":.:plain", ORDER).await;
    assert_eq!(
        server.get("/subjects/plain/versions").await.json(),
        json!([1])
    );
    // The default subject is not the context's.
    server
        .get("/subjects/x/versions")
        .await
        .assert_error(404, 40401);
    let compatible = server
        .post(
            "/contexts/.ctx/compatibility/subjects/x/versions/latest",
            &register_body(USER_BROKEN),
        )
        .await;
    assert_eq!(compatible.json(), json!({"is_compatible": false}));
    // The reserved global context holds no subject.
    server
        .post("/subjects/:.__GLOBAL:x/versions", &register_body(USER_V1))
        .await
        .assert_error(422, 42208);
}

#[tokio::test]
async fn subjects_are_listed_qualified() {
    let (_dir, server) =
        server_with(&[("a", USER_V1), (":.ctx:b", USER_V1), (":.other:a", USER_V1)]).await;
    let all = json!([":.ctx:b", ":.other:a", "a"]);
    assert_eq!(server.get("/subjects").await.json(), all);
    assert_eq!(server.get("/subjects?subjectPrefix=:*:").await.json(), all);
    assert_eq!(
        server.get("/subjects?subjectPrefix=:*:a").await.json(),
        json!([":.other:a", "a"])
    );
    assert_eq!(
        server.get("/subjects?subjectPrefix=:.ctx:").await.json(),
        json!([":.ctx:b"])
    );
    assert_eq!(
        server.get("/subjects?subjectPrefix=:.:").await.json(),
        json!(["a"])
    );
    assert_eq!(
        server.get("/subjects?subjectPrefix=a").await.json(),
        json!(["a"])
    );
    assert_eq!(
        server.get("/contexts/.other/subjects").await.json(),
        json!([":.other:a"])
    );
    let schemas: Vec<Value> =
        serde_json::from_value(server.get("/contexts/.ctx/schemas").await.json()).unwrap();
    assert_eq!(schemas.len(), 1);
    assert_eq!(schemas[0]["subject"], ":.ctx:b");
    assert_eq!(schemas[0]["id"], 1);
    let every: Vec<Value> = serde_json::from_value(server.get("/schemas").await.json()).unwrap();
    assert_eq!(every.len(), 3);
}

#[tokio::test]
async fn config_is_inherited_through_the_context() {
    let (_dir, server) = server_with(&[(":.ctx:x", USER_V1), ("y", USER_V1)]).await;
    // The server default (BACKWARD) refuses the broken change everywhere.
    let broken = register_body(USER_BROKEN);
    server
        .post("/subjects/:.ctx:x/versions", &broken)
        .await
        .assert_error(409, 40901);
    // A context-level config, set through the context path, applies to its subjects only.
    let set = server
        .put("/contexts/.ctx/config", r#"{"compatibility":"NONE"}"#)
        .await;
    assert_eq!(set.json(), json!({"compatibility": "NONE"}));
    assert_eq!(
        server.get("/config/:.ctx:").await.json(),
        json!({"compatibilityLevel": "NONE"})
    );
    server.get("/config/:.ctx:x").await.assert_error(404, 40408);
    assert_eq!(
        server
            .get("/config/:.ctx:x?defaultToGlobal=true")
            .await
            .json(),
        json!({"compatibilityLevel": "NONE"})
    );
    let accepted = server.post("/subjects/:.ctx:x/versions", &broken).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    server
        .post("/subjects/y/versions", &broken)
        .await
        .assert_error(409, 40901);
    // A subject-level config wins over the context's.
    server
        .put("/config/:.ctx:x", r#"{"compatibility":"FULL"}"#)
        .await;
    assert_eq!(
        server
            .get("/contexts/.ctx/config/x?defaultToGlobal=true")
            .await
            .json(),
        json!({"compatibilityLevel": "FULL"})
    );
    // `:.:` is the global config.
    server
        .put("/config/:.:", r#"{"compatibility":"FORWARD"}"#)
        .await;
    assert_eq!(
        server.get("/config").await.json(),
        json!({"compatibilityLevel": "FORWARD"})
    );
    assert_eq!(
        server.get("/config/:.:").await.json(),
        json!({"compatibilityLevel": "FORWARD"})
    );
    // Modes follow the same chain.
    server.put("/mode/:.ctx:", r#"{"mode":"READONLY"}"#).await;
    server
        .post("/subjects/:.ctx:z/versions", &register_body(ORDER))
        .await
        .assert_error(422, 42205);
    assert_eq!(server.register("z", ORDER).await, 2);
    assert_eq!(
        server
            .get("/mode/:.ctx:z?defaultToGlobal=true")
            .await
            .json(),
        json!({"mode": "READONLY"})
    );
}

#[tokio::test]
async fn contexts_are_listed_and_deleted_when_empty() {
    let (_dir, server) = server().await;
    assert_eq!(server.get("/contexts").await.json(), json!(["."]));
    server.register(":.zeta:x", USER_V1).await;
    server.register(":.alpha:y", USER_V1).await;
    assert_eq!(
        server.get("/contexts").await.json(),
        json!([".", ".alpha", ".zeta"])
    );
    server
        .delete("/contexts/.alpha")
        .await
        .assert_error(422, 42211);
    assert_eq!(
        server.delete("/subjects/:.alpha:y").await.json(),
        json!([1])
    );
    // Soft-deleted subjects still hold the context.
    server
        .delete("/contexts/.alpha")
        .await
        .assert_error(422, 42211);
    server.delete("/subjects/:.alpha:y?permanent=true").await;
    let deleted = server.delete("/contexts/.alpha").await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(deleted.body, "");
    assert_eq!(server.get("/contexts").await.json(), json!([".", ".zeta"]));
    let unknown = server.delete("/contexts/.never").await;
    assert_eq!(unknown.status, 204);
}

#[tokio::test]
async fn references_cross_contexts() {
    let (_dir, server) = server_with(&[(":.shared:order", ORDER)]).await;
    let referrer = r#"{"type":"record","name":"Invoice","namespace":"com.acme","fields":[{"name":"order","type":"com.acme.Order"}]}"#;
    let body = json!({
        "schema": referrer,
        "references": [{"name": "com.acme.Order", "subject": ":.shared:order", "version": 1}],
    })
    .to_string();
    let registered = server.post("/subjects/invoice/versions", &body).await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    assert_eq!(registered.json(), json!({"id": 1}));
    let read = server.get("/subjects/invoice/versions/1").await.json();
    assert_eq!(read["references"][0]["subject"], ":.shared:order");
    assert_eq!(
        server
            .get("/subjects/:.shared:order/versions/1/referencedby")
            .await
            .json(),
        json!([1])
    );
    // An unqualified reference from a context means a subject of that same context.
    server.register(":.shared:line", ORDER).await;
    let relative = json!({
        "schema": referrer,
        "references": [{"name": "com.acme.Order", "subject": "order", "version": 1}],
    })
    .to_string();
    let in_context = server
        .post("/subjects/:.shared:invoice/versions", &relative)
        .await;
    assert_eq!(in_context.status, 200, "{}", in_context.body);
    assert_eq!(in_context.json(), json!({"id": 2}));
    // The same from the default context finds nothing to resolve.
    server
        .post("/subjects/other/versions", &relative)
        .await
        .assert_error(422, 42201);
    // A referenced version cannot be deleted from under its referrer in another context.
    server
        .delete("/subjects/:.shared:order/versions/1")
        .await
        .assert_error(422, 42206);
}

/// A database created before contexts existed opens with its data in the default context.
#[tokio::test]
async fn an_existing_sqlite_database_upgrades_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    let first_only = dir.path().join("migrations");
    std::fs::create_dir(&first_only).unwrap();
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/sqlite");
    std::fs::copy(
        migrations.join("0001_registry.sql"),
        first_only.join("0001_registry.sql"),
    )
    .unwrap();
    {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&db)
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        sqlx::migrate::Migrator::new(first_only.as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        for statement in [
            "INSERT INTO schemas (id, fingerprint, schema_type, schema) \
             VALUES (5, 'f5', 'AVRO', '\"string\"')",
            "INSERT INTO subject_versions (subject, version, schema_id) VALUES ('old', 1, 5)",
        ] {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    let server = Server::start_on(&db).await;
    assert_eq!(
        server.get("/schemas/ids/5").await.json(),
        json!({"schema": "\"string\""})
    );
    assert_eq!(server.register(":.ctx:new", USER_V1).await, 1);
    assert_eq!(server.register("new", USER_V1).await, 6);
    assert_eq!(
        server.get("/subjects").await.json(),
        json!([":.ctx:new", "new", "old"])
    );
    server.stop().await;
}
