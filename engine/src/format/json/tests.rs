//! Parser and checker tests for hostile and unusual input: what must be a clean error, what
//! must finish quickly, and what must never be fetched.

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::*;
use crate::finding::Issue;
use crate::level::{CheckOptions, Pair, Policy};
use crate::rules::json as rules;

fn parse_ok(text: &str) -> Parsed {
    parse(text, &[], ParseOptions::default()).expect("schema parses")
}

fn parse_err(text: &str) -> ParseError {
    parse(text, &[], ParseOptions::default()).expect_err("schema must not parse")
}

fn issues(reader: &Parsed, writer: &Parsed, policy: Policy) -> Vec<Issue> {
    let pair = Pair {
        reader_version: 2,
        writer_version: 1,
        options: CheckOptions { policy },
    };
    let mut out = Vec::new();
    can_read(reader, writer, &pair, &mut out);
    out
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let err = parse_err("{\n  \"type\": \"object\",\n  \"properties\": {\n}");
    assert_eq!(err.kind, ParseErrorKind::Syntax);
    assert_eq!(err.line, Some(4));
    assert!(err.column.is_some());
    assert!(!err.message.contains(" at line "), "{}", err.message);
}

#[test]
fn lone_surrogate_escapes_are_rejected() {
    for text in [
        r#"{"description": "\udc00"}"#,
        r#"{"description": "\ud800"}"#,
        r#"{"properties": {"\udc00": {}}}"#,
    ] {
        let err = parse_err(text);
        assert_eq!(err.kind, ParseErrorKind::Syntax, "{text}: {err}");
        assert_eq!(err.line, Some(1));
    }
    // A proper surrogate pair is fine.
    parse_ok(r#"{"description": "\ud83d\ude00"}"#);
}

#[test]
fn ten_thousand_levels_fail_cleanly_and_quickly() {
    let depth = 10_000;
    let text = format!("{}{}", r#"{"not":"#.repeat(depth), "}".repeat(depth + 1));
    let text = text.replacen(
        &"}".repeat(depth + 1),
        &format!("{{}}{}", "}".repeat(depth)),
        1,
    );
    let started = Instant::now();
    let err = parse_err(&text);
    assert_eq!(err.kind, ParseErrorKind::TooLarge, "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // Arrays nest the same way.
    let err = parse_err(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
    assert_eq!(err.kind, ParseErrorKind::TooLarge);
}

#[test]
fn deep_but_allowed_nesting_checks() {
    // 60 levels of `properties` is 120 JSON levels, under serde_json's limit.
    let mut text = String::from(r#"{"type":"string"}"#);
    for _ in 0..60 {
        text = format!(r#"{{"type":"object","properties":{{"a":{text}}}}}"#);
    }
    let writer = parse_ok(&text);
    let reader = parse_ok(&text.replace(r#""type":"string""#, r#""type":"number""#));
    let found = issues(&reader, &writer, Policy::Strict);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, rules::JSON_TYPE_CHANGED);
    assert!(found[0].path.ends_with("/properties/a"));
}

#[test]
fn five_megabyte_schema_parses_and_checks_quickly() {
    let mut properties = Vec::new();
    let mut i = 0;
    let mut size = 0;
    while size < 5 * 1024 * 1024 {
        let entry = format!(
            r#""field_{i:07}":{{"type":"string","maxLength":{i},"description":"padding padding padding"}}"#
        );
        size += entry.len() + 1;
        properties.push(entry);
        i += 1;
    }
    let text = format!(
        r#"{{"type":"object","properties":{{{}}}}}"#,
        properties.join(",")
    );
    assert!(text.len() >= 5 * 1024 * 1024);
    let started = Instant::now();
    let writer = parse_ok(&text);
    let reader = parse_ok(&text);
    assert!(issues(&reader, &writer, Policy::Strict).is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn oversized_text_is_refused_before_parsing() {
    let text = format!(
        r#"{{"description":"{}"}}"#,
        "x".repeat(crate::format::MAX_SCHEMA_BYTES)
    );
    assert_eq!(parse_err(&text).kind, ParseErrorKind::TooLarge);
}

#[test]
fn duplicate_keys_keep_the_last_value() {
    // serde_json keeps the last of duplicate keys, as Jackson does for Confluent.
    let parsed = parse_ok(r#"{"type":"string","type":"number"}"#);
    assert_eq!(parsed.canonical(), r#"{"type":"number"}"#);
}

#[test]
fn drafts_follow_schema_and_unknown_ones_are_named() {
    for url in [
        "http://json-schema.org/draft-04/schema#",
        "http://json-schema.org/draft-06/schema#",
        "http://json-schema.org/draft-07/schema#",
        "https://json-schema.org/draft/2019-09/schema",
        "https://json-schema.org/draft/2020-12/schema",
    ] {
        parse_ok(&format!(r#"{{"$schema":"{url}","type":"object"}}"#));
    }
    let err = parse_err(r#"{"$schema":"https://example.com/my-meta","type":"object"}"#);
    assert_eq!(err.kind, ParseErrorKind::Invalid);
    assert!(err.message.contains("https://example.com/my-meta"), "{err}");
    assert_eq!(err.path.as_deref(), Some("#/$schema"));
}

#[test]
fn meta_schema_errors_name_the_pointer() {
    let err = parse_err(r#"{"type":"object","properties":{"a":{"type":"strng"}}}"#);
    assert_eq!(err.kind, ParseErrorKind::Invalid);
    assert_eq!(err.path.as_deref(), Some("#/properties/a/type"));
    let err = parse_err(r#"{"minLength":-1}"#);
    assert_eq!(err.path.as_deref(), Some("#/minLength"));
    // Draft 4 requires a non-empty `required`; draft 7 does not.
    parse_ok(r#"{"required":[]}"#);
    let err = parse_err(r#"{"$schema":"http://json-schema.org/draft-04/schema#","required":[]}"#);
    assert_eq!(err.path.as_deref(), Some("#/required"));
}

#[test]
fn canonical_form_ignores_spacing_and_key_order() {
    let a = parse_ok(
        r#"{"type":"object","properties":{"b":{"type":"string"},"a":{"type":"integer"}}}"#,
    );
    let b = parse_ok(
        "{\n  \"properties\": {\n    \"a\": {\"type\": \"integer\"},\n    \"b\": {\"type\": \"string\"}\n  },\n  \"type\": \"object\"\n}",
    );
    assert_eq!(a.canonical(), b.canonical());
    assert_eq!(
        a.canonical(),
        r#"{"properties":{"a":{"type":"integer"},"b":{"type":"string"}},"type":"object"}"#
    );
}

#[test]
fn normalize_sorts_required_and_type_in_schema_positions_only() {
    let normalize = ParseOptions { normalize: true };
    let text = r#"{"type":["string","null"],"required":["b","a"],"enum":[["b","a"],"x","y"],"properties":{"p":{"required":["z","y"]}},"default":{"required":["z","y"]}}"#;
    let parsed = parse(text, &[], normalize).expect("parses");
    assert_eq!(
        parsed.canonical(),
        r#"{"default":{"required":["z","y"]},"enum":[["b","a"],"x","y"],"properties":{"p":{"required":["y","z"]}},"required":["a","b"],"type":["null","string"]}"#
    );
    // Without normalize, array order is kept.
    let plain = parse_ok(text);
    assert!(plain.canonical().contains(r#""required":["b","a"]"#));
}

#[test]
fn refs_resolve_locally_by_pointer_id_and_anchor() {
    let text = r##"{
        "$id": "https://example.com/order.json",
        "type": "object",
        "properties": {
            "a": {"$ref": "#/definitions/A"},
            "b": {"$ref": "#/$defs/B"},
            "c": {"$ref": "https://example.com/c.json"},
            "d": {"$ref": "#dee"}
        },
        "definitions": {"A": {"type": "string"}},
        "$defs": {
            "B": {"type": "integer"},
            "C": {"$id": "c.json", "type": "boolean"},
            "D": {"$id": "#dee", "type": "null"}
        }
    }"##;
    let writer = parse_ok(text);
    assert!(issues(&writer, &writer, Policy::Strict).is_empty());
    let reader = parse_ok(&text.replace(r#""type": "boolean""#, r#""type": "string""#));
    let found = issues(&reader, &writer, Policy::Strict);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, "#/properties/c");
}

#[test]
fn refs_to_dependencies_resolve_and_are_compared() {
    let text = r#"{"type":"object","properties":{"customer":{"$ref":"customer.json"},"email":{"$ref":"customer.json#/$defs/Email"}}}"#;
    let v1 = [Dependency::new(
        "customer.json",
        r#"{"type":"object","properties":{"id":{"type":"integer"}},"$defs":{"Email":{"type":"string"}}}"#,
    )];
    let v2 = [Dependency::new(
        "customer.json",
        r#"{"type":"object","properties":{"id":{"type":"string"}},"$defs":{"Email":{"type":"string","maxLength":5}}}"#,
    )];
    let writer = parse(text, &v1, ParseOptions::default()).expect("parses");
    let reader = parse(text, &v2, ParseOptions::default()).expect("parses");
    let found = issues(&reader, &writer, Policy::Strict);
    let paths: Vec<&str> = found.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "#/properties/customer/properties/id",
            "#/properties/email/maxLength"
        ]
    );
    assert_eq!(writer.dependencies(), &v1);
}

#[test]
fn unknown_refs_are_reference_errors_naming_them() {
    for reference in [
        "other.json",
        "https://example.com/schemas/x.json",
        "file:///etc/passwd",
        "#/definitions/missing",
        "#nowhere",
    ] {
        let text = format!(r#"{{"properties":{{"a":{{"$ref":"{reference}"}}}}}}"#);
        let err = parse_err(&text);
        assert_eq!(err.kind, ParseErrorKind::Reference, "{reference}: {err}");
        assert!(err.message.contains(reference), "{err}");
        assert_eq!(err.path.as_deref(), Some("#/properties/a/$ref"));
    }
}

#[test]
fn errors_in_dependencies_name_the_dependency() {
    let text = r#"{"$ref":"customer.json"}"#;
    let deps = [Dependency::new("customer.json", r#"{"type": "strng"}"#)];
    let err = parse(text, &deps, ParseOptions::default()).expect_err("invalid dependency");
    assert_eq!(err.file.as_deref(), Some("customer.json"));
    let deps = [Dependency::new("customer.json", r#"{"$ref":"gone.json"}"#)];
    let err = parse(text, &deps, ParseOptions::default()).expect_err("dangling reference");
    assert_eq!(err.kind, ParseErrorKind::Reference);
    assert_eq!(err.file.as_deref(), Some("customer.json"));
}

/// A `$ref` to a loopback URL where a listener counts connections: parsing must fail with a
/// reference error and nothing may connect.
#[test]
fn http_refs_are_never_fetched() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("address").port();
    let hits = Arc::new(AtomicUsize::new(0));
    let url = format!("http://127.0.0.1:{port}/x.json");
    for text in [
        format!(r#"{{"$ref":"{url}"}}"#),
        format!(r#"{{"type":"object","properties":{{"a":{{"$ref":"{url}#/definitions/A"}}}}}}"#),
        format!(r#"{{"$schema":"{url}","type":"object"}}"#),
    ] {
        let err = parse_err(&text);
        assert!(
            matches!(
                err.kind,
                ParseErrorKind::Reference | ParseErrorKind::Invalid
            ),
            "{err}"
        );
        assert!(err.message.contains(&url), "{err}");
    }
    // Give a stray connection time to arrive, then count.
    std::thread::sleep(Duration::from_millis(100));
    while let Ok((mut stream, _)) = listener.accept() {
        hits.fetch_add(1, Ordering::SeqCst);
        let mut buf = [0u8; 64];
        let _ = stream.read(&mut buf);
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "a $ref was fetched");
}

#[test]
fn reference_cycles_do_not_hang() {
    let started = Instant::now();
    let root = parse_ok(r##"{"$ref":"#"}"##);
    assert!(issues(&root, &root, Policy::Strict).is_empty());
    let mutual = r##"{
        "$defs": {
            "A": {"type":"object","properties":{"b":{"$ref":"#/$defs/B"},"n":{"type":"string"}}},
            "B": {"type":"object","properties":{"a":{"$ref":"#/$defs/A"}}}
        },
        "$ref": "#/$defs/A"
    }"##;
    let writer = parse_ok(mutual);
    assert!(issues(&writer, &writer, Policy::Strict).is_empty());
    let reader = parse_ok(&mutual.replace(r#""type":"string""#, r#""type":"integer""#));
    let found = issues(&reader, &writer, Policy::Strict);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, "#/properties/n");
    // A chain of references to references that loops.
    let looped = parse_ok(
        r##"{"$defs":{"A":{"$ref":"#/$defs/B"},"B":{"$ref":"#/$defs/A"}},"$ref":"#/$defs/A"}"##,
    );
    assert!(issues(&looped, &looped, Policy::Strict).is_empty());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn recursive_linked_list_checks_through_the_cycle() {
    let list = r##"{"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},"next":{"$ref":"#/$defs/node"}}}},"$ref":"#/$defs/node"}"##;
    let writer = parse_ok(list);
    let widened = parse_ok(&list.replace("integer", "number"));
    assert!(issues(&widened, &writer, Policy::Strict).is_empty());
    let changed = parse_ok(&list.replace("integer", "string"));
    assert_eq!(issues(&changed, &writer, Policy::Strict).len(), 1);
}

#[test]
fn combinatorial_unions_finish() {
    // Nested anyOf branches make the matching compare many pairs; memoization keeps it small.
    let mut text = String::from(r#"{"type":"string"}"#);
    for _ in 0..30 {
        text = format!(
            r#"{{"anyOf":[{text},{text},{{"type":"integer"}},{{"type":"object","properties":{{"x":{text}}}}}]}}"#
        );
        if text.len() > 2_000_000 {
            break;
        }
    }
    let started = Instant::now();
    let writer = parse_ok(&text);
    let reader = parse_ok(&text.replace("integer", "number"));
    let _ = issues(&reader, &writer, Policy::Strict);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn lenient_policy_allows_open_model_growth_but_not_new_required_properties() {
    let writer = parse_ok(r#"{"type":"object","properties":{"a":{"type":"string"}}}"#);
    let reader = parse_ok(
        r#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"additionalProperties":false}"#,
    );
    assert_eq!(issues(&reader, &writer, Policy::Strict).len(), 2);
    assert!(issues(&reader, &writer, Policy::Lenient).is_empty());
    let required = parse_ok(
        r#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["b"]}"#,
    );
    let found = issues(&required, &writer, Policy::Lenient);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, rules::JSON_REQUIRED_PROPERTY_ADDED);
}

#[test]
fn details_name_versions_and_values() {
    let writer =
        parse_ok(r#"{"type":"object","properties":{"quantity":{"type":"integer","maximum":100}}}"#);
    let reader = parse_ok(
        r#"{"type":"object","properties":{"quantity":{"type":"integer","maximum":50}},"required":["quantity"]}"#,
    );
    let found = issues(&reader, &writer, Policy::Strict);
    let details: Vec<&str> = found.iter().map(|i| i.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "property `quantity` is required in version 2 but may be absent in data written with version 1",
            "maximum of `quantity` decreased from 100 in version 1 to 50 in version 2",
        ]
    );
}

/// Runs `f` on a thread with a 2 MiB stack, the size of a tokio worker's, in which the
/// registry calls the engine.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no stack overflow or panic");
}

#[test]
fn deepest_allowed_nesting_fits_a_small_stack() {
    on_small_stack(|| {
        // 126 nested `not`s: just under serde_json's limit, and each one reverses the walk.
        let depth = 126;
        let text =
            |inner: &str| format!("{}{inner}{}", r#"{"not":"#.repeat(depth), "}".repeat(depth));
        let writer = parse_ok(&text(r#"{"type":"string"}"#));
        let reader = parse_ok(&text(r#"{"type":"integer"}"#));
        let _ = issues(&reader, &writer, Policy::Strict);
        // Properties nested as deep as the parser allows.
        let mut nested = String::from(r#"{"type":"string"}"#);
        for _ in 0..62 {
            nested = format!(r#"{{"properties":{{"a":{nested}}}}}"#);
        }
        let writer = parse_ok(&nested);
        let reader = parse_ok(&nested.replace("string", "integer"));
        assert_eq!(issues(&reader, &writer, Policy::Strict).len(), 1);
        // `items` and `allOf` nesting, the other deep shapes.
        for (open, close) in [(r#"{"items":"#, "}"), (r#"{"allOf":["#, "]}")] {
            let levels = if close == "}" { 126 } else { 62 };
            let deep =
                |inner: &str| format!("{}{inner}{}", open.repeat(levels), close.repeat(levels));
            let writer = parse_ok(&deep(r#"{"type":"string"}"#));
            let reader = parse_ok(&deep(r#"{"type":"integer"}"#));
            assert!(!issues(&reader, &writer, Policy::Strict).is_empty());
        }
    });
}

#[test]
fn long_reference_chains_fit_a_small_stack() {
    on_small_stack(|| {
        // Each definition holds the next through a property: the walk follows the chain
        // well past its depth cap without overflowing the stack.
        let count = 2_000;
        let defs: Vec<String> = (0..count)
            .map(|i| {
                let next = if i + 1 < count {
                    format!(r##"{{"$ref":"#/$defs/d{}"}}"##, i + 1)
                } else {
                    r#"{"type":"string"}"#.to_string()
                };
                format!(r#""d{i}":{{"type":"object","properties":{{"next":{next}}}}}"#)
            })
            .collect();
        let text = format!(
            r##"{{"$defs":{{{}}},"$ref":"#/$defs/d0"}}"##,
            defs.join(",")
        );
        let writer = parse_ok(&text);
        let reader = parse_ok(&text.replace(r#"{"type":"string"}"#, r#"{"type":"integer"}"#));
        let started = Instant::now();
        let _ = issues(&reader, &writer, Policy::Strict);
        assert!(started.elapsed() < Duration::from_secs(10));
        // A short chain is followed to the end.
        let short: Vec<String> = (0..20)
            .map(|i| {
                let next = if i + 1 < 20 {
                    format!(r##"{{"$ref":"#/$defs/d{}"}}"##, i + 1)
                } else {
                    r#"{"type":"string"}"#.to_string()
                };
                format!(r#""d{i}":{{"type":"object","properties":{{"next":{next}}}}}"#)
            })
            .collect();
        let text = format!(
            r##"{{"$defs":{{{}}},"$ref":"#/$defs/d0"}}"##,
            short.join(",")
        );
        let writer = parse_ok(&text);
        let reader = parse_ok(&text.replace(r#"{"type":"string"}"#, r#"{"type":"integer"}"#));
        assert_eq!(issues(&reader, &writer, Policy::Strict).len(), 1);
    });
}

#[test]
fn odd_top_level_values_are_handled() {
    // Booleans are schemas; other scalars and arrays are not.
    let anything = parse_ok("true");
    let nothing = parse_ok("false");
    assert!(issues(&anything, &nothing, Policy::Strict).is_empty());
    assert_eq!(issues(&nothing, &anything, Policy::Strict).len(), 1);
    for text in ["null", "123", "[]", r#""x""#, "{} {}", "\u{feff}{}"] {
        let err = parse_err(text);
        assert!(
            matches!(err.kind, ParseErrorKind::Syntax | ParseErrorKind::Invalid),
            "{text}: {err}"
        );
    }
    let err = parse_err(r#"{"$schema": 7}"#);
    assert_eq!(err.path.as_deref(), Some("#/$schema"));
}

#[test]
fn property_names_are_escaped_in_paths() {
    let writer = parse_ok(r#"{"properties":{"a/b~c":{"type":"string"}}}"#);
    let reader = parse_ok(r#"{"properties":{"a/b~c":{"type":"integer"}}}"#);
    let found = issues(&reader, &writer, Policy::Strict);
    assert_eq!(found[0].path, "#/properties/a~1b~0c");
    assert!(
        found[0].detail.starts_with("`a/b~c` changed type"),
        "{}",
        found[0].detail
    );
}

#[test]
fn references_between_dependencies_resolve() {
    let deps = [
        Dependency::new(
            "address.json",
            r#"{"type":"object","properties":{"city":{"type":"string"}}}"#,
        ),
        Dependency::new(
            "customer.json",
            r#"{"type":"object","properties":{"home":{"$ref":"address.json"}}}"#,
        ),
    ];
    let text = r#"{"$id":"https://example.com/schemas/order.json","properties":{"customer":{"$ref":"customer.json"}}}"#;
    let writer = parse(text, &deps, ParseOptions::default()).expect("parses");
    let mut changed = deps.clone();
    changed[0] = Dependency::new(
        "address.json",
        r#"{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string"}},"required":["zip"]}"#,
    );
    let reader = parse(text, &changed, ParseOptions::default()).expect("parses");
    let found = issues(&reader, &writer, Policy::Strict);
    let got: Vec<(&str, &str)> = found
        .iter()
        .map(|i| (i.rule.as_str(), i.path.as_str()))
        .collect();
    assert_eq!(
        got,
        [(
            "JSON_REQUIRED_PROPERTY_ADDED",
            "#/properties/customer/properties/home/properties/zip"
        )]
    );
}

#[test]
fn many_tiny_properties_are_all_checked() {
    // About 500,000 properties in 6 MB: every one is compared, the last one included.
    let count = 500_000;
    let props: Vec<String> = (0..count).map(|i| format!(r#""p{i}":{{}}"#)).collect();
    let text = format!(
        r#"{{"type":"object","properties":{{{}}}}}"#,
        props.join(",")
    );
    assert!(text.len() > 5_000_000, "{}", text.len());
    let started = Instant::now();
    let writer = parse_ok(&text);
    let last = format!(r#""p{}":{{}}"#, count - 1);
    let reader =
        parse_ok(&text.replace(&last, &format!(r#""p{}":{{"type":"string"}}"#, count - 1)));
    let found = issues(&reader, &writer, Policy::Strict);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, format!("#/properties/p{}", count - 1));
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}
