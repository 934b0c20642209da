//! Runs every public compatibility vector in `shared/conformance/` (Confluent's own test data)
//! through the engine and compares the BACKWARD verdict (and the LENIENT one where given).
//!
//! The vectors live beside the repository (`../shared/conformance`, or `STELE_CONFORMANCE_DIR`).
//! A missing directory fails the test: it is never skipped silently. Every case whose verdict
//! we deliberately do not follow is listed with its reason in `docs/conformance.md`; this test
//! reads that table and fails on any deviation that is not listed, and on any listed case that
//! no longer deviates, so the document cannot drift.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use stele_engine::{
    CheckOptions, Dependency, Format, Level, ParseOptions, Policy, Schema, Versioned, check,
};

fn conformance_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("STELE_CONFORMANCE_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

fn deviations() -> BTreeMap<String, String> {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/conformance.md");
    let text = fs::read_to_string(&doc).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | `cf-...` | verdict we give | reason |
            let id = cells.get(1)?.trim_matches('`');
            id.starts_with("cf-")
                .then(|| (id.to_string(), cells.get(3).unwrap_or(&"").to_string()))
        })
        .collect()
}

/// Dependencies for one side of a Protobuf case. Well-known files are built into the engine,
/// so they are left out, exactly as a client registering through the API would leave them out.
fn dependencies(case: &Value, side: &str) -> Vec<Dependency> {
    let mut out = Vec::new();
    if let Some(list) = case
        .pointer(&format!("/references/{side}"))
        .and_then(Value::as_array)
    {
        for entry in list {
            if entry.get("well_known").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let (Some(name), Some(schema)) = (
                entry.get("name").and_then(Value::as_str),
                entry.get("schema").and_then(Value::as_str),
            ) else {
                continue;
            };
            out.push(Dependency::new(name, schema));
        }
    }
    out
}

fn verdict(case: &Value, policy: Policy) -> Result<bool, String> {
    let format: Format = case["format"].as_str().unwrap_or("").parse()?;
    let old_text = case["old"].as_str().ok_or("old is not a string")?;
    let new_text = case["new"].as_str().ok_or("new is not a string")?;
    let old = Schema::parse(
        format,
        old_text,
        &dependencies(case, "old"),
        ParseOptions::default(),
    )
    .map_err(|e| format!("old does not parse: {e}"))?;
    let new = Schema::parse(
        format,
        new_text,
        &dependencies(case, "new"),
        ParseOptions::default(),
    )
    .map_err(|e| format!("new does not parse: {e}"))?;
    let report = check(
        Level::BACKWARD,
        Versioned {
            version: 2,
            schema: &new,
        },
        &[Versioned {
            version: 1,
            schema: &old,
        }],
        CheckOptions { policy },
    );
    Ok(report.compatible)
}

#[test]
fn confluent_vectors() {
    let dir = conformance_dir();
    let allowed = deviations();
    let mut deviating = BTreeSet::new();
    let mut unexplained = Vec::new();
    let mut summary = Vec::new();
    for file in ["json-schema.json", "protobuf.json"] {
        let path = dir.join(file);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "conformance vectors missing at {} ({e}); set STELE_CONFORMANCE_DIR",
                path.display()
            )
        });
        let cases: Vec<Value> = serde_json::from_str(&text).expect("vector file is JSON");
        let (mut passed, mut total) = (0, 0);
        for case in &cases {
            let id = case["id"].as_str().unwrap_or("?").to_string();
            let mut checks = vec![(Policy::Strict, case.pointer("/expected/backward"))];
            if let Some(lenient) = case.pointer("/lenient/backward") {
                checks.push((Policy::Lenient, Some(lenient)));
            }
            for (policy, expected) in checks {
                total += 1;
                let expected = expected
                    .and_then(Value::as_bool)
                    .expect("verdict is a bool");
                let label = if policy == Policy::Lenient {
                    format!("{id} (lenient)")
                } else {
                    id.clone()
                };
                match verdict(case, policy) {
                    Ok(got) if got == expected => passed += 1,
                    outcome => {
                        deviating.insert(id.clone());
                        if !allowed.contains_key(&id) {
                            unexplained.push(format!(
                                "{label}: expected compatible={expected}, got {outcome:?} — {}",
                                case["description"].as_str().unwrap_or("")
                            ));
                        }
                    }
                }
            }
        }
        summary.push(format!("{file}: {passed}/{total} verdicts match"));
    }
    eprintln!("{}", summary.join("\n"));
    let stale: Vec<&String> = allowed
        .keys()
        .filter(|id| !deviating.contains(*id))
        .collect();
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "{}\n\nunexplained deviations ({}):\n{}\n\nlisted in docs/conformance.md but passing now: {stale:?}",
        summary.join("\n"),
        unexplained.len(),
        unexplained.join("\n")
    );
}
