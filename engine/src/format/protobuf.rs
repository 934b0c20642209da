//! PLACEHOLDER: replaced by the protobuf implementation.

use crate::finding::Issue;
use crate::format::{ParseError, ParseErrorKind, ParseOptions};
use crate::level::Pair;
use crate::references::Dependency;

/// A parsed schema.
#[derive(Debug, Clone)]
pub struct Parsed {
    canonical: String,
    deps: Vec<Dependency>,
}

impl Parsed {
    /// Canonical text.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// Resolved dependencies.
    pub fn dependencies(&self) -> &[Dependency] {
        &self.deps
    }
}

/// Parses a schema.
pub fn parse(
    _text: &str,
    _deps: &[Dependency],
    _options: ParseOptions,
) -> Result<Parsed, ParseError> {
    Err(ParseError::new(
        ParseErrorKind::Unsupported,
        "not implemented",
    ))
}

/// Findings that stop `reader` from reading data written with `writer`.
pub fn can_read(_reader: &Parsed, _writer: &Parsed, _pair: &Pair, _out: &mut Vec<Issue>) {}
