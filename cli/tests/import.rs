//! `stele import` between two real `stele-registry` processes: Avro, Protobuf and JSON Schema
//! subjects with references, several versions, soft-deleted versions and subjects, gaps in
//! the ids, per-subject config and mode, and a second context. Everything is checked on the
//! target with raw HTTP after the import.

mod live;
mod support;

use std::path::Path;

use live::{Registry, encode};
use serde_json::{Value, json};
use support::stele;

const MONEY: &str = r#"{"type":"record","name":"Money","namespace":"shop.common","fields":[{"name":"cents","type":"long"},{"name":"currency","type":"string"}]}"#;
const ORDER_V1: &str = r#"{"type":"record","name":"OrderPlaced","namespace":"shop.orders","fields":[{"name":"id","type":"string"},{"name":"total","type":"shop.common.Money"}]}"#;
const ORDER_V2: &str = r#"{"type":"record","name":"OrderPlaced","namespace":"shop.orders","fields":[{"name":"id","type":"string"},{"name":"total","type":"shop.common.Money"},{"name":"note","type":"string","default":""}]}"#;
const ORDER_V3: &str = r#"{"type":"record","name":"OrderPlaced","namespace":"shop.orders","fields":[{"name":"id","type":"string"},{"name":"total","type":"shop.common.Money"},{"name":"note","type":"string","default":""},{"name":"coupon","type":["null","string"],"default":null}]}"#;
const COMMON_PROTO: &str =
    "syntax = \"proto3\";\npackage shop.common;\n\nmessage Address {\n  string city = 1;\n}\n";
const PAYMENT_PROTO: &str = "syntax = \"proto3\";\npackage shop.payments;\n\nimport \"shop/common/address.proto\";\n\nmessage PaymentTaken {\n  string id = 1;\n  shop.common.Address billing = 2;\n}\n";
const CUSTOMER_JSON: &str =
    r#"{"$id":"customer.json","type":"object","properties":{"name":{"type":"string"}}}"#;
const SIGNUP_JSON: &str = r#"{"type":"object","properties":{"customer":{"$ref":"customer.json"},"at":{"type":"string"}}}"#;
const SCRATCH: &str = r#"{"type":"record","name":"Scratch","fields":[{"name":"x","type":"int"}]}"#;
const TEMP: &str = r#"{"type":"record","name":"Temp","fields":[{"name":"y","type":"int"}]}"#;
const EU_ORDER: &str =
    r#"{"type":"record","name":"EuOrder","fields":[{"name":"vat","type":"int"}]}"#;

/// Fills `source` and answers the ids it handed out, in registration order.
fn fill(source: &Registry) -> Vec<i64> {
    let mut ids = Vec::new();
    source.put("/config", json!({"compatibility": "BACKWARD_TRANSITIVE"}));
    ids.push(source.register("shop.common.Money", "AVRO", MONEY, json!([])));
    let money =
        json!([{"name": "shop.common.Money", "subject": "shop.common.Money", "version": 1}]);
    // A schema registered and then deleted permanently leaves a gap in the ids.
    ids.push(source.register("temp-value", "AVRO", TEMP, json!([])));
    source.delete("/subjects/temp-value");
    source.delete("/subjects/temp-value?permanent=true");
    ids.push(source.register("orders-value", "AVRO", ORDER_V1, money.clone()));
    ids.push(source.register("orders-value", "AVRO", ORDER_V2, money.clone()));
    ids.push(source.register("orders-value", "AVRO", ORDER_V3, money));
    source.delete("/subjects/orders-value/versions/3");
    ids.push(source.register(
        "shop/common/address.proto",
        "PROTOBUF",
        COMMON_PROTO,
        json!([]),
    ));
    ids.push(source.register(
        "payments-value",
        "PROTOBUF",
        PAYMENT_PROTO,
        json!([{"name": "shop/common/address.proto", "subject": "shop/common/address.proto", "version": 1}]),
    ));
    ids.push(source.register("customer", "JSON", CUSTOMER_JSON, json!([])));
    ids.push(source.register(
        "signup-value",
        "JSON",
        SIGNUP_JSON,
        json!([{"name": "customer.json", "subject": "customer", "version": 1}]),
    ));
    ids.push(source.register("scratch-value", "AVRO", SCRATCH, json!([])));
    source.delete("/subjects/scratch-value");
    ids.push(source.register(":.eu:orders-value", "AVRO", EU_ORDER, json!([])));
    source.put("/config/orders-value", json!({"compatibility": "FULL"}));
    source.put(
        "/config/signup-value",
        json!({"compatibility": "NONE", "normalize": true}),
    );
    source.put("/mode/payments-value", json!({"mode": "READONLY"}));
    ids
}

/// Every subject version of `registry` with its id, schema and deleted flag, as raw JSON.
fn contents(registry: &Registry) -> Vec<(String, i64, i64, bool, String, Value)> {
    let mut out = Vec::new();
    let subjects = registry.get("/subjects?deleted=true");
    for subject in subjects.as_array().expect("a list") {
        let subject = subject.as_str().expect("a name");
        let all = registry.get(&format!(
            "/subjects/{}/versions?deleted=true",
            encode(subject)
        ));
        let (status, live) = registry.call(
            "GET",
            &format!("/subjects/{}/versions", encode(subject)),
            None,
        );
        let live: Vec<i64> = if status == 200 {
            live.as_array()
                .expect("a list")
                .iter()
                .filter_map(Value::as_i64)
                .collect()
        } else {
            Vec::new()
        };
        for version in all.as_array().expect("a list") {
            let version = version.as_i64().expect("a number");
            let found = registry.get(&format!(
                "/subjects/{}/versions/{version}?deleted=true",
                encode(subject)
            ));
            out.push((
                subject.to_string(),
                version,
                found["id"].as_i64().expect("an id"),
                !live.contains(&version),
                found["schema"].as_str().expect("a schema").to_string(),
                found.get("references").cloned().unwrap_or(json!([])),
            ));
        }
    }
    out
}

fn import(args: &[&str]) -> support::Output {
    stele(Path::new("."), &[&["import"], args].concat())
}

#[test]
fn import_copies_ids_versions_configs_and_modes_and_verifies_them() {
    let source = Registry::start();
    let target = Registry::start();
    let ids = fill(&source);
    assert_eq!(
        ids,
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1],
        "ids as the source handed them out"
    );

    // A dry run prints the plan and leaves the target empty.
    let dry = import(&["--from", &source.url, "--to", &target.url, "--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    let plan: Vec<&str> = dry.stdout.lines().collect();
    assert_eq!(
        plan,
        [
            format!(
                "source {}: 8 subjects, 10 versions (2 soft-deleted), 10 schema ids, 2 contexts",
                source.url
            )
            .as_str(),
            format!("plan for {} (dry run, nothing written):", target.url).as_str(),
            "  set global mode IMPORT",
            "  register `:.eu:orders-value` version 1 as id 1 (AVRO)",
            "  register `shop.common.Money` version 1 as id 1 (AVRO)",
            "  register `orders-value` version 1 as id 3 (AVRO), references shop.common.Money -> `shop.common.Money` version 1",
            "  register `orders-value` version 2 as id 4 (AVRO), references shop.common.Money -> `shop.common.Money` version 1",
            "  register `orders-value` version 3 as id 5 (AVRO), references shop.common.Money -> `shop.common.Money` version 1",
            "  register `shop/common/address.proto` version 1 as id 6 (PROTOBUF)",
            "  register `payments-value` version 1 as id 7 (PROTOBUF), references shop/common/address.proto -> `shop/common/address.proto` version 1",
            "  register `customer` version 1 as id 8 (JSON)",
            "  register `signup-value` version 1 as id 9 (JSON), references customer.json -> `customer` version 1",
            "  register `scratch-value` version 1 as id 10 (AVRO)",
            "  soft-delete `scratch-value` version 1",
            "  soft-delete `orders-value` version 3",
            "  set global config {\"compatibility\":\"BACKWARD_TRANSITIVE\"}",
            "  set subject `orders-value` config {\"compatibility\":\"FULL\"}",
            "  set subject `signup-value` config {\"compatibility\":\"NONE\",\"normalize\":true}",
            "  set subject `payments-value` mode READONLY",
            "  set global mode READWRITE",
        ]
    );
    assert_eq!(target.get("/subjects?deleted=true"), json!([]));

    let run = import(&["--from", &source.url, "--to", &target.url]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().skip(1).collect::<Vec<_>>(),
        [
            format!(
                "imported into {}: 10 versions, 2 soft-deleted again, 3 configs, 2 modes",
                target.url
            ),
            "verified: 10 versions, 10 schema ids, 3 configs and 2 modes match the source"
                .to_string(),
        ]
    );
    assert_eq!(run.stderr, "");

    // Raw HTTP: the same subjects, versions, ids, texts, references and deleted flags.
    assert_eq!(contents(&target), contents(&source));
    assert_eq!(
        target.get("/subjects"),
        json!([
            ":.eu:orders-value",
            "customer",
            "orders-value",
            "payments-value",
            "shop.common.Money",
            "shop/common/address.proto",
            "signup-value"
        ])
    );
    assert_eq!(target.get("/subjects/orders-value/versions"), json!([1, 2]));
    for id in [1, 3, 4, 5, 6, 7, 8, 9, 10] {
        assert_eq!(
            target.get(&format!("/schemas/ids/{id}"))["schema"],
            source.get(&format!("/schemas/ids/{id}"))["schema"],
            "id {id}"
        );
    }
    // The gap stays a gap, and the context keeps its own id 1.
    assert_eq!(target.call("GET", "/schemas/ids/2", None).0, 404);
    assert_eq!(
        target.get("/schemas/ids/1?subject=%3A.eu%3Aorders-value")["schema"],
        source.get("/schemas/ids/1?subject=%3A.eu%3Aorders-value")["schema"]
    );
    assert_eq!(
        target.get("/config"),
        json!({"compatibilityLevel": "BACKWARD_TRANSITIVE"})
    );
    assert_eq!(
        target.get("/config/orders-value"),
        json!({"compatibilityLevel": "FULL"})
    );
    assert_eq!(
        target.get("/config/signup-value"),
        json!({"compatibilityLevel": "NONE", "normalize": true})
    );
    assert_eq!(
        target.get("/mode/payments-value"),
        json!({"mode": "READONLY"})
    );
    assert_eq!(target.get("/mode"), json!({"mode": "READWRITE"}));
    // The copy is a working registry: new registrations get the next id and version.
    let next = target.register(
        "orders-value",
        "AVRO",
        ORDER_V3,
        json!([{"name": "shop.common.Money", "subject": "shop.common.Money", "version": 1}]),
    );
    assert_eq!(next, 5, "the soft-deleted version's schema keeps its id");
    assert_eq!(
        target.get("/subjects/orders-value/versions"),
        json!([1, 2, 4])
    );

    // A second import into the now populated target is refused.
    let again = import(&["--from", &source.url, "--to", &target.url]);
    assert_eq!(again.code, 2, "{again:?}");
    assert!(
        again.stderr.starts_with(&format!(
            "error: the target {} already holds 8 subjects (",
            target.url
        )),
        "{}",
        again.stderr
    );
}

#[test]
fn verify_only_lists_every_difference_with_exit_1() {
    let source = Registry::start();
    let target = Registry::start();
    fill(&source);
    let run = import(&["--from", &source.url, "--to", &target.url]);
    assert_eq!(run.code, 0, "{run:?}");
    let same = import(&["--from", &source.url, "--to", &target.url, "--verify-only"]);
    assert_eq!(same.code, 0, "{same:?}");

    target.put("/config/orders-value", json!({"compatibility": "NONE"}));
    target.delete("/subjects/signup-value/versions/1");
    target.delete("/mode/payments-value");
    let differs = import(&["--from", &source.url, "--to", &target.url, "--verify-only"]);
    assert_eq!(differs.code, 1, "{differs:?}");
    assert_eq!(
        differs.stdout.lines().skip(1).collect::<Vec<_>>(),
        [
            "the copy differs from the source in 3 places:",
            "  subject `signup-value` version 1: live in the source, soft-deleted in the target",
            "  subject `orders-value` config `compatibilityLevel`: \"FULL\" in the source, \"NONE\" in the target",
            "  subject `payments-value` mode: READONLY in the source, none in the target",
        ]
    );
}

#[test]
fn unreachable_registries_and_credentials_are_reported_without_secrets() {
    let target = Registry::start();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let from = format!("http://admin:hunter2@127.0.0.1:{port}");
    let run = import(&["--from", &from, "--to", &target.url, "--timeout", "5"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "error: reading the source http://***@127.0.0.1:{port}: GET http://***@127.0.0.1:{port}/contexts: "
        )),
        "{}",
        run.stderr
    );

    let run = import(&["--from", &target.url, "--to", &target.url]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "error: --from and --to both name {}; import copies one registry into another\n",
            target.url
        )
    );
}
