//! protobuf rules. PLACEHOLDER.

use super::Rule;

/// Every protobuf rule.
pub static RULES: &[Rule] = &[];
