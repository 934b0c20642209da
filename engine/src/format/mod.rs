//! The three schema formats behind one closed enum.
//!
//! Each format module exposes the same small surface: `parse(text, deps, options)` returning
//! its `Parsed` value, `Parsed::canonical()`, and `can_read(reader, writer, ctx, out)`, the one
//! compatibility primitive that [`crate::level`] builds the seven levels from. This module only
//! dispatches; it knows nothing about any format's rules.

pub mod avro;
pub mod json;
pub mod protobuf;

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use crate::references::Dependency;

/// Largest schema text the engine accepts, in bytes. Larger input is refused before parsing so
/// that a hostile or accidental upload cannot make any parser allocate without bound.
pub const MAX_SCHEMA_BYTES: usize = 8 * 1024 * 1024;

/// Deepest nesting of types (records in records, messages in messages, subschemas in
/// subschemas) that any format accepts.
pub const MAX_DEPTH: usize = 100;

/// A schema format, spelled as the registry's `schemaType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Apache Avro, the JSON schema text (`.avsc`).
    Avro,
    /// Protocol Buffers source (`.proto`) or a base64 `FileDescriptorProto`.
    Protobuf,
    /// JSON Schema (drafts 4, 6, 7, 2019-09 and 2020-12).
    Json,
}

impl Format {
    /// All formats, in the order the registry lists them in `GET /schemas/types`.
    pub const ALL: [Format; 3] = [Format::Json, Format::Protobuf, Format::Avro];

    /// The registry's `schemaType` spelling: `AVRO`, `PROTOBUF` or `JSON`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Avro => "AVRO",
            Format::Protobuf => "PROTOBUF",
            Format::Json => "JSON",
        }
    }

    /// The format a file name implies: `.avsc` (and `.avro`), `.proto`, `.json`.
    pub fn from_extension(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "avsc" | "avro" => Some(Format::Avro),
            "proto" => Some(Format::Protobuf),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Accepts the registry spellings case-insensitively, plus the CLI's `protobuf`/`proto`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "AVRO" => Ok(Format::Avro),
            "PROTOBUF" | "PROTO" => Ok(Format::Protobuf),
            "JSON" | "JSONSCHEMA" | "JSON_SCHEMA" => Ok(Format::Json),
            _ => Err(format!("Invalid schema type {s}")),
        }
    }
}

/// What kind of problem made a schema text unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text is not well-formed (bad JSON, a `.proto` syntax error, invalid UTF-8).
    Syntax,
    /// Well-formed, but not a valid schema (unknown type, default of the wrong type,
    /// duplicate field name or number, a JSON Schema that fails its meta-schema).
    Invalid,
    /// A referenced schema is missing, or references form a cycle.
    Reference,
    /// The input exceeds a size or nesting limit.
    TooLarge,
    /// A valid construct that this engine does not support (for example Protobuf editions).
    Unsupported,
}

/// Why a schema text could not be parsed. Carries a location when the parser knows one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct ParseError {
    /// What kind of problem this is.
    pub kind: ParseErrorKind,
    /// What is wrong, as one sentence.
    pub message: String,
    /// The referenced file the problem is in, when it is not the schema itself.
    pub file: Option<String>,
    /// 1-based line in the text, when known.
    pub line: Option<u32>,
    /// 1-based column in the text, when known.
    pub column: Option<u32>,
    /// JSON pointer or type path inside the schema, when known.
    pub path: Option<String>,
}

impl ParseError {
    /// An error with a kind and a message and no location yet.
    pub fn new(kind: ParseErrorKind, message: impl Into<String>) -> ParseError {
        ParseError {
            kind,
            message: message.into(),
            file: None,
            line: None,
            column: None,
            path: None,
        }
    }

    /// Attaches a line and column (both 1-based).
    pub fn at(mut self, line: u32, column: u32) -> ParseError {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Attaches a path inside the schema.
    pub fn at_path(mut self, path: impl Into<String>) -> ParseError {
        self.path = Some(path.into());
        self
    }

    /// Names the referenced file the problem is in.
    pub fn in_file(mut self, file: impl Into<String>) -> ParseError {
        self.file = Some(file.into());
        self
    }

    /// Computes 1-based line and column from a byte offset into `text`.
    pub fn at_offset(self, text: &str, offset: usize) -> ParseError {
        let (line, column) = line_column(text, offset);
        self.at(line, column)
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "line {line}, column {column}: ")?,
            (Some(line), None) => write!(f, "line {line}: ")?,
            _ => {}
        }
        if let Some(path) = &self.path {
            write!(f, "at {path}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// 1-based line and column (in characters) of a byte offset; offsets past the end clamp.
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// Refuses a text larger than [`MAX_SCHEMA_BYTES`] before any parser sees it.
pub(crate) fn check_size(text: &str) -> Result<(), ParseError> {
    if text.len() > MAX_SCHEMA_BYTES {
        return Err(ParseError::new(
            ParseErrorKind::TooLarge,
            format!(
                "schema is {} bytes, larger than the limit of {MAX_SCHEMA_BYTES} bytes",
                text.len()
            ),
        ));
    }
    Ok(())
}

/// Reads JSON text (an Avro or a JSON Schema document, or one of their references), turning
/// serde_json's errors into located parse errors. serde_json's recursion limit of 128 is the
/// first depth guard for both formats, so it must never be lifted.
pub(crate) fn read_json(text: &str) -> Result<serde_json::Value, ParseError> {
    check_size(text)?;
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; we carry those as fields instead.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(before, _)| before);
        let error = if message.contains("recursion limit") {
            ParseError::new(
                ParseErrorKind::TooLarge,
                "the schema nests JSON arrays and objects more than 128 levels deep",
            )
        } else {
            ParseError::new(ParseErrorKind::Syntax, format!("invalid JSON: {message}"))
        };
        if e.line() == 0 {
            return error;
        }
        // serde_json says column 0 when the problem is at the very start of a line (for
        // example the end of input after a newline); our columns are 1-based.
        error.at(
            u32::try_from(e.line()).unwrap_or(u32::MAX),
            u32::try_from(e.column().max(1)).unwrap_or(u32::MAX),
        )
    })
}

/// How to parse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Confluent's `normalize`: canonicalise more aggressively so that semantically equal
    /// spellings (reordered options, qualified vs unqualified names) become one schema.
    pub normalize: bool,
}

/// A SHA-256 over the format, the canonical text and every resolved dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 32]);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// One parsed schema of any format.
#[derive(Debug, Clone)]
pub enum Schema {
    /// An Avro schema.
    Avro(avro::Parsed),
    /// A Protobuf file.
    Protobuf(protobuf::Parsed),
    /// A JSON Schema document.
    Json(json::Parsed),
}

impl Schema {
    /// Parses `text` as `format`. `deps` are the already-resolved referenced schemas (see
    /// [`crate::resolve`]), dependencies before dependents.
    pub fn parse(
        format: Format,
        text: &str,
        deps: &[Dependency],
        options: ParseOptions,
    ) -> Result<Schema, ParseError> {
        check_size(text)?;
        if text.trim().is_empty() {
            return Err(ParseError::new(
                ParseErrorKind::Syntax,
                "schema text is empty",
            ));
        }
        let schema = match format {
            Format::Avro => Schema::Avro(avro::parse(text, deps, options)?),
            Format::Protobuf => Schema::Protobuf(protobuf::parse(text, deps, options)?),
            Format::Json => Schema::Json(json::parse(text, deps, options)?),
        };
        Ok(schema)
    }

    /// The schema's format.
    pub fn format(&self) -> Format {
        match self {
            Schema::Avro(_) => Format::Avro,
            Schema::Protobuf(_) => Format::Protobuf,
            Schema::Json(_) => Format::Json,
        }
    }

    /// Stable text: two spellings of one schema give the same text. This is what the registry
    /// stores and returns (Confluent returns its parser's canonical string, not the bytes sent).
    pub fn canonical(&self) -> &str {
        match self {
            Schema::Avro(parsed) => parsed.canonical(),
            Schema::Protobuf(parsed) => parsed.canonical(),
            Schema::Json(parsed) => parsed.canonical(),
        }
    }

    /// The resolved dependencies this schema was parsed with.
    pub fn dependencies(&self) -> &[Dependency] {
        match self {
            Schema::Avro(parsed) => parsed.dependencies(),
            Schema::Protobuf(parsed) => parsed.dependencies(),
            Schema::Json(parsed) => parsed.dependencies(),
        }
    }

    /// Hash of the format, the canonical text and each dependency's name and text, so the same
    /// text pointing at different referenced schemas gets a different fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        let mut hasher = Sha256::new();
        hasher.update(self.format().as_str().as_bytes());
        hasher.update([0]);
        hasher.update(self.canonical().as_bytes());
        for dep in self.dependencies() {
            hasher.update([0]);
            hasher.update(dep.name.as_bytes());
            hasher.update([0]);
            hasher.update(dep.text.as_bytes());
        }
        Fingerprint(hasher.finalize().into())
    }
}
