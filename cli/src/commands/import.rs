//! `stele import`: copy a Confluent-compatible registry (Confluent, Karapace, another Stele)
//! into Stele, keeping every schema id and version, then check the copy.
//!
//! The run reads everything first (subjects with their soft-deleted versions, configs and
//! modes: global, per context, per subject), makes a plan, and only then writes: the target
//! goes into IMPORT mode, every version is registered with its id and version in an order
//! where referenced versions exist first, the soft-deleted ones are soft-deleted again, and
//! configs and modes are restored (modes last, global mode at the very end). The copy is then
//! read back and compared: every subject version must carry the same id, every id the same
//! schema (compared by the engine's canonical form, so a registry that re-prints schemas
//! still matches), and every copied config and mode the same values. `--dry-run` prints the
//! plan and writes nothing; `--verify-only` only compares.
//!
//! Left out, on purpose: ids that no subject version uses any more (the API cannot
//! register a schema without a subject), IMPORT modes in the source (a migration's transient
//! state; copying one would also purge the soft-deleted versions just imported), and
//! subject or context modes equal to the source's global mode (Karapace answers READWRITE
//! for every subject whether or not one was set).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};
use stele_engine::{Dependency, Format, ParseOptions, Schema};

use crate::Outcome;
use crate::client::{
    ApiReference, Connection, CredentialSource, ReferenceCache, RegisterRequest, Registry,
    SubjectVersion, schema_format,
};

/// Arguments of `stele import`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stele import --from http://confluent:8081 --to http://stele:8081 --dry-run
  STELE_SOURCE_USER=key STELE_SOURCE_PASSWORD=secret \\
      stele import --from https://sr.example.com --to http://127.0.0.1:8081

Credentials for the source come from --from-user (password in STELE_SOURCE_PASSWORD),
--from-token-env NAME, the URL's user:password@, STELE_SOURCE_TOKEN, or STELE_SOURCE_USER and
STELE_SOURCE_PASSWORD; for the target the same with --to-* and STELE_REGISTRY_*.
Exit status: 0 copied and verified, 1 the copy differs (differences listed), 2 error.")]
pub struct Args {
    /// The registry to copy from (any Confluent-compatible registry).
    #[arg(long, value_name = "URL")]
    from: String,

    /// The Stele registry to copy into; it must hold no subjects (see --force).
    #[arg(long, value_name = "URL")]
    to: String,

    /// Print the plan and write nothing.
    #[arg(long)]
    dry_run: bool,

    /// Write nothing; compare the target with the source as after an import (exit 0 when
    /// they match, 1 when they differ). For checking a copy before switching clients over.
    #[arg(long, conflicts_with_all = ["dry_run", "force"])]
    verify_only: bool,

    /// Import even though the target already holds subjects. Ids and versions must not
    /// collide with the target's: a collision stops the run (exit 2) and nothing is rolled
    /// back.
    #[arg(long)]
    force: bool,

    /// Basic-auth user for the source; the password comes from STELE_SOURCE_PASSWORD.
    #[arg(long, value_name = "USER", conflicts_with = "from_token_env")]
    from_user: Option<String>,

    /// Read the source's bearer token from the environment variable NAME.
    #[arg(long, value_name = "NAME")]
    from_token_env: Option<String>,

    /// A PEM file of CA certificates to trust for the source.
    #[arg(long, value_name = "FILE")]
    from_ca_cert: Option<std::path::PathBuf>,

    /// Basic-auth user for the target; the password comes from STELE_REGISTRY_PASSWORD.
    #[arg(long, value_name = "USER", conflicts_with = "to_token_env")]
    to_user: Option<String>,

    /// Read the target's bearer token from the environment variable NAME.
    #[arg(long, value_name = "NAME")]
    to_token_env: Option<String>,

    /// A PEM file of CA certificates to trust for the target.
    #[arg(long, value_name = "FILE")]
    to_ca_cert: Option<std::path::PathBuf>,

    /// Seconds one request may take before it fails.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,

    /// Print every request and its status to stderr (credentials redacted).
    #[arg(long, short = 'v')]
    verbose: bool,
}

/// Where a config or a mode applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    Global,
    /// A context, spelled `:.ctx:` as the API takes it.
    Context(String),
    Subject(String),
}

impl Scope {
    /// The `{subject}` path parameter, or none for the global scope.
    fn name(&self) -> Option<&str> {
        match self {
            Scope::Global => None,
            Scope::Context(name) | Scope::Subject(name) => Some(name),
        }
    }

    fn describe(&self) -> String {
        match self {
            Scope::Global => "global".to_string(),
            Scope::Context(name) => format!("context `{name}`"),
            Scope::Subject(name) => format!("subject `{name}`"),
        }
    }
}

/// A config or a mode to copy.
#[derive(Debug, Clone)]
struct Settings {
    scope: Scope,
    /// The config as `GET /config` answered it.
    config: Option<Map<String, Value>>,
    mode: Option<String>,
}

/// One subject version as the source holds it.
#[derive(Debug, Clone)]
struct VersionCopy {
    found: SubjectVersion,
    deleted: bool,
}

impl VersionCopy {
    fn key(&self) -> (String, i32) {
        (self.found.subject.clone(), self.found.version)
    }

    fn schema_type(&self) -> String {
        self.found
            .schema_type
            .clone()
            .unwrap_or_else(|| "AVRO".to_string())
    }
}

/// Everything read from the source.
#[derive(Debug)]
struct Snapshot {
    contexts: Option<Vec<String>>,
    subjects: Vec<String>,
    versions: Vec<VersionCopy>,
    settings: Vec<Settings>,
    /// IMPORT modes left out, by scope.
    skipped_modes: Vec<Scope>,
}

impl Snapshot {
    /// Distinct `(context, id)` pairs and the first version using each.
    fn ids(&self) -> BTreeMap<(String, i32), usize> {
        let mut ids = BTreeMap::new();
        for (index, copy) in self.versions.iter().enumerate() {
            ids.entry((context_of(&copy.found.subject).to_string(), copy.found.id))
                .or_insert(index);
        }
        ids
    }
}

/// The context of a subject: `.` or `.ctx` for `:.ctx:name`.
fn context_of(subject: &str) -> &str {
    if let Some(rest) = subject.strip_prefix(':')
        && rest.starts_with('.')
        && let Some(end) = rest.find(':')
    {
        return &rest[..end];
    }
    "."
}

fn connection(
    url: &str,
    user: &Option<String>,
    token_env: &Option<String>,
    ca_cert: &Option<std::path::PathBuf>,
    prefix: &'static str,
    args: &Args,
) -> Connection {
    Connection {
        url: url.to_string(),
        credentials: CredentialSource {
            user: user.clone(),
            token_env: token_env.clone(),
            env_prefix: prefix,
        },
        timeout: Duration::from_secs(args.timeout.max(1)),
        ca_cert: ca_cert.clone(),
        verbose: args.verbose,
    }
}

/// Reads everything the copy needs from the source.
fn read_source(source: &Registry) -> Result<Snapshot> {
    let contexts = source.contexts()?;
    let subjects = source.subjects(true)?;
    let mut versions = Vec::new();
    for subject in &subjects {
        let Some(all) = source.versions(subject, true)? else {
            continue;
        };
        let live: HashSet<i32> = source
            .versions(subject, false)?
            .unwrap_or_default()
            .into_iter()
            .collect();
        for number in all {
            let found = source
                .version(subject, &number.to_string(), true)?
                .with_context(|| {
                    format!("subject `{subject}` version {number} vanished while reading it")
                })?;
            found.format()?;
            versions.push(VersionCopy {
                deleted: !live.contains(&number),
                found,
            });
        }
    }

    let global_mode = source.mode(None)?;
    let mut scopes = vec![Scope::Global];
    let mut context_names: Vec<String> = contexts
        .iter()
        .flatten()
        .filter(|c| c.as_str() != ".")
        .map(|c| format!(":{}:", c.trim_matches(':')))
        .collect();
    context_names.sort();
    context_names.dedup();
    scopes.extend(context_names.into_iter().map(Scope::Context));
    scopes.extend(subjects.iter().cloned().map(Scope::Subject));

    let mut settings = Vec::new();
    let mut skipped_modes = Vec::new();
    for scope in scopes {
        let config = source.config(scope.name(), false)?;
        let mut mode = match &scope {
            Scope::Global => global_mode.clone(),
            _ => source
                .mode(scope.name())?
                .filter(|m| Some(m) != global_mode.as_ref()),
        };
        if mode
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("IMPORT"))
        {
            skipped_modes.push(scope.clone());
            mode = None;
        }
        if config.is_some() || mode.is_some() {
            settings.push(Settings {
                scope,
                config,
                mode,
            });
        }
    }
    Ok(Snapshot {
        contexts,
        subjects,
        versions,
        settings,
        skipped_modes,
    })
}

/// The order to register versions in: referenced versions first; otherwise by id, so the
/// target is filled in roughly the order the source was. A subject's versions stay in
/// ascending order unless references demand otherwise.
fn registration_order(versions: &[VersionCopy]) -> Result<Vec<usize>> {
    match topological(versions, true) {
        Ok(order) => Ok(order),
        // Versions imported out of order into the source may only be orderable without
        // keeping each subject ascending.
        Err(_) => topological(versions, false),
    }
}

fn topological(versions: &[VersionCopy], subjects_ascending: bool) -> Result<Vec<usize>> {
    let index: HashMap<(String, i32), usize> = versions
        .iter()
        .enumerate()
        .map(|(i, v)| (v.key(), i))
        .collect();
    let mut latest: HashMap<&str, i32> = HashMap::new();
    for v in versions {
        let entry = latest
            .entry(v.found.subject.as_str())
            .or_insert(v.found.version);
        *entry = (*entry).max(v.found.version);
    }
    let mut before: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); versions.len()];
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); versions.len()];
    for (i, v) in versions.iter().enumerate() {
        for r in &v.found.references {
            // `-1` (latest) is accepted by some registries in references.
            let wanted = if r.version == -1 {
                latest.get(r.subject.as_str()).copied().unwrap_or(-1)
            } else {
                r.version
            };
            if let Some(&dep) = index.get(&(r.subject.clone(), wanted))
                && dep != i
            {
                before[i].insert(dep);
            }
        }
    }
    if subjects_ascending {
        let mut by_subject: BTreeMap<&str, Vec<(i32, usize)>> = BTreeMap::new();
        for (i, v) in versions.iter().enumerate() {
            by_subject
                .entry(v.found.subject.as_str())
                .or_default()
                .push((v.found.version, i));
        }
        for list in by_subject.values_mut() {
            list.sort();
            for pair in list.windows(2) {
                before[pair[1].1].insert(pair[0].1);
            }
        }
    }
    for (i, deps) in before.iter().enumerate() {
        for &dep in deps {
            after[dep].push(i);
        }
    }
    let mut waiting: Vec<usize> = before.iter().map(BTreeSet::len).collect();
    let priority = |i: usize| {
        let v = &versions[i].found;
        (v.id, v.subject.clone(), v.version, i)
    };
    let mut ready: BTreeSet<(i32, String, i32, usize)> = (0..versions.len())
        .filter(|&i| waiting[i] == 0)
        .map(priority)
        .collect();
    let mut order = Vec::with_capacity(versions.len());
    while let Some(next) = ready.pop_first() {
        let i = next.3;
        order.push(i);
        for &dependent in &after[i] {
            waiting[dependent] -= 1;
            if waiting[dependent] == 0 {
                ready.insert(priority(dependent));
            }
        }
    }
    if order.len() < versions.len() {
        let stuck: Vec<String> = (0..versions.len())
            .filter(|i| waiting[*i] > 0)
            .take(5)
            .map(|i| {
                format!(
                    "`{}` version {}",
                    versions[i].found.subject, versions[i].found.version
                )
            })
            .collect();
        bail!(
            "the source's references form a cycle through {}",
            stuck.join(", ")
        );
    }
    Ok(order)
}

/// One write to the target.
#[derive(Debug, Clone)]
enum Step {
    Mode {
        scope: Scope,
        mode: String,
        force: bool,
    },
    Register(usize),
    SoftDelete(usize),
    Config {
        scope: Scope,
        body: Value,
    },
}

/// `GET /config` spells the level `compatibilityLevel`; `PUT` wants `compatibility`.
fn config_update(config: &Map<String, Value>) -> Value {
    Value::Object(
        config
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let key = if k == "compatibilityLevel" {
                    "compatibility".to_string()
                } else {
                    k.clone()
                };
                (key, v.clone())
            })
            .collect(),
    )
}

fn plan(snapshot: &Snapshot, order: &[usize], force: bool) -> Vec<Step> {
    let mut steps = vec![Step::Mode {
        scope: Scope::Global,
        mode: "IMPORT".to_string(),
        force,
    }];
    steps.extend(order.iter().map(|&i| Step::Register(i)));
    // Dependents first, so a deleted version is never still referenced by one not yet deleted.
    steps.extend(
        order
            .iter()
            .rev()
            .filter(|&&i| snapshot.versions[i].deleted)
            .map(|&i| Step::SoftDelete(i)),
    );
    for settings in &snapshot.settings {
        if let Some(config) = &settings.config {
            steps.push(Step::Config {
                scope: settings.scope.clone(),
                body: config_update(config),
            });
        }
    }
    // Modes last, the global one at the very end: a read-only subject refuses config changes,
    // and the global IMPORT mode must hold until every version is in.
    let mut modes: Vec<&Settings> = snapshot
        .settings
        .iter()
        .filter(|s| s.mode.is_some())
        .collect();
    modes.sort_by_key(|s| s.scope == Scope::Global);
    for settings in modes {
        if let Some(mode) = &settings.mode {
            steps.push(Step::Mode {
                scope: settings.scope.clone(),
                mode: mode.clone(),
                force: true,
            });
        }
    }
    steps
}

fn describe(step: &Step, versions: &[VersionCopy]) -> String {
    match step {
        Step::Mode { scope, mode, .. } => format!("set {} mode {mode}", scope.describe()),
        Step::Register(i) => {
            let copy = &versions[*i];
            let v = &copy.found;
            let mut line = format!(
                "register `{}` version {} as id {} ({})",
                v.subject,
                v.version,
                v.id,
                copy.schema_type()
            );
            if !v.references.is_empty() {
                let refs: Vec<String> = v
                    .references
                    .iter()
                    .map(|r| format!("{} -> `{}` version {}", r.name, r.subject, r.version))
                    .collect();
                line.push_str(&format!(", references {}", refs.join(", ")));
            }
            line
        }
        Step::SoftDelete(i) => {
            let v = &versions[*i].found;
            format!("soft-delete `{}` version {}", v.subject, v.version)
        }
        Step::Config { scope, body } => format!("set {} config {body}", scope.describe()),
    }
}

fn execute(target: &Registry, step: &Step, versions: &[VersionCopy]) -> Result<()> {
    match step {
        Step::Mode { scope, mode, force } => target.put_mode(scope.name(), mode, *force)?,
        Step::Register(i) => {
            let v = &versions[*i].found;
            let request = RegisterRequest {
                schema: v.schema.clone(),
                schema_type: versions[*i].schema_type(),
                references: v.references.clone(),
                metadata: v.metadata.clone(),
                rule_set: v.rule_set.clone(),
                id: Some(v.id),
                version: Some(v.version),
            };
            let id = target.register(&v.subject, &request, false)?;
            if id != v.id {
                bail!(
                    "the target registered `{}` version {} as id {id}, not {}",
                    v.subject,
                    v.version,
                    v.id
                );
            }
        }
        Step::SoftDelete(i) => {
            let v = &versions[*i].found;
            target.delete_version(&v.subject, v.version, false)?;
        }
        Step::Config { scope, body } => target.put_config(scope.name(), body)?,
    }
    Ok(())
}

/// The engine's canonical form of a schema, or the trimmed text when it does not parse
/// (imports skip validation, so such schemas can exist).
fn canonical(format: Format, text: &str, deps: &[Dependency]) -> String {
    match Schema::parse(format, text, deps, ParseOptions::default()) {
        Ok(schema) => schema.canonical().to_string(),
        Err(_) => text.trim().to_string(),
    }
}

fn same_schema(
    format: Format,
    source_text: &str,
    source_refs: &[ApiReference],
    source_cache: &mut ReferenceCache<'_>,
    target_text: &str,
    target_refs: &[ApiReference],
    target_cache: &mut ReferenceCache<'_>,
) -> bool {
    if source_text == target_text && source_refs == target_refs {
        return true;
    }
    if source_refs != target_refs {
        return false;
    }
    let to_engine = |refs: &[ApiReference]| refs.iter().map(Into::into).collect::<Vec<_>>();
    let source_deps = source_cache
        .dependencies(&to_engine(source_refs))
        .unwrap_or_default();
    let target_deps = target_cache
        .dependencies(&to_engine(target_refs))
        .unwrap_or_default();
    canonical(format, source_text, &source_deps) == canonical(format, target_text, &target_deps)
}

/// Whether the target's schema, given as (type, text, references), is source version `v`'s:
/// the same format and [`same_schema`].
fn same_as_source(
    v: &SubjectVersion,
    (target_type, target_text, target_refs): (Option<&str>, &str, &[ApiReference]),
    source_cache: &mut ReferenceCache<'_>,
    target_cache: &mut ReferenceCache<'_>,
) -> Result<bool> {
    let format = schema_format(v.schema_type.as_deref())?;
    Ok(schema_format(target_type).ok() == Some(format)
        && same_schema(
            format,
            &v.schema,
            &v.references,
            source_cache,
            target_text,
            target_refs,
            target_cache,
        ))
}

/// What the verification counted.
#[derive(Debug, Default)]
struct Verified {
    versions: usize,
    ids: usize,
    configs: usize,
    modes: usize,
    mismatches: Vec<String>,
}

fn verify(snapshot: &Snapshot, source: &Registry, target: &Registry) -> Result<Verified> {
    let mut out = Verified::default();
    let mut source_cache = ReferenceCache::new(source);
    let mut target_cache = ReferenceCache::new(target);

    let present: HashSet<String> = target.subjects(true)?.into_iter().collect();
    for subject in &snapshot.subjects {
        if !present.contains(subject) {
            out.mismatches
                .push(format!("subject `{subject}` is missing from the target"));
        }
    }
    let mut live: HashMap<String, HashSet<i32>> = HashMap::new();
    for copy in &snapshot.versions {
        let v = &copy.found;
        if !present.contains(&v.subject) {
            continue;
        }
        let Some(found) = target.version(&v.subject, &v.version.to_string(), true)? else {
            out.mismatches.push(format!(
                "subject `{}` version {} is missing from the target",
                v.subject, v.version
            ));
            continue;
        };
        out.versions += 1;
        if found.id != v.id {
            out.mismatches.push(format!(
                "subject `{}` version {}: id {} in the source, {} in the target",
                v.subject, v.version, v.id, found.id
            ));
        }
        let target_side = (
            found.schema_type.as_deref(),
            found.schema.as_str(),
            found.references.as_slice(),
        );
        if !same_as_source(v, target_side, &mut source_cache, &mut target_cache)? {
            out.mismatches.push(format!(
                "subject `{}` version {}: the schema differs",
                v.subject, v.version
            ));
        }
        if !live.contains_key(&v.subject) {
            let numbers = target.versions(&v.subject, false)?.unwrap_or_default();
            live.insert(v.subject.clone(), numbers.into_iter().collect());
        }
        let target_deleted = !live.get(&v.subject).is_some_and(|l| l.contains(&v.version));
        if target_deleted != copy.deleted {
            let state = |deleted: bool| if deleted { "soft-deleted" } else { "live" };
            out.mismatches.push(format!(
                "subject `{}` version {}: {} in the source, {} in the target",
                v.subject,
                v.version,
                state(copy.deleted),
                state(target_deleted)
            ));
        }
    }

    for ((context, id), index) in snapshot.ids() {
        let v = &snapshot.versions[index].found;
        let shown = if context == "." {
            format!("id {id}")
        } else {
            format!("id {id} in context {context}")
        };
        let Some(found) = target.schema_by_id(id, Some(&v.subject))? else {
            out.mismatches
                .push(format!("{shown} is missing from the target"));
            continue;
        };
        out.ids += 1;
        let target_side = (
            found.schema_type.as_deref(),
            found.schema.as_str(),
            found.references.as_slice(),
        );
        if !same_as_source(v, target_side, &mut source_cache, &mut target_cache)? {
            out.mismatches.push(format!(
                "{shown}: the target's schema differs from the source's"
            ));
        }
    }

    for settings in &snapshot.settings {
        let scope = settings.scope.name();
        if let Some(config) = &settings.config {
            out.configs += 1;
            let found = target.config(scope, false)?.unwrap_or_default();
            for (key, value) in config.iter().filter(|(_, v)| !v.is_null()) {
                let theirs = found.get(key).unwrap_or(&Value::Null);
                if theirs != value {
                    out.mismatches.push(format!(
                        "{} config `{key}`: {value} in the source, {theirs} in the target",
                        settings.scope.describe()
                    ));
                }
            }
        }
        if let Some(mode) = &settings.mode {
            out.modes += 1;
            let found = target.mode(scope)?;
            if found.as_deref() != Some(mode.as_str()) {
                out.mismatches.push(format!(
                    "{} mode: {mode} in the source, {} in the target",
                    settings.scope.describe(),
                    found.as_deref().unwrap_or("none")
                ));
            }
        }
    }
    Ok(out)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Runs the import.
pub fn run(args: &Args) -> Result<Outcome> {
    let source = Registry::connect(&connection(
        &args.from,
        &args.from_user,
        &args.from_token_env,
        &args.from_ca_cert,
        "STELE_SOURCE",
        args,
    ))
    .context("--from")?;
    let target = Registry::connect(&connection(
        &args.to,
        &args.to_user,
        &args.to_token_env,
        &args.to_ca_cert,
        "STELE_REGISTRY",
        args,
    ))
    .context("--to")?;
    if source.shown() == target.shown() {
        bail!(
            "--from and --to both name {}; import copies one registry into another",
            source.shown()
        );
    }

    let snapshot =
        read_source(&source).with_context(|| format!("reading the source {}", source.shown()))?;
    let order = registration_order(&snapshot.versions)?;
    let deleted = snapshot.versions.iter().filter(|v| v.deleted).count();
    let contexts = snapshot
        .contexts
        .as_ref()
        .map_or(1, |c| c.iter().filter(|c| c.as_str() != ".").count() + 1);
    println!(
        "source {}: {}, {} ({} soft-deleted), {}, {}",
        source.shown(),
        plural(snapshot.subjects.len(), "subject", "subjects"),
        plural(snapshot.versions.len(), "version", "versions"),
        deleted,
        plural(snapshot.ids().len(), "schema id", "schema ids"),
        plural(contexts, "context", "contexts"),
    );
    for scope in &snapshot.skipped_modes {
        println!(
            "note: the source's {} mode is IMPORT; it is not copied",
            scope.describe()
        );
    }

    if args.verify_only {
        return report_verification(&snapshot, &source, &target);
    }

    let existing = target
        .subjects(true)
        .with_context(|| format!("reading the target {}", target.shown()))?;
    if !existing.is_empty() && !args.force {
        let shown: Vec<&str> = existing.iter().take(5).map(String::as_str).collect();
        bail!(
            "the target {} already holds {} ({}{}); import into an empty registry, or pass \
             --force to import anyway (ids and versions must not collide)",
            target.shown(),
            plural(existing.len(), "subject", "subjects"),
            shown.join(", "),
            if existing.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        );
    }

    let steps = plan(&snapshot, &order, args.force);
    if args.dry_run {
        println!("plan for {} (dry run, nothing written):", target.shown());
        for step in &steps {
            println!("  {}", describe(step, &snapshot.versions));
        }
        return Ok(Outcome::Success);
    }

    let mode_before = target.mode(None)?;
    for step in &steps {
        if let Err(err) = execute(&target, step, &snapshot.versions) {
            let mut err = err.context(format!(
                "import stopped at: {}",
                describe(step, &snapshot.versions)
            ));
            if let Some(mode) = &mode_before {
                // Leave the target writable as it was; what was imported so far stays.
                if let Err(restore) = target.put_mode(None, mode, true) {
                    err = err.context(format!(
                        "and the target's global mode could not be set back to {mode}: {restore}"
                    ));
                }
            }
            return Err(err);
        }
    }
    let registered = steps
        .iter()
        .filter(|s| matches!(s, Step::Register(_)))
        .count();
    let configs = steps
        .iter()
        .filter(|s| matches!(s, Step::Config { .. }))
        .count();
    let modes = steps
        .iter()
        .filter(|s| matches!(s, Step::Mode { .. }))
        .count()
        - 1;
    println!(
        "imported into {}: {}, {} soft-deleted again, {}, {}",
        target.shown(),
        plural(registered, "version", "versions"),
        deleted,
        plural(configs, "config", "configs"),
        plural(modes, "mode", "modes"),
    );

    report_verification(&snapshot, &source, &target)
}

/// Compares the target with the source and prints the verdict.
fn report_verification(
    snapshot: &Snapshot,
    source: &Registry,
    target: &Registry,
) -> Result<Outcome> {
    let verified = verify(snapshot, source, target)
        .with_context(|| format!("verifying the copy in {}", target.shown()))?;
    if verified.mismatches.is_empty() {
        println!(
            "verified: {}, {}, {} and {} match the source",
            plural(verified.versions, "version", "versions"),
            plural(verified.ids, "schema id", "schema ids"),
            plural(verified.configs, "config", "configs"),
            plural(verified.modes, "mode", "modes"),
        );
        Ok(Outcome::Success)
    } else {
        println!(
            "the copy differs from the source in {}:",
            plural(verified.mismatches.len(), "place", "places")
        );
        for mismatch in &verified.mismatches {
            println!("  {mismatch}");
        }
        Ok(Outcome::Incompatible)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(subject: &str, version: i32, id: i32, refs: &[(&str, i32)]) -> VersionCopy {
        VersionCopy {
            found: SubjectVersion {
                subject: subject.into(),
                version,
                id,
                schema_type: None,
                schema: "\"string\"".into(),
                references: refs
                    .iter()
                    .map(|(s, v)| ApiReference {
                        name: format!("{s}.avsc"),
                        subject: (*s).into(),
                        version: *v,
                    })
                    .collect(),
                metadata: None,
                rule_set: None,
            },
            deleted: false,
        }
    }

    fn keys(versions: &[VersionCopy], order: &[usize]) -> Vec<(String, i32)> {
        order.iter().map(|&i| versions[i].key()).collect()
    }

    #[test]
    fn referenced_versions_come_first_then_ids_decide() {
        // `a` v1 (id 5) references `b` v2 (id 7); ids alone would put `a` first.
        let versions = vec![
            copy("a", 1, 5, &[("b", 2)]),
            copy("b", 1, 6, &[]),
            copy("b", 2, 7, &[]),
            copy("c", 1, 1, &[]),
        ];
        let order = registration_order(&versions).expect("orders");
        let s = |n: &str, v| (n.to_string(), v);
        assert_eq!(
            keys(&versions, &order),
            [s("c", 1), s("b", 1), s("b", 2), s("a", 1)]
        );
    }

    #[test]
    fn a_cycle_is_an_error_naming_it() {
        let versions = vec![copy("a", 1, 1, &[("b", 1)]), copy("b", 1, 2, &[("a", 1)])];
        let err = registration_order(&versions).expect_err("cycle");
        assert_eq!(
            err.to_string(),
            "the source's references form a cycle through `a` version 1, `b` version 1"
        );
    }

    #[test]
    fn configs_are_respelled_for_put() {
        let mut config = Map::new();
        config.insert("compatibilityLevel".into(), Value::from("FULL"));
        config.insert("normalize".into(), Value::from(true));
        assert_eq!(
            config_update(&config),
            serde_json::json!({"compatibility": "FULL", "normalize": true})
        );
    }

    #[test]
    fn contexts_come_from_qualified_names() {
        assert_eq!(context_of(":.eu:orders"), ".eu");
        assert_eq!(context_of("orders"), ".");
        assert_eq!(context_of(":x"), ".");
    }
}
