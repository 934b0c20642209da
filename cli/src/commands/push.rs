//! `stele push`: register the subjects of `stele.toml` whose current file the registry does
//! not hold yet.
//!
//! Subjects go in reference order (a referenced subject before the subjects that use it; a
//! cycle is an error). For each, a lookup (`POST /subjects/{s}`, with the subject's
//! `normalize`) asks whether the registry already has the file's schema under that subject;
//! if so nothing is sent, which makes a second push a no-op. Otherwise the schema is
//! registered with `references: [{name, subject, version}]`, where `version` is the
//! referenced subject's version after its own push. A 409 (incompatible) stops the run with
//! exit 1 and prints the registry's own messages. `--dry-run` only looks up.
//!
//! Left out: ignored subjects (`ignore = true` in a policy), `history` (already registered
//! or not, earlier versions are the registry's business), deleting subjects that the manifest
//! no longer lists, and metadata or rule sets.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::Outcome;
use crate::client::{ApiReference, RegisterRequest, Registry, RegistryOptions};
use crate::project::{Project, Subject};

/// Arguments of `stele push`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stele push --dry-run
  stele push --registry http://127.0.0.1:8081
  STELE_REGISTRY_TOKEN=... stele push --manifest contracts/stele.toml

Exit status: 0 pushed (or nothing to push), 1 the registry refused a schema as incompatible
(its messages are printed), 2 error.")]
pub struct Args {
    /// The registry; by default `[registry] url` of stele.toml.
    #[arg(long, value_name = "URL")]
    registry: Option<String>,

    /// The manifest; by default stele.toml in this directory or the nearest one above.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,

    /// Print what would be registered and register nothing.
    #[arg(long)]
    dry_run: bool,

    #[command(flatten)]
    options: RegistryOptions,
}

/// The subjects to push, referenced subjects first; a cycle is an error.
fn push_order(project: &Project) -> Result<Vec<&Subject>> {
    let subjects: Vec<&Subject> = project.subjects.iter().filter(|s| !s.ignored).collect();
    let index: HashMap<&str, usize> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    // 0 = not visited, 1 = on the current path, 2 = done. An explicit stack, no recursion.
    let mut state = vec![0u8; subjects.len()];
    let mut order = Vec::with_capacity(subjects.len());
    for start in 0..subjects.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some((current, next)) = stack.pop() {
            let references = &subjects[current].references;
            if let Some(reference) = references.get(next) {
                stack.push((current, next + 1));
                let Some(&target) = index.get(reference.subject.as_str()) else {
                    bail!(
                        "subject `{}` references `{}`, which is ignored or not listed",
                        subjects[current].name,
                        reference.subject
                    );
                };
                match state[target] {
                    0 => {
                        state[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => {
                        let mut cycle: Vec<&str> = stack
                            .iter()
                            .map(|(i, _)| subjects[*i].name.as_str())
                            .skip_while(|name| *name != subjects[target].name)
                            .collect();
                        cycle.push(&subjects[target].name);
                        bail!("the references form a cycle: {}", cycle.join(" -> "));
                    }
                    _ => {}
                }
            } else {
                state[current] = 2;
                order.push(subjects[current]);
            }
        }
    }
    Ok(order)
}

/// Runs the push.
pub fn run(args: &Args) -> Result<Outcome> {
    let project = match &args.manifest {
        Some(path) => Project::load(path)?,
        None => {
            Project::discover(&std::env::current_dir().context("reading the current directory")?)?
        }
    };
    let Some(url) = args.registry.clone().or_else(|| project.registry.clone()) else {
        bail!(
            "no registry to push to: pass --registry URL or set [registry] url in {}",
            project.manifest
        );
    };
    let registry = Registry::connect(&args.options.connection(&url))?;
    let order = push_order(&project)?;

    // The version each subject has on the registry once pushed (or would have).
    let mut versions: BTreeMap<String, Option<i32>> = BTreeMap::new();
    let (mut registered, mut unchanged) = (0, 0);
    for subject in order {
        let text = fs::read_to_string(&subject.file.path)
            .with_context(|| format!("reading {}", subject.file.shown))?;
        let mut references = Vec::with_capacity(subject.references.len());
        let mut pending = Vec::new();
        for reference in &subject.references {
            match versions.get(&reference.subject).copied().flatten() {
                Some(version) => references.push(ApiReference {
                    name: reference.name.clone(),
                    subject: reference.subject.clone(),
                    version,
                }),
                None => pending.push(reference.subject.as_str()),
            }
        }
        if !pending.is_empty() {
            // Only in a dry run: the referenced subject would be registered first.
            println!(
                "would register `{}` from {} (after {})",
                subject.name,
                subject.file.shown,
                pending.join(", ")
            );
            versions.insert(subject.name.clone(), None);
            registered += 1;
            continue;
        }
        let request = RegisterRequest {
            schema: text,
            schema_type: subject.format.as_str().to_string(),
            references,
            ..RegisterRequest::default()
        };
        let context = || format!("pushing `{}` from {}", subject.name, subject.file.shown);
        if let Some(found) = registry
            .lookup(&subject.name, &request, subject.normalize)
            .with_context(context)?
        {
            println!(
                "unchanged `{}` version {} (id {})",
                subject.name, found.version, found.id
            );
            versions.insert(subject.name.clone(), Some(found.version));
            unchanged += 1;
            continue;
        }
        if args.dry_run {
            println!(
                "would register `{}` from {}",
                subject.name, subject.file.shown
            );
            versions.insert(subject.name.clone(), None);
            registered += 1;
            continue;
        }
        let id = match registry.register(&subject.name, &request, subject.normalize) {
            Ok(id) => id,
            Err(err) if err.status() == Some(409) => {
                println!(
                    "the registry refuses `{}` from {}: it is incompatible with the registered versions",
                    subject.name, subject.file.shown
                );
                let messages = registry
                    .incompatibilities(&subject.name, &request, subject.normalize)
                    .unwrap_or_default();
                if messages.is_empty() {
                    println!("  {err}");
                }
                for message in messages {
                    println!("  {message}");
                }
                return Ok(Outcome::Incompatible);
            }
            Err(err) => return Err(anyhow::Error::new(err).context(context())),
        };
        let found = registry
            .lookup(&subject.name, &request, subject.normalize)
            .with_context(context)?
            .with_context(|| {
                format!(
                    "`{}` was registered as id {id} but the registry does not find it",
                    subject.name
                )
            })?;
        println!(
            "registered `{}` version {} (id {id}) from {}",
            subject.name, found.version, subject.file.shown
        );
        versions.insert(subject.name.clone(), Some(found.version));
        registered += 1;
    }
    if args.dry_run {
        println!(
            "dry run for {}: {registered} to register, {unchanged} unchanged",
            registry.shown()
        );
    } else {
        println!(
            "pushed to {}: {registered} registered, {unchanged} unchanged",
            registry.shown()
        );
    }
    Ok(Outcome::Success)
}
