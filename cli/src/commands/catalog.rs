//! `stele catalog --out DIR`: the event catalog of a project (an AsyncAPI 3.0 document and a
//! static HTML site), from `stele.toml` and its schema files, or with the versions read from a
//! registry (`--registry`).
//!
//! This module only gathers: it turns the manifest's subjects, applications and servers, plus
//! each subject's versions, into a `stele_catalog::Catalog`, and writes what the catalog crate
//! renders. The engine outlines, diffs and checks every version (`Version::build`). Subjects
//! marked `ignore` by a policy are left out. Exit status: 0, or 2 on bad input.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use stele_catalog::{
    Application, Catalog, DirSink, Event, Server, Version, generate, link_references,
};
use stele_engine::{ParseOptions, Schema};

use crate::Outcome;
use crate::baseline;
use crate::client::{Registry, RegistryOptions};
use crate::project::{Project, Subject};

/// Arguments of `stele catalog`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stele catalog --out site/
  stele catalog --out site/ --registry http://127.0.0.1:8081
  stele catalog --out site/ --registry registry       the URL in stele.toml

Writes DIR/asyncapi.yaml and the HTML site (open DIR/index.html). With --registry, each
subject's versions, ids and level come from the registry; descriptions, owners, producers and
consumers still come from stele.toml. Exit status: 0, 2 invalid input.")]
pub struct Args {
    /// The directory to write the catalog to (created when missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Read versions from this registry (`registry`: the URL in stele.toml).
    #[arg(long, value_name = "URL")]
    registry: Option<String>,

    /// The manifest to read instead of the nearest stele.toml.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,

    #[command(flatten)]
    options: RegistryOptions,
}

/// Builds and writes the catalog.
pub fn run(args: &Args) -> Result<Outcome> {
    let project = match &args.manifest {
        Some(path) => Project::load(path)?,
        None => Project::discover(Path::new("."))?,
    };
    let registry = match &args.registry {
        Some(url) => {
            let url = if url == "registry" {
                project
                    .registry
                    .clone()
                    .with_context(|| format!("{} has no [registry] url", project.manifest))?
            } else {
                url.clone()
            };
            Some(Registry::connect(&args.options.connection(&url))?)
        }
        None => None,
    };
    let mut events = Vec::new();
    for subject in project.subjects.iter().filter(|s| !s.ignored) {
        let versions = match &registry {
            Some(registry) => from_registry(registry, subject)?,
            None => from_files(&project, subject)?,
        };
        let Some((level, versions)) = versions else {
            continue;
        };
        events.push(Event {
            subject: subject.name.clone(),
            record: versions
                .last()
                .map(|v| v.outline.name.clone())
                .unwrap_or_default(),
            topic: subject.topic.clone(),
            key: subject.key,
            format: subject.format,
            level: level.unwrap_or(subject.level),
            description: subject.description.clone(),
            owner: subject.owner.clone(),
            domain: subject.domain.clone(),
            producers: subject.producers.clone(),
            consumers: subject.consumers.clone(),
            references: subject
                .references
                .iter()
                .map(|r| r.subject.clone())
                .collect(),
            referenced_by: Vec::new(),
            versions,
        });
    }
    link_references(&mut events);
    let catalog = Catalog {
        name: project.name.clone(),
        version: "1.0.0".to_string(),
        description: project.description.clone(),
        servers: project
            .servers
            .iter()
            .map(|(name, s)| Server {
                name: name.clone(),
                host: s.host.clone(),
                protocol: s.protocol.clone(),
                description: s.description.clone(),
            })
            .collect(),
        applications: project
            .applications
            .iter()
            .map(|(name, a)| Application {
                name: name.clone(),
                description: a.description.clone(),
                owner: a.owner.clone(),
            })
            .collect(),
        events,
        producers_known: true,
        source: match &registry {
            Some(registry) => format!("{} and {}", project.manifest, registry.shown()),
            None => project.manifest.clone(),
        },
    };
    fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let stats = generate(&catalog, &mut DirSink::new(&args.out))
        .with_context(|| format!("writing the catalog to {}", args.out.display()))?;
    eprintln!(
        "wrote the catalog of {} events ({} files) to {}; open {}",
        catalog.events.len(),
        stats.files,
        args.out.display(),
        args.out.join("index.html").display()
    );
    Ok(Outcome::Success)
}

/// The versions kept in the tree: `history` files then `file`, numbered from 1.
fn from_files(
    project: &Project,
    subject: &Subject,
) -> Result<Option<(Option<stele_engine::Level>, Vec<Version>)>> {
    let dependencies = baseline::working_dependencies(project, subject)?;
    let mut inputs = Vec::new();
    for (file, number) in subject.history.iter().chain([&subject.file]).zip(1..) {
        let text =
            fs::read_to_string(&file.path).with_context(|| format!("reading {}", file.shown))?;
        let schema = Schema::parse(
            subject.format,
            &text,
            &dependencies,
            ParseOptions {
                normalize: subject.normalize,
            },
        )
        .map_err(|err| anyhow::anyhow!("{}: {err}", file.shown))?;
        inputs.push((number, None, text, schema));
    }
    Ok(Some((None, Version::build(inputs))))
}

/// The subject's live versions in the registry, with their ids and the registry's level;
/// `None` (with a note) when the registry does not have the subject.
fn from_registry(
    registry: &Registry,
    subject: &Subject,
) -> Result<Option<(Option<stele_engine::Level>, Vec<Version>)>> {
    let Some(history) = registry.subject_history(&subject.name)? else {
        eprintln!(
            "note: {} has no subject `{}`; it is left out of the catalog",
            registry.shown(),
            subject.name
        );
        return Ok(None);
    };
    let mut inputs = Vec::new();
    for version in history.versions {
        let schema = Schema::parse(
            version.format,
            &version.schema,
            &version.dependencies,
            ParseOptions::default(),
        )
        .map_err(|err| {
            anyhow::anyhow!(
                "{} version {} (id {}): {err}",
                subject.name,
                version.version,
                version.id
            )
        })?;
        inputs.push((
            version.version,
            Some(i64::from(version.id)),
            version.schema,
            schema,
        ));
    }
    if inputs.is_empty() {
        return Ok(None);
    }
    Ok(Some((Some(history.level), Version::build(inputs))))
}
