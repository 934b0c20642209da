//! Text output, read by people: one `error[RULE]` block per finding, like a compiler's, then a
//! one-line summary. No color, so the output is the same in a terminal, a CI log or a file.

use std::io::{self, Write};

use stele_engine::Level;
use stele_engine::rules::Rule;

use super::{Checked, Location};

/// Prints a check: a header naming the files compared, each finding, and the verdict.
pub fn check(out: &mut impl Write, checked: &Checked<'_>) -> io::Result<()> {
    let report = checked.report;
    let new = format!(
        "{} (version {})",
        checked.file_of(report.version),
        report.version
    );
    if report.compared.is_empty() {
        writeln!(out, "checking {new}")?;
    } else {
        let against: Vec<String> = report
            .compared
            .iter()
            .map(|v| format!("{} (version {v})", checked.file_of(*v)))
            .collect();
        writeln!(out, "checking {new} against {}", against.join(", "))?;
    }
    for (finding, location) in report.findings.iter().zip(&checked.locations) {
        writeln!(out)?;
        writeln!(out, "error[{}]: {}", finding.rule, finding.message)?;
        writeln!(out, "  --> {}", pointer(location, &finding.path))?;
    }
    let scope = scope(report.level, report.version, &report.compared);
    if report.compatible {
        writeln!(out, "compatible ({scope})")
    } else {
        let count = report.findings.len();
        let noun = if count == 1 { "finding" } else { "findings" };
        writeln!(out)?;
        writeln!(out, "incompatible: {count} {noun} ({scope})")
    }
}

/// `file:line: path`, leaving out what is unknown.
fn pointer(location: &Location, path: &str) -> String {
    let mut out = location.file.clone();
    if let Some(line) = location.line {
        out.push_str(&format!(":{line}"));
    }
    if !path.is_empty() {
        out.push_str(&format!(": {path}"));
    }
    out
}

/// `BACKWARD, version 3 checked against versions 2, 1`.
fn scope(level: Level, version: i32, compared: &[i32]) -> String {
    let against = match compared {
        [] => "no earlier version".to_string(),
        [one] => format!("version {one}"),
        many => {
            let list: Vec<String> = many.iter().map(i32::to_string).collect();
            format!("versions {}", list.join(", "))
        }
    };
    format!("{level}, version {version} checked against {against}")
}

/// Prints the rules as an aligned table.
pub fn rules<'r>(
    out: &mut impl Write,
    rules: impl IntoIterator<Item = &'r Rule> + Clone,
) -> io::Result<()> {
    let width = rules
        .clone()
        .into_iter()
        .map(|rule| rule.id.as_str().len())
        .max()
        .unwrap_or(0)
        .max("RULE".len());
    writeln!(
        out,
        "{:width$}  {:8}  {:8}  PURPOSE",
        "RULE", "FORMAT", "CATEGORY"
    )?;
    for rule in rules {
        let deprecated = if rule.deprecated { " (deprecated)" } else { "" };
        writeln!(
            out,
            "{:width$}  {:8}  {:8}  {}{deprecated}",
            rule.id.as_str(),
            super::format_name(rule),
            rule.category.as_str(),
            rule.purpose
        )?;
    }
    Ok(())
}
