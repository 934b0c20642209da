//! The one runner for rule cases, which are data.
//!
//! Every directory under `tests/cases/<format>/` that holds a `new.*` file is a case:
//!
//! - `old.<ext>` and `new.<ext>`: the previous and the candidate schema;
//! - `expected.txt`: one `RULE_ID path` line per finding, in report order (empty when the
//!   change is compatible). Lines starting with `#` are directives or comments:
//!   `# level: FORWARD` picks the level (default `BACKWARD`), `# policy: lenient` the policy,
//!   `# oracle: <reason>` (Avro only) says why apache-avro's own verdict differs from ours;
//! - optional `refs/`, `old-refs/`, `new-refs/`: referenced schemas, named by their path
//!   below that directory (`refs/` serves both sides unless a side has its own);
//! - an optional `error.txt` instead of `expected.txt` when `new` must fail to parse: it holds
//!   the expected error's Display text.
//!
//! Rule directories are named after the rule; a rule's cases live in sub-directories (e.g.
//! `fires/`, `near_miss/`). Set `UPDATE_EXPECT=1` to rewrite `expected.txt` from the results.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use stele_engine::{
    CheckOptions, Dependency, Format, Level, ParseOptions, Policy, Schema, Versioned, check,
};

fn cases_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

fn find_cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    if entries.iter().any(|p| file_stem(p) == "new" && p.is_file()) {
        out.push(dir.to_path_buf());
        return;
    }
    for entry in entries {
        if entry.is_dir() {
            find_cases(&entry, out);
        }
    }
}

fn file_stem(path: &Path) -> &str {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("")
}

fn side_file(case: &Path, side: &str) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(case)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && file_stem(p) == side)
        .collect();
    found.sort();
    found.into_iter().next()
}

fn refs_for(case: &Path, side: &str) -> Vec<Dependency> {
    let own = case.join(format!("{side}-refs"));
    if own.is_dir() {
        support::read_refs(&own)
    } else {
        support::read_refs(&case.join("refs"))
    }
}

fn format_of(case: &Path) -> Format {
    let relative = case.strip_prefix(cases_root()).expect("case below root");
    let first = relative
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .unwrap_or("");
    match first {
        "avro" => Format::Avro,
        "protobuf" => Format::Protobuf,
        "json" => Format::Json,
        other => panic!("unknown format directory `{other}` in {}", case.display()),
    }
}

struct Directives {
    level: Level,
    policy: Policy,
    oracle_note: Option<String>,
}

fn directives(expected: &str) -> Directives {
    let mut d = Directives {
        level: Level::BACKWARD,
        policy: Policy::Strict,
        oracle_note: None,
    };
    for line in expected.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let rest = rest.trim();
        if let Some(level) = rest.strip_prefix("level:") {
            d.level = level.trim().parse().expect("valid level directive");
        } else if let Some(policy) = rest.strip_prefix("policy:") {
            d.policy = match policy.trim() {
                "lenient" => Policy::Lenient,
                _ => Policy::Strict,
            };
        } else if let Some(note) = rest.strip_prefix("oracle:") {
            d.oracle_note = Some(note.trim().to_string());
        }
    }
    d
}

/// What one case produced, or why it could not run.
fn run_case(case: &Path) -> Result<String, String> {
    let format = format_of(case);
    let old_path = side_file(case, "old");
    let new_path = side_file(case, "new").ok_or("no new file")?;
    let new_text = fs::read_to_string(&new_path).map_err(|e| e.to_string())?;
    let new_refs = refs_for(case, "new");
    let error_path = case.join("error.txt");
    if error_path.exists() {
        let expected = fs::read_to_string(&error_path).map_err(|e| e.to_string())?;
        return match Schema::parse(format, &new_text, &new_refs, ParseOptions::default()) {
            Ok(_) => Err(format!("expected a parse error, got a schema: {expected}")),
            Err(err) if err.to_string() == expected.trim_end() => Ok(String::new()),
            Err(err) => Err(format!(
                "parse error differs\nexpected: {}\n  actual: {err}",
                expected.trim_end()
            )),
        };
    }
    let old_path = old_path.ok_or("no old file")?;
    let old_text = fs::read_to_string(&old_path).map_err(|e| e.to_string())?;
    let old_refs = refs_for(case, "old");
    let old = Schema::parse(format, &old_text, &old_refs, ParseOptions::default())
        .map_err(|e| format!("old does not parse: {e}"))?;
    let new = Schema::parse(format, &new_text, &new_refs, ParseOptions::default())
        .map_err(|e| format!("new does not parse: {e}"))?;
    let expected_path = case.join("expected.txt");
    let expected = fs::read_to_string(&expected_path).unwrap_or_default();
    let d = directives(&expected);
    let report = check(
        d.level,
        Versioned {
            version: 2,
            schema: &new,
        },
        &[Versioned {
            version: 1,
            schema: &old,
        }],
        CheckOptions { policy: d.policy },
    );
    let actual: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{} {}", f.rule, f.path))
        .collect();
    for finding in &report.findings {
        if stele_engine::rules::get(finding.rule).is_none() {
            return Err(format!("finding uses unlisted rule {}", finding.rule));
        }
        if finding.message.trim().is_empty() || finding.message.ends_with('.') {
            return Err(format!(
                "finding message is empty or ends with a period: {}",
                finding.message
            ));
        }
    }
    if format == Format::Avro {
        oracle::compare(
            &old_text,
            &old_refs,
            &new_text,
            &new_refs,
            &d,
            report.compatible,
        )?;
    }
    let wanted: Vec<String> = expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.trim().to_string())
        .collect();
    if actual == wanted {
        return Ok(String::new());
    }
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let header: Vec<&str> = expected.lines().filter(|l| l.starts_with('#')).collect();
        let mut text = header.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        for line in &actual {
            text.push_str(line);
            text.push('\n');
        }
        fs::write(&expected_path, text).map_err(|e| e.to_string())?;
        return Ok(format!("updated {}", expected_path.display()));
    }
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    Err(format!(
        "findings differ\nexpected:\n  {}\nactual:\n  {}\nmessages:\n  {}",
        wanted.join("\n  "),
        actual.join("\n  "),
        messages.join("\n  ")
    ))
}

/// Avro cases also run through apache-avro's own checker: where its yes/no differs from
/// ours, the case must say why in an `# oracle:` line, and a case with such a line must
/// really differ.
mod oracle {
    use super::Directives;
    use apache_avro::Schema;
    use apache_avro::schema_compatibility::{Compatibility, SchemaCompatibility};
    use stele_engine::{Dependency, Direction};

    /// Parses with the references resolved and inlined, since apache-avro compares references
    /// by name only (DEPENDENCIES.md §1).
    fn schema(text: &str, refs: &[Dependency]) -> Result<Schema, String> {
        if refs.is_empty() {
            return Schema::parse_str(text).map_err(|e| e.to_string());
        }
        let texts: Vec<&str> = refs.iter().map(|d| d.text.as_str()).collect();
        let (mut schema, schemata) =
            Schema::parse_str_with_list(text, &texts).map_err(|e| e.to_string())?;
        schema.denormalize(&schemata).map_err(|e| e.to_string())?;
        Ok(schema)
    }

    fn reads(reader: &Schema, writer: &Schema) -> bool {
        matches!(
            SchemaCompatibility::can_read(writer, reader),
            Ok(Compatibility::Full)
        )
    }

    pub fn compare(
        old: &str,
        old_refs: &[Dependency],
        new: &str,
        new_refs: &[Dependency],
        d: &Directives,
        ours: bool,
    ) -> Result<(), String> {
        let theirs = match (schema(old, old_refs), schema(new, new_refs)) {
            (Ok(old), Ok(new)) => match d.level.direction {
                Direction::None => true,
                Direction::Backward => reads(&new, &old),
                Direction::Forward => reads(&old, &new),
                Direction::Full => reads(&new, &old) && reads(&old, &new),
            },
            (Err(e), _) | (_, Err(e)) => {
                return match &d.oracle_note {
                    Some(_) => Ok(()),
                    None => Err(format!(
                        "apache-avro cannot parse the case ({e}); add an `# oracle:` line"
                    )),
                };
            }
        };
        match (&d.oracle_note, theirs == ours) {
            (None, true) | (Some(_), false) => Ok(()),
            (None, false) => Err(format!(
                "apache-avro says compatible={theirs}, we say compatible={ours}; explain the \
                 difference in an `# oracle:` line"
            )),
            (Some(note), true) => Err(format!(
                "the `# oracle:` note ({note}) is stale: apache-avro agrees with us now"
            )),
        }
    }
}

#[test]
fn rule_cases() {
    let mut cases = Vec::new();
    find_cases(&cases_root(), &mut cases);
    let mut failures = Vec::new();
    let mut per_format = std::collections::BTreeMap::<String, usize>::new();
    for case in &cases {
        *per_format
            .entry(format!("{:?}", format_of(case)))
            .or_default() += 1;
        match run_case(case) {
            Ok(note) if note.is_empty() => {}
            Ok(note) => eprintln!("{note}"),
            Err(why) => failures.push(format!(
                "{}: {why}",
                case.strip_prefix(cases_root()).unwrap_or(case).display()
            )),
        }
    }
    eprintln!("rule cases per format: {per_format:?}");
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Every listed rule has a directory of cases with at least one case where it fires and one
/// near miss where it does not.
#[test]
fn every_rule_has_a_firing_case_and_a_near_miss() {
    let mut missing = Vec::new();
    for rule in stele_engine::rules::all() {
        let Some(format) = rule.format else { continue };
        if rule.deprecated {
            continue;
        }
        let dir = cases_root()
            .join(match format {
                Format::Avro => "avro",
                Format::Protobuf => "protobuf",
                Format::Json => "json",
            })
            .join(rule.id.as_str());
        let mut cases = Vec::new();
        find_cases(&dir, &mut cases);
        let fires = cases.iter().any(|c| {
            fs::read_to_string(c.join("expected.txt")).is_ok_and(|t| {
                t.lines()
                    .any(|l| l.split_whitespace().next() == Some(rule.id.as_str()))
            })
        });
        let near_miss = cases.iter().any(|c| {
            !c.join("error.txt").exists()
                && fs::read_to_string(c.join("expected.txt"))
                    .map(|t| {
                        !t.lines()
                            .any(|l| l.split_whitespace().next() == Some(rule.id.as_str()))
                    })
                    .unwrap_or(true)
        });
        if !fires || !near_miss {
            missing.push(format!(
                "{} (fires: {fires}, near miss: {near_miss})",
                rule.id
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "rules without both cases:\n{}",
        missing.join("\n")
    );
}
