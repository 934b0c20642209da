//! Checking one subject of a project against its baseline: the heart of `stele check` with no
//! file arguments.
//!
//! For each subject it reads the working tree's schema and references, asks the baseline for
//! the earlier versions the level needs, parses every version with the engine, checks, and
//! locates each finding in a file. It returns the renderers' [`SubjectResult`] per subject and
//! prints nothing; rendering and exit codes belong to the command.

use std::cell::RefCell;
use std::collections::HashMap;

use anyhow::Result;
use stele_engine::{
    CheckOptions, Dependency, Finding, Format, Level, ParseError, ParseOptions, Schema, Versioned,
    check,
};

use crate::baseline::{self, Baseline, Earlier, Known};
use crate::locate::{self, Locator};
use crate::project::{NewSubject, Project, Subject};
use crate::render::{Diagnostic, Location, NEW_SUBJECT, SchemaVersion, Status, SubjectResult};

/// Checks `subject` against `baseline` at `level_override` or its own level.
pub fn check_subject(
    project: &Project,
    subject: &Subject,
    baseline: &mut Baseline,
    level_override: Option<Level>,
) -> Result<SubjectResult> {
    let file = subject.file.shown.clone();
    let mut result = SubjectResult::new(&subject.name, &file, subject.format, Status::Compatible);
    if subject.ignored {
        result.status = Status::Ignored;
        result.note = Some(format!("a policy in {} ignores it", project.manifest));
        return Ok(result);
    }
    let new_text = baseline::working_text(subject)?;
    let new_deps = baseline::working_dependencies(project, subject)?;
    let mut level = level_override.unwrap_or(subject.level);
    let known = baseline.earlier(project, subject, level)?;
    let options = ParseOptions {
        normalize: subject.normalize,
    };
    let new_schema = match Schema::parse(subject.format, &new_text, &new_deps, options) {
        Ok(schema) => schema,
        Err(err) => {
            invalid(&mut result, &file, &new_text, &err);
            return Ok(result);
        }
    };
    let first = |result: &mut SubjectResult, level: Level| {
        result.level = Some(level);
        result.checked = Some(SchemaVersion {
            version: 1,
            label: file.clone(),
        });
    };
    let (versions, baseline_level) = match known {
        // A subject with no `history` in stele.toml is at its first version: nothing to
        // compare, and nothing new to announce.
        Known::New if matches!(baseline, Baseline::History) => {
            first(&mut result, level);
            result.note = Some("the first version: there is no earlier version".to_string());
            return Ok(result);
        }
        Known::New => {
            first(&mut result, level);
            result.status = Status::New;
            if subject.new_subject == NewSubject::Error {
                let mut refusal = Diagnostic::invalid_schema(
                    Location {
                        file: file.clone(),
                        line: None,
                    },
                    None,
                    "",
                    format!(
                        "subject `{}` is new to {} and stele.toml sets new-subject = \"error\"",
                        subject.name,
                        baseline.describe()
                    ),
                );
                refusal.rule = NEW_SUBJECT.to_string();
                result.diagnostics.push(refusal);
            }
            return Ok(result);
        }
        Known::Versions { versions, level } => (versions, level),
    };
    if let Some(applied) = baseline_level
        && level_override.is_none()
    {
        if applied != subject.level {
            result.note = Some(format!(
                "stele.toml sets {} but the registry applies {applied}",
                subject.level
            ));
        }
        level = applied;
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
                invalid(&mut result, &earlier.label, &earlier.text, &err);
                return Ok(result);
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
    let sides = Sides {
        format: subject.format,
        new: Side {
            version: new_version,
            shown: &file,
            text: &new_text,
            dependencies: &new_deps,
        },
        earlier: &versions,
        locators: RefCell::new(HashMap::new()),
    };
    let locations: Vec<Location> = report.findings.iter().map(|f| sides.locate(f)).collect();
    let label = |version: i32| {
        if version == new_version {
            file.clone()
        } else {
            versions
                .iter()
                .find(|v| v.version == version)
                .map_or_else(|| format!("version {version}"), |v| v.label.clone())
        }
    };
    let note = result.note.take();
    let mut result = SubjectResult::from_report(
        &subject.name,
        &file,
        subject.format,
        &report,
        label,
        &locations,
    );
    result.note = note;
    Ok(result)
}

/// Marks `result` invalid with the parse error of `text`, shown as `shown`.
fn invalid(result: &mut SubjectResult, shown: &str, text: &str, err: &ParseError) {
    let line = err.line.or_else(|| {
        err.path
            .as_deref()
            .and_then(|path| locate::line_of(result.format, text, &[], path))
            .filter(|found| found.exact)
            .map(|found| found.line)
    });
    let location = match &err.file {
        // The error is inside a referenced schema: name it as the parser did.
        Some(name) => Location {
            file: name.clone(),
            line: err.line,
        },
        None => Location {
            file: shown.to_string(),
            line,
        },
    };
    result.status = Status::Invalid;
    result.diagnostics.push(Diagnostic::invalid_schema(
        location,
        err.column,
        err.path.clone().unwrap_or_default(),
        err.message.clone(),
    ));
}

/// The texts a subject's findings may point into.
struct Sides<'a> {
    format: Format,
    new: Side<'a>,
    earlier: &'a [Earlier],
    /// Each version's texts scanned once, by version, on first use.
    locators: RefCell<HashMap<i32, Locator<'a>>>,
}

struct Side<'a> {
    version: i32,
    shown: &'a str,
    text: &'a str,
    dependencies: &'a [Dependency],
}

impl<'a> Sides<'a> {
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
            let found = {
                let mut locators = self.locators.borrow_mut();
                let locator = locators.entry(side.version).or_insert_with(|| {
                    let references: Vec<(&str, &str)> = side
                        .dependencies
                        .iter()
                        .map(|d| (d.name.as_str(), d.text.as_str()))
                        .collect();
                    Locator::new(self.format, side.text, &references)
                });
                locator.line(&finding.path)
            };
            let Some(found) = found else {
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

    fn new_side(&self) -> Side<'a> {
        Side {
            version: self.new.version,
            shown: self.new.shown,
            text: self.new.text,
            dependencies: self.new.dependencies,
        }
    }
}
