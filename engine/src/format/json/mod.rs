//! JSON Schema: parsing, the canonical form, and the compatibility check.
//!
//! Parsing: the text is read with serde_json (errors carry line and column; lone surrogate
//! escapes such as `"\udc00"` are rejected there; serde_json's 128-level recursion limit
//! bounds nesting). `$schema` picks the draft (4, 6, 7, 2019-09 or 2020-12; Confluent's
//! default, draft 7, when absent); an unknown `$schema` URL is an error and is never fetched.
//! The schema and each referenced schema are validated against their draft's meta-schema with
//! the `jsonschema` crate, by calling that draft's meta validator directly, so nothing is
//! retrieved. Then `model.rs` builds the typed model the checker walks, resolving every
//! `$ref` within the document or among the supplied dependencies; anything else is a
//! `Reference` error naming the reference.
//!
//! Canonical form: compact JSON with object keys sorted at every level, so white space and key
//! order do not matter. Confluent's `normalize` for JSON Schema re-reads the schema with map
//! keys ordered (and sorts the references); our canonical form already does that, so with
//! `normalize` set we additionally sort and de-duplicate the string arrays of `required` and
//! `type` in schema positions, whose order carries no meaning.
//!
//! Compatibility: `compat.rs` follows Confluent's JSON Schema diff rules.
//!
//! Left out: `format` (Confluent does not compare it: a changed `format` is compatible), and
//! per-document drafts for referenced schemas (references are read with the referencing
//! schema's draft when they do not name their own, and modelled with the root's draft).

mod compat;
mod model;

use std::sync::Arc;

use serde_json::Value;

use crate::finding::Issue;
use crate::format::{MAX_SCHEMA_BYTES, ParseError, ParseErrorKind, ParseOptions};
use crate::level::Pair;
use crate::references::Dependency;

use model::{Draft, Model};

/// Longest meta-schema error message kept: the validator quotes the offending value, which
/// can be most of a large schema.
const MAX_MESSAGE_CHARS: usize = 300;

/// A parsed JSON Schema document with its references.
#[derive(Debug, Clone)]
pub struct Parsed {
    canonical: String,
    deps: Vec<Dependency>,
    model: Arc<Model>,
}

impl Parsed {
    /// Compact JSON with sorted keys (and, with `normalize`, sorted `required`/`type`).
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The referenced schemas this schema was parsed with.
    pub fn dependencies(&self) -> &[Dependency] {
        &self.deps
    }
}

/// Parses a JSON Schema. `deps` are the referenced schemas, named as the `$ref`s name them.
pub fn parse(text: &str, deps: &[Dependency], options: ParseOptions) -> Result<Parsed, ParseError> {
    let value = read(text)?;
    let draft = draft_of(&value, Draft::D7)?;
    meta_validate(&value, draft)?;
    let mut dep_values = Vec::with_capacity(deps.len());
    for dep in deps {
        let dep_value = read(&dep.text).map_err(|e| e.in_file(&dep.name))?;
        let dep_draft = draft_of(&dep_value, draft).map_err(|e| e.in_file(&dep.name))?;
        meta_validate(&dep_value, dep_draft).map_err(|e| e.in_file(&dep.name))?;
        dep_values.push(dep_value);
    }
    let named: Vec<(&str, &Value)> = deps
        .iter()
        .zip(&dep_values)
        .map(|(dep, value)| (dep.name.as_str(), value))
        .collect();
    let model = model::load(&value, &named, draft)?;
    let canonical = if options.normalize {
        canonical_text(&normalized(&value))
    } else {
        canonical_text(&value)
    };
    Ok(Parsed {
        canonical,
        deps: deps.to_vec(),
        model: Arc::new(model),
    })
}

/// Findings that stop `reader` from reading data written with `writer`.
pub fn can_read(reader: &Parsed, writer: &Parsed, pair: &Pair, out: &mut Vec<Issue>) {
    compat::can_read(&reader.model, &writer.model, pair, out);
}

/// Reads JSON text, turning serde_json's errors into located parse errors.
fn read(text: &str) -> Result<Value, ParseError> {
    if text.len() > MAX_SCHEMA_BYTES {
        return Err(ParseError::new(
            ParseErrorKind::TooLarge,
            format!(
                "schema is {} bytes, larger than the limit of {MAX_SCHEMA_BYTES} bytes",
                text.len()
            ),
        ));
    }
    serde_json::from_str::<Value>(text).map_err(|e| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; we carry those as fields instead.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(before, _)| before)
            .to_string();
        let kind = if message.contains("recursion limit") {
            ParseErrorKind::TooLarge
        } else {
            ParseErrorKind::Syntax
        };
        let message = if kind == ParseErrorKind::TooLarge {
            "schema is nested more than 128 levels deep".to_string()
        } else {
            format!("invalid JSON: {message}")
        };
        let line = u32::try_from(e.line()).unwrap_or(u32::MAX);
        let column = u32::try_from(e.column()).unwrap_or(u32::MAX);
        ParseError::new(kind, message).at(line, column)
    })
}

/// The draft `$schema` names, or `default` without one.
fn draft_of(value: &Value, default: Draft) -> Result<Draft, ParseError> {
    match value.get("$schema") {
        None => Ok(default),
        Some(Value::String(url)) => Draft::from_url(url).ok_or_else(|| {
            ParseError::new(
                ParseErrorKind::Invalid,
                format!(
                    "unknown `$schema` `{url}`; supported are drafts 4, 6 and 7 \
                     (http://json-schema.org/draft-07/schema#), 2019-09 and 2020-12 \
                     (https://json-schema.org/draft/2020-12/schema)"
                ),
            )
            .at_path("#/$schema")
        }),
        Some(_) => Err(
            ParseError::new(ParseErrorKind::Invalid, "`$schema` must be a string")
                .at_path("#/$schema"),
        ),
    }
}

/// Checks `value` against its draft's meta-schema.
fn meta_validate(value: &Value, draft: Draft) -> Result<(), ParseError> {
    let result = match draft {
        Draft::D4 => jsonschema::draft4::meta::validate(value),
        Draft::D6 => jsonschema::draft6::meta::validate(value),
        Draft::D7 => jsonschema::draft7::meta::validate(value),
        Draft::D201909 => jsonschema::draft201909::meta::validate(value),
        Draft::D202012 => jsonschema::draft202012::meta::validate(value),
    };
    result.map_err(|error| {
        let mut message = error.to_string();
        if message.chars().count() > MAX_MESSAGE_CHARS {
            message = message.chars().take(MAX_MESSAGE_CHARS).collect::<String>() + "...";
        }
        let path = error.instance_path().as_str();
        ParseError::new(
            ParseErrorKind::Invalid,
            format!("not a valid JSON Schema: {message}"),
        )
        .at_path(format!("#{path}"))
    })
}

/// Compact JSON with object keys sorted at every level.
pub(crate) fn canonical_text(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, child)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(child, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, child) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(child, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Keywords whose value is a schema.
const SCHEMA_KEYWORDS: [&str; 12] = [
    "additionalProperties",
    "unevaluatedProperties",
    "additionalItems",
    "unevaluatedItems",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "contentSchema",
    "items",
];
/// Keywords whose value is an array of schemas.
const SCHEMA_ARRAY_KEYWORDS: [&str; 5] = ["allOf", "anyOf", "oneOf", "prefixItems", "items"];
/// Keywords whose value maps names to schemas.
const SCHEMA_MAP_KEYWORDS: [&str; 6] = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
];

/// A copy of `value` with `required` and `type` arrays sorted and de-duplicated in every
/// schema position.
fn normalized(value: &Value) -> Value {
    let Value::Object(map) = value else {
        return value.clone();
    };
    let mut out = serde_json::Map::new();
    for (key, child) in map {
        let child = match key.as_str() {
            "required" | "type" => match child {
                Value::Array(items) if items.iter().all(Value::is_string) => {
                    let mut names: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                    names.sort_unstable();
                    names.dedup();
                    Value::Array(names.into_iter().map(Value::from).collect())
                }
                other => other.clone(),
            },
            k if SCHEMA_ARRAY_KEYWORDS.contains(&k) && child.is_array() => match child {
                Value::Array(items) => Value::Array(items.iter().map(normalized).collect()),
                other => other.clone(),
            },
            k if SCHEMA_KEYWORDS.contains(&k) => normalized(child),
            k if SCHEMA_MAP_KEYWORDS.contains(&k) => match child {
                Value::Object(entries) => Value::Object(
                    entries
                        .iter()
                        .map(|(name, schema)| (name.clone(), normalized(schema)))
                        .collect(),
                ),
                other => other.clone(),
            },
            _ => child.clone(),
        };
        out.insert(key.clone(), child);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests;
