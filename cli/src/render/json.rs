//! JSON output, read by tools. The shape is documented in `docs/cli.md` and is public API:
//! fields may be added, never renamed or removed. serde_json does the string escaping.

use std::io::{self, Write};

use serde::Serialize;
use stele_engine::Level;
use stele_engine::rules::Rule;

use super::{Run, SchemaVersion, SubjectResult, Summary};

#[derive(Serialize)]
struct RunOutput<'a> {
    command: &'static str,
    baseline: Option<&'a str>,
    passed: bool,
    summary: Summary,
    subjects: Vec<SubjectOutput<'a>>,
}

#[derive(Serialize)]
struct SubjectOutput<'a> {
    subject: &'a str,
    file: &'a str,
    format: &'static str,
    status: &'static str,
    level: Option<Level>,
    checked: Option<&'a SchemaVersion>,
    compared: &'a [SchemaVersion],
    note: Option<&'a str>,
    findings: Vec<FindingOutput>,
}

#[derive(Serialize)]
struct FindingOutput {
    rule: String,
    severity: &'static str,
    category: Option<String>,
    path: String,
    message: String,
    reader_version: Option<i32>,
    writer_version: Option<i32>,
    file: String,
    line: Option<u32>,
    column: Option<u32>,
}

/// Prints a run as one pretty-printed JSON object.
pub fn run(out: &mut impl Write, run: &Run) -> io::Result<()> {
    let output = RunOutput {
        command: run.command.as_str(),
        baseline: run.baseline.as_deref(),
        passed: run.passed(),
        summary: run.summary(),
        subjects: run.subjects.iter().map(|s| subject(run, s)).collect(),
    };
    write_json(out, &output)
}

fn subject<'a>(run: &Run, subject: &'a SubjectResult) -> SubjectOutput<'a> {
    SubjectOutput {
        subject: &subject.subject,
        file: &subject.file,
        format: subject.format.as_str(),
        status: subject.status.as_str(),
        level: subject.level,
        checked: subject.checked.as_ref(),
        compared: &subject.compared,
        note: subject.note.as_deref(),
        findings: subject
            .reported(run)
            .into_iter()
            .map(|d| FindingOutput {
                rule: d.rule,
                severity: d.severity.as_str(),
                category: d.category,
                path: d.path,
                message: d.message,
                reader_version: d.reader_version,
                writer_version: d.writer_version,
                file: d.location.file,
                line: d.location.line,
                column: d.column,
            })
            .collect(),
    }
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

pub(super) fn write_json(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    // Keep the IO error's kind (a closed pipe must stay recognisable as one).
    serde_json::to_writer_pretty(&mut *out, value).map_err(|err| match err.io_error_kind() {
        Some(kind) => io::Error::new(kind, err),
        None => io::Error::other(err),
    })?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;

    fn render(run: &Run) -> serde_json::Value {
        let mut out = Vec::new();
        super::run(&mut out, run).expect("write to memory");
        serde_json::from_slice(&out).expect("valid JSON")
    }

    #[test]
    fn several_subjects() {
        let value = render(&fixtures::check_run());
        assert_eq!(value["command"], "check");
        assert_eq!(value["baseline"], "git:origin/main");
        assert_eq!(value["passed"], false);
        assert_eq!(value["summary"]["subjects"], 5);
        let statuses: Vec<&str> = value["subjects"]
            .as_array()
            .expect("subjects")
            .iter()
            .map(|s| s["status"].as_str().expect("status"))
            .collect();
        assert_eq!(
            statuses,
            ["incompatible", "compatible", "new", "ignored", "invalid"]
        );
        let first = &value["subjects"][0];
        assert_eq!(first["level"], "BACKWARD_TRANSITIVE");
        assert_eq!(
            first["compared"],
            serde_json::json!([
                {"version": 2, "label": "git:origin/main (3f2a1bc)"},
                {"version": 1, "label": "schemas/orders/order_placed/v1.avsc"}
            ])
        );
        assert_eq!(first["findings"][0]["writer_version"], 1);
        assert_eq!(first["findings"][0]["line"], 73);
        // The new subject carries its notice; the ignored one says why.
        assert_eq!(value["subjects"][2]["findings"][0]["rule"], "NEW_SUBJECT");
        assert_eq!(value["subjects"][2]["findings"][0]["severity"], "notice");
        assert_eq!(
            value["subjects"][3]["note"],
            "policy `scratch.*` sets ignore = true"
        );
        assert_eq!(value["subjects"][4]["findings"][0]["column"], 3);
    }

    #[test]
    fn strings_round_trip() {
        let value = render(&fixtures::lint_run());
        assert_eq!(value["command"], "lint");
        assert_eq!(value["subjects"][0]["subject"], "odd,name:with%chars");
        assert_eq!(
            value["subjects"][0]["findings"][0]["message"],
            "field `a<b>&\"c\"` has no doc\r\nsecond line 100%"
        );
        assert_eq!(value["subjects"][0]["findings"][0]["severity"], "warning");
        assert_eq!(value["subjects"][1]["level"], serde_json::Value::Null);
    }
}
