//! `stele check`, run as a user would: files in a temporary directory, the exact stdout,
//! stderr and exit code compared.

mod support;

use support::{dir_with, expect, stele};

const ORDER_V1: &str = r#"{
  "type": "record",
  "name": "Order",
  "namespace": "shop.orders",
  "fields": [
    {"name": "orderId", "type": "string"}
  ]
}
"#;

/// Version 1 plus an optional field with a default: compatible every way.
const ORDER_WITH_COUPON: &str = r#"{
  "type": "record",
  "name": "Order",
  "namespace": "shop.orders",
  "fields": [
    {"name": "orderId", "type": "string"},
    {"name": "couponCode", "type": ["null", "string"], "default": null}
  ]
}
"#;

/// Version 1 plus a field without a default: new readers cannot read old events.
const ORDER_WITH_CHANNEL: &str = r#"{
  "type": "record",
  "name": "Order",
  "namespace": "shop.orders",
  "fields": [
    {"name": "orderId", "type": "string"},
    {"name": "channel", "type": "string"}
  ]
}
"#;

/// Version 1 plus a field that has a default.
const ORDER_WITH_CHANNEL_DEFAULT: &str = r#"{
  "type": "record",
  "name": "Order",
  "namespace": "shop.orders",
  "fields": [
    {"name": "orderId", "type": "string"},
    {"name": "channel", "type": "string", "default": "WEB"}
  ]
}
"#;

#[test]
fn compatible() {
    let dir = dir_with(&[("v1.avsc", ORDER_V1), ("v2.avsc", ORDER_WITH_COUPON)]);
    let out = stele(dir.path(), &["check", "v1.avsc", "v2.avsc"]);
    expect(
        &out,
        0,
        "\
checking v2.avsc (version 2) against v1.avsc (version 1)
compatible (BACKWARD, version 2 checked against version 1)
",
        "",
    );
}

#[test]
fn incompatible_text() {
    let dir = dir_with(&[("v1.avsc", ORDER_V1), ("v2.avsc", ORDER_WITH_CHANNEL)]);
    let out = stele(dir.path(), &["check", "v1.avsc", "v2.avsc"]);
    expect(
        &out,
        1,
        "\
checking v2.avsc (version 2) against v1.avsc (version 1)

error[AVRO_FIELD_ADDED_WITHOUT_DEFAULT]: consumers on version 2 cannot read events written with version 1: field `channel` exists in version 2 without a default and is missing from version 1
  --> v2.avsc:7: /fields/channel

incompatible: 1 finding (BACKWARD, version 2 checked against version 1)
",
        "",
    );
}

#[test]
fn incompatible_json() {
    let dir = dir_with(&[("v1.avsc", ORDER_V1), ("v2.avsc", ORDER_WITH_CHANNEL)]);
    let out = stele(
        dir.path(),
        &["check", "v1.avsc", "v2.avsc", "--output", "json"],
    );
    expect(
        &out,
        1,
        r#"{
  "command": "check",
  "baseline": null,
  "passed": false,
  "summary": {
    "subjects": 1,
    "compatible": 0,
    "incompatible": 1,
    "new": 0,
    "ignored": 0,
    "invalid": 0,
    "clean": 0,
    "with_findings": 0,
    "errors": 1,
    "warnings": 0,
    "notices": 0
  },
  "subjects": [
    {
      "subject": "v2.avsc",
      "file": "v2.avsc",
      "format": "AVRO",
      "status": "incompatible",
      "level": "BACKWARD",
      "checked": {
        "version": 2,
        "label": "v2.avsc"
      },
      "compared": [
        {
          "version": 1,
          "label": "v1.avsc"
        }
      ],
      "note": null,
      "findings": [
        {
          "rule": "AVRO_FIELD_ADDED_WITHOUT_DEFAULT",
          "severity": "error",
          "category": "wire",
          "path": "/fields/channel",
          "message": "consumers on version 2 cannot read events written with version 1: field `channel` exists in version 2 without a default and is missing from version 1",
          "reader_version": 2,
          "writer_version": 1,
          "file": "v2.avsc",
          "line": 7,
          "column": null
        }
      ]
    }
  ]
}
"#,
        "",
    );
}

#[test]
fn compatible_json() {
    let dir = dir_with(&[("v1.avsc", ORDER_V1), ("v2.avsc", ORDER_WITH_COUPON)]);
    let out = stele(
        dir.path(),
        &["check", "v1.avsc", "v2.avsc", "--output", "json"],
    );
    expect(
        &out,
        0,
        r#"{
  "command": "check",
  "baseline": null,
  "passed": true,
  "summary": {
    "subjects": 1,
    "compatible": 1,
    "incompatible": 0,
    "new": 0,
    "ignored": 0,
    "invalid": 0,
    "clean": 0,
    "with_findings": 0,
    "errors": 0,
    "warnings": 0,
    "notices": 0
  },
  "subjects": [
    {
      "subject": "v2.avsc",
      "file": "v2.avsc",
      "format": "AVRO",
      "status": "compatible",
      "level": "BACKWARD",
      "checked": {
        "version": 2,
        "label": "v2.avsc"
      },
      "compared": [
        {
          "version": 1,
          "label": "v1.avsc"
        }
      ],
      "note": null,
      "findings": []
    }
  ]
}
"#,
        "",
    );
}

/// Version 3 drops the default version 2 gave `channel`: fine against version 2, which always
/// writes `channel`, but not against version 1, which never did. Only the transitive level
/// looks that far back.
#[test]
fn transitive_history() {
    let dir = dir_with(&[
        ("v1.avsc", ORDER_V1),
        ("v2.avsc", ORDER_WITH_CHANNEL_DEFAULT),
        ("v3.avsc", ORDER_WITH_CHANNEL),
    ]);
    let latest_only = stele(
        dir.path(),
        &["check", "v3.avsc", "--against", "v1.avsc", "v2.avsc"],
    );
    expect(
        &latest_only,
        0,
        "\
checking v3.avsc (version 3) against v2.avsc (version 2)
compatible (BACKWARD, version 3 checked against version 2)
",
        "",
    );

    let transitive = stele(
        dir.path(),
        &[
            "check",
            "v3.avsc",
            "--against",
            "v1.avsc",
            "v2.avsc",
            "--compatibility",
            "backward_transitive",
        ],
    );
    expect(
        &transitive,
        1,
        "\
checking v3.avsc (version 3) against v2.avsc (version 2), v1.avsc (version 1)

error[AVRO_FIELD_ADDED_WITHOUT_DEFAULT]: consumers on version 3 cannot read events written with version 1: field `channel` exists in version 3 without a default and is missing from version 1
  --> v3.avsc:7: /fields/channel

incompatible: 1 finding (BACKWARD_TRANSITIVE, version 3 checked against versions 2, 1)
",
        "",
    );
}

#[test]
fn transitive_history_compatible() {
    let dir = dir_with(&[
        ("v1.avsc", ORDER_V1),
        ("v2.avsc", ORDER_WITH_COUPON),
        ("v3.avsc", ORDER_WITH_COUPON),
    ]);
    let out = stele(
        dir.path(),
        &[
            "check",
            "v3.avsc",
            "--against",
            "v1.avsc",
            "v2.avsc",
            "-c",
            "FULL_TRANSITIVE",
        ],
    );
    expect(
        &out,
        0,
        "\
checking v3.avsc (version 3) against v2.avsc (version 2), v1.avsc (version 1)
compatible (FULL_TRANSITIVE, version 3 checked against versions 2, 1)
",
        "",
    );
}

/// Removing a field without a default is fine for new readers (BACKWARD) but breaks old
/// readers (FORWARD): the finding points at the old reader's file.
#[test]
fn forward() {
    let dir = dir_with(&[("v1.avsc", ORDER_WITH_CHANNEL), ("v2.avsc", ORDER_V1)]);
    let backward = stele(dir.path(), &["check", "v1.avsc", "v2.avsc"]);
    expect(
        &backward,
        0,
        "\
checking v2.avsc (version 2) against v1.avsc (version 1)
compatible (BACKWARD, version 2 checked against version 1)
",
        "",
    );
    let forward = stele(
        dir.path(),
        &["check", "v1.avsc", "v2.avsc", "--compatibility", "Forward"],
    );
    expect(
        &forward,
        1,
        "\
checking v2.avsc (version 2) against v1.avsc (version 1)

error[AVRO_FIELD_ADDED_WITHOUT_DEFAULT]: consumers on version 1 cannot read events written with version 2: field `channel` exists in version 1 without a default and is missing from version 2
  --> v1.avsc:7: /fields/channel

incompatible: 1 finding (FORWARD, version 2 checked against version 1)
",
        "",
    );
}

#[test]
fn level_none_checks_nothing() {
    let dir = dir_with(&[("v1.avsc", ORDER_V1), ("v2.avsc", ORDER_WITH_CHANNEL)]);
    let out = stele(dir.path(), &["check", "v1.avsc", "v2.avsc", "-c", "none"]);
    expect(
        &out,
        0,
        "\
checking v2.avsc (version 2)
compatible (NONE, version 2 checked against no earlier version)
",
        "",
    );
}

const ENVELOPE_V1: &str = r#"{
  "type": "record",
  "name": "Envelope",
  "namespace": "shop.common",
  "fields": [
    {"name": "eventId", "type": "string"}
  ]
}
"#;

const ENVELOPE_WITH_TENANT: &str = r#"{
  "type": "record",
  "name": "Envelope",
  "namespace": "shop.common",
  "fields": [
    {"name": "eventId", "type": "string"},
    {"name": "tenantId", "type": "string"}
  ]
}
"#;

const SHIPPED: &str = r#"{
  "type": "record",
  "name": "OrderShipped",
  "namespace": "shop.orders",
  "fields": [
    {"name": "envelope", "type": "shop.common.Envelope"},
    {"name": "orderId", "type": "string"}
  ]
}
"#;

#[test]
fn references_shared_by_both_sides() {
    let dir = dir_with(&[
        ("envelope.avsc", ENVELOPE_V1),
        ("v1.avsc", SHIPPED),
        ("v2.avsc", SHIPPED),
    ]);
    let out = stele(
        dir.path(),
        &[
            "check",
            "v1.avsc",
            "v2.avsc",
            "--reference",
            "shop.common.Envelope=envelope.avsc",
        ],
    );
    expect(
        &out,
        0,
        "\
checking v2.avsc (version 2) against v1.avsc (version 1)
compatible (BACKWARD, version 2 checked against version 1)
",
        "",
    );
}

/// The same schema text importing a changed referenced schema is a changed schema.
#[test]
fn references_differing_between_sides() {
    let dir = dir_with(&[
        ("envelope-v1.avsc", ENVELOPE_V1),
        ("envelope-v2.avsc", ENVELOPE_WITH_TENANT),
        ("v1.avsc", SHIPPED),
        ("v2.avsc", SHIPPED),
    ]);
    let out = stele(
        dir.path(),
        &[
            "check",
            "v1.avsc",
            "v2.avsc",
            "--reference",
            "shop.common.Envelope=envelope-v1.avsc",
            "--new-reference",
            "shop.common.Envelope=envelope-v2.avsc",
        ],
    );
    expect(
        &out,
        1,
        "\
checking v2.avsc (version 2) against v1.avsc (version 1)

error[AVRO_FIELD_ADDED_WITHOUT_DEFAULT]: consumers on version 2 cannot read events written with version 1: field `tenantId` exists in version 2 without a default and is missing from version 1
  --> envelope-v2.avsc:7: /fields/envelope/type/fields/tenantId

incompatible: 1 finding (BACKWARD, version 2 checked against version 1)
",
        "",
    );
}

#[test]
fn missing_reference_is_invalid_input() {
    let dir = dir_with(&[("v1.avsc", SHIPPED), ("v2.avsc", SHIPPED)]);
    let out = stele(dir.path(), &["check", "v1.avsc", "v2.avsc"]);
    expect(
        &out,
        2,
        "",
        "error: v1.avsc:6: at /fields/0/type: unknown type `shop.common.Envelope`: define it \
         before using it, or reference the schema that defines it\n",
    );
}

#[test]
fn parse_error_names_file_line_and_column() {
    let dir = dir_with(&[
        ("v1.avsc", ORDER_V1),
        (
            "v2.avsc",
            "{\n  \"type\": \"record\",\n  \"name\": \"Order\"\n  \"fields\": []\n}\n",
        ),
    ]);
    let out = stele(dir.path(), &["check", "v1.avsc", "v2.avsc"]);
    expect(
        &out,
        2,
        "",
        "error: v2.avsc:4:3: invalid JSON: expected `,` or `}`\n",
    );
}

/// An error at the very end of the input has no valid column; the line alone is shown.
#[test]
fn parse_error_at_end_of_input() {
    let dir = dir_with(&[
        ("v1.avsc", ORDER_V1),
        ("v2.avsc", "{\n  \"type\": \"record\",\n"),
    ]);
    let out = stele(dir.path(), &["check", "v1.avsc", "v2.avsc"]);
    expect(
        &out,
        2,
        "",
        "error: v2.avsc:3:1: invalid JSON: EOF while parsing a value\n",
    );
}

/// A broken referenced schema is reported under its own file, not the schema importing it.
#[test]
fn parse_error_in_a_reference_names_the_referenced_file() {
    let dir = dir_with(&[
        (
            "v1.proto",
            "syntax = \"proto3\";\nimport \"shop/common/envelope.proto\";\nmessage A {\n  shop.common.Envelope envelope = 1;\n}\n",
        ),
        (
            "envelope.proto",
            "syntax = \"proto3\";\npackage shop.common;\nmessage Envelope {\n  string event_id = 1\n}\n",
        ),
    ]);
    let out = stele(
        dir.path(),
        &[
            "check",
            "v1.proto",
            "v1.proto",
            "--reference",
            "shop/common/envelope.proto=envelope.proto",
        ],
    );
    expect(
        &out,
        2,
        "",
        "error: envelope.proto:5:1: expected ';' or '[', but found '}'\n",
    );
}

#[test]
fn missing_file() {
    let dir = dir_with(&[("v1.avsc", ORDER_V1)]);
    let out = stele(dir.path(), &["check", "v1.avsc", "v2.avsc"]);
    expect(
        &out,
        2,
        "",
        "error: reading v2.avsc: No such file or directory (os error 2)\n",
    );
}

#[test]
fn mismatched_types() {
    let dir = dir_with(&[
        ("v1.avsc", ORDER_V1),
        ("v2.proto", "syntax = \"proto3\";\n"),
    ]);
    let out = stele(dir.path(), &["check", "v1.avsc", "v2.proto"]);
    expect(
        &out,
        2,
        "",
        "error: v1.avsc is an Avro schema but v2.proto is a Protobuf schema; all versions must \
         have the same schema type\n",
    );
}

#[test]
fn bad_level() {
    let dir = dir_with(&[("v1.avsc", ORDER_V1), ("v2.avsc", ORDER_V1)]);
    let out = stele(
        dir.path(),
        &["check", "v1.avsc", "v2.avsc", "--compatibility", "sideways"],
    );
    expect(
        &out,
        2,
        "",
        "error: invalid value 'sideways' for '--compatibility <LEVEL>': invalid compatibility \
         level `sideways`; valid levels are none, backward, backward_transitive, forward, \
         forward_transitive, full and full_transitive\n\nFor more information, try '--help'.\n",
    );
}

#[test]
fn unknown_extension_without_type() {
    let dir = dir_with(&[("v1.txt", ORDER_V1), ("v2.txt", ORDER_V1)]);
    let out = stele(dir.path(), &["check", "v1.txt", "v2.txt"]);
    expect(
        &out,
        2,
        "",
        "error: cannot tell the schema type of v1.txt from its extension (expected .avsc, \
         .proto or .json); pass --type avro, --type protobuf or --type json\n",
    );
}

#[test]
fn type_flag_overrides_the_extension() {
    let dir = dir_with(&[("v1.txt", ORDER_V1), ("v2.txt", ORDER_WITH_COUPON)]);
    let out = stele(dir.path(), &["check", "v1.txt", "v2.txt", "--type", "avro"]);
    expect(
        &out,
        0,
        "\
checking v2.txt (version 2) against v1.txt (version 1)
compatible (BACKWARD, version 2 checked against version 1)
",
        "",
    );
}

#[test]
fn one_file_without_history_is_a_usage_error() {
    let dir = dir_with(&[("v1.avsc", ORDER_V1)]);
    let out = stele(dir.path(), &["check", "v1.avsc"]);
    expect(
        &out,
        2,
        "",
        "error: give two files, OLD and NEW, or one file with --against and its earlier versions\n",
    );
}

#[test]
fn malformed_reference_argument() {
    let dir = dir_with(&[("v1.avsc", ORDER_V1)]);
    let out = stele(
        dir.path(),
        &[
            "check",
            "v1.avsc",
            "v1.avsc",
            "--reference",
            "envelope.avsc",
        ],
    );
    expect(
        &out,
        2,
        "",
        "error: invalid value 'envelope.avsc' for '--reference <NAME=FILE>': expected NAME=FILE, \
         e.g. shop/common/envelope.proto=schemas/common/envelope.proto, got `envelope.avsc`\n\n\
         For more information, try '--help'.\n",
    );
}

const PAYMENT_V1: &str = r#"syntax = "proto3";

package shop.payments.v1;

message PaymentCaptured {
  string payment_id = 1;
  int64 amount_minor = 2;
}
"#;

const PAYMENT_AMOUNT_AS_STRING: &str = r#"syntax = "proto3";

package shop.payments.v1;

message PaymentCaptured {
  string payment_id = 1;
  string amount_minor = 2;
}
"#;

#[test]
fn protobuf_incompatible() {
    let dir = dir_with(&[
        ("v1.proto", PAYMENT_V1),
        ("v2.proto", PAYMENT_AMOUNT_AS_STRING),
    ]);
    let out = stele(dir.path(), &["check", "v1.proto", "v2.proto"]);
    expect(
        &out,
        1,
        "\
checking v2.proto (version 2) against v1.proto (version 1)

error[PROTO_FIELD_SCALAR_KIND_CHANGED]: consumers on version 2 cannot read events written with version 1: field `amount_minor` (number 2) changed type from int64 in version 1 to string in version 2
  --> v2.proto:7: shop.payments.v1.PaymentCaptured.amount_minor

incompatible: 1 finding (BACKWARD, version 2 checked against version 1)
",
        "",
    );
}

const USER_V1: &str = r#"{
  "type": "object",
  "properties": {
    "userId": {"type": "string"}
  },
  "required": ["userId"],
  "additionalProperties": false
}
"#;

const USER_EMAIL_REQUIRED: &str = r#"{
  "type": "object",
  "properties": {
    "userId": {"type": "string"},
    "email": {"type": "string"}
  },
  "required": ["userId", "email"],
  "additionalProperties": false
}
"#;

#[test]
fn json_schema_incompatible() {
    let dir = dir_with(&[("v1.json", USER_V1), ("v2.json", USER_EMAIL_REQUIRED)]);
    let out = stele(dir.path(), &["check", "v1.json", "v2.json"]);
    expect(
        &out,
        1,
        "\
checking v2.json (version 2) against v1.json (version 1)

error[JSON_REQUIRED_PROPERTY_ADDED]: consumers on version 2 cannot read events written with version 1: property `email` is required in version 2 but may be absent in data written with version 1
  --> v2.json:5: #/properties/email

incompatible: 1 finding (BACKWARD, version 2 checked against version 1)
",
        "",
    );
}

/// In JSON mode an invalid input still goes to stderr with exit code 2, and stdout stays
/// empty, so a tool reading stdout never sees half a report.
#[test]
fn parse_error_in_json_mode() {
    let dir = dir_with(&[
        ("v1.avsc", ORDER_V1),
        ("v2.avsc", "{\"type\": \"recrd\"}\n"),
    ]);
    let out = stele(
        dir.path(),
        &["check", "v1.avsc", "v2.avsc", "--output", "json"],
    );
    assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{out:?}");
    assert!(out.stderr.starts_with("error: v2.avsc"), "{out:?}");
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let dir = dir_with(&[]);
    let unknown = stele(dir.path(), &["check", "a.avsc", "b.avsc", "--frobnicate"]);
    assert_eq!(
        (unknown.code, unknown.stdout.as_str()),
        (2, ""),
        "{unknown:?}"
    );
    assert!(
        unknown
            .stderr
            .starts_with("error: unexpected argument '--frobnicate'")
    );
    let no_command = stele(dir.path(), &[]);
    assert_eq!(no_command.code, 2, "{no_command:?}");
    let help = stele(dir.path(), &["check", "--help"]);
    assert_eq!(help.code, 0, "{help:?}");
    assert!(help.stdout.contains("--against <BASELINE>..."));
    let version = stele(dir.path(), &["--version"]);
    expect(
        &version,
        0,
        &format!("stele {}\n", env!("CARGO_PKG_VERSION")),
        "",
    );
}
