//! `stele check --against URL` against a real `stele-registry` process: with both a registry
//! and local files, the CLI's verdict and the registry's `/compatibility` verdict are the same,
//! message for message, over every subject of the example shop, unchanged and with breaking
//! changes in each format. Also: the registry's level applies unless `-c` overrides it, a
//! subject the registry does not know passes with a notice, and an unreachable registry is an
//! error.

mod live;
mod support;

use std::fs;
use std::path::Path;

use live::{Registry, encode};
use serde_json::{Value, json};
use support::{repo_root, stele};

/// A copy of the repository's stele.toml and schemas/ to change freely.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().expect("temp dir");
    copy_dir(&repo_root().join("schemas"), &dir.path().join("schemas"));
    fs::copy(
        repo_root().join("stele.toml"),
        dir.path().join("stele.toml"),
    )
    .expect("copy");
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn run_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let output = stele(dir, &[&["check", "--output", "json"], args].concat());
    let report = serde_json::from_str(&output.stdout)
        .unwrap_or_else(|_| panic!("JSON on stdout\n{output:#?}"));
    (output.code, report)
}

fn schema_type(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("avsc") => "AVRO",
        Some("proto") => "PROTOBUF",
        _ => "JSON",
    }
}

/// The references stele.toml gives each subject, as the registry wants them (latest version).
fn references(dir: &Path, subject: &str, file: &str) -> Value {
    let manifest: toml::Table = fs::read_to_string(dir.join("stele.toml"))
        .expect("manifest")
        .parse()
        .expect("TOML");
    let entries = manifest["subjects"].as_array().expect("subjects");
    let entry = entries
        .iter()
        .find(|e| {
            e.get("subject").and_then(|s| s.as_str()) == Some(subject)
                || format!("schemas/{}", e["file"].as_str().expect("file")) == file
        })
        .expect("the subject is listed");
    let refs = entry
        .get("references")
        .and_then(|r| r.as_array())
        .cloned()
        .unwrap_or_default();
    Value::Array(
        refs.iter()
            .map(|r| {
                json!({
                    "name": r["name"].as_str().expect("name"),
                    "subject": r["subject"].as_str().expect("subject"),
                    "version": -1,
                })
            })
            .collect(),
    )
}

/// The subject's references with each referenced subject's latest registered version, as a
/// client resolves them.
fn latest_references(registry: &Registry, dir: &Path, subject: &str, file: &str) -> Value {
    let mut refs = references(dir, subject, file);
    for r in refs.as_array_mut().expect("array") {
        let latest = registry.get(&format!(
            "/subjects/{}/versions/latest",
            encode(r["subject"].as_str().expect("subject"))
        ));
        r["version"] = latest["version"].clone();
    }
    refs
}

/// Publishes every subject's history (its `history` files, or its current file when it has
/// none) with stele.toml's level, shared types first as stele.toml lists them.
fn publish(registry: &Registry, dir: &Path) {
    let (code, report) = run_json(dir, &[]);
    assert_eq!(code, 0, "the example shop checks clean: {report}");
    for subject in report["subjects"].as_array().expect("subjects") {
        let name = subject["subject"].as_str().expect("name");
        let file = subject["file"].as_str().expect("file");
        let mut files: Vec<String> = subject["compared"]
            .as_array()
            .expect("compared")
            .iter()
            .rev() // newest first in the report
            .map(|v| v["label"].as_str().expect("label").to_string())
            .collect();
        if files.is_empty() {
            files.push(file.to_string());
        }
        let level = subject["level"].as_str().expect("level");
        registry.put(
            &format!("/config/{}", encode(name)),
            json!({ "compatibility": level }),
        );
        for version_file in files {
            let text = fs::read_to_string(dir.join(&version_file)).expect("schema");
            let refs = latest_references(registry, dir, name, file);
            registry.register(name, schema_type(file), &text, refs);
        }
    }
}

/// For every subject of the run, asks the registry's `/compatibility` with the working file
/// and asserts the same verdict and the same messages. Answers how many were incompatible.
fn assert_agreement(registry: &Registry, dir: &Path, report: &Value) -> usize {
    let mut incompatible = 0;
    for subject in report["subjects"].as_array().expect("subjects") {
        let name = subject["subject"].as_str().expect("name");
        let file = subject["file"].as_str().expect("file");
        let text = fs::read_to_string(dir.join(file)).expect("schema");
        let refs = latest_references(registry, dir, name, file);
        let (status, answer) = registry.call(
            "POST",
            &format!(
                "/compatibility/subjects/{}/versions?verbose=true",
                encode(name)
            ),
            Some(json!({ "schema": text, "schemaType": schema_type(file), "references": refs })),
        );
        assert_eq!(status, 200, "{name}: {answer}");
        let cli_compatible = subject["status"] == "compatible";
        assert_eq!(
            answer["is_compatible"].as_bool(),
            Some(cli_compatible),
            "{name}: the registry says {answer}, the CLI says {subject}"
        );
        let messages: Vec<&str> = answer["messages"]
            .as_array()
            .map(|m| m.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let findings = subject["findings"].as_array().expect("findings");
        assert_eq!(
            messages.len(),
            findings.len(),
            "{name}: the registry says {answer}, the CLI says {subject}"
        );
        for (message, finding) in messages.iter().zip(findings) {
            let rule = finding["rule"].as_str().expect("rule");
            let sentence = finding["message"].as_str().expect("message");
            assert!(
                message.contains(rule) && message.contains(sentence),
                "{name}: registry {message:?}, CLI {rule} {sentence:?}"
            );
        }
        if !cli_compatible {
            incompatible += 1;
        }
    }
    incompatible
}

fn replace_in(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).expect("schema");
    assert!(text.contains(from), "{file} contains {from:?}");
    fs::write(path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn the_cli_and_the_registry_give_the_same_verdicts() {
    let registry = Registry::start();
    let dir = workspace();
    publish(&registry, dir.path());

    // Unchanged: every subject compatible, on both sides.
    let (code, report) = run_json(dir.path(), &["--against", &registry.url]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(assert_agreement(&registry, dir.path(), &report), 0);
    assert_eq!(report["summary"]["compatible"], 13, "{report}");

    // Breaking changes in each format, several findings in some.
    replace_in(
        dir.path(),
        "schemas/orders/order_placed/v3.avsc",
        "\"name\": \"customerId\",\n      \"type\": \"string\",",
        "\"name\": \"customerId\",\n      \"type\": \"long\",",
    );
    replace_in(
        dir.path(),
        "schemas/payments/payment_captured/v2.proto",
        "string payment_id = 2;",
        "int64 payment_id = 2;",
    );
    replace_in(
        dir.path(),
        "schemas/users/user_signed_up/v2.json",
        "\"description\": \"The name the customer chose to be greeted with.\",\n      \"type\": \"string\"",
        "\"description\": \"The name the customer chose to be greeted with.\",\n      \"type\": \"integer\"",
    );
    let (code, report) = run_json(dir.path(), &["--against", &registry.url]);
    assert_eq!(code, 1, "{report}");
    let incompatible = assert_agreement(&registry, dir.path(), &report);
    // order_placed, payment_captured and user_signed_up. (A changed reference is not part of
    // this comparison: the registry checks against the referenced versions it holds, the CLI
    // against the working tree's; check_git.rs covers a changed reference.)
    assert_eq!(incompatible, 3, "{report}");
}

#[test]
fn the_registrys_level_applies_unless_overridden() {
    let registry = Registry::start();
    let dir = workspace();
    publish(&registry, dir.path());
    // The registry relaxes OrderPlaced; stele.toml still says FULL_TRANSITIVE.
    registry.put(
        "/config/shop.orders.order-placed-value",
        json!({ "compatibility": "NONE" }),
    );
    replace_in(
        dir.path(),
        "schemas/orders/order_placed/v3.avsc",
        "\"name\": \"customerId\",\n      \"type\": \"string\",",
        "\"name\": \"customerId\",\n      \"type\": \"long\",",
    );
    let only = ["--subject", "shop.orders.order-placed-value"];
    let (code, report) = run_json(
        dir.path(),
        &[&["--against", &registry.url][..], &only].concat(),
    );
    assert_eq!(code, 0, "{report}");
    let subject = &report["subjects"][0];
    assert_eq!(subject["level"], "NONE", "{report}");
    assert!(
        subject["note"].as_str().is_some_and(
            |n| n.contains("stele.toml sets FULL_TRANSITIVE but the registry applies NONE")
        ),
        "{report}"
    );
    let (code, report) = run_json(
        dir.path(),
        &[&["--against", &registry.url, "-c", "backward"][..], &only].concat(),
    );
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["subjects"][0]["level"], "BACKWARD", "{report}");
}

#[test]
fn new_subjects_pass_with_a_notice_and_errors_are_clear() {
    let registry = Registry::start();
    let dir = workspace();
    // Nothing published: every subject is new to the registry.
    let output = stele(dir.path(), &["check", "--against", &registry.url]);
    assert_eq!(output.code, 0, "{output:#?}");
    assert!(output.stdout.contains("13 new"), "{output:#?}");

    // `registry` means the URL in stele.toml.
    let manifest = fs::read_to_string(dir.path().join("stele.toml")).expect("manifest");
    fs::write(
        dir.path().join("stele.toml"),
        manifest.replace("http://127.0.0.1:8081", &registry.url),
    )
    .expect("write");
    let output = stele(
        dir.path(),
        &["check", "--against", "registry", "--output", "github"],
    );
    assert_eq!(output.code, 0, "{output:#?}");
    assert!(output.stdout.contains("::notice"), "{output:#?}");

    // Nobody listens on port 9 of loopback.
    let output = stele(dir.path(), &["check", "--against", "http://127.0.0.1:9"]);
    assert_eq!(output.code, 2, "{output:#?}");
    assert!(output.stderr.contains("127.0.0.1:9"), "{output:#?}");
}
