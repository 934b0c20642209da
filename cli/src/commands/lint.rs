//! `stele lint`: the event-contract lint, over schema files or every subject of `stele.toml`.
//!
//! With FILE arguments it reads each file (with the `--reference` files it may use); a file
//! that is also given as a `--reference` is a shared type (an envelope, a money type), not an
//! event, so the event-only rules skip it. Without, it lints every subject of `stele.toml`
//! with the subject's severities (`[lint.rules]`, then policies, then the subject's `lint`),
//! `[lint] max-fields` and `personal-data`; subjects that other subjects reference are the
//! shared types there. Command-line options override the manifest. The engine's `lint` makes
//! every finding; this module builds the configuration, locates each finding's line and hands
//! a [`Run`] to the renderers. Exit code: 1 when a finding has severity `error`, 2 for invalid
//! input (an unreadable or unparsable schema, an unknown rule ID), 0 otherwise.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use stele_engine::lint::{self, LintConfig, LintFinding, Severity};
use stele_engine::{Dependency, Format, ParseError, ParseOptions, Schema};

use crate::Outcome;
use crate::baseline;
use crate::commands::args::{ReferenceArg, SchemaType, parse_reference};
use crate::locate::{self, Locator};
use crate::project::{self, Project, Subject};
use crate::render::progress::Progress;
use crate::render::{
    self, Command, Diagnostic, Location, Output, RuleInfo, Run, Status, SubjectResult,
};

/// Arguments of `stele lint`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stele lint                                    every subject in stele.toml
  stele lint --subject 'shop.orders.*' --output github
  stele lint schemas/orders/order_placed/v3.avsc \\
      --reference shop.common.Envelope=schemas/common/envelope.avsc
  stele lint schemas/payments/payment_captured/v2.proto \\
      --reference shop/common/envelope.proto=schemas/common/envelope.proto \\
      --reference shop/common/money.proto=schemas/common/money.proto \\
      --rule FIELD_UNDOCUMENTED=error

With no FILE, stele.toml (in this directory or above; --manifest names another) lists the
subjects and their lint settings. A FILE that is also a --reference is linted as a shared
type: the event rules skip it. `stele rules --lint` lists the rules. Exit status: 0 no
error-level finding, 1 at least one, 2 invalid input.")]
pub struct Args {
    /// Schema files to lint; none to lint every subject of stele.toml.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,

    /// The manifest to read instead of the nearest stele.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "files")]
    manifest: Option<PathBuf>,

    /// Lint only the subjects whose names match GLOB (`*` matches any text); repeatable.
    #[arg(long = "subject", value_name = "GLOB", conflicts_with = "files")]
    subjects: Vec<String>,

    /// Schema type of every FILE; by default it comes from each file's extension.
    #[arg(long = "type", value_name = "TYPE", value_enum, requires = "files")]
    schema_type: Option<SchemaType>,

    /// A referenced schema for the FILEs: NAME is what the schemas use (an Avro type name, a
    /// .proto import path, a JSON Schema $ref). Give dependencies before dependents.
    #[arg(long, value_name = "NAME=FILE", value_parser = parse_reference, requires = "files")]
    reference: Vec<ReferenceArg>,

    /// A rule's severity (off, notice, warning or error), over stele.toml's. Repeatable.
    #[arg(long, value_name = "RULE=SEVERITY", value_parser = parse_rule)]
    rule: Vec<(String, Severity)>,

    /// SCHEMA_TOO_LARGE fires above this many fields (over stele.toml's `[lint] max-fields`).
    #[arg(long, value_name = "N")]
    max_fields: Option<usize>,

    /// A field name meant to carry personal data or a secret; PERSONAL_DATA_FIELD skips it.
    #[arg(long, value_name = "FIELD")]
    personal_data: Vec<String>,

    /// The Protobuf message that is the event (full or short name); by default the first.
    #[arg(long, value_name = "MESSAGE")]
    event_type: Option<String>,

    /// How to print the findings.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Output::Text)]
    output: Output,

    /// Print each subject's name to stderr as it is linted.
    #[arg(long, short = 'v')]
    verbose: bool,
}

fn parse_rule(s: &str) -> Result<(String, Severity), String> {
    let Some((id, severity)) = s.split_once('=') else {
        return Err(format!(
            "expected RULE=SEVERITY, e.g. FIELD_UNDOCUMENTED=error, got `{s}`"
        ));
    };
    let id = id.trim();
    if lint::rule(id).is_none() {
        return Err(lint::UnknownRule(id.to_string()).to_string());
    }
    Ok((id.to_string(), severity.parse()?))
}

/// Lints the files, or every subject of stele.toml, and prints the findings.
pub fn run(args: &Args) -> Result<Outcome> {
    let run = if args.files.is_empty() {
        lint_project(args)?
    } else {
        lint_files(args)?
    };
    let mut stdout = io::stdout().lock();
    let written = render::render(&mut stdout, args.output, &run, &render::Settings::detect())
        .and_then(|()| stdout.flush());
    render::ignore_broken_pipe(written).context("writing the findings")?;
    if run.has_invalid() {
        bail!("some schemas could not be linted; see above");
    }
    // `Incompatible` is the outcome with exit code 1: here, an error-level finding.
    Ok(if run.passed() {
        Outcome::Success
    } else {
        Outcome::Incompatible
    })
}

/// The command line's settings, applied over a subject's.
fn apply_options(args: &Args, config: &mut LintConfig) -> Result<()> {
    for (id, severity) in &args.rule {
        config.set(id, *severity)?;
    }
    if let Some(max) = args.max_fields {
        config.max_fields = max;
    }
    config
        .personal_data
        .extend(args.personal_data.iter().cloned());
    if args.event_type.is_some() {
        config.event_type.clone_from(&args.event_type);
    }
    Ok(())
}

/// A schema text and where it came from.
struct Source {
    /// The file as the user sees it.
    shown: String,
    text: String,
}

/// Parses and lints one schema into a subject result: invalid when it does not parse.
fn lint_one(
    subject: &str,
    format: Format,
    source: &Source,
    references: &[(Dependency, String)],
    config: &LintConfig,
) -> SubjectResult {
    let deps: Vec<Dependency> = references.iter().map(|(d, _)| d.clone()).collect();
    let schema = match Schema::parse(format, &source.text, &deps, ParseOptions::default()) {
        Ok(schema) => schema,
        Err(err) => return invalid(subject, format, source, references, &err),
    };
    let findings = lint::lint(&schema, config);
    let status = if findings.is_empty() {
        Status::Clean
    } else {
        Status::Findings
    };
    let mut result = SubjectResult::new(subject, &source.shown, format, status);
    let texts: Vec<(&str, &str)> = references
        .iter()
        .map(|(d, _)| (d.name.as_str(), d.text.as_str()))
        .collect();
    let locator = Locator::new(format, &source.text, &texts);
    result.diagnostics = findings
        .into_iter()
        .map(|finding| {
            let found = locator.line(&finding.path);
            let file = found
                .and_then(|f| f.source)
                .and_then(|index| references.get(index))
                .map_or_else(|| source.shown.clone(), |(_, shown)| shown.clone());
            diagnostic(
                finding,
                Location {
                    file,
                    line: found.map(|f| f.line),
                },
            )
        })
        .collect();
    result
}

fn diagnostic(finding: LintFinding, location: Location) -> Diagnostic {
    Diagnostic {
        rule: finding.rule.as_str().to_string(),
        severity: match finding.severity {
            Severity::Error => render::Severity::Error,
            Severity::Warning => render::Severity::Warning,
            // `lint` never reports a rule that is off.
            Severity::Notice | Severity::Off => render::Severity::Notice,
        },
        category: None,
        message: finding.message,
        path: finding.path,
        location,
        column: None,
        reader_version: None,
        writer_version: None,
    }
}

/// The subject marked invalid with the parse error, at the file (schema or reference) it is in.
fn invalid(
    subject: &str,
    format: Format,
    source: &Source,
    references: &[(Dependency, String)],
    err: &ParseError,
) -> SubjectResult {
    let location = match &err.file {
        Some(name) => Location {
            file: references
                .iter()
                .find(|(d, _)| d.name == *name)
                .map_or_else(|| name.clone(), |(_, shown)| shown.clone()),
            line: err.line,
        },
        None => Location {
            file: source.shown.clone(),
            line: err.line.or_else(|| {
                err.path
                    .as_deref()
                    .and_then(|path| locate::line_of(format, &source.text, &[], path))
                    .filter(|found| found.exact)
                    .map(|found| found.line)
            }),
        },
    };
    let mut result = SubjectResult::new(subject, &source.shown, format, Status::Invalid);
    result.diagnostics.push(Diagnostic::invalid_schema(
        location,
        err.column,
        err.path.clone().unwrap_or_default(),
        err.message.clone(),
    ));
    result
}

/// Where the lint rules are documented.
const LINT_DOC: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/lint.md");

/// Descriptions of the lint rules that appear in the run, for the outputs that list them.
fn rule_infos(run: &Run) -> Vec<RuleInfo> {
    run.rule_ids()
        .iter()
        .filter_map(|id| lint::rule(id))
        .map(|rule| RuleInfo {
            id: rule.id.as_str().to_string(),
            summary: rule.purpose.to_string(),
            help: Some(format!(
                "{}. Default severity: {}. `stele rules --lint` lists every lint rule.",
                rule.purpose, rule.default_severity
            )),
            help_uri: Some(LINT_DOC.to_string()),
            category: None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Files named on the command line

/// A path compared by identity: canonical when the file exists, as given otherwise.
fn identity(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn read(path: &Path) -> Result<Source> {
    let shown = path.display().to_string();
    let text = fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
    Ok(Source { shown, text })
}

fn format_of(path: &Path) -> Result<Format> {
    match path.to_str().and_then(Format::from_extension) {
        Some(format) => Ok(format),
        None => bail!(
            "cannot tell the schema type of {} from its extension (expected .avsc, .proto or \
             .json); pass --type avro, --type protobuf or --type json",
            path.display()
        ),
    }
}

fn lint_files(args: &Args) -> Result<Run> {
    let mut base = LintConfig::default();
    apply_options(args, &mut base)?;
    // Each reference: its identity, its format by extension, the dependency and its file.
    let mut references = Vec::with_capacity(args.reference.len());
    for reference in &args.reference {
        let source = read(&reference.file)?;
        references.push((
            identity(&reference.file),
            reference.file.to_str().and_then(Format::from_extension),
            Dependency::new(reference.name.clone(), source.text),
            source.shown,
        ));
    }
    let shared: BTreeSet<&PathBuf> = references.iter().map(|(id, ..)| id).collect();

    let mut run = Run::new(Command::Lint);
    for path in &args.files {
        let source = read(path)?;
        let format = match args.schema_type {
            Some(schema_type) => Format::from(schema_type),
            None => format_of(path)?,
        };
        let own = identity(path);
        // A reference of another format, or the file itself, is not one of its dependencies.
        let deps: Vec<(Dependency, String)> = references
            .iter()
            .filter(|(id, ..)| *id != own)
            .filter(|(_, ref_format, ..)| {
                args.schema_type.is_some() || ref_format.is_none_or(|f| f == format)
            })
            .map(|(_, _, dep, shown)| (dep.clone(), shown.clone()))
            .collect();
        let config = LintConfig {
            shared_type: shared.contains(&own),
            ..base.clone()
        };
        run.subjects
            .push(lint_one(&source.shown, format, &source, &deps, &config));
    }
    run.rules = rule_infos(&run);
    Ok(run)
}

// ---------------------------------------------------------------------------------------------
// Every subject of stele.toml

fn lint_project(args: &Args) -> Result<Run> {
    let project = match &args.manifest {
        Some(path) => Project::load(path)?,
        None => Project::discover(Path::new("."))?,
    };
    // Rule IDs are the lint's business, so the manifest loader leaves them to us. Its
    // subjects carry the merged settings; the line is found in the manifest's text.
    let text = fs::read_to_string(&project.manifest).unwrap_or_default();
    let mut unknown: Vec<(&str, u32)> = Vec::new();
    for subject in &project.subjects {
        for id in subject.lint.keys() {
            if lint::rule(id).is_none() && !unknown.iter().any(|(seen, _)| seen == id) {
                unknown.push((id, key_line(&text, id).unwrap_or(subject.line)));
            }
        }
    }
    if !unknown.is_empty() {
        let list: Vec<String> = unknown
            .iter()
            .map(|(id, line)| format!("`{id}` (line {line})"))
            .collect();
        bail!(
            "{}: unknown lint rule {}; `stele rules --lint` lists the rules",
            project.manifest,
            list.join(", ")
        );
    }
    let selected = project.select(&args.subjects)?;
    // Subjects that other subjects reference are shared types, not events.
    let referenced: BTreeSet<&str> = project
        .subjects
        .iter()
        .flat_map(|s| &s.references)
        .map(|r| r.subject.as_str())
        .collect();

    let mut run = Run::new(Command::Lint);
    let mut progress = Progress::stderr("linting", selected.len(), args.verbose);
    for subject in selected {
        progress.start(&subject.name);
        if subject.ignored {
            let mut result = SubjectResult::new(
                &subject.name,
                &subject.file.shown,
                subject.format,
                Status::Ignored,
            );
            result.note = Some(format!("a policy in {} ignores it", project.manifest));
            run.subjects.push(result);
            continue;
        }
        let mut config = subject_config(
            &project,
            subject,
            referenced.contains(subject.name.as_str()),
        );
        apply_options(args, &mut config)?;
        let source = Source {
            shown: subject.file.shown.clone(),
            text: baseline::working_text(subject)?,
        };
        let deps: Vec<(Dependency, String)> = project
            .dependencies(subject, &mut |s| baseline::working_text(s))?
            .into_iter()
            .map(|r| (r.dependency, r.file.shown))
            .collect();
        run.subjects.push(lint_one(
            &subject.name,
            subject.format,
            &source,
            &deps,
            &config,
        ));
    }
    progress.finish();
    run.rules = rule_infos(&run);
    Ok(run)
}

/// The 1-based line where `key` is first set (`KEY =`, bare or quoted) in a TOML text.
fn key_line(text: &str, key: &str) -> Option<u32> {
    let quoted = format!("\"{key}\"");
    text.lines()
        .position(|line| {
            line.split(['{', ',']).any(|part| {
                let part = part.trim_start();
                [key, quoted.as_str()].iter().any(|k| {
                    part.strip_prefix(k)
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
                })
            })
        })
        .and_then(|index| u32::try_from(index + 1).ok())
}

/// A subject's lint settings from the manifest.
fn subject_config(project: &Project, subject: &Subject, shared_type: bool) -> LintConfig {
    let mut config = LintConfig {
        personal_data: subject.personal_data.clone(),
        shared_type,
        // The record stele.toml names is the event when a .proto file declares several.
        event_type: subject.record.clone(),
        ..LintConfig::default()
    };
    if let Some(max) = project.max_fields {
        config.max_fields = usize::try_from(max).unwrap_or(usize::MAX);
    }
    for (id, severity) in &subject.lint {
        let severity = match severity {
            project::Severity::Off => Severity::Off,
            project::Severity::Notice => Severity::Notice,
            project::Severity::Warning => Severity::Warning,
            project::Severity::Error => Severity::Error,
        };
        // Unknown IDs were refused before any subject was linted.
        let _known = config.set(id, severity);
    }
    config
}

// ---------------------------------------------------------------------------------------------
// The rules reference

/// Prints the lint rules as an aligned table.
pub fn rules_text(out: &mut impl Write) -> io::Result<()> {
    let width = lint::RULES
        .iter()
        .map(|rule| rule.id.as_str().len())
        .max()
        .unwrap_or(0)
        .max("RULE".len());
    writeln!(
        out,
        "{:width$}  {:8}  {:17}  PURPOSE",
        "RULE", "SEVERITY", "FORMATS"
    )?;
    for rule in lint::RULES {
        writeln!(
            out,
            "{:width$}  {:8}  {:17}  {}",
            rule.id.as_str(),
            rule.default_severity.as_str(),
            formats(rule),
            rule.purpose
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct RuleOutput<'a> {
    id: &'a str,
    default_severity: Severity,
    formats: Vec<&'a str>,
    events_only: bool,
    purpose: &'a str,
}

/// Prints the lint rules as a JSON array.
pub fn rules_json(out: &mut impl Write) -> io::Result<()> {
    let list: Vec<RuleOutput<'_>> = lint::RULES
        .iter()
        .map(|rule| RuleOutput {
            id: rule.id.as_str(),
            default_severity: rule.default_severity,
            formats: rule.formats.iter().map(|f| f.as_str()).collect(),
            events_only: rule.events_only,
            purpose: rule.purpose,
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &list).map_err(io::Error::other)?;
    writeln!(out)
}

/// `avro,protobuf,json`, or the one format a rule is for.
fn formats(rule: &lint::LintRule) -> String {
    let names: Vec<&str> = rule
        .formats
        .iter()
        .map(|f| match f {
            Format::Avro => "avro",
            Format::Protobuf => "protobuf",
            Format::Json => "json",
        })
        .collect();
    names.join(",")
}

/// Prints `docs/lint.md`: how the lint works, then the rules, from the one rule list.
pub fn rules_markdown(out: &mut impl Write) -> io::Result<()> {
    out.write_all(LINT_DOC_HEAD.as_bytes())?;
    writeln!(out)?;
    writeln!(out, "| Rule | Default | Formats | Applies to | Purpose |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for rule in lint::RULES {
        writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            rule.id,
            rule.default_severity,
            formats(rule).replace(',', ", "),
            if rule.events_only {
                "events"
            } else {
                "all schemas"
            },
            rule.purpose.replace('|', "\\|")
        )?;
    }
    out.write_all(LINT_DOC_TAIL.as_bytes())
}

const LINT_DOC_HEAD: &str = "\
# Lint rules

<!-- Generated by `stele rules --lint --markdown > docs/lint.md`; do not edit by hand. -->

`stele lint` applies the practices that keep event contracts healthy to one schema at a time:
event names are facts in the past tense, integration events carry their envelope, personal
data enters a topic only on purpose, everything is documented and named by the format's
conventions, and events stay thin. Compatibility between versions is `stele check`'s job
([rules](rules.md)).

```
stele lint [--manifest FILE] [--subject GLOB]...          every subject of stele.toml
stele lint FILE... [--reference NAME=FILE]... [--type avro|protobuf|json]
options:   [--rule RULE=SEVERITY]... [--max-fields N] [--personal-data FIELD]...
           [--event-type MESSAGE] [--output text|json|github|junit|sarif] [--verbose]
stele rules --lint [--output text|json|markdown]
```

Every finding has a severity: `error` (exit code 1), `warning`, `notice`, or `off` (the rule
does not run). Exit code 0 means no finding has severity `error`; 2 means invalid input (a
file that cannot be read or parsed, an unknown rule ID). In `stele.toml`, `[lint.rules]` sets
severities for every subject, a `[[policies]]` entry's `lint = { RULE = \"off\" }` for the
subjects it matches and a subject's own `lint` for that subject, in that order; `[lint]
max-fields` sets the size limit and a subject's `personal-data` the fields meant to carry
personal data. Subjects a policy ignores are not linted. An unknown rule ID is an error naming
it and its line. Options on the command line apply over the manifest.

## What is the event

Event rules (\"applies to: events\") judge the type a topic's payloads are; shared types that
events reference (an envelope, a money type) are skipped. A file that is also given as a
`--reference` is a shared type, and so is a `stele.toml` subject that other subjects
reference.

| format | the event | its name |
|---|---|---|
| Avro | the root record | the record's name |
| Protobuf | the file's first top-level message (the one Confluent's serializers use), or the message `--event-type` names; other and nested messages are helper types | the message's name |
| JSON Schema | the root schema, when it describes an object | its `title` (no title: the name is not judged) |

**Envelope.** Each role is satisfied by a field of the event or of a record, message or object
that one of its fields holds, including a referenced type: an `envelope` field of type
`shop.common.Envelope` provides the envelope's fields. Names compare without case, `_` or `-`
(`event_id` = `eventId`). Accepted names: event id `eventId`, `id`, `messageId`; occurrence
time `occurredAt`, `occurredOn`, `timestamp`, `eventTime`, `time`; schema version
`schemaVersion`, `eventVersion`, `version`; correlation `correlationId`, `traceId`,
`traceparent`.

**Past tense.** A heuristic: the name is split into words (a trailing `Event` or version
suffix and a phrasal particle such as `Up` in `UserSignedUp` are ignored), and its last word
must be a past participle: a regular `-ed` form (not `-eed` words such as `Feed` or
`Proceed`, nor a few such as `Embed`), or a known irregular one (`Sent`, `Built`, `Paid`,
`Held`, `Made`, `Taken`, `Given`...), possibly prefixed (`Rebuilt`). Names starting with an
imperative verb (`Place`, `Process`, `Create`, `Send`...) are reported as commands. Limits:
adjectives in `-ed` pass, rare irregular participles fail, and facts named by a state
(`ItemBackInStock`) fail; turn the rule off for such a subject.

## Personal data

Field names are split into words (`customerEmail` is `customer`, `email`; `card_number` is
`card`, `number`) and matched against a word list: e-mail, phone, names of people, IP and
postal addresses, dates of birth, government ids, card and bank account numbers, precise
locations, and secrets (password, token, API key, PIN...). Whole words only: `tokenizer`,
`phoneme` and `cardBrand` are not flagged. A field meant to carry such data is marked with
Confluent's data-contract tag, which its field-level encryption rules also select by, or
listed in the subject's `personal-data`:

| format | marker |
|---|---|
| Avro | `{\"name\": \"email\", \"type\": \"string\", \"confluent:tags\": [\"PII\"]}` |
| Protobuf | `string email = 2 [(confluent.field_meta).tags = \"PII\"];` (import `confluent/meta.proto`) |
| JSON Schema | `\"email\": {\"type\": \"string\", \"confluent:tags\": [\"PII\"]}` |

The tags `PII`, `PHI`, `PCI`, `SENSITIVE`, `SECRET` and `CONFIDENTIAL` count, in any case.

## Documentation and names

Documentation is Avro's `doc`, a Protobuf comment before or after the element (or
`(confluent.field_meta).doc` and its siblings), a JSON Schema `description` (on a property or
on the schema its `$ref` points at). A Protobuf schema given as a compiled descriptor has no
comments left, so missing documentation is not reported for it. Only what the schema's own
text declares is checked; referenced schemas are linted as subjects of their own. Conventions:
Avro and JSON Schema fields lowerCamelCase, Protobuf fields lower_snake_case, types PascalCase
(JSON Schema: `$defs` and `definitions` keys; a `title` is prose), Avro symbols and Protobuf
enum values UPPER_SNAKE_CASE.

## Rules
";

const LINT_DOC_TAIL: &str = "
Paths in findings follow the compatibility findings' conventions: JSON pointers through Avro
names (`/fields/lines/type/items/fields/sku`) and JSON Schema keywords
(`#/properties/envelope`), dotted full names for Protobuf
(`shop.payments.v1.PaymentCaptured.payment_id`). The count for `SCHEMA_TOO_LARGE` covers the
fields the schema itself declares, nested types included, referenced types not.
";
