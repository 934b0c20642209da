//! JSON output, read by tools. The shape is documented in `docs/cli.md` and is public API:
//! fields may be added, never renamed or removed. Finding fields come straight from the
//! engine's `Finding`; the CLI adds the file and line each one points at.

use std::io::{self, Write};

use serde::Serialize;
use stele_engine::rules::Rule;
use stele_engine::{Finding, Level};

use super::Checked;

#[derive(Serialize)]
struct CheckOutput<'a> {
    compatible: bool,
    level: Level,
    version: i32,
    compared: &'a [i32],
    /// Version number (as a string, JSON keys being strings) to file, oldest first. The
    /// workspace enables serde_json's `preserve_order`, so the map keeps this order.
    files: serde_json::Map<String, serde_json::Value>,
    findings: Vec<FindingOutput<'a>>,
}

#[derive(Serialize)]
struct FindingOutput<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    file: &'a str,
    line: Option<u32>,
}

/// Prints a check as one pretty-printed JSON object.
pub fn check(out: &mut impl Write, checked: &Checked<'_>) -> io::Result<()> {
    let report = checked.report;
    let output = CheckOutput {
        compatible: report.compatible,
        level: report.level,
        version: report.version,
        compared: &report.compared,
        files: checked
            .files
            .iter()
            .map(|(version, file)| (version.to_string(), (*file).into()))
            .collect(),
        findings: report
            .findings
            .iter()
            .zip(&checked.locations)
            .map(|(finding, location)| FindingOutput {
                finding,
                file: &location.file,
                line: location.line,
            })
            .collect(),
    };
    write_json(out, &output)
}

#[derive(Serialize)]
struct RuleOutput<'a> {
    id: &'a str,
    format: Option<&'a str>,
    category: &'a str,
    purpose: &'a str,
    deprecated: bool,
}

/// Prints the rules as a JSON array.
pub fn rules<'r>(
    out: &mut impl Write,
    rules: impl IntoIterator<Item = &'r Rule>,
) -> io::Result<()> {
    let list: Vec<RuleOutput<'_>> = rules
        .into_iter()
        .map(|rule| RuleOutput {
            id: rule.id.as_str(),
            format: rule.format.map(|f| f.as_str()),
            category: rule.category.as_str(),
            purpose: rule.purpose,
            deprecated: rule.deprecated,
        })
        .collect();
    write_json(out, &list)
}

fn write_json(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    // Keep the IO error's kind (a closed pipe must stay recognisable as one).
    serde_json::to_writer_pretty(&mut *out, value).map_err(|err| match err.io_error_kind() {
        Some(kind) => io::Error::new(kind, err),
        None => io::Error::other(err),
    })?;
    writeln!(out)
}
