//! `stele lint` and `stele rules --lint`, run as the built binary: exact output, exit codes,
//! and `docs/lint.md` kept equal to the generated reference.

mod support;

use std::fs;

use stele_engine::lint;
use support::{dir_with, expect, repo_root, stele};

/// `docs/lint.md` is generated; run with `UPDATE_EXPECT=1` to rewrite it after changing rules.
#[test]
fn lint_reference_is_up_to_date() {
    let out = stele(&repo_root(), &["rules", "--lint", "--markdown"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let path = repo_root().join("docs/lint.md");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(&path, &out.stdout).expect("write docs/lint.md");
        return;
    }
    let current = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == out.stdout,
        "docs/lint.md is out of date; regenerate it with \
         `UPDATE_EXPECT=1 cargo test -p stele-cli --test lint` \
         (or `stele rules --lint --markdown > docs/lint.md`)"
    );
    for rule in lint::RULES {
        assert!(
            current.contains(&format!("| `{}` |", rule.id)),
            "{}",
            rule.id
        );
    }
}

#[test]
fn rules_lint_lists_every_lint_rule() {
    let out = stele(&repo_root(), &["rules", "--lint"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), lint::RULES.len() + 1, "{}", out.stdout);
    assert!(lines[0].starts_with("RULE "), "{}", lines[0]);
    for (line, rule) in lines[1..].iter().zip(lint::RULES) {
        let columns: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(columns[0], rule.id.as_str());
        assert_eq!(columns[1], rule.default_severity.as_str());
        assert!(line.ends_with(rule.purpose), "{line}");
    }
    // The compatibility list is unchanged without the flag.
    let plain = stele(&repo_root(), &["rules"]);
    assert!(!plain.stdout.contains("EVENT_NAME_PAST_TENSE"));
}

#[test]
fn rules_lint_json() {
    let out = stele(&repo_root(), &["rules", "--lint", "--output", "json"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let listed: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    let listed = listed.as_array().expect("an array");
    assert_eq!(listed.len(), lint::RULES.len());
    assert_eq!(
        listed[0],
        serde_json::json!({
            "id": "EVENT_NAME_PAST_TENSE",
            "default_severity": "warning",
            "formats": ["AVRO", "PROTOBUF", "JSON"],
            "events_only": true,
            "purpose": lint::RULES[0].purpose,
        })
    );
}

#[test]
fn example_contract_with_warnings_exits_0() {
    let out = stele(
        &repo_root(),
        &[
            "lint",
            "schemas/users/user_signed_up/v2.json",
            "--reference",
            "envelope.json=schemas/common/envelope.json",
        ],
    );
    expect(
        &out,
        0,
        "\
warning[PERSONAL_DATA_FIELD]: field `displayName` looks like a person's name; if the event must carry it, tag it `\"confluent:tags\": [\"PII\"]` or list it in the subject's `personal-data`, otherwise leave it out
  --> schemas/users/user_signed_up/v2.json:21: #/properties/displayName

warning[PERSONAL_DATA_FIELD]: field `email` looks like an e-mail address; if the event must carry it, tag it `\"confluent:tags\": [\"PII\"]` or list it in the subject's `personal-data`, otherwise leave it out
  --> schemas/users/user_signed_up/v2.json:16: #/properties/email

linted 1 file: 0 errors, 2 warnings, 0 notices
",
        "",
    );
    let allowed = stele(
        &repo_root(),
        &[
            "lint",
            "schemas/users/user_signed_up/v2.json",
            "--reference",
            "envelope.json=schemas/common/envelope.json",
            "--personal-data",
            "email",
            "--rule",
            "PERSONAL_DATA_FIELD=error",
            "--personal-data",
            "displayName",
        ],
    );
    expect(&allowed, 0, "linted 1 file: no findings\n", "");
}

#[test]
fn every_example_contract_lints_with_references_across_formats() {
    let out = stele(
        &repo_root(),
        &[
            "lint",
            "schemas/orders/order_placed/v3.avsc",
            "schemas/orders/order_shipped/v1.avsc",
            "schemas/payments/payment_captured/v2.proto",
            "schemas/inventory/inventory_reserved/v1.json",
            "schemas/common/envelope.avsc",
            "schemas/common/envelope.proto",
            "schemas/common/money.proto",
            "schemas/common/envelope.json",
            "--reference",
            "shop.common.Envelope=schemas/common/envelope.avsc",
            "--reference",
            "shop/common/envelope.proto=schemas/common/envelope.proto",
            "--reference",
            "shop/common/money.proto=schemas/common/money.proto",
            "--reference",
            "envelope.json=schemas/common/envelope.json",
        ],
    );
    expect(&out, 0, "linted 8 files: no findings\n", "");
}

#[test]
fn a_shared_type_linted_alone_is_judged_as_an_event() {
    // Without `--reference` naming it, the envelope is an event called `Envelope`.
    let out = stele(&repo_root(), &["lint", "schemas/common/envelope.avsc"]);
    expect(
        &out,
        0,
        "\
warning[EVENT_NAME_PAST_TENSE]: event name `Envelope` does not end in a past participle (it ends in `Envelope`); name the fact that happened, e.g. `OrderPlaced` or `PaymentSent`
  --> schemas/common/envelope.avsc:1

linted 1 file: 0 errors, 1 warning, 0 notices
",
        "",
    );
}

const PLACE_ORDER: &str = r#"{
  "type": "record",
  "name": "PlaceOrder",
  "doc": "Asks the order service to place an order.",
  "fields": [
    {"name": "eventId", "type": "string", "doc": "Unique per event."},
    {"name": "customer_email", "type": "string", "doc": "Where to send the receipt."}
  ]
}
"#;

#[test]
fn error_findings_exit_1_and_severities_are_configurable() {
    let dir = dir_with(&[("place_order.avsc", PLACE_ORDER)]);
    let out = stele(
        dir.path(),
        &[
            "lint",
            "place_order.avsc",
            "--rule",
            "PERSONAL_DATA_FIELD=off",
            "--rule",
            "EVENT_NAME_PAST_TENSE=error",
        ],
    );
    expect(
        &out,
        1,
        "\
error[EVENT_NAME_PAST_TENSE]: event name `PlaceOrder` reads as a command (it starts with the verb `Place`); name the fact that happened, with a past participle last, e.g. `OrderPlaced` rather than `PlaceOrder`
  --> place_order.avsc:1

error[ENVELOPE_FIELD_MISSING]: the event has no occurrence time field (one of `occurredAt`, `occurredOn`, `timestamp`, `eventTime`, `time`), directly or in an envelope; consumers order and window events by when they happened
  --> place_order.avsc:1

error[ENVELOPE_FIELD_MISSING]: the event has no schema version field (one of `schemaVersion`, `eventVersion`, `version`), directly or in an envelope; consumers see which version of the contract an event was written with
  --> place_order.avsc:1

error[ENVELOPE_FIELD_MISSING]: the event has no correlation or trace id field (one of `correlationId`, `traceId`, `traceparent`), directly or in an envelope; the events of one request can be followed across services
  --> place_order.avsc:1

warning[FIELD_NAME_CASE]: field `customer_email` is not lowerCamelCase as Avro fields are by convention; e.g. `customerEmail`
  --> place_order.avsc:7: /fields/customer_email

linted 1 file: 4 errors, 1 warning, 0 notices
",
        "",
    );

    let relaxed = stele(
        dir.path(),
        &[
            "lint",
            "place_order.avsc",
            "--rule",
            "ENVELOPE_FIELD_MISSING=warning",
            "--output",
            "json",
        ],
    );
    assert_eq!(
        (relaxed.code, relaxed.stderr.as_str()),
        (0, ""),
        "{relaxed:?}"
    );
    let json: serde_json::Value = serde_json::from_str(&relaxed.stdout).expect("valid JSON");
    assert_eq!(json["files"], serde_json::json!(["place_order.avsc"]));
    assert_eq!(
        (&json["errors"], &json["warnings"], &json["notices"]),
        (
            &serde_json::json!(0),
            &serde_json::json!(6),
            &serde_json::json!(0)
        )
    );
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 6);
    let personal = findings
        .iter()
        .find(|f| f["rule"] == "PERSONAL_DATA_FIELD")
        .expect("the e-mail field is flagged");
    assert_eq!(
        personal,
        &serde_json::json!({
            "rule": "PERSONAL_DATA_FIELD",
            "severity": "warning",
            "path": "/fields/customer_email",
            "message": "field `customer_email` looks like an e-mail address; if the event must carry it, tag it `\"confluent:tags\": [\"PII\"]` or list it in the subject's `personal-data`, otherwise leave it out",
            "file": "place_order.avsc",
            "line": 7
        })
    );
}

#[test]
fn an_envelope_from_a_reference_counts_and_the_size_limit_is_configurable() {
    let envelope = "syntax = \"proto3\";\npackage shop.common;\n// Metadata.\nmessage Envelope {\n  // Id.\n  string event_id = 1;\n}\n";
    let event = "syntax = \"proto3\";\npackage shop.orders.v1;\nimport \"shop/common/envelope.proto\";\n// An order was placed.\nmessage OrderPlaced {\n  // Metadata.\n  shop.common.Envelope envelope = 1;\n  // The order.\n  string order_id = 2;\n}\n";
    let dir = dir_with(&[("envelope.proto", envelope), ("order.proto", event)]);
    let out = stele(
        dir.path(),
        &[
            "lint",
            "order.proto",
            "--reference",
            "shop/common/envelope.proto=envelope.proto",
            "--rule",
            "ENVELOPE_FIELD_MISSING=notice",
            "--max-fields",
            "1",
        ],
    );
    expect(
        &out,
        0,
        "\
notice[ENVELOPE_FIELD_MISSING]: the event has no occurrence time field (one of `occurredAt`, `occurredOn`, `timestamp`, `eventTime`, `time`), directly or in an envelope; consumers order and window events by when they happened
  --> order.proto:5: shop.orders.v1.OrderPlaced

notice[ENVELOPE_FIELD_MISSING]: the event has no schema version field (one of `schemaVersion`, `eventVersion`, `version`), directly or in an envelope; consumers see which version of the contract an event was written with
  --> order.proto:5: shop.orders.v1.OrderPlaced

notice[ENVELOPE_FIELD_MISSING]: the event has no correlation or trace id field (one of `correlationId`, `traceId`, `traceparent`), directly or in an envelope; the events of one request can be followed across services
  --> order.proto:5: shop.orders.v1.OrderPlaced

warning[SCHEMA_TOO_LARGE]: the schema declares 2 fields, more than 1; a thin event carries identifiers and what changed, and consumers fetch the rest
  --> order.proto:5: shop.orders.v1.OrderPlaced

linted 1 file: 0 errors, 1 warning, 3 notices
",
        "",
    );
}

#[test]
fn invalid_input_exits_2_naming_the_problem() {
    let dir = dir_with(&[
        ("broken.avsc", "{\"type\": \"record\",\n  \"name\": \"X\"\n"),
        ("notes.txt", "hello"),
        ("ok.avsc", PLACE_ORDER),
    ]);
    let unknown = stele(
        dir.path(),
        &["lint", "ok.avsc", "--rule", "NO_SUCH_RULE=error"],
    );
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert!(
        unknown.stderr.contains("unknown lint rule `NO_SUCH_RULE`"),
        "{}",
        unknown.stderr
    );
    let severity = stele(
        dir.path(),
        &["lint", "ok.avsc", "--rule", "FIELD_NAME_CASE=loud"],
    );
    assert_eq!(severity.code, 2, "{severity:?}");
    assert!(
        severity.stderr.contains("invalid severity `loud`"),
        "{}",
        severity.stderr
    );

    let broken = stele(dir.path(), &["lint", "ok.avsc", "broken.avsc"]);
    expect(
        &broken,
        2,
        "",
        "error: broken.avsc:3:1: invalid JSON: EOF while parsing an object\n",
    );
    let extension = stele(dir.path(), &["lint", "notes.txt"]);
    expect(
        &extension,
        2,
        "",
        "error: cannot tell the schema type of notes.txt from its extension (expected .avsc, \
         .proto or .json); pass --type avro, --type protobuf or --type json\n",
    );
    let missing = stele(dir.path(), &["lint", "missing.avsc"]);
    assert_eq!((missing.code, missing.stdout.as_str()), (2, ""));
    assert!(
        missing.stderr.starts_with("error: reading missing.avsc: "),
        "{}",
        missing.stderr
    );
    let none = stele(dir.path(), &["lint"]);
    assert_eq!(none.code, 2, "{none:?}");
}
