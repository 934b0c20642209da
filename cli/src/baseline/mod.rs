//! What a subject's new schema is compared with: its earlier versions.
//!
//! Three sources, one shape: the `history` files that `stele.toml` lists (no `--against`),
//! the files at a git ref (`--against git:REF`) and a live registry (`--against URL`). Each
//! answers, per subject, whether the baseline knows the subject at all and, if so, its earlier
//! versions oldest first, each with its text, its references' texts and a label that says
//! where it came from. Nothing here parses a schema or decides a verdict.

pub mod git;

use std::fs;

use anyhow::{Context, Result};
use stele_engine::{Dependency, Level};

use crate::client::Registry;
use crate::project::{Project, Subject};

/// One earlier version of a subject.
#[derive(Debug, Clone)]
pub struct Earlier {
    /// The version number: the registry's, or the position in the history (1-based).
    pub version: i32,
    /// Where it came from, e.g. `schemas/orders/order_placed/v1.avsc`,
    /// `git:origin/main (3f2a1bc)` or `registry version 4`.
    pub label: String,
    /// Its text.
    pub text: String,
    /// Its references, dependencies first.
    pub dependencies: Vec<Dependency>,
}

/// What a baseline knows of a subject.
#[derive(Debug, Clone)]
pub enum Known {
    /// The baseline has never seen the subject.
    New,
    /// Its earlier versions, oldest first (never empty).
    Versions {
        /// The versions.
        versions: Vec<Earlier>,
        /// The level the baseline applies, when it has one (a registry's configuration).
        level: Option<Level>,
    },
}

/// Where earlier versions come from.
pub enum Baseline {
    /// The `history` files of `stele.toml`, read from the working tree.
    History,
    /// Files at a git ref.
    Git(git::Git),
    /// A live registry: its live versions, references and configured level.
    Registry(Registry),
}

impl Baseline {
    /// How results name the baseline, e.g. `git:origin/main (3f2a1bc)`.
    pub fn describe(&self) -> String {
        match self {
            Baseline::History => "the history in stele.toml".to_string(),
            Baseline::Git(git) => format!("git:{} ({})", git.rev, git.short()),
            Baseline::Registry(registry) => registry.shown().to_string(),
        }
    }

    /// The earlier versions of `subject` that `level` asks for: every one for a transitive
    /// level, only the latest otherwise.
    pub fn earlier(&mut self, project: &Project, subject: &Subject, level: Level) -> Result<Known> {
        let mut versions = match self {
            Baseline::History => from_history(project, subject)?,
            Baseline::Git(git) => from_git(git, project, subject, level)?,
            Baseline::Registry(registry) => return from_registry(registry, subject),
        };
        if versions.is_empty() {
            return Ok(Known::New);
        }
        if !level.transitive && versions.len() > 1 {
            versions.drain(..versions.len() - 1);
        }
        Ok(Known::Versions {
            versions,
            level: None,
        })
    }
}

/// Every live version the registry holds of the subject, with the level it applies (the
/// command lets `-c` override it). The engine's check picks the versions the level compares.
fn from_registry(registry: &Registry, subject: &Subject) -> Result<Known> {
    let Some(history) = registry.subject_history(&subject.name).with_context(|| {
        format!(
            "reading subject `{}` from {}",
            subject.name,
            registry.shown()
        )
    })?
    else {
        return Ok(Known::New);
    };
    let mut versions: Vec<Earlier> = Vec::with_capacity(history.versions.len());
    for version in history.versions {
        if version.format != subject.format {
            anyhow::bail!(
                "subject `{}` holds {} schemas in {} but {} is {}",
                subject.name,
                version.format,
                registry.shown(),
                subject.file.shown,
                subject.format
            );
        }
        versions.push(Earlier {
            version: version.version,
            label: format!("registry version {} (id {})", version.version, version.id),
            text: version.schema,
            dependencies: version.dependencies,
        });
    }
    if versions.is_empty() {
        return Ok(Known::New);
    }
    Ok(Known::Versions {
        versions,
        level: Some(history.level),
    })
}

/// Reads a subject's current file from the working tree.
pub fn working_text(subject: &Subject) -> Result<String> {
    fs::read_to_string(&subject.file.path)
        .with_context(|| format!("reading {}", subject.file.shown))
}

/// The dependencies of `subject` with texts from the working tree.
pub fn working_dependencies(project: &Project, subject: &Subject) -> Result<Vec<Dependency>> {
    Ok(project
        .dependencies(subject, &mut |s| working_text(s))?
        .into_iter()
        .map(|r| r.dependency)
        .collect())
}

fn from_history(project: &Project, subject: &Subject) -> Result<Vec<Earlier>> {
    if subject.history.is_empty() {
        return Ok(Vec::new());
    }
    // Earlier files in the tree reference the same shared types as the current one.
    let dependencies = working_dependencies(project, subject)?;
    subject
        .history
        .iter()
        .zip(1..)
        .map(|(file, version)| {
            let text = fs::read_to_string(&file.path)
                .with_context(|| format!("reading {}", file.shown))?;
            Ok(Earlier {
                version,
                label: file.shown.clone(),
                text,
                dependencies: dependencies.clone(),
            })
        })
        .collect()
}

/// The subject's texts at the ref: its `history` files there, then every distinct text its
/// file had on the ref's history (all of them only for transitive levels), deduplicated.
/// References resolve from the files at the ref; older versions of a file are read with the
/// references as they are at the ref.
fn from_git(
    git: &mut git::Git,
    project: &Project,
    subject: &Subject,
    level: Level,
) -> Result<Vec<Earlier>> {
    let mut texts: Vec<(String, String)> = Vec::new();
    let push = |label: String, text: String, texts: &mut Vec<(String, String)>| {
        if !texts.iter().any(|(_, seen)| *seen == text) {
            texts.push((label, text));
        }
    };
    for file in &subject.history {
        if let Some(text) = git.read(&file.shown)? {
            push(format!("git:{}:{}", git.rev, file.shown), text, &mut texts);
        }
    }
    if level.transitive {
        for (commit, text) in git.history(&subject.file.shown)? {
            push(
                format!("git:{} {commit}:{}", git.rev, subject.file.shown),
                text,
                &mut texts,
            );
        }
    }
    // The text at the ref itself comes last, whatever the history walk saw.
    if let Some(text) = git.read(&subject.file.shown)? {
        texts.retain(|(_, seen)| *seen != text);
        texts.push((format!("git:{}:{}", git.rev, subject.file.shown), text));
    }
    if texts.is_empty() {
        return Ok(Vec::new());
    }
    let dependencies: Vec<Dependency> = project
        .dependencies(subject, &mut |s| match git.read(&s.file.shown)? {
            Some(text) => Ok(text),
            // A reference added in this change: the ref's versions cannot have used it, so
            // the working tree's text stands in and the check decides.
            None => working_text(s),
        })?
        .into_iter()
        .map(|r| r.dependency)
        .collect();
    Ok(texts
        .into_iter()
        .zip(1..)
        .map(|((label, text), version)| Earlier {
            version,
            label,
            text,
            dependencies: dependencies.clone(),
        })
        .collect())
}
