//! The outline of a JSON Schema document, read from its (already validated) canonical text and
//! the texts of its references. The compatibility model drops annotations (`description`,
//! `default`, `title`), which are exactly what an outline shows, so this walks the JSON itself
//! and resolves `$ref`s the simple way: a JSON pointer inside the document, or a reference
//! named like one of the supplied dependencies, optionally followed by a pointer.

use std::collections::HashMap;

use serde_json::Value;

use crate::format::MAX_DEPTH;
use crate::outline::{Field, Outline, clean_doc};
use crate::references::Dependency;

pub(crate) fn outline(canonical: &str, deps: &[Dependency]) -> Outline {
    let root: Value = serde_json::from_str(canonical).unwrap_or(Value::Null);
    let dep_values: Vec<(String, Value)> = deps
        .iter()
        .map(|d| {
            (
                d.name.clone(),
                serde_json::from_str(&d.text).unwrap_or(Value::Null),
            )
        })
        .collect();
    let mut walk = Walk {
        docs: std::iter::once(&root)
            .chain(dep_values.iter().map(|(_, v)| v))
            .collect(),
        names: dep_values.iter().map(|(n, _)| n.as_str()).collect(),
        expanded: HashMap::new(),
    };
    let (doc_index, resolved) = walk.resolve(0, &root);
    let fields = walk.fields_of(doc_index, resolved, "#", 0);
    Outline {
        name: text(&root, "title").unwrap_or_default(),
        doc: clean_doc(text(&root, "description").as_deref()),
        kind: spell_type(resolved),
        fields,
    }
}

struct Walk<'a> {
    /// The document (index 0) and its dependencies.
    docs: Vec<&'a Value>,
    /// The dependencies' names, at index - 1.
    names: Vec<&'a str>,
    /// `$ref` target (document index and pointer) to the path where it was expanded.
    expanded: HashMap<(usize, String), String>,
}

impl<'a> Walk<'a> {
    /// Follows `$ref`s (a bounded number of hops) to the schema they name.
    fn resolve(&self, mut doc: usize, mut node: &'a Value) -> (usize, &'a Value) {
        for _ in 0..MAX_DEPTH {
            let Some((target_doc, pointer)) = self.target(doc, node) else {
                break;
            };
            match self.docs.get(target_doc).and_then(|d| d.pointer(&pointer)) {
                Some(next) => {
                    doc = target_doc;
                    node = next;
                }
                None => break,
            }
        }
        (doc, node)
    }

    /// Where a `$ref` in document `doc` points: a document index and a JSON pointer.
    fn target(&self, doc: usize, node: &Value) -> Option<(usize, String)> {
        let reference = node.get("$ref")?.as_str()?;
        let (uri, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let target_doc = if uri.is_empty() {
            doc
        } else {
            let file = uri.rsplit('/').next().unwrap_or(uri);
            let index = self
                .names
                .iter()
                .position(|name| *name == uri || name.rsplit('/').next().unwrap_or(name) == file)?;
            index + 1
        };
        // Anchors (`#name`) are not followed; the field then shows the reference itself.
        if !fragment.is_empty() && !fragment.starts_with('/') {
            return None;
        }
        Some((target_doc, fragment.to_string()))
    }

    /// The properties of an object schema (also those of its `allOf` branches), or of the
    /// items of an array schema.
    fn fields_of(&mut self, doc: usize, node: &'a Value, base: &str, depth: usize) -> Vec<Field> {
        if depth >= MAX_DEPTH {
            return Vec::new();
        }
        let mut out = Vec::new();
        if let Some(properties) = node.get("properties").and_then(Value::as_object) {
            let required: Vec<&str> = node
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (name, schema) in properties {
                let path = format!("{base}/properties/{}", escape_pointer(name));
                out.push(self.field(
                    doc,
                    name,
                    schema,
                    path,
                    required.contains(&name.as_str()),
                    depth,
                ));
            }
        }
        if let Some(branches) = node.get("allOf").and_then(Value::as_array) {
            for (i, branch) in branches.iter().enumerate() {
                let (branch_doc, resolved) = self.resolve(doc, branch);
                out.extend(self.fields_of(
                    branch_doc,
                    resolved,
                    &format!("{base}/allOf/{i}"),
                    depth + 1,
                ));
            }
        }
        out
    }

    fn field(
        &mut self,
        doc: usize,
        name: &str,
        schema: &'a Value,
        path: String,
        required: bool,
        depth: usize,
    ) -> Field {
        let (target_doc, resolved) = self.resolve(doc, schema);
        let mut field = Field::new(name, path.clone(), spell_type(resolved));
        field.required = required;
        // The property's own annotations win over those of the schema it references.
        field.doc = clean_doc(
            text(schema, "description")
                .or_else(|| text(resolved, "description"))
                .as_deref(),
        );
        field.default = schema
            .get("default")
            .or_else(|| resolved.get("default"))
            .map(Value::to_string);
        if let Some(values) = resolved.get("enum").and_then(Value::as_array) {
            field.symbols = values.iter().map(Value::to_string).collect();
        } else if let Some(value) = resolved.get("const") {
            field.symbols = vec![value.to_string()];
        }
        // An array's fields are those of its items.
        let (items_doc, holder, holder_path) = match resolved.get("items") {
            Some(items) if items.is_object() => {
                let (d, r) = self.resolve(target_doc, items);
                (d, r, format!("{path}/items"))
            }
            _ => (target_doc, resolved, path.clone()),
        };
        let key = self.target(doc, schema).or_else(|| {
            resolved
                .get("items")
                .and_then(|items| self.target(target_doc, items))
        });
        if let Some(key) = &key {
            field.type_name = Some(ref_name(holder, key));
            if let Some(first) = self.expanded.get(key) {
                field.see = Some(first.clone());
                return field;
            }
            self.expanded.insert(key.clone(), path.clone());
        }
        field.children = self.fields_of(items_doc, holder, &holder_path, depth + 1);
        field
    }
}

/// The name shown for a referenced schema: its `title`, else the last part of the reference.
fn ref_name(target: &Value, key: &(usize, String)) -> String {
    text(target, "title").unwrap_or_else(|| {
        key.1
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("schema")
            .to_string()
    })
}

/// The type as JSON Schema says it: `string (email)`, `integer`, `string | null`,
/// `array<string>`, or the combinator when there is no `type`.
fn spell_type(node: &Value) -> String {
    spell(node, 0)
}

fn spell(node: &Value, depth: usize) -> String {
    if depth > 4 {
        return "…".to_string();
    }
    let base = match node.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => {
            if node.get("enum").is_some() {
                "enum".to_string()
            } else if node.get("const").is_some() {
                "const".to_string()
            } else if node.get("$ref").is_some() {
                "object".to_string()
            } else if let Some(word) = ["oneOf", "anyOf", "allOf"]
                .iter()
                .find(|k| node.get(**k).is_some())
            {
                (*word).to_string()
            } else if node.get("properties").is_some() {
                "object".to_string()
            } else {
                "any".to_string()
            }
        }
    };
    let base = if base == "array" {
        match node.get("items") {
            Some(items) if items.is_object() => format!("array<{}>", spell(items, depth + 1)),
            _ => base,
        }
    } else {
        base
    };
    match node.get("format").and_then(Value::as_str) {
        Some(format) => format!("{base} ({format})"),
        None => base,
    }
}

fn text(node: &Value, key: &str) -> Option<String> {
    node.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Escapes a property name for a JSON pointer (`~` and `/`).
fn escape_pointer(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}
