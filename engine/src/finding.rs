//! What a compatibility check reports: [`Issue`]s from a format's `can_read`, turned into
//! [`Finding`]s (with the versions compared and a whole sentence) and gathered in a [`Report`].
//!
//! `Finding` and `Report` are the only engine types that serialise; their field names are
//! public API (the CLI's `--output json` and the registry's verbose messages use them).

use serde::Serialize;

use crate::level::Level;
use crate::rules::{Category, RuleId};

/// One problem found by a format's `can_read(reader, writer)`, before versions are attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The rule that fired.
    pub rule: RuleId,
    /// Where in the schema: a JSON pointer for Avro and JSON Schema, a dotted message path
    /// for Protobuf.
    pub path: String,
    /// What changed, lowercase, no final period, old value then new, e.g. "field `couponCode`
    /// exists in version 3 without a default and is missing from version 1". Details name
    /// versions through [`crate::level::Pair`] so they read right in either direction.
    pub detail: String,
}

/// One reason a check failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule identifier.
    pub rule: RuleId,
    /// How the change breaks readers.
    pub category: Category,
    /// Where in the schema the problem is.
    pub path: String,
    /// One plain sentence: who breaks and why.
    pub message: String,
    /// The version whose consumers cannot read.
    pub reader_version: i32,
    /// The version whose data they cannot read.
    pub writer_version: i32,
}

/// The result of checking one schema against its predecessors at a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The level applied.
    pub level: Level,
    /// `true` when no finding was made.
    pub compatible: bool,
    /// The version checked.
    pub version: i32,
    /// The earlier versions it was compared with, newest first.
    pub compared: Vec<i32>,
    /// Every problem found, grouped by compared version (newest first).
    pub findings: Vec<Finding>,
}
