//! A repository's event contracts, as `stele.toml` lists them (docs/stele-toml.md).
//!
//! [`Project::load`] reads the manifest, applies defaults and policies, derives subject names
//! and checks everything it can without parsing a schema: known keys, levels, severities, that
//! every file exists and every reference names a listed subject. Each refusal names the
//! manifest's file, line and key. Reading schema texts for a check (from the working tree or a
//! git ref) and resolving references are left to the callers through [`Project::dependencies`],
//! which takes the reader as an argument.

pub mod glob;
mod manifest;
mod naming;

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use stele_engine::{Dependency, Format, Level};
use toml::Spanned;

pub use naming::Naming;

/// The manifest's file name.
pub const MANIFEST: &str = "stele.toml";

/// A loaded `stele.toml`.
#[derive(Debug, Clone)]
pub struct Project {
    /// The manifest as the user would name it, for messages.
    pub manifest: String,
    /// The directory that holds the manifest; shown paths are relative to it.
    pub dir: PathBuf,
    /// `project.name`.
    pub name: String,
    /// `project.description`.
    pub description: Option<String>,
    /// `[registry] url`.
    pub registry: Option<String>,
    /// Every subject, in the manifest's order, including ignored ones.
    pub subjects: Vec<Subject>,
    /// `[applications]`.
    pub applications: BTreeMap<String, Application>,
    /// `[catalog.servers]`.
    pub servers: BTreeMap<String, Server>,
    /// `[lint] max-fields`.
    pub max_fields: Option<u32>,
}

/// One subject and everything the manifest says about it, with defaults and policies applied.
#[derive(Debug, Clone)]
pub struct Subject {
    /// The subject name.
    pub name: String,
    /// Its current schema file.
    pub file: SchemaFile,
    /// Earlier versions kept in the tree, oldest first.
    pub history: Vec<SchemaFile>,
    /// The schema format.
    pub format: Format,
    /// The topic, when given.
    pub topic: Option<String>,
    /// Whether the schema is the topic's key.
    pub key: bool,
    /// The record (event type) named in stele.toml, when the file declares several.
    pub record: Option<String>,
    /// The level to check at.
    pub level: Level,
    /// The registry's `normalize` flag.
    pub normalize: bool,
    /// What to do when the baseline does not know the subject.
    pub new_subject: NewSubject,
    /// Neither checked nor linted.
    pub ignored: bool,
    /// `{ name, subject }` references, in the manifest's order.
    pub references: Vec<Reference>,
    /// For the catalog.
    pub description: Option<String>,
    /// For the catalog.
    pub owner: Option<String>,
    /// For the catalog.
    pub domain: Option<String>,
    /// Applications that write the event.
    pub producers: Vec<String>,
    /// Applications that read the event.
    pub consumers: Vec<String>,
    /// Field names meant to carry personal data.
    pub personal_data: Vec<String>,
    /// Lint severities: `[lint.rules]`, then policies, then the subject's own.
    pub lint: BTreeMap<String, Severity>,
    /// The line of the entry in the manifest.
    pub line: u32,
}

/// A schema file of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFile {
    /// The path to open.
    pub path: PathBuf,
    /// The path relative to the manifest's directory, with `/` separators: what messages,
    /// annotations and `git show` use.
    pub shown: String,
}

/// A reference of a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// What the schema uses: an Avro full name, an import path, a `$ref`.
    pub name: String,
    /// The referenced subject, listed in the manifest.
    pub subject: String,
}

/// `new-subject`: a subject the baseline does not have yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NewSubject {
    /// Passes with a notice.
    #[default]
    Notice,
    /// Fails the check.
    Error,
}

/// A lint severity from the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The rule does not run.
    Off,
    /// Reported, never fails.
    Notice,
    /// Reported, never fails.
    Warning,
    /// Fails the run.
    Error,
}

/// `[applications.NAME]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Application {
    /// What it does.
    pub description: Option<String>,
    /// The team that owns it.
    pub owner: Option<String>,
}

/// `[catalog.servers.NAME]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// `host:port`.
    pub host: String,
    /// Defaults to `kafka`.
    pub protocol: String,
    /// What it is.
    pub description: Option<String>,
}

impl Project {
    /// Finds `stele.toml` in `start` or the nearest directory above it.
    pub fn discover(start: &Path) -> Result<Project> {
        let start = start
            .canonicalize()
            .with_context(|| format!("reading {}", start.display()))?;
        for dir in start.ancestors() {
            let candidate = dir.join(MANIFEST);
            if candidate.is_file() {
                let shown = pathdiff(&candidate, &start);
                return Project::load_shown(&candidate, shown);
            }
        }
        bail!(
            "no {MANIFEST} in {} or any directory above it; name the schema files to check, \
             or write a {MANIFEST} (docs/stele-toml.md)",
            start.display()
        )
    }

    /// Reads and validates the manifest at `path`.
    pub fn load(path: &Path) -> Result<Project> {
        Project::load_shown(path, path.display().to_string())
    }

    fn load_shown(path: &Path, shown: String) -> Result<Project> {
        let text = fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        Loader {
            shown,
            text: &text,
            dir,
        }
        .load()
    }

    /// The subjects whose names match one of `globs` (all of them when there is none), in
    /// the manifest's order; globs that match nothing are an error.
    pub fn select(&self, globs: &[String]) -> Result<Vec<&Subject>> {
        let selected: Vec<&Subject> = self
            .subjects
            .iter()
            .filter(|s| globs.is_empty() || globs.iter().any(|g| glob::matches(g, &s.name)))
            .collect();
        if selected.is_empty() && !globs.is_empty() {
            bail!(
                "no subject of {} matches {}",
                self.manifest,
                globs.join(", ")
            );
        }
        Ok(selected)
    }

    /// The subject of that name.
    pub fn subject(&self, name: &str) -> Option<&Subject> {
        self.subjects.iter().find(|s| s.name == name)
    }

    /// The schemas `subject` references, directly or through other references, dependencies
    /// before dependents, each once, with texts from `read` (the working tree, a git ref...).
    /// A reference cycle is an error naming it.
    pub fn dependencies(
        &self,
        subject: &Subject,
        read: &mut dyn FnMut(&Subject) -> Result<String>,
    ) -> Result<Vec<ResolvedReference>> {
        let mut out = Vec::new();
        let mut done = HashSet::new();
        // An explicit stack of (subject, next reference index) instead of recursion.
        let mut stack: Vec<(&Subject, usize)> = vec![(subject, 0)];
        let mut on_path: Vec<&str> = vec![subject.name.as_str()];
        while let Some((current, index)) = stack.pop() {
            let Some(reference) = current.references.get(index) else {
                on_path.pop();
                if !std::ptr::eq(current, subject) {
                    out.push(current);
                }
                continue;
            };
            stack.push((current, index + 1));
            let target = self.subject(&reference.subject).with_context(|| {
                format!(
                    "{}: subject `{}` references `{}`, which is not listed",
                    self.manifest, current.name, reference.subject
                )
            })?;
            if on_path.contains(&target.name.as_str()) {
                let mut cycle: Vec<&str> = on_path.clone();
                cycle.push(&target.name);
                bail!(
                    "{}: the references of `{}` form a cycle: {}",
                    self.manifest,
                    subject.name,
                    cycle.join(" -> ")
                );
            }
            if done.insert(target.name.as_str()) {
                stack.push((target, 0));
                on_path.push(&target.name);
            }
        }
        // Every referenced subject, dependencies first; now name each as its referrers do.
        let mut resolved = Vec::with_capacity(out.len());
        for target in out {
            let text = read(target)?;
            for name in self.names_of(target, subject) {
                resolved.push(ResolvedReference {
                    dependency: Dependency::new(name, text.clone()),
                    file: target.file.clone(),
                });
            }
        }
        Ok(resolved)
    }

    /// The names under which `target` is referenced within `root`'s reference graph.
    fn names_of(&self, target: &Subject, root: &Subject) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        let mut queue = vec![root];
        while let Some(current) = queue.pop() {
            if !seen.insert(current.name.as_str()) {
                continue;
            }
            for reference in &current.references {
                if reference.subject == target.name && !names.contains(&reference.name) {
                    names.push(reference.name.clone());
                }
                if let Some(next) = self.subject(&reference.subject) {
                    queue.push(next);
                }
            }
        }
        names
    }
}

/// A referenced schema ready for the engine, with the file it came from.
#[derive(Debug, Clone)]
pub struct ResolvedReference {
    /// The name the schema uses and the text.
    pub dependency: Dependency,
    /// Its file.
    pub file: SchemaFile,
}

/// Validation state: the manifest's text for line numbers.
struct Loader<'a> {
    shown: String,
    text: &'a str,
    dir: PathBuf,
}

impl Loader<'_> {
    fn load(&self) -> Result<Project> {
        let raw: manifest::Manifest = toml::from_str(self.text).map_err(|err| {
            let at = err
                .span()
                .map(|span| self.at(span.start))
                .unwrap_or_default();
            anyhow::anyhow!("{}{at}: {}", self.shown, err.message().trim_end())
        })?;
        let root = match &raw.project.root {
            Some(root) => {
                let dir = self.dir.join(root.get_ref());
                if !dir.is_dir() {
                    return Err(self.error(
                        root,
                        "project.root",
                        &format!("`{}` is not a directory", root.get_ref()),
                    ));
                }
                Some(root.get_ref().trim_end_matches('/').to_string())
            }
            None => None,
        };
        let default_level = match &raw.defaults.compatibility {
            Some(level) => self.level(level, "defaults.compatibility")?,
            None => Level::BACKWARD,
        };
        let naming = match &raw.defaults.naming {
            Some(naming) => naming
                .get_ref()
                .parse::<Naming>()
                .map_err(|msg| self.error(naming, "defaults.naming", &msg))?,
            None => Naming::default(),
        };
        let default_new = match &raw.defaults.new_subject {
            Some(value) => self.new_subject(value, "defaults.new-subject")?,
            None => NewSubject::default(),
        };
        let mut global_lint = BTreeMap::new();
        for (rule, severity) in &raw.lint.rules {
            global_lint.insert(rule.clone(), self.severity(severity, "lint.rules")?);
        }
        let max_fields = match &raw.lint.max_fields {
            Some(max) => Some(
                u32::try_from(*max.get_ref())
                    .ok()
                    .filter(|m| *m > 0)
                    .ok_or_else(|| {
                        self.error(max, "lint.max-fields", "expected a positive number")
                    })?,
            ),
            None => None,
        };
        let registry = match &raw.registry {
            Some(registry) => {
                let url = registry.url.get_ref();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(self.error(
                        &registry.url,
                        "registry.url",
                        "expected an http:// or https:// URL",
                    ));
                }
                Some(url.trim_end_matches('/').to_string())
            }
            None => None,
        };

        let mut subjects = Vec::with_capacity(raw.subjects.len());
        for entry in &raw.subjects {
            let subject = self.subject(
                entry,
                root.as_deref(),
                naming,
                default_level,
                raw.defaults.normalize.unwrap_or(false),
                default_new,
                &global_lint,
                &raw.policies,
            )?;
            if let Some(first) = subjects.iter().find(|s: &&Subject| s.name == subject.name) {
                bail!(
                    "{}:{}: subject `{}` is listed twice (first on line {})",
                    self.shown,
                    subject.line,
                    subject.name,
                    first.line
                );
            }
            subjects.push(subject);
        }
        // References must name listed subjects.
        for (entry, subject) in raw.subjects.iter().zip(&subjects) {
            for reference in &entry.get_ref().references {
                let target = &reference.get_ref().subject;
                if !subjects.iter().any(|s| &s.name == target) {
                    return Err(self.error(
                        reference,
                        "references",
                        &format!(
                            "subject `{}` references `{target}`, which is not a listed subject",
                            subject.name
                        ),
                    ));
                }
            }
        }
        Ok(Project {
            manifest: self.shown.clone(),
            dir: self.dir.clone(),
            name: raw.project.name,
            description: raw.project.description,
            registry,
            subjects,
            applications: raw
                .applications
                .into_iter()
                .map(|(name, app)| {
                    (
                        name,
                        Application {
                            description: app.description,
                            owner: app.owner,
                        },
                    )
                })
                .collect(),
            servers: raw
                .catalog
                .servers
                .into_iter()
                .map(|(name, server)| {
                    (
                        name,
                        Server {
                            host: server.host,
                            protocol: server.protocol.unwrap_or_else(|| "kafka".to_string()),
                            description: server.description,
                        },
                    )
                })
                .collect(),
            max_fields,
        })
    }

    #[allow(clippy::too_many_arguments)] // The defaults the entry falls back to, each named.
    fn subject(
        &self,
        entry: &Spanned<manifest::Subject>,
        root: Option<&str>,
        naming: Naming,
        default_level: Level,
        default_normalize: bool,
        default_new: NewSubject,
        global_lint: &BTreeMap<String, Severity>,
        policies: &[Spanned<manifest::Policy>],
    ) -> Result<Subject> {
        let raw = entry.get_ref();
        let line = self.line_of(entry.span().start);
        let file = self.file(&raw.file, root, "file")?;
        let format = match &raw.format {
            Some(format) => format
                .get_ref()
                .parse::<Format>()
                .map_err(|_| {
                    self.error(format, "format", "expected avro, protobuf or json")
                })?,
            None => Format::from_extension(&file.shown).ok_or_else(|| {
                self.error(
                    &raw.file,
                    "file",
                    "cannot tell the format from the extension (.avsc, .proto, .json); set `format`",
                )
            })?,
        };
        let history = raw
            .history
            .iter()
            .map(|h| self.file(h, root, "history"))
            .collect::<Result<Vec<_>>>()?;
        let name = match &raw.subject {
            Some(name) if name.get_ref().trim().is_empty() => {
                return Err(self.error(name, "subject", "a subject name cannot be empty"));
            }
            Some(name) => name.get_ref().clone(),
            None => {
                let text = fs::read_to_string(&file.path)
                    .with_context(|| format!("reading {}", file.shown))?;
                naming::subject_name(
                    naming,
                    raw.topic.as_deref(),
                    raw.key,
                    raw.record.as_deref(),
                    format,
                    &text,
                )
                .map_err(|msg| self.error(&raw.file, "subject", &msg))?
            }
        };

        // Defaults, then matching policies in order, then the entry's own keys.
        let mut level = default_level;
        let mut new_subject = default_new;
        let mut ignored = false;
        let mut lint = global_lint.clone();
        for policy in policies {
            let policy_raw = policy.get_ref();
            if !glob::matches(&policy_raw.pattern, &name) {
                continue;
            }
            if let Some(value) = &policy_raw.compatibility {
                level = self.level(value, "policies.compatibility")?;
            }
            if let Some(value) = &policy_raw.new_subject {
                new_subject = self.new_subject(value, "policies.new-subject")?;
            }
            ignored |= policy_raw.ignore;
            for (rule, severity) in &policy_raw.lint {
                lint.insert(rule.clone(), self.severity(severity, "policies.lint")?);
            }
        }
        if let Some(value) = &raw.compatibility {
            level = self.level(value, "compatibility")?;
        }
        if let Some(value) = &raw.new_subject {
            new_subject = self.new_subject(value, "new-subject")?;
        }
        for (rule, severity) in &raw.lint {
            lint.insert(rule.clone(), self.severity(severity, "lint")?);
        }
        let mut references: Vec<Reference> = Vec::with_capacity(raw.references.len());
        for reference in &raw.references {
            let r = reference.get_ref();
            if references.iter().any(|seen| seen.name == r.name) {
                return Err(self.error(
                    reference,
                    "references",
                    &format!("reference name `{}` is given twice", r.name),
                ));
            }
            if r.subject == name {
                return Err(self.error(
                    reference,
                    "references",
                    &format!("subject `{name}` references itself"),
                ));
            }
            references.push(Reference {
                name: r.name.clone(),
                subject: r.subject.clone(),
            });
        }
        Ok(Subject {
            name,
            file,
            history,
            format,
            topic: raw.topic.clone(),
            key: raw.key,
            record: raw.record.clone(),
            level,
            normalize: raw.normalize.unwrap_or(default_normalize),
            new_subject,
            ignored,
            references,
            description: raw.description.clone(),
            owner: raw.owner.clone(),
            domain: raw.domain.clone(),
            producers: raw.producers.clone(),
            consumers: raw.consumers.clone(),
            personal_data: raw.personal_data.clone(),
            lint,
            line,
        })
    }

    /// A schema file that must exist, relative to the root.
    fn file(&self, value: &Spanned<String>, root: Option<&str>, key: &str) -> Result<SchemaFile> {
        let written = value.get_ref();
        if written.trim().is_empty() || Path::new(written).is_absolute() {
            return Err(self.error(value, key, "expected a relative path"));
        }
        let shown = match root {
            Some(root) => format!("{root}/{written}"),
            None => written.clone(),
        };
        let shown = shown.trim_start_matches("./").replace('\\', "/");
        let path = self.dir.join(&shown);
        if !path.is_file() {
            return Err(self.error(value, key, &format!("{shown} does not exist")));
        }
        Ok(SchemaFile { path, shown })
    }

    fn level(&self, value: &Spanned<String>, key: &str) -> Result<Level> {
        value
            .get_ref()
            .parse::<Level>()
            .map_err(|msg| self.error(value, key, &msg))
    }

    fn new_subject(&self, value: &Spanned<String>, key: &str) -> Result<NewSubject> {
        match value.get_ref().as_str() {
            "notice" => Ok(NewSubject::Notice),
            "error" => Ok(NewSubject::Error),
            other => Err(self.error(
                value,
                key,
                &format!("unknown value `{other}`; expected notice or error"),
            )),
        }
    }

    fn severity(&self, value: &Spanned<String>, key: &str) -> Result<Severity> {
        match value.get_ref().to_ascii_lowercase().as_str() {
            "off" => Ok(Severity::Off),
            "notice" => Ok(Severity::Notice),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(self.error(
                value,
                key,
                &format!("unknown severity `{other}`; expected off, notice, warning or error"),
            )),
        }
    }

    /// `stele.toml:LINE:COLUMN: KEY: MESSAGE`.
    fn error<T>(&self, value: &Spanned<T>, key: &str, message: &str) -> anyhow::Error {
        anyhow::anyhow!(
            "{}{}: `{key}`: {message}",
            self.shown,
            self.at(value.span().start)
        )
    }

    /// `:LINE:COLUMN` of a byte offset.
    fn at(&self, offset: usize) -> String {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!(":{line}:{column}")
    }

    fn line_of(&self, offset: usize) -> u32 {
        let before = &self.text[..offset.min(self.text.len())];
        u32::try_from(before.matches('\n').count() + 1).unwrap_or(u32::MAX)
    }
}

/// `path` relative to `base` when it is below it, for messages.
fn pathdiff(path: &Path, base: &Path) -> String {
    match path.strip_prefix(base) {
        Ok(relative) => relative.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests;
