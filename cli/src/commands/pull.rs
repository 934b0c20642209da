//! `stele pull`: write a registry's subjects into files and a `stele.toml` that lists them,
//! so `stele check` and `stele push` work on the result.
//!
//! Each subject's live versions become `DIR/<subject>/v<N>.<ext>` (the extension from the
//! schema type; Avro and JSON Schema pretty-printed, Protobuf as the registry returns it).
//! The manifest lists each subject with its explicit name, the latest version as `file`, the
//! earlier ones as `history`, the latest version's references, and the level configured on
//! the registry (the global level as `[defaults] compatibility`, a subject's own level on the
//! subject). Subjects that the pulled ones reference are pulled too, whatever `--subject`
//! says, so the manifest's references resolve offline.
//!
//! Left out: soft-deleted versions, modes, metadata and rule sets (the manifest has no place
//! for them), and merging into an existing `stele.toml` (an existing one is refused unless
//! `--force`, which overwrites it).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use stele_engine::Format;

use crate::Outcome;
use crate::client::{Registry, RegistryOptions, SubjectVersion};
use crate::project::glob;

/// Arguments of `stele pull`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stele pull --registry http://127.0.0.1:8081 --out contracts
  stele pull --registry https://sr.example.com --out shop --subject 'shop.orders.*'

Exit status: 0 pulled, 2 error.")]
pub struct Args {
    /// The registry to read.
    #[arg(long, value_name = "URL")]
    registry: String,

    /// The directory to write into (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Only subjects whose name matches GLOB (`*` any text, `?` one character); repeatable.
    #[arg(long, value_name = "GLOB")]
    subject: Vec<String>,

    /// Overwrite an existing stele.toml and schema files in DIR.
    #[arg(long)]
    force: bool,

    #[command(flatten)]
    options: RegistryOptions,
}

/// A subject as pulled.
struct Pulled {
    name: String,
    dir: String,
    versions: Vec<SubjectVersion>,
    format: Format,
    level: Option<String>,
}

/// The file extension for a format.
fn extension(format: Format) -> &'static str {
    match format {
        Format::Avro => "avsc",
        Format::Protobuf => "proto",
        Format::Json => "json",
    }
}

/// A directory name for a subject: characters that are unsafe in paths become `_`.
fn directory_name(subject: &str) -> String {
    let cleaned: String = subject
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches('.');
    if trimmed.is_empty() {
        "subject".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The schema text as written to its file: JSON pretty-printed (key order kept), Protobuf as
/// it is; always ending in a newline.
fn file_text(format: Format, schema: &str) -> String {
    let mut text = match format {
        Format::Avro | Format::Json => serde_json::from_str::<serde_json::Value>(schema)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| schema.to_string()),
        Format::Protobuf => schema.to_string(),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn manifest(project: &str, url: &str, global_level: Option<&str>, pulled: &[Pulled]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Written by `stele pull --registry {url}`.");
    let _ = writeln!(out, "[project]\nname = {}\n", toml_string(project));
    if let Some(level) = global_level {
        let _ = writeln!(out, "[defaults]\ncompatibility = {}\n", toml_string(level));
    }
    let _ = writeln!(out, "[registry]\nurl = {}", toml_string(url));
    for subject in pulled {
        let Some((latest, earlier)) = subject.versions.split_last() else {
            continue;
        };
        let path = |v: &SubjectVersion| {
            format!(
                "{}/v{}.{}",
                subject.dir,
                v.version,
                extension(subject.format)
            )
        };
        let _ = writeln!(out, "\n[[subjects]]");
        let _ = writeln!(out, "subject = {}", toml_string(&subject.name));
        let _ = writeln!(out, "file = {}", toml_string(&path(latest)));
        if !earlier.is_empty() {
            let list: Vec<String> = earlier.iter().map(|v| toml_string(&path(v))).collect();
            let _ = writeln!(out, "history = [{}]", list.join(", "));
        }
        if let Some(level) = &subject.level {
            let _ = writeln!(out, "compatibility = {}", toml_string(level));
        }
        if !latest.references.is_empty() {
            let refs: Vec<String> = latest
                .references
                .iter()
                .map(|r| {
                    format!(
                        "{{ name = {}, subject = {} }}",
                        toml_string(&r.name),
                        toml_string(&r.subject)
                    )
                })
                .collect();
            let _ = writeln!(out, "references = [{}]", refs.join(", "));
        }
    }
    out
}

fn write_file(path: &Path, text: &str, force: bool) -> Result<()> {
    if !force && path.exists() {
        let existing = fs::read_to_string(path).unwrap_or_default();
        if existing != text {
            bail!(
                "{} already exists and differs; pass --force to overwrite it",
                path.display()
            );
        }
        return Ok(());
    }
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Runs the pull.
pub fn run(args: &Args) -> Result<Outcome> {
    let registry = Registry::connect(&args.options.connection(&args.registry))?;
    let all = registry.subjects(false)?;
    let mut wanted: VecDeque<String> = all
        .iter()
        .filter(|s| args.subject.is_empty() || args.subject.iter().any(|g| glob::matches(g, s)))
        .cloned()
        .collect();
    if wanted.is_empty() {
        bail!(
            "{} has no subject{}",
            registry.shown(),
            if args.subject.is_empty() {
                String::new()
            } else {
                format!(" matching {}", args.subject.join(", "))
            }
        );
    }

    // Subjects in the order found, plus every subject they reference.
    let mut seen: BTreeSet<String> = wanted.iter().cloned().collect();
    let mut fetched: BTreeMap<String, Vec<SubjectVersion>> = BTreeMap::new();
    let mut order = Vec::new();
    while let Some(subject) = wanted.pop_front() {
        let Some(numbers) = registry.versions(&subject, false)? else {
            bail!("subject `{subject}` is referenced but does not exist on the registry");
        };
        let mut versions = Vec::with_capacity(numbers.len());
        for number in numbers {
            if let Some(found) = registry.version(&subject, &number.to_string(), false)? {
                found.format()?;
                versions.push(found);
            }
        }
        if let Some(latest) = versions.last() {
            for r in &latest.references {
                if seen.insert(r.subject.clone()) {
                    wanted.push_back(r.subject.clone());
                }
            }
        }
        order.push(subject.clone());
        fetched.insert(subject, versions);
    }

    let global = registry.config(None, false)?.unwrap_or_default();
    let global_level = global
        .get("compatibilityLevel")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let mut used_dirs = BTreeSet::new();
    let mut pulled = Vec::new();
    for subject in order {
        let versions = fetched.remove(&subject).unwrap_or_default();
        let Some(latest) = versions.last() else {
            continue;
        };
        let format = latest.format()?;
        if let Some(other) = versions.iter().find(|v| v.format().ok() != Some(format)) {
            bail!(
                "subject `{subject}` changed schema type at version {}; a stele.toml subject has \
                 one format",
                other.version
            );
        }
        let own = registry.config(Some(&subject), false)?;
        let level = own
            .as_ref()
            .and_then(|c| c.get("compatibilityLevel"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let base = directory_name(&subject);
        let mut dir = base.clone();
        let mut n = 2;
        while !used_dirs.insert(dir.clone()) {
            dir = format!("{base}-{n}");
            n += 1;
        }
        pulled.push(Pulled {
            name: subject,
            dir,
            versions,
            format,
            level,
        });
    }

    let manifest_path = args.out.join("stele.toml");
    if manifest_path.exists() && !args.force {
        bail!(
            "{} already exists; pass --force to overwrite it",
            manifest_path.display()
        );
    }
    let mut count = 0;
    for subject in &pulled {
        let dir = args.out.join(&subject.dir);
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        for v in &subject.versions {
            let path = dir.join(format!("v{}.{}", v.version, extension(subject.format)));
            write_file(&path, &file_text(subject.format, &v.schema), args.force)?;
            count += 1;
        }
    }
    let project = args
        .out
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "contracts".to_string());
    let text = manifest(&project, registry.shown(), global_level.as_deref(), &pulled);
    fs::write(&manifest_path, text)
        .with_context(|| format!("writing {}", manifest_path.display()))?;
    println!(
        "pulled {} subject{} ({} version{}) from {} into {}",
        pulled.len(),
        if pulled.len() == 1 { "" } else { "s" },
        count,
        if count == 1 { "" } else { "s" },
        registry.shown(),
        args.out.display()
    );
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_names_become_safe_directories() {
        assert_eq!(directory_name("orders-value"), "orders-value");
        assert_eq!(directory_name(":.eu:orders/value"), "_.eu_orders_value");
        assert_eq!(directory_name(".."), "subject");
        assert_eq!(directory_name("a b"), "a_b");
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(toml_string("\u{1}"), "\"\\u0001\"");
    }
}
