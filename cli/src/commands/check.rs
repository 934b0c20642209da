//! `stele check`: is a new schema version compatible with the earlier ones?
//!
//! Reads the files named on the command line (the schemas and the schemas they reference),
//! numbers them as a subject's versions (the history oldest first, the new file last), asks
//! the engine for a report at the chosen level and renders it. It leaves out everything a
//! registry does: no subjects, no stored versions, no network.

use std::cell::OnceCell;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use stele_engine::{
    CheckOptions, Dependency, Finding, Format, Level, ParseError, ParseOptions, Schema, Versioned,
    check,
};

use crate::Outcome;
use crate::baseline::Baseline;
use crate::baseline::git::Git;
use crate::client::{Registry, RegistryOptions};
use crate::commands::args::{ReferenceArg, SchemaType, parse_level, parse_reference};
use crate::contracts;
use crate::locate::{self, Locator};
use crate::project::Project;
use crate::render::progress::Progress;
use crate::render::{self, Checked, Command, Location, Output, RuleInfo, Run};

/// Arguments of `stele check`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stele check                                   every subject in stele.toml, against its history
  stele check --against git:origin/main         ... against the files on origin/main
  stele check --against http://registry:8081    ... against a live registry
  stele check --against registry --output github
  stele check v1.avsc v2.avsc
  stele check v4.avsc --against v1.avsc v2.avsc v3.avsc -c backward_transitive
  stele check old.proto new.proto --reference shop/common/envelope.proto=common/envelope.proto

With no FILE, stele.toml (in this directory or above; --manifest names another) lists the
subjects; --against chooses the baseline: git:REF, a registry URL, or `registry` for the URL in
stele.toml. With OLD NEW, OLD is version 1 and NEW version 2. With --against V1 .. VN, V1 is
version 1 and FILE is version N+1. Exit status: 0 compatible, 1 incompatible, 2 invalid input.")]
pub struct Args {
    /// OLD and NEW schema files, or only the new one when --against gives the history; none
    /// to check every subject of stele.toml.
    #[arg(value_name = "FILE", num_args = 0..=2)]
    files: Vec<PathBuf>,

    /// What to compare with: with FILE, earlier versions of it, oldest first; without,
    /// `git:REF`, a registry URL, or `registry` (the URL in stele.toml).
    #[arg(long, value_name = "BASELINE", num_args = 1..)]
    against: Vec<String>,

    /// The manifest to read instead of the nearest stele.toml.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,

    /// Check only the subjects whose names match GLOB (`*` matches any text); repeatable.
    #[arg(long = "subject", value_name = "GLOB")]
    subjects: Vec<String>,

    #[command(flatten)]
    registry: RegistryOptions,

    /// Schema type; by default it comes from the extension (.avsc, .proto, .json).
    #[arg(long = "type", value_name = "TYPE", value_enum)]
    schema_type: Option<SchemaType>,

    /// Compatibility level, case-insensitive: none, backward, backward_transitive, forward,
    /// forward_transitive, full, full_transitive. Default: BACKWARD for files; for stele.toml
    /// subjects, the registry's level with a registry baseline, else stele.toml's.
    #[arg(long, short = 'c', value_name = "LEVEL", value_parser = parse_level)]
    compatibility: Option<Level>,

    /// How to print the result.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Output::Text)]
    output: Output,

    /// A referenced schema for every version: NAME is what the schemas use (an Avro type
    /// name, a .proto import path, a JSON Schema $ref). Give dependencies before dependents.
    #[arg(long, value_name = "NAME=FILE", value_parser = parse_reference)]
    reference: Vec<ReferenceArg>,

    /// A referenced schema for the earlier versions only; replaces a --reference of that NAME.
    #[arg(long, value_name = "NAME=FILE", value_parser = parse_reference)]
    old_reference: Vec<ReferenceArg>,

    /// A referenced schema for the new version only; replaces a --reference of that NAME.
    #[arg(long, value_name = "NAME=FILE", value_parser = parse_reference)]
    new_reference: Vec<ReferenceArg>,

    /// Normalize schemas before checking (the registry's `normalize` flag).
    #[arg(long)]
    normalize: bool,
}

/// A file the user named, as they spelled it, with its text.
struct Input {
    shown: String,
    text: String,
}

fn read(path: &Path) -> Result<Input> {
    let shown = path.display().to_string();
    let text = fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
    Ok(Input { shown, text })
}

/// Runs the check and prints the result.
pub fn run(args: &Args) -> Result<Outcome> {
    if args.files.is_empty() {
        return run_project(args);
    }
    // Version numbers follow the files' order: the history oldest first, the new file last.
    let against: Vec<PathBuf> = args.against.iter().map(PathBuf::from).collect();
    let paths: Vec<&PathBuf> = match (args.files.as_slice(), against.is_empty()) {
        ([old, new], true) => vec![old, new],
        ([new], false) => against.iter().chain([new]).collect(),
        ([_], true) => bail!(
            "give two files, OLD and NEW, or one file with --against and its earlier versions"
        ),
        _ => bail!("with --against, give only the new file; the history follows --against"),
    };
    let format = match args.schema_type {
        Some(schema_type) => Format::from(schema_type),
        None => format_of(&paths)?,
    };
    let options = ParseOptions {
        normalize: args.normalize,
    };

    let old_refs = read_references(&args.reference, &args.old_reference)?;
    let new_refs = read_references(&args.reference, &args.new_reference)?;
    let inputs = paths
        .iter()
        .map(|path| read(path))
        .collect::<Result<Vec<_>>>()?;

    let last = inputs.len() - 1;
    let mut schemas = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        let refs = if index == last { &new_refs } else { &old_refs };
        let deps: Vec<Dependency> = refs
            .iter()
            .map(|r| Dependency::new(r.name.clone(), r.input.text.clone()))
            .collect();
        let schema = Schema::parse(format, &input.text, &deps, options)
            .map_err(|err| anyhow::anyhow!(describe_parse_error(&err, format, input, refs)))?;
        schemas.push(schema);
    }

    let versioned: Vec<Versioned<'_>> = schemas
        .iter()
        .zip(1..)
        .map(|(schema, version)| Versioned { version, schema })
        .collect();
    let (new, previous) = versioned
        .split_last()
        .expect("there are always at least two files");
    let level = args.compatibility.unwrap_or(Level::BACKWARD);
    let report = check(level, *new, previous, CheckOptions::default());

    let files: Vec<(i32, &str)> = inputs
        .iter()
        .zip(1..)
        .map(|(input, version)| (version, input.shown.as_str()))
        .collect();
    let sides: Vec<Side<'_>> = inputs
        .iter()
        .enumerate()
        .map(|(index, input)| Side {
            input,
            references: if index == last { &new_refs } else { &old_refs },
            locator: OnceCell::new(),
        })
        .collect();
    let locations = report
        .findings
        .iter()
        .map(|finding| locate_finding(format, finding, &sides))
        .collect();
    let checked = Checked {
        report: &report,
        format,
        files,
        locations,
    };
    let run = render::Run::from_checked(&checked);
    let mut stdout = std::io::stdout().lock();
    let written = render::render(&mut stdout, args.output, &run, &render::Settings::detect())
        .and_then(|()| stdout.flush());
    render::ignore_broken_pipe(written).context("writing the report")?;
    Ok(if report.compatible {
        Outcome::Success
    } else {
        Outcome::Incompatible
    })
}

/// The one format all files share, from their extensions.
fn format_of(paths: &[&PathBuf]) -> Result<Format> {
    let mut found: Option<(Format, &PathBuf)> = None;
    for path in paths {
        let Some(format) = path.to_str().and_then(Format::from_extension) else {
            bail!(
                "cannot tell the schema type of {} from its extension (expected .avsc, .proto \
                 or .json); pass --type avro, --type protobuf or --type json",
                path.display()
            );
        };
        match found {
            None => found = Some((format, path)),
            Some((first, first_path)) if first != format => bail!(
                "{} is {} but {} is {}; all versions must have the same schema type",
                first_path.display(),
                article(first),
                path.display(),
                article(format)
            ),
            Some(_) => {}
        }
    }
    Ok(found.expect("at least two paths").0)
}

fn article(format: Format) -> &'static str {
    match format {
        Format::Avro => "an Avro schema",
        Format::Protobuf => "a Protobuf schema",
        Format::Json => "a JSON Schema",
    }
}

/// A referenced schema, read.
struct ReadReference {
    name: String,
    input: Input,
}

/// The references of one side: the shared ones in command-line order, each replaced by the
/// side's own of the same name, then the side's other ones.
fn read_references(shared: &[ReferenceArg], own: &[ReferenceArg]) -> Result<Vec<ReadReference>> {
    let mut chosen: Vec<&ReferenceArg> = shared
        .iter()
        .map(|r| own.iter().find(|o| o.name == r.name).unwrap_or(r))
        .collect();
    for r in own {
        if !chosen.iter().any(|c| c.name == r.name) {
            chosen.push(r);
        }
    }
    chosen
        .into_iter()
        .map(|r| {
            Ok(ReadReference {
                name: r.name.clone(),
                input: read(&r.file)?,
            })
        })
        .collect()
}

/// `<file>:<line>:<column>: <message>`, naming the referenced file when the error is in one,
/// and finding the line from the error's schema path when the parser gave only a path.
fn describe_parse_error(
    err: &ParseError,
    format: Format,
    input: &Input,
    refs: &[ReadReference],
) -> String {
    let source = err
        .file
        .as_deref()
        .and_then(|name| refs.iter().find(|r| r.name == name))
        .map_or(input, |r| &r.input);
    let shown = match (&err.file, std::ptr::eq(source, input)) {
        // The parser named a file we were not given; show its name as it said it.
        (Some(name), true) => name.clone(),
        _ => source.shown.clone(),
    };
    let line = err.line.or_else(|| {
        err.path
            .as_deref()
            .and_then(|path| locate::line_of(format, &source.text, &[], path))
            .filter(|found| found.exact)
            .map(|found| found.line)
    });
    let mut out = shown;
    if let Some(line) = line {
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

/// The file and line a finding points at: where the path resolves in the reader's schema or
/// its references, else in the writer's (a field that only the writer has), else the reader's
/// nearest enclosing declaration, else the reader's file with no line.
fn locate_finding(format: Format, finding: &Finding, sides: &[Side<'_>]) -> Location {
    let side_of = |version: i32| {
        usize::try_from(version - 1)
            .ok()
            .and_then(|index| sides.get(index))
    };
    let Some(reader) = side_of(finding.reader_version) else {
        return Location {
            file: String::new(),
            line: None,
        };
    };
    if finding.path.is_empty() {
        return Location {
            file: reader.input.shown.clone(),
            line: None,
        };
    }
    let in_reader = reader.find(format, &finding.path);
    if let Some(found) = in_reader.filter(|f| f.exact) {
        return reader.location(found);
    }
    if let Some(writer) = side_of(finding.writer_version)
        && let Some(found) = writer.find(format, &finding.path).filter(|f| f.exact)
    {
        return writer.location(found);
    }
    match in_reader {
        Some(found) => reader.location(found),
        None => Location {
            file: reader.input.shown.clone(),
            line: None,
        },
    }
}

/// One version's schema file and the references it was parsed with.
struct Side<'a> {
    input: &'a Input,
    references: &'a [ReadReference],
    /// The texts scanned once, on the first finding located in them.
    locator: OnceCell<Locator<'a>>,
}

impl Side<'_> {
    fn find(&self, format: Format, path: &str) -> Option<locate::Found> {
        self.locator
            .get_or_init(|| {
                let references: Vec<(&str, &str)> = self
                    .references
                    .iter()
                    .map(|r| (r.name.as_str(), r.input.text.as_str()))
                    .collect();
                Locator::new(format, &self.input.text, &references)
            })
            .line(path)
    }

    fn location(&self, found: locate::Found) -> Location {
        let input = found
            .source
            .and_then(|index| self.references.get(index))
            .map_or(self.input, |r| &r.input);
        Location {
            file: input.shown.clone(),
            line: Some(found.line),
        }
    }
}

/// `stele check` with no files: every subject of stele.toml against the chosen baseline.
fn run_project(args: &Args) -> Result<Outcome> {
    let project = match &args.manifest {
        Some(path) => Project::load(path)?,
        None => Project::discover(Path::new("."))?,
    };
    let mut baseline = match args.against.as_slice() {
        [] => Baseline::History,
        [one] if one.starts_with("git:") => Baseline::Git(Git::open(&project.dir, &one[4..])?),
        [one] if one.starts_with("http://") || one.starts_with("https://") => {
            Baseline::Registry(Registry::connect(&args.registry.connection(one))?)
        }
        [one] if one == "registry" => match &project.registry {
            Some(url) => Baseline::Registry(Registry::connect(&args.registry.connection(url))?),
            None => bail!(
                "--against registry: {} has no [registry] url; give the URL instead",
                project.manifest
            ),
        },
        [one] => bail!(
            "--against {one}: without schema files, --against takes git:REF (e.g. \
             git:origin/main), a registry URL, or `registry` for the URL in {}",
            project.manifest
        ),
        _ => bail!(
            "without schema files, --against takes one baseline; to check files against \
             earlier files, name the new file first: stele check NEW --against OLD.."
        ),
    };
    let selected = project.select(&args.subjects)?;
    let mut run = Run::new(Command::Check);
    run.baseline = Some(baseline.describe());
    let mut progress = Progress::stderr("checking", selected.len(), args.registry.verbose);
    for subject in selected {
        progress.start(&subject.name);
        run.subjects.push(contracts::check_subject(
            &project,
            subject,
            &mut baseline,
            args.compatibility,
        )?);
    }
    progress.finish();
    run.rules = RuleInfo::for_engine_rules(&run.subjects);
    let mut stdout = std::io::stdout().lock();
    let written = render::render(&mut stdout, args.output, &run, &render::Settings::detect())
        .and_then(|()| stdout.flush());
    render::ignore_broken_pipe(written).context("writing the report")?;
    if run.has_invalid() {
        bail!("some schemas could not be checked; see above");
    }
    Ok(if run.passed() {
        Outcome::Success
    } else {
        Outcome::Incompatible
    })
}
