//! Confluent contexts over HTTP: qualified subjects (`:.ctx:name`), per-context schema ids,
//! `/contexts/{ctx}/...` paths, listing with prefixes, config inheritance through the
//! context, `GET`/`DELETE /contexts`, references across contexts, and an existing SQLite
//! database upgrading in place.

#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::postgres::TestDatabase;
use common::{Response, USER_BROKEN, USER_V1, USER_V2, register_body, send};
use serde_json::{Value, json};
use stele_registry::store::Store;
use stele_registry::store::postgres::PgStore;
use stele_registry::store::sqlite::SqliteStore;
use stele_registry::{AppState, Config, app};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A registry serving on a loopback socket over either store; each scenario runs on both.
struct Api {
    addr: SocketAddr,
    task: JoinHandle<()>,
    _dir: Option<tempfile::TempDir>,
    database: Option<TestDatabase>,
}

impl Api {
    async fn serve(store: Arc<dyn Store>) -> (SocketAddr, JoinHandle<()>) {
        let state = AppState::new(store, Config::default());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app(state)).await.unwrap();
        });
        (addr, task)
    }

    async fn sqlite() -> Api {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_file(&dir.path().join("registry.db"))
            .await
            .unwrap();
        let (addr, task) = Api::serve(Arc::new(store)).await;
        Api {
            addr,
            task,
            _dir: Some(dir),
            database: None,
        }
    }

    /// `None` when no PostgreSQL server is configured for tests.
    async fn postgres(test: &str) -> Option<Api> {
        let server = common::postgres::server(test)?;
        let database = TestDatabase::create(&server).await;
        let store = PgStore::open(&database.url).await.unwrap();
        let (addr, task) = Api::serve(Arc::new(store)).await;
        Some(Api {
            addr,
            task,
            _dir: None,
            database: Some(database),
        })
    }

    async fn finish(self) {
        self.task.abort();
        let _ = self.task.await;
        if let Some(database) = self.database {
            database.drop_now().await;
        }
    }

    async fn get(&self, path: &str) -> Response {
        send(self.addr, "GET", path, None, &[]).await
    }

    async fn post(&self, path: &str, body: &str) -> Response {
        send(self.addr, "POST", path, Some(body), &[]).await
    }

    async fn put(&self, path: &str, body: &str) -> Response {
        send(self.addr, "PUT", path, Some(body), &[]).await
    }

    async fn delete(&self, path: &str) -> Response {
        send(self.addr, "DELETE", path, None, &[]).await
    }

    async fn register(&self, subject: &str, schema: &str) -> i64 {
        let response = self
            .post(
                &format!("/subjects/{subject}/versions"),
                &register_body(schema),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        response.json()["id"].as_i64().unwrap()
    }

    async fn with(self, registrations: &[(&str, &str)]) -> Api {
        for (subject, schema) in registrations {
            self.register(subject, schema).await;
        }
        self
    }
}

/// Runs `scenario` against a fresh SQLite registry and, when configured, a PostgreSQL one.
macro_rules! on_both_stores {
    ($sqlite:ident, $postgres:ident, $scenario:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            let api = Api::sqlite().await;
            $scenario(&api).await;
            api.finish().await;
        }

        #[tokio::test]
        async fn $postgres() {
            let Some(api) = Api::postgres(stringify!($postgres)).await else {
                return;
            };
            $scenario(&api).await;
            api.finish().await;
        }
    };
}

const ORDER: &str = r#"{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"total","type":"double"}]}"#;

on_both_stores!(
    ids_are_allocated_per_context_sqlite,
    ids_are_allocated_per_context_postgres,
    ids_are_allocated_per_context
);

async fn ids_are_allocated_per_context(server: &Api) {
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
    let fresh = Api::sqlite().await.with(&[(":.only:x", USER_V2)]).await;
    fresh.get("/schemas/ids/1").await.assert_error(404, 40403);
    let fallback = fresh.get("/schemas/ids/1?subject=x").await.json();
    assert!(fallback["schema"].as_str().unwrap().contains("email"));
    fresh.finish().await;
    // Deduplication is per context too: registering again answers the context's id.
    assert_eq!(server.register(":.ctx:orders", ORDER).await, 2);
    assert_eq!(server.register("orders", ORDER).await, 1);
}

on_both_stores!(
    context_paths_equal_qualified_subjects_sqlite,
    context_paths_equal_qualified_subjects_postgres,
    context_paths_equal_qualified_subjects
);

async fn context_paths_equal_qualified_subjects(server: &Api) {
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

on_both_stores!(
    subjects_are_listed_qualified_sqlite,
    subjects_are_listed_qualified_postgres,
    subjects_are_listed_qualified
);

async fn subjects_are_listed_qualified(server: &Api) {
    for (subject, schema) in [("a", USER_V1), (":.ctx:b", USER_V1), (":.other:a", USER_V1)] {
        server.register(subject, schema).await;
    }
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
    let default: Vec<Value> = serde_json::from_value(server.get("/schemas").await.json()).unwrap();
    assert_eq!(default.len(), 1);
    assert_eq!(default[0]["subject"], "a");
    let every: Vec<Value> =
        serde_json::from_value(server.get("/schemas?subjectPrefix=:*:").await.json()).unwrap();
    assert_eq!(every.len(), 3);
    assert_eq!(
        server.get("/subjects?subjectPrefix=").await.json(),
        json!(["a"])
    );
}

on_both_stores!(
    config_is_inherited_through_the_context_sqlite,
    config_is_inherited_through_the_context_postgres,
    config_is_inherited_through_the_context
);

async fn config_is_inherited_through_the_context(server: &Api) {
    server.register(":.ctx:x", USER_V1).await;
    server.register("y", USER_V1).await;
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
    assert_eq!(
        server.get("/config/:.__GLOBAL:").await.json(),
        json!({"compatibilityLevel": "FORWARD"})
    );
    server
        .put("/config/:.__GLOBAL:x", r#"{"compatibility":"NONE"}"#)
        .await
        .assert_error(422, 42208);
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

on_both_stores!(
    contexts_are_listed_and_deleted_when_empty_sqlite,
    contexts_are_listed_and_deleted_when_empty_postgres,
    contexts_are_listed_and_deleted_when_empty
);

async fn contexts_are_listed_and_deleted_when_empty(server: &Api) {
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

on_both_stores!(
    references_cross_contexts_sqlite,
    references_cross_contexts_postgres,
    references_cross_contexts
);

async fn references_cross_contexts(server: &Api) {
    server.register(":.shared:order", ORDER).await;
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

on_both_stores!(
    erasing_in_a_context_forgets_only_its_id_sqlite,
    erasing_in_a_context_forgets_only_its_id_postgres,
    erasing_in_a_context_forgets_only_its_id
);

async fn erasing_in_a_context_forgets_only_its_id(server: &Api) {
    server.register("kept", ORDER).await;
    server.register(":.ctx:gone", USER_V1).await;
    // Both ids 1 are now cached.
    assert_eq!(server.get("/schemas/ids/1").await.status, 200);
    assert_eq!(
        server.get("/schemas/ids/1?subject=:.ctx:gone").await.status,
        200
    );
    server.delete("/subjects/:.ctx:gone").await;
    server.delete("/subjects/:.ctx:gone?permanent=true").await;
    server
        .get("/schemas/ids/1?subject=:.ctx:gone")
        .await
        .assert_error(404, 40403);
    let kept = server.get("/schemas/ids/1").await.json();
    assert!(kept["schema"].as_str().unwrap().contains("Order"));
    assert_eq!(server.get("/contexts").await.json(), json!(["."]));
}

/// Copies the first migration of `backend` alone into `dir`, for databases made before
/// contexts existed.
fn first_migration_only(dir: &std::path::Path, backend: &str) -> std::path::PathBuf {
    let first_only = dir.join(format!("migrations-{backend}"));
    std::fs::create_dir(&first_only).unwrap();
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(backend);
    std::fs::copy(
        migrations.join("0001_registry.sql"),
        first_only.join("0001_registry.sql"),
    )
    .unwrap();
    first_only
}

/// Rows as a registry without contexts wrote them: schema 5 used by `old`, referenced by 6.
const OLD_ROWS: [&str; 5] = [
    "INSERT INTO schemas (id, fingerprint, schema_type, schema) \
     VALUES (5, 'f5', 'AVRO', '\"string\"')",
    "INSERT INTO schemas (id, fingerprint, schema_type, schema) \
     VALUES (6, 'f6', 'AVRO', '\"string\"')",
    "INSERT INTO schema_references (schema_id, position, name, subject, version) \
     VALUES (6, 0, 'r', 'old', 1)",
    "INSERT INTO subject_versions (subject, version, schema_id) VALUES ('old', 1, 5)",
    "INSERT INTO subject_versions (subject, version, schema_id) VALUES ('user', 1, 6)",
];

/// What an upgraded database must answer: old ids in the default context, new contexts
/// numbering from 1.
async fn check_upgraded(server: &Api) {
    assert_eq!(
        server.get("/schemas/ids/5").await.json(),
        json!({"schema": "\"string\""})
    );
    assert_eq!(
        server
            .get("/subjects/old/versions/1/referencedby")
            .await
            .json(),
        json!([6])
    );
    assert_eq!(server.register(":.ctx:new", USER_V1).await, 1);
    assert_eq!(server.register("new", USER_V1).await, 7);
    assert_eq!(
        server.get("/subjects").await.json(),
        json!([":.ctx:new", "new", "old", "user"])
    );
}

#[tokio::test]
async fn an_existing_postgres_database_upgrades_in_place() {
    let Some(url) = common::postgres::server("an_existing_postgres_database_upgrades_in_place")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::create(&url).await;
    {
        let pool = sqlx::PgPool::connect(&database.url).await.unwrap();
        sqlx::migrate::Migrator::new(first_migration_only(dir.path(), "postgres").as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        for statement in OLD_ROWS {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    let store = PgStore::open(&database.url).await.unwrap();
    let (addr, task) = Api::serve(Arc::new(store)).await;
    let api = Api {
        addr,
        task,
        _dir: None,
        database: Some(database),
    };
    check_upgraded(&api).await;
    api.finish().await;
}

/// A database created before contexts existed opens with its data in the default context.
#[tokio::test]
async fn an_existing_sqlite_database_upgrades_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&db)
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        sqlx::migrate::Migrator::new(first_migration_only(dir.path(), "sqlite").as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        for statement in OLD_ROWS {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    let store = SqliteStore::open_file(&db).await.unwrap();
    let (addr, task) = Api::serve(Arc::new(store)).await;
    let api = Api {
        addr,
        task,
        _dir: Some(dir),
        database: None,
    };
    check_upgraded(&api).await;
    api.finish().await;
}
