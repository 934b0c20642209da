//! Protobuf compatibility rules. Each ID is `PROTO_` plus the name of the difference in
//! Confluent's Protobuf diff that it corresponds to, so users moving from Confluent recognise
//! them. Only differences that make a change incompatible are rules: Confluent's compatible
//! differences (a field added or removed, a field renamed, enum changes, ...) report nothing.

use super::{Category, Rule, RuleId};
use crate::format::Format;

/// The file's package changed.
pub const PACKAGE_CHANGED: RuleId = RuleId("PROTO_PACKAGE_CHANGED");
/// A message the writer declares is gone from the reader's file.
pub const MESSAGE_REMOVED: RuleId = RuleId("PROTO_MESSAGE_REMOVED");
/// A field changed between scalar, message and map.
pub const FIELD_KIND_CHANGED: RuleId = RuleId("PROTO_FIELD_KIND_CHANGED");
/// A scalar field changed to a scalar with another encoding.
pub const FIELD_SCALAR_KIND_CHANGED: RuleId = RuleId("PROTO_FIELD_SCALAR_KIND_CHANGED");
/// A message field changed to a message type of another name.
pub const FIELD_NAMED_TYPE_CHANGED: RuleId = RuleId("PROTO_FIELD_NAMED_TYPE_CHANGED");
/// A numeric field changed between singular and repeated.
pub const FIELD_NUMERIC_LABEL_CHANGED: RuleId = RuleId("PROTO_FIELD_NUMERIC_LABEL_CHANGED");
/// The reader requires a field the writer may leave out.
pub const REQUIRED_FIELD_ADDED: RuleId = RuleId("PROTO_REQUIRED_FIELD_ADDED");
/// A required field of the writer is gone from the reader.
pub const REQUIRED_FIELD_REMOVED: RuleId = RuleId("PROTO_REQUIRED_FIELD_REMOVED");
/// A oneof member of the writer is gone from the reader.
pub const ONEOF_FIELD_REMOVED: RuleId = RuleId("PROTO_ONEOF_FIELD_REMOVED");
/// Several independent fields of the writer share one oneof in the reader.
pub const MULTIPLE_FIELDS_MOVED_TO_ONEOF: RuleId = RuleId("PROTO_MULTIPLE_FIELDS_MOVED_TO_ONEOF");
/// A field of the writer joined a oneof in the reader that holds fields of another writer oneof.
pub const FIELD_MOVED_TO_EXISTING_ONEOF: RuleId = RuleId("PROTO_FIELD_MOVED_TO_EXISTING_ONEOF");

const fn rule(id: RuleId, category: Category, purpose: &'static str) -> Rule {
    Rule {
        id,
        format: Some(Format::Protobuf),
        category,
        purpose,
        deprecated: false,
    }
}

/// Every Protobuf rule.
pub static RULES: &[Rule] = &[
    rule(
        PACKAGE_CHANGED,
        Category::Source,
        "a file keeps its package; a new package renames every type, which breaks generated code, `Any` type URLs and Confluent's check",
    ),
    rule(
        MESSAGE_REMOVED,
        Category::Wire,
        "a message stays in the file; payloads name their message by its position, and readers without it cannot decode them",
    ),
    rule(
        FIELD_KIND_CHANGED,
        Category::Wire,
        "a field does not change between scalar (or enum), message and map, whose encodings differ",
    ),
    rule(
        FIELD_SCALAR_KIND_CHANGED,
        Category::Wire,
        "a scalar field only changes within its wire group (int32/int64/uint32/uint64/bool/enum, sint32/sint64, fixed32/sfixed32, fixed64/sfixed64, string/bytes)",
    ),
    rule(
        FIELD_NAMED_TYPE_CHANGED,
        Category::Wire,
        "a message field keeps its message type's name (without the package); a different message is a different contract",
    ),
    rule(
        FIELD_NUMERIC_LABEL_CHANGED,
        Category::Wire,
        "a numeric or enum field does not change between singular and repeated, since repeated numbers are packed",
    ),
    rule(
        REQUIRED_FIELD_ADDED,
        Category::Wire,
        "a reader does not require a field the writer may leave out; proto2 parsers reject messages missing a required field",
    ),
    rule(
        REQUIRED_FIELD_REMOVED,
        Category::Contract,
        "a proto2 required field is not removed; readers on the other side still require it",
    ),
    rule(
        ONEOF_FIELD_REMOVED,
        Category::Contract,
        "a oneof member is not removed; the reader would drop its value and see the oneof as unset",
    ),
    rule(
        MULTIPLE_FIELDS_MOVED_TO_ONEOF,
        Category::Contract,
        "fields the writer sets independently are not moved into one oneof; the reader would keep only the last of them",
    ),
    rule(
        FIELD_MOVED_TO_EXISTING_ONEOF,
        Category::Contract,
        "a oneof does not gather fields the writer can set together (a field and another oneof's members); the reader would keep only the last",
    ),
];
