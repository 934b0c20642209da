//! The canonical `.proto` text, printed from the compiled descriptor rather than from the text
//! the user sent, so that comments, white space, how a type name was spelled, and whether the
//! schema arrived as source or as a base64 `FileDescriptorProto` do not matter.
//!
//! Default form (like Confluent's canonical string): declarations keep their order, because
//! message indexes in Confluent's wire format count positions in the file. The descriptor keeps
//! order per kind only, so the file prints its messages, then enums, services and `extend`
//! blocks (message indexes count messages only, so nothing that matters moves). Options print
//! in field-number order, the only order a descriptor remembers. Every type name is printed
//! fully qualified with a leading dot (`.shop.v1.Money`), since the descriptor only knows full
//! names. `json_name` is printed only when it differs from the default, and map fields as
//! `map<K, V>` with their synthetic entry messages hidden.
//!
//! Normalized form (`normalize`, Confluent's `ProtobufSchema.normalize`): additionally sorts
//! imports, options (by name) and the fields of each message (by number, a oneof placed at its
//! lowest member), and orders enum values by number. Messages and enums keep their order for
//! the reason above.
//!
//! Left out: source comments, options on extension ranges, and unknown option fields that the
//! compiler could not name; none of them changes how data is read.

use std::fmt::Write as _;

use prost_reflect::{
    DynamicMessage, EnumDescriptor, FieldDescriptor, FileDescriptor, Kind, MessageDescriptor,
    OneofDescriptor, ServiceDescriptor, Syntax, Value,
};

/// Largest field number, printed as `max` in ranges.
const MAX_FIELD_NUMBER: u32 = 536_870_911;

/// Renders `file` as canonical `.proto` text.
pub(super) fn render(file: &FileDescriptor, normalize: bool) -> String {
    let mut p = Printer {
        out: String::new(),
        normalize,
        proto3: file.syntax() == Syntax::Proto3,
    };
    p.file(file);
    p.out
}

struct Printer {
    out: String,
    normalize: bool,
    proto3: bool,
}

impl Printer {
    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn file(&mut self, file: &FileDescriptor) {
        let syntax = if self.proto3 { "proto3" } else { "proto2" };
        self.line(0, &format!("syntax = \"{syntax}\";"));
        if !file.package_name().is_empty() {
            self.line(0, &format!("package {};", file.package_name()));
        }
        let proto = file.file_descriptor_proto();
        let mut imports: Vec<String> = proto
            .dependency
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let index = i32::try_from(i).unwrap_or(i32::MAX);
                let modifier = if proto.public_dependency.contains(&index) {
                    "public "
                } else if proto.weak_dependency.contains(&index) {
                    "weak "
                } else {
                    ""
                };
                format!("import {modifier}{};", quote(name.as_bytes()))
            })
            .collect();
        if self.normalize {
            imports.sort();
        }
        if !imports.is_empty() {
            self.out.push('\n');
            for import in imports {
                self.line(0, &import);
            }
        }
        let options = self.options(&file.options());
        if !options.is_empty() {
            self.out.push('\n');
            for (name, value) in options {
                self.line(0, &format!("option {name} = {value};"));
            }
        }
        // Top-level declarations in the order the descriptor keeps them per kind: messages,
        // enums, services, then extensions. The descriptor does not remember how kinds were
        // interleaved in the source, which is fine: message indexes only count messages.
        for message in file.messages() {
            self.out.push('\n');
            self.message(&message, 0);
        }
        for en in file.enums() {
            self.out.push('\n');
            self.enumeration(&en, 0);
        }
        for service in file.services() {
            self.out.push('\n');
            self.service(&service);
        }
        self.extensions(file.extensions().collect(), 0, true);
    }

    fn message(&mut self, message: &MessageDescriptor, depth: usize) {
        self.line(depth, &format!("message {} {{", message.name()));
        self.message_body(message, depth + 1);
        self.line(depth, "}");
    }

    fn message_body(&mut self, message: &MessageDescriptor, depth: usize) {
        for (name, value) in self.options(&message.options()) {
            self.line(depth, &format!("option {name} = {value};"));
        }
        let mut fields = declared_fields(message);
        if self.normalize {
            fields.sort_by_key(FieldDescriptor::number);
        }
        let mut printed_oneofs: Vec<String> = Vec::new();
        for field in &fields {
            match real_oneof(field) {
                Some(oneof) => {
                    if printed_oneofs.iter().any(|name| name == oneof.name()) {
                        continue;
                    }
                    printed_oneofs.push(oneof.name().to_string());
                    self.oneof(&oneof, depth);
                }
                None => self.field(field, depth, false),
            }
        }
        let proto = message.descriptor_proto();
        let mut ranges: Vec<(u32, u32)> = message
            .reserved_ranges()
            .map(|r| (r.start, r.end.saturating_sub(1)))
            .collect();
        let mut names: Vec<String> = message
            .reserved_names()
            .map(|n| quote(n.as_bytes()))
            .collect();
        if self.normalize {
            ranges.sort_unstable();
            names.sort();
        }
        if !ranges.is_empty() {
            let text: Vec<String> = ranges.iter().map(|r| range_text(r.0, r.1)).collect();
            self.line(depth, &format!("reserved {};", text.join(", ")));
        }
        if !names.is_empty() {
            self.line(depth, &format!("reserved {};", names.join(", ")));
        }
        if !proto.extension_range.is_empty() {
            let text: Vec<String> = message
                .extension_ranges()
                .map(|r| range_text(r.start, r.end.saturating_sub(1)))
                .collect();
            self.line(depth, &format!("extensions {};", text.join(", ")));
        }
        for child in message.child_messages() {
            if child.is_map_entry() || is_group_type(message, &child) {
                continue;
            }
            self.message(&child, depth);
        }
        for en in message.child_enums() {
            self.enumeration(&en, depth);
        }
        self.extensions(message.child_extensions().collect(), depth, false);
    }

    fn oneof(&mut self, oneof: &OneofDescriptor, depth: usize) {
        self.line(depth, &format!("oneof {} {{", oneof.name()));
        for (name, value) in self.options(&oneof.options()) {
            self.line(depth + 1, &format!("option {name} = {value};"));
        }
        let mut fields: Vec<FieldDescriptor> = declared_fields(oneof.parent_message())
            .into_iter()
            .filter(|f| real_oneof(f).is_some_and(|o| o.name() == oneof.name()))
            .collect();
        if self.normalize {
            fields.sort_by_key(FieldDescriptor::number);
        }
        for field in &fields {
            self.field(field, depth + 1, true);
        }
        self.line(depth, "}");
    }

    fn field(&mut self, field: &FieldDescriptor, depth: usize, in_oneof: bool) {
        let proto = field.field_descriptor_proto();
        let label = if in_oneof || field.is_map() {
            ""
        } else if field.is_list() {
            "repeated "
        } else if field.is_required() {
            "required "
        } else if !self.proto3 || proto.proto3_optional.unwrap_or(false) {
            "optional "
        } else {
            ""
        };
        let type_name = if field.is_map() {
            match field.kind() {
                Kind::Message(entry) => format!(
                    "map<{}, {}>",
                    type_text(&entry.map_entry_key_field().kind()),
                    type_text(&entry.map_entry_value_field().kind())
                ),
                other => type_text(&other),
            }
        } else {
            type_text(&field.kind())
        };
        let mut extras = Vec::new();
        if let Some(default) = &proto.default_value {
            let value = match field.kind() {
                Kind::String => quote(default.as_bytes()),
                Kind::Bytes => format!("\"{default}\""),
                _ => default.clone(),
            };
            extras.push(("default".to_string(), value));
        }
        if let Some(json) = &proto.json_name
            && *json != default_json_name(field.name())
        {
            extras.push(("json_name".to_string(), quote(json.as_bytes())));
        }
        let mut options = self.options(&field.options());
        options.splice(0..0, extras);
        if self.normalize {
            options.sort();
        }
        let options = bracketed(&options);
        if field.is_group()
            && let Kind::Message(group) = field.kind()
        {
            let number = field.number();
            self.line(
                depth,
                &format!("{label}group {} = {number}{options} {{", group.name()),
            );
            self.message_body(&group, depth + 1);
            self.line(depth, "}");
            return;
        }
        self.line(
            depth,
            &format!(
                "{label}{type_name} {} = {}{options};",
                field.name(),
                field.number()
            ),
        );
    }

    fn extensions(
        &mut self,
        extensions: Vec<prost_reflect::ExtensionDescriptor>,
        depth: usize,
        top: bool,
    ) {
        // Group consecutive extensions of one extendee into one `extend` block.
        let mut blocks: Vec<(String, Vec<prost_reflect::ExtensionDescriptor>)> = Vec::new();
        for ext in extensions {
            let extendee = ext.containing_message().full_name().to_string();
            match blocks.last_mut() {
                Some((name, list)) if *name == extendee => list.push(ext),
                _ => blocks.push((extendee, vec![ext])),
            }
        }
        for (extendee, list) in blocks {
            if top {
                self.out.push('\n');
            }
            self.line(depth, &format!("extend .{extendee} {{"));
            for ext in list {
                let label = if ext.is_list() {
                    "repeated "
                } else if self.proto3 {
                    ""
                } else {
                    "optional "
                };
                let mut options = self.options(&ext.options());
                if self.normalize {
                    options.sort();
                }
                let options = bracketed(&options);
                self.line(
                    depth + 1,
                    &format!(
                        "{label}{} {} = {}{options};",
                        type_text(&ext.kind()),
                        ext.name(),
                        ext.number()
                    ),
                );
            }
            self.line(depth, "}");
        }
    }

    fn enumeration(&mut self, en: &EnumDescriptor, depth: usize) {
        self.line(depth, &format!("enum {} {{", en.name()));
        for (name, value) in self.options(&en.options()) {
            self.line(depth + 1, &format!("option {name} = {value};"));
        }
        // Declaration order comes from the descriptor proto: the pool's own list is sorted
        // by number, which would reorder aliases.
        let mut values: Vec<_> = en
            .enum_descriptor_proto()
            .value
            .iter()
            .filter_map(|v| en.get_value_by_name(v.name()))
            .collect();
        if self.normalize {
            values.sort_by_key(|v| v.number());
        }
        for value in values {
            let options = self.options(&value.options());
            let options = bracketed(&options);
            self.line(
                depth + 1,
                &format!("{} = {}{options};", value.name(), value.number()),
            );
        }
        let mut ranges: Vec<(i32, i32)> = en
            .reserved_ranges()
            .map(|r| (*r.start(), *r.end()))
            .collect();
        let mut names: Vec<String> = en.reserved_names().map(|n| quote(n.as_bytes())).collect();
        if self.normalize {
            ranges.sort_unstable();
            names.sort();
        }
        if !ranges.is_empty() {
            let text: Vec<String> = ranges
                .iter()
                .map(|(start, end)| match (start, end) {
                    (s, e) if s == e => s.to_string(),
                    (s, &i32::MAX) => format!("{s} to max"),
                    (s, e) => format!("{s} to {e}"),
                })
                .collect();
            self.line(depth + 1, &format!("reserved {};", text.join(", ")));
        }
        if !names.is_empty() {
            self.line(depth + 1, &format!("reserved {};", names.join(", ")));
        }
        self.line(depth, "}");
    }

    fn service(&mut self, service: &ServiceDescriptor) {
        self.line(0, &format!("service {} {{", service.name()));
        for (name, value) in self.options(&service.options()) {
            self.line(1, &format!("option {name} = {value};"));
        }
        for method in service.methods() {
            let input = format!(
                "{}.{}",
                if method.is_client_streaming() {
                    "stream "
                } else {
                    ""
                },
                method.input().full_name()
            );
            let output = format!(
                "{}.{}",
                if method.is_server_streaming() {
                    "stream "
                } else {
                    ""
                },
                method.output().full_name()
            );
            let options = self.options(&method.options());
            if options.is_empty() {
                self.line(
                    1,
                    &format!("rpc {} ({input}) returns ({output});", method.name()),
                );
            } else {
                self.line(
                    1,
                    &format!("rpc {} ({input}) returns ({output}) {{", method.name()),
                );
                for (name, value) in options {
                    self.line(2, &format!("option {name} = {value};"));
                }
                self.line(1, "}");
            }
        }
        self.line(0, "}");
    }

    /// The set options of an options message as (name, value) pairs, one per value of a
    /// repeated option, custom options written `(.full.name)`.
    fn options(&self, options: &DynamicMessage) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (field, value) in options.fields() {
            // `uninterpreted_option` only exists before compilation.
            if field.number() == 999 {
                continue;
            }
            push_option(&mut out, field.name().to_string(), &field.kind(), value);
        }
        for (ext, value) in options.extensions() {
            // Fully qualified with a leading dot: a relative name could resolve to another
            // scope of the same name in the schema's own package.
            push_option(
                &mut out,
                format!("(.{})", ext.full_name()),
                &ext.kind(),
                value,
            );
        }
        if self.normalize {
            out.sort();
        }
        out
    }
}

fn push_option(out: &mut Vec<(String, String)>, name: String, kind: &Kind, value: &Value) {
    match value {
        Value::List(values) => {
            for value in values {
                out.push((name.clone(), value_text(kind, value)));
            }
        }
        value => out.push((name, value_text(kind, value))),
    }
}

/// An option value as `.proto` text.
fn value_text(kind: &Kind, value: &Value) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::I32(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::U32(n) => n.to_string(),
        Value::U64(n) => n.to_string(),
        Value::F32(n) => float_text(f64::from(*n)),
        Value::F64(n) => float_text(*n),
        Value::String(s) => quote(s.as_bytes()),
        Value::Bytes(b) => quote(b),
        Value::EnumNumber(n) => match kind {
            Kind::Enum(en) => en
                .get_value(*n)
                .map_or_else(|| n.to_string(), |v| v.name().to_string()),
            _ => n.to_string(),
        },
        Value::Message(message) => {
            let mut out = String::from("{");
            text_format(message, &mut out);
            out.push_str(" }");
            out
        }
        Value::List(values) => {
            let parts: Vec<String> = values.iter().map(|v| value_text(kind, v)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Map(_) => "{}".to_string(),
    }
}

/// A message in the text format used for aggregate option values, with map entries sorted
/// by key so that the canonical text does not depend on hash order.
fn text_format(message: &DynamicMessage, out: &mut String) {
    for (field, value) in message.fields() {
        text_field(field.name(), &field.kind(), value, out);
    }
    for (ext, value) in message.extensions() {
        text_field(&format!("[{}]", ext.full_name()), &ext.kind(), value, out);
    }
}

fn text_field(name: &str, kind: &Kind, value: &Value, out: &mut String) {
    match value {
        Value::List(values) => {
            for value in values {
                text_field(name, kind, value, out);
            }
        }
        Value::Map(map) => {
            let Kind::Message(entry) = kind else { return };
            let key_kind = entry.map_entry_key_field().kind();
            let value_kind = entry.map_entry_value_field().kind();
            let mut entries: Vec<(String, &Value)> = map
                .iter()
                .map(|(k, v)| (value_text(&key_kind, &Value::from(k.clone())), v))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (key, value) in entries {
                let _ = write!(out, " {name} {{ key: {key}");
                text_field("value", &value_kind, value, out);
                out.push_str(" }");
            }
        }
        Value::Message(message) => {
            let _ = write!(out, " {name} {{");
            text_format(message, out);
            out.push_str(" }");
        }
        value => {
            let _ = write!(out, " {name}: {}", value_text(kind, value));
        }
    }
}

/// Field options as ` [a = 1, b = 2]`, or nothing.
fn bracketed(options: &[(String, String)]) -> String {
    if options.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = options.iter().map(|(n, v)| format!("{n} = {v}")).collect();
    format!(" [{}]", parts.join(", "))
}

fn float_text(n: f64) -> String {
    if n.is_nan() {
        "nan".to_string()
    } else if n.is_infinite() {
        if n > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        let mut text = n.to_string();
        if !text.contains(['.', 'e', 'E']) {
            text.push_str(".0");
        }
        text
    }
}

/// A field's type as written in `.proto`: a scalar keyword or a fully-qualified name.
pub(crate) fn type_text(kind: &Kind) -> String {
    match kind {
        Kind::Double => "double".into(),
        Kind::Float => "float".into(),
        Kind::Int32 => "int32".into(),
        Kind::Int64 => "int64".into(),
        Kind::Uint32 => "uint32".into(),
        Kind::Uint64 => "uint64".into(),
        Kind::Sint32 => "sint32".into(),
        Kind::Sint64 => "sint64".into(),
        Kind::Fixed32 => "fixed32".into(),
        Kind::Fixed64 => "fixed64".into(),
        Kind::Sfixed32 => "sfixed32".into(),
        Kind::Sfixed64 => "sfixed64".into(),
        Kind::Bool => "bool".into(),
        Kind::String => "string".into(),
        Kind::Bytes => "bytes".into(),
        Kind::Message(message) => format!(".{}", message.full_name()),
        Kind::Enum(en) => format!(".{}", en.full_name()),
    }
}

/// A message's fields in declaration order (the pool lists them by number).
fn declared_fields(message: &MessageDescriptor) -> Vec<FieldDescriptor> {
    message
        .descriptor_proto()
        .field
        .iter()
        .filter_map(|f| message.get_field(u32::try_from(f.number()).ok()?))
        .collect()
}

/// The oneof a field belongs to, ignoring the synthetic ones proto3 `optional` creates.
pub(super) fn real_oneof(field: &FieldDescriptor) -> Option<OneofDescriptor> {
    field.containing_oneof().filter(|o| !o.is_synthetic())
}

/// Whether `child` is the message type behind a proto2 `group` field of `parent`.
pub(super) fn is_group_type(parent: &MessageDescriptor, child: &MessageDescriptor) -> bool {
    parent.fields().any(|f| {
        f.is_group() && matches!(f.kind(), Kind::Message(m) if m.full_name() == child.full_name())
    })
}

fn range_text(start: u32, end: u32) -> String {
    if start == end {
        start.to_string()
    } else if end >= MAX_FIELD_NUMBER {
        format!("{start} to max")
    } else {
        format!("{start} to {end}")
    }
}

/// protoc's default `json_name`: lowerCamelCase of the field name.
fn default_json_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A `.proto` string literal: printable ASCII and UTF-8 kept, the rest escaped.
fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            for c in text.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c.is_control() => {
                        let mut buf = [0u8; 4];
                        for b in c.encode_utf8(&mut buf).bytes() {
                            let _ = write!(out, "\\{b:03o}");
                        }
                    }
                    c => out.push(c),
                }
            }
        }
        Err(_) => {
            for &b in bytes {
                match b {
                    b'"' => out.push_str("\\\""),
                    b'\\' => out.push_str("\\\\"),
                    0x20..=0x7e => out.push(char::from(b)),
                    b => {
                        let _ = write!(out, "\\{b:03o}");
                    }
                }
            }
        }
    }
    out.push('"');
    out
}
