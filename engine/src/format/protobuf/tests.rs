//! Unit tests: compiling, bad input, canonical round trips and base64 descriptors.

use std::time::{Duration, Instant};

use super::*;
use crate::format::{Format, Schema};

fn ok(text: &str) -> Parsed {
    parse(text, &[], ParseOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn err(text: &str, deps: &[Dependency]) -> ParseError {
    parse(text, deps, ParseOptions::default()).expect_err("should not parse")
}

const SHOP: &str = r#"
// A comment that canonical text drops.
syntax = "proto3";
package shop.v1;

import "google/protobuf/timestamp.proto";

option java_package = "com.example.shop";
option java_multiple_files = true;

message OrderPlaced {
  string id = 1;
  int64 total_cents = 3 [deprecated = true];
  google.protobuf.Timestamp at = 4;
  map<string, Line> lines = 5;
  oneof payment {
    string card = 6;
    bytes voucher = 7 [json_name = "v"];
  }
  optional int32 priority = 8;
  repeated Status history = 9 [packed = false];
  reserved 2, 15 to 20, 100 to max;
  reserved "legacy", "old";
  message Line {
    string sku = 1;
    uint32 quantity = 2;
  }
  enum Status {
    option allow_alias = true;
    UNKNOWN = 0;
    PLACED = 1;
    NEW = 1;
    reserved 5 to 9;
    reserved "GONE";
  }
}

enum Channel {
  CHANNEL_UNSPECIFIED = 0;
  WEB = 1 [deprecated = true];
}

service Orders {
  rpc Place (OrderPlaced) returns (OrderPlaced);
  rpc Watch (stream OrderPlaced) returns (stream OrderPlaced) {
    option deprecated = true;
  }
}
"#;

const PROTO2: &str = r#"
syntax = "proto2";
package legacy;
message Old {
  required string id = 1;
  optional int32 count = 2 [default = 5];
  optional string name = 3 [default = "a \"quoted\" name"];
  optional bytes raw = 4 [default = "\001\002"];
  repeated int32 packed_ones = 5 [packed = true];
  optional group Extra = 6 {
    optional string note = 1;
  }
  optional Kind kind = 7 [default = B];
  extensions 100 to 199;
  enum Kind { A = 1; B = 2; }
}
extend Old {
  optional string tag = 100;
}
message Holder {
  extend Old {
    repeated Holder holders = 101;
  }
  optional int32 x = 1 [(weight) = 3];
}
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions {
  optional int32 weight = 50001;
}
service Legacy {
  option (service_tag) = "a\tb";
  rpc Get (Old) returns (Holder) {
    option idempotency_level = NO_SIDE_EFFECTS;
  }
}
extend google.protobuf.ServiceOptions {
  optional string service_tag = 50002;
}
option optimize_for = SPEED;
"#;

/// Compiling the canonical text again gives the same descriptor and the same text.
fn assert_round_trip(text: &str, deps: &[Dependency]) {
    for normalize in [false, true] {
        let options = ParseOptions { normalize };
        let first = parse(text, deps, options).unwrap_or_else(|e| panic!("{e}"));
        let again = parse(first.canonical(), deps, options)
            .unwrap_or_else(|e| panic!("canonical does not compile: {e}\n{}", first.canonical()));
        assert_eq!(first.canonical(), again.canonical());
        if !normalize {
            let without_spans = |p: &Parsed| {
                let mut proto = p.file().file_descriptor_proto().clone();
                proto.source_code_info = None;
                proto
            };
            assert_eq!(
                without_spans(&first),
                without_spans(&again),
                "descriptor changed through\n{}",
                first.canonical()
            );
            assert_eq!(
                first.file().options().to_text_format(),
                again.file().options().to_text_format(),
                "file options changed through\n{}",
                first.canonical()
            );
        }
    }
}

#[test]
fn canonical_round_trips() {
    assert_round_trip(SHOP, &[]);
    assert_round_trip(PROTO2, &[]);
}

#[test]
fn canonical_round_trips_the_conformance_files() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/protobuf.json"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        // The conformance test reports a missing directory; this one only adds coverage.
        return;
    };
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("vector file is JSON");
    for case in &cases {
        for side in ["old", "new"] {
            let mut deps = Vec::new();
            if let Some(list) = case
                .pointer(&format!("/references/{side}"))
                .and_then(|v| v.as_array())
            {
                for entry in list {
                    if entry["well_known"].as_bool() == Some(true) {
                        continue;
                    }
                    deps.push(Dependency::new(
                        entry["name"].as_str().unwrap_or_default(),
                        entry["schema"].as_str().unwrap_or_default(),
                    ));
                }
            }
            assert_round_trip(case[side].as_str().expect("schema text"), &deps);
        }
    }
}

#[test]
fn canonical_ignores_spelling() {
    let a = ok(
        "syntax = \"proto3\";\npackage foo;\nmessage T { Status s = 1; message Status { string x = 1; } }",
    );
    let b = ok(
        "// hi\nsyntax=\"proto3\"; package foo;\n\n message T {\n .foo.T.Status s = 1;\n message Status { string x = 1; } }",
    );
    assert_eq!(a.canonical(), b.canonical());
}

#[test]
fn normalize_sorts_fields_and_options() {
    let a = "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\nimport \"google/protobuf/any.proto\";\noption java_package = \"x\";\noption go_package = \"y\";\nmessage M { int32 b = 2 [json_name = \"bee\", deprecated = true]; int32 a = 1; }";
    let b = "syntax = \"proto3\";\nimport \"google/protobuf/any.proto\";\nimport \"google/protobuf/timestamp.proto\";\noption go_package = \"y\";\noption java_package = \"x\";\nmessage M { int32 a = 1; int32 b = 2 [deprecated = true, json_name = \"bee\"]; }";
    let norm = ParseOptions { normalize: true };
    let pa = parse(a, &[], norm).expect("compiles");
    let pb = parse(b, &[], norm).expect("compiles");
    assert_eq!(pa.canonical(), pb.canonical());
    assert_ne!(ok(a).canonical(), ok(b).canonical());
}

#[test]
fn base64_descriptor_gives_the_same_schema() {
    let deps = [];
    for text in [SHOP, PROTO2, META_USER] {
        let source = Schema::parse(Format::Protobuf, text, &deps, ParseOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let Schema::Protobuf(parsed) = &source else {
            panic!("protobuf parses as protobuf")
        };
        let encoded = parsed.to_serialized();
        let decoded = Schema::parse(Format::Protobuf, &encoded, &deps, ParseOptions::default())
            .unwrap_or_else(|e| panic!("base64 form does not parse: {e}"));
        assert_eq!(source.canonical(), decoded.canonical());
        assert_eq!(source.fingerprint(), decoded.fingerprint());
        // Line-wrapped base64, as some clients send it, is the same schema too.
        let wrapped: String = encoded
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8_lossy(c).into_owned() + "\n")
            .collect();
        let decoded = Schema::parse(Format::Protobuf, &wrapped, &deps, ParseOptions::default())
            .unwrap_or_else(|e| panic!("wrapped base64 does not parse: {e}"));
        assert_eq!(source.canonical(), decoded.canonical());
    }
}

const META_USER: &str = r#"syntax = "proto3";
import "confluent/meta.proto";
import "confluent/type/decimal.proto";
option (confluent.file_meta) = { doc: "file" };
message DecimalValue {
  option (confluent.message_meta) = { doc: "message" };
  confluent.type.Decimal value = 1 [(confluent.field_meta) = {
    doc: "field", params: [ { key: "precision", value: "8" }, { key: "scale", value: "3" } ]
  }];
}
"#;

#[test]
fn confluent_built_ins_resolve_without_references() {
    let parsed = ok(META_USER);
    assert!(
        parsed.canonical().contains("(.confluent.field_meta)"),
        "{}",
        parsed.canonical()
    );
    assert_round_trip(META_USER, &[]);
    ok(
        "syntax = \"proto3\";\nimport \"google/protobuf/descriptor.proto\";\nmessage M { google.protobuf.FileDescriptorProto f = 1; }",
    );
}

#[test]
fn first_message_is_listed_first() {
    assert_eq!(ok(SHOP).message_names()[0], "shop.v1.OrderPlaced");
}

#[test]
fn editions_are_unsupported() {
    let e = err(
        "// new style\nedition = \"2023\";\nmessage M { int32 x = 1; }",
        &[],
    );
    assert_eq!(e.kind, ParseErrorKind::Unsupported);
    assert!(e.message.contains("editions"), "{e}");
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let e = err(
        "syntax = \"proto3\";\nmessage M {\n  int32 x = 1\n  int32 y = 2;\n}\n",
        &[],
    );
    assert_eq!(e.kind, ParseErrorKind::Syntax);
    assert_eq!((e.line, e.column), (Some(4), Some(3)), "{e}");
    assert_eq!(e.file, None);
}

#[test]
fn errors_in_a_dependency_name_the_file() {
    let deps = [Dependency::new(
        "shop/common.proto",
        "syntax = \"proto3\";\npackage shop;\nmessage Money {\n  int64 cents = 1\n}\n",
    )];
    let e = err(
        "syntax = \"proto3\";\nimport \"shop/common.proto\";\nmessage M { shop.Money m = 1; }",
        &deps,
    );
    assert_eq!(e.file.as_deref(), Some("shop/common.proto"), "{e}");
    assert_eq!(e.line, Some(5), "{e}");
}

#[test]
fn missing_import_is_a_reference_error() {
    let e = err(
        "syntax = \"proto3\";\nimport \"shop/missing.proto\";\nmessage M { int32 x = 1; }",
        &[],
    );
    assert_eq!(e.kind, ParseErrorKind::Reference, "{e}");
    assert!(e.message.contains("shop/missing.proto"), "{e}");
    assert_eq!(e.line, Some(2), "{e}");
}

#[test]
fn import_cycle_is_a_reference_error() {
    let deps = [
        Dependency::new(
            "a.proto",
            "syntax = \"proto3\";\nimport \"b.proto\";\nmessage A {}",
        ),
        Dependency::new(
            "b.proto",
            "syntax = \"proto3\";\nimport \"a.proto\";\nmessage B {}",
        ),
    ];
    let e = err(
        "syntax = \"proto3\";\nimport \"a.proto\";\nmessage M {}",
        &deps,
    );
    assert_eq!(e.kind, ParseErrorKind::Reference, "{e}");
    assert!(e.message.contains("cycle"), "{e}");
}

#[test]
fn duplicate_numbers_and_names_are_invalid() {
    let e = err(
        "syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n  int32 b = 1;\n}\n",
        &[],
    );
    assert_eq!(e.kind, ParseErrorKind::Invalid, "{e}");
    assert!(e.line.is_some(), "{e}");
    let e = err(
        "syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n  string a = 2;\n}\n",
        &[],
    );
    assert_eq!(e.kind, ParseErrorKind::Invalid, "{e}");
    let e = err("syntax = \"proto3\";\nmessage M {}\nmessage M {}\n", &[]);
    assert_eq!(e.kind, ParseErrorKind::Invalid, "{e}");
}

#[test]
fn binary_garbage_is_a_syntax_error() {
    let garbage: String = (0u8..=255).cycle().take(4096).map(char::from).collect();
    let e = err(&garbage, &[]);
    assert_eq!(e.kind, ParseErrorKind::Syntax, "{e}");
    // Base64 that decodes to something that is not a descriptor is not taken for one.
    let e = err("aGVsbG8gd29ybGQ=", &[]);
    assert_eq!(e.kind, ParseErrorKind::Syntax, "{e}");
}

#[test]
fn deep_nesting_is_refused_quickly() {
    for depth in [150usize, 10_000] {
        let mut text = String::from("syntax = \"proto3\";\n");
        for i in 0..depth {
            text.push_str(&format!("message M{i} {{\n"));
        }
        text.push_str(&"}\n".repeat(depth));
        let start = Instant::now();
        let e = err(&text, &[]);
        assert_eq!(e.kind, ParseErrorKind::TooLarge, "{e}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }
}

#[test]
fn five_megabytes_finish_quickly() {
    let mut text = String::from("syntax = \"proto3\";\n");
    let mut i = 0;
    while text.len() < 5 * 1024 * 1024 {
        text.push_str(&format!(
            "message M{i} {{ string field_{i} = 1; int64 other_{i} = 2; }}\n"
        ));
        i += 1;
    }
    let start = Instant::now();
    let parsed = parse(&text, &[], ParseOptions::default());
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    if let Ok(parsed) = parsed {
        assert!(parsed.canonical().len() > 1024 * 1024);
    }
}

#[test]
fn recursive_types_compare_without_looping() {
    let a = ok(
        "syntax = \"proto3\";\nmessage Node { Node next = 1; repeated Node kids = 2; int32 v = 3; }",
    );
    let b = ok(
        "syntax = \"proto3\";\nmessage Node { Node next = 1; repeated Node kids = 2; string v = 3; }",
    );
    let pair = Pair {
        reader_version: 2,
        writer_version: 1,
        options: Default::default(),
    };
    let mut out = Vec::new();
    can_read(&b, &a, &pair, &mut out);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].path, "Node.v");
    assert_eq!(
        out[0].detail,
        "field `v` (number 3) changed type from int32 in version 1 to string in version 2"
    );
}

#[test]
fn long_chains_of_types_do_not_recurse() {
    let mut text = String::from("syntax = \"proto3\";\n");
    for i in 0..5_000 {
        text.push_str(&format!("message M{i} {{ M{} next = 1; }}\n", i + 1));
    }
    text.push_str("message M5000 { int32 v = 1; }\n");
    let a = ok(&text);
    let b = ok(&text.replace("M5000 { int32", "M5000 { string"));
    let pair = Pair {
        reader_version: 2,
        writer_version: 1,
        options: Default::default(),
    };
    let mut out = Vec::new();
    can_read(&b, &a, &pair, &mut out);
    assert_eq!(out.len(), 1, "{out:?}");
}

#[test]
fn lone_surrogate_escapes_do_not_panic() {
    // Proto string literals allow `\u` escapes; a lone surrogate is no character at all.
    let e = err(
        "syntax = \"proto3\";\noption java_package = \"\\udc00\";\nmessage M {}\n",
        &[],
    );
    assert_eq!(e.kind, ParseErrorKind::Syntax, "{e}");
    assert_eq!(e.line, Some(2), "{e}");
}

#[test]
fn references_may_be_base64_descriptors_too() {
    let common = "syntax = \"proto3\";\npackage shop.common;\nmessage Money { int64 cents = 1; }\n";
    let user = "syntax = \"proto3\";\nimport \"shop/common.proto\";\nmessage M { shop.common.Money total = 1; }\n";
    let as_text = [Dependency::new("shop/common.proto", common)];
    let as_base64 = [Dependency::new(
        "shop/common.proto",
        ok(common).to_serialized(),
    )];
    let a = parse(user, &as_text, ParseOptions::default()).expect("text reference");
    let b = parse(user, &as_base64, ParseOptions::default()).expect("base64 reference");
    assert_eq!(a.canonical(), b.canonical());
}

#[test]
fn removing_a_group_field_is_a_field_removal() {
    let writer = ok(
        "syntax = \"proto2\";\nmessage M {\n  optional int32 a = 1;\n  optional group Extra = 2 {\n    optional string note = 1;\n  }\n}\n",
    );
    let reader = ok("syntax = \"proto2\";\nmessage M {\n  optional int32 a = 1;\n}\n");
    let pair = Pair {
        reader_version: 2,
        writer_version: 1,
        options: Default::default(),
    };
    let mut out = Vec::new();
    can_read(&reader, &writer, &pair, &mut out);
    assert_eq!(out, Vec::new());
}
