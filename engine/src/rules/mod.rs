//! The one list of compatibility rules.
//!
//! Every finding the engine reports carries a [`RuleId`] from this list, and `stele rules` and
//! the rules reference are generated from it. Each format keeps its rules in its own module
//! (`avro.rs`, `protobuf.rs`, `json.rs`); [`all`] chains them with the format-independent
//! ones. Once released, a rule ID is never renamed or reused: a retired rule stays listed with
//! `deprecated: true`.

pub mod avro;
pub mod json;
pub mod protobuf;

use std::fmt;

use serde::Serialize;

use crate::format::Format;

/// A stable rule identifier such as `AVRO_FIELD_ADDED_WITHOUT_DEFAULT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RuleId(pub &'static str);

impl RuleId {
    /// The identifier text.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// How a change breaks readers, so users can choose a strictness rather than a rule list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Payloads written with one version cannot be decoded with the other.
    Wire,
    /// Payloads decode, but values the writer may produce are rejected or misread by the
    /// reader's contract (validation constraints, enum values, required properties).
    Contract,
    /// Payloads are fine on the wire, but code generated from the schema breaks or changes
    /// meaning (renamed types, package changes).
    Source,
}

impl Category {
    /// Lowercase name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Wire => "wire",
            Category::Contract => "contract",
            Category::Source => "source",
        }
    }
}

/// One rule: its ID, the format it applies to, its category and what it protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable identifier.
    pub id: RuleId,
    /// The format the rule checks, or `None` for rules about any pair of schemas.
    pub format: Option<Format>,
    /// How a violation breaks readers.
    pub category: Category,
    /// One sentence saying what the rule catches; it is the rule's documentation.
    pub purpose: &'static str,
    /// Retired rules stay listed so their IDs are never reused.
    pub deprecated: bool,
}

/// Rule IDs that apply to any pair of schemas.
pub mod common {
    use super::RuleId;

    /// The two versions are of different formats.
    pub const SCHEMA_TYPE_CHANGED: RuleId = RuleId("SCHEMA_TYPE_CHANGED");
    /// The comparison hit one of the engine's depth or work limits.
    pub const CHECK_LIMIT_EXCEEDED: RuleId = RuleId("CHECK_LIMIT_EXCEEDED");
}

/// Rules that apply to any pair of schemas, whatever their format.
pub static COMMON: &[Rule] = &[
    Rule {
        id: common::SCHEMA_TYPE_CHANGED,
        format: None,
        category: Category::Wire,
        purpose: "a subject's versions must keep one schema type; a reader of one format cannot decode another",
        deprecated: false,
    },
    Rule {
        id: common::CHECK_LIMIT_EXCEEDED,
        format: None,
        category: Category::Wire,
        purpose: "schemas too deeply nested or too large to compare within the engine's limits are refused rather than passed unchecked",
        deprecated: false,
    },
];

/// Every rule, common ones first, then Avro, Protobuf and JSON Schema.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    COMMON
        .iter()
        .chain(avro::RULES)
        .chain(protobuf::RULES)
        .chain(json::RULES)
}

/// The rule with this ID.
pub fn get(id: RuleId) -> Option<&'static Rule> {
    all().find(|rule| rule.id == id)
}

/// The category of a rule, `Wire` for an unknown ID (which the tests rule out).
pub fn category_of(id: RuleId) -> Category {
    get(id).map_or(Category::Wire, |rule| rule.category)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_well_formed_and_documented() {
        let mut seen = HashSet::new();
        for rule in all() {
            assert!(seen.insert(rule.id), "duplicate rule id {}", rule.id);
            let prefix = match rule.format {
                Some(Format::Avro) => "AVRO_",
                Some(Format::Protobuf) => "PROTO_",
                Some(Format::Json) => "JSON_",
                None => "",
            };
            assert!(
                rule.id.0.starts_with(prefix),
                "{} should start with {prefix}",
                rule.id
            );
            assert!(
                rule.id
                    .0
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                "{} is not UPPER_SNAKE",
                rule.id
            );
            assert!(!rule.purpose.is_empty(), "{} has no purpose", rule.id);
            assert!(
                !rule.purpose.ends_with('.'),
                "{} purpose ends with a period",
                rule.id
            );
        }
    }
}
