//! `stele check --output text|json|github|junit|sarif`, run as a user would in CI: the example
//! contracts from `schemas/` copied into a temporary repository, one of them changed so that
//! it breaks, and the real binary's output checked. GitHub annotations must land on the right
//! file and line, relative to the repository root, with GitHub's escaping; the JUnit XML must
//! be valid against Jenkins' JUnit XSD (with `xmllint`) and the SARIF against the SARIF 2.1.0
//! schema (both vendored in `tests/fixtures/`, see the README there).

mod support;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::repo_root;

/// What one run of the binary produced.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `stele` in `dir` with GitHub's variables cleared and `env` set.
fn stele(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stele"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_WORKSPACE");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("the stele binary runs");
    Run {
        code: output.status.code().expect("stele exits normally"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// A temporary repository (it has a `.git` directory) holding copies of `files` from this
/// repository's `schemas/`, at the same paths.
fn repository(files: &[&str], git: bool) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().expect("temp dir");
    if git {
        fs::create_dir(dir.path().join(".git")).expect("create .git");
    }
    for file in files {
        let to = dir.path().join(file);
        fs::create_dir_all(to.parent().expect("a parent")).expect("create parent");
        fs::copy(repo_root().join(file), &to).expect("copy a contract");
    }
    dir
}

/// Version 3 of OrderPlaced plus `giftMessage`, a string without a default: consumers on it
/// cannot read events written with version 3. Returns the text and the new field's line.
fn order_placed_v4(v3: &str) -> (String, u32) {
    let last = r#""doc": "Where the order was placed. Added in version 3; events written before it read as WEB."
    }"#;
    assert!(v3.contains(last), "OrderPlaced v3 still ends as expected");
    let v4 = v3.replace(
        last,
        &format!(
            "{last},\n    {{\n      \"name\": \"giftMessage\",\n      \"type\": \"string\"\n    }}"
        ),
    );
    let line = v4
        .lines()
        .position(|l| l.contains(r#""name": "giftMessage""#))
        .expect("the new field is there");
    (v4, u32::try_from(line + 1).expect("small file"))
}

const ORDER_FILES: &[&str] = &[
    "schemas/common/envelope.avsc",
    "schemas/orders/order_placed/v3.avsc",
];

/// The broken OrderPlaced written next to version 3; returns the repository and the line.
fn broken_order_placed(git: bool) -> (tempfile::TempDir, u32) {
    let dir = repository(ORDER_FILES, git);
    let v3 =
        fs::read_to_string(dir.path().join("schemas/orders/order_placed/v3.avsc")).expect("copied");
    let (v4, line) = order_placed_v4(&v3);
    fs::write(dir.path().join("schemas/orders/order_placed/v4.avsc"), v4).expect("write v4");
    (dir, line)
}

/// `stele check` of the broken OrderPlaced, from `schemas/orders` (a subdirectory).
fn check_order_placed(dir: &Path, output: &str, env: &[(&str, &Path)]) -> Run {
    stele(
        &dir.join("schemas/orders"),
        &[
            "check",
            "order_placed/v3.avsc",
            "order_placed/v4.avsc",
            "--reference",
            "shop.common.Envelope=../common/envelope.avsc",
            "--output",
            output,
        ],
        env,
    )
}

const GIFT_MESSAGE: &str = "consumers on version 2 cannot read events written with version 1: \
    field `giftMessage` exists in version 2 without a default and is missing from version 1";

#[test]
fn github_annotation_lands_on_the_file_and_line_from_the_repository_root() {
    let (dir, line) = broken_order_placed(true);
    let out = check_order_placed(dir.path(), "github", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        format!(
            "\
::error file=schemas/orders/order_placed/v4.avsc,line={line},title=AVRO_FIELD_ADDED_WITHOUT_DEFAULT (order_placed/v4.avsc)::{GIFT_MESSAGE}%0Aat /fields/giftMessage%0ABACKWARD, version 2 checked against version 1; version 1 is order_placed/v3.avsc
stele: order_placed/v4.avsc: incompatible (BACKWARD, version 2 checked against version 1)
stele: failed: checked 1 subject: 1 incompatible
"
        )
    );
}

#[test]
fn github_workspace_decides_the_root_in_actions() {
    // No `.git` here: in GitHub Actions the workspace variable names the checkout.
    let (dir, line) = broken_order_placed(false);
    let out = check_order_placed(dir.path(), "github", &[("GITHUB_WORKSPACE", dir.path())]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let first = out.stdout.lines().next().expect("an annotation");
    assert!(
        first.starts_with(&format!(
            "::error file=schemas/orders/order_placed/v4.avsc,line={line},"
        )),
        "{first}"
    );
}

/// UserSignedUp with a new required property whose name holds every character GitHub
/// escapes (and XML's specials), saved under a file name with `,` `%` and a space.
fn odd_user_signed_up() -> (tempfile::TempDir, String) {
    let dir = repository(
        &[
            "schemas/common/envelope.json",
            "schemas/users/user_signed_up/v1.json",
        ],
        true,
    );
    let v1 = fs::read_to_string(dir.path().join("schemas/users/user_signed_up/v1.json"))
        .expect("copied");
    let odd = r#"100% a,b:c\n<x&y>"#;
    let v2 = v1
        .replace(
            r#""marketingOptIn": {"#,
            &format!("\"{odd}\": {{\"type\": \"string\"}},\n    \"marketingOptIn\": {{"),
        )
        .replace(
            r#""required": ["envelope", "userId", "email", "marketingOptIn"]"#,
            &format!(r#""required": ["envelope", "userId", "email", "marketingOptIn", "{odd}"]"#),
        );
    assert_ne!(v1, v2);
    let file = "schemas/users/user_signed_up/odd dir/v2,100%.json";
    fs::create_dir_all(dir.path().join("schemas/users/user_signed_up/odd dir")).expect("mkdir");
    fs::write(dir.path().join(file), v2).expect("write v2");
    (dir, file.to_string())
}

fn check_odd(dir: &Path, file: &str, output: &str) -> Run {
    stele(
        dir,
        &[
            "check",
            "schemas/users/user_signed_up/v1.json",
            file,
            "--reference",
            "envelope.json=schemas/common/envelope.json",
            "--output",
            output,
        ],
        &[],
    )
}

#[test]
fn github_escapes_messages_and_properties() {
    let (dir, file) = odd_user_signed_up();
    let out = check_odd(dir.path(), &file, "github");
    assert_eq!(out.code, 1, "{}", out.stderr);
    let first = out.stdout.lines().next().expect("an annotation");
    let (properties, data) = first
        .strip_prefix("::error ")
        .and_then(|rest| rest.split_once("::"))
        .expect("an error workflow command");
    // `,` and `%` in the file name are escaped; so are `:` `,` `%` and the line break of the
    // property name in the title.
    assert!(
        properties.starts_with("file=schemas/users/user_signed_up/odd dir/v2%2C100%25.json,line="),
        "{properties}"
    );
    assert!(
        properties.ends_with(
            ",title=JSON_REQUIRED_PROPERTY_ADDED (schemas/users/user_signed_up/odd dir/v2%2C100%25.json)"
        ),
        "{properties}"
    );
    // In the message only `%`, CR and LF are escaped.
    assert!(
        data.contains("property `100%25 a,b:c%0A<x&y>` is required in version 2"),
        "{data}"
    );
    assert!(!data.contains('\n') && !properties.contains(['\n', '\r']));
    // The line is the property's entry in `required`, found in the new file.
    let text = fs::read_to_string(dir.path().join(&file)).expect("read v2");
    let line = properties
        .split(',')
        .find_map(|p| p.strip_prefix("line="))
        .expect("a line")
        .parse::<usize>()
        .expect("a number");
    assert!(
        text.lines()
            .nth(line - 1)
            .is_some_and(|l| l.contains("100% a,b:c")),
        "line {line} of {text}"
    );
}

#[test]
fn junit_is_valid_against_the_junit_xsd() {
    let (dir, _) = broken_order_placed(true);
    let broken = check_order_placed(dir.path(), "junit", &[]);
    assert_eq!(broken.code, 1, "{}", broken.stderr);
    assert!(
        broken
            .stdout
            .contains(r#"<failure type="AVRO_FIELD_ADDED_WITHOUT_DEFAULT""#)
    );
    assert!(
        broken
            .stdout
            .contains(r#"tests="1" failures="1" errors="0""#)
    );
    xsd_valid(&broken.stdout);

    let (odd_dir, file) = odd_user_signed_up();
    let odd = check_odd(odd_dir.path(), &file, "junit");
    assert_eq!(odd.code, 1, "{}", odd.stderr);
    assert!(
        odd.stdout.contains("100% a,b:c&#10;&lt;x&amp;y&gt;"),
        "{}",
        odd.stdout
    );
    xsd_valid(&odd.stdout);

    let compatible = stele(
        &repo_root(),
        &[
            "check",
            "schemas/orders/order_placed/v1.avsc",
            "schemas/orders/order_placed/v2.avsc",
            "--reference",
            "shop.common.Envelope=schemas/common/envelope.avsc",
            "--output",
            "junit",
        ],
        &[],
    );
    assert_eq!(compatible.code, 0, "{}", compatible.stderr);
    assert!(
        compatible
            .stdout
            .contains(r#"tests="1" failures="0" errors="0""#)
    );
    xsd_valid(&compatible.stdout);
}

#[test]
fn sarif_is_valid_against_the_sarif_schema() {
    let (dir, line) = broken_order_placed(true);
    let broken = check_order_placed(dir.path(), "sarif", &[]);
    assert_eq!(broken.code, 1, "{}", broken.stderr);
    let log = sarif_valid(&broken.stdout);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "AVRO_FIELD_ADDED_WITHOUT_DEFAULT");
    assert_eq!(result["level"], "error");
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        "schemas/orders/order_placed/v4.avsc"
    );
    assert_eq!(physical["region"]["startLine"], line);
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "stele");
    assert_eq!(driver["rules"][0]["id"], "AVRO_FIELD_ADDED_WITHOUT_DEFAULT");

    let (odd_dir, file) = odd_user_signed_up();
    let odd = check_odd(odd_dir.path(), &file, "sarif");
    assert_eq!(odd.code, 1, "{}", odd.stderr);
    let log = sarif_valid(&odd.stdout);
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "schemas/users/user_signed_up/odd%20dir/v2%2C100%25.json"
    );

    let compatible = stele(
        &repo_root(),
        &[
            "check",
            "schemas/payments/payment_captured/v1.proto",
            "schemas/payments/payment_captured/v2.proto",
            "--reference",
            "shop/common/envelope.proto=schemas/common/envelope.proto",
            "--reference",
            "shop/common/money.proto=schemas/common/money.proto",
            "--output",
            "sarif",
        ],
        &[],
    );
    assert_eq!(compatible.code, 0, "{}", compatible.stderr);
    let log = sarif_valid(&compatible.stdout);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn json_names_the_subject_level_and_versions() {
    let (dir, line) = broken_order_placed(true);
    let out = check_order_placed(dir.path(), "json", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        value,
        serde_json::json!({
            "command": "check",
            "baseline": null,
            "passed": false,
            "summary": {
                "subjects": 1, "compatible": 0, "incompatible": 1, "new": 0, "ignored": 0,
                "invalid": 0, "clean": 0, "with_findings": 0,
                "errors": 1, "warnings": 0, "notices": 0
            },
            "subjects": [{
                "subject": "order_placed/v4.avsc",
                "file": "order_placed/v4.avsc",
                "format": "AVRO",
                "status": "incompatible",
                "level": "BACKWARD",
                "checked": {"version": 2, "label": "order_placed/v4.avsc"},
                "compared": [{"version": 1, "label": "order_placed/v3.avsc"}],
                "note": null,
                "findings": [{
                    "rule": "AVRO_FIELD_ADDED_WITHOUT_DEFAULT",
                    "severity": "error",
                    "category": "wire",
                    "path": "/fields/giftMessage",
                    "message": GIFT_MESSAGE,
                    "reader_version": 2,
                    "writer_version": 1,
                    "file": "order_placed/v4.avsc",
                    "line": line,
                    "column": null
                }]
            }]
        })
    );
}

/// Every output keeps the exit codes: 0 compatible, 1 incompatible, 2 invalid input (with
/// nothing on stdout).
#[test]
fn every_output_keeps_the_exit_codes() {
    let (dir, _) = broken_order_placed(true);
    fs::write(dir.path().join("schemas/orders/order_placed/bad.avsc"), "{").expect("write");
    for output in ["text", "json", "github", "junit", "sarif"] {
        let broken = check_order_placed(dir.path(), output, &[]);
        assert_eq!(broken.code, 1, "{output}: {}", broken.stderr);
        let fine = stele(
            &dir.path().join("schemas/orders"),
            &[
                "check",
                "order_placed/v3.avsc",
                "order_placed/v3.avsc",
                "--reference",
                "shop.common.Envelope=../common/envelope.avsc",
                "--output",
                output,
            ],
            &[],
        );
        assert_eq!(fine.code, 0, "{output}: {}", fine.stderr);
        let invalid = stele(
            &dir.path().join("schemas/orders"),
            &[
                "check",
                "order_placed/v3.avsc",
                "order_placed/bad.avsc",
                "--reference",
                "shop.common.Envelope=../common/envelope.avsc",
                "--output",
                output,
            ],
            &[],
        );
        assert_eq!(invalid.code, 2, "{output}");
        assert_eq!(invalid.stdout, "", "{output}");
        assert!(
            invalid.stderr.starts_with("error: order_placed/bad.avsc"),
            "{output}: {}",
            invalid.stderr
        );
    }
}

/// Progress goes to stderr only on a terminal or with `--verbose`; a test's stderr is a pipe,
/// so single-file runs print none.
#[test]
fn no_progress_on_a_pipe() {
    let (dir, _) = broken_order_placed(true);
    let out = check_order_placed(dir.path(), "text", &[]);
    assert_eq!(out.stderr, "");
}

fn xsd_valid(xml: &str) {
    let Some(xmllint) = tool("xmllint", "Debian's libxml2-utils") else {
        return;
    };
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(xml.as_bytes()).expect("write XML");
    let out = Command::new(xmllint)
        .args(["--noout", "--schema"])
        .arg(fixture("junit-10.xsd"))
        .arg(file.path())
        .output()
        .expect("xmllint runs");
    assert!(
        out.status.success(),
        "not valid against the JUnit XSD: {}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sarif_valid(text: &str) -> serde_json::Value {
    let log: serde_json::Value = serde_json::from_str(text).expect("SARIF is JSON");
    let mut schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(fixture("sarif-schema-2.1.0.json")).expect("vendored schema"),
    )
    .expect("the schema is JSON");
    drop_broken_pattern(&mut schema);
    let validator = jsonschema::draft4::new(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}\n{text}");
    log
}

/// The SARIF schema's pattern for `language` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) has
/// a stray `]` that ECMA-262 tolerates but Rust's regex engine refuses, so the schema would
/// not compile. stele never writes a `language`; the keyword is dropped in memory and the
/// vendored file stays as published.
fn drop_broken_pattern(value: &mut serde_json::Value) {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match value {
        serde_json::Value::Object(map) => {
            if map.get("pattern").and_then(|p| p.as_str()) == Some(BROKEN) {
                map.remove("pattern");
            }
            map.values_mut().for_each(drop_broken_pattern);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_broken_pattern),
        _ => {}
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The external validator `name`, or `None` (said on stderr) when it is missing, unless
/// `STELE_REQUIRE_VALIDATORS=1`, which CI sets: then a missing one fails the test.
fn tool(name: &'static str, package: &str) -> Option<&'static str> {
    if Command::new(name).arg("--version").output().is_ok() {
        return Some(name);
    }
    assert!(
        std::env::var("STELE_REQUIRE_VALIDATORS").as_deref() != Ok("1"),
        "{name} is missing and STELE_REQUIRE_VALIDATORS=1; install {package}"
    );
    eprintln!("skipped: {name} is missing (install {package}); the output is not validated");
    None
}
