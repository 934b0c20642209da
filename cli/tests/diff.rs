//! `stele diff` from two files, from a subject of stele.toml and from a live registry.

mod live;
mod support;

use live::Registry;
use serde_json::{Value, json};
use support::{expect, repo_root, stele};

#[test]
fn two_files_show_each_change_and_the_verdict() {
    let out = stele(
        &repo_root(),
        &[
            "diff",
            "schemas/users/user_signed_up/v1.json",
            "schemas/users/user_signed_up/v2.json",
            "--reference",
            "envelope.json=schemas/common/envelope.json",
            "-c",
            "full",
        ],
    );
    expect(
        &out,
        0,
        "schemas/users/user_signed_up/v2.json: version 1 (schemas/users/user_signed_up/v1.json) -> \
         version 2 (schemas/users/user_signed_up/v2.json)\n  \
         + optional field `referralCode` added with type string\n\n\
         incompatible at FULL:\n  error[JSON_PROPERTY_REMOVED_FROM_CLOSED_MODEL]: consumers on \
         version 1 cannot read events written with version 2: property `referralCode` exists in \
         version 2 but is removed from the closed content model of version 1, which rejects it\n",
        "",
    );
}

#[test]
fn a_subject_of_the_manifest_diffs_its_history() {
    let latest = stele(&repo_root(), &["diff", "shop.orders.order-placed-value"]);
    expect(
        &latest,
        0,
        "shop.orders.order-placed-value: version 2 (schemas/orders/order_placed/v2.avsc) -> \
         version 3 (schemas/orders/order_placed/v3.avsc)\n  \
         + optional field `salesChannel` added with type SalesChannel and default \"WEB\"\n\n\
         compatible at FULL\n",
        "",
    );
    let out = stele(
        &repo_root(),
        &[
            "diff",
            "shop.orders.order-placed-value",
            "1",
            "3",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{out:#?}");
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["old"]["version"], 1);
    assert_eq!(json["new"]["version"], 3);
    let kinds: Vec<&str> = json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["field added", "field added"]);
    assert_eq!(json["compatibility"]["compatible"], true);

    let missing = stele(
        &repo_root(),
        &["diff", "shop.orders.order-placed-value", "7"],
    );
    assert_eq!(missing.code, 2, "{missing:#?}");
    assert!(
        missing.stderr.contains("has no version 7 (it has 1, 2, 3)"),
        "{missing:#?}"
    );
    let unknown = stele(&repo_root(), &["diff", "no-such-subject"]);
    assert_eq!(unknown.code, 2, "{unknown:#?}");
    assert!(
        unknown
            .stderr
            .contains("neither an existing file nor a subject"),
        "{unknown:#?}"
    );
}

#[test]
fn a_registry_subject_diffs_its_registered_versions() {
    let registry = Registry::start();
    let v1 = r#"{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"total","type":"long"}]}"#;
    let v2 = r#"{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"note","type":"string","default":""}]}"#;
    registry.put("/config/orders-value", json!({ "compatibility": "NONE" }));
    registry.register("orders-value", "AVRO", v1, json!([]));
    registry.register("orders-value", "AVRO", v2, json!([]));
    registry.put(
        "/config/orders-value",
        json!({ "compatibility": "FORWARD" }),
    );
    let out = stele(
        &repo_root(),
        &["diff", "orders-value", "--registry", &registry.url],
    );
    expect(
        &out,
        0,
        "orders-value: version 1 (registry version 1 (id 1)) -> version 2 (registry version 2 \
         (id 2))\n  + optional field `note` added with type string and default \"\"\n  \
         - field `total` of type long removed\n\n\
         incompatible at FORWARD:\n  error[AVRO_FIELD_ADDED_WITHOUT_DEFAULT]: consumers on \
         version 1 cannot read events written with version 2: field `total` exists in version 1 \
         without a default and is missing from version 2\n",
        "",
    );
}
