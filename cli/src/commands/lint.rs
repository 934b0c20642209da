//! `stele lint`: the event-contract lint over schema files.
//!
//! Reads each file named on the command line (with the `--reference` files it may use), asks
//! the engine's `lint` for findings under the configuration the options build, finds the line
//! each finding points at, and prints them. A file that is also given as a `--reference` is a
//! shared type (an envelope, a money type), not an event, so the event-only rules skip it. The
//! exit code is 1 when a finding has severity `error`, 0 otherwise, 2 for invalid input.
//!
//! Left out here: the rules themselves (engine), and rendering beyond the two small printers at
//! the end of this file, which the multi-subject renderers are meant to replace.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use serde::Serialize;
use stele_engine::lint::{self, LintConfig, LintFinding, Severity};
use stele_engine::{Dependency, Format, ParseError, ParseOptions, Schema};

use crate::Outcome;
use crate::locate;
use crate::render;

/// Arguments of `stele lint`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stele lint schemas/orders/order_placed/v3.avsc \\
      --reference shop.common.Envelope=schemas/common/envelope.avsc
  stele lint schemas/payments/payment_captured/v2.proto \\
      --reference shop/common/envelope.proto=schemas/common/envelope.proto \\
      --reference shop/common/money.proto=schemas/common/money.proto \\
      --rule FIELD_UNDOCUMENTED=error --output json

A file that is also a --reference is linted as a shared type: the event rules skip it.
`stele rules --lint` lists the rules. Exit status: 0 no error-level finding, 1 at least one,
2 invalid input.")]
pub struct Args {
    /// Schema files to lint.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,

    /// Schema type of every file; by default it comes from each file's extension.
    #[arg(long = "type", value_name = "TYPE", value_enum)]
    schema_type: Option<SchemaType>,

    /// A referenced schema: NAME is what the schemas use (an Avro type name, a .proto import
    /// path, a JSON Schema $ref). Give dependencies before dependents.
    #[arg(long, value_name = "NAME=FILE", value_parser = parse_reference)]
    reference: Vec<ReferenceArg>,

    /// A rule's severity: off, notice, warning or error. Repeat for several rules.
    #[arg(long, value_name = "RULE=SEVERITY", value_parser = parse_rule)]
    rule: Vec<(String, Severity)>,

    /// SCHEMA_TOO_LARGE fires above this many fields.
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
}

/// The `--type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SchemaType {
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

/// The `--output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Text,
    Json,
}

/// One `--reference NAME=FILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReferenceArg {
    name: String,
    file: PathBuf,
}

fn parse_reference(s: &str) -> Result<ReferenceArg, String> {
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

/// A file as the user spelled it, with its text.
struct Input {
    path: PathBuf,
    shown: String,
    text: String,
}

fn read(path: &Path) -> Result<Input> {
    let shown = path.display().to_string();
    let text = fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
    Ok(Input {
        path: path.to_path_buf(),
        shown,
        text,
    })
}

/// A referenced schema, read.
struct ReadReference {
    name: String,
    input: Input,
}

/// Where a finding points: the file and, when found, the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Located {
    /// The lint finding.
    #[serde(flatten)]
    pub finding: LintFinding,
    /// The file as named on the command line (a reference's file when the path leads there).
    pub file: String,
    /// 1-based line, when the path could be found.
    pub line: Option<u32>,
}

/// One linted file and its findings.
#[derive(Debug, Clone)]
pub struct Linted {
    /// The file as named on the command line.
    pub file: String,
    /// Its findings, in the engine's order.
    pub findings: Vec<Located>,
}

/// Lints every file and prints the findings.
pub fn run(args: &Args) -> Result<Outcome> {
    let mut config = LintConfig::default();
    for (id, severity) in &args.rule {
        config.set(id, *severity)?;
    }
    if let Some(max) = args.max_fields {
        config.max_fields = max;
    }
    config.personal_data.clone_from(&args.personal_data);
    config.event_type.clone_from(&args.event_type);

    let references = args
        .reference
        .iter()
        .map(|r| {
            Ok(ReadReference {
                name: r.name.clone(),
                input: read(&r.file)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let shared: BTreeSet<PathBuf> = references.iter().map(|r| identity(&r.input.path)).collect();

    let mut results = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let input = read(path)?;
        let format = match args.schema_type {
            Some(schema_type) => Format::from(schema_type),
            None => format_of(path)?,
        };
        let own = identity(path);
        // A reference of another format, or the file itself, is not one of its dependencies.
        let refs: Vec<&ReadReference> = references
            .iter()
            .filter(|r| identity(&r.input.path) != own)
            .filter(|r| {
                args.schema_type.is_some()
                    || r.input
                        .path
                        .to_str()
                        .and_then(Format::from_extension)
                        .is_none_or(|f| f == format)
            })
            .collect();
        let deps: Vec<Dependency> = refs
            .iter()
            .map(|r| Dependency::new(r.name.clone(), r.input.text.clone()))
            .collect();
        let schema = Schema::parse(format, &input.text, &deps, ParseOptions::default())
            .map_err(|err| anyhow::anyhow!(describe_parse_error(&err, &input, &refs)))?;
        let file_config = LintConfig {
            shared_type: shared.contains(&own),
            ..config.clone()
        };
        let findings = lint::lint(&schema, &file_config)
            .into_iter()
            .map(|finding| locate_finding(format, finding, &input, &refs))
            .collect();
        results.push(Linted {
            file: input.shown.clone(),
            findings,
        });
    }

    let mut stdout = io::stdout().lock();
    let written = match args.output {
        Output::Text => print_text(&mut stdout, &results),
        Output::Json => print_json(&mut stdout, &results),
    }
    .and_then(|()| stdout.flush());
    render::ignore_broken_pipe(written).context("writing the findings")?;
    let failed = results
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| f.finding.severity == Severity::Error);
    // `Incompatible` is the exit code 1 outcome: here, an error-level finding.
    Ok(if failed {
        Outcome::Incompatible
    } else {
        Outcome::Success
    })
}

/// A path compared by identity: canonical when the file exists, as given otherwise.
fn identity(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
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

/// `<file>:<line>:<column>: <message>`, naming the referenced file when the error is in one.
fn describe_parse_error(err: &ParseError, input: &Input, refs: &[&ReadReference]) -> String {
    let shown = match &err.file {
        Some(name) => refs
            .iter()
            .find(|r| r.name == *name)
            .map_or_else(|| name.clone(), |r| r.input.shown.clone()),
        None => input.shown.clone(),
    };
    let mut out = shown;
    if let Some(line) = err.line {
        out.push_str(&format!(":{line}"));
        if let Some(column) = err.column {
            out.push_str(&format!(":{column}"));
        }
    }
    out.push_str(": ");
    if let Some(path) = err.path.as_deref().filter(|p| !p.is_empty()) {
        out.push_str(&format!("at {path}: "));
    }
    out.push_str(&err.message);
    out
}

/// The file and line a finding's path leads to: in the schema, or in a reference it follows.
fn locate_finding(
    format: Format,
    finding: LintFinding,
    input: &Input,
    refs: &[&ReadReference],
) -> Located {
    let texts: Vec<(&str, &str)> = refs
        .iter()
        .map(|r| (r.name.as_str(), r.input.text.as_str()))
        .collect();
    let found = locate::line_of(format, &input.text, &texts, &finding.path);
    let file = found
        .and_then(|f| f.source)
        .and_then(|index| refs.get(index))
        .map_or_else(|| input.shown.clone(), |r| r.input.shown.clone());
    Located {
        file,
        line: found.map(|f| f.line),
        finding,
    }
}

// ---------------------------------------------------------------------------------------------
// Output. Kept small and separate so the shared multi-subject renderers can replace it.

/// One block per finding, like a compiler's, then a summary line.
fn print_text(out: &mut impl Write, results: &[Linted]) -> io::Result<()> {
    for located in results.iter().flat_map(|r| &r.findings) {
        let f = &located.finding;
        writeln!(out, "{}[{}]: {}", f.severity, f.rule, f.message)?;
        let mut pointer = located.file.clone();
        if let Some(line) = located.line {
            pointer.push_str(&format!(":{line}"));
        }
        if !f.path.is_empty() {
            pointer.push_str(&format!(": {}", f.path));
        }
        writeln!(out, "  --> {pointer}")?;
        writeln!(out)?;
    }
    writeln!(out, "{}", summary(results))
}

/// `linted 3 files: 1 error, 2 warnings, 0 notices`, or `linted 1 file: no findings`.
fn summary(results: &[Linted]) -> String {
    let files = match results.len() {
        1 => "1 file".to_string(),
        n => format!("{n} files"),
    };
    let count = |severity: Severity| {
        results
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|f| f.finding.severity == severity)
            .count()
    };
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let (errors, warnings, notices) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Notice),
    );
    if errors + warnings + notices == 0 {
        return format!("linted {files}: no findings");
    }
    format!(
        "linted {files}: {}, {}, {}",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(notices, "notice")
    )
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    files: Vec<&'a str>,
    errors: usize,
    warnings: usize,
    notices: usize,
    findings: Vec<&'a Located>,
}

/// One pretty-printed JSON object: the files linted, counts per severity, every finding.
fn print_json(out: &mut impl Write, results: &[Linted]) -> io::Result<()> {
    let findings: Vec<&Located> = results.iter().flat_map(|r| &r.findings).collect();
    let count = |severity: Severity| {
        findings
            .iter()
            .filter(|f| f.finding.severity == severity)
            .count()
    };
    let output = JsonOutput {
        files: results.iter().map(|r| r.file.as_str()).collect(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notices: count(Severity::Notice),
        findings,
    };
    serde_json::to_writer_pretty(&mut *out, &output).map_err(io::Error::other)?;
    writeln!(out)
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
stele lint FILE... [--reference NAME=FILE]... [--type avro|protobuf|json]
                   [--rule RULE=SEVERITY]... [--max-fields N] [--personal-data FIELD]...
                   [--event-type MESSAGE] [--output text|json]
stele rules --lint [--output text|json|markdown]
```

Every finding has a severity: `error` (exit code 1), `warning`, `notice`, or `off` (the rule
does not run). Exit code 0 means no finding has severity `error`; 2 means invalid input (a
file that cannot be read or parsed, an unknown rule ID). In `stele.toml`, `[lint.rules]` sets
severities for every subject, a subject's or a `[[policies]]` entry's `lint = { RULE =
\"off\" }` for some, `[lint] max-fields` the size limit and a subject's `personal-data` the
fields meant to carry personal data; an unknown rule ID there is an error naming it.

## What is the event

Event rules (\"applies to: events\") judge the type a topic's payloads are; shared types that
events reference (an envelope, a money type) are skipped. A file that is also given as a
`--reference` is a shared type.

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
