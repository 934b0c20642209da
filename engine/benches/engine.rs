//! Engine benchmarks: the sizes the foundation issue names.
//!
//! - an Avro record of 500 fields checked BACKWARD_TRANSITIVE against 50 earlier versions;
//! - a `.proto` file of 200 messages checked BACKWARD against its previous version;
//! - a JSON Schema of 500 properties checked BACKWARD against its previous version (a closed
//!   content model, where the added optional property is a compatible change).
//!
//! Each is measured twice: the check alone on already-parsed schemas (what the registry does,
//! since it keeps parsed versions), and parse plus check from text (what the CLI does).
//! Run with `cargo bench -p stele-engine`; benchmarks are not part of the test suite.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use stele_engine::{CheckOptions, Format, Level, ParseOptions, Schema, Versioned, check};

/// Version `v` (1-based) of a record whose first version has `base` fields; each later version
/// adds one optional field with a default, so every version reads all earlier ones.
fn avro_version(base: usize, v: usize) -> String {
    let mut fields = Vec::new();
    for i in 0..base + v - 1 {
        let ty = match i % 5 {
            0 => r#""long""#,
            1 => r#""string""#,
            2 => r#"{"type":"enum","name":"Status__I","symbols":["A","B","C"]}"#,
            3 => r#"["null","double"]"#,
            _ => r#"{"type":"array","items":"int"}"#,
        }
        .replace("__I", &i.to_string());
        let default = if i >= base {
            match i % 5 {
                0 => r#","default":0"#,
                1 => r#","default":"""#,
                2 => r#","default":"A""#,
                3 => r#","default":null"#,
                _ => r#","default":[]"#,
            }
        } else {
            ""
        };
        fields.push(format!(r#"{{"name":"f{i}","type":{ty}{default}}}"#));
    }
    format!(
        r#"{{"type":"record","name":"Wide","namespace":"bench","fields":[{}]}}"#,
        fields.join(",")
    )
}

fn proto_file(messages: usize, extra_field: bool) -> String {
    let mut text = String::from("syntax = \"proto3\";\npackage bench.v1;\n\n");
    for m in 0..messages {
        text.push_str(&format!("message M{m} {{\n"));
        text.push_str("  string id = 1;\n  int64 amount = 2;\n  repeated string tags = 3;\n");
        if m > 0 {
            text.push_str(&format!("  M{} parent = 4;\n", m - 1));
        }
        text.push_str("  map<string, int32> counts = 5;\n");
        if extra_field {
            text.push_str("  bool flagged = 6;\n");
        }
        text.push_str("}\n\n");
    }
    text
}

fn json_schema(properties: usize, extra: bool) -> String {
    let mut props = Vec::new();
    for i in 0..properties {
        let ty = match i % 4 {
            0 => r#"{"type":"string","maxLength":64}"#.to_string(),
            1 => r#"{"type":"integer","minimum":0}"#.to_string(),
            2 => r#"{"type":"array","items":{"type":"string"}}"#.to_string(),
            _ => r#"{"type":"object","properties":{"a":{"type":"number"}}}"#.to_string(),
        };
        props.push(format!(r#""p{i}":{ty}"#));
    }
    if extra {
        props.push(r#""added":{"type":"string"}"#.to_string());
    }
    format!(
        r#"{{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{{{}}},"required":["p0","p1"],"additionalProperties":false}}"#,
        props.join(",")
    )
}

fn parse(format: Format, text: &str) -> Schema {
    Schema::parse(format, text, &[], ParseOptions::default()).expect("benchmark schema parses")
}

fn avro(c: &mut Criterion) {
    let texts: Vec<String> = (1..=51).map(|v| avro_version(450, v)).collect();
    let schemas: Vec<Schema> = texts.iter().map(|t| parse(Format::Avro, t)).collect();
    let (new, previous) = schemas.split_last().expect("51 versions");
    let previous: Vec<Versioned<'_>> = previous
        .iter()
        .zip(1..)
        .map(|(schema, version)| Versioned { version, schema })
        .collect();
    let new = Versioned {
        version: 51,
        schema: new,
    };
    let report = check(
        Level::BACKWARD_TRANSITIVE,
        new,
        &previous,
        CheckOptions::default(),
    );
    assert!(
        report.compatible,
        "benchmark history must be compatible: {report:?}"
    );
    c.bench_function("avro 500 fields, BACKWARD_TRANSITIVE x50, check", |b| {
        b.iter(|| {
            check(
                Level::BACKWARD_TRANSITIVE,
                black_box(new),
                black_box(&previous),
                CheckOptions::default(),
            )
        })
    });
    c.bench_function("avro 500 fields, parse 1 of them", |b| {
        b.iter(|| parse(Format::Avro, black_box(&texts[50])))
    });
}

/// Benchmarks one BACKWARD check of `new_text` against `old_text`: on parsed schemas, and
/// from text.
fn bench_pair(c: &mut Criterion, name: &str, format: Format, old_text: &str, new_text: &str) {
    let old = parse(format, old_text);
    let new = parse(format, new_text);
    let backward = |old: &Schema, new: &Schema| {
        check(
            Level::BACKWARD,
            Versioned {
                version: 2,
                schema: new,
            },
            &[Versioned {
                version: 1,
                schema: old,
            }],
            CheckOptions::default(),
        )
    };
    assert!(
        backward(&old, &new).compatible,
        "{name}: must be compatible"
    );
    c.bench_function(&format!("{name}, BACKWARD, check"), |b| {
        b.iter(|| backward(black_box(&old), black_box(&new)))
    });
    c.bench_function(&format!("{name}, parse + check"), |b| {
        b.iter(|| {
            let old = parse(format, black_box(old_text));
            let new = parse(format, black_box(new_text));
            backward(&old, &new)
        })
    });
}

fn protobuf(c: &mut Criterion) {
    let (old, new) = (proto_file(200, false), proto_file(200, true));
    bench_pair(c, "protobuf 200 messages", Format::Protobuf, &old, &new);
}

fn json(c: &mut Criterion) {
    let (old, new) = (json_schema(500, false), json_schema(500, true));
    bench_pair(c, "json 500 properties", Format::Json, &old, &new);
}

criterion_group!(benches, avro, protobuf, json);
criterion_main!(benches);
