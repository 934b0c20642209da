//! JUnit XML output, for CI servers' test reports (Jenkins, GitLab, Azure Pipelines and the
//! GitHub test-report actions all read it): one `testsuite` per run, one `testcase` per
//! subject, one `failure` per blocking finding, `error` for a schema that cannot be parsed and
//! `skipped` for an ignored subject. Warnings and notices go to the test case's `system-out`.
//!
//! The shape follows the JUnit XSD that Jenkins' xUnit plugin publishes (`junit-10.xsd`,
//! vendored in `cli/tests/fixtures/` and checked by `cli/tests/outputs.rs`). Every attribute
//! and text is escaped, and characters XML 1.0 cannot carry at all (most control characters)
//! are replaced, so a schema's text can never make the report unreadable. It leaves out
//! timings: a check takes milliseconds and a time would make the report differ run to run.

use std::io::{self, Write};

use super::{Diagnostic, Run, Severity, Status, SubjectResult};

/// Prints the run as one JUnit XML document.
pub fn run(out: &mut impl Write, run: &Run) -> io::Result<()> {
    let name = format!("stele {}", run.command.as_str());
    let cases: Vec<Case> = run.subjects.iter().map(|s| Case::of(run, s)).collect();
    let tests = cases.len();
    let failures = cases.iter().filter(|c| !c.failures.is_empty()).count();
    let errors = cases.iter().filter(|c| c.error.is_some()).count();
    let skipped = cases.iter().filter(|c| c.skipped.is_some()).count();

    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="{}" tests="{tests}" failures="{failures}" errors="{errors}">"#,
        attr(&name)
    )?;
    writeln!(
        out,
        r#"  <testsuite name="{}" tests="{tests}" failures="{failures}" errors="{errors}" skipped="{skipped}">"#,
        attr(&name)
    )?;
    if let Some(baseline) = &run.baseline {
        writeln!(out, "    <properties>")?;
        writeln!(
            out,
            r#"      <property name="baseline" value="{}"/>"#,
            attr(baseline)
        )?;
        writeln!(out, "    </properties>")?;
    }
    for case in &cases {
        case.write(out, run)?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// One subject as a test case.
struct Case<'a> {
    subject: &'a SubjectResult,
    failures: Vec<Diagnostic>,
    error: Option<Diagnostic>,
    skipped: Option<String>,
    /// Non-blocking diagnostics and the verdict, for `system-out`.
    output: Vec<String>,
}

impl<'a> Case<'a> {
    fn of(run: &Run, subject: &'a SubjectResult) -> Case<'a> {
        let mut case = Case {
            subject,
            failures: Vec::new(),
            error: None,
            skipped: None,
            output: Vec::new(),
        };
        case.output.push(match subject.scope() {
            Some(scope) => format!("{} ({scope})", subject.status.as_str()),
            None => subject.status.as_str().to_string(),
        });
        for version in subject.checked.iter().chain(&subject.compared) {
            case.output
                .push(format!("version {}: {}", version.version, version.label));
        }
        if subject.status == Status::Ignored {
            case.skipped = Some(subject.status_sentence(run));
            return case;
        }
        for diagnostic in subject.reported(run) {
            match diagnostic.severity {
                Severity::Error if subject.status == Status::Invalid && case.error.is_none() => {
                    case.error = Some(diagnostic);
                }
                Severity::Error => case.failures.push(diagnostic),
                Severity::Warning | Severity::Notice => case.output.push(format!(
                    "{}[{}]: {} ({})",
                    diagnostic.severity.as_str(),
                    diagnostic.rule,
                    diagnostic.message,
                    pointer(&diagnostic)
                )),
            }
        }
        case
    }

    fn write(&self, out: &mut impl Write, run: &Run) -> io::Result<()> {
        let classname = format!("stele.{}", run.command.as_str());
        writeln!(
            out,
            r#"    <testcase name="{}" classname="{}">"#,
            attr(&self.subject.subject),
            attr(&classname)
        )?;
        if let Some(reason) = &self.skipped {
            writeln!(out, r#"      <skipped message="{}"/>"#, attr(reason))?;
        }
        if let Some(error) = &self.error {
            writeln!(
                out,
                r#"      <error type="{}" message="{}">{}</error>"#,
                attr(&error.rule),
                attr(&error.message),
                text(&pointer(error))
            )?;
        }
        for failure in &self.failures {
            writeln!(
                out,
                r#"      <failure type="{}" message="{}">{}</failure>"#,
                attr(&failure.rule),
                attr(&failure.message),
                text(&failure_body(self.subject, failure))
            )?;
        }
        writeln!(
            out,
            "      <system-out>{}</system-out>",
            text(&self.output.join("\n"))
        )?;
        writeln!(out, "    </testcase>")
    }
}

/// The failure's body: where it points, and for `check` the earlier version that blocks.
fn failure_body(subject: &SubjectResult, diagnostic: &Diagnostic) -> String {
    let mut body = pointer(diagnostic);
    if let Some(checked) = &subject.checked
        && let Some(blocking) = diagnostic.other_version(checked.version)
        && let Some(label) = subject.label_of(blocking)
    {
        body.push_str(&format!("\nversion {blocking} is {label}"));
    }
    body
}

/// `file:line:column: path`, leaving out what is unknown.
fn pointer(diagnostic: &Diagnostic) -> String {
    let mut out = diagnostic.location.file.clone();
    if let Some(line) = diagnostic.location.line {
        out.push_str(&format!(":{line}"));
        if let Some(column) = diagnostic.column {
            out.push_str(&format!(":{column}"));
        }
    }
    if !diagnostic.path.is_empty() {
        out.push_str(&format!(": {}", diagnostic.path));
    }
    out
}

/// Escapes element text.
pub fn text(value: &str) -> String {
    escape(value, false)
}

/// Escapes an attribute value (in double quotes). Line breaks and tabs become character
/// references so that attribute-value normalisation keeps them.
pub fn attr(value: &str) -> String {
    escape(value, true)
}

fn escape(value: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            // XML 1.0 allows no other C0 control, no surrogate (a Rust char is never one) and
            // not U+FFFE or U+FFFF, even as a character reference.
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push('\u{FFFD}');
            }
            c => out.push(c),
        }
    }
    out
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
    fn escapes_text_and_attributes() {
        assert_eq!(text("a<b>&\"c\"\n"), "a&lt;b&gt;&amp;\"c\"\n");
        assert_eq!(
            attr("a<b>&\"c'\r\n\t\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#13;&#10;&#9;\u{FFFD}"
        );
    }

    #[test]
    fn check_run_has_a_case_per_subject() {
        let out = render(&fixtures::check_run());
        crate::render::validate::junit(&out);
        assert_eq!(
            out,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="stele check" tests="5" failures="1" errors="1">
  <testsuite name="stele check" tests="5" failures="1" errors="1" skipped="1">
    <properties>
      <property name="baseline" value="git:origin/main"/>
    </properties>
    <testcase name="shop.orders.order-placed-value" classname="stele.check">
      <failure type="AVRO_FIELD_ADDED_WITHOUT_DEFAULT" message="consumers on version 3 cannot read events written with version 1: field `giftMessage` exists in version 3 without a default and is missing from version 1">schemas/orders/order_placed/v3.avsc:73: /fields/giftMessage
version 1 is schemas/orders/order_placed/v1.avsc</failure>
      <system-out>incompatible (BACKWARD_TRANSITIVE, version 3 checked against versions 2, 1)
version 3: schemas/orders/order_placed/v3.avsc
version 2: git:origin/main (3f2a1bc)
version 1: schemas/orders/order_placed/v1.avsc</system-out>
    </testcase>
    <testcase name="shop.payments.payment-captured-value" classname="stele.check">
      <system-out>compatible (FULL, version 2 checked against version 1)
version 2: schemas/payments/payment_captured.proto
version 1: git:origin/main (3f2a1bc)</system-out>
    </testcase>
    <testcase name="shop.refunds.refund-issued-value" classname="stele.check">
      <system-out>new
notice[NEW_SUBJECT]: subject `shop.refunds.refund-issued-value` is new (git:origin/main does not know it); it passes with nothing to compare (schemas/refunds/refund_issued.json)</system-out>
    </testcase>
    <testcase name="scratch.experiment-value" classname="stele.check">
      <skipped message="subject `scratch.experiment-value` is ignored: policy `scratch.*` sets ignore = true"/>
      <system-out>ignored</system-out>
    </testcase>
    <testcase name="shop.users.user-signed-up-value" classname="stele.check">
      <error type="INVALID_SCHEMA" message="invalid JSON: expected `,` or `}`">schemas/users/user_signed_up/v2.json:4:3</error>
      <system-out>invalid</system-out>
    </testcase>
  </testsuite>
</testsuites>
"#
        );
    }

    #[test]
    fn lint_run_fails_on_errors_only_and_escapes() {
        let out = render(&fixtures::lint_run());
        crate::render::validate::junit(&out);
        assert!(out.contains(
            r#"<failure type="EVENT_NAME_PAST_TENSE" message="record `PlaceOrder` should be named in the past tense� ]]&gt;">"#
        ));
        assert!(out.contains(
            "warning[FIELD_UNDOCUMENTED]: field `a&lt;b&gt;&amp;\"c\"` has no doc&#13;\nsecond line 100%"
        ));
        assert!(out.contains(r#"<testcase name="odd,name:with%chars" classname="stele.lint">"#));
        assert!(out.contains(r#"tests="2" failures="1" errors="0""#));
        assert!(!out.contains('\u{1}'));
    }
}
