//! GitHub Actions output: one workflow command per finding (`::error file=F,line=L,title=T::
//! message`, `::warning`, `::notice`), so each lands as an annotation on the file and line in
//! the pull request, then a short summary for the log.
//!
//! GitHub reads these lines from the step's stdout. Data is escaped as the runner expects
//! (`%`, CR and LF), and property values also escape `:` and `,`, so no schema text can end an
//! annotation early or start a workflow command of its own. Paths are made relative to the
//! repository root (see [`Settings::repository_path`]); GitHub drops annotations whose file it
//! cannot find in the repository. It leaves out the job summary page (`GITHUB_STEP_SUMMARY`),
//! which the action writes from the JSON output.

use std::io::{self, Write};

use super::{Diagnostic, Run, Settings, Severity, SubjectResult, text};

/// Prints every annotation, then the summary.
pub fn run(out: &mut impl Write, run: &Run, settings: &Settings) -> io::Result<()> {
    for subject in &run.subjects {
        for diagnostic in subject.reported(run) {
            annotation(out, subject, &diagnostic, settings)?;
        }
    }
    // Plain lines: prefixed so that no subject name can make one look like a command.
    for subject in &run.subjects {
        let scope = subject
            .scope()
            .map(|scope| format!(" ({scope})"))
            .unwrap_or_default();
        writeln!(
            out,
            "stele: {}: {}{}",
            plain(&subject.subject),
            subject.status.as_str(),
            plain(&scope)
        )?;
    }
    writeln!(out, "stele: {}", plain(&text::summary_line(run)))
}

fn annotation(
    out: &mut impl Write,
    subject: &SubjectResult,
    diagnostic: &Diagnostic,
    settings: &Settings,
) -> io::Result<()> {
    let command = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "notice",
    };
    let mut properties = Vec::new();
    if !diagnostic.location.file.is_empty() {
        let file = settings.repository_path(&diagnostic.location.file);
        properties.push(format!("file={}", property(&file)));
        if let Some(line) = diagnostic.location.line {
            properties.push(format!("line={line}"));
            if let Some(column) = diagnostic.column {
                properties.push(format!("col={column}"));
            }
        }
    }
    let title = format!("{} ({})", diagnostic.rule, subject.subject);
    properties.push(format!("title={}", property(&title)));
    writeln!(
        out,
        "::{command} {}::{}",
        properties.join(","),
        data(&message(subject, diagnostic))
    )
}

/// The annotation's text: the sentence, where in the schema, and for `check` the level and the
/// versions compared, naming the earlier version that blocks the change.
fn message(subject: &SubjectResult, diagnostic: &Diagnostic) -> String {
    let mut lines = vec![diagnostic.message.clone()];
    if !diagnostic.path.is_empty() {
        lines.push(format!("at {}", diagnostic.path));
    }
    if let (Some(scope), Some(checked)) = (subject.scope(), &subject.checked) {
        let mut line = scope;
        if let Some(blocking) = diagnostic.other_version(checked.version)
            && let Some(label) = subject.label_of(blocking)
        {
            line.push_str(&format!("; version {blocking} is {label}"));
        }
        lines.push(line);
    }
    lines.join("\n")
}

/// Escapes a workflow command's message.
pub fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A summary line's user text, on one line.
fn plain(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;

    fn render(run: &Run) -> String {
        let mut out = Vec::new();
        super::run(&mut out, run, &Settings::plain()).expect("write to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
    }

    #[test]
    fn check_run_annotates_each_finding_with_level_and_blocking_version() {
        let out = render(&fixtures::check_run());
        assert_eq!(
            out,
            "\
::error file=schemas/orders/order_placed/v3.avsc,line=73,title=AVRO_FIELD_ADDED_WITHOUT_DEFAULT (shop.orders.order-placed-value)::consumers on version 3 cannot read events written with version 1: field `giftMessage` exists in version 3 without a default and is missing from version 1%0Aat /fields/giftMessage%0ABACKWARD_TRANSITIVE, version 3 checked against versions 2, 1; version 1 is schemas/orders/order_placed/v1.avsc
::notice file=schemas/refunds/refund_issued.json,title=NEW_SUBJECT (shop.refunds.refund-issued-value)::subject `shop.refunds.refund-issued-value` is new (git:origin/main does not know it); it passes with nothing to compare
::error file=schemas/users/user_signed_up/v2.json,line=4,col=3,title=INVALID_SCHEMA (shop.users.user-signed-up-value)::invalid JSON: expected `,` or `}`
stele: shop.orders.order-placed-value: incompatible (BACKWARD_TRANSITIVE, version 3 checked against versions 2, 1)
stele: shop.payments.payment-captured-value: compatible (FULL, version 2 checked against version 1)
stele: shop.refunds.refund-issued-value: new
stele: scratch.experiment-value: ignored
stele: shop.users.user-signed-up-value: invalid
stele: failed: checked 5 subjects against git:origin/main: 1 incompatible, 1 invalid, 1 compatible, 1 new, 1 ignored
"
        );
    }

    #[test]
    fn lint_run_escapes_everything_it_prints() {
        let out = render(&fixtures::lint_run());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "::warning file=schemas/odd dir/a%2Cb%3Ac%25.avsc,line=5,col=7,\
             title=FIELD_UNDOCUMENTED (odd%2Cname%3Awith%25chars)::field `a<b>&\"c\"` has no \
             doc%0D%0Asecond line 100%25%0Aat /fields/a<b>&\"c\""
        );
        assert_eq!(
            lines[1],
            "::error file=schemas/odd dir/a%2Cb%3Ac%25.avsc,line=2,\
             title=EVENT_NAME_PAST_TENSE (odd%2Cname%3Awith%25chars)::record `PlaceOrder` \
             should be named in the past tense\u{1} ]]>%0Aat /name"
        );
        // No line: the annotation lands on the file.
        assert_eq!(
            lines[2],
            "::notice file=schemas/odd dir/a%2Cb%3Ac%25.avsc,\
             title=FIELD_NAME_CASE (odd%2Cname%3Awith%25chars)::field `Total` is not \
             camelCase%0Aat /fields/Total"
        );
        // Every line is either a workflow command or a prefixed summary line.
        assert!(
            out.lines()
                .all(|l| l.starts_with("::") || l.starts_with("stele: "))
        );
        assert_eq!(lines.len(), 6);
    }
}
