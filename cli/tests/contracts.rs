//! End to end over the example contracts in `schemas/`: every history is compatible at
//! `BACKWARD_TRANSITIVE` (Avro and Protobuf also at `FULL_TRANSITIVE`) with its references
//! resolved, and a deliberately broken next version
//! is rejected with the expected finding.
//!
//! These tests live in the CLI crate rather than in the `tests/` workspace member because
//! only a package's own integration tests get `CARGO_BIN_EXE_stele`, which makes cargo build
//! the binary first and gives its exact path. Finding the binary in `target/` from another
//! package would test a stale binary whenever that package is tested alone.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use support::{dir_with, expect, repo_root, stele};

/// The references each format's contracts use, as `--reference` arguments relative to the
/// repository root. Every event carries the shared envelope.
fn references(extension: &str) -> Vec<&'static str> {
    match extension {
        "avsc" => vec!["shop.common.Envelope=schemas/common/envelope.avsc"],
        "proto" => vec![
            "shop/common/envelope.proto=schemas/common/envelope.proto",
            "shop/common/money.proto=schemas/common/money.proto",
        ],
        "json" => vec!["envelope.json=schemas/common/envelope.json"],
        other => panic!("no references known for .{other}"),
    }
}

/// The levels each format's histories keep. JSON Schema objects are closed, so a new optional
/// property is backward compatible only: consumers upgrade before producers (see
/// `schemas/README.md`).
fn levels(extension: &str) -> &'static [&'static str] {
    match extension {
        "json" => &["BACKWARD_TRANSITIVE"],
        _ => &["BACKWARD_TRANSITIVE", "FULL_TRANSITIVE"],
    }
}

/// Every event directory (one holding `v1.*`) with its versions in order, relative to the
/// repository root.
fn histories() -> Vec<Vec<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<Vec<String>>) {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)
            .expect("readable directory")
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        let mut versions: Vec<(u32, String)> = entries
            .iter()
            .filter(|p| p.is_file())
            .filter_map(|p| {
                let stem = p.file_stem()?.to_str()?;
                let number = stem.strip_prefix('v')?.parse().ok()?;
                let relative = p.strip_prefix(root).ok()?.to_str()?.replace('\\', "/");
                Some((number, relative))
            })
            .collect();
        versions.sort();
        if !versions.is_empty() {
            let numbers: Vec<u32> = versions.iter().map(|(n, _)| *n).collect();
            let expected: Vec<u32> = (1..=numbers.len() as u32).collect();
            assert_eq!(numbers, expected, "versions in {} have gaps", dir.display());
            out.push(versions.into_iter().map(|(_, path)| path).collect());
        }
        for entry in entries.iter().filter(|p| p.is_dir()) {
            walk(root, entry, out);
        }
    }
    let root = repo_root();
    let mut out = Vec::new();
    walk(&root, &root.join("schemas"), &mut out);
    out
}

fn extension(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(_, ext)| ext)
}

#[test]
fn every_history_is_compatible() {
    let histories = histories();
    assert!(
        histories.iter().any(|h| h.len() >= 3),
        "at least one event has a history of three versions or more"
    );
    let mut failures = Vec::new();
    for history in &histories {
        // Each version against all earlier ones; a single version against itself, which at
        // least proves it parses with its references.
        let checks: Vec<(usize, &[String])> = if history.len() == 1 {
            vec![(0, &history[..])]
        } else {
            (1..history.len()).map(|n| (n, &history[..n])).collect()
        };
        for (new, earlier) in checks {
            for level in levels(extension(&history[new])) {
                let mut args = vec!["check", history[new].as_str(), "--against"];
                args.extend(earlier.iter().map(String::as_str));
                args.extend(["--compatibility", level]);
                for reference in references(extension(&history[new])) {
                    args.extend(["--reference", reference]);
                }
                let out = stele(&repo_root(), &args);
                let version = earlier.len() + 1;
                let against: Vec<String> = earlier
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, path)| format!("{path} (version {})", i + 1))
                    .collect();
                let numbers: Vec<String> = (1..version).rev().map(|n| n.to_string()).collect();
                let scope = if numbers.len() == 1 {
                    format!("version {}", numbers[0])
                } else {
                    format!("versions {}", numbers.join(", "))
                };
                let expected = format!(
                    "checking {} (version {version}) against {}\n\
                     compatible ({level}, version {version} checked against {scope})\n",
                    history[new],
                    against.join(", ")
                );
                if out.code != 0 || out.stdout != expected || !out.stderr.is_empty() {
                    failures.push(format!(
                        "stele {}\n  exit {}\n{}{}",
                        args.join(" "),
                        out.code,
                        out.stdout,
                        out.stderr
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn copy_schemas(files: &[&str]) -> tempfile::TempDir {
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let text = fs::read_to_string(repo_root().join(f)).expect("contract is readable");
            (f.to_string(), text)
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = texts
        .iter()
        .map(|(f, t)| (f.as_str(), t.as_str()))
        .collect();
    dir_with(&borrowed)
}

/// A fourth OrderPlaced that adds a required field: new consumers could not read the events
/// already in the topic.
#[test]
fn broken_order_placed_is_rejected() {
    let dir = copy_schemas(&[
        "schemas/common/envelope.avsc",
        "schemas/orders/order_placed/v1.avsc",
        "schemas/orders/order_placed/v2.avsc",
        "schemas/orders/order_placed/v3.avsc",
    ]);
    let v3 =
        fs::read_to_string(dir.path().join("schemas/orders/order_placed/v3.avsc")).expect("copied");
    let v4 = v3.replace(
        r#"    {
      "name": "couponCode","#,
        r#"    {
      "name": "giftMessage",
      "type": "string",
      "doc": "Broken on purpose: a new field without a default."
    },
    {
      "name": "couponCode","#,
    );
    assert_ne!(v3, v4);
    fs::write(dir.path().join("schemas/orders/order_placed/v4.avsc"), v4).expect("write v4");
    let out = stele(
        dir.path(),
        &[
            "check",
            "schemas/orders/order_placed/v4.avsc",
            "--against",
            "schemas/orders/order_placed/v1.avsc",
            "schemas/orders/order_placed/v2.avsc",
            "schemas/orders/order_placed/v3.avsc",
            "--compatibility",
            "backward_transitive",
            "--reference",
            "shop.common.Envelope=schemas/common/envelope.avsc",
        ],
    );
    let finding = |writer: u32| {
        format!(
            "error[AVRO_FIELD_ADDED_WITHOUT_DEFAULT]: consumers on version 4 cannot read events \
             written with version {writer}: field `giftMessage` exists in version 4 without a \
             default and is missing from version {writer}\n  \
             --> schemas/orders/order_placed/v4.avsc:73: /fields/giftMessage\n"
        )
    };
    let expected = format!(
        "checking schemas/orders/order_placed/v4.avsc (version 4) against \
         schemas/orders/order_placed/v3.avsc (version 3), \
         schemas/orders/order_placed/v2.avsc (version 2), \
         schemas/orders/order_placed/v1.avsc (version 1)\n\
         \n{}\n{}\n{}\n\
         incompatible: 3 findings (BACKWARD_TRANSITIVE, version 4 checked against versions 3, 2, 1)\n",
        finding(3),
        finding(2),
        finding(1)
    );
    expect(&out, 1, &expected, "");
}

/// A second PaymentCaptured that changes a field's type in place.
#[test]
fn broken_payment_captured_is_rejected() {
    let dir = copy_schemas(&[
        "schemas/common/envelope.proto",
        "schemas/common/money.proto",
        "schemas/payments/payment_captured/v1.proto",
    ]);
    let v1 = fs::read_to_string(
        dir.path()
            .join("schemas/payments/payment_captured/v1.proto"),
    )
    .expect("copied");
    let broken = v1.replace(
        "string provider_reference = 6;",
        "int64 provider_reference = 6;",
    );
    assert_ne!(v1, broken);
    fs::write(dir.path().join("broken.proto"), broken).expect("write");
    let out = stele(
        dir.path(),
        &[
            "check",
            "schemas/payments/payment_captured/v1.proto",
            "broken.proto",
            "--reference",
            "shop/common/envelope.proto=schemas/common/envelope.proto",
            "--reference",
            "shop/common/money.proto=schemas/common/money.proto",
        ],
    );
    expect(
        &out,
        1,
        "\
checking broken.proto (version 2) against schemas/payments/payment_captured/v1.proto (version 1)

error[PROTO_FIELD_SCALAR_KIND_CHANGED]: consumers on version 2 cannot read events written with version 1: field `provider_reference` (number 6) changed type from string in version 1 to int64 in version 2
  --> broken.proto:23: shop.payments.v1.PaymentCaptured.provider_reference

incompatible: 1 finding (BACKWARD, version 2 checked against version 1)
",
        "",
    );
}

/// A second UserSignedUp that makes an optional property required.
#[test]
fn broken_user_signed_up_is_rejected() {
    let dir = copy_schemas(&[
        "schemas/common/envelope.json",
        "schemas/users/user_signed_up/v1.json",
    ]);
    let v1 = fs::read_to_string(dir.path().join("schemas/users/user_signed_up/v1.json"))
        .expect("copied");
    let broken = v1.replace(
        r#""required": ["envelope", "userId", "email", "marketingOptIn"]"#,
        r#""required": ["envelope", "userId", "email", "displayName", "marketingOptIn"]"#,
    );
    assert_ne!(v1, broken);
    fs::write(dir.path().join("broken.json"), broken).expect("write");
    let out = stele(
        dir.path(),
        &[
            "check",
            "schemas/users/user_signed_up/v1.json",
            "broken.json",
            "--reference",
            "envelope.json=schemas/common/envelope.json",
        ],
    );
    expect(
        &out,
        1,
        "\
checking broken.json (version 2) against schemas/users/user_signed_up/v1.json (version 1)

error[JSON_REQUIRED_PROPERTY_ADDED]: consumers on version 2 cannot read events written with version 1: property `displayName` is required in version 2 but may be absent in data written with version 1
  --> broken.json:31: #/required/displayName

incompatible: 1 finding (BACKWARD, version 2 checked against version 1)
",
        "",
    );
}

/// Every file under `schemas/` with the given extension, relative to the repository root.
fn contract_files(extension_wanted: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, ext, out);
            } else if path.extension().and_then(|e| e.to_str()) == Some(ext) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo_root().join("schemas"), extension_wanted, &mut out);
    out.sort();
    out
}

/// The contracts are examples of how we want contracts written: every field, record, message
/// and enum says what it means.
#[test]
fn every_field_is_documented() {
    fn avro(value: &serde_json::Value, at: &str, missing: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                let named_type = matches!(
                    map.get("type").and_then(|t| t.as_str()),
                    Some("record" | "enum" | "fixed")
                );
                let field = map.contains_key("name") && !named_type;
                if (named_type || field) && !map.contains_key("doc") {
                    missing.push(format!("{at}: `{}` has no doc", map["name"]));
                }
                for child in map.values() {
                    avro(child, at, missing);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| avro(i, at, missing)),
            _ => {}
        }
    }
    fn json(value: &serde_json::Value, at: &str, missing: &mut Vec<String>) {
        if let Some(properties) = value.get("properties").and_then(|p| p.as_object()) {
            for (name, schema) in properties {
                if schema.get("description").is_none() {
                    missing.push(format!("{at}: property `{name}` has no description"));
                }
            }
        }
        match value {
            serde_json::Value::Object(map) => map.values().for_each(|v| json(v, at, missing)),
            serde_json::Value::Array(items) => items.iter().for_each(|i| json(i, at, missing)),
            _ => {}
        }
    }
    let mut missing = Vec::new();
    for path in contract_files("avsc") {
        let text = fs::read_to_string(&path).expect("readable");
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        avro(&value, &path.display().to_string(), &mut missing);
    }
    for path in contract_files("json") {
        let text = fs::read_to_string(&path).expect("readable");
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        if value.get("description").is_none() {
            missing.push(format!("{}: the schema has no description", path.display()));
        }
        json(&value, &path.display().to_string(), &mut missing);
    }
    for path in contract_files("proto") {
        let text = fs::read_to_string(&path).expect("readable");
        let lines: Vec<&str> = text.lines().collect();
        for (index, line) in lines.iter().enumerate() {
            let trimmed = line.trim();
            let declaration = trimmed.starts_with("message ")
                || trimmed.starts_with("enum ")
                || (trimmed.ends_with(';')
                    && trimmed.contains(" = ")
                    && !trimmed.starts_with("syntax")
                    && !trimmed.starts_with("option"));
            let documented = index > 0 && lines[index - 1].trim().starts_with("//");
            if declaration && !documented {
                missing.push(format!(
                    "{}:{}: `{trimmed}` has no comment above it",
                    path.display(),
                    index + 1
                ));
            }
        }
    }
    assert!(missing.is_empty(), "\n{}", missing.join("\n"));
}
