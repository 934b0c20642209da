//! Renderers: the results of one `stele check` or `stele lint` run, printed as text for people,
//! JSON for tools, GitHub workflow annotations, JUnit XML or SARIF.
//!
//! Commands describe what they found in one plain data model, [`Run`] (one or more
//! [`SubjectResult`]s, each with its [`Diagnostic`]s), and hand it to [`render`]. Renderers only
//! format: they receive everything they print, including the file and line each diagnostic
//! points at, and every one of them escapes what it prints for its format. Deciding verdicts,
//! reading files and locating lines are the commands' business. The only things read from the
//! environment are gathered once, at the edge, in [`Settings::detect`]; [`progress`] writes to
//! stderr while a run goes on.

pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod progress;
pub mod sarif;
pub mod text;

use std::io;
use std::path::{Component, Path, PathBuf};

use stele_engine::{Finding, Format, Level, Report};

/// The `--output` values: how a run is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Compiler-style text for people (the default).
    Text,
    /// One JSON object for tools; the shape is documented in `docs/cli.md`.
    Json,
    /// GitHub Actions workflow commands: annotations on the files and lines, then a summary.
    Github,
    /// JUnit XML: one test case per subject, for CI servers' test reports.
    Junit,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// Prints a run in the chosen format.
pub fn render(
    out: &mut impl io::Write,
    output: Output,
    run: &Run,
    settings: &Settings,
) -> io::Result<()> {
    match output {
        Output::Text => text::run(out, run),
        Output::Json => json::run(out, run),
        Output::Github => github::run(out, run, settings),
        Output::Junit => junit::run(out, run),
        Output::Sarif => sarif::run(out, run, settings),
    }
}

/// Which command produced a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `stele check`: compatibility with earlier versions.
    Check,
    /// `stele lint`: rules about one schema on its own.
    Lint,
}

impl Command {
    /// `check` or `lint`, as typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Check => "check",
            Command::Lint => "lint",
        }
    }
}

/// One run of a command (`check` or `lint`) over one or more subjects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The command that ran.
    pub command: Command,
    /// What was compared against, for people: `history in stele.toml`, `git:origin/main`,
    /// `http://127.0.0.1:8081`. `None` for files named on the command line and for lint.
    pub baseline: Option<String>,
    /// Every subject, in the order to print them.
    pub subjects: Vec<SubjectResult>,
    /// Metadata of the rules that appear in the diagnostics (SARIF lists them). Rules missing
    /// here are described from [`builtin_rule`] or by their ID alone.
    pub rules: Vec<RuleInfo>,
}

impl Run {
    /// An empty run of `command`.
    pub fn new(command: Command) -> Run {
        Run {
            command,
            baseline: None,
            subjects: Vec::new(),
            rules: Vec::new(),
        }
    }

    /// The single-file `stele check OLD NEW` (or `NEW --against ...`): one subject named after
    /// the new file, each version labelled with its file.
    pub fn from_checked(checked: &Checked<'_>) -> Run {
        let report = checked.report;
        let file = checked.file_of(report.version).to_string();
        let subject = SubjectResult::from_report(
            file.clone(),
            file,
            checked.format,
            report,
            |version| checked.file_of(version).to_string(),
            &checked.locations,
        );
        let mut run = Run::new(Command::Check);
        run.subjects.push(subject);
        run.rules = RuleInfo::for_engine_rules(&run.subjects);
        run
    }

    /// `true` when no subject blocks: the exit code is 0.
    pub fn passed(&self) -> bool {
        !self.subjects.iter().any(SubjectResult::blocks)
    }

    /// `true` when some subject could not be read or parsed (exit code 2 in `check`).
    pub fn has_invalid(&self) -> bool {
        self.subjects.iter().any(|s| s.status == Status::Invalid)
    }

    /// Counts for the summary lines.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for subject in &self.subjects {
            summary.subjects += 1;
            match subject.status {
                Status::Compatible => summary.compatible += 1,
                Status::Incompatible => summary.incompatible += 1,
                Status::New => summary.new += 1,
                Status::Ignored => summary.ignored += 1,
                Status::Invalid => summary.invalid += 1,
                Status::Clean => summary.clean += 1,
                Status::Findings => summary.with_findings += 1,
            }
            for diagnostic in subject.reported(self) {
                match diagnostic.severity {
                    Severity::Error => summary.errors += 1,
                    Severity::Warning => summary.warnings += 1,
                    Severity::Notice => summary.notices += 1,
                }
            }
        }
        summary
    }

    /// The description of a rule: from [`Run::rules`], else a built-in one, else the bare ID.
    pub fn rule(&self, id: &str) -> RuleInfo {
        self.rules
            .iter()
            .find(|rule| rule.id == id)
            .cloned()
            .or_else(|| builtin_rule(id))
            .unwrap_or_else(|| RuleInfo {
                id: id.to_string(),
                summary: id.to_string(),
                help: None,
                help_uri: None,
                category: None,
            })
    }

    /// Every rule ID that appears in what the run reports, in first-seen order.
    pub fn rule_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for subject in &self.subjects {
            for diagnostic in subject.reported(self) {
                if !ids.contains(&diagnostic.rule) {
                    ids.push(diagnostic.rule.clone());
                }
            }
        }
        ids
    }
}

/// How many subjects ended each way, and how many diagnostics of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// All subjects.
    pub subjects: usize,
    /// `check`: compatible.
    pub compatible: usize,
    /// `check`: incompatible.
    pub incompatible: usize,
    /// `check`: new, unknown to the baseline.
    pub new: usize,
    /// Not checked, by configuration.
    pub ignored: usize,
    /// The schema could not be read or parsed.
    pub invalid: usize,
    /// `lint`: no findings.
    pub clean: usize,
    /// `lint`: some findings.
    pub with_findings: usize,
    /// Diagnostics of severity error.
    pub errors: usize,
    /// Diagnostics of severity warning.
    pub warnings: usize,
    /// Diagnostics of severity notice.
    pub notices: usize,
}

/// What happened to one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectResult {
    /// The subject name (single-file mode: the new file's name as given).
    pub subject: String,
    /// The schema file as the user sees it: relative to the working directory.
    pub file: String,
    /// The schema's format.
    pub format: Format,
    /// The level applied; `None` for lint and for subjects that were not compared.
    pub level: Option<Level>,
    /// The version checked (the new text) and its label; `None` for lint.
    pub checked: Option<SchemaVersion>,
    /// The earlier versions it was compared with, newest first, each with a label.
    pub compared: Vec<SchemaVersion>,
    /// The outcome.
    pub status: Status,
    /// Why the status is what it is, in a few words, when the status alone does not say:
    /// `origin/main has no orders/refund.avsc`, `ignored by policy scratch.*`, a read error.
    pub note: Option<String>,
    /// Every finding, in the order to print them.
    pub diagnostics: Vec<Diagnostic>,
}

impl SubjectResult {
    /// A subject with no versions, no findings and status `status`; fill in the rest.
    pub fn new(
        subject: impl Into<String>,
        file: impl Into<String>,
        format: Format,
        status: Status,
    ) -> SubjectResult {
        SubjectResult {
            subject: subject.into(),
            file: file.into(),
            format,
            level: None,
            checked: None,
            compared: Vec::new(),
            status,
            note: None,
            diagnostics: Vec::new(),
        }
    }

    /// A compared subject from the engine's report: `label` names each version (a file, `git:
    /// origin/main (3f2a1bc)`, `registry version 4`) and `locations` are where the report's
    /// findings point, in order (missing ones point at `file` with no line).
    pub fn from_report(
        subject: impl Into<String>,
        file: impl Into<String>,
        format: Format,
        report: &Report,
        label: impl Fn(i32) -> String,
        locations: &[Location],
    ) -> SubjectResult {
        let file = file.into();
        let status = if report.compatible {
            Status::Compatible
        } else {
            Status::Incompatible
        };
        let diagnostics = report
            .findings
            .iter()
            .enumerate()
            .map(|(index, finding)| {
                let location = locations.get(index).cloned().unwrap_or(Location {
                    file: file.clone(),
                    line: None,
                });
                Diagnostic::from_finding(finding, location)
            })
            .collect();
        SubjectResult {
            subject: subject.into(),
            file,
            format,
            level: Some(report.level),
            checked: Some(SchemaVersion {
                version: report.version,
                label: label(report.version),
            }),
            compared: report
                .compared
                .iter()
                .map(|&version| SchemaVersion {
                    version,
                    label: label(version),
                })
                .collect(),
            status,
            note: None,
            diagnostics,
        }
    }

    /// `true` when this subject fails the run: incompatible, invalid, or any error-severity
    /// diagnostic (a lint error, or a new subject that the configuration refuses).
    pub fn blocks(&self) -> bool {
        matches!(self.status, Status::Incompatible | Status::Invalid)
            || self
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error)
    }

    /// The label of a version, when it is one of those checked or compared.
    pub fn label_of(&self, version: i32) -> Option<&str> {
        self.checked
            .iter()
            .chain(&self.compared)
            .find(|v| v.version == version)
            .map(|v| v.label.as_str())
    }

    /// What the machine-readable renderers report for this subject: its diagnostics, plus a
    /// notice for a new subject and an error for an invalid one that carries none.
    pub fn reported(&self, run: &Run) -> Vec<Diagnostic> {
        let mut out = self.diagnostics.clone();
        match self.status {
            Status::New if !out.iter().any(|d| d.rule == NEW_SUBJECT) => {
                out.insert(
                    0,
                    self.status_diagnostic(run, NEW_SUBJECT, Severity::Notice),
                );
            }
            Status::Invalid if out.is_empty() => {
                out.push(self.status_diagnostic(run, INVALID_SCHEMA, Severity::Error));
            }
            _ => {}
        }
        out
    }

    fn status_diagnostic(&self, run: &Run, rule: &str, severity: Severity) -> Diagnostic {
        Diagnostic {
            rule: rule.to_string(),
            severity,
            category: None,
            message: self.status_sentence(run),
            path: String::new(),
            location: Location {
                file: self.file.clone(),
                line: None,
            },
            column: None,
            reader_version: None,
            writer_version: None,
        }
    }

    /// One sentence for the status, naming the subject: `subject `x` is new: ...`.
    pub fn status_sentence(&self, run: &Run) -> String {
        let name = &self.subject;
        let note = self.note.as_deref();
        match self.status {
            Status::New => format!(
                "subject `{name}` is new ({}); it passes with nothing to compare",
                self.new_reason(run)
            ),
            Status::Ignored => match note {
                Some(note) => format!("subject `{name}` is ignored: {note}"),
                None => format!("subject `{name}` is ignored by the configuration"),
            },
            Status::Invalid => match note {
                Some(note) => format!("subject `{name}` could not be checked: {note}"),
                None => format!("subject `{name}` could not be read or parsed"),
            },
            Status::Compatible => format!("subject `{name}` is compatible"),
            Status::Incompatible => format!("subject `{name}` is incompatible"),
            Status::Clean => format!("subject `{name}` has no lint findings"),
            Status::Findings => format!("subject `{name}` has lint findings"),
        }
    }

    /// Why a new subject is new: the note, else `<baseline> does not know it`.
    pub fn new_reason(&self, run: &Run) -> String {
        match (&self.note, &run.baseline) {
            (Some(note), _) => note.clone(),
            (None, Some(baseline)) => format!("{baseline} does not know it"),
            (None, None) => "the baseline does not know it".to_string(),
        }
    }

    /// `BACKWARD_TRANSITIVE, version 3 checked against versions 2, 1`, or `None` when the
    /// subject was not compared.
    pub fn scope(&self) -> Option<String> {
        let level = self.level?;
        let checked = self.checked.as_ref()?;
        let against = match self.compared.as_slice() {
            [] => "no earlier version".to_string(),
            [one] => format!("version {}", one.version),
            many => {
                let list: Vec<String> = many.iter().map(|v| v.version.to_string()).collect();
                format!("versions {}", list.join(", "))
            }
        };
        Some(format!(
            "{level}, version {} checked against {against}",
            checked.version
        ))
    }
}

/// A version of a subject's schema and what it is, for people.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaVersion {
    /// The version number the engine used (1 is the oldest).
    pub version: i32,
    /// Where the text came from: `orders/order_placed/v1.avsc`, `git:origin/main (3f2a1bc)`,
    /// `registry version 4`.
    pub label: String,
}

/// How one subject ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `check`: no finding at the level applied.
    Compatible,
    /// `check`: findings; the run fails.
    Incompatible,
    /// `check`: the baseline does not know the subject; it passes with a notice.
    New,
    /// Neither checked nor linted, by configuration.
    Ignored,
    /// The schema (or a reference) could not be read or parsed; the run fails.
    Invalid,
    /// `lint`: no findings.
    Clean,
    /// `lint`: findings; the run fails when one of them is an error.
    Findings,
}

impl Status {
    /// The lowercase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Compatible => "compatible",
            Status::Incompatible => "incompatible",
            Status::New => "new",
            Status::Ignored => "ignored",
            Status::Invalid => "invalid",
            Status::Clean => "clean",
            Status::Findings => "findings",
        }
    }
}

/// How much a diagnostic matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Fails the run.
    Error,
    /// Shown, does not fail the run.
    Warning,
    /// For information.
    Notice,
}

impl Severity {
    /// `error`, `warning` or `notice`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Notice => "notice",
        }
    }
}

/// One finding about one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule ID: an engine rule (`AVRO_FIELD_ADDED_WITHOUT_DEFAULT`), a lint rule, or one
    /// of [`NEW_SUBJECT`] and [`INVALID_SCHEMA`].
    pub rule: String,
    /// How much it matters.
    pub severity: Severity,
    /// The engine's category (`wire`, `contract`, `source`), when the rule has one.
    pub category: Option<String>,
    /// One sentence, as the engine or the linter wrote it.
    pub message: String,
    /// Where in the schema: a JSON pointer (Avro, JSON Schema) or a dotted name (Protobuf);
    /// empty for the whole schema.
    pub path: String,
    /// The file and line it points at (the file as the user sees it).
    pub location: Location,
    /// The 1-based column on `location.line`, when known (parse errors).
    pub column: Option<u32>,
    /// `check`: the version whose consumers cannot read.
    pub reader_version: Option<i32>,
    /// `check`: the version whose events they cannot read. With the reader version it names
    /// the earlier version that blocks a change under a transitive level.
    pub writer_version: Option<i32>,
}

impl Diagnostic {
    /// An error-severity diagnostic from an engine finding.
    pub fn from_finding(finding: &Finding, location: Location) -> Diagnostic {
        Diagnostic {
            rule: finding.rule.as_str().to_string(),
            severity: Severity::Error,
            category: Some(finding.category.as_str().to_string()),
            message: finding.message.clone(),
            path: finding.path.clone(),
            location,
            column: None,
            reader_version: Some(finding.reader_version),
            writer_version: Some(finding.writer_version),
        }
    }

    /// The error for a schema that cannot be read or parsed ([`INVALID_SCHEMA`]): the
    /// parser's message at the file, line and column it gave, and the schema path if any.
    pub fn invalid_schema(
        location: Location,
        column: Option<u32>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            rule: INVALID_SCHEMA.to_string(),
            severity: Severity::Error,
            category: None,
            message: message.into(),
            path: path.into(),
            location,
            column,
            reader_version: None,
            writer_version: None,
        }
    }

    /// Of the two versions a `check` finding names, the one that is not `checked`: the
    /// earlier version that blocks the change.
    pub fn other_version(&self, checked: i32) -> Option<i32> {
        [self.writer_version, self.reader_version]
            .into_iter()
            .flatten()
            .find(|&v| v != checked)
    }
}

/// Where a finding points: the file to open and, when it could be found, the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (relative to the working directory).
    pub file: String,
    /// 1-based line of the path's target in that file.
    pub line: Option<u32>,
}

/// What a rule is, for outputs that describe the rules they report (SARIF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// The rule ID.
    pub id: String,
    /// One sentence: what the rule protects.
    pub summary: String,
    /// Longer help, when there is more to say than the summary.
    pub help: Option<String>,
    /// Where the rule is documented.
    pub help_uri: Option<String>,
    /// The engine's category, for compatibility rules.
    pub category: Option<String>,
}

/// The rule reported when a subject is new to the baseline (a notice by default).
pub const NEW_SUBJECT: &str = "NEW_SUBJECT";
/// The rule reported when a schema cannot be read or parsed.
pub const INVALID_SCHEMA: &str = "INVALID_SCHEMA";

/// Where the compatibility rules are documented.
const RULES_DOC: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules.md");

impl RuleInfo {
    /// The description of an engine rule.
    pub fn from_engine(rule: &stele_engine::Rule) -> RuleInfo {
        let deprecated = if rule.deprecated { " (deprecated)" } else { "" };
        RuleInfo {
            id: rule.id.as_str().to_string(),
            summary: format!("{}{deprecated}", rule.purpose),
            help: Some(format!(
                "{}. Category: {} ({}). `stele rules` lists every rule.",
                rule.purpose,
                rule.category.as_str(),
                category_meaning(rule.category)
            )),
            help_uri: Some(RULES_DOC.to_string()),
            category: Some(rule.category.as_str().to_string()),
        }
    }

    /// The engine rules that appear in `subjects`' diagnostics, in first-seen order.
    pub fn for_engine_rules(subjects: &[SubjectResult]) -> Vec<RuleInfo> {
        let mut out: Vec<RuleInfo> = Vec::new();
        for diagnostic in subjects.iter().flat_map(|s| &s.diagnostics) {
            if out.iter().any(|r| r.id == diagnostic.rule) {
                continue;
            }
            if let Some(rule) =
                stele_engine::rules::all().find(|r| r.id.as_str() == diagnostic.rule)
            {
                out.push(RuleInfo::from_engine(rule));
            }
        }
        out
    }
}

fn category_meaning(category: stele_engine::Category) -> &'static str {
    match category {
        stele_engine::Category::Wire => "payloads stop decoding",
        stele_engine::Category::Contract => "payloads decode but break the reader's contract",
        stele_engine::Category::Source => "generated code breaks",
    }
}

/// The descriptions of the rules the CLI itself reports, and of engine rules.
pub fn builtin_rule(id: &str) -> Option<RuleInfo> {
    let (summary, help) = match id {
        NEW_SUBJECT => (
            "a subject that the baseline does not know has nothing to be compatible with",
            "The subject passes; from its first registration on, later versions are checked \
             against it. Set `new-subject = \"error\"` in stele.toml to refuse new subjects.",
        ),
        INVALID_SCHEMA => (
            "a schema that cannot be read or parsed cannot be checked",
            "Fix the file at the line shown; the message is the parser's.",
        ),
        _ => {
            return stele_engine::rules::all()
                .find(|rule| rule.id.as_str() == id)
                .map(RuleInfo::from_engine);
        }
    };
    Some(RuleInfo {
        id: id.to_string(),
        summary: summary.to_string(),
        help: Some(help.to_string()),
        help_uri: Some(concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/cli.md").to_string()),
        category: None,
    })
}

/// A finished single-file check with the file behind each version.
#[derive(Debug)]
pub struct Checked<'a> {
    /// The engine's report.
    pub report: &'a Report,
    /// The schemas' format.
    pub format: Format,
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

/// What renderers need to know about where they run, read once at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The working directory that the run's relative paths start from.
    pub cwd: PathBuf,
    /// The repository root, when known: GitHub annotations and SARIF locations are relative
    /// to it. `None` leaves paths as they are given.
    pub root: Option<PathBuf>,
}

impl Settings {
    /// Settings that leave paths as they are (tests, and runs outside any repository).
    pub fn plain() -> Settings {
        Settings {
            cwd: PathBuf::from("."),
            root: None,
        }
    }

    /// The working directory and the repository root: `GITHUB_WORKSPACE` when set (in GitHub
    /// Actions), else the nearest directory above the working directory with a `.git` entry.
    pub fn detect() -> Settings {
        let Ok(cwd) = std::env::current_dir() else {
            return Settings::plain();
        };
        let root = std::env::var_os("GITHUB_WORKSPACE")
            .map(PathBuf::from)
            .filter(|root| root.is_absolute())
            .or_else(|| {
                cwd.ancestors()
                    .find(|dir| dir.join(".git").exists())
                    .map(Path::to_path_buf)
            });
        Settings { cwd, root }
    }

    /// `file` relative to the repository root, with `/` separators, when it lies inside the
    /// root; otherwise `file` as given.
    pub fn repository_path(&self, file: &str) -> String {
        let given = Path::new(file);
        let Some(root) = &self.root else {
            return file.strip_prefix("./").unwrap_or(file).to_string();
        };
        let absolute = if given.is_absolute() {
            normalize(given)
        } else {
            normalize(&self.cwd.join(given))
        };
        match absolute.strip_prefix(normalize(root)) {
            Ok(relative) if !relative.as_os_str().is_empty() => relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            _ => file.to_string(),
        }
    }
}

/// Removes `.` and resolves `..` without touching the file system (symlinks are not followed;
/// paths in CI are plain).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
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

#[cfg(test)]
pub(crate) mod fixtures {
    //! Runs built by hand for the renderers' unit tests: several subjects, every status.

    use super::*;

    fn finding(rule: &str, message: &str, path: &str, file: &str, line: u32) -> Diagnostic {
        Diagnostic {
            rule: rule.to_string(),
            severity: Severity::Error,
            category: Some("wire".to_string()),
            message: message.to_string(),
            path: path.to_string(),
            location: Location {
                file: file.to_string(),
                line: Some(line),
            },
            column: None,
            reader_version: Some(3),
            writer_version: Some(1),
        }
    }

    /// A `check` against a git baseline: one incompatible subject (a transitive failure against
    /// version 1), one compatible, one new, one ignored, one invalid.
    pub fn check_run() -> Run {
        let mut incompatible = SubjectResult::new(
            "shop.orders.order-placed-value",
            "schemas/orders/order_placed/v3.avsc",
            Format::Avro,
            Status::Incompatible,
        );
        incompatible.level = Some(Level::BACKWARD_TRANSITIVE);
        incompatible.checked = Some(SchemaVersion {
            version: 3,
            label: "schemas/orders/order_placed/v3.avsc".to_string(),
        });
        incompatible.compared = vec![
            SchemaVersion {
                version: 2,
                label: "git:origin/main (3f2a1bc)".to_string(),
            },
            SchemaVersion {
                version: 1,
                label: "schemas/orders/order_placed/v1.avsc".to_string(),
            },
        ];
        incompatible.diagnostics = vec![finding(
            "AVRO_FIELD_ADDED_WITHOUT_DEFAULT",
            "consumers on version 3 cannot read events written with version 1: field `giftMessage` exists in version 3 without a default and is missing from version 1",
            "/fields/giftMessage",
            "schemas/orders/order_placed/v3.avsc",
            73,
        )];

        let mut compatible = SubjectResult::new(
            "shop.payments.payment-captured-value",
            "schemas/payments/payment_captured.proto",
            Format::Protobuf,
            Status::Compatible,
        );
        compatible.level = Some(Level::FULL);
        compatible.checked = Some(SchemaVersion {
            version: 2,
            label: "schemas/payments/payment_captured.proto".to_string(),
        });
        compatible.compared = vec![SchemaVersion {
            version: 1,
            label: "git:origin/main (3f2a1bc)".to_string(),
        }];

        let mut new = SubjectResult::new(
            "shop.refunds.refund-issued-value",
            "schemas/refunds/refund_issued.json",
            Format::Json,
            Status::New,
        );
        new.level = Some(Level::BACKWARD);

        let mut ignored = SubjectResult::new(
            "scratch.experiment-value",
            "schemas/scratch/experiment.avsc",
            Format::Avro,
            Status::Ignored,
        );
        ignored.note = Some("policy `scratch.*` sets ignore = true".to_string());

        let mut invalid = SubjectResult::new(
            "shop.users.user-signed-up-value",
            "schemas/users/user_signed_up/v2.json",
            Format::Json,
            Status::Invalid,
        );
        invalid.diagnostics = vec![Diagnostic::invalid_schema(
            Location {
                file: "schemas/users/user_signed_up/v2.json".to_string(),
                line: Some(4),
            },
            Some(3),
            "",
            "invalid JSON: expected `,` or `}`",
        )];

        let subjects = vec![incompatible, compatible, new, ignored, invalid];
        Run {
            command: Command::Check,
            baseline: Some("git:origin/main".to_string()),
            rules: RuleInfo::for_engine_rules(&subjects),
            subjects,
        }
    }

    /// A `lint` run with an error, a warning and a notice, whose texts hold every character
    /// each output must escape.
    pub fn lint_run() -> Run {
        let mut dirty = SubjectResult::new(
            "odd,name:with%chars",
            "schemas/odd dir/a,b:c%.avsc",
            Format::Avro,
            Status::Findings,
        );
        dirty.diagnostics = vec![
            Diagnostic {
                rule: "FIELD_UNDOCUMENTED".to_string(),
                severity: Severity::Warning,
                category: None,
                message: "field `a<b>&\"c\"` has no doc\r\nsecond line 100%".to_string(),
                path: "/fields/a<b>&\"c\"".to_string(),
                location: Location {
                    file: "schemas/odd dir/a,b:c%.avsc".to_string(),
                    line: Some(5),
                },
                column: Some(7),
                reader_version: None,
                writer_version: None,
            },
            Diagnostic {
                rule: "EVENT_NAME_PAST_TENSE".to_string(),
                severity: Severity::Error,
                category: None,
                message: "record `PlaceOrder` should be named in the past tense\u{1} ]]>"
                    .to_string(),
                path: "/name".to_string(),
                location: Location {
                    file: "schemas/odd dir/a,b:c%.avsc".to_string(),
                    line: Some(2),
                },
                column: None,
                reader_version: None,
                writer_version: None,
            },
            Diagnostic {
                rule: "FIELD_NAME_CASE".to_string(),
                severity: Severity::Notice,
                category: None,
                message: "field `Total` is not camelCase".to_string(),
                path: "/fields/Total".to_string(),
                location: Location {
                    file: "schemas/odd dir/a,b:c%.avsc".to_string(),
                    line: None,
                },
                column: None,
                reader_version: None,
                writer_version: None,
            },
        ];
        let clean = SubjectResult::new(
            "shop.orders.order-placed-value",
            "schemas/orders/order_placed/v3.avsc",
            Format::Avro,
            Status::Clean,
        );
        Run {
            command: Command::Lint,
            baseline: None,
            subjects: vec![dirty, clean],
            rules: vec![RuleInfo {
                id: "FIELD_UNDOCUMENTED".to_string(),
                summary: "every field says what it means".to_string(),
                help: None,
                help_uri: None,
                category: None,
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_paths_are_relative_to_the_root() {
        let settings = Settings {
            cwd: PathBuf::from("/repo/services/orders"),
            root: Some(PathBuf::from("/repo")),
        };
        assert_eq!(
            settings.repository_path("schemas/v1.avsc"),
            "services/orders/schemas/v1.avsc"
        );
        assert_eq!(
            settings.repository_path("./../shared/x.proto"),
            "services/shared/x.proto"
        );
        assert_eq!(settings.repository_path("/repo/a/b.json"), "a/b.json");
        // Outside the repository: left as given, GitHub cannot place it anyway.
        assert_eq!(settings.repository_path("/tmp/old.avsc"), "/tmp/old.avsc");
        assert_eq!(
            Settings::plain().repository_path("./schemas/v1.avsc"),
            "schemas/v1.avsc"
        );
    }

    #[test]
    fn summary_counts_subjects_and_severities() {
        let run = fixtures::check_run();
        let summary = run.summary();
        assert_eq!(
            summary,
            Summary {
                subjects: 5,
                compatible: 1,
                incompatible: 1,
                new: 1,
                ignored: 1,
                invalid: 1,
                clean: 0,
                with_findings: 0,
                errors: 2,
                warnings: 0,
                notices: 1,
            }
        );
        assert!(!run.passed());
        assert!(run.has_invalid());
        assert_eq!(
            run.rule_ids(),
            [
                "AVRO_FIELD_ADDED_WITHOUT_DEFAULT",
                NEW_SUBJECT,
                INVALID_SCHEMA
            ]
        );
    }

    #[test]
    fn a_transitive_failure_names_the_blocking_version() {
        let run = fixtures::check_run();
        let subject = &run.subjects[0];
        let diagnostic = &subject.diagnostics[0];
        assert_eq!(diagnostic.other_version(3), Some(1));
        assert_eq!(
            subject.label_of(1),
            Some("schemas/orders/order_placed/v1.avsc")
        );
        assert_eq!(
            subject.scope().as_deref(),
            Some("BACKWARD_TRANSITIVE, version 3 checked against versions 2, 1")
        );
    }

    /// Every output renders every run, including an empty one, and the JUnit and SARIF ones
    /// stay valid against their schemas.
    #[test]
    fn every_output_renders_every_run() {
        let outputs = [
            Output::Text,
            Output::Json,
            Output::Github,
            Output::Junit,
            Output::Sarif,
        ];
        for run in [
            fixtures::check_run(),
            fixtures::lint_run(),
            Run::new(Command::Check),
        ] {
            for output in outputs {
                let mut out = Vec::new();
                render(&mut out, output, &run, &Settings::plain()).expect("write to memory");
                let text = String::from_utf8(out).expect("UTF-8");
                assert!(text.ends_with('\n'), "{output:?}: {text}");
                match output {
                    Output::Junit => validate::junit(&text),
                    Output::Sarif => {
                        validate::sarif(&serde_json::from_str(&text).expect("SARIF is JSON"));
                    }
                    Output::Json => {
                        let value: serde_json::Value =
                            serde_json::from_str(&text).expect("valid JSON");
                        assert_eq!(value["passed"], run.passed());
                    }
                    Output::Text | Output::Github => {}
                }
            }
        }
        let mut out = Vec::new();
        render(
            &mut out,
            Output::Text,
            &Run::new(Command::Check),
            &Settings::plain(),
        )
        .expect("write to memory");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            "passed: checked 0 subjects\n"
        );
    }

    #[test]
    fn a_new_subject_passes_with_a_notice() {
        let mut run = fixtures::check_run();
        run.subjects.retain(|s| s.status == Status::New);
        assert!(run.passed());
        let reported = run.subjects[0].reported(&run);
        assert_eq!(reported.len(), 1);
        assert_eq!(reported[0].severity, Severity::Notice);
        assert_eq!(
            reported[0].message,
            "subject `shop.refunds.refund-issued-value` is new (git:origin/main does not know \
             it); it passes with nothing to compare"
        );
    }
}

#[cfg(test)]
pub(crate) mod validate {
    //! Validation against the published schemas vendored in `cli/tests/fixtures/`, shared by
    //! the renderers' unit tests. `cli/tests/outputs.rs` does the same for the real binary.

    use std::io::Write;
    use std::process::Command;

    const SARIF_SCHEMA: &str = include_str!("../../tests/fixtures/sarif-schema-2.1.0.json");
    const JUNIT_XSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/junit-10.xsd");

    /// Panics with every schema error when `log` is not valid SARIF 2.1.0.
    pub fn sarif(log: &serde_json::Value) {
        let mut schema: serde_json::Value =
            serde_json::from_str(SARIF_SCHEMA).expect("the vendored schema is JSON");
        drop_broken_pattern(&mut schema);
        let validator = jsonschema::draft4::new(&schema).expect("the SARIF schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(log)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "invalid SARIF: {errors:#?}\n{log:#}");
    }

    /// The SARIF schema's pattern for `language` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`)
    /// has a stray `]` that ECMA-262 tolerates but Rust's regex engine refuses, so the schema
    /// would not compile. stele never writes a `language`; the keyword is dropped in memory.
    pub fn drop_broken_pattern(value: &mut serde_json::Value) {
        const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
        match value {
            serde_json::Value::Object(map) => {
                if map.get("pattern").and_then(|p| p.as_str()) == Some(BROKEN) {
                    map.remove("pattern");
                }
                map.values_mut().for_each(drop_broken_pattern);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(drop_broken_pattern),
            _ => {}
        }
    }

    /// Panics when `xml` is not valid against the JUnit XSD. Without `xmllint` it says so on
    /// stderr and returns, unless `STELE_REQUIRE_VALIDATORS=1`.
    pub fn junit(xml: &str) {
        let Some(xmllint) = xmllint() else { return };
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(xml.as_bytes()).expect("write XML");
        let out = Command::new(xmllint)
            .args(["--noout", "--schema", JUNIT_XSD])
            .arg(file.path())
            .output()
            .expect("xmllint runs");
        assert!(
            out.status.success(),
            "invalid JUnit XML: {}\n{xml}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn xmllint() -> Option<&'static str> {
        let found = Command::new("xmllint").arg("--version").output().is_ok();
        if found {
            return Some("xmllint");
        }
        assert!(
            std::env::var("STELE_REQUIRE_VALIDATORS").as_deref() != Ok("1"),
            "xmllint is missing and STELE_REQUIRE_VALIDATORS=1 (install Debian's libxml2-utils)"
        );
        eprintln!("skipped: JUnit XSD validation needs xmllint (Debian's libxml2-utils)");
        None
    }
}
