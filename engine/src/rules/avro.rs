//! avro rules. PLACEHOLDER.

use super::Rule;

/// Every avro rule.
pub static RULES: &[Rule] = &[];
