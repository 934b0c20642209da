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
linting schemas/users/user_signed_up/v2.json

warning[PERSONAL_DATA_FIELD]: field `displayName` looks like a person's name; if the event must carry it, tag it `\"confluent:tags\": [\"PII\"]` or list it in the subject's `personal-data`, otherwise leave it out
  --> schemas/users/user_signed_up/v2.json:21: #/properties/displayName

warning[PERSONAL_DATA_FIELD]: field `email` looks like an e-mail address; if the event must carry it, tag it `\"confluent:tags\": [\"PII\"]` or list it in the subject's `personal-data`, otherwise leave it out
  --> schemas/users/user_signed_up/v2.json:16: #/properties/email

lint: 2 warnings
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
    expect(
        &allowed,
        0,
        "linting schemas/users/user_signed_up/v2.json\nclean: no lint findings\n",
        "",
    );
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
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out:?}");
    assert_eq!(out.stdout.matches("clean: no lint findings\n").count(), 8);
    assert!(
        out.stdout
            .ends_with("\npassed: linted 8 subjects: 8 clean\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_shared_type_linted_alone_is_judged_as_an_event() {
    // Without `--reference` naming it, the envelope is an event called `Envelope`.
    let out = stele(&repo_root(), &["lint", "schemas/common/envelope.avsc"]);
    expect(
        &out,
        0,
        "\
linting schemas/common/envelope.avsc

warning[EVENT_NAME_PAST_TENSE]: event name `Envelope` does not end in a past participle (it ends in `Envelope`); name the fact that happened, e.g. `OrderPlaced` or `PaymentSent`
  --> schemas/common/envelope.avsc:3: /name

lint: 1 warning
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
linting place_order.avsc

error[EVENT_NAME_PAST_TENSE]: event name `PlaceOrder` reads as a command (it starts with the verb `Place`); name the fact that happened, with a past participle last, e.g. `OrderPlaced` rather than `PlaceOrder`
  --> place_order.avsc:3: /name

error[ENVELOPE_FIELD_MISSING]: the event has no occurrence time field (one of `occurredAt`, `occurredOn`, `timestamp`, `eventTime`, `time`), directly or in an envelope; consumers order and window events by when they happened
  --> place_order.avsc:1

error[ENVELOPE_FIELD_MISSING]: the event has no schema version field (one of `schemaVersion`, `eventVersion`, `version`), directly or in an envelope; consumers see which version of the contract an event was written with
  --> place_order.avsc:1

error[ENVELOPE_FIELD_MISSING]: the event has no correlation or trace id field (one of `correlationId`, `traceId`, `traceparent`), directly or in an envelope; the events of one request can be followed across services
  --> place_order.avsc:1

warning[FIELD_NAME_CASE]: field `customer_email` is not lowerCamelCase as Avro fields are by convention; e.g. `customerEmail`
  --> place_order.avsc:7: /fields/customer_email

lint: 4 errors, 1 warning
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
    assert_eq!(json["command"], "lint");
    assert_eq!(json["passed"], true);
    assert_eq!(json["summary"]["warnings"], 6);
    assert_eq!(json["summary"]["errors"], 0);
    let subject = &json["subjects"][0];
    assert_eq!(
        (&subject["file"], &subject["status"], &subject["format"]),
        (
            &serde_json::json!("place_order.avsc"),
            &serde_json::json!("findings"),
            &serde_json::json!("AVRO")
        )
    );
    let findings = subject["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 6);
    let personal = findings
        .iter()
        .find(|f| f["rule"] == "PERSONAL_DATA_FIELD")
        .expect("the e-mail field is flagged");
    assert_eq!(personal["severity"], "warning");
    assert_eq!(personal["path"], "/fields/customer_email");
    assert_eq!(
        (&personal["file"], &personal["line"]),
        (
            &serde_json::json!("place_order.avsc"),
            &serde_json::json!(7)
        )
    );

    let sarif = stele(
        dir.path(),
        &["lint", "place_order.avsc", "--output", "sarif"],
    );
    assert_eq!(sarif.code, 1, "{sarif:?}");
    let sarif: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("valid SARIF");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("SARIF lists the rules");
    let envelope = rules
        .iter()
        .find(|r| r["id"] == "ENVELOPE_FIELD_MISSING")
        .expect("the envelope rule is described");
    assert!(envelope.to_string().contains("docs/lint.md"), "{envelope}");
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
linting order.proto

notice[ENVELOPE_FIELD_MISSING]: the event has no occurrence time field (one of `occurredAt`, `occurredOn`, `timestamp`, `eventTime`, `time`), directly or in an envelope; consumers order and window events by when they happened
  --> order.proto:5: shop.orders.v1.OrderPlaced

notice[ENVELOPE_FIELD_MISSING]: the event has no schema version field (one of `schemaVersion`, `eventVersion`, `version`), directly or in an envelope; consumers see which version of the contract an event was written with
  --> order.proto:5: shop.orders.v1.OrderPlaced

notice[ENVELOPE_FIELD_MISSING]: the event has no correlation or trace id field (one of `correlationId`, `traceId`, `traceparent`), directly or in an envelope; the events of one request can be followed across services
  --> order.proto:5: shop.orders.v1.OrderPlaced

warning[SCHEMA_TOO_LARGE]: the schema declares 2 fields, more than 1; a thin event carries identifiers and what changed, and consumers fetch the rest
  --> order.proto:5: shop.orders.v1.OrderPlaced

lint: 1 warning, 3 notices
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

    // A schema that does not parse is reported with the others, then the exit code is 2.
    let broken = stele(
        dir.path(),
        &[
            "lint",
            "ok.avsc",
            "broken.avsc",
            "--rule",
            "ENVELOPE_FIELD_MISSING=off",
        ],
    );
    assert_eq!(
        (broken.code, broken.stderr.as_str()),
        (2, "error: some schemas could not be linted; see above\n"),
        "{broken:?}"
    );
    assert!(
        broken.stdout.ends_with(
            "\
linting broken.avsc

error[INVALID_SCHEMA]: invalid JSON: EOF while parsing an object
  --> broken.avsc:3:1

invalid: the schema could not be read or parsed

failed: linted 2 subjects: 1 invalid, 1 with findings
"
        ),
        "{}",
        broken.stdout
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
    // Without files and without a stele.toml there is nothing to lint.
    let none = stele(dir.path(), &["lint"]);
    assert_eq!((none.code, none.stdout.as_str()), (2, ""), "{none:?}");
    assert!(none.stderr.contains("no stele.toml"), "{}", none.stderr);
}

// ---------------------------------------------------------------------------------------------
// stele.toml

#[test]
fn this_repository_s_contracts_are_clean() {
    let out = stele(&repo_root(), &["lint"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out:?}");
    assert!(
        out.stdout
            .ends_with("\npassed: linted 13 subjects: 13 clean\n"),
        "{}",
        out.stdout
    );
}

const ENVELOPE_AVSC: &str = r#"{
  "type": "record",
  "name": "Envelope",
  "namespace": "shop.common",
  "doc": "Event metadata.",
  "fields": [
    {"name": "eventId", "type": "string", "doc": "Unique per event."},
    {"name": "occurredAt", "type": "long", "doc": "When it happened."},
    {"name": "schemaVersion", "type": "int", "doc": "The schema's version."},
    {"name": "correlationId", "type": "string", "doc": "The request's id."}
  ]
}
"#;

const ORDER_PLACED: &str = r#"{
  "type": "record",
  "name": "OrderPlaced",
  "namespace": "shop.orders",
  "doc": "An order was placed.",
  "fields": [
    {"name": "envelope", "type": "shop.common.Envelope", "doc": "Metadata."},
    {"name": "customerEmail", "type": "string", "doc": "Where the receipt goes."},
    {"name": "note"}
  ]
}
"#;

const SIGNUP: &str = r#"{
  "type": "record",
  "name": "RegisterUser",
  "doc": "A user signed up.",
  "fields": [
    {"name": "email", "type": "string", "doc": "Their e-mail."},
    {"name": "phone", "type": "string", "doc": "Their phone."}
  ]
}
"#;

const MANIFEST: &str = r#"[project]
name = "shop"

[lint]
max-fields = 3

[lint.rules]
FIELD_UNDOCUMENTED = "error"

[[subjects]]
subject = "shop.common.Envelope"
file = "envelope.avsc"

[[subjects]]
file = "order_placed.avsc"
topic = "shop.orders.order-placed"
references = [{ name = "shop.common.Envelope", subject = "shop.common.Envelope" }]
personal-data = ["customerEmail"]

[[subjects]]
file = "signup.avsc"
topic = "shop.users.v1alpha.signup"
personal-data = ["email"]
lint = { ENVELOPE_FIELD_MISSING = "warning" }

[[subjects]]
file = "scratch.avsc"
topic = "scratch.things"

[[policies]]
match = "*.v1alpha*"
lint = { EVENT_NAME_PAST_TENSE = "off", ENVELOPE_FIELD_MISSING = "off" }

[[policies]]
match = "scratch.*"
ignore = true
"#;

fn project_files(order_placed: &str) -> tempfile::TempDir {
    dir_with(&[
        ("stele.toml", MANIFEST),
        ("envelope.avsc", ENVELOPE_AVSC),
        ("order_placed.avsc", order_placed),
        ("signup.avsc", SIGNUP),
        ("scratch.avsc", "not even JSON"),
    ])
}

#[test]
fn stele_toml_severities_policies_and_personal_data_apply_per_subject() {
    let order_placed = ORDER_PLACED.replace(
        "{\"name\": \"note\"}",
        "{\"name\": \"note\", \"type\": \"string\"}",
    );
    let dir = project_files(&order_placed);
    let out = stele(dir.path(), &["lint"]);
    // The envelope is referenced, so it is a shared type: no event rules. The order's
    // undocumented `note` is an error by `[lint.rules]`; its e-mail is intended. The signup's
    // subject matches the v1alpha policy, which turns the event rules off, but its own `lint`
    // brings the envelope back as a warning. Scratch is ignored, unparsed.
    expect(
        &out,
        1,
        "\
shop.common.Envelope
linting envelope.avsc

warning[SCHEMA_TOO_LARGE]: the schema declares 4 fields, more than 3; a thin event carries identifiers and what changed, and consumers fetch the rest
  --> envelope.avsc:1

lint: 1 warning

shop.orders.order-placed-value
linting order_placed.avsc

error[FIELD_UNDOCUMENTED]: field `note` has no documentation; add a `doc`
  --> order_placed.avsc:9: /fields/note

lint: 1 error

shop.users.v1alpha.signup-value
linting signup.avsc

warning[ENVELOPE_FIELD_MISSING]: the event has no event id field (one of `eventId`, `id`, `messageId`), directly or in an envelope; consumers deduplicate redelivered events by it
  --> signup.avsc:1

warning[ENVELOPE_FIELD_MISSING]: the event has no occurrence time field (one of `occurredAt`, `occurredOn`, `timestamp`, `eventTime`, `time`), directly or in an envelope; consumers order and window events by when they happened
  --> signup.avsc:1

warning[ENVELOPE_FIELD_MISSING]: the event has no schema version field (one of `schemaVersion`, `eventVersion`, `version`), directly or in an envelope; consumers see which version of the contract an event was written with
  --> signup.avsc:1

warning[ENVELOPE_FIELD_MISSING]: the event has no correlation or trace id field (one of `correlationId`, `traceId`, `traceparent`), directly or in an envelope; the events of one request can be followed across services
  --> signup.avsc:1

warning[PERSONAL_DATA_FIELD]: field `phone` looks like a phone number; if the event must carry it, tag it `\"confluent:tags\": [\"PII\"]` or list it in the subject's `personal-data`, otherwise leave it out
  --> signup.avsc:7: /fields/phone

lint: 5 warnings

scratch.things-value
ignored: a policy in stele.toml ignores it

failed: linted 4 subjects: 3 with findings, 1 ignored
",
        "",
    );

    // Command-line options win over the manifest; --subject picks subjects.
    let relaxed = stele(
        dir.path(),
        &[
            "lint",
            "--subject",
            "shop.orders.*",
            "--rule",
            "FIELD_UNDOCUMENTED=notice",
        ],
    );
    expect(
        &relaxed,
        0,
        "\
shop.orders.order-placed-value
linting order_placed.avsc

notice[FIELD_UNDOCUMENTED]: field `note` has no documentation; add a `doc`
  --> order_placed.avsc:9: /fields/note

lint: 1 notice

passed: linted 1 subject: 1 with findings
",
        "",
    );
    let nothing = stele(dir.path(), &["lint", "--subject", "nope.*"]);
    expect(
        &nothing,
        2,
        "",
        "error: no subject of stele.toml matches nope.*\n",
    );
}

#[test]
fn unknown_rule_ids_in_stele_toml_are_named() {
    let manifest = MANIFEST.replace(
        "FIELD_UNDOCUMENTED = \"error\"",
        "FIELD_UNDOCUMENTED = \"error\"\nFIELD_UNDOCUMENTD = \"off\"",
    );
    let order_placed = ORDER_PLACED.replace(
        "{\"name\": \"note\"}",
        "{\"name\": \"note\", \"type\": \"string\"}",
    );
    let dir = dir_with(&[
        ("stele.toml", &manifest),
        ("envelope.avsc", ENVELOPE_AVSC),
        ("order_placed.avsc", &order_placed),
        ("signup.avsc", SIGNUP),
        ("scratch.avsc", "{}"),
    ]);
    let out = stele(dir.path(), &["lint"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{out:?}");
    assert_eq!(
        out.stderr,
        "error: stele.toml: unknown lint rule `FIELD_UNDOCUMENTD` (line 9); \
         `stele rules --lint` lists the rules\n"
    );
    // In a subject's inline table, the line of that subject's entry.
    let inline = MANIFEST.replace(
        "ENVELOPE_FIELD_MISSING = \"warning\" }",
        "ENVELOPE_FIELD_MISSING = \"warning\", \"NOT_A_RULE\" = \"off\" }",
    );
    std::fs::write(dir.path().join("stele.toml"), inline).expect("rewrite stele.toml");
    let out = stele(dir.path(), &["lint"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            2,
            "error: stele.toml: unknown lint rule `NOT_A_RULE` (line 24); \
             `stele rules --lint` lists the rules\n"
        )
    );
}

#[test]
fn an_unparsable_subject_in_stele_toml_exits_2_after_the_report() {
    let dir = project_files(ORDER_PLACED);
    let out = stele(dir.path(), &["lint", "--subject", "shop.orders.*"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (2, "error: some schemas could not be linted; see above\n"),
        "{out:?}"
    );
    assert!(
        out.stdout.contains(
            "error[INVALID_SCHEMA]: field `note` is missing `type`\n  --> order_placed.avsc:9"
        ),
        "{}",
        out.stdout
    );
}
