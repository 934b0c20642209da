//! Text output, read by people: compiler-style, one block per subject (a header naming the
//! level applied and the versions compared, one `error[RULE]` block per finding, a verdict),
//! then a one-line summary when there are several subjects. No color, so the output is the
//! same in a terminal, a CI log or a file. A single subject named after its file (`stele check
//! OLD NEW`) prints exactly one block and no summary.

use std::io::{self, Write};

use stele_engine::rules::Rule;

use super::{Command, Diagnostic, Run, Status, SubjectResult};

/// Prints a run: each subject's block, separated by blank lines, then the summary.
pub fn run(out: &mut impl Write, run: &Run) -> io::Result<()> {
    for (index, subject) in run.subjects.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        self::subject(out, run, subject)?;
    }
    let single = run.subjects.len() == 1
        && run.baseline.is_none()
        && run.subjects.iter().all(|s| s.subject == s.file);
    if single {
        return Ok(());
    }
    if !run.subjects.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", summary_line(run))
}

/// One subject: the header, each diagnostic, the verdict.
fn subject(out: &mut impl Write, run: &Run, subject: &SubjectResult) -> io::Result<()> {
    if subject.subject != subject.file {
        match subject.level {
            Some(level) => writeln!(out, "{}: {level}", one_line(&subject.subject))?,
            None => writeln!(out, "{}", one_line(&subject.subject))?,
        }
    }
    if subject.status != Status::Ignored {
        let verb = match run.command {
            Command::Check => "checking",
            Command::Lint => "linting",
        };
        writeln!(out, "{verb} {}", one_line(&header(subject)))?;
    }
    for diagnostic in &subject.diagnostics {
        writeln!(out)?;
        self::diagnostic(out, diagnostic)?;
    }
    if !subject.diagnostics.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", one_line(&verdict(run, subject)))
}

/// `v4.avsc (version 4) against v3.avsc (version 3), ...`, or the file alone.
fn header(subject: &SubjectResult) -> String {
    let Some(checked) = &subject.checked else {
        return subject.file.clone();
    };
    let new = format!("{} (version {})", checked.label, checked.version);
    if subject.compared.is_empty() {
        return new;
    }
    let against: Vec<String> = subject
        .compared
        .iter()
        .map(|v| format!("{} (version {})", v.label, v.version))
        .collect();
    format!("{new} against {}", against.join(", "))
}

/// `error[RULE]: message` and `  --> file:line:column: path`.
fn diagnostic(out: &mut impl Write, diagnostic: &Diagnostic) -> io::Result<()> {
    writeln!(
        out,
        "{}[{}]: {}",
        diagnostic.severity.as_str(),
        one_line(&diagnostic.rule),
        one_line(&diagnostic.message)
    )?;
    let mut pointer = diagnostic.location.file.clone();
    if let Some(line) = diagnostic.location.line {
        pointer.push_str(&format!(":{line}"));
        if let Some(column) = diagnostic.column {
            pointer.push_str(&format!(":{column}"));
        }
    }
    if !diagnostic.path.is_empty() {
        pointer.push_str(&format!(": {}", diagnostic.path));
    }
    writeln!(out, "  --> {}", one_line(&pointer))
}

/// The last line of a subject's block.
fn verdict(run: &Run, subject: &SubjectResult) -> String {
    let scope = subject
        .scope()
        .map(|scope| format!(" ({scope})"))
        .unwrap_or_default();
    let count = subject.diagnostics.len();
    let findings = if count == 1 { "finding" } else { "findings" };
    match subject.status {
        Status::Compatible => format!("compatible{scope}"),
        Status::Incompatible => format!("incompatible: {count} {findings}{scope}"),
        Status::New => format!(
            "new: {}; it passes with nothing to compare",
            subject.new_reason(run)
        ),
        Status::Ignored => format!(
            "ignored: {}",
            subject.note.as_deref().unwrap_or("by the configuration")
        ),
        Status::Invalid => match &subject.note {
            Some(note) => format!("invalid: {note}"),
            None => "invalid: the schema could not be read or parsed".to_string(),
        },
        Status::Clean => "clean: no lint findings".to_string(),
        Status::Findings => format!("lint: {}", severities(&subject.diagnostics)),
    }
}

/// `1 error, 2 warnings, 1 notice`, leaving out zeros.
fn severities(diagnostics: &[Diagnostic]) -> String {
    let count = |severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let parts: Vec<String> = [
        (count(super::Severity::Error), "error", "errors"),
        (count(super::Severity::Warning), "warning", "warnings"),
        (count(super::Severity::Notice), "notice", "notices"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
    .collect();
    if parts.is_empty() {
        "no findings".to_string()
    } else {
        parts.join(", ")
    }
}

/// `checked 5 subjects against git:origin/main: 1 incompatible, 1 compatible, ...`.
pub(super) fn summary_line(run: &Run) -> String {
    let s = run.summary();
    let noun = if s.subjects == 1 {
        "subject"
    } else {
        "subjects"
    };
    let verb = match run.command {
        Command::Check => "checked",
        Command::Lint => "linted",
    };
    let against = run
        .baseline
        .as_deref()
        .map(|b| format!(" against {}", one_line(b)))
        .unwrap_or_default();
    let parts: Vec<String> = [
        (s.incompatible, "incompatible"),
        (s.invalid, "invalid"),
        (s.with_findings, "with findings"),
        (s.compatible, "compatible"),
        (s.clean, "clean"),
        (s.new, "new"),
        (s.ignored, "ignored"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    let verdict = if run.passed() { "passed" } else { "failed" };
    if parts.is_empty() {
        format!("{verdict}: {verb} {} {noun}{against}", s.subjects)
    } else {
        format!(
            "{verdict}: {verb} {} {noun}{against}: {}",
            s.subjects,
            parts.join(", ")
        )
    }
}

/// Keeps one item on one line and the terminal sane: a line break in a name or message
/// becomes a space, so it cannot forge another line of output, and other control characters
/// (an escape sequence in a schema's text) become U+FFFD.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\r' | '\n' => ' ',
            '\t' => c,
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;

    fn render(run: &Run) -> String {
        let mut out = Vec::new();
        super::run(&mut out, run).expect("write to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn several_subjects_are_grouped_with_their_level_and_versions() {
        assert_eq!(
            render(&fixtures::check_run()),
            "\
shop.orders.order-placed-value: BACKWARD_TRANSITIVE
checking schemas/orders/order_placed/v3.avsc (version 3) against git:origin/main (3f2a1bc) (version 2), schemas/orders/order_placed/v1.avsc (version 1)

error[AVRO_FIELD_ADDED_WITHOUT_DEFAULT]: consumers on version 3 cannot read events written with version 1: field `giftMessage` exists in version 3 without a default and is missing from version 1
  --> schemas/orders/order_placed/v3.avsc:73: /fields/giftMessage

incompatible: 1 finding (BACKWARD_TRANSITIVE, version 3 checked against versions 2, 1)

shop.payments.payment-captured-value: FULL
checking schemas/payments/payment_captured.proto (version 2) against git:origin/main (3f2a1bc) (version 1)
compatible (FULL, version 2 checked against version 1)

shop.refunds.refund-issued-value: BACKWARD
checking schemas/refunds/refund_issued.json
new: git:origin/main does not know it; it passes with nothing to compare

scratch.experiment-value
ignored: policy `scratch.*` sets ignore = true

shop.users.user-signed-up-value
checking schemas/users/user_signed_up/v2.json

error[INVALID_SCHEMA]: invalid JSON: expected `,` or `}`
  --> schemas/users/user_signed_up/v2.json:4:3

invalid: the schema could not be read or parsed

failed: checked 5 subjects against git:origin/main: 1 incompatible, 1 invalid, 1 compatible, 1 new, 1 ignored
"
        );
    }

    #[test]
    fn lint_lists_severities_and_keeps_each_item_on_one_line() {
        assert_eq!(
            render(&fixtures::lint_run()),
            "\
odd,name:with%chars
linting schemas/odd dir/a,b:c%.avsc

warning[FIELD_UNDOCUMENTED]: field `a<b>&\"c\"` has no doc  second line 100%
  --> schemas/odd dir/a,b:c%.avsc:5:7: /fields/a<b>&\"c\"

error[EVENT_NAME_PAST_TENSE]: record `PlaceOrder` should be named in the past tense\u{FFFD} ]]>
  --> schemas/odd dir/a,b:c%.avsc:2: /name

notice[FIELD_NAME_CASE]: field `Total` is not camelCase
  --> schemas/odd dir/a,b:c%.avsc: /fields/Total

lint: 1 error, 1 warning, 1 notice

shop.orders.order-placed-value
linting schemas/orders/order_placed/v3.avsc
clean: no lint findings

failed: linted 2 subjects: 1 with findings, 1 clean
"
        );
    }
}
