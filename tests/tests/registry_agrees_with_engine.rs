//! The registry and the engine never disagree: every history in `schemas/` registers with the
//! registry at its level, and for deliberately broken next versions the registry's
//! `/compatibility` answer (verdict and verbose messages) is exactly the engine's report, which
//! is also what `stele check` prints for the same files.
//!
//! The registry runs in-process (`app()` over a temp-dir SQLite file) and is driven with
//! `oneshot` requests, so no socket or client is involved; its own tests cover HTTP.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use stele_engine::{CheckOptions, Dependency, Format, Level, ParseOptions, Schema, Versioned};
use stele_registry::service::Api;
use stele_registry::store::sqlite::SqliteStore;
use stele_registry::{AppState, Config, app};
use tower::ServiceExt;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the repository")
        .to_path_buf()
}

fn read(relative: &str) -> String {
    fs::read_to_string(repo_root().join(relative)).unwrap()
}

/// A referenced schema: the name the contracts use, the subject it is registered under, and
/// its file.
struct Reference {
    name: &'static str,
    file: &'static str,
}

/// What each format's contracts reference, dependencies first.
fn references(format: Format) -> Vec<Reference> {
    match format {
        Format::Avro => vec![Reference {
            name: "shop.common.Envelope",
            file: "schemas/common/envelope.avsc",
        }],
        Format::Protobuf => vec![
            Reference {
                name: "shop/common/envelope.proto",
                file: "schemas/common/envelope.proto",
            },
            Reference {
                name: "shop/common/money.proto",
                file: "schemas/common/money.proto",
            },
        ],
        Format::Json => vec![Reference {
            name: "envelope.json",
            file: "schemas/common/envelope.json",
        }],
    }
}

/// The level each format's histories keep (closed JSON objects evolve backward only; see
/// `schemas/README.md`).
fn level(format: Format) -> Level {
    match format {
        Format::Json => Level::BACKWARD_TRANSITIVE,
        _ => Level::FULL_TRANSITIVE,
    }
}

/// Every event directory under `schemas/` with its version files in order.
fn histories() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for domain in ["orders", "payments", "inventory", "users"] {
        let mut events: Vec<PathBuf> = fs::read_dir(repo_root().join("schemas").join(domain))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        events.sort();
        for event in events {
            let mut versions: Vec<(u32, String)> = fs::read_dir(&event)
                .unwrap()
                .filter_map(|e| {
                    let path = e.unwrap().path();
                    let number = path
                        .file_stem()?
                        .to_str()?
                        .strip_prefix('v')?
                        .parse()
                        .ok()?;
                    let relative = path.strip_prefix(repo_root()).ok()?.to_str()?.to_string();
                    Some((number, relative))
                })
                .collect();
            versions.sort();
            out.push(versions.into_iter().map(|(_, path)| path).collect());
        }
    }
    out
}

struct Registry {
    router: Api,
    _dir: tempfile::TempDir,
}

impl Registry {
    async fn start() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("registry.db").display());
        let store = SqliteStore::open(&url).await.unwrap();
        let router = app(AppState::new(std::sync::Arc::new(store), Config::default()));
        Registry { router, _dir: dir }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/vnd.schemaregistry.v1+json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

fn encode(subject: &str) -> String {
    subject.replace('/', "%2F")
}

fn body(format: Format, text: &str) -> Value {
    let references: Vec<Value> = references(format)
        .iter()
        .map(|r| json!({"name": r.name, "subject": r.name, "version": 1}))
        .collect();
    json!({"schema": text, "schemaType": format.as_str(), "references": references})
}

fn dependencies(format: Format) -> Vec<Dependency> {
    references(format)
        .iter()
        .map(|r| Dependency::new(r.name, read(r.file)))
        .collect()
}

/// The engine's report for `new` as the next version after `history`.
fn engine_report(format: Format, history: &[String], new: &str) -> stele_engine::Report {
    let deps = dependencies(format);
    let parse = |text: &str| Schema::parse(format, text, &deps, ParseOptions::default()).unwrap();
    let previous: Vec<Schema> = history.iter().map(|text| parse(text)).collect();
    let new = parse(new);
    let versioned: Vec<Versioned<'_>> = previous
        .iter()
        .zip(1..)
        .map(|(schema, version)| Versioned { version, schema })
        .collect();
    let next = i32::try_from(history.len()).unwrap() + 1;
    stele_engine::check(
        level(format),
        Versioned {
            version: next,
            schema: &new,
        },
        &versioned,
        CheckOptions::default(),
    )
}

/// Ways to break a contract's latest version, per format: each yields a changed text.
fn breakages(format: Format, latest: &str) -> Vec<(&'static str, String)> {
    match format {
        Format::Avro => {
            let mut added: Value = serde_json::from_str(latest).unwrap();
            added["fields"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "breakingField", "type": "string", "doc": "no default"}));
            let mut retyped: Value = serde_json::from_str(latest).unwrap();
            let field = retyped["fields"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|f| f["type"] == "string")
                .expect("an Avro contract with a string field");
            field["type"] = json!("boolean");
            vec![
                ("field added without default", added.to_string()),
                ("string field made boolean", retyped.to_string()),
            ]
        }
        Format::Protobuf => {
            let retyped = latest
                .lines()
                .scan(false, |done, line| {
                    let trimmed = line.trim_start();
                    if !*done && trimmed.starts_with("string ") && trimmed.contains(" = ") {
                        *done = true;
                        return Some(line.replacen("string ", "int64 ", 1));
                    }
                    Some(line.to_string())
                })
                .collect::<Vec<_>>()
                .join("\n");
            let repackaged =
                latest.replacen("package shop.payments.v1;", "package shop.payments.v9;", 1);
            vec![
                ("string field made int64", retyped),
                ("package renamed", repackaged),
            ]
        }
        Format::Json => {
            let mut required: Value = serde_json::from_str(latest).unwrap();
            required["properties"]["breakingField"] = json!({"type": "string"});
            required["required"]
                .as_array_mut()
                .unwrap()
                .push(json!("breakingField"));
            let mut narrowed: Value = serde_json::from_str(latest).unwrap();
            let properties = narrowed["properties"].as_object_mut().unwrap();
            let (_, property) = properties
                .iter_mut()
                .find(|(_, p)| p["type"] == "string")
                .expect("a JSON contract with a string property");
            property["maxLength"] = json!(1);
            vec![
                ("required property added", required.to_string()),
                ("string length narrowed", narrowed.to_string()),
            ]
        }
    }
}

#[tokio::test]
async fn registry_verdicts_are_the_engines_over_the_example_contracts() {
    let registry = Registry::start().await;
    for format in Format::ALL {
        for reference in references(format) {
            let (status, answer) = registry
                .call(
                    Method::POST,
                    &format!("/subjects/{}/versions", encode(reference.name)),
                    Some(json!({"schema": read(reference.file), "schemaType": format.as_str()})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{}: {answer}", reference.file);
        }
    }
    let mut checked = 0;
    for files in histories() {
        let format = Format::from_extension(&files[0]).unwrap();
        let subject = files[0].rsplit_once('/').unwrap().0.replace('/', ".");
        let path = encode(&subject);
        let (status, _) = registry
            .call(
                Method::PUT,
                &format!("/config/{path}"),
                Some(json!({"compatibility": level(format).as_str()})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let texts: Vec<String> = files.iter().map(|f| read(f)).collect();
        // Every published version registers: the registry agrees the history is compatible.
        for (file, text) in files.iter().zip(&texts) {
            let (status, answer) = registry
                .call(
                    Method::POST,
                    &format!("/subjects/{path}/versions"),
                    Some(body(format, text)),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{file}: {answer}");
        }
        for (what, broken) in breakages(format, texts.last().unwrap()) {
            let report = engine_report(format, &texts, &broken);
            let (status, answer) = registry
                .call(
                    Method::POST,
                    &format!("/compatibility/subjects/{path}/versions?verbose=true"),
                    Some(body(format, &broken)),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{subject}, {what}: {answer}");
            let label = format!("{subject}, {what}");
            assert!(!report.compatible, "{label}: the engine should refuse it");
            assert_eq!(answer["is_compatible"], json!(false), "{label}: {answer}");
            let messages: Vec<&str> = answer["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap())
                .collect();
            assert_eq!(messages.len(), report.findings.len(), "{label}: {answer}");
            for (message, finding) in messages.iter().zip(&report.findings) {
                assert!(
                    message.contains(finding.rule.as_str()) && message.contains(&finding.message),
                    "{label}: registry says {message:?}, engine says {} {:?}",
                    finding.rule,
                    finding.message
                );
            }
            checked += 1;
        }
    }
    // Nine events, two breakages each.
    assert_eq!(checked, 18);
}
