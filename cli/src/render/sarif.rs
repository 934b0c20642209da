//! SARIF 2.1.0 output, for code-scanning tools (GitHub code scanning's `upload-sarif`, IDE
//! viewers): one SARIF run per stele run, `tool.driver` describing stele and every rule that
//! appears, one result per diagnostic with its file and line, the subject as a logical
//! location, and a partial fingerprint that stays the same while the finding does.
//!
//! Paths are made relative to the repository root and percent-encoded as URI references.
//! GitHub requires `region.startLine` on every result, so a finding whose line is unknown
//! points at line 1 of its file (and says so in its properties). serde_json escapes the
//! strings. It leaves out what stele does not know or would make the output differ from run
//! to run: timestamps, invocation details, artifact hashes.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::{Diagnostic, Run, Settings, Severity, SubjectResult, json as json_output};

/// The schema the output declares (the SARIF 2.1.0 schema as schemastore.org serves it).
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Prints the run as one SARIF log.
pub fn run(out: &mut impl Write, run: &Run, settings: &Settings) -> io::Result<()> {
    json_output::write_json(out, &log(run, settings))
}

/// The SARIF log as a JSON value.
pub fn log(run: &Run, settings: &Settings) -> Value {
    let rule_ids = run.rule_ids();
    let rules: Vec<Value> = rule_ids.iter().map(|id| rule(run, id)).collect();
    let mut results = Vec::new();
    for subject in &run.subjects {
        for diagnostic in subject.reported(run) {
            let index = rule_ids.iter().position(|id| *id == diagnostic.rule);
            results.push(result(run, subject, &diagnostic, index, settings));
        }
    }
    let mut sarif_run = json!({
        "tool": {
            "driver": {
                "name": "stele",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }
        },
        // Separates check and lint results when both are uploaded for one commit.
        "automationDetails": { "id": format!("stele/{}/", run.command.as_str()) },
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(baseline) = &run.baseline
        && let Some(object) = sarif_run.as_object_mut()
    {
        object.insert("properties".into(), json!({ "baseline": baseline }));
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [sarif_run],
    })
}

/// A `reportingDescriptor` for a rule.
fn rule(run: &Run, id: &str) -> Value {
    let info = run.rule(id);
    let mut rule = Map::new();
    rule.insert("id".into(), json!(info.id));
    rule.insert("name".into(), json!(pascal_case(&info.id)));
    rule.insert("shortDescription".into(), json!({ "text": info.summary }));
    rule.insert(
        "fullDescription".into(),
        json!({ "text": info.help.as_deref().unwrap_or(&info.summary) }),
    );
    rule.insert(
        "help".into(),
        json!({ "text": info.help.as_deref().unwrap_or(&info.summary) }),
    );
    if let Some(uri) = &info.help_uri {
        rule.insert("helpUri".into(), json!(uri));
    }
    let level = match run
        .subjects
        .iter()
        .flat_map(|s| s.reported(run))
        .filter(|d| d.rule == id)
        .map(|d| d.severity)
        .min()
    {
        Some(severity) => sarif_level(severity),
        None => "error",
    };
    rule.insert("defaultConfiguration".into(), json!({ "level": level }));
    if let Some(category) = &info.category {
        rule.insert("properties".into(), json!({ "tags": [category] }));
    }
    Value::Object(rule)
}

/// A `result` for one diagnostic.
fn result(
    run: &Run,
    subject: &SubjectResult,
    diagnostic: &Diagnostic,
    rule_index: Option<usize>,
    settings: &Settings,
) -> Value {
    let file = if diagnostic.location.file.is_empty() {
        &subject.file
    } else {
        &diagnostic.location.file
    };
    let uri = uri_reference(&settings.repository_path(file));
    let mut region = Map::new();
    region.insert(
        "startLine".into(),
        json!(diagnostic.location.line.unwrap_or(1)),
    );
    if let (Some(_), Some(column)) = (diagnostic.location.line, diagnostic.column) {
        region.insert("startColumn".into(), json!(column));
    }
    let logical_name = if diagnostic.path.is_empty() {
        subject.subject.clone()
    } else {
        format!("{}:{}", subject.subject, diagnostic.path)
    };

    let mut properties = Map::new();
    properties.insert("subject".into(), json!(subject.subject));
    properties.insert("status".into(), json!(subject.status.as_str()));
    properties.insert("severity".into(), json!(diagnostic.severity.as_str()));
    if !diagnostic.path.is_empty() {
        properties.insert("schemaPath".into(), json!(diagnostic.path));
    }
    if diagnostic.location.line.is_none() {
        properties.insert("lineKnown".into(), json!(false));
    }
    if let Some(level) = subject.level {
        properties.insert("compatibility".into(), json!(level.as_str()));
    }
    if let Some(checked) = &subject.checked {
        properties.insert("version".into(), json!(checked));
        properties.insert("compared".into(), json!(subject.compared));
    }
    if let Some(version) = diagnostic.reader_version {
        properties.insert("readerVersion".into(), json!(version));
    }
    if let Some(version) = diagnostic.writer_version {
        properties.insert("writerVersion".into(), json!(version));
    }

    let mut result = Map::new();
    result.insert("ruleId".into(), json!(diagnostic.rule));
    if let Some(index) = rule_index {
        result.insert("ruleIndex".into(), json!(index));
    }
    result.insert("level".into(), json!(sarif_level(diagnostic.severity)));
    result.insert(
        "message".into(),
        json!({ "text": message(subject, diagnostic) }),
    );
    result.insert(
        "locations".into(),
        json!([{
            "physicalLocation": {
                "artifactLocation": { "uri": uri },
                "region": region,
            },
            "logicalLocations": [{
                "name": subject.subject,
                "fullyQualifiedName": logical_name,
                "kind": "object",
            }],
        }]),
    );
    result.insert(
        "partialFingerprints".into(),
        json!({ "steleFinding/v1": fingerprint(run, subject, diagnostic) }),
    );
    result.insert("properties".into(), Value::Object(properties));
    Value::Object(result)
}

/// The result's message: the sentence, and for a transitive failure which earlier version
/// blocks the change.
fn message(subject: &SubjectResult, diagnostic: &Diagnostic) -> String {
    let mut text = diagnostic.message.clone();
    if let Some(checked) = &subject.checked
        && let Some(blocking) = diagnostic.other_version(checked.version)
        && let Some(label) = subject.label_of(blocking)
    {
        text.push_str(&format!(" (version {blocking} is {label})"));
    }
    text
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "note",
    }
}

/// What identifies a finding across runs whatever its line: command, subject, rule, schema
/// path and the version numbers. FNV-1a, 64 bits, in hex: stable across releases and
/// platforms, unlike the standard library's hasher.
fn fingerprint(run: &Run, subject: &SubjectResult, diagnostic: &Diagnostic) -> String {
    let key = format!(
        "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{:?}\u{0}{:?}",
        run.command.as_str(),
        subject.subject,
        diagnostic.rule,
        diagnostic.path,
        diagnostic.reader_version,
        diagnostic.writer_version
    );
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// `AVRO_FIELD_ADDED_WITHOUT_DEFAULT` as `AvroFieldAddedWithoutDefault`, SARIF's readable
/// rule name.
fn pascal_case(id: &str) -> String {
    id.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let lower = part.to_ascii_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// A path as a URI reference: `/` kept, unreserved characters kept, everything else
/// percent-encoded (so a space, `%`, `#`, `?` or a `:` that would read as a scheme cannot
/// change what it points at). Backslashes become `/`.
pub fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(byte));
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            uri_reference("schemas/odd dir/a,b:c%.avsc"),
            "schemas/odd%20dir/a%2Cb%3Ac%25.avsc"
        );
        assert_eq!(uri_reference("a\\b/é.json"), "a/b/%C3%A9.json");
    }

    #[test]
    fn check_run_results() {
        let log = log(&fixtures::check_run(), &Settings::plain());
        crate::render::validate::sarif(&log);
        let run = &log["runs"][0];
        let rules: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| r["id"].as_str().expect("id"))
            .collect();
        assert_eq!(
            rules,
            [
                "AVRO_FIELD_ADDED_WITHOUT_DEFAULT",
                "NEW_SUBJECT",
                "INVALID_SCHEMA"
            ]
        );
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), 3);
        let first = &results[0];
        assert_eq!(first["ruleId"], "AVRO_FIELD_ADDED_WITHOUT_DEFAULT");
        assert_eq!(first["ruleIndex"], 0);
        assert_eq!(first["level"], "error");
        let location = &first["locations"][0];
        assert_eq!(
            location["physicalLocation"]["artifactLocation"]["uri"],
            "schemas/orders/order_placed/v3.avsc"
        );
        assert_eq!(location["physicalLocation"]["region"]["startLine"], 73);
        assert_eq!(
            location["logicalLocations"][0]["fullyQualifiedName"],
            "shop.orders.order-placed-value:/fields/giftMessage"
        );
        assert!(
            first["message"]["text"]
                .as_str()
                .expect("text")
                .ends_with("(version 1 is schemas/orders/order_placed/v1.avsc)")
        );
        assert_eq!(first["properties"]["compatibility"], "BACKWARD_TRANSITIVE");
        // The new subject's notice has no line: it points at line 1 and says so.
        assert_eq!(results[1]["level"], "note");
        assert_eq!(
            results[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
            1
        );
        assert_eq!(results[1]["properties"]["lineKnown"], false);
        assert_eq!(
            results[2]["locations"][0]["physicalLocation"]["region"],
            json!({"startLine": 4, "startColumn": 3})
        );
        // The fingerprint ignores the line, so a finding that moves keeps its alert.
        let mut moved = fixtures::check_run();
        moved.subjects[0].diagnostics[0].location.line = Some(80);
        let moved = super::log(&moved, &Settings::plain());
        assert_eq!(
            moved["runs"][0]["results"][0]["partialFingerprints"],
            first["partialFingerprints"]
        );
    }

    #[test]
    fn lint_run_levels_and_escaping() {
        let mut out = Vec::new();
        super::run(&mut out, &fixtures::lint_run(), &Settings::plain()).expect("write");
        let text = String::from_utf8(out).expect("UTF-8");
        let log: Value = serde_json::from_str(&text).expect("valid JSON");
        crate::render::validate::sarif(&log);
        let results = log["runs"][0]["results"].as_array().expect("results");
        let levels: Vec<&str> = results
            .iter()
            .map(|r| r["level"].as_str().expect("level"))
            .collect();
        assert_eq!(levels, ["warning", "error", "note"]);
        assert_eq!(
            results[0]["message"]["text"],
            "field `a<b>&\"c\"` has no doc\r\nsecond line 100%"
        );
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "schemas/odd%20dir/a%2Cb%3Ac%25.avsc"
        );
        assert_eq!(log["runs"][0]["automationDetails"]["id"], "stele/lint/");
    }
}
