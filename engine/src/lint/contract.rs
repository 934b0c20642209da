//! The small, format-independent view of a schema that the lint rules read.
//!
//! Each format's walker fills a [`Contract`] from its parsed model; the rules never see Avro,
//! Protobuf or JSON Schema structures. Only what the schema's own text declares is listed as
//! types and fields (referenced schemas are linted as subjects of their own); the envelope
//! search alone looks into referenced types, because an envelope usually comes by reference.

use crate::format::Format;

/// Whether something carries documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Doc {
    Present,
    Missing,
    /// The schema cannot tell: a Protobuf file given as a compiled descriptor without source
    /// information has lost its comments.
    Unknown,
}

impl Doc {
    pub(crate) fn of(text: Option<&str>) -> Doc {
        match text {
            Some(text) if !text.trim().is_empty() => Doc::Present,
            _ => Doc::Missing,
        }
    }
}

/// The kind of a declared type, as a message names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeKind {
    Record,
    Enum,
    Fixed,
    Message,
    /// A JSON Schema document's root.
    Schema,
    /// A JSON Schema `$defs` or `definitions` entry.
    Definition,
}

impl TypeKind {
    pub(crate) fn word(self) -> &'static str {
        match self {
            TypeKind::Record => "record",
            TypeKind::Enum => "enum",
            TypeKind::Fixed => "fixed type",
            TypeKind::Message => "message",
            TypeKind::Schema => "schema",
            TypeKind::Definition => "definition",
        }
    }
}

/// An enum's values, for the enum rules.
#[derive(Debug, Clone)]
pub(crate) struct EnumDecl {
    /// Each value's name, path and number (Protobuf only).
    pub values: Vec<ValueDecl>,
    /// Avro only: whether the enum names a default symbol.
    pub has_default: bool,
    /// Protobuf only: the file is proto3.
    pub proto3: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ValueDecl {
    pub name: String,
    pub path: String,
    pub number: Option<i32>,
}

/// A type the schema's own text declares.
#[derive(Debug, Clone)]
pub(crate) struct TypeDecl {
    pub kind: TypeKind,
    /// The unqualified name (JSON Schema: the `$defs` key, or the root's `title`).
    pub name: Option<String>,
    pub path: String,
    /// Where the name is written (Avro: the type's `name` key), for the naming rules.
    pub name_path: String,
    pub doc: Doc,
    pub enumeration: Option<EnumDecl>,
}

/// A field (record field, message field, object property) the schema's own text declares.
#[derive(Debug, Clone)]
pub(crate) struct FieldDecl {
    pub name: String,
    pub path: String,
    pub doc: Doc,
    /// Confluent data-contract tags on the field (`confluent:tags`, `confluent.field_meta`).
    pub tags: Vec<String>,
}

/// The event a schema describes: the type its payloads are.
#[derive(Debug, Clone)]
pub(crate) struct EventDecl {
    /// The name the event goes by (Avro record name, Protobuf message name, JSON Schema
    /// `title`); `None` when the schema gives it none.
    pub name: Option<String>,
    pub path: String,
    /// Where the name is written: Avro `/name`, JSON Schema `#/title`, the message for
    /// Protobuf.
    pub name_path: String,
    /// Field names an envelope role can be satisfied by: the event's own fields, and the fields
    /// of the record, message or object types its fields have (referenced ones included).
    pub envelope_fields: Vec<String>,
}

/// A schema as the lint rules see it.
#[derive(Debug, Clone)]
pub(crate) struct Contract {
    pub format: Format,
    /// `None` when the schema's root is not a record, message or object (an Avro union or
    /// primitive, a Protobuf file without messages, a JSON Schema for a string).
    pub event: Option<EventDecl>,
    pub types: Vec<TypeDecl>,
    pub fields: Vec<FieldDecl>,
}

impl Contract {
    pub(crate) fn new(format: Format) -> Contract {
        Contract {
            format,
            event: None,
            types: Vec::new(),
            fields: Vec::new(),
        }
    }
}
