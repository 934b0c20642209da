//! Loading and validating manifests in temporary directories.

use std::fs;
use std::path::Path;

use super::*;

const AVRO: &str =
    r#"{"type": "record", "name": "OrderPlaced", "namespace": "shop.orders", "fields": []}"#;
const ENVELOPE: &str =
    r#"{"type": "record", "name": "Envelope", "namespace": "shop.common", "fields": []}"#;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().expect("a file has a parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

/// A directory with two schema files and the given manifest.
fn project(manifest: &str) -> (tempfile::TempDir, Result<Project>) {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "schemas/orders/order_placed.avsc", AVRO);
    write(dir.path(), "schemas/common/envelope.avsc", ENVELOPE);
    write(dir.path(), MANIFEST, manifest);
    let loaded = Project::load(&dir.path().join(MANIFEST));
    (dir, loaded)
}

fn error(manifest: &str) -> String {
    let (_dir, loaded) = project(manifest);
    match loaded {
        Ok(project) => panic!("expected an error, loaded {project:?}"),
        Err(err) => {
            let text = format!("{err:#}");
            // Messages name the manifest by the path it was loaded from; keep the file name.
            let at = text
                .find("stele.toml")
                .expect("the message names the manifest");
            text[at..].to_string()
        }
    }
}

const BASE: &str = r#"
[project]
name = "shop"
root = "schemas"

[[subjects]]
subject = "shop.common.Envelope"
file = "common/envelope.avsc"
"#;

#[test]
fn subjects_get_names_defaults_and_policies() {
    let manifest = format!(
        r#"{BASE}
[defaults]
compatibility = "full"
naming = "topic-record"

[lint.rules]
FIELD_UNDOCUMENTED = "warning"

[[subjects]]
file = "orders/order_placed.avsc"
topic = "shop.orders"
references = [{{ name = "shop.common.Envelope", subject = "shop.common.Envelope" }}]
lint = {{ PERSONAL_DATA_FIELD = "off" }}

[[policies]]
match = "shop.orders-*"
compatibility = "NONE"
lint = {{ FIELD_UNDOCUMENTED = "error" }}

[[policies]]
match = "shop.common.*"
ignore = true
"#
    );
    let (_dir, loaded) = project(&manifest);
    let project = loaded.expect("loads");
    let order = project
        .subject("shop.orders-shop.orders.OrderPlaced")
        .expect("named by topic and record");
    assert_eq!(order.level, Level::NONE, "the policy overrides the default");
    assert_eq!(order.format, Format::Avro);
    assert_eq!(order.file.shown, "schemas/orders/order_placed.avsc");
    assert_eq!(order.lint.get("FIELD_UNDOCUMENTED"), Some(&Severity::Error));
    assert_eq!(order.lint.get("PERSONAL_DATA_FIELD"), Some(&Severity::Off));
    assert!(!order.ignored);
    let envelope = project.subject("shop.common.Envelope").expect("explicit");
    assert!(envelope.ignored);
    assert_eq!(envelope.level, Level::FULL);
    assert_eq!(
        envelope.lint.get("FIELD_UNDOCUMENTED"),
        Some(&Severity::Warning)
    );

    let deps = project
        .dependencies(order, &mut |s| Ok(fs::read_to_string(&s.file.path)?))
        .expect("resolves");
    assert_eq!(deps.len(), 1);
    assert_eq!(deps[0].dependency.name, "shop.common.Envelope");
    assert_eq!(deps[0].dependency.text, ENVELOPE);
}

#[test]
fn a_subjects_own_level_wins_over_policies() {
    let manifest = format!(
        r#"{BASE}
[[subjects]]
file = "orders/order_placed.avsc"
topic = "shop.orders"
compatibility = "backward_transitive"

[[policies]]
match = "*"
compatibility = "NONE"
"#
    );
    let (_dir, loaded) = project(&manifest);
    let project = loaded.expect("loads");
    let order = project.subject("shop.orders-value").expect("topic naming");
    assert_eq!(order.level, Level::BACKWARD_TRANSITIVE);
}

#[test]
fn errors_name_the_line_and_key() {
    assert_eq!(
        error(&format!("{BASE}colour = \"blue\"\n")),
        "stele.toml:9:1: unknown field `colour`, expected one of `file`, `format`, `subject`, \
         `topic`, `key`, `record`, `history`, `compatibility`, `normalize`, `new-subject`, \
         `references`, `description`, `owner`, `domain`, `producers`, `consumers`, \
         `personal-data`, `lint`"
    );
    assert_eq!(
        error(&format!(
            "{BASE}\n[[subjects]]\nfile = \"orders/missing.avsc\"\ntopic = \"t\"\n"
        )),
        "stele.toml:11:8: `file`: schemas/orders/missing.avsc does not exist"
    );
    assert_eq!(
        error(&format!("{BASE}compatibility = \"sideways\"\n")),
        "stele.toml:9:17: `compatibility`: invalid compatibility level `sideways`; valid levels \
         are none, backward, backward_transitive, forward, forward_transitive, full and \
         full_transitive"
    );
    assert_eq!(
        error(&format!(
            "{BASE}references = [{{ name = \"x\", subject = \"nobody\" }}]\n"
        )),
        "stele.toml:9:15: `references`: subject `shop.common.Envelope` references `nobody`, \
         which is not a listed subject"
    );
    assert_eq!(
        error(&format!("{BASE}lint = {{ X = \"loud\" }}\n")),
        "stele.toml:9:14: `lint`: unknown severity `loud`; expected off, notice, warning or error"
    );
    assert_eq!(
        error(&format!(
            "{BASE}\n[[subjects]]\nsubject = \"shop.common.Envelope\"\nfile = \"common/envelope.avsc\"\n"
        )),
        "stele.toml:10: subject `shop.common.Envelope` is listed twice (first on line 6)"
    );
    assert_eq!(
        error(&format!(
            "{BASE}\n[[subjects]]\nfile = \"orders/order_placed.avsc\"\n"
        )),
        "stele.toml:11:8: `subject`: the `topic` naming strategy needs `topic = \"...\"` (or set \
         `subject = \"...\"`)"
    );
    assert_eq!(
        error("[project]\nname = \"shop\"\n[defaults]\nnaming = \"by-colour\"\n"),
        "stele.toml:4:10: `defaults.naming`: unknown naming strategy `by-colour`; expected \
         topic, record or topic-record"
    );
}

#[test]
fn reference_cycles_are_named() {
    let manifest = r#"
[project]
name = "shop"
root = "schemas"

[[subjects]]
subject = "a"
file = "common/envelope.avsc"
references = [{ name = "B", subject = "b" }]

[[subjects]]
subject = "b"
file = "orders/order_placed.avsc"
references = [{ name = "A", subject = "a" }]
"#;
    let (_dir, loaded) = project(manifest);
    let project = loaded.expect("loads: cycles are found when resolving");
    let a = project.subject("a").expect("listed");
    let err = project
        .dependencies(a, &mut |s| Ok(fs::read_to_string(&s.file.path)?))
        .expect_err("a cycle");
    assert!(
        format!("{err:#}").ends_with("form a cycle: a -> b -> a"),
        "{err:#}"
    );
}

#[test]
fn dependencies_come_before_dependents() {
    let manifest = r#"
[project]
name = "shop"
root = "schemas"

[[subjects]]
subject = "top"
file = "orders/order_placed.avsc"
references = [{ name = "mid.proto", subject = "mid" }, { name = "base.proto", subject = "base" }]

[[subjects]]
subject = "mid"
file = "common/envelope.avsc"
references = [{ name = "base.proto", subject = "base" }]

[[subjects]]
subject = "base"
file = "common/envelope.avsc"
"#;
    let (_dir, loaded) = project(manifest);
    let project = loaded.expect("loads");
    let top = project.subject("top").expect("listed");
    let deps = project
        .dependencies(top, &mut |s| Ok(s.name.clone()))
        .expect("resolves");
    let order: Vec<(&str, &str)> = deps
        .iter()
        .map(|d| (d.dependency.name.as_str(), d.dependency.text.as_str()))
        .collect();
    assert_eq!(order, [("base.proto", "base"), ("mid.proto", "mid")]);
}
