//! `stele diff`: what changed between two versions of a schema, for people, and whether the
//! change is compatible.
//!
//! The versions come from two files, from a subject of stele.toml (its `history` files and its
//! current file, numbered 1..N), or from a registry (`--registry`). The changes are the
//! engine's outline diff (fields added, removed, retyped, defaults, documentation, required,
//! enum symbols); the verdict is the engine's check of the newer version against the older one
//! at the subject's level, in its direction but not transitively (two versions are compared).
//! Describing is not judging: the exit code is 0 whatever changed, 2 on bad input.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::json;
use stele_engine::outline::{Change, ChangeKind, diff, outline};
use stele_engine::{
    CheckOptions, Dependency, Format, Level, ParseOptions, Report, Schema, Versioned, check,
};

use crate::Outcome;
use crate::baseline;
use crate::client::{Registry, RegistryOptions};
use crate::commands::args::{ReferenceArg, parse_level, parse_reference};
use crate::project::Project;

/// Arguments of `stele diff`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stele diff schemas/orders/order_placed/v2.avsc schemas/orders/order_placed/v3.avsc \\
      --reference shop.common.Envelope=schemas/common/envelope.avsc
  stele diff shop.orders.order-placed-value            the last two versions in stele.toml
  stele diff shop.orders.order-placed-value 1 3
  stele diff shop.orders.order-placed-value --registry http://127.0.0.1:8081

With two existing files, they are the old and the new version. Otherwise the first argument is
a subject: of stele.toml (versions 1..N are its history files then its file), or of the
registry given by --registry (`registry` for the URL in stele.toml). V1 defaults to the version
before V2, V2 to the latest. Exit status: 0 (whatever changed), 2 invalid input.")]
pub struct Args {
    /// OLD and NEW files, or a SUBJECT and up to two versions, V1 and V2.
    #[arg(value_name = "ARG", required = true, num_args = 1..=3)]
    args: Vec<String>,

    /// A referenced schema, for two files: NAME=FILE as in `stele check`.
    #[arg(long, value_name = "NAME=FILE", value_parser = parse_reference)]
    reference: Vec<ReferenceArg>,

    /// Read the subject's versions from this registry (`registry`: the URL in stele.toml).
    #[arg(long, value_name = "URL")]
    registry: Option<String>,

    /// The manifest to read instead of the nearest stele.toml.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,

    /// The level the verdict is given at; default: the subject's (BACKWARD for files).
    #[arg(long, short = 'c', value_name = "LEVEL", value_parser = parse_level)]
    compatibility: Option<Level>,

    /// `text` for people, `json` for tools.
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    output: String,

    #[command(flatten)]
    options: RegistryOptions,
}

/// One side of the diff.
struct Side {
    version: i32,
    label: String,
    text: String,
    dependencies: Vec<Dependency>,
}

/// Runs the diff and prints it.
pub fn run(args: &Args) -> Result<Outcome> {
    let (name, format, level, old, new) = match args.args.as_slice() {
        [old, new] if Path::new(old).is_file() && Path::new(new).is_file() => {
            let (format, old, new) = from_files(old, new, &args.reference)?;
            let level = args.compatibility.unwrap_or(Level::BACKWARD);
            (new.label.clone(), format, level, old, new)
        }
        [subject, versions @ ..] => {
            let wanted = versions
                .iter()
                .map(|v| {
                    v.parse::<i32>()
                        .ok()
                        .filter(|v| *v > 0)
                        .with_context(|| format!("`{v}` is not a version number (1, 2, ...)"))
                })
                .collect::<Result<Vec<i32>>>()?;
            let (format, level, mut sides) = match &args.registry {
                Some(url) => from_registry(args, url, subject)?,
                None => from_project(args, subject)?,
            };
            let (old, new) = pick(subject, &mut sides, &wanted)?;
            let level = args.compatibility.unwrap_or(level);
            (subject.clone(), format, level, old, new)
        }
        [] => bail!("give two files, or a subject"),
    };

    let parse = |side: &Side| {
        Schema::parse(
            format,
            &side.text,
            &side.dependencies,
            ParseOptions::default(),
        )
        .map_err(|err| anyhow::anyhow!("{}: {}", side.label, err.message))
    };
    let (old_schema, new_schema) = (parse(&old)?, parse(&new)?);
    let changes = diff(&outline(&old_schema), &outline(&new_schema));
    // Two versions: the level's direction, not its scope.
    let pair_level = Level {
        transitive: false,
        ..level
    };
    let report = check(
        pair_level,
        Versioned {
            version: new.version,
            schema: &new_schema,
        },
        &[Versioned {
            version: old.version,
            schema: &old_schema,
        }],
        CheckOptions::default(),
    );

    let mut stdout = std::io::stdout().lock();
    let written = if args.output == "json" {
        json_out(&mut stdout, &name, &old, &new, &changes, &report)
    } else {
        text_out(&mut stdout, &name, &old, &new, &changes, &report)
    }
    .and_then(|()| stdout.flush());
    crate::render::ignore_broken_pipe(written).context("writing the diff")?;
    Ok(Outcome::Success)
}

fn from_files(old: &str, new: &str, references: &[ReferenceArg]) -> Result<(Format, Side, Side)> {
    let format = Format::from_extension(new)
        .with_context(|| format!("cannot tell the schema type of {new} from its extension"))?;
    let mut dependencies = Vec::with_capacity(references.len());
    for reference in references {
        let text = fs::read_to_string(&reference.file)
            .with_context(|| format!("reading {}", reference.file.display()))?;
        dependencies.push(Dependency::new(&reference.name, text));
    }
    let side = |version: i32, file: &str| -> Result<Side> {
        Ok(Side {
            version,
            label: file.to_string(),
            text: fs::read_to_string(file).with_context(|| format!("reading {file}"))?,
            dependencies: dependencies.clone(),
        })
    };
    Ok((format, side(1, old)?, side(2, new)?))
}

fn from_project(args: &Args, subject: &str) -> Result<(Format, Level, Vec<Side>)> {
    let project = match &args.manifest {
        Some(path) => Project::load(path)?,
        None => Project::discover(Path::new("."))?,
    };
    let Some(found) = project.subject(subject) else {
        bail!(
            "`{subject}` is neither an existing file nor a subject of {}; give two files, a \
             subject of stele.toml, or --registry URL",
            project.manifest
        );
    };
    let dependencies = baseline::working_dependencies(&project, found)?;
    let mut sides = Vec::new();
    for (file, version) in found.history.iter().chain([&found.file]).zip(1..) {
        sides.push(Side {
            version,
            label: file.shown.clone(),
            text: fs::read_to_string(&file.path)
                .with_context(|| format!("reading {}", file.shown))?,
            dependencies: dependencies.clone(),
        });
    }
    Ok((found.format, found.level, sides))
}

fn from_registry(args: &Args, url: &str, subject: &str) -> Result<(Format, Level, Vec<Side>)> {
    let url = if url == "registry" {
        let project = match &args.manifest {
            Some(path) => Project::load(path)?,
            None => Project::discover(Path::new("."))?,
        };
        project
            .registry
            .with_context(|| format!("{} has no [registry] url", project.manifest))?
    } else {
        url.to_string()
    };
    let registry = Registry::connect(&args.options.connection(&url))?;
    let history = registry
        .subject_history(subject)?
        .with_context(|| format!("{} has no subject `{subject}`", registry.shown()))?;
    let format = history
        .versions
        .first()
        .map(|v| v.format)
        .context("the subject has no live version")?;
    let sides = history
        .versions
        .into_iter()
        .map(|v| Side {
            version: v.version,
            label: format!("registry version {} (id {})", v.version, v.id),
            text: v.schema,
            dependencies: v.dependencies,
        })
        .collect();
    Ok((format, history.level, sides))
}

/// The two versions asked for: V2 the latest unless given, V1 the one before V2 unless given.
fn pick(subject: &str, sides: &mut Vec<Side>, wanted: &[i32]) -> Result<(Side, Side)> {
    let known: Vec<i32> = sides.iter().map(|s| s.version).collect();
    let list = known
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let new_version = match wanted.get(1) {
        Some(v) => *v,
        None => *known.last().context("no versions")?,
    };
    let old_version = match wanted.first() {
        Some(v) => *v,
        None => match known.iter().rev().find(|v| **v < new_version) {
            Some(v) => *v,
            None => bail!("`{subject}` has only version {new_version}: there is nothing to diff"),
        },
    };
    let take = |version: i32, sides: &mut Vec<Side>| {
        let index = sides
            .iter()
            .position(|s| s.version == version)
            .with_context(|| format!("`{subject}` has no version {version} (it has {list})"))?;
        Ok::<Side, anyhow::Error>(sides.swap_remove(index))
    };
    if old_version == new_version {
        bail!("both versions are {old_version}: give two different versions");
    }
    let new = take(new_version, sides)?;
    let old = take(old_version, sides)?;
    Ok((old, new))
}

fn marker(kind: ChangeKind) -> char {
    match kind {
        ChangeKind::FieldAdded | ChangeKind::SymbolAdded => '+',
        ChangeKind::FieldRemoved | ChangeKind::SymbolRemoved => '-',
        _ => '~',
    }
}

fn text_out(
    out: &mut impl Write,
    name: &str,
    old: &Side,
    new: &Side,
    changes: &[Change],
    report: &Report,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{name}: version {} ({}) -> version {} ({})",
        old.version, old.label, new.version, new.label
    )?;
    if changes.is_empty() {
        writeln!(out, "  no changes")?;
    }
    for change in changes {
        writeln!(out, "  {} {}", marker(change.kind), change.message)?;
    }
    writeln!(out)?;
    if report.compatible {
        writeln!(out, "compatible at {}", report.level)
    } else {
        writeln!(out, "incompatible at {}:", report.level)?;
        for finding in &report.findings {
            writeln!(out, "  error[{}]: {}", finding.rule, finding.message)?;
        }
        Ok(())
    }
}

fn json_out(
    out: &mut impl Write,
    name: &str,
    old: &Side,
    new: &Side,
    changes: &[Change],
    report: &Report,
) -> std::io::Result<()> {
    let value = json!({
        "subject": name,
        "old": { "version": old.version, "label": old.label },
        "new": { "version": new.version, "label": new.label },
        "changes": changes.iter().map(|c| json!({
            "kind": c.kind.label(),
            "path": c.path,
            "message": c.message,
        })).collect::<Vec<_>>(),
        "compatibility": report,
    });
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}
