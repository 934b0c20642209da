//! Avro: parse a schema text (with the texts of the schemas it references), give it a stable
//! canonical form and fingerprints, and check whether one version can read another's data.
//!
//! Parsing goes through three gates, in this order:
//! 1. serde_json reads the text. Syntax errors carry line and column; serde_json's limit of 128
//!    nested arrays and objects is the first depth guard.
//! 2. Stele builds its own model (`model.rs`), which caps type nesting at
//!    [`crate::format::MAX_DEPTH`] and rejects what apache-avro lets through: defaults of the
//!    wrong type (a union's default must match its first branch), a fullname defined twice with
//!    different bodies, fixed sizes above `i32::MAX`, plus invalid names and duplicate fields or
//!    symbols, each with a path. It also caps the depth of the schema with every referenced
//!    type written out in place (twice `MAX_DEPTH`), which bounds the Parsing Canonical Form
//!    and the compatibility walk when references chain.
//! 3. apache-avro parses the same texts (`Schema::parse_str_with_list`, so named types resolve
//!    across references) as a last check. It runs only on input that passed the depth cap,
//!    because its parser recurses without bound.
//!
//! References are Confluent's: `deps` holds the texts of other schemas whose named types this
//! one uses by fullname, dependencies first. A name that resolves nowhere is an error naming it.
//!
//! The canonical and normalized forms, the Parsing Canonical Form and the Rabin fingerprint are
//! described in `canonical.rs`; the compatibility rules in `compat.rs`. Not supported: Avro
//! protocols (`.avpr`) and the `error` type, which only protocols use.

mod canonical;
mod compat;
pub(crate) mod model;

use serde_json::Value;

use crate::finding::Issue;
use crate::format::{ParseError, ParseErrorKind, ParseOptions};
use crate::level::Pair;
use crate::references::Dependency;

use model::{Builder, Model};

/// A parsed Avro schema.
#[derive(Debug, Clone)]
pub struct Parsed {
    model: Model,
    canonical: String,
    deps: Vec<Dependency>,
}

impl Parsed {
    /// The canonical text: compact JSON with a fixed key order, names written once and
    /// namespaces only where they change, custom properties sorted; field order, defaults,
    /// aliases, `doc`, logical types and `order` kept. With `normalize`, Confluent's
    /// normalized form instead: fullnames everywhere and aliases sorted. `canonical.rs`
    /// documents both exactly.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The referenced schemas this schema was parsed with, dependencies first.
    pub fn dependencies(&self) -> &[Dependency] {
        &self.deps
    }

    /// The model the canonical forms and the checker work over; the outline and the lint walk
    /// it too.
    pub(crate) fn model(&self) -> &Model {
        &self.model
    }

    /// The specification's Parsing Canonical Form, with referenced types inlined and logical
    /// types reduced to their underlying type.
    pub fn parsing_canonical_form(&self) -> String {
        canonical::parsing_canonical_form(&self.model)
    }

    /// The specification's 64-bit Rabin fingerprint (CRC-64-AVRO) of the Parsing Canonical Form.
    /// Avro libraries print it as the hex of its little-endian bytes.
    pub fn rabin_fingerprint(&self) -> u64 {
        canonical::rabin(self.parsing_canonical_form().as_bytes())
    }
}

/// Parses an Avro schema text. `deps` are the referenced schemas' texts, dependencies first.
pub fn parse(text: &str, deps: &[Dependency], options: ParseOptions) -> Result<Parsed, ParseError> {
    let mut builder = Builder::new();
    for dep in deps {
        let value = crate::format::read_json(&dep.text).map_err(|e| e.in_file(&dep.name))?;
        builder
            .add_dependency(&value)
            .map_err(|e| e.in_file(&dep.name))?;
    }
    let mut value = crate::format::read_json(text)?;
    let model = builder.finish(&value)?;

    // Last gate: apache-avro's own parser, on input already known to be shallow. Field defaults
    // are left out: the model has checked them against the underlying type as Avro Java does,
    // while apache-avro also checks them against logical types (it rejects a uuid field whose
    // default is "", which Confluent accepts). It reads the value parsed above rather than the
    // text: a JSON tree takes many times its text, so parsing it again (twice, once to strip
    // the defaults and once in apache-avro) set the peak memory of large schemas.
    strip_field_defaults(&mut value);
    let avro_result = if deps.is_empty() {
        apache_avro::Schema::parse(&value).map(|_| ())
    } else {
        // References go through apache-avro's list parser, which takes texts.
        let text_for_avro = value.to_string();
        drop(value);
        let dep_texts: Vec<String> = deps
            .iter()
            .map(|d| without_field_defaults(&d.text))
            .collect();
        apache_avro::Schema::parse_str_with_list(&text_for_avro, &dep_texts).map(|_| ())
    };
    if let Err(e) = avro_result {
        return Err(ParseError::new(
            ParseErrorKind::Invalid,
            format!("invalid Avro schema: {e}"),
        ));
    }

    let canonical = canonical::canonical(&model, options.normalize);
    Ok(Parsed {
        model,
        canonical,
        deps: deps.to_vec(),
    })
}

/// The schema text with every record field's `default` removed. Only called on text that
/// already parsed, so the JSON is at most 128 levels deep and the recursion is bounded.
fn without_field_defaults(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(mut value) => {
            strip_field_defaults(&mut value);
            value.to_string()
        }
        Err(_) => text.to_string(),
    }
}

/// Removes every record field's `default` from a parsed schema.
fn strip_field_defaults(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::Array(fields)) = object.get_mut("fields") {
                for field in fields.iter_mut() {
                    if let Value::Object(field) = field {
                        field.remove("default");
                    }
                }
            }
            object.values_mut().for_each(strip_field_defaults);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_field_defaults),
        _ => {}
    }
}

/// Pushes every problem that stops `reader` from reading data written with `writer`.
pub fn can_read(reader: &Parsed, writer: &Parsed, pair: &Pair, out: &mut Vec<Issue>) {
    compat::can_read(&reader.model, &writer.model, pair, out);
}

#[cfg(test)]
mod tests;
