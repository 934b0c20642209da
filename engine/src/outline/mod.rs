//! A format-neutral outline of a parsed schema, for people rather than for compatibility checks.
//!
//! [`outline`] turns any [`Schema`] into an [`Outline`]: the event's name and documentation and
//! a tree of [`Field`]s, each with its name, its path (in the same convention as the
//! compatibility findings of its format: `/fields/a/type/fields/b` for Avro,
//! `pkg.Message.field` for Protobuf, `#/properties/a` for JSON Schema), its type in the format's
//! own spelling, whether it is required, its default, its documentation and its enum symbols.
//! Named types (Avro records, Protobuf messages, JSON Schema `$ref` targets) are expanded where
//! they are first used; later uses point back at that path instead of repeating the tree, which
//! also cuts recursion. The walk is bounded by [`crate::format::MAX_DEPTH`] like parsing is.
//!
//! [`diff`] compares two outlines field by field and says, in plain words, what changed. It
//! describes changes; it does not judge them: whether a change is compatible is
//! [`crate::check`]'s answer, and the catalog shows both side by side.
//!
//! Left out: Avro protocols, Protobuf services and options, and JSON Schema validation keywords
//! other than `format` and `enum`/`const` (patterns, bounds); the canonical text has them all.

mod avro;
mod diff;
mod json;
mod protobuf;

pub use diff::{Change, ChangeKind, diff};

use crate::format::Schema;

/// A person-readable summary of one schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The event's name: the Avro fullname, the Protobuf message's full name, or the JSON
    /// Schema `title` (empty when the schema has none).
    pub name: String,
    /// The schema's own documentation (`doc`, the message's leading comment, `description`).
    pub doc: Option<String>,
    /// The root's kind in the format's words: `record`, `message`, `object`, or a type name
    /// when the root is not a record.
    pub kind: String,
    /// The top-level fields, in declaration order.
    pub fields: Vec<Field>,
}

/// One field of an [`Outline`], with its nested fields when its type has any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field's name.
    pub name: String,
    /// Where the field is, in the findings' path convention of its format.
    pub path: String,
    /// The type, spelled as the format spells it (`long`, `int64`, `integer`, a type name).
    pub ty: String,
    /// Whether a writer must always give it a value: an Avro field without a default that is
    /// not nullable, a Protobuf `required` field, a JSON Schema property listed in `required`.
    pub required: bool,
    /// The default value as text, when the schema declares one.
    pub default: Option<String>,
    /// The field's documentation.
    pub doc: Option<String>,
    /// Enum symbols (Avro), value names (Protobuf) or allowed values (JSON Schema `enum`).
    pub symbols: Vec<String>,
    /// The named type this field uses, when it uses one (for example `shop.common.Money`).
    pub type_name: Option<String>,
    /// The fields of the nested type, expanded here because this is its first use.
    pub children: Vec<Field>,
    /// When the nested type was already expanded elsewhere (or this is a recursive use of
    /// it), the path of the field where it was expanded.
    pub see: Option<String>,
}

impl Field {
    /// A field with a name, a path and a type, and nothing else yet.
    pub(crate) fn new(name: &str, path: String, ty: String) -> Field {
        Field {
            name: name.to_string(),
            path,
            ty,
            required: false,
            default: None,
            doc: None,
            symbols: Vec::new(),
            type_name: None,
            children: Vec::new(),
            see: None,
        }
    }
}

impl Outline {
    /// Every field, depth first (each field before its children), with its depth (0 for
    /// top-level fields).
    pub fn flatten(&self) -> Vec<(usize, &Field)> {
        let mut out = Vec::new();
        // An explicit stack: the tree is bounded by MAX_DEPTH, but a loop keeps it obvious.
        let mut stack: Vec<(usize, &Field)> = self.fields.iter().rev().map(|f| (0, f)).collect();
        while let Some((depth, field)) = stack.pop() {
            out.push((depth, field));
            stack.extend(field.children.iter().rev().map(|c| (depth + 1, c)));
        }
        out
    }
}

/// The outline of a parsed schema, with its referenced types expanded.
pub fn outline(schema: &Schema) -> Outline {
    match schema {
        Schema::Avro(parsed) => avro::outline(parsed.model()),
        Schema::Protobuf(parsed) => protobuf::outline(&parsed.file()),
        Schema::Json(parsed) => json::outline(parsed.canonical(), parsed.dependencies()),
    }
}

/// Trims documentation and drops it when it is empty.
pub(crate) fn clean_doc(doc: Option<&str>) -> Option<String> {
    let doc = doc?.trim();
    (!doc.is_empty()).then(|| doc.to_string())
}

#[cfg(test)]
mod tests;
