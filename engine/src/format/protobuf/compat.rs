//! Can a reader compiled from one `.proto` file decode what a writer compiled from another
//! wrote? Judged the way Confluent's Protobuf diff judges it, over compiled descriptors.
//!
//! Messages are matched by name within their scope, fields by number (wherever they sit:
//! top level or inside a oneof), field message types by their name without the package (so a
//! type moved to another package in an import still matches, as in Confluent). A walk over
//! field types visits each (writer message, reader message) pair once, from a work list, so
//! recursive and deeply chained types finish without deep recursion.
//!
//! Deliberately compatible, as in Confluent: adding or removing optional fields, renaming a
//! field (names are not on the wire), adding messages, reordering messages, adding, removing or
//! renaming enums and enum values, scalar changes within one wire group, `string`/`bytes` and
//! message fields becoming repeated, adding oneofs or a single field moving into a new oneof,
//! a field leaving a oneof, option changes, and `syntax` changes (proto2 and proto3 share one
//! wire format). Paths are dotted: `shop.v1.OrderPlaced.total_cents` for a field (the reader's
//! names where the field exists in the reader), `shop.v1.OrderPlaced.payment` for a oneof,
//! `package` for the file's package.
//!
//! Two deliberate extensions where Confluent's diff is silent and no conformance vector
//! decides: a numeric field without a label (proto3's implicit presence) becoming `repeated`,
//! or the reverse, is `PROTO_FIELD_NUMERIC_LABEL_CHANGED` too (Confluent only compares explicit
//! labels, but packed numbers break a singular reader either way, as buf's wire rules say); and
//! an existing field becoming proto2 `required` in the reader is `PROTO_REQUIRED_FIELD_ADDED`
//! (the writer may leave it out, and the reader's parser then rejects the message).

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use prost_reflect::{FieldDescriptor, FileDescriptor, Kind, MessageDescriptor};

use super::canonical::{is_group_type, real_oneof};
use crate::finding::Issue;
use crate::level::Pair;
use crate::rules::{RuleId, protobuf as rule};

/// Pushes every issue that stops `reader` from reading data written with `writer`.
pub(super) fn compare(
    reader: &FileDescriptor,
    writer: &FileDescriptor,
    pair: &Pair,
    out: &mut Vec<Issue>,
) {
    let mut walk = Walk {
        pair,
        out,
        visited: HashSet::new(),
        queue: VecDeque::new(),
    };
    if reader.package_name() != writer.package_name() {
        let detail = format!(
            "package changed from {} in {} to {} in {}",
            package_text(writer.package_name()),
            pair.writer(),
            package_text(reader.package_name()),
            pair.reader()
        );
        walk.push(rule::PACKAGE_CHANGED, "package".to_string(), detail);
    }
    walk.types(
        &writer.messages().collect::<Vec<_>>(),
        &reader.messages().collect::<Vec<_>>(),
    );
    while let Some((w, r)) = walk.queue.pop_front() {
        walk.message(&w, &r);
    }
}

fn package_text(package: &str) -> String {
    if package.is_empty() {
        "no package".to_string()
    } else {
        format!("`{package}`")
    }
}

/// Which fields a writer can set at the same time: each top-level field on its own, each
/// oneof's members one at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Group {
    TopLevel(u32),
    Oneof(String),
}

/// A field's type as the diff sees it.
enum Shape {
    Single(Kind),
    Map(Kind, Kind),
}

/// Scalars that share an encoding, so that one can be read as the other
/// (protobuf.dev "Updating a message type").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScalarGroup {
    Varint,
    ZigZag,
    Fixed32,
    Fixed64,
    Float,
    Double,
    Bytes,
}

struct Walk<'a> {
    pair: &'a Pair,
    out: &'a mut Vec<Issue>,
    visited: HashSet<(String, String)>,
    queue: VecDeque<(MessageDescriptor, MessageDescriptor)>,
}

impl Walk<'_> {
    fn push(&mut self, rule: RuleId, path: String, detail: String) {
        self.out.push(Issue { rule, path, detail });
    }

    fn enqueue(&mut self, writer: &MessageDescriptor, reader: &MessageDescriptor) {
        let key = (
            writer.full_name().to_string(),
            reader.full_name().to_string(),
        );
        if self.visited.insert(key) {
            self.queue.push_back((writer.clone(), reader.clone()));
        }
    }

    /// Matches messages declared side by side (a file's, or a message's nested ones) by name.
    fn types(&mut self, writer: &[MessageDescriptor], reader: &[MessageDescriptor]) {
        // Map entries and proto2 group bodies are part of their field, not declarations of
        // their own: removing the field is a field removal.
        let declared = |m: &&MessageDescriptor| {
            !m.is_map_entry() && !m.parent_message().is_some_and(|p| is_group_type(&p, m))
        };
        for w in writer.iter().filter(declared) {
            match reader.iter().find(|r| r.name() == w.name()) {
                Some(r) => self.enqueue(w, r),
                None => {
                    let detail = format!(
                        "message `{}` exists in {} and is missing from {}",
                        w.full_name(),
                        self.pair.writer(),
                        self.pair.reader()
                    );
                    self.push(rule::MESSAGE_REMOVED, w.full_name().to_string(), detail);
                }
            }
        }
    }

    fn message(&mut self, w: &MessageDescriptor, r: &MessageDescriptor) {
        self.oneofs(w, r);
        let numbers: BTreeSet<u32> = w.fields().chain(r.fields()).map(|f| f.number()).collect();
        for number in numbers {
            match (w.get_field(number), r.get_field(number)) {
                (Some(wf), None) => self.field_removed(&wf, r),
                (None, Some(rf)) if rf.is_required() => {
                    let detail = format!(
                        "field `{}` (number {number}) is required in {} and missing from {}",
                        rf.name(),
                        self.pair.reader(),
                        self.pair.writer()
                    );
                    self.push(rule::REQUIRED_FIELD_ADDED, field_path(&rf), detail);
                }
                (Some(wf), Some(rf)) => self.field(&wf, &rf),
                _ => {}
            }
        }
        let w_children: Vec<MessageDescriptor> = w.child_messages().collect();
        let r_children: Vec<MessageDescriptor> = r.child_messages().collect();
        self.types(&w_children, &r_children);
    }

    /// A reader oneof may hold at most one value; if the writer can set two of its members at
    /// once, the reader keeps only the last and silently drops the rest.
    fn oneofs(&mut self, w: &MessageDescriptor, r: &MessageDescriptor) {
        let groups: HashMap<u32, Group> = w
            .fields()
            .map(|f| {
                let group = real_oneof(&f).map_or(Group::TopLevel(f.number()), |o| {
                    Group::Oneof(o.name().to_string())
                });
                (f.number(), group)
            })
            .collect();
        for oneof in r.oneofs().filter(|o| !o.is_synthetic()) {
            let mut distinct: Vec<Group> = Vec::new();
            let mut members = Vec::new();
            for field in oneof.fields() {
                let Some(group) = groups.get(&field.number()) else {
                    continue;
                };
                let place = match group {
                    Group::TopLevel(_) => "top level".to_string(),
                    Group::Oneof(name) => format!("oneof `{name}`"),
                };
                members.push(format!("`{}` ({place})", field.name()));
                if !distinct.contains(group) {
                    distinct.push(group.clone());
                }
            }
            if distinct.len() < 2 {
                continue;
            }
            let top_level = distinct
                .iter()
                .filter(|g| matches!(g, Group::TopLevel(_)))
                .count();
            let rule = if top_level > 1 {
                rule::MULTIPLE_FIELDS_MOVED_TO_ONEOF
            } else {
                rule::FIELD_MOVED_TO_EXISTING_ONEOF
            };
            let detail = format!(
                "oneof `{}` in {} holds fields that {} can set together: {}",
                oneof.name(),
                self.pair.reader(),
                self.pair.writer(),
                members.join(", ")
            );
            self.push(rule, format!("{}.{}", r.full_name(), oneof.name()), detail);
        }
    }

    fn field_removed(&mut self, wf: &FieldDescriptor, r: &MessageDescriptor) {
        let path = format!("{}.{}", r.full_name(), wf.name());
        if wf.is_required() {
            let detail = format!(
                "required field `{}` (number {}) exists in {} and is missing from {}",
                wf.name(),
                wf.number(),
                self.pair.writer(),
                self.pair.reader()
            );
            self.push(rule::REQUIRED_FIELD_REMOVED, path, detail);
        } else if let Some(oneof) = real_oneof(wf) {
            let detail = format!(
                "field `{}` (number {}) of oneof `{}` exists in {} and is missing from {}, so its value is lost and the oneof reads as unset",
                wf.name(),
                wf.number(),
                oneof.name(),
                self.pair.writer(),
                self.pair.reader()
            );
            self.push(rule::ONEOF_FIELD_REMOVED, path, detail);
        }
    }

    fn field(&mut self, wf: &FieldDescriptor, rf: &FieldDescriptor) {
        let path = field_path(rf);
        let what = format!("field `{}` (number {})", rf.name(), rf.number());
        if rf.is_required() && !wf.is_required() {
            let detail = format!(
                "{what} is required in {} but not in {}",
                self.pair.reader(),
                self.pair.writer()
            );
            self.push(rule::REQUIRED_FIELD_ADDED, path.clone(), detail);
        }
        match (shape(wf), shape(rf)) {
            (Shape::Map(wk, wv), Shape::Map(rk, rv)) => {
                let key = format!("the key of map {what}");
                self.kinds(&wk, &rk, &key, &path, None);
                let value = format!("the value of map {what}");
                self.kinds(&wv, &rv, &value, &path, None);
            }
            (Shape::Single(wk), Shape::Single(rk)) => {
                self.kinds(&wk, &rk, &what, &path, Some((wf.is_list(), rf.is_list())));
            }
            (ws, rs) => {
                let detail = format!(
                    "{what} changed from {} in {} to {} in {}",
                    shape_text(&ws),
                    self.pair.writer(),
                    shape_text(&rs),
                    self.pair.reader()
                );
                self.push(rule::FIELD_KIND_CHANGED, path, detail);
            }
        }
    }

    /// Compares two element types; `lists` is (writer repeated, reader repeated) for fields.
    fn kinds(&mut self, w: &Kind, r: &Kind, what: &str, path: &str, lists: Option<(bool, bool)>) {
        let changed = |walk: &Walk<'_>| {
            format!(
                "{what} changed type from {} in {} to {} in {}",
                kind_text(w),
                walk.pair.writer(),
                kind_text(r),
                walk.pair.reader()
            )
        };
        match (scalar_group(w), scalar_group(r), w, r) {
            (Some(wg), Some(rg), _, _) => {
                if wg != rg {
                    let detail = changed(self);
                    self.push(rule::FIELD_SCALAR_KIND_CHANGED, path.to_string(), detail);
                } else if let Some((w_list, r_list)) = lists {
                    // Repeated numbers are packed: a singular reader cannot take them, and
                    // Confluent flags the change both ways. Length-delimited values (strings,
                    // bytes, messages) read the same either way.
                    if w_list != r_list && wg != ScalarGroup::Bytes {
                        let detail = format!(
                            "{what} changed from {} in {} to {} in {}",
                            cardinality(w_list),
                            self.pair.writer(),
                            cardinality(r_list),
                            self.pair.reader()
                        );
                        self.push(rule::FIELD_NUMERIC_LABEL_CHANGED, path.to_string(), detail);
                    }
                }
            }
            (None, None, Kind::Message(wm), Kind::Message(rm)) => {
                if local_name(wm) == local_name(rm) {
                    self.enqueue(wm, rm);
                } else {
                    let detail = changed(self);
                    self.push(rule::FIELD_NAMED_TYPE_CHANGED, path.to_string(), detail);
                }
            }
            _ => {
                let detail = changed(self);
                self.push(rule::FIELD_KIND_CHANGED, path.to_string(), detail);
            }
        }
    }
}

fn field_path(field: &FieldDescriptor) -> String {
    format!("{}.{}", field.parent_message().full_name(), field.name())
}

fn shape(field: &FieldDescriptor) -> Shape {
    match field.kind() {
        Kind::Message(entry) if field.is_map() => Shape::Map(
            entry.map_entry_key_field().kind(),
            entry.map_entry_value_field().kind(),
        ),
        kind => Shape::Single(kind),
    }
}

fn shape_text(shape: &Shape) -> String {
    match shape {
        Shape::Single(kind) => kind_text(kind),
        Shape::Map(key, value) => format!("map<{}, {}>", kind_text(key), kind_text(value)),
    }
}

fn kind_text(kind: &Kind) -> String {
    match kind {
        Kind::Message(m) => format!("message `{}`", m.full_name()),
        Kind::Enum(e) => format!("enum `{}`", e.full_name()),
        scalar => super::canonical::type_text(scalar),
    }
}

fn cardinality(list: bool) -> &'static str {
    if list { "repeated" } else { "singular" }
}

/// A message's name without its package: `outer.GoogleHome` for
/// `io.confluent.demo.outer.GoogleHome`.
fn local_name(message: &MessageDescriptor) -> &str {
    let package = message.package_name();
    if package.is_empty() {
        return message.full_name();
    }
    message
        .full_name()
        .strip_prefix(package)
        .and_then(|rest| rest.strip_prefix('.'))
        .unwrap_or(message.full_name())
}

/// The wire group of a scalar or enum type; `None` for messages. Enums are varints.
fn scalar_group(kind: &Kind) -> Option<ScalarGroup> {
    Some(match kind {
        Kind::Int32 | Kind::Int64 | Kind::Uint32 | Kind::Uint64 | Kind::Bool | Kind::Enum(_) => {
            ScalarGroup::Varint
        }
        Kind::Sint32 | Kind::Sint64 => ScalarGroup::ZigZag,
        Kind::Fixed32 | Kind::Sfixed32 => ScalarGroup::Fixed32,
        Kind::Fixed64 | Kind::Sfixed64 => ScalarGroup::Fixed64,
        Kind::Float => ScalarGroup::Float,
        Kind::Double => ScalarGroup::Double,
        Kind::String | Kind::Bytes => ScalarGroup::Bytes,
        Kind::Message(_) => return None,
    })
}
