//! json rules. PLACEHOLDER.

use super::Rule;

/// Every json rule.
pub static RULES: &[Rule] = &[];
