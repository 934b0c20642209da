//! Compiling `.proto` text (or a base64 `FileDescriptorProto`) into a descriptor pool, in
//! process, with protox: no `protoc`, no file system.
//!
//! The schema itself and each referenced file are served from memory by [`Sources`], chained
//! with the Confluent files the registry provides by itself (`confluent/meta.proto`,
//! `confluent/type/decimal.proto`) and protox's Google well-known types (which include
//! `google/protobuf/descriptor.proto`). protox errors are miette diagnostics with byte-offset
//! labels; they become [`ParseError`]s with a line and column in the file they point at.
//!
//! Left out: editions (`edition = "2023"`), which protox 0.10 cannot compile, and the
//! `google/type/*.proto` files, which must be registered like any other reference.

use std::collections::HashMap;

use base64::Engine as _;
use miette::Diagnostic as _;
use prost::Message as _;
use prost_reflect::{DescriptorPool, FileDescriptor, MessageDescriptor};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};

use crate::format::{MAX_DEPTH, MAX_SCHEMA_BYTES, ParseError, ParseErrorKind};
use crate::references::Dependency;

/// Files Confluent resolves without a registered subject, by import path.
const BUILT_IN: &[(&str, &str)] = &[
    ("confluent/meta.proto", include_str!("meta.proto")),
    (
        "confluent/type/decimal.proto",
        include_str!("decimal.proto"),
    ),
];

/// The name the schema's own file gets inside the pool. It never appears in the canonical
/// text, so it only has to differ from every import path.
const MAIN_FILE: &str = "schema.proto";

/// One file's content as given: `.proto` source, or an encoded `FileDescriptorProto`.
#[derive(Debug, Clone)]
enum Source {
    Text(String),
    Descriptor(Vec<u8>),
}

/// Serves the schema and its references from memory.
struct Sources {
    files: HashMap<String, Source>,
}

impl FileResolver for Sources {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match self.files.get(name) {
            Some(Source::Text(text)) => File::from_source(name, text),
            Some(Source::Descriptor(bytes)) => {
                File::decode_file_descriptor_proto(bytes.as_slice()).map_err(protox::Error::new)
            }
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// Serves the built-in Confluent files.
struct BuiltIn;

impl FileResolver for BuiltIn {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match BUILT_IN.iter().find(|(path, _)| *path == name) {
            Some((path, text)) => File::from_source(path, text),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// The compiled schema: the pool with every file it needed, and its own file's name in it.
pub(super) struct Compiled {
    pub pool: DescriptorPool,
    pub file: String,
}

/// Compiles `text` with `deps` (import path -> text).
pub(super) fn compile(text: &str, deps: &[Dependency]) -> Result<Compiled, ParseError> {
    let mut main = MAIN_FILE.to_string();
    let mut counter = 0;
    while deps.iter().any(|dep| dep.name == main) {
        counter += 1;
        main = format!("schema-{counter}.proto");
    }
    let mut texts: HashMap<String, String> = HashMap::new();
    let mut files = HashMap::new();
    files.insert(main.clone(), source_of(text, &main, None)?);
    texts.insert(main.clone(), text.to_string());
    for dep in deps {
        // The first definition of a name wins, as in `references::resolve`.
        if files.contains_key(&dep.name) {
            continue;
        }
        if dep.text.len() > MAX_SCHEMA_BYTES {
            return Err(ParseError::new(
                ParseErrorKind::TooLarge,
                format!(
                    "referenced file is {} bytes, larger than the limit of {MAX_SCHEMA_BYTES} bytes",
                    dep.text.len()
                ),
            )
            .in_file(&dep.name));
        }
        let source = source_of(&dep.text, &dep.name, Some(&dep.name))?;
        files.insert(dep.name.clone(), source);
        texts.insert(dep.name.clone(), dep.text.clone());
    }
    for (path, text) in BUILT_IN {
        texts
            .entry((*path).to_string())
            .or_insert_with(|| (*text).to_string());
    }

    let mut chain = ChainFileResolver::new();
    chain.add(Sources { files });
    chain.add(BuiltIn);
    chain.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(chain);
    compiler.include_imports(true);
    compiler
        .open_file(&main)
        .map_err(|err| convert(&err, &texts, &main))?;
    let pool = compiler.descriptor_pool();
    let Some(file) = pool.get_file_by_name(&main) else {
        return Err(ParseError::new(
            ParseErrorKind::Invalid,
            "the compiled schema is missing from its own descriptor pool",
        ));
    };
    check_depth(&file)?;
    Ok(Compiled { pool, file: main })
}

/// Decides how to read one file: a base64 `FileDescriptorProto`, or `.proto` source.
fn source_of(text: &str, name: &str, dep: Option<&str>) -> Result<Source, ParseError> {
    if let Some(bytes) = decode_serialized(text) {
        return Ok(Source::Descriptor(rename(&bytes, name)));
    }
    if let Some(offset) = edition_offset(text) {
        let err = ParseError::new(
            ParseErrorKind::Unsupported,
            "Protobuf editions (`edition = \"...\"`) are not supported yet; use `syntax = \"proto2\"` or `syntax = \"proto3\"`",
        )
        .at_offset(text, offset);
        return Err(match dep {
            Some(dep) => err.in_file(dep),
            None => err,
        });
    }
    Ok(Source::Text(text.to_string()))
}

/// The bytes of a base64-encoded `FileDescriptorProto` (Confluent's `format=serialized`), when
/// `text` is one. Proto source always holds `;` or `{`, which base64 never does, so the two
/// cannot be confused; the decoded message must also declare something.
pub(super) fn decode_serialized(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty()
        || !compact
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
    {
        return None;
    }
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let bytes = engines.iter().find_map(|e| e.decode(&compact).ok())?;
    let proto = prost_types::FileDescriptorProto::decode(bytes.as_slice()).ok()?;
    let declares_something = !proto.message_type.is_empty()
        || !proto.enum_type.is_empty()
        || !proto.service.is_empty()
        || !proto.extension.is_empty()
        || proto.syntax.is_some()
        || proto.package.is_some();
    declares_something.then_some(bytes)
}

/// Replaces field 1 (`name`) of an encoded `FileDescriptorProto`, leaving every other byte as
/// it was so that custom options, which `prost_types` would drop, survive.
fn rename(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + name.len() + 2);
    prost::encoding::encode_key(1, prost::encoding::WireType::LengthDelimited, &mut out);
    prost::encoding::encode_varint(name.len() as u64, &mut out);
    out.extend_from_slice(name.as_bytes());
    out.extend(without_field(bytes, 1));
    out
}

/// An encoded message with every occurrence of top-level field `number` left out, other bytes
/// untouched.
pub(super) fn without_field(bytes: &[u8], number: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        let Some((field, len)) = skip_field(rest) else {
            // Malformed tail: keep it and let the decoder report it.
            out.extend_from_slice(rest);
            break;
        };
        if field != number {
            out.extend_from_slice(&rest[..len]);
        }
        rest = &rest[len..];
    }
    out
}

/// The field number of the first field in `bytes` and its encoded length.
fn skip_field(bytes: &[u8]) -> Option<(u64, usize)> {
    let (key, mut used) = varint(bytes)?;
    match key & 7 {
        0 => used += varint(&bytes[used..])?.1,
        1 => used += 8,
        2 => {
            let (len, n) = varint(&bytes[used..])?;
            used += n + usize::try_from(len).ok()?;
        }
        5 => used += 4,
        _ => return None,
    }
    (used <= bytes.len()).then_some((key >> 3, used))
}

fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in bytes.iter().take(10).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Where `text` declares `edition = ...` as its first statement (comments skipped), if it does.
fn edition_offset(text: &str) -> Option<usize> {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else {
            break;
        }
    }
    rest.strip_prefix("edition")
        .is_some_and(|after| after.trim_start().starts_with('='))
        .then(|| text.len() - rest.len())
}

/// Turns a protox error into a [`ParseError`] located in the file it points at.
fn convert(err: &protox::Error, texts: &HashMap<String, String>, main: &str) -> ParseError {
    let message = err.to_string();
    let kind = if err.is_file_not_found() || message.starts_with("import cycle") {
        ParseErrorKind::Reference
    } else if message.contains("recursion limit") {
        ParseErrorKind::TooLarge
    } else if err.is_parse() {
        ParseErrorKind::Syntax
    } else {
        ParseErrorKind::Invalid
    };
    let mut out = ParseError::new(kind, message);
    let file = err.file().unwrap_or(main);
    let offset = err
        .labels()
        .and_then(|mut labels| labels.next())
        .map(|label| label.offset());
    if let (Some(offset), Some(text)) = (offset, texts.get(file)) {
        out = out.at_offset(text, offset);
    }
    if file != main {
        out = out.in_file(file);
    }
    out
}

/// Refuses messages nested deeper than [`MAX_DEPTH`], so every later walk is bounded.
fn check_depth(file: &FileDescriptor) -> Result<(), ParseError> {
    let mut stack: Vec<(MessageDescriptor, usize)> = file.messages().map(|m| (m, 1)).collect();
    while let Some((message, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(ParseError::new(
                ParseErrorKind::TooLarge,
                format!(
                    "message `{}` is nested more than {MAX_DEPTH} levels deep",
                    message.full_name()
                ),
            ));
        }
        stack.extend(message.child_messages().map(|m| (m, depth + 1)));
    }
    Ok(())
}
