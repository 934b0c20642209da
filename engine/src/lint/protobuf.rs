//! Protobuf's [`Contract`]: the event is one top-level message of the file, by default the
//! first, which is the one Confluent's serializers write with (`LintConfig::event_type` picks
//! another). Other top-level messages and all nested messages are helper types: linted as
//! types, never as events. Map entry messages are generated and left out; so are services.
//!
//! Documentation is a leading or trailing comment (from the descriptor's source info) or
//! Confluent's `(confluent.message_meta).doc` / `(confluent.field_meta).doc` option. A schema
//! given as a compiled descriptor without source info has lost its comments; there, only the
//! options count, and elements without them are neither documented nor reported. The
//! personal-data marker is Confluent's data-contract tag: `[(confluent.field_meta).tags =
//! "PII"]`. Paths are full names (`shop.payments.v1.PaymentCaptured.payment_id`), as in
//! compatibility findings; enum values are named beside their enum (`...PaymentMethod.
//! PAYMENT_METHOD_CARD`), where `.proto` scoping puts them.

use std::collections::HashMap;

use prost_reflect::{
    DynamicMessage, EnumDescriptor, FileDescriptor, Kind, MessageDescriptor, Syntax, Value,
};

use super::contract::{
    Contract, Doc, EnumDecl, EventDecl, FieldDecl, TypeDecl, TypeKind, ValueDecl,
};
use crate::format::Format;
use crate::format::protobuf::Parsed;

pub(super) fn contract(parsed: &Parsed, event_type: Option<&str>) -> Contract {
    let file = parsed.file();
    let mut contract = Contract::new(Format::Protobuf);
    let comments = Comments::of(&file);
    let proto3 = file.syntax() == Syntax::Proto3;

    let event = match event_type {
        Some(wanted) => file
            .messages()
            .find(|m| m.full_name() == wanted || m.name() == wanted),
        None => file.messages().next(),
    };
    if let Some(event) = &event {
        contract.event = Some(EventDecl {
            name: Some(event.name().to_string()),
            path: event.full_name().to_string(),
            name_path: event.full_name().to_string(),
            envelope_fields: envelope_fields(event),
        });
    }

    // Messages in declaration order, each followed by what it nests; parse.rs has capped the
    // nesting depth, and the explicit stack keeps this walk off the call stack anyway.
    let mut stack: Vec<MessageDescriptor> = file.messages().collect();
    stack.reverse();
    while let Some(message) = stack.pop() {
        if message.is_map_entry() {
            continue;
        }
        let meta = read_meta(&message.options(), "confluent.message_meta");
        contract.types.push(TypeDecl {
            kind: TypeKind::Message,
            name: Some(message.name().to_string()),
            path: message.full_name().to_string(),
            name_path: message.full_name().to_string(),
            doc: comments.doc(message.path(), meta.doc.as_deref()),
            enumeration: None,
        });
        for field in message.fields() {
            let meta = read_meta(&field.options(), "confluent.field_meta");
            contract.fields.push(FieldDecl {
                name: field.name().to_string(),
                path: format!("{}.{}", message.full_name(), field.name()),
                doc: comments.doc(field.path(), meta.doc.as_deref()),
                tags: meta.tags,
            });
        }
        for enumeration in message.child_enums() {
            contract
                .types
                .push(enum_decl(&enumeration, &comments, proto3));
        }
        let mut children: Vec<MessageDescriptor> = message.child_messages().collect();
        children.reverse();
        stack.extend(children);
    }
    for enumeration in file.enums() {
        contract
            .types
            .push(enum_decl(&enumeration, &comments, proto3));
    }
    contract
}

fn enum_decl(enumeration: &EnumDescriptor, comments: &Comments, proto3: bool) -> TypeDecl {
    let meta = read_meta(&enumeration.options(), "confluent.enum_meta");
    let values = enumeration
        .values()
        .map(|value| ValueDecl {
            name: value.name().to_string(),
            // Values are scoped beside their enum, but a path through the enum is what locates
            // the line (cli/src/locate.rs records values under both).
            path: format!("{}.{}", enumeration.full_name(), value.name()),
            number: Some(value.number()),
        })
        .collect();
    TypeDecl {
        kind: TypeKind::Enum,
        name: Some(enumeration.name().to_string()),
        path: enumeration.full_name().to_string(),
        name_path: enumeration.full_name().to_string(),
        doc: comments.doc(enumeration.path(), meta.doc.as_deref()),
        enumeration: Some(EnumDecl {
            values,
            has_default: true,
            proto3,
        }),
    }
}

/// The event's field names, then those of each message-typed field's message, wherever that
/// message is defined (an imported envelope counts).
fn envelope_fields(event: &MessageDescriptor) -> Vec<String> {
    let mut out: Vec<String> = event.fields().map(|f| f.name().to_string()).collect();
    for field in event.fields() {
        if field.is_map() {
            continue;
        }
        if let Kind::Message(inner) = field.kind() {
            out.extend(inner.fields().map(|f| f.name().to_string()));
        }
    }
    out
}

/// Comments by source-info path, when the file kept its source info.
struct Comments {
    by_path: Option<HashMap<Vec<i32>, bool>>,
}

impl Comments {
    fn of(file: &FileDescriptor) -> Comments {
        let by_path = file
            .file_descriptor_proto()
            .source_code_info
            .as_ref()
            .filter(|info| !info.location.is_empty())
            .map(|info| {
                info.location
                    .iter()
                    .map(|location| {
                        let has = |c: Option<&String>| c.is_some_and(|c| !c.trim().is_empty());
                        let documented = has(location.leading_comments.as_ref())
                            || has(location.trailing_comments.as_ref());
                        (location.path.clone(), documented)
                    })
                    .collect()
            });
        Comments { by_path }
    }

    fn doc(&self, path: &[i32], meta_doc: Option<&str>) -> Doc {
        if Doc::of(meta_doc) == Doc::Present {
            return Doc::Present;
        }
        match &self.by_path {
            None => Doc::Unknown,
            Some(map) if map.get(path).copied().unwrap_or(false) => Doc::Present,
            Some(_) => Doc::Missing,
        }
    }
}

/// What Confluent's `Meta` option on an element says.
#[derive(Default)]
struct Meta {
    doc: Option<String>,
    tags: Vec<String>,
}

/// Reads Confluent's `confluent/meta.proto` extension named `extension` from options.
fn read_meta(options: &DynamicMessage, extension: &str) -> Meta {
    let mut out = Meta::default();
    for (descriptor, value) in options.extensions() {
        if descriptor.full_name() != extension {
            continue;
        }
        let Value::Message(meta) = value else {
            continue;
        };
        if let Some(doc) = meta.get_field_by_name("doc")
            && let Value::String(doc) = doc.as_ref()
            && !doc.is_empty()
        {
            out.doc = Some(doc.clone());
        }
        if let Some(tags) = meta.get_field_by_name("tags")
            && let Value::List(tags) = tags.as_ref()
        {
            out.tags
                .extend(tags.iter().filter_map(Value::as_str).map(str::to_string));
        }
    }
    out
}
