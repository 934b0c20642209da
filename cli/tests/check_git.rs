//! `stele check --against git:REF` over throwaway git repositories with a history of schema
//! changes: every verdict, transitive histories, new subjects, references at the ref, policies,
//! and the errors a CI user meets (a missing ref, a broken schema).

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use support::{Output, stele};

/// A git repository in a temporary directory.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::TempDir::new().expect("temp dir"),
        };
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo.git(&["config", "user.email", "ci@example.com"]);
        repo.git(&["config", "user.name", "CI"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.path().join(name);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "--quiet", "-m", message]);
    }

    fn check(&self, args: &[&str]) -> Output {
        stele(self.path(), &[&["check"], args].concat())
    }
}

/// An Avro record `Order` with the given fields (JSON text of each field).
fn order(fields: &[&str]) -> String {
    format!(
        "{{\n  \"type\": \"record\",\n  \"name\": \"Order\",\n  \"namespace\": \"shop\",\n  \"fields\": [\n    {}\n  ]\n}}\n",
        fields.join(",\n    ")
    )
}

const ID: &str = r#"{"name": "id", "type": "string"}"#;
const NOTE: &str = r#"{"name": "note", "type": ["null", "string"], "default": null}"#;
const TOTAL: &str = r#"{"name": "total", "type": "long"}"#;
const TOTAL_DEFAULT: &str = r#"{"name": "total", "type": "long", "default": 0}"#;

fn manifest(level: &str, extra: &str) -> String {
    format!(
        "[project]\nname = \"shop\"\n\n[defaults]\ncompatibility = \"{level}\"\n\n\
         [[subjects]]\nfile = \"schemas/order.avsc\"\ntopic = \"orders\"\n{extra}"
    )
}

#[track_caller]
fn assert_has(output: &Output, code: i32, needles: &[&str]) {
    for needle in needles {
        assert!(
            output.stdout.contains(needle) || output.stderr.contains(needle),
            "expected {needle:?} in the output\n{output:#?}"
        );
    }
    assert_eq!(output.code, code, "exit code\n{output:#?}");
}

#[test]
fn a_compatible_change_passes_and_a_breaking_one_fails_with_its_line() {
    let repo = Repo::new();
    repo.write("stele.toml", &manifest("BACKWARD", ""));
    repo.write("schemas/order.avsc", &order(&[ID]));
    repo.commit("first");

    repo.write("schemas/order.avsc", &order(&[ID, NOTE]));
    assert_has(
        &repo.check(&["--against", "git:main"]),
        0,
        &["orders-value", "compatible"],
    );

    // A field without a default cannot be filled in when reading the old data.
    repo.write("schemas/order.avsc", &order(&[ID, TOTAL]));
    let output = repo.check(&["--against", "git:main"]);
    assert_has(
        &output,
        1,
        &["AVRO_FIELD_ADDED_WITHOUT_DEFAULT", "schemas/order.avsc:7"],
    );
}

#[test]
fn transitive_levels_read_every_earlier_version_on_the_refs_history() {
    let repo = Repo::new();
    repo.write("stele.toml", &manifest("BACKWARD_TRANSITIVE", ""));
    // Version 1 has `total` without a default; version 2 drops it.
    repo.write("schemas/order.avsc", &order(&[ID, TOTAL]));
    repo.commit("v1");
    repo.write("schemas/order.avsc", &order(&[ID]));
    repo.commit("v2");
    // An unrelated commit does not add a version.
    repo.write("README.md", "shop\n");
    repo.commit("docs");

    // Adding `total` back with a type that version 1 data cannot be read as breaks only
    // against version 1, which a non-transitive level never sees.
    let total_string = r#"{"name": "total", "type": "string", "default": ""}"#;
    repo.write("schemas/order.avsc", &order(&[ID, total_string]));
    let transitive = repo.check(&["--against", "git:main"]);
    assert_has(&transitive, 1, &["AVRO_TYPE_CHANGED", "version 1"]);
    assert_has(
        &repo.check(&["--against", "git:main", "-c", "backward"]),
        0,
        &["compatible"],
    );

    // Restoring version 1's field exactly is compatible with both.
    repo.write("schemas/order.avsc", &order(&[ID, TOTAL_DEFAULT]));
    assert_has(&repo.check(&["--against", "git:main"]), 0, &["compatible"]);
}

#[test]
fn a_subject_new_in_the_change_passes_with_a_notice_unless_configured() {
    let repo = Repo::new();
    repo.write("stele.toml", "[project]\nname = \"shop\"\n");
    repo.commit("empty project");
    repo.write("stele.toml", &manifest("BACKWARD", ""));
    repo.write("schemas/order.avsc", &order(&[ID]));
    assert_has(
        &repo.check(&["--against", "git:main"]),
        0,
        &["orders-value", "git:main"],
    );
    repo.write(
        "stele.toml",
        &manifest("BACKWARD", "new-subject = \"error\"\n"),
    );
    assert_has(
        &repo.check(&["--against", "git:main"]),
        1,
        &["orders-value"],
    );
}

#[test]
fn references_resolve_from_the_files_at_the_ref() {
    let repo = Repo::new();
    let money = "syntax = \"proto3\";\npackage shop.common;\nmessage Money {\n  int64 units = 1;\n  string currency = 2;\n}\n";
    let payment = |extra: &str| {
        format!(
            "syntax = \"proto3\";\npackage shop.payments;\nimport \"shop/common/money.proto\";\n\
             message PaymentCaptured {{\n  string id = 1;\n  shop.common.Money amount = 2;\n{extra}}}\n"
        )
    };
    repo.write(
        "stele.toml",
        "[project]\nname = \"shop\"\n\n\
         [[subjects]]\nsubject = \"shop/common/money.proto\"\nfile = \"money.proto\"\n\n\
         [[subjects]]\nfile = \"payment.proto\"\ntopic = \"payments\"\n\
         references = [{ name = \"shop/common/money.proto\", subject = \"shop/common/money.proto\" }]\n",
    );
    repo.write("money.proto", money);
    repo.write("payment.proto", &payment(""));
    repo.commit("payments");

    repo.write("payment.proto", &payment("  string note = 3;\n"));
    assert_has(
        &repo.check(&["--against", "git:main"]),
        0,
        &["payments-value"],
    );

    // Changing a field's wire type in the referenced type breaks the referencing event too.
    repo.write("money.proto", &money.replace("int64 units", "string units"));
    let output = repo.check(&["--against", "git:main", "--subject", "payments-*"]);
    assert_has(&output, 1, &["PROTO_", "shop.common.Money.units"]);
}

#[test]
fn policies_ignore_subjects_and_relax_levels() {
    let repo = Repo::new();
    let policies = "\n[[policies]]\nmatch = \"orders-*\"\ncompatibility = \"NONE\"\n";
    repo.write(
        "stele.toml",
        &format!("{}{policies}", manifest("BACKWARD", "")),
    );
    repo.write("schemas/order.avsc", &order(&[ID]));
    repo.commit("first");
    repo.write("schemas/order.avsc", &order(&[ID, TOTAL]));
    assert_has(&repo.check(&["--against", "git:main"]), 0, &["NONE"]);

    let ignore = "\n[[policies]]\nmatch = \"orders-*\"\nignore = true\n";
    repo.write(
        "stele.toml",
        &format!("{}{ignore}", manifest("BACKWARD", "")),
    );
    assert_has(
        &repo.check(&["--against", "git:main"]),
        0,
        &["ignored: a policy in stele.toml ignores it", "1 ignored"],
    );
}

#[test]
fn bad_refs_and_broken_schemas_are_invalid_input() {
    let repo = Repo::new();
    repo.write("stele.toml", &manifest("BACKWARD", ""));
    repo.write("schemas/order.avsc", &order(&[ID]));
    repo.commit("first");

    assert_has(
        &repo.check(&["--against", "git:no-such-branch"]),
        2,
        &["git:no-such-branch: no such commit"],
    );

    repo.write(
        "schemas/order.avsc",
        "{\"type\": \"record\", \"name\": \"Order\",\n \"fields\": [}\n",
    );
    assert_has(
        &repo.check(&["--against", "git:main"]),
        2,
        &["schemas/order.avsc:2"],
    );

    let outside = tempfile::TempDir::new().expect("temp dir");
    fs::copy(
        repo.path().join("stele.toml"),
        outside.path().join("stele.toml"),
    )
    .expect("copy");
    fs::create_dir_all(outside.path().join("schemas")).expect("mkdir");
    fs::write(outside.path().join("schemas/order.avsc"), order(&[ID])).expect("write");
    assert_has(
        &stele(outside.path(), &["check", "--against", "git:main"]),
        2,
        &["not inside a git repository"],
    );
}

#[test]
fn the_manifest_is_found_above_the_working_directory() {
    let repo = Repo::new();
    repo.write("stele.toml", &manifest("BACKWARD", ""));
    repo.write("schemas/order.avsc", &order(&[ID]));
    repo.commit("first");
    let output = stele(
        &repo.path().join("schemas"),
        &["check", "--against", "git:main"],
    );
    assert_has(&output, 0, &["orders-value"]);
}
