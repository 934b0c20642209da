//! `stele rules`: the list comes from the engine's one rule list, and `docs/rules.md` is that
//! list's Markdown rendering, kept up to date by `rules_reference_is_up_to_date`.

mod support;

use std::fs;

use stele_engine::rules;
use support::{expect, repo_root, stele};

#[test]
fn text_lists_every_rule() {
    let all: Vec<&rules::Rule> = rules::all().collect();
    let width = all.iter().map(|r| r.id.as_str().len()).max().unwrap_or(0);
    let mut expected = format!("{:width$}  FORMAT    CATEGORY  PURPOSE\n", "RULE");
    for rule in &all {
        let format = match rule.format {
            Some(stele_engine::Format::Avro) => "avro",
            Some(stele_engine::Format::Protobuf) => "protobuf",
            Some(stele_engine::Format::Json) => "json",
            None => "any",
        };
        let deprecated = if rule.deprecated { " (deprecated)" } else { "" };
        expected.push_str(&format!(
            "{:width$}  {format:8}  {:8}  {}{deprecated}\n",
            rule.id.as_str(),
            rule.category.as_str(),
            rule.purpose
        ));
    }
    let out = stele(&repo_root(), &["rules"]);
    expect(&out, 0, &expected, "");
}

#[test]
fn json_lists_every_rule() {
    let out = stele(&repo_root(), &["rules", "--output", "json"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let listed: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    let listed = listed.as_array().expect("an array");
    let all: Vec<&rules::Rule> = rules::all().collect();
    assert_eq!(listed.len(), all.len());
    assert_eq!(
        listed[0],
        serde_json::json!({
            "id": "SCHEMA_TYPE_CHANGED",
            "format": null,
            "category": "wire",
            "purpose": "a subject's versions must keep one schema type; a reader of one format cannot decode another",
            "deprecated": false
        })
    );
    for (entry, rule) in listed.iter().zip(&all) {
        assert_eq!(entry["id"], rule.id.as_str());
        assert_eq!(
            entry["format"],
            serde_json::json!(rule.format.map(|f| f.as_str()))
        );
        assert_eq!(entry["purpose"], rule.purpose);
    }
}

/// `docs/rules.md` is generated; run with `UPDATE_EXPECT=1` to rewrite it after changing rules.
#[test]
fn rules_reference_is_up_to_date() {
    let out = stele(&repo_root(), &["rules", "--markdown"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let path = repo_root().join("docs/rules.md");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(&path, &out.stdout).expect("write docs/rules.md");
        return;
    }
    let current = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == out.stdout,
        "docs/rules.md is out of date; regenerate it with \
         `UPDATE_EXPECT=1 cargo test -p stele-cli --test rules` \
         (or `stele rules --markdown > docs/rules.md`)"
    );
}

#[test]
fn markdown_flag_and_output_conflict() {
    let out = stele(&repo_root(), &["rules", "--markdown", "--output", "json"]);
    assert_eq!(out.code, 2, "{out:?}");
}
