//! The one runner for lint rule cases, which are data.
//!
//! Every directory under `tests/lint/<RULE_ID>/` that holds a `schema.*` file is a case:
//!
//! - `schema.avsc`, `schema.proto` or `schema.json`: the schema linted (the extension picks the
//!   format);
//! - optional `refs/`: referenced schemas, named by their path below that directory;
//! - `expected.txt`: the findings, two lines each: `RULE_ID severity path` (`(root)` for an
//!   empty path), then the message indented by two spaces. Only the directory's rule is
//!   compared unless a `# rules: all` line says otherwise. An empty list means the rule does
//!   not fire: a near miss. Lines starting with `#` are directives or comments:
//!   `# set: RULE=severity`, `# max-fields: N`, `# personal-data: NAME`, `# shared`,
//!   `# event-type: NAME`, `# rules: all`.
//!
//! Every rule needs a case where it fires and a near miss, enforced below. Set
//! `UPDATE_EXPECT=1` to rewrite `expected.txt` from the results (directives are kept).

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use stele_engine::lint::{self, LintConfig, LintFinding, Severity};
use stele_engine::{Dependency, Format, ParseOptions, Schema};

fn cases_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint")
}

fn schema_file(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_stem().and_then(|s| s.to_str()) == Some("schema"))
        .collect();
    found.sort();
    found.into_iter().next()
}

fn find_cases(dir: &Path, out: &mut Vec<PathBuf>) {
    if schema_file(dir).is_some() {
        out.push(dir.to_path_buf());
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for entry in entries.into_iter().filter(|p| p.is_dir()) {
        find_cases(&entry, out);
    }
}

/// The rule a case belongs to: the first directory below the root.
fn rule_of(case: &Path) -> String {
    case.strip_prefix(cases_root())
        .expect("case below root")
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .unwrap_or("")
        .to_string()
}

struct Directives {
    config: LintConfig,
    all_rules: bool,
}

fn directives(expected: &str) -> Result<Directives, String> {
    let mut d = Directives {
        config: LintConfig::default(),
        all_rules: false,
    };
    for line in expected.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let rest = rest.trim();
        if let Some(set) = rest.strip_prefix("set:") {
            let (id, severity) = set.trim().split_once('=').ok_or("`# set: RULE=severity`")?;
            let severity: Severity = severity.trim().parse()?;
            d.config
                .set(id.trim(), severity)
                .map_err(|e| e.to_string())?;
        } else if let Some(max) = rest.strip_prefix("max-fields:") {
            d.config.max_fields = max.trim().parse().map_err(|_| "bad max-fields")?;
        } else if let Some(name) = rest.strip_prefix("personal-data:") {
            d.config.personal_data.push(name.trim().to_string());
        } else if let Some(name) = rest.strip_prefix("event-type:") {
            d.config.event_type = Some(name.trim().to_string());
        } else if rest == "shared" {
            d.config.shared_type = true;
        } else if rest == "rules: all" {
            d.all_rules = true;
        }
    }
    Ok(d)
}

fn render(findings: &[LintFinding]) -> Vec<String> {
    findings
        .iter()
        .flat_map(|f| {
            let path = if f.path.is_empty() { "(root)" } else { &f.path };
            [
                format!("{} {} {path}", f.rule, f.severity),
                format!("  {}", f.message),
            ]
        })
        .collect()
}

fn run_case(case: &Path) -> Result<String, String> {
    let file = schema_file(case).ok_or("no schema file")?;
    let format = Format::from_extension(&file.to_string_lossy())
        .ok_or("schema file has no .avsc, .proto or .json extension")?;
    let text = fs::read_to_string(&file).map_err(|e| e.to_string())?;
    let refs = support::read_refs(&case.join("refs"));
    let schema = Schema::parse(format, &text, &refs, ParseOptions::default())
        .map_err(|e| format!("schema does not parse: {e}"))?;
    let expected_path = case.join("expected.txt");
    let expected = fs::read_to_string(&expected_path).unwrap_or_default();
    let d = directives(&expected)?;
    let rule = rule_of(case);
    let findings: Vec<LintFinding> = lint::lint(&schema, &d.config)
        .into_iter()
        .filter(|f| d.all_rules || f.rule.as_str() == rule)
        .collect();
    for finding in &findings {
        if finding.message.trim().is_empty() || finding.message.ends_with('.') {
            return Err(format!(
                "message is empty or ends with a period: {}",
                finding.message
            ));
        }
    }
    let actual = render(&findings);
    let wanted: Vec<String> = expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    if actual == wanted {
        return Ok(String::new());
    }
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let mut text: String = expected
            .lines()
            .filter(|l| l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        for line in &actual {
            text.push_str(line);
            text.push('\n');
        }
        fs::write(&expected_path, text).map_err(|e| e.to_string())?;
        return Ok(format!("updated {}", expected_path.display()));
    }
    Err(format!(
        "findings differ\nexpected:\n{}\nactual:\n{}",
        wanted.join("\n"),
        actual.join("\n")
    ))
}

#[test]
fn lint_cases() {
    let mut cases = Vec::new();
    find_cases(&cases_root(), &mut cases);
    assert!(!cases.is_empty(), "no lint cases found");
    let mut failures = Vec::new();
    for case in &cases {
        match run_case(case) {
            Ok(note) if note.is_empty() => {}
            Ok(note) => eprintln!("{note}"),
            Err(why) => failures.push(format!(
                "{}: {why}",
                case.strip_prefix(cases_root()).unwrap_or(case).display()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} lint cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Every rule has a case where it fires and a near miss where it does not, and every case
/// directory is named after a rule.
#[test]
fn every_rule_has_a_firing_case_and_a_near_miss() {
    let mut problems = Vec::new();
    for entry in fs::read_dir(cases_root()).expect("tests/lint exists") {
        let name = entry.expect("readable").file_name();
        let name = name.to_string_lossy();
        if lint::rule(&name).is_none() {
            problems.push(format!("tests/lint/{name} is not a lint rule"));
        }
    }
    for rule in lint::RULES {
        let mut cases = Vec::new();
        find_cases(&cases_root().join(rule.id.as_str()), &mut cases);
        let fires_in = |case: &PathBuf| {
            fs::read_to_string(case.join("expected.txt")).is_ok_and(|t| {
                t.lines()
                    .any(|l| l.split_whitespace().next() == Some(rule.id.as_str()))
            })
        };
        let fires = cases.iter().any(fires_in);
        let near_miss = cases.iter().any(|c| !fires_in(c));
        if !fires || !near_miss {
            problems.push(format!(
                "{} (fires: {fires}, near miss: {near_miss})",
                rule.id
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The example contracts in `schemas/` as the lint sees them: this pins what fires on them, so
/// a change to a rule that alters the verdict on real contracts shows up here.
#[test]
fn example_contracts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let read = |path: &str| fs::read_to_string(root.join(path)).expect("example schema exists");
    let avro_refs = [Dependency::new(
        "shop.common.Envelope",
        read("common/envelope.avsc"),
    )];
    let proto_refs = [
        Dependency::new("shop/common/envelope.proto", read("common/envelope.proto")),
        Dependency::new("shop/common/money.proto", read("common/money.proto")),
    ];
    let json_refs = [Dependency::new(
        "envelope.json",
        read("common/envelope.json"),
    )];
    let events: [(&str, &[Dependency]); 10] = [
        ("orders/order_placed/v3.avsc", &avro_refs),
        ("orders/order_confirmed/v1.avsc", &avro_refs),
        ("orders/order_shipped/v1.avsc", &avro_refs),
        ("payments/payment_captured/v2.proto", &proto_refs),
        ("payments/payment_failed/v1.proto", &proto_refs),
        ("payments/payment_refunded/v1.proto", &proto_refs),
        ("inventory/inventory_reserved/v1.json", &json_refs),
        ("inventory/inventory_reservation_failed/v1.json", &json_refs),
        ("users/user_signed_up/v2.json", &json_refs),
        ("common/envelope.avsc", &[]),
    ];
    let mut actual = String::new();
    for (path, refs) in events {
        let format = Format::from_extension(path).expect("known extension");
        let schema = Schema::parse(format, &read(path), refs, ParseOptions::default())
            .expect("example parses");
        let config = LintConfig {
            shared_type: path.starts_with("common/"),
            ..LintConfig::default()
        };
        for line in render(&lint::lint(&schema, &config)) {
            if !line.starts_with("  ") {
                actual.push_str(&format!("{path}: {line}\n"));
            }
        }
    }
    let expected_path = cases_root().join("../lint-examples.txt");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(&expected_path, &actual).expect("write lint-examples.txt");
        return;
    }
    let expected = fs::read_to_string(&expected_path).unwrap_or_default();
    assert!(
        expected == actual,
        "lint of schemas/ changed\nexpected:\n{expected}\nactual:\n{actual}\n\
         (UPDATE_EXPECT=1 rewrites tests/lint-examples.txt)"
    );
}

/// Every schema among the compatibility rule cases (hundreds of odd but valid schemas in all
/// three formats) lints without trouble, and every finding is well formed.
#[test]
fn every_compatibility_case_schema_lints() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .file_stem()
                .is_some_and(|stem| stem == "old" || stem == "new")
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases"),
        &mut files,
    );
    let mut linted = 0;
    for file in &files {
        let Some(format) = Format::from_extension(&file.to_string_lossy()) else {
            continue;
        };
        let Ok(text) = fs::read_to_string(file) else {
            continue;
        };
        let dir = file.parent().expect("a case file is in a directory");
        let refs = support::read_refs(&dir.join("refs"));
        let Ok(schema) = Schema::parse(format, &text, &refs, ParseOptions::default()) else {
            continue;
        };
        for shared_type in [false, true] {
            let config = LintConfig {
                shared_type,
                ..LintConfig::default()
            };
            for finding in lint::lint(&schema, &config) {
                assert!(
                    lint::rule(finding.rule.as_str()).is_some()
                        && !finding.message.is_empty()
                        && !finding.message.ends_with('.')
                        && finding.severity != Severity::Off,
                    "{}: {finding:?}",
                    file.display()
                );
            }
        }
        linted += 1;
    }
    assert!(linted > 100, "only {linted} schemas linted");
}
