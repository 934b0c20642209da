//! Argument types that several commands share: `--type`, `--reference NAME=FILE` and
//! `--compatibility LEVEL`, parsed the same way everywhere.

use std::path::PathBuf;

use clap::ValueEnum;
use stele_engine::{Format, Level};

/// The `--type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaType {
    Avro,
    #[value(alias = "proto")]
    Protobuf,
    Json,
}

impl From<SchemaType> for Format {
    fn from(value: SchemaType) -> Format {
        match value {
            SchemaType::Avro => Format::Avro,
            SchemaType::Protobuf => Format::Protobuf,
            SchemaType::Json => Format::Json,
        }
    }
}

/// One `--reference NAME=FILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceArg {
    /// What the schema calls it: an Avro full name, an import path, a `$ref`.
    pub name: String,
    /// The file holding it.
    pub file: PathBuf,
}

/// A level, case-insensitive.
pub fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
}

/// `NAME=FILE`.
pub fn parse_reference(s: &str) -> Result<ReferenceArg, String> {
    match s.split_once('=') {
        Some((name, file)) if !name.is_empty() && !file.is_empty() => Ok(ReferenceArg {
            name: name.to_string(),
            file: PathBuf::from(file),
        }),
        _ => Err(format!(
            "expected NAME=FILE, e.g. shop/common/envelope.proto=schemas/common/envelope.proto, got `{s}`"
        )),
    }
}
