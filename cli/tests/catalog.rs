//! `stele catalog` over this repository's own `stele.toml`: every subject becomes an event page
//! and a search-index entry, the AsyncAPI document has a channel per topic, and bad input
//! exits 2. The browser and AsyncAPI-parser checks of the same site are in
//! `tests/tests/catalog.rs`.

#![allow(clippy::unwrap_used)]

mod support;

use std::fs;

use support::{repo_root, stele};

#[test]
fn writes_the_example_shops_catalog_from_stele_toml() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("site");
    let result = stele(&repo_root(), &["catalog", "--out", dir.to_str().unwrap()]);
    let stderr = &result.stderr;
    assert_eq!(result.code, 0, "{stderr}");
    assert!(
        stderr.contains("wrote the catalog of 13 events"),
        "{stderr}"
    );
    let index = fs::read_to_string(dir.join("index.html")).unwrap();
    for title in [
        "shop.orders.OrderPlaced",
        "shop.payments.v1.PaymentCaptured",
        "UserSignedUp",
    ] {
        assert!(
            index.contains(&format!(">{title}</a>")),
            "{title} is not listed"
        );
    }
    let order = fs::read_to_string(dir.join("events/shop.orders.order-placed-value.html")).unwrap();
    assert!(
        order
            .contains("optional field `couponCode` added with type null | string and default null")
    );
    assert!(order.contains("../apps/checkout-service.html"));
    let yaml = fs::read_to_string(dir.join("asyncapi.yaml")).unwrap();
    assert!(yaml.contains("\"address\": \"shop.payments.payment-captured\""));
    assert!(yaml.contains("\"host\": \"kafka.shop.internal:9092\""));
    assert!(dir.join("apps/analytics-pipeline.html").is_file());
    assert!(dir.join("search/0.js").is_file());
}

#[test]
fn a_missing_manifest_is_an_input_error() {
    let out = tempfile::tempdir().unwrap();
    let result = stele(
        out.path(),
        &[
            "catalog",
            "--out",
            "site",
            "--manifest",
            "nowhere/stele.toml",
        ],
    );
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result.stderr.contains("nowhere/stele.toml"),
        "{}",
        result.stderr
    );
}
