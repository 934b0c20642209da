//! Checking one subject of a project against its baseline: the heart of `stele check` with no
//! file arguments.
//!
//! For each subject it reads the working tree's schema and references, asks the baseline for
//! the earlier versions the level needs, parses every version with the engine, checks, and
//! locates each finding in a file. It returns a [`Checked`] value per subject and prints
//! nothing; rendering and exit codes belong to the command.

use anyhow::Result;
use stele_engine::{
    CheckOptions, Dependency, Finding, Format, Level, ParseOptions, Schema, Versioned, check,
};

use crate::baseline::{self, Baseline, Earlier, Known};
use crate::locate;
use crate::project::{NewSubject, Project, Subject};
use crate::render::Location;

/// What happened to one subject.
#[derive(Debug)]
pub struct Checked {
    /// The subject name.
    pub subject: String,
    /// Its current file, as shown.
    pub file: String,
    /// Its format.
    pub format: Format,
    /// The level applied.
    pub level: Level,
    /// Every version compared: the earlier ones oldest first, then the new one.
    pub compared: Vec<(i32, String)>,
    /// The verdict.
    pub status: Status,
    /// Each finding with where it points.
    pub findings: Vec<(Finding, Location)>,
    /// Things worth saying that do not fail the check.
    pub notices: Vec<String>,
}

/// A subject's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Compatible with every version the level asks for.
    Compatible,
    /// At least one finding.
    Incompatible,
    /// The baseline does not know the subject; `fails` when `new-subject = "error"`.
    New {
        /// Whether this fails the run.
        fails: bool,
    },
    /// A version does not parse.
    Invalid {
        /// The parse error, located.
        message: String,
        /// Where.
        location: Location,
    },
}

/// Checks `subject` against `baseline` at `level_override` or its own level.
pub fn check_subject(
    project: &Project,
    subject: &Subject,
    baseline: &mut Baseline,
    level_override: Option<Level>,
) -> Result<Checked> {
    let new_text = baseline::working_text(subject)?;
    let new_deps = baseline::working_dependencies(project, subject)?;
    let mut level = level_override.unwrap_or(subject.level);
    let known = baseline.earlier(project, subject, level)?;
    let mut checked = Checked {
        subject: subject.name.clone(),
        file: subject.file.shown.clone(),
        format: subject.format,
        level,
        compared: Vec::new(),
        status: Status::Compatible,
        findings: Vec::new(),
        notices: Vec::new(),
    };
    let options = ParseOptions {
        normalize: subject.normalize,
    };
    let new_schema = match Schema::parse(subject.format, &new_text, &new_deps, options) {
        Ok(schema) => schema,
        Err(err) => {
            checked.status = invalid(subject.format, &subject.file.shown, &new_text, &err);
            return Ok(checked);
        }
    };
    let (versions, baseline_level) = match known {
        // A subject with no `history` in stele.toml is at its first version: nothing to
        // compare, and nothing new to announce.
        Known::New if matches!(baseline, Baseline::History) => {
            checked.compared.push((1, subject.file.shown.clone()));
            checked
                .notices
                .push("the first version: there is no earlier version to compare".to_string());
            return Ok(checked);
        }
        Known::New => {
            checked.status = Status::New {
                fails: subject.new_subject == NewSubject::Error,
            };
            checked.compared.push((1, subject.file.shown.clone()));
            return Ok(checked);
        }
        Known::Versions { versions, level } => (versions, level),
    };
    if let Some(applied) = baseline_level
        && level_override.is_none()
    {
        if applied != subject.level {
            checked.notices.push(format!(
                "stele.toml sets {} but the registry applies {applied}; checked at {applied}",
                subject.level
            ));
        }
        level = applied;
        checked.level = applied;
    }

    let mut earlier_schemas = Vec::with_capacity(versions.len());
    for earlier in &versions {
        match Schema::parse(
            subject.format,
            &earlier.text,
            &earlier.dependencies,
            options,
        ) {
            Ok(schema) => earlier_schemas.push(schema),
            Err(err) => {
                checked.status = invalid(subject.format, &earlier.label, &earlier.text, &err);
                return Ok(checked);
            }
        }
    }
    let new_version = versions.last().map_or(1, |v| v.version + 1);
    let previous: Vec<Versioned<'_>> = versions
        .iter()
        .zip(&earlier_schemas)
        .map(|(earlier, schema)| Versioned {
            version: earlier.version,
            schema,
        })
        .collect();
    let report = check(
        level,
        Versioned {
            version: new_version,
            schema: &new_schema,
        },
        &previous,
        CheckOptions::default(),
    );
    checked.compared = versions
        .iter()
        .map(|v| (v.version, v.label.clone()))
        .chain([(new_version, subject.file.shown.clone())])
        .collect();
    let sides = Sides {
        format: subject.format,
        new: Side {
            version: new_version,
            shown: &subject.file.shown,
            text: &new_text,
            dependencies: &new_deps,
        },
        earlier: &versions,
    };
    checked.findings = report
        .findings
        .into_iter()
        .map(|finding| {
            let location = sides.locate(&finding);
            (finding, location)
        })
        .collect();
    if !checked.findings.is_empty() {
        checked.status = Status::Incompatible;
    }
    Ok(checked)
}

/// An `Invalid` status for a parse error in `text`, shown as `shown`.
fn invalid(format: Format, shown: &str, text: &str, err: &stele_engine::ParseError) -> Status {
    let line = err.line.or_else(|| {
        err.path
            .as_deref()
            .and_then(|path| locate::line_of(format, text, &[], path))
            .filter(|found| found.exact)
            .map(|found| found.line)
    });
    let file = match &err.file {
        // The error is inside a referenced schema: name it as the parser did.
        Some(name) => name.clone(),
        None => shown.to_string(),
    };
    let mut message = String::new();
    if let Some(path) = err.path.as_deref().filter(|p| !p.is_empty()) {
        message.push_str(&format!("at {path}: "));
    }
    message.push_str(&err.message);
    Status::Invalid {
        message,
        location: Location {
            file,
            line: if err.file.is_some() { err.line } else { line },
        },
    }
}

/// The texts a subject's findings may point into.
struct Sides<'a> {
    format: Format,
    new: Side<'a>,
    earlier: &'a [Earlier],
}

struct Side<'a> {
    version: i32,
    shown: &'a str,
    text: &'a str,
    dependencies: &'a [Dependency],
}

impl Sides<'_> {
    /// The new file when the path is in it (annotations belong on the changed file), else the
    /// version the finding names that has it, else the new file without a line.
    fn locate(&self, finding: &Finding) -> Location {
        let earlier = |version: i32| {
            self.earlier
                .iter()
                .find(|e| e.version == version)
                .map(|e| Side {
                    version: e.version,
                    shown: &e.label,
                    text: &e.text,
                    dependencies: &e.dependencies,
                })
        };
        let mut candidates = vec![self.new_side()];
        for version in [finding.reader_version, finding.writer_version] {
            if version != self.new.version
                && let Some(side) = earlier(version)
            {
                candidates.push(side);
            }
        }
        let mut nearest: Option<Location> = None;
        for side in &candidates {
            let references: Vec<(&str, &str)> = side
                .dependencies
                .iter()
                .map(|d| (d.name.as_str(), d.text.as_str()))
                .collect();
            let Some(found) = locate::line_of(self.format, side.text, &references, &finding.path)
            else {
                continue;
            };
            // A line inside a referenced schema points at the reference's name; the file it
            // came from is not known here, so such findings stay on the subject's file.
            let location = Location {
                file: side.shown.to_string(),
                line: found.source.is_none().then_some(found.line),
            };
            if found.exact && found.source.is_none() {
                return location;
            }
            nearest.get_or_insert(location);
        }
        nearest.unwrap_or_else(|| Location {
            file: self.new.shown.to_string(),
            line: None,
        })
    }

    fn new_side(&self) -> Side<'_> {
        Side {
            version: self.new.version,
            shown: self.new.shown,
            text: self.new.text,
            dependencies: self.new.dependencies,
        }
    }
}
