//! The outline of a Protobuf file: its first message (the one Confluent's serializers use by
//! default), with field comments read from the compiled file's source information.

use std::collections::HashMap;

use prost_reflect::{Cardinality, FieldDescriptor, FileDescriptor, Kind, MessageDescriptor};

use crate::format::MAX_DEPTH;
use crate::outline::{Field, Outline, clean_doc};

pub(crate) fn outline(file: &FileDescriptor) -> Outline {
    let Some(message) = file.messages().next() else {
        return Outline {
            name: file.package_name().to_string(),
            doc: None,
            kind: "file".to_string(),
            fields: Vec::new(),
        };
    };
    let mut walk = Walk {
        expanded: HashMap::new(),
    };
    walk.expanded
        .insert(message.full_name().to_string(), String::new());
    let fields = walk.fields_of(&message, 0);
    Outline {
        name: message.full_name().to_string(),
        doc: comment(&message.parent_file(), message.path()),
        kind: "message".to_string(),
        fields,
    }
}

struct Walk {
    /// Full name of each message already expanded, with the path where it was.
    expanded: HashMap<String, String>,
}

impl Walk {
    fn fields_of(&mut self, message: &MessageDescriptor, depth: usize) -> Vec<Field> {
        let file = message.parent_file();
        let mut out = Vec::new();
        for f in message.fields() {
            let path = format!("{}.{}", message.full_name(), f.name());
            let mut field = Field::new(f.name(), path, spell(&f));
            field.doc = comment(&file, f.path());
            field.required = f.cardinality() == Cardinality::Required;
            field.default = f
                .field_descriptor_proto()
                .default_value
                .clone()
                .filter(|d| !d.is_empty());
            let kind = if f.is_map() {
                map_value(&f).unwrap_or_else(|| f.kind())
            } else {
                f.kind()
            };
            match kind {
                Kind::Enum(e) => {
                    field.type_name = Some(e.full_name().to_string());
                    field.symbols = e.values().map(|v| v.name().to_string()).collect();
                }
                Kind::Message(m) => {
                    field.type_name = Some(m.full_name().to_string());
                    if let Some(first) = self.expanded.get(m.full_name()) {
                        field.see = Some(first.clone());
                    } else if depth + 1 >= MAX_DEPTH || is_well_known(&m) {
                        // Well-known types (Timestamp, Duration…) read better as a name.
                    } else {
                        self.expanded
                            .insert(m.full_name().to_string(), field.path.clone());
                        field.children = self.fields_of(&m, depth + 1);
                    }
                }
                _ => {}
            }
            out.push(field);
        }
        out
    }
}

fn is_well_known(message: &MessageDescriptor) -> bool {
    message.package_name() == "google.protobuf"
}

/// The value kind of a map field's entry.
fn map_value(field: &FieldDescriptor) -> Option<Kind> {
    match field.kind() {
        Kind::Message(entry) => entry.map_entry_value_field().kind().into(),
        _ => None,
    }
}

/// The type as a `.proto` file spells it: `int64`, `repeated string`, `map<string, int64>`,
/// a message or enum's full name.
fn spell(field: &FieldDescriptor) -> String {
    if field.is_map()
        && let Kind::Message(entry) = field.kind()
    {
        return format!(
            "map<{}, {}>",
            kind_name(&entry.map_entry_key_field().kind()),
            kind_name(&entry.map_entry_value_field().kind())
        );
    }
    let base = kind_name(&field.kind());
    let label = match field.cardinality() {
        Cardinality::Repeated => "repeated ",
        Cardinality::Required => "required ",
        Cardinality::Optional if field.field_descriptor_proto().proto3_optional() => "optional ",
        Cardinality::Optional => "",
    };
    let oneof = match field.containing_oneof() {
        Some(oneof) if !field.field_descriptor_proto().proto3_optional() => {
            format!(" (oneof {})", oneof.name())
        }
        _ => String::new(),
    };
    format!("{label}{base}{oneof}")
}

/// The type as the outline shows it: `.proto`'s spelling, names without the leading dot.
fn kind_name(kind: &Kind) -> String {
    let text = crate::format::protobuf::type_text(kind);
    match text.strip_prefix('.') {
        Some(name) => name.to_string(),
        None => text,
    }
}

/// The leading comment (or else the trailing one) of the element at `path` in `file`.
fn comment(file: &FileDescriptor, path: &[i32]) -> Option<String> {
    let info = file.file_descriptor_proto().source_code_info.as_ref()?;
    let location = info.location.iter().find(|l| l.path == path)?;
    let text = location
        .leading_comments
        .as_deref()
        .or(location.trailing_comments.as_deref())?;
    // Comments keep their line breaks and the space after `//`; join them into one paragraph.
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    clean_doc(Some(&joined))
}
