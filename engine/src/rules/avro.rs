//! The Avro rules: one per way the specification's schema-resolution rules can fail.
//!
//! The checks themselves live in `format/avro/compat.rs`, which walks reader and writer
//! together; this list gives each failure a stable ID, a category and a purpose. Logical types
//! have no rule: resolution ignores them, as the specification and Avro Java's
//! `SchemaCompatibility` (which Confluent uses) do, decimal precision and scale included.

use super::{Category, Rule, RuleId};
use crate::format::Format;

/// A reader field is missing from the writer and has no default.
pub const AVRO_FIELD_ADDED_WITHOUT_DEFAULT: RuleId = RuleId("AVRO_FIELD_ADDED_WITHOUT_DEFAULT");
/// The reader's type cannot read the writer's (and no promotion applies).
pub const AVRO_TYPE_CHANGED: RuleId = RuleId("AVRO_TYPE_CHANGED");
/// A record, enum or fixed has a different name and no reader alias for the writer's name.
pub const AVRO_NAME_CHANGED: RuleId = RuleId("AVRO_NAME_CHANGED");
/// The writer's enum has a symbol the reader lacks, and the reader enum has no default.
pub const AVRO_ENUM_SYMBOL_REMOVED: RuleId = RuleId("AVRO_ENUM_SYMBOL_REMOVED");
/// A fixed type's size differs.
pub const AVRO_FIXED_SIZE_CHANGED: RuleId = RuleId("AVRO_FIXED_SIZE_CHANGED");
/// A branch of the writer's union has no branch in the reader's union that can read it.
pub const AVRO_UNION_BRANCH_REMOVED: RuleId = RuleId("AVRO_UNION_BRANCH_REMOVED");
/// The writer has a union where the reader has a single type that cannot read every branch.
pub const AVRO_TYPE_NARROWED_FROM_UNION: RuleId = RuleId("AVRO_TYPE_NARROWED_FROM_UNION");

const fn rule(id: RuleId, category: Category, purpose: &'static str) -> Rule {
    Rule {
        id,
        format: Some(Format::Avro),
        category,
        purpose,
        deprecated: false,
    }
}

/// Every Avro rule.
pub static RULES: &[Rule] = &[
    rule(
        AVRO_FIELD_ADDED_WITHOUT_DEFAULT,
        Category::Wire,
        "a field the reader expects must either be written by the writer or have a default the reader can fill in",
    ),
    rule(
        AVRO_TYPE_CHANGED,
        Category::Wire,
        "a value's type may only change along the specification's promotions (int to long, float or double; long to float or double; float to double; string and bytes)",
    ),
    rule(
        AVRO_NAME_CHANGED,
        Category::Wire,
        "records, enums and fixed types are matched by unqualified name, so a rename needs the old name among the reader's aliases",
    ),
    rule(
        AVRO_ENUM_SYMBOL_REMOVED,
        Category::Wire,
        "every symbol the writer may send must exist in the reader's enum, unless the reader's enum has a default symbol",
    ),
    rule(
        AVRO_FIXED_SIZE_CHANGED,
        Category::Wire,
        "a fixed type's size is part of the encoding and cannot change",
    ),
    rule(
        AVRO_UNION_BRANCH_REMOVED,
        Category::Wire,
        "every branch of the writer's union needs a branch in the reader's union that can read it",
    ),
    rule(
        AVRO_TYPE_NARROWED_FROM_UNION,
        Category::Wire,
        "when a union becomes a single type, every branch the writer may send must be readable as that type",
    ),
];
