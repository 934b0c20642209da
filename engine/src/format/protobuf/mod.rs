//! Protocol Buffers: `.proto` files (proto2 and proto3) and base64 `FileDescriptorProto`s,
//! compiled in process, canonicalised from the compiled descriptor, and checked for wire
//! compatibility the way Confluent Schema Registry checks them.
//!
//! - [`parse`] compiles the schema with protox against its references and the files the
//!   registry provides by itself (see `parse.rs`). The whole file is the schema: Confluent
//!   serialises with the first message by default, but compares every message, and so do we.
//! - [`Parsed::canonical`] prints the compiled descriptor back as `.proto` text (see
//!   `canonical.rs` for the default and the normalized form), so source text and a base64
//!   descriptor of one schema give the same canonical text and fingerprint.
//! - [`can_read`] compares two compiled files (see `compat.rs` for what counts as breaking).
//!
//! Left out: Protobuf editions, which protox 0.10 cannot compile (a clear `Unsupported`
//! error), and JSON-encoding compatibility (field renames are fine on the binary wire, which is
//! what Kafka payloads use).

mod canonical;

/// A field type's `.proto` spelling, also shown by the outline.
pub(crate) use canonical::type_text;
mod compat;
mod parse;

use base64::Engine as _;
use prost_reflect::{DescriptorPool, FileDescriptor};

use crate::finding::Issue;
use crate::format::{ParseError, ParseErrorKind, ParseOptions};
use crate::level::Pair;
use crate::references::Dependency;

/// A compiled `.proto` file with everything it imports.
#[derive(Debug, Clone)]
pub struct Parsed {
    pool: DescriptorPool,
    file: String,
    canonical: String,
    deps: Vec<Dependency>,
}

impl Parsed {
    /// The canonical `.proto` text, printed from the compiled descriptor.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The referenced files this schema was compiled with.
    pub fn dependencies(&self) -> &[Dependency] {
        &self.deps
    }

    /// The schema's own file in the compiled pool.
    pub(crate) fn file(&self) -> FileDescriptor {
        self.pool
            .get_file_by_name(&self.file)
            .expect("parse keeps the schema's own file in its pool")
    }

    /// The schema as a base64 `FileDescriptorProto`, Confluent's `format=serialized`.
    pub fn to_serialized(&self) -> String {
        // Field 9 is `source_code_info`: spans into text the registry does not keep.
        let bytes = parse::without_field(&self.file().encode_to_vec(), 9);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// Full names of the file's top-level messages, in order. Confluent serialises with the
    /// first one unless told otherwise.
    pub fn message_names(&self) -> Vec<String> {
        self.file()
            .messages()
            .map(|m| m.full_name().to_string())
            .collect()
    }
}

/// Compiles `.proto` source, or a base64 `FileDescriptorProto`, with its referenced files
/// (`deps`: import path and text).
pub fn parse(text: &str, deps: &[Dependency], options: ParseOptions) -> Result<Parsed, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::new(
            ParseErrorKind::Syntax,
            "schema text is empty",
        ));
    }
    let compiled = parse::compile(text, deps)?;
    let Some(file) = compiled.pool.get_file_by_name(&compiled.file) else {
        return Err(ParseError::new(
            ParseErrorKind::Invalid,
            "the compiled schema is missing from its own descriptor pool",
        ));
    };
    let canonical = canonical::render(&file, options.normalize);
    Ok(Parsed {
        pool: compiled.pool,
        file: compiled.file,
        canonical,
        deps: deps.to_vec(),
    })
}

/// Pushes every problem that stops `reader` from reading data written with `writer`.
pub fn can_read(reader: &Parsed, writer: &Parsed, pair: &Pair, out: &mut Vec<Issue>) {
    compat::compare(&reader.file(), &writer.file(), pair, out);
}

#[cfg(test)]
mod tests;
