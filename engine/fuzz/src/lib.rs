//! What every fuzz target does, once, for any format; each target in `fuzz_targets/` only
//! names its format. `engine/tests/fuzz_regressions.rs` includes this file too, so the inputs
//! kept in `regressions/` replay through exactly this code on the stable toolchain.
//!
//! Left out: the registry's HTTP layer (request bodies are covered by the registry's
//! `bad_input` test over the real binary).

use std::collections::HashMap;

use stele_engine::rules::common::CHECK_LIMIT_EXCEEDED;
use stele_engine::{
    CheckOptions, Fetched, Format, Level, ParseOptions, Reference, Resolver, Schema, Versioned,
    check, resolve,
};

/// Any bytes as schema text: parsing returns a schema or an error, never panics or hangs, and
/// a schema's canonical form parses again to the same canonical form.
pub fn parse(format: Format, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for normalize in [false, true] {
        let options = ParseOptions { normalize };
        if let Ok(schema) = Schema::parse(format, text, &[], options) {
            let again = Schema::parse(format, schema.canonical(), &[], options)
                .expect("canonical form parses");
            assert_eq!(again.canonical(), schema.canonical());
        }
    }
}

/// Two schemas from one input (split at the first NUL byte), checked FULL_TRANSITIVE in both
/// orders: the check finishes without panicking, and a schema reads itself unless it is too
/// large to compare (which fails closed).
pub fn check_pair(format: Format, data: &[u8]) {
    let Some(split) = data.iter().position(|b| *b == 0) else {
        return;
    };
    let (Ok(first), Ok(second)) = (
        std::str::from_utf8(&data[..split]),
        std::str::from_utf8(&data[split + 1..]),
    ) else {
        return;
    };
    let parse = |text: &str| Schema::parse(format, text, &[], ParseOptions::default()).ok();
    let (Some(a), Some(b)) = (parse(first), parse(second)) else {
        return;
    };
    for (new, old) in [(&a, &b), (&b, &a)] {
        let _ = check(
            Level::FULL_TRANSITIVE,
            Versioned {
                version: 2,
                schema: new,
            },
            &[Versioned {
                version: 1,
                schema: old,
            }],
            CheckOptions::default(),
        );
    }
    let itself = check(
        Level::FULL,
        Versioned {
            version: 2,
            schema: &a,
        },
        &[Versioned {
            version: 1,
            schema: &a,
        }],
        CheckOptions::default(),
    );
    assert!(
        itself
            .findings
            .iter()
            .all(|f| f.rule == CHECK_LIMIT_EXCEEDED),
        "a schema must read itself: {:?}",
        itself.findings
    );
}

/// Subjects a [`references`] input can define besides its main schema.
const SUBJECTS: usize = 3;

/// A schema with Confluent references over a tiny registry of up to three subjects, in any
/// graph (cycles, self-references, diamonds, missing subjects), for any format.
///
/// Input layout: byte 0 picks the format; bytes 1..=4 are the reference sets of the main
/// schema and of subjects `s1`..`s3` (bit `i` references `s{i+1}`, bit 3 a subject that does
/// not exist); the rest, split at NUL bytes, are the texts of the main schema and `s1`..`s3`.
/// Resolution returns dependencies or an error (a cycle or a missing subject is an error,
/// never a hang); a schema that parses with them has a canonical form that parses again to
/// itself with the same dependencies, and reads itself.
pub fn references(data: &[u8]) {
    let Some((header, texts)) = data.split_at_checked(5) else {
        return;
    };
    let format = match header[0] % 3 {
        0 => Format::Avro,
        1 => Format::Protobuf,
        _ => Format::Json,
    };
    let edges = &header[1..];
    let Ok(texts) = std::str::from_utf8(texts) else {
        return;
    };
    let mut texts = texts.split('\0');
    let main = texts.next().unwrap_or_default();
    let refs = |bits: u8| -> Vec<Reference> {
        (0..=SUBJECTS)
            .filter(|i| bits & (1 << i) != 0)
            .map(|i| {
                let subject = if i == SUBJECTS {
                    "missing".to_string()
                } else {
                    format!("s{}", i + 1)
                };
                Reference {
                    name: reference_name(format, &subject),
                    subject,
                    version: 1,
                }
            })
            .collect()
    };
    let mut registry = Registry(HashMap::new());
    for (i, text) in texts.take(SUBJECTS).enumerate() {
        registry.0.insert(
            format!("s{}", i + 1),
            Fetched {
                text: text.to_string(),
                references: refs(edges[i + 1]),
            },
        );
    }
    let main_refs = refs(edges[0]);
    let Ok(deps) = resolve(&main_refs, &registry) else {
        return;
    };
    let options = ParseOptions::default();
    let Ok(schema) = Schema::parse(format, main, &deps, options) else {
        return;
    };
    let again = Schema::parse(format, schema.canonical(), &deps, options)
        .expect("canonical form parses with the same references");
    assert_eq!(again.canonical(), schema.canonical());
    assert_eq!(again.fingerprint(), schema.fingerprint());
    let itself = check(
        Level::FULL,
        Versioned {
            version: 2,
            schema: &again,
        },
        &[Versioned {
            version: 1,
            schema: &schema,
        }],
        CheckOptions::default(),
    );
    assert!(
        itself
            .findings
            .iter()
            .all(|f| f.rule == CHECK_LIMIT_EXCEEDED),
        "a schema must read itself: {:?}",
        itself.findings
    );
}

/// The name a schema of `format` uses for the subject it references: a type name (Avro), an
/// import path (Protobuf) or a `$ref` URL (JSON Schema).
fn reference_name(format: Format, subject: &str) -> String {
    match format {
        Format::Avro => subject.to_uppercase(),
        Format::Protobuf => format!("{subject}.proto"),
        Format::Json => format!("{subject}.json"),
    }
}

/// The subjects of a [`references`] input, each with one version.
struct Registry(HashMap<String, Fetched>);

impl Resolver for Registry {
    fn fetch(&self, subject: &str, version: i32) -> Option<Fetched> {
        (version == 1)
            .then(|| self.0.get(subject).cloned())
            .flatten()
    }
}
