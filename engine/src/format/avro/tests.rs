//! Unit tests: parsing, bad input, canonical forms, fingerprints and the checker's details.

use std::time::{Duration, Instant};

use super::*;
use crate::level::CheckOptions;
use crate::rules::avro as rules;

fn parse_ok(text: &str) -> Parsed {
    parse(text, &[], ParseOptions::default()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn parse_with(text: &str, deps: &[(&str, &str)]) -> Result<Parsed, ParseError> {
    let deps: Vec<Dependency> = deps.iter().map(|(n, t)| Dependency::new(*n, *t)).collect();
    parse(text, &deps, ParseOptions::default())
}

fn normalized(text: &str) -> String {
    parse(text, &[], ParseOptions { normalize: true })
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .canonical()
        .to_string()
}

fn parse_err(text: &str) -> ParseError {
    match parse(text, &[], ParseOptions::default()) {
        Ok(p) => panic!("expected an error for {text}, got {}", p.canonical()),
        Err(e) => e,
    }
}

fn issues(reader: &str, writer: &str) -> Vec<Issue> {
    let pair = Pair {
        reader_version: 2,
        writer_version: 1,
        options: CheckOptions::default(),
    };
    let mut out = Vec::new();
    can_read(&parse_ok(reader), &parse_ok(writer), &pair, &mut out);
    out
}

fn hex_le(fp: u64) -> String {
    fp.to_le_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---- fingerprints and Parsing Canonical Form (vectors computed with fastavro 1.13) ----

#[test]
fn rabin_matches_known_vectors() {
    let cases = [
        (r#""null""#, r#""null""#, "8a8f25cce724dd63"),
        (r#"{"type":"int"}"#, r#""int""#, "8f5c393f1ad57572"),
        (
            r#"{"type": "record", "name": "Event", "namespace": "com.acme", "fields": [{"name": "id", "type": {"type": "string", "logicalType": "uuid"}}, {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}"#,
            r#"{"name":"com.acme.Event","type":"record","fields":[{"name":"id","type":"string"},{"name":"at","type":"long"}]}"#,
            "4a512d229d460ef2",
        ),
        (
            r#"{"type": "enum", "name": "Color", "namespace": "com.acme", "symbols": ["RED", "GREEN", "BLUE"], "doc": "colors", "default": "RED"}"#,
            r#"{"name":"com.acme.Color","type":"enum","symbols":["RED","GREEN","BLUE"]}"#,
            "f01ac5db38cedf8a",
        ),
        (
            r#"{"type": "fixed", "name": "Hash", "namespace": "com.acme", "size": 16}"#,
            r#"{"name":"com.acme.Hash","type":"fixed","size":16}"#,
            "4a0e9176dae4df79",
        ),
        (
            r#"{"type": "record", "name": "Order", "namespace": "shop", "fields": [{"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [{"name": "name", "type": "string"}, {"name": "tags", "type": {"type": "array", "items": "string"}}]}}, {"name": "backup", "type": ["null", "Customer"], "default": null}, {"name": "amounts", "type": {"type": "map", "values": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}}}]}"#,
            r#"{"name":"shop.Order","type":"record","fields":[{"name":"customer","type":{"name":"shop.Customer","type":"record","fields":[{"name":"name","type":"string"},{"name":"tags","type":{"type":"array","items":"string"}}]}},{"name":"backup","type":["null","shop.Customer"]},{"name":"amounts","type":{"type":"map","values":"bytes"}}]}"#,
            "6ad7523f8f5b9001",
        ),
    ];
    for (text, pcf, fp) in cases {
        let parsed = parse_ok(text);
        assert_eq!(parsed.parsing_canonical_form(), pcf, "{text}");
        assert_eq!(hex_le(parsed.rabin_fingerprint()), fp, "{text}");
    }
    assert_eq!(
        parse_ok(r#""null""#).rabin_fingerprint() as i64,
        7195948357588979594
    );
}

#[test]
fn pcf_inlines_referenced_types() {
    let address = r#"{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}"#;
    let user = r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"Address"}]}"#;
    let parsed = parse_with(user, &[("address.avsc", address)]).expect("parses");
    assert_eq!(
        parsed.parsing_canonical_form(),
        r#"{"name":"com.acme.User","type":"record","fields":[{"name":"home","type":{"name":"com.acme.Address","type":"record","fields":[{"name":"city","type":"string"}]}}]}"#
    );
    // The stored form keeps the reference by name, as the client sent it.
    assert_eq!(
        parsed.canonical(),
        r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"Address"}]}"#
    );
}

// ---- canonical and normalized forms ----

#[test]
fn spellings_of_one_schema_share_a_canonical_form() {
    let spellings = [
        r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"address","type":{"type":"record","name":"Address","fields":[{"name":"city","type":"string"}]}},{"name":"other","type":"Address"}]}"#,
        r#"{ "namespace" : "com.acme", "fields": [ {"type": {"type":"long"}, "name":"id"},
            {"name":"address","type":{"name":"com.acme.Address","type":"record","fields":[{"name":"city","type":{"type":"string"}}]}},
            {"name":"other","type":"com.acme.Address"} ], "name": "User", "type": "record" }"#,
        r#"{"type":"record","name":"com.acme.User","fields":[{"name":"id","type":"long"},{"name":"address","type":{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}},{"name":"other","type":{"type":"Address"}}]}"#,
    ];
    let forms: Vec<String> = spellings
        .iter()
        .map(|s| parse_ok(s).canonical().to_string())
        .collect();
    assert_eq!(
        forms[0],
        r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"address","type":{"type":"record","name":"Address","fields":[{"name":"city","type":"string"}]}},{"name":"other","type":"Address"}]}"#
    );
    assert!(forms.iter().all(|f| *f == forms[0]), "{forms:#?}");
}

#[test]
fn canonical_form_keeps_what_confluent_clients_need() {
    let text = r#"{"type":"record","name":"Pay","namespace":"a.b","doc":"payment","aliases":["Old","x.Older"],"zprop":{"b":1,"a":2},"aprop":true,"fields":[
        {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2},"doc":"money","default":"\u0000","order":"descending","aliases":["amt"],"custom":"x"},
        {"name":"when","type":{"type":"long","logicalType":"timestamp-millis"},"order":"ascending"},
        {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"],"default":"A"}}]}"#;
    let canonical = parse_ok(text).canonical().to_string();
    assert_eq!(
        canonical,
        r#"{"type":"record","name":"Pay","namespace":"a.b","doc":"payment","aliases":["a.b.Old","x.Older"],"fields":[{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2},"doc":"money","default":"\u0000","order":"descending","aliases":["amt"],"custom":"x"},{"name":"when","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"],"default":"A"}}],"aprop":true,"zprop":{"a":2,"b":1}}"#
    );
    // The canonical text is itself a schema with the same canonical text.
    assert_eq!(parse_ok(&canonical).canonical(), canonical);
}

#[test]
fn normalized_form_uses_fullnames_and_sorted_aliases() {
    let text = r#"{"type":"record","name":"Pay","namespace":"a.b","doc":"","aliases":["Z","A"],"fields":[
        {"name":"inner","type":{"type":"record","name":"Inner","namespace":"","fields":[{"name":"x","type":"int"}]},"aliases":["q","p"],"default":{"x":1}},
        {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"],"default":"A","doc":"k"}}]}"#;
    let form = normalized(text);
    assert_eq!(
        form,
        r#"{"name":"a.b.Pay","type":"record","fields":[{"name":"inner","type":{"name":"Inner","type":"record","namespace":"","fields":[{"name":"x","type":"int"}]},"aliases":["p","q"],"default":{"x":1}},{"name":"kind","type":{"name":"a.b.Kind","type":"enum","symbols":["A","B"],"doc":"k","default":"A"}}],"aliases":["a.b.A","a.b.Z"]}"#
    );
    let again =
        parse(&form, &[], ParseOptions { normalize: true }).expect("normalized form parses");
    assert_eq!(again.canonical(), form);
}

#[test]
fn top_level_primitives_in_both_spellings() {
    assert_eq!(parse_ok(r#""string""#).canonical(), r#""string""#);
    assert_eq!(parse_ok(r#"{"type":"string"}"#).canonical(), r#""string""#);
    assert_eq!(
        parse_ok(r#"{"type":"string","logicalType":"uuid"}"#).canonical(),
        r#"{"type":"string","logicalType":"uuid"}"#
    );
    assert_eq!(
        parse_ok(r#"["null","int"]"#).canonical(),
        r#"["null","int"]"#
    );
}

// ---- references ----

#[test]
fn references_resolve_and_missing_ones_are_named() {
    let address = r#"{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}"#;
    let user = r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"com.acme.Address"}]}"#;
    assert!(parse_with(user, &[("com.acme.Address", address)]).is_ok());
    let err = parse_with(user, &[]).expect_err("missing reference");
    assert_eq!(err.kind, ParseErrorKind::Reference);
    assert!(err.message.contains("`com.acme.Address`"), "{err}");
    assert_eq!(err.path.as_deref(), Some("/fields/0/type"));
}

#[test]
fn redefinition_across_a_reference_must_match() {
    let address = r#"{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}"#;
    let user = r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":{"type":"record","name":"Address","fields":[{"name":"zip","type":"string"}]}}]}"#;
    let err = parse_with(user, &[("a", address)]).expect_err("redefinition");
    assert!(err.message.contains("defined twice"), "{err}");
}

// ---- bad input ----

fn nested_arrays(depth: usize) -> String {
    let mut text = String::new();
    for _ in 0..depth {
        text.push_str(r#"{"type":"array","items":"#);
    }
    text.push_str(r#""int""#);
    for _ in 0..depth {
        text.push('}');
    }
    text
}

fn nested_records(depth: usize) -> String {
    let mut text = String::new();
    for i in 0..depth {
        text.push_str(&format!(
            r#"{{"type":"record","name":"R{i}","fields":[{{"name":"f","type":"#
        ));
    }
    text.push_str(r#""int""#);
    for _ in 0..depth {
        text.push_str("}]}");
    }
    text
}

#[test]
fn ten_thousand_levels_fail_fast_and_cleanly() {
    let start = Instant::now();
    for text in [
        nested_arrays(10_000),
        nested_records(10_000),
        "[".repeat(10_000),
    ] {
        let err = parse_err(&text);
        assert_eq!(err.kind, ParseErrorKind::TooLarge, "{err}");
    }
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn depth_cap_holds_on_a_small_stack() {
    // A tokio worker has a 2 MiB stack; parsing, canonicalising and checking the deepest
    // accepted schemas must fit in it even in a debug build.
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let arrays = nested_arrays(crate::format::MAX_DEPTH);
            let parsed = parse_ok(&arrays);
            let _ = parsed.parsing_canonical_form();
            let records = nested_records(40);
            let parsed = parse_ok(&records);
            let pair = Pair {
                reader_version: 2,
                writer_version: 1,
                options: CheckOptions::default(),
            };
            let mut out = Vec::new();
            can_read(&parsed, &parsed, &pair, &mut out);
            assert!(out.is_empty());
            let err = parse_err(&nested_arrays(crate::format::MAX_DEPTH + 1));
            assert_eq!(err.kind, ParseErrorKind::TooLarge);
            let err = parse_err(&nested_records(60));
            assert_eq!(err.kind, ParseErrorKind::TooLarge);
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow");
}

#[test]
fn five_megabyte_schema_parses_quickly() {
    let mut fields = Vec::new();
    let mut i = 0;
    let mut size = 0;
    while size < 5 * 1024 * 1024 {
        let field = format!(
            r#"{{"name":"field_{i}","type":"string","doc":"{}"}}"#,
            "d".repeat(200)
        );
        size += field.len() + 1;
        fields.push(field);
        i += 1;
    }
    let text = format!(
        r#"{{"type":"record","name":"Big","fields":[{}]}}"#,
        fields.join(",")
    );
    let start = Instant::now();
    let parsed = parse_ok(&text);
    assert!(parsed.canonical().len() > 5_000_000);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let err = parse_err("{\"type\":\n  \"record\",,}");
    assert_eq!(err.kind, ParseErrorKind::Syntax);
    assert_eq!((err.line, err.column), (Some(2), Some(12)));
}

#[test]
fn lone_surrogate_escapes_are_rejected() {
    for text in [
        r#"{"type":"record","name":"A","doc":"\udc00","fields":[]}"#,
        r#"{"type":"record","name":"A","fields":[{"name":"a","type":"string","default":"\ud800"}]}"#,
    ] {
        let err = parse_err(text);
        assert_eq!(err.kind, ParseErrorKind::Syntax, "{err}");
        assert!(err.line.is_some());
    }
}

#[test]
fn invalid_schemas_are_named_with_a_path() {
    let cases = [
        (
            r#"{"type":"record","name":"A","fields":[{"name":"a","type":"int"},{"name":"a","type":"long"}]}"#,
            "field `a` is defined twice",
            "/fields/1/name",
        ),
        (
            r#"{"type":"enum","name":"E","symbols":["X","Y","X"]}"#,
            "enum symbol `X` is listed twice",
            "/symbols/2",
        ),
        (
            r#"{"type":"record","name":"A","fields":[{"name":"a","type":"int","default":"zero"}]}"#,
            "default value \"zero\" does not match",
            "/fields/0/default",
        ),
        (
            r#"{"type":"record","name":"A","fields":[{"name":"a","type":["null","string"],"default":"x"}]}"#,
            "first branch",
            "/fields/0/default",
        ),
        (
            r#"{"type":"record","name":"A","fields":[{"name":"a","type":"int","default":3000000000}]}"#,
            "expected int",
            "/fields/0/default",
        ),
        (
            r#"{"type":"record","name":"A","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["X"]},"default":"Y"}]}"#,
            "a symbol of enum `E`",
            "/fields/0/default",
        ),
        (
            r#"{"type":"record","name":"A","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":16}},{"name":"b","type":{"type":"fixed","name":"F","size":32}}]}"#,
            "defined twice with different definitions",
            "/fields/1/type/name",
        ),
        (
            r#"{"type":"fixed","name":"F","size":18446744073709551615}"#,
            "larger than the limit",
            "/size",
        ),
        (
            r#"{"type":"fixed","name":"F","size":-1}"#,
            "not a non-negative integer",
            "/size",
        ),
        (
            r#"{"type":"record","name":"9lives","fields":[]}"#,
            "invalid name `9lives`",
            "/name",
        ),
        (
            r#"{"type":"record","name":"A","fields":[{"name":"a-b","type":"int"}]}"#,
            "invalid field name `a-b`",
            "/fields/0/name",
        ),
        (r#"["int","int"]"#, "same type int", "/1"),
        (r#"["int",["long"]]"#, "another union", "/1"),
    ];
    for (text, message, path) in cases {
        let err = parse_err(text);
        assert!(err.message.contains(message), "{text}: {err}");
        assert_eq!(err.path.as_deref(), Some(path), "{text}: {err}");
    }
}

#[test]
fn valid_defaults_are_accepted() {
    parse_ok(
        r#"{"type":"record","name":"A","fields":[
        {"name":"a","type":["null","string"],"default":null},
        {"name":"b","type":["string","null"],"default":"x"},
        {"name":"c","type":{"type":"array","items":"long"},"default":[1,2]},
        {"name":"d","type":{"type":"map","values":"double"},"default":{"k":1.5,"j":2}},
        {"name":"e","type":{"type":"record","name":"B","fields":[{"name":"x","type":"int"},{"name":"y","type":"int","default":0}]},"default":{"x":1}},
        {"name":"f","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2},"default":"\u00ff"},
        {"name":"g","type":"float","default":1}]}"#,
    );
}

// ---- compatibility details ----

#[test]
fn every_problem_is_reported_with_a_path() {
    let writer = r#"{"type":"record","name":"Order","fields":[
        {"name":"total","type":"long"},
        {"name":"customer","type":{"type":"record","name":"Customer","fields":[{"name":"name","type":"string"}]}},
        {"name":"tags","type":{"type":"array","items":"string"}},
        {"name":"payment","type":["null","string","long"]}]}"#;
    let reader = r#"{"type":"record","name":"Order","fields":[
        {"name":"total","type":"int"},
        {"name":"customer","type":{"type":"record","name":"Customer","fields":[{"name":"name","type":"string"},{"name":"zip","type":"string"}]}},
        {"name":"tags","type":{"type":"array","items":"int"}},
        {"name":"payment","type":["null","string"]},
        {"name":"couponCode","type":"string"}]}"#;
    let found: Vec<(String, String, String)> = issues(reader, writer)
        .into_iter()
        .map(|i| (i.rule.to_string(), i.path, i.detail))
        .collect();
    let expected = [
        (
            rules::AVRO_TYPE_CHANGED.0,
            "/fields/total/type",
            "field `total` changed type from long (version 1) to int (version 2)",
        ),
        (
            rules::AVRO_FIELD_ADDED_WITHOUT_DEFAULT.0,
            "/fields/customer/type/fields/zip",
            "field `zip` exists in version 2 without a default and is missing from version 1",
        ),
        (
            rules::AVRO_TYPE_CHANGED.0,
            "/fields/tags/type/items",
            "items of field `tags` changed type from string (version 1) to int (version 2)",
        ),
        (
            rules::AVRO_UNION_BRANCH_REMOVED.0,
            "/fields/payment/type",
            "field `payment` may be long in version 1, which no branch of the union in version 2 can read",
        ),
        (
            rules::AVRO_FIELD_ADDED_WITHOUT_DEFAULT.0,
            "/fields/couponCode",
            "field `couponCode` exists in version 2 without a default and is missing from version 1",
        ),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(r, p, d)| (r.to_string(), p.to_string(), d.to_string()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn recursive_types_are_checked_without_hanging() {
    let list = |item: &str| {
        format!(
            r#"{{"type":"record","name":"Node","fields":[{{"name":"value","type":"{item}"}},{{"name":"next","type":["null","Node"]}}]}}"#
        )
    };
    assert!(issues(&list("long"), &list("int")).is_empty());
    let found = issues(&list("string"), &list("int"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, "/fields/value/type");
    // Mutually recursive types through unions.
    let a = r#"{"type":"record","name":"A","fields":[{"name":"b","type":["null",{"type":"record","name":"B","fields":[{"name":"a","type":["null","A"]},{"name":"n","type":"int"}]}]}]}"#;
    let a2 = r#"{"type":"record","name":"A","fields":[{"name":"b","type":["null",{"type":"record","name":"B","fields":[{"name":"a","type":["null","A"]},{"name":"n","type":"string"}]}]}]}"#;
    let found = issues(a2, a);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, "/fields/b/type/1/fields/n/type");
}

#[test]
fn named_type_aliases_allow_renames() {
    let writer = r#"{"type":"record","name":"com.a.User","fields":[{"name":"id","type":"long"}]}"#;
    let renamed =
        r#"{"type":"record","name":"com.b.Customer","fields":[{"name":"id","type":"long"}]}"#;
    let aliased = r#"{"type":"record","name":"com.b.Customer","aliases":["com.a.User"],"fields":[{"name":"id","type":"long"}]}"#;
    let found = issues(renamed, writer);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, rules::AVRO_NAME_CHANGED);
    assert_eq!(found[0].path, "/name");
    assert!(issues(aliased, writer).is_empty());
}

#[test]
fn schemas_confluent_clients_send_are_accepted() {
    let accepted = [
        r#"{"type":"bytes","logicalType":"decimal","precision":2,"scale":5}"#,
        r#"{"type":"fixed","name":"Money","size":8,"logicalType":"decimal","precision":40,"scale":2}"#,
        r#"{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}"#,
        r#"{"type":"record","name":"T","fields":[
            {"name":"d","type":{"type":"int","logicalType":"date"}},
            {"name":"t","type":{"type":"int","logicalType":"time-millis"}},
            {"name":"tu","type":{"type":"long","logicalType":"time-micros"}},
            {"name":"ts","type":{"type":"long","logicalType":"local-timestamp-millis"}},
            {"name":"u","type":{"type":"string","logicalType":"uuid"}},
            {"name":"x","type":{"type":"string","logicalType":"not-a-known-one"}},
            {"name":"s","type":{"type":"string","avro.java.string":"String"}},
            {"name":"c","type":{"type":"int","connect.type":"int16"},"default":0},
            {"name":"big","type":"long","default":9007199254740993},
            {"name":"widen","type":"long","default":1},
            {"name":"_under","type":"string","default":""},
            {"name":"id","type":{"type":"string","logicalType":"uuid"},"default":""},
            {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"},"default":0}]}"#,
        r#"{"type":"record","name":"Empty","fields":[]}"#,
        r#"{"type":"record","name":"Outer","namespace":"a","fields":[{"name":"i","type":{"type":"record","name":"Inner","namespace":"","fields":[]}}]}"#,
        r#"{"type":"record","name":"U","fields":[{"name":"v","type":["null",{"type":"enum","name":"E","symbols":["A"],"doc":"e","aliases":["F"]},{"type":"record","name":"R","fields":[]},{"type":"map","values":"E"}],"default":null}]}"#,
    ];
    for text in accepted {
        parse_ok(text);
    }
}

#[test]
fn details_name_both_versions() {
    let detail = |reader: &str, writer: &str| -> Vec<String> {
        issues(reader, writer)
            .into_iter()
            .map(|i| format!("{} {} {}", i.rule, i.path, i.detail))
            .collect()
    };
    let field = |ty: &str| {
        format!(r#"{{"type":"record","name":"O","fields":[{{"name":"p","type":{ty}}}]}}"#)
    };
    assert_eq!(
        detail(&field(r#""string""#), &field(r#"["null","string"]"#)),
        [
            "AVRO_TYPE_NARROWED_FROM_UNION /fields/p/type field `p` changed from union of null, string (version 1) to string (version 2), and version 2 cannot read null"
        ]
    );
    assert_eq!(
        detail(
            &field(r#"{"type":"enum","name":"Color","symbols":["RED"]}"#),
            &field(r#"{"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]}"#)
        ),
        [
            "AVRO_ENUM_SYMBOL_REMOVED /fields/p/type/symbols symbol `GREEN` of enum `Color` exists in version 1 and is missing from version 2, whose enum has no default",
            "AVRO_ENUM_SYMBOL_REMOVED /fields/p/type/symbols symbol `BLUE` of enum `Color` exists in version 1 and is missing from version 2, whose enum has no default",
        ]
    );
    assert_eq!(
        detail(
            &field(r#"{"type":"fixed","name":"Hash","size":32}"#),
            &field(r#"{"type":"fixed","name":"Md5","size":16}"#)
        ),
        [
            "AVRO_NAME_CHANGED /fields/p/type/name fixed type was renamed from `Md5` (version 1) to `Hash` (version 2), and version 2 has no alias for `Md5`",
            "AVRO_FIXED_SIZE_CHANGED /fields/p/type/size fixed `Hash` changed size from 16 (version 1) to 32 (version 2)",
        ]
    );
    assert_eq!(
        detail(&field(r#"["null","long"]"#), &field(r#""string""#)),
        [
            "AVRO_TYPE_CHANGED /fields/p/type field `p` changed type from string (version 1) to union of null, long (version 2)"
        ]
    );
}

#[test]
fn details_read_old_to_new_in_a_forward_check() {
    let pair = Pair {
        reader_version: 1,
        writer_version: 2,
        options: CheckOptions::default(),
    };
    let old = parse_ok(r#"{"type":"record","name":"O","fields":[{"name":"total","type":"int"}]}"#);
    let new = parse_ok(r#"{"type":"record","name":"O","fields":[{"name":"total","type":"long"}]}"#);
    let mut out = Vec::new();
    can_read(&old, &new, &pair, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].detail,
        "field `total` changed type from int (version 1) to long (version 2)"
    );
}

#[test]
fn a_reference_changing_shape_is_seen_through_the_name() {
    let address1 = r#"{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}"#;
    let address2 = r#"{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"},{"name":"zip","type":"string"}]}"#;
    let user = r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"Address"}]}"#;
    let old = parse_with(user, &[("address", address1)]).expect("old");
    let new = parse_with(user, &[("address", address2)]).expect("new");
    // The same text with different references is the same canonical text; the registry's
    // fingerprint covers the references separately.
    assert_eq!(old.canonical(), new.canonical());
    assert_ne!(old.rabin_fingerprint(), new.rabin_fingerprint());
    let pair = Pair {
        reader_version: 2,
        writer_version: 1,
        options: CheckOptions::default(),
    };
    let mut out = Vec::new();
    can_read(&new, &old, &pair, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].path, "/fields/home/type/fields/zip");
}

#[test]
fn definition_order_between_reader_and_writer_does_not_matter() {
    // apache-avro reports a false incompatibility here (DEPENDENCIES.md §1).
    let writer = r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]}},{"name":"b","type":"P"}]}"#;
    let reader = r#"{"type":"record","name":"R","fields":[{"name":"b","type":{"type":"record","name":"P","fields":[{"name":"x","type":"long"}]}},{"name":"a","type":"P"}]}"#;
    assert!(issues(reader, writer).is_empty());
}

/// `count` referenced schemas, each a record holding the previous one.
fn reference_chain(count: usize) -> (Vec<Dependency>, String) {
    let mut deps = Vec::new();
    for i in 0..count {
        let ty = if i == 0 {
            r#""int""#.to_string()
        } else {
            format!(r#""R{}""#, i - 1)
        };
        deps.push(Dependency::new(
            format!("r{i}"),
            format!(r#"{{"type":"record","name":"R{i}","fields":[{{"name":"f","type":{ty}}}]}}"#),
        ));
    }
    let root = format!(
        r#"{{"type":"record","name":"Top","fields":[{{"name":"f","type":"R{}"}}]}}"#,
        count - 1
    );
    (deps, root)
}

#[test]
fn long_reference_chains_are_capped_and_the_deepest_fit_a_small_stack() {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let (deps, root) = reference_chain(model::MAX_INLINED_DEPTH - 2);
            let parsed = parse(&root, &deps, ParseOptions::default()).expect("within the cap");
            assert!(parsed.parsing_canonical_form().len() > 1000);
            let pair = Pair {
                reader_version: 2,
                writer_version: 1,
                options: CheckOptions::default(),
            };
            let mut out = Vec::new();
            can_read(&parsed, &parsed, &pair, &mut out);
            assert!(out.is_empty());
            let (deps, root) = reference_chain(2_000);
            let err = parse(&root, &deps, ParseOptions::default()).expect_err("too deep");
            assert_eq!(err.kind, ParseErrorKind::TooLarge, "{err}");
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow");
}

#[test]
fn unions_nested_in_unions_are_checked_in_polynomial_time() {
    // Records and arrays alternating with unions, 45 levels, with a mismatch at the bottom.
    fn nest(depth: usize, leaf: &str) -> String {
        if depth == 0 {
            return format!(r#""{leaf}""#);
        }
        if depth.is_multiple_of(2) {
            format!(
                r#"["null",{{"type":"array","items":{}}}]"#,
                nest(depth - 1, leaf)
            )
        } else {
            format!(
                r#"["null",{{"type":"record","name":"R{depth}","fields":[{{"name":"f","type":{}}},{{"name":"g","type":"int"}}]}}]"#,
                nest(depth - 1, leaf)
            )
        }
    }
    let writer = format!(
        r#"{{"type":"record","name":"Top","fields":[{{"name":"f","type":{}}}]}}"#,
        nest(29, "int")
    );
    let reader = format!(
        r#"{{"type":"record","name":"Top","fields":[{{"name":"f","type":{}}}]}}"#,
        nest(29, "string")
    );
    let start = Instant::now();
    let found = issues(&reader, &writer);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule, rules::AVRO_TYPE_CHANGED);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn unsupported_and_invalid_types_are_named() {
    let err = parse_err(r#"{"type":"strnig"}"#);
    assert_eq!(
        err.to_string(),
        "at /type: unknown type `strnig`: define it before using it, or reference the schema that defines it"
    );
    let err = parse_err(
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":["b-c"]}]}"#,
    );
    assert_eq!(
        err.to_string(),
        "at /fields/0/aliases/0: invalid alias `b-c`"
    );
}

#[test]
fn canonical_forms_of_every_rule_case_are_fixed_points() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("cases directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "avsc") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/avro"),
        &mut files,
    );
    assert!(files.len() > 50);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        // Schemas that use references are covered by the reference tests above.
        let Ok(first) = parse(&text, &[], ParseOptions::default()) else {
            continue;
        };
        for normalize in [false, true] {
            let options = ParseOptions { normalize };
            let form = parse(&text, &[], options)
                .expect("parses")
                .canonical()
                .to_string();
            let again = parse(&form, &[], options)
                .unwrap_or_else(|e| panic!("{}: {form}: {e}", file.display()));
            assert_eq!(again.canonical(), form, "{}", file.display());
            assert_eq!(
                again.parsing_canonical_form(),
                first.parsing_canonical_form(),
                "{}",
                file.display()
            );
        }
    }
}

#[test]
fn errors_in_a_reference_name_the_reference() {
    let user = r#"{"type":"record","name":"User","fields":[{"name":"home","type":"Address"}]}"#;
    let err = parse_with(user, &[("address.avsc", "{\n  \"type\": \"record\",, }")])
        .expect_err("bad reference");
    assert_eq!(err.file.as_deref(), Some("address.avsc"));
    assert_eq!((err.line, err.column), (Some(2), Some(20)));
    let err = parse_with(
        user,
        &[("address.avsc", r#"{"type":"record","name":"Address","fields":[{"name":"a","type":"int","default":"x"}]}"#)],
    )
    .expect_err("bad default in a reference");
    assert_eq!(err.file.as_deref(), Some("address.avsc"));
    assert_eq!(err.path.as_deref(), Some("/fields/0/default"));
}
