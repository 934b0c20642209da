//! Renderers: the same results as text for people or JSON for tools.
//!
//! Renderers only format; they receive everything they print, including the file and line
//! each finding points at, from the commands.

pub mod json;
pub mod markdown;
pub mod text;

use stele_engine::Report;

/// Where a finding points: the file to open and, when it could be found, the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it on the command line.
    pub file: String,
    /// 1-based line of the path's target in that file.
    pub line: Option<u32>,
}

/// A finished check with the file behind each version.
#[derive(Debug)]
pub struct Checked<'a> {
    /// The engine's report.
    pub report: &'a Report,
    /// Every version given (oldest first) and its file.
    pub files: Vec<(i32, &'a str)>,
    /// Where each finding points, in the order of `report.findings`.
    pub locations: Vec<Location>,
}

impl Checked<'_> {
    /// The file of a version.
    pub fn file_of(&self, version: i32) -> &str {
        self.files
            .iter()
            .find(|(v, _)| *v == version)
            .map_or("", |(_, file)| file)
    }
}

/// The format column of the rules list: `avro`, `protobuf`, `json` or `any`.
pub fn format_name(rule: &stele_engine::Rule) -> &'static str {
    match rule.format {
        Some(stele_engine::Format::Avro) => "avro",
        Some(stele_engine::Format::Protobuf) => "protobuf",
        Some(stele_engine::Format::Json) => "json",
        None => "any",
    }
}

/// Treats a closed stdout (`stele rules | head`) as success: the reader has all it wanted,
/// and the exit code should still say what was found rather than report a write error.
pub fn ignore_broken_pipe(result: std::io::Result<()>) -> std::io::Result<()> {
    match result {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
