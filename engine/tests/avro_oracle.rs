//! Our Avro verdict against apache-avro's real read-time resolution.
//!
//! Generates small (writer schema, reader schema, datum) triples: records with a few fields of
//! primitive, promotable, enum, union, array and map types, with or without reader defaults,
//! enums whose symbols are subsets of each other, and fields added, dropped or retyped. Whenever our
//! `can_read` says the reader can read the writer's data, apache-avro must actually decode a
//! datum written with the writer schema using the reader schema. (Equivalently: whenever that
//! decoding fails, we must have said incompatible.) The converse is not checked: one datum does
//! not exercise every branch, so "incompatible" with a successful decode is expected.
//!
//! Renamed fields are not generated: apache-avro 0.22's read-time resolution ignores the
//! reader's field aliases ("Missing field in record"), although the specification and Avro
//! Java use them, so it cannot serve as the oracle there.

use std::collections::HashMap;

use apache_avro::Schema as AvroSchema;
use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::types::Value as Avro;
use apache_avro::writer::datum::GenericDatumWriter;
use proptest::prelude::*;
use serde_json::{Value, json};
use stele_engine::{CheckOptions, Format, ParseOptions, Schema, Versioned};

const PRIMS: [&str; 8] = [
    "null", "boolean", "int", "long", "float", "double", "string", "bytes",
];
const SYMBOLS: [&str; 4] = ["A", "B", "C", "D"];

/// A field type in the generated schemas.
#[derive(Debug, Clone)]
enum Ft {
    Prim(&'static str),
    /// Symbols and the index of the enum's default symbol, if any.
    Enum(Vec<&'static str>, Option<usize>),
    Union(&'static str, &'static str),
    Array(&'static str),
    Map(&'static str),
}

fn ft() -> impl Strategy<Value = Ft> {
    prop_oneof![
        3 => prop::sample::select(PRIMS.to_vec()).prop_map(Ft::Prim),
        2 => (
            prop::sample::subsequence(SYMBOLS.to_vec(), 1..=4),
            prop::option::of(0usize..4)
        )
            .prop_map(|(symbols, default)| {
                let default = default.filter(|d| *d < symbols.len());
                Ft::Enum(symbols, default)
            }),
        2 => (
            prop::sample::select(vec![
                ("null", "int"),
                ("null", "string"),
                ("int", "long"),
                ("null", "long"),
                ("string", "bytes"),
                ("float", "double"),
                ("null", "double"),
            ]),
            any::<bool>()
        )
            .prop_map(|((a, b), swap)| if swap { Ft::Union(b, a) } else { Ft::Union(a, b) }),
        1 => prop::sample::select(PRIMS.to_vec()).prop_map(Ft::Array),
        1 => prop::sample::select(PRIMS.to_vec()).prop_map(Ft::Map),
    ]
}

/// What the reader does with one field slot.
#[derive(Debug, Clone)]
enum ReaderChoice {
    Same,
    Other(Ft),
    Absent,
}

#[derive(Debug, Clone)]
struct Slot {
    writer: Option<Ft>,
    reader: ReaderChoice,
    reader_default: bool,
    seed: u64,
}

fn slot() -> impl Strategy<Value = Slot> {
    (
        prop::option::weighted(0.8, ft()),
        prop_oneof![
            4 => Just(ReaderChoice::Same),
            3 => ft().prop_map(ReaderChoice::Other),
            1 => Just(ReaderChoice::Absent),
        ],
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(|(writer, reader, reader_default, seed)| Slot {
            writer,
            reader,
            reader_default,
            seed,
        })
}

fn type_json(ft: &Ft, slot: usize) -> Value {
    match ft {
        Ft::Prim(p) => json!(p),
        Ft::Enum(symbols, default) => {
            let mut e = json!({"type": "enum", "name": format!("E{slot}"), "symbols": symbols});
            if let Some(d) = default {
                e["default"] = json!(symbols[*d]);
            }
            e
        }
        Ft::Union(a, b) => json!([a, b]),
        Ft::Array(items) => json!({"type": "array", "items": items}),
        Ft::Map(values) => json!({"type": "map", "values": values}),
    }
}

fn default_json(ft: &Ft) -> Value {
    match ft {
        Ft::Prim("null") => Value::Null,
        Ft::Prim("boolean") => json!(false),
        Ft::Prim("int" | "long") => json!(0),
        Ft::Prim("float" | "double") => json!(0.5),
        Ft::Prim(_) => json!(""),
        Ft::Enum(symbols, _) => json!(symbols[0]),
        Ft::Union(a, _) => default_json(&Ft::Prim(a)),
        Ft::Array(_) => json!([]),
        Ft::Map(_) => json!({}),
    }
}

fn datum(ft: &Ft, seed: u64) -> Avro {
    match ft {
        Ft::Prim(p) => match *p {
            "null" => Avro::Null,
            "boolean" => Avro::Boolean(seed.is_multiple_of(2)),
            "int" => Avro::Int(seed as i32),
            "long" => Avro::Long(seed as i64),
            "float" => Avro::Float((seed % 1000) as f32 / 4.0),
            "double" => Avro::Double((seed % 1000) as f64 / 8.0),
            "string" => Avro::String(format!("s{seed}")),
            // The bytes-to-string promotion assumes the bytes are UTF-8, as a writer that
            // moved from string to bytes would produce; arbitrary bytes cannot become a string.
            _ => Avro::Bytes(format!("b{seed}").into_bytes()),
        },
        Ft::Enum(symbols, _) => {
            let i = (seed % symbols.len() as u64) as usize;
            Avro::Enum(i as u32, symbols[i].to_string())
        }
        Ft::Union(a, b) => {
            let i = (seed / 7 % 2) as u32;
            let branch = if i == 0 { a } else { b };
            Avro::Union(i, Box::new(datum(&Ft::Prim(branch), seed)))
        }
        Ft::Array(items) => Avro::Array(
            (0..seed % 3)
                .map(|k| datum(&Ft::Prim(items), seed.wrapping_add(k)))
                .collect(),
        ),
        Ft::Map(values) => Avro::Map(
            (0..seed % 3)
                .map(|k| {
                    (
                        format!("k{k}"),
                        datum(&Ft::Prim(values), seed.wrapping_add(k)),
                    )
                })
                .collect(),
        ),
    }
}

fn schemas(slots: &[Slot]) -> (Value, Value, Avro) {
    let mut writer_fields = Vec::new();
    let mut reader_fields = Vec::new();
    let mut values = Vec::new();
    for (i, slot) in slots.iter().enumerate() {
        let name = format!("f{i}");
        if let Some(w) = &slot.writer {
            writer_fields.push(json!({"name": name, "type": type_json(w, i)}));
            values.push((name.clone(), datum(w, slot.seed)));
        }
        let reader_ft = match (&slot.reader, &slot.writer) {
            (ReaderChoice::Absent, _) => None,
            (ReaderChoice::Same, Some(w)) => Some(w.clone()),
            (ReaderChoice::Same, None) => Some(Ft::Prim("string")),
            (ReaderChoice::Other(ft), _) => Some(ft.clone()),
        };
        if let Some(r) = reader_ft {
            let mut field = json!({"name": name, "type": type_json(&r, i)});
            if slot.reader_default {
                field["default"] = default_json(&r);
            }
            reader_fields.push(field);
        }
    }
    let writer = json!({"type": "record", "name": "R", "fields": writer_fields});
    let reader = json!({"type": "record", "name": "R", "fields": reader_fields});
    (writer, reader, Avro::Record(values))
}

fn ours_compatible(reader: &str, writer: &str) -> bool {
    let parse = |text: &str| {
        Schema::parse(Format::Avro, text, &[], ParseOptions::default()).expect("generated schema")
    };
    let (reader, writer) = (parse(reader), parse(writer));
    stele_engine::level::can_read(
        Versioned {
            version: 2,
            schema: &reader,
        },
        Versioned {
            version: 1,
            schema: &writer,
        },
        CheckOptions::default(),
    )
    .is_empty()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn compatible_means_apache_avro_can_resolve(slots in prop::collection::vec(slot(), 1..5)) {
        let (writer, reader, value) = schemas(&slots);
        let (writer_text, reader_text) = (writer.to_string(), reader.to_string());
        let ours = ours_compatible(&reader_text, &writer_text);
        let writer_schema = AvroSchema::parse_str(&writer_text).expect("apache-avro parses the writer");
        let reader_schema = AvroSchema::parse_str(&reader_text).expect("apache-avro parses the reader");
        let bytes = GenericDatumWriter::builder(&writer_schema)
            .build()
            .and_then(|w| w.write_value_to_vec(value.clone()))
            .expect("datum matches the writer");
        let decoded = GenericDatumReader::builder(&writer_schema)
            .reader_schema(&reader_schema)
            .build()
            .and_then(|r| r.read_value(&mut bytes.as_slice()));
        if ours {
            prop_assert!(
                decoded.is_ok(),
                "we said compatible but resolution failed: {:?}\nwriter: {writer_text}\nreader: {reader_text}\ndatum: {value:?}",
                decoded.err()
            );
        }
        if decoded.is_err() {
            prop_assert!(!ours);
        }
    }
}

/// The generator must produce both verdicts often enough for the property to mean something.
#[test]
fn generator_produces_both_verdicts() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = prop::collection::vec(slot(), 1..5);
    let mut verdicts: HashMap<bool, usize> = HashMap::new();
    for _ in 0..200 {
        let slots = strategy.new_tree(&mut runner).expect("generates").current();
        let (writer, reader, _) = schemas(&slots);
        *verdicts
            .entry(ours_compatible(&reader.to_string(), &writer.to_string()))
            .or_default() += 1;
    }
    assert!(
        verdicts.get(&true).copied().unwrap_or(0) >= 20
            && verdicts.get(&false).copied().unwrap_or(0) >= 20,
        "{verdicts:?}"
    );
}
