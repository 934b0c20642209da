//! JSON Schema's [`Contract`]: the root schema is the event when it describes an object, and
//! its `title` is the event's name; the root and each `$defs` (or `definitions`) entry are its
//! types; every `properties` entry anywhere in the document is a field.
//!
//! The compatibility model (`format/json/model.rs`) drops annotations, so the lint reads the
//! document itself, re-read from the canonical text (keys sorted, so findings come in key
//! order) with the referenced documents beside it. A field is documented by a `description`
//! on its own schema or on the schema its `$ref` points at (before draft 2019-09, keywords
//! beside `$ref` are ignored, so the target is the only place to document it). `$ref`s resolve
//! within the document and to the supplied references only (by name, by `$id`, or by a name
//! one ends with), never fetched; the envelope search follows them. The personal-data marker
//! is Confluent's data-contract tag on the property's schema: `"confluent:tags": ["PII"]`.
//! Paths are JSON pointers (`#/properties/envelope/properties/eventId`).

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::contract::{Contract, Doc, EventDecl, FieldDecl, TypeDecl, TypeKind};
use crate::format::Format;
use crate::format::json::Parsed;

/// Longest chain of `$ref`s followed from one place; longer is almost certainly a cycle.
const MAX_REF_HOPS: usize = 16;

/// Most schemas the envelope search visits; an envelope is found within a few.
const MAX_VISITS: usize = 10_000;

/// Deepest the walk descends; serde_json already refuses documents nested beyond 128 levels.
const MAX_WALK_DEPTH: usize = 256;

/// Keywords whose value is one schema (or, for `items` before 2020-12, an array of schemas).
const SUBSCHEMA: &[&str] = &[
    "items",
    "additionalItems",
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "contentSchema",
];

/// Keywords whose value is an array of schemas.
const SUBSCHEMA_ARRAY: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

/// Keywords whose value maps names to schemas that are not fields.
const SUBSCHEMA_MAP: &[&str] = &["patternProperties", "dependentSchemas", "dependencies"];

/// One document: the schema itself (index 0) or a reference.
struct Document {
    value: Value,
    name: String,
    id: Option<String>,
}

pub(super) fn contract(parsed: &Parsed) -> Contract {
    // Both texts parsed before (the schema's canonical form is compact JSON written from a
    // value), so reading them again cannot fail; `Null` keeps this total regardless.
    let read = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    let mut docs = vec![Document {
        value: read(parsed.canonical()),
        name: String::new(),
        id: None,
    }];
    for dep in parsed.dependencies() {
        let value = read(&dep.text);
        let id = value.get("$id").and_then(Value::as_str).map(str::to_string);
        docs.push(Document {
            value,
            name: dep.name.clone(),
            id,
        });
    }
    let docs = Docs { docs };
    let mut contract = Contract::new(Format::Json);
    let root = &docs.docs[0].value;
    if let Value::Object(object) = root {
        contract.types.push(TypeDecl {
            kind: TypeKind::Schema,
            name: object
                .get("title")
                .and_then(Value::as_str)
                .map(str::to_string),
            path: "#".to_string(),
            name_path: "#/title".to_string(),
            doc: Doc::of(object.get("description").and_then(Value::as_str)),
            enumeration: None,
        });
        if describes_object(object) {
            contract.event = Some(EventDecl {
                name: object
                    .get("title")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                path: "#".to_string(),
                name_path: "#/title".to_string(),
                envelope_fields: docs.envelope_fields(root),
            });
        }
    }
    let mut walk = Walk {
        docs: &docs,
        contract: &mut contract,
    };
    walk.schema(root, "#", 0);
    contract
}

/// Whether a root schema describes an object: it says `"type": "object"` or lists
/// properties, or composes schemas that may.
fn describes_object(object: &Map<String, Value>) -> bool {
    let typed_object = match object.get("type") {
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
        _ => false,
    };
    typed_object
        || ["properties", "allOf", "anyOf", "oneOf", "$ref"]
            .iter()
            .any(|k| object.contains_key(*k))
}

/// A JSON pointer token: `~` and `/` escaped.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

struct Docs {
    docs: Vec<Document>,
}

impl Docs {
    /// The document a `$ref` base names, by name, `$id`, or a name that one ends with.
    fn find(&self, base: &str) -> Option<usize> {
        let ends = |long: &str, short: &str| long.ends_with(&format!("/{short}"));
        self.docs
            .iter()
            .skip(1)
            .position(|doc| {
                doc.name == base
                    || doc.id.as_deref() == Some(base)
                    || ends(base, &doc.name)
                    || ends(&doc.name, base)
            })
            .map(|index| index + 1)
    }

    /// Follows `value`'s `$ref` chain (from document `doc`) to the schema it ends at; a schema
    /// without `$ref` is its own target. `None` when a reference cannot be resolved.
    fn target<'a>(&'a self, mut doc: usize, mut value: &'a Value) -> Option<(usize, &'a Value)> {
        for _ in 0..MAX_REF_HOPS {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Some((doc, value));
            };
            let (base, fragment) = reference.split_once('#').unwrap_or((reference, ""));
            if !base.is_empty() {
                doc = self.find(base)?;
            }
            let root = &self.docs.get(doc)?.value;
            value = if fragment.is_empty() {
                root
            } else {
                root.pointer(fragment)?
            };
        }
        None
    }

    /// The property schemas `value` declares, through `$ref`s and `allOf`/`anyOf`/`oneOf`.
    /// Each schema is visited once per search, and `budget` bounds the visits of all searches
    /// together, so composition that refers back to itself cannot multiply the work.
    fn properties<'a>(
        &'a self,
        doc: usize,
        value: &'a Value,
        budget: &mut usize,
    ) -> Vec<(usize, &'a str, &'a Value)> {
        let mut out = Vec::new();
        let mut seen: HashSet<*const Value> = HashSet::new();
        let mut stack = vec![(doc, value)];
        while let Some((doc, value)) = stack.pop() {
            if *budget == 0 {
                break;
            }
            *budget -= 1;
            let Some((doc, value)) = self.target(doc, value) else {
                continue;
            };
            if !seen.insert(std::ptr::from_ref(value)) {
                continue;
            }
            if let Some(Value::Object(properties)) = value.get("properties") {
                out.extend(
                    properties
                        .iter()
                        .map(|(name, schema)| (doc, name.as_str(), schema)),
                );
            }
            // Pushed in reverse so branches are read in order.
            for keyword in ["oneOf", "anyOf", "allOf"] {
                if let Some(Value::Array(branches)) = value.get(keyword) {
                    stack.extend(branches.iter().rev().map(|branch| (doc, branch)));
                }
            }
        }
        out
    }

    /// The root's property names, then those of each property's object schema.
    fn envelope_fields(&self, root: &Value) -> Vec<String> {
        let mut budget = MAX_VISITS;
        let top = self.properties(0, root, &mut budget);
        let mut out: Vec<String> = top.iter().map(|(_, name, _)| (*name).to_string()).collect();
        for (doc, _, schema) in &top {
            let inner = self.properties(*doc, schema, &mut budget);
            out.extend(inner.iter().map(|(_, name, _)| (*name).to_string()));
        }
        out
    }

    /// A property's documentation: its own `description`, or its `$ref` target's.
    fn doc_of(&self, schema: &Value) -> Doc {
        let own = Doc::of(schema.get("description").and_then(Value::as_str));
        if own == Doc::Present {
            return own;
        }
        match self.target(0, schema) {
            Some((_, target)) => Doc::of(target.get("description").and_then(Value::as_str)),
            None => own,
        }
    }
}

struct Walk<'d, 'c> {
    docs: &'d Docs,
    contract: &'c mut Contract,
}

impl Walk<'_, '_> {
    fn schema(&mut self, value: &Value, path: &str, depth: usize) {
        if depth > MAX_WALK_DEPTH {
            return;
        }
        let Value::Object(object) = value else {
            return;
        };
        for (keyword, child) in object {
            let here = format!("{path}/{}", escape(keyword));
            match keyword.as_str() {
                "properties" => {
                    let Value::Object(properties) = child else {
                        continue;
                    };
                    for (name, schema) in properties {
                        let field_path = format!("{here}/{}", escape(name));
                        self.contract.fields.push(FieldDecl {
                            name: name.clone(),
                            path: field_path.clone(),
                            doc: self.docs.doc_of(schema),
                            tags: tags(schema),
                        });
                        self.schema(schema, &field_path, depth + 1);
                    }
                }
                "$defs" | "definitions" => {
                    let Value::Object(definitions) = child else {
                        continue;
                    };
                    for (name, schema) in definitions {
                        let def_path = format!("{here}/{}", escape(name));
                        self.contract.types.push(TypeDecl {
                            kind: TypeKind::Definition,
                            name: Some(name.clone()),
                            path: def_path.clone(),
                            name_path: def_path.clone(),
                            doc: Doc::of(schema.get("description").and_then(Value::as_str)),
                            enumeration: None,
                        });
                        self.schema(schema, &def_path, depth + 1);
                    }
                }
                k if SUBSCHEMA.contains(&k) || SUBSCHEMA_ARRAY.contains(&k) => match child {
                    Value::Array(items) => {
                        for (index, item) in items.iter().enumerate() {
                            self.schema(item, &format!("{here}/{index}"), depth + 1);
                        }
                    }
                    other => self.schema(other, &here, depth + 1),
                },
                k if SUBSCHEMA_MAP.contains(&k) => {
                    if let Value::Object(entries) = child {
                        for (name, schema) in entries {
                            self.schema(schema, &format!("{here}/{}", escape(name)), depth + 1);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn tags(schema: &Value) -> Vec<String> {
    match schema.get("confluent:tags") {
        Some(Value::Array(tags)) => tags
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}
