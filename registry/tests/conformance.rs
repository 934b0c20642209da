//! Confluent's own compatibility vectors (`shared/conformance/`) through the HTTP API of a real
//! registry, the way `shared/conformance/README.md` ("How to use them in tests", §2) says:
//! per case a fresh subject, `PUT /config/{s}` NONE, register `old` (with `schemaType`,
//! references and metadata), `PUT /config/{s}` BACKWARD, then
//! `POST /compatibility/subjects/{s}/versions/latest` with `new`; `is_compatible` must equal
//! `expected.backward`. An error answer is a failed case. Every failure names its case id.
//!
//! The engine runs the same vectors without HTTP (`engine/tests/conformance.rs`); this test
//! shows the registry adds nothing and loses nothing on the way (request parsing, reference
//! resolution from the store, canonical storage and re-parsing, level handling).
//!
//! Cases with a `lenient` verdict run a second time with `"compatibilityPolicy": "LENIENT"`
//! in the subject's config, and that verdict is compared too.
//!
//! The vectors live beside the repository (`../../shared/conformance` from this crate, or
//! `STELE_CONFORMANCE_DIR`). A missing directory fails the test: it is never skipped silently.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::Server;
use serde_json::{Value, json};

fn conformance_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("STELE_CONFORMANCE_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

fn load(file: &str) -> Vec<Value> {
    let path = conformance_dir().join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "conformance vectors missing at {} ({e}); set STELE_CONFORMANCE_DIR",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// Subject names are sent percent-encoded: case ids are plain, but reference subjects are
/// file names like `google/protobuf/x.proto`.
fn encode(subject: &str) -> String {
    let mut out = String::new();
    for byte in subject.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One case against the running registry: `Ok(verdict)` or the step that failed.
struct CaseRun<'a> {
    server: &'a Server,
    id: &'a str,
    /// (subject in the vector, version in the vector) -> version the registry gave.
    versions: BTreeMap<(String, i64), i64>,
}

impl CaseRun<'_> {
    /// Reference subjects are prefixed per case so that cases do not share versions.
    fn subject(&self, name: &str) -> String {
        format!("case-{}-{name}", self.id)
    }

    async fn set_level(&self, subject: &str, level: &str, policy: &str) -> Result<(), String> {
        let body = json!({ "compatibility": level, "compatibilityPolicy": policy }).to_string();
        let answer = self
            .server
            .put(&format!("/config/{}", encode(subject)), &body)
            .await;
        if answer.status != 200 {
            return Err(format!(
                "PUT /config/{subject} {level}: {} {}",
                answer.status, answer.body
            ));
        }
        Ok(())
    }

    /// The `references` list to send for `entries`, with case-prefixed subjects and the
    /// versions the registry really gave; well-known imports are left out.
    fn references(&self, entries: &[Value]) -> Result<Vec<Value>, String> {
        let mut out = Vec::new();
        for entry in entries {
            if entry.get("well_known").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let name = entry["name"].as_str().ok_or("reference without a name")?;
            let subject = entry["subject"]
                .as_str()
                .ok_or("reference without subject")?;
            let version = entry["version"]
                .as_i64()
                .ok_or("reference without version")?;
            let given = self
                .versions
                .get(&(subject.to_string(), version))
                .ok_or_else(|| format!("reference {subject} v{version} was not registered"))?;
            out.push(json!({
                "name": name,
                "subject": self.subject(subject),
                "version": given,
            }));
        }
        Ok(out)
    }

    /// Registers every referenced file of both sides as its own subject, each subject's
    /// versions in the order the vector numbers them (cf-proto-043 has two versions of one
    /// subject), dependencies of a file before the file.
    async fn register_references(&mut self, case: &Value) -> Result<(), String> {
        let mut files: BTreeMap<(String, i64), &Value> = BTreeMap::new();
        for side in ["old", "new"] {
            let entries = case
                .pointer(&format!("/references/{side}"))
                .and_then(Value::as_array);
            for entry in entries.into_iter().flatten() {
                if entry.get("well_known").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                let subject = entry["subject"]
                    .as_str()
                    .ok_or("reference without subject")?;
                let version = entry["version"]
                    .as_i64()
                    .ok_or("reference without version")?;
                files.insert((subject.to_string(), version), entry);
            }
        }
        // Files only reference files registered earlier in this loop or well-known ones; a
        // few passes settle any order (the vectors have at most one level).
        let mut pending: Vec<((String, i64), &Value)> = files.into_iter().collect();
        while !pending.is_empty() {
            let before = pending.len();
            let mut rest = Vec::new();
            for (key, entry) in pending {
                let nested = entry["references"].as_array().cloned().unwrap_or_default();
                match self.references(&nested) {
                    Ok(references) => {
                        let given = self.register_file(&key.0, entry, references).await?;
                        self.versions.insert(key, given);
                    }
                    Err(_) => rest.push((key, entry)),
                }
            }
            if rest.len() == before {
                return Err(format!("references cannot be ordered: {rest:?}"));
            }
            pending = rest;
        }
        Ok(())
    }

    /// Registers one referenced file; answers the version the registry gave it.
    async fn register_file(
        &self,
        subject: &str,
        entry: &Value,
        references: Vec<Value>,
    ) -> Result<i64, String> {
        let subject = self.subject(subject);
        self.set_level(&subject, "NONE", "STRICT").await?;
        let body = json!({
            "schema": entry["schema"],
            "schemaType": "PROTOBUF",
            "references": references,
        });
        let path = format!("/subjects/{}/versions", encode(&subject));
        let answer = self.server.post(&path, &body.to_string()).await;
        if answer.status != 200 {
            return Err(format!(
                "registering reference {subject}: {} {}",
                answer.status, answer.body
            ));
        }
        // The id does not tell the version: look the schema up under its subject.
        let found = self
            .server
            .post(
                &format!("/subjects/{}", encode(&subject)),
                &body.to_string(),
            )
            .await;
        found.json()["version"]
            .as_i64()
            .ok_or_else(|| format!("looking up reference {subject}: {}", found.body))
    }

    /// The request body for one side of the case.
    fn body(&self, case: &Value, side: &str) -> Result<Value, String> {
        let mut body = json!({
            "schema": case[side],
            "schemaType": case["format"],
        });
        if let Some(entries) = case
            .pointer(&format!("/references/{side}"))
            .and_then(Value::as_array)
        {
            body["references"] = Value::Array(self.references(entries)?);
        }
        if let Some(metadata) = case.pointer(&format!("/metadata/{side}")) {
            body["metadata"] = metadata.clone();
        }
        Ok(body)
    }

    async fn verdict(&mut self, case: &Value, policy: &str) -> Result<bool, String> {
        self.register_references(case).await?;
        let subject = self.subject("value");
        let path = encode(&subject);
        self.set_level(&subject, "NONE", "STRICT").await?;
        let old = self.body(case, "old")?;
        let registered = self
            .server
            .post(&format!("/subjects/{path}/versions"), &old.to_string())
            .await;
        if registered.status != 200 {
            return Err(format!(
                "registering old: {} {}",
                registered.status, registered.body
            ));
        }
        self.set_level(&subject, "BACKWARD", policy).await?;
        let new = self.body(case, "new")?;
        let answer = self
            .server
            .post(
                &format!("/compatibility/subjects/{path}/versions/latest?verbose=true"),
                &new.to_string(),
            )
            .await;
        if answer.status != 200 {
            return Err(format!("checking new: {} {}", answer.status, answer.body));
        }
        let body = answer.json();
        body["is_compatible"]
            .as_bool()
            .ok_or_else(|| format!("no is_compatible in {}", answer.body))
    }
}

/// Runs every case of `file` against a fresh registry; fails naming each failing case.
async fn run(file: &str) {
    let cases = load(file);
    assert!(!cases.is_empty(), "{file} has no cases");
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let mut failures = Vec::new();
    let mut verdicts = 0;
    for case in &cases {
        let id = case["id"].as_str().unwrap_or("?");
        let mut checks = vec![("STRICT", case.pointer("/expected/backward"))];
        if let Some(lenient) = case.pointer("/lenient/backward") {
            checks.push(("LENIENT", Some(lenient)));
        }
        for (policy, expected) in checks {
            verdicts += 1;
            let expected = expected
                .and_then(Value::as_bool)
                .unwrap_or_else(|| panic!("{id}: the {policy} verdict is not a bool"));
            let mut run = CaseRun {
                server: &server,
                id,
                versions: BTreeMap::new(),
            };
            match run.verdict(case, policy).await {
                Ok(got) if got == expected => {}
                Ok(got) => failures.push(format!(
                    "{id} ({policy}): expected is_compatible={expected}, got {got} — {}",
                    case["description"].as_str().unwrap_or("")
                )),
                Err(error) => failures.push(format!("{id} ({policy}): {error}")),
            }
        }
    }
    server.stop().await;
    let passed = verdicts - failures.len();
    eprintln!("{file} through HTTP: {passed}/{verdicts} verdicts match");
    assert!(
        failures.is_empty(),
        "{file}: {} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn json_schema_vectors_through_http() {
    run("json-schema.json").await;
}

#[tokio::test]
async fn protobuf_vectors_through_http() {
    run("protobuf.json").await;
}
