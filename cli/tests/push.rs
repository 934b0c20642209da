//! `stele push` against a real `stele-registry` process: referenced subjects first, each
//! reference pinned to the version pushed, nothing sent twice, incompatibility reported with
//! the registry's messages.

mod live;
mod support;

use std::fs;

use live::Registry;
use serde_json::json;
use support::{dir_with, stele};

const MONEY: &str = r#"{"type":"record","name":"Money","namespace":"shop.common","fields":[{"name":"cents","type":"long"}]}"#;
const ORDER_V1: &str = r#"{"type":"record","name":"OrderPlaced","namespace":"shop.orders","fields":[{"name":"id","type":"string"},{"name":"total","type":"shop.common.Money"}]}"#;
const ORDER_V2: &str = r#"{"type":"record","name":"OrderPlaced","namespace":"shop.orders","fields":[{"name":"id","type":"string"},{"name":"total","type":"shop.common.Money"},{"name":"note","type":"string","default":""}]}"#;
const ORDER_BROKEN: &str = r#"{"type":"record","name":"OrderPlaced","namespace":"shop.orders","fields":[{"name":"id","type":"string"},{"name":"total","type":"shop.common.Money"},{"name":"note","type":"string","default":""},{"name":"customer","type":"string"}]}"#;

fn manifest(url: &str) -> String {
    format!(
        r#"[project]
name = "shop"

[registry]
url = "{url}"

[[subjects]]
subject = "orders-value"
file = "orders.avsc"
references = [{{ name = "shop.common.Money", subject = "shop.common.Money" }}]

[[subjects]]
subject = "shop.common.Money"
file = "money.avsc"
"#
    )
}

#[test]
fn push_registers_referenced_subjects_first_and_only_once() {
    let registry = Registry::start();
    let dir = dir_with(&[
        ("stele.toml", &manifest(&registry.url)),
        ("money.avsc", MONEY),
        ("orders.avsc", ORDER_V1),
    ]);

    let dry = stele(dir.path(), &["push", "--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    assert_eq!(
        dry.stdout,
        format!(
            "would register `shop.common.Money` from money.avsc\n\
             would register `orders-value` from orders.avsc (after shop.common.Money)\n\
             dry run for {}: 2 to register, 0 unchanged\n",
            registry.url
        )
    );
    assert_eq!(registry.get("/subjects"), json!([]));

    let push = stele(dir.path(), &["push"]);
    assert_eq!(push.code, 0, "{push:?}");
    assert_eq!(
        push.stdout,
        format!(
            "registered `shop.common.Money` version 1 (id 1) from money.avsc\n\
             registered `orders-value` version 1 (id 2) from orders.avsc\n\
             pushed to {}: 2 registered, 0 unchanged\n",
            registry.url
        )
    );
    assert_eq!(
        registry.get("/subjects/orders-value/versions/1")["references"],
        json!([{"name": "shop.common.Money", "subject": "shop.common.Money", "version": 1}])
    );

    let again = stele(dir.path(), &["push"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(
        again.stdout,
        format!(
            "unchanged `shop.common.Money` version 1 (id 1)\n\
             unchanged `orders-value` version 1 (id 2)\n\
             pushed to {}: 0 registered, 2 unchanged\n",
            registry.url
        )
    );

    fs::write(dir.path().join("orders.avsc"), ORDER_V2).expect("write");
    let next = stele(dir.path(), &["push", "--registry", &registry.url]);
    assert_eq!(next.code, 0, "{next:?}");
    assert_eq!(
        next.stdout,
        format!(
            "unchanged `shop.common.Money` version 1 (id 1)\n\
             registered `orders-value` version 2 (id 3) from orders.avsc\n\
             pushed to {}: 1 registered, 1 unchanged\n",
            registry.url
        )
    );
    assert_eq!(
        registry.get("/subjects/orders-value/versions"),
        json!([1, 2])
    );
}

#[test]
fn an_incompatible_schema_stops_the_push_with_the_registrys_messages() {
    let registry = Registry::start();
    let dir = dir_with(&[
        ("stele.toml", &manifest(&registry.url)),
        ("money.avsc", MONEY),
        ("orders.avsc", ORDER_V2),
    ]);
    assert_eq!(stele(dir.path(), &["push"]).code, 0);
    fs::write(dir.path().join("orders.avsc"), ORDER_BROKEN).expect("write");
    let push = stele(dir.path(), &["push"]);
    assert_eq!(push.code, 1, "{push:?}");
    let lines: Vec<&str> = push.stdout.lines().collect();
    assert_eq!(lines[0], "unchanged `shop.common.Money` version 1 (id 1)");
    assert_eq!(
        lines[1],
        "the registry refuses `orders-value` from orders.avsc: it is incompatible with the registered versions"
    );
    assert!(
        lines[2..].iter().any(|l| l.contains("customer")),
        "the registry's messages name the field: {}",
        push.stdout
    );
    assert_eq!(registry.get("/subjects/orders-value/versions"), json!([1]));
}

#[test]
fn push_needs_a_registry() {
    let dir = dir_with(&[
        (
            "stele.toml",
            "[project]\nname = \"x\"\n\n[[subjects]]\nsubject = \"a\"\nfile = \"a.avsc\"\n",
        ),
        ("a.avsc", MONEY),
    ]);
    let push = stele(dir.path(), &["push"]);
    assert_eq!(push.code, 2);
    assert_eq!(
        push.stderr,
        "error: no registry to push to: pass --registry URL or set [registry] url in stele.toml\n"
    );
}

#[test]
fn a_reference_cycle_is_refused_before_anything_is_sent() {
    // The URL is never contacted: the order is worked out first.
    let dir = dir_with(&[
        (
            "stele.toml",
            "[project]\nname = \"x\"\n[registry]\nurl = \"http://127.0.0.1:9\"\n\n\
             [[subjects]]\nsubject = \"a\"\nfile = \"a.avsc\"\nreferences = [{ name = \"B\", subject = \"b\" }]\n\n\
             [[subjects]]\nsubject = \"b\"\nfile = \"b.avsc\"\nreferences = [{ name = \"A\", subject = \"a\" }]\n",
        ),
        ("a.avsc", "\"string\""),
        ("b.avsc", "\"string\""),
    ]);
    let push = stele(dir.path(), &["push", "--dry-run"]);
    assert_eq!(push.code, 2);
    assert_eq!(
        push.stderr,
        "error: the references form a cycle: a -> b -> a\n"
    );
    assert_eq!(push.stdout, "");
}
