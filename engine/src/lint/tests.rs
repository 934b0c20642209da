//! Unit tests of the rule list, the configuration and the walkers' edge cases. The rules'
//! behaviour on whole schemas is tested as data in `engine/tests/lint/`.

use std::collections::HashSet;

use base64::Engine as _;

use super::*;
use crate::format::ParseOptions;
use crate::references::Dependency;

fn parse(format: Format, text: &str, deps: &[Dependency]) -> Schema {
    Schema::parse(format, text, deps, ParseOptions::default()).expect("test schema parses")
}

fn rules_fired(findings: &[LintFinding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

#[test]
fn ids_are_unique_well_formed_documented_and_not_compatibility_ids() {
    let mut seen = HashSet::new();
    for rule in RULES {
        assert!(seen.insert(rule.id), "duplicate lint rule {}", rule.id);
        assert!(
            crate::rules::get(rule.id).is_none(),
            "{} is also a compatibility rule",
            rule.id
        );
        assert!(
            rule.id
                .as_str()
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
            "{} is not UPPER_SNAKE",
            rule.id
        );
        match rule.formats {
            [Format::Avro] => assert!(rule.id.as_str().starts_with("AVRO_"), "{}", rule.id),
            [Format::Protobuf] => assert!(rule.id.as_str().starts_with("PROTO_"), "{}", rule.id),
            [Format::Json] => assert!(rule.id.as_str().starts_with("JSON_"), "{}", rule.id),
            [] => panic!("{} applies to no format", rule.id),
            _ => {}
        }
        assert!(!rule.purpose.is_empty() && !rule.purpose.ends_with('.'));
        assert_ne!(rule.default_severity, Severity::Off, "{}", rule.id);
        assert_eq!(super::rule(rule.id.as_str()).map(|r| r.id), Some(rule.id));
    }
}

#[test]
fn severities_parse_and_order() {
    assert_eq!("Warning".parse(), Ok(Severity::Warning));
    assert_eq!(" off ".parse(), Ok(Severity::Off));
    assert!("fatal".parse::<Severity>().is_err());
    assert!(Severity::Off < Severity::Notice);
    assert!(Severity::Warning < Severity::Error);
    assert_eq!(Severity::Error.to_string(), "error");
}

#[test]
fn unknown_rule_ids_are_named() {
    let mut config = LintConfig::default();
    assert_eq!(
        config.set("NO_SUCH_RULE", Severity::Error),
        Err(UnknownRule("NO_SUCH_RULE".into()))
    );
    assert!(config.set("FIELD_UNDOCUMENTED", Severity::Error).is_ok());
    // A compatibility rule is not a lint rule.
    assert!(config.set("AVRO_TYPE_CHANGED", Severity::Off).is_err());
}

const PLACE_ORDER: &str = r#"{"type": "record", "name": "PlaceOrder", "fields": [
  {"name": "email", "type": "string"}
]}"#;

#[test]
fn severities_apply_and_off_rules_do_not_run() {
    let schema = parse(Format::Avro, PLACE_ORDER, &[]);
    let findings = lint(&schema, &LintConfig::default());
    assert_eq!(
        rules_fired(&findings),
        [
            "EVENT_NAME_PAST_TENSE",
            "ENVELOPE_FIELD_MISSING",
            "ENVELOPE_FIELD_MISSING",
            "ENVELOPE_FIELD_MISSING",
            "ENVELOPE_FIELD_MISSING",
            "PERSONAL_DATA_FIELD",
            "FIELD_UNDOCUMENTED",
            "TYPE_UNDOCUMENTED",
        ]
    );
    assert_eq!(findings[0].severity, Severity::Warning);
    assert_eq!(findings[1].severity, Severity::Error);
    for finding in &findings {
        assert!(!finding.message.ends_with('.'), "{}", finding.message);
        assert!(
            finding.message.starts_with(|c: char| !c.is_uppercase()),
            "{}",
            finding.message
        );
    }

    let mut config = LintConfig::default();
    config
        .set("ENVELOPE_FIELD_MISSING", Severity::Off)
        .expect("known");
    config
        .set("EVENT_NAME_PAST_TENSE", Severity::Error)
        .expect("known");
    config.personal_data.push("email".into());
    let findings = lint(&schema, &config);
    assert_eq!(
        rules_fired(&findings),
        [
            "EVENT_NAME_PAST_TENSE",
            "FIELD_UNDOCUMENTED",
            "TYPE_UNDOCUMENTED"
        ]
    );
    assert_eq!(findings[0].severity, Severity::Error);
}

#[test]
fn shared_types_skip_the_event_rules() {
    let schema = parse(Format::Avro, PLACE_ORDER, &[]);
    let config = LintConfig {
        shared_type: true,
        ..LintConfig::default()
    };
    let fired = rules_fired(&lint(&schema, &config));
    assert!(!fired.contains(&"EVENT_NAME_PAST_TENSE"));
    assert!(!fired.contains(&"ENVELOPE_FIELD_MISSING"));
    assert!(fired.contains(&"PERSONAL_DATA_FIELD"));
}

#[test]
fn envelope_names_are_configurable_and_compare_loosely() {
    let text = r#"{"type": "record", "name": "OrderPlaced", "fields": [
      {"name": "event_id", "type": "string"},
      {"name": "OccurredAt", "type": "long"},
      {"name": "contractRevision", "type": "int"},
      {"name": "trace_id", "type": "string"}
    ]}"#;
    let schema = parse(Format::Avro, text, &[]);
    let mut config = LintConfig::default();
    config.set("FIELD_NAME_CASE", Severity::Off).expect("known");
    config
        .set("FIELD_UNDOCUMENTED", Severity::Off)
        .expect("known");
    config
        .set("TYPE_UNDOCUMENTED", Severity::Off)
        .expect("known");
    let findings = lint(&schema, &config);
    assert_eq!(rules_fired(&findings), ["ENVELOPE_FIELD_MISSING"]);
    assert!(
        findings[0].message.contains("schema version"),
        "{findings:?}"
    );
    config.envelope.schema_version = vec!["contract_revision".into()];
    assert!(lint(&schema, &config).is_empty());
    // An empty list switches a role off.
    config.envelope.event_id.clear();
    assert!(lint(&schema, &config).is_empty());
}

#[test]
fn avro_roots_that_are_not_records_have_no_event() {
    let schema = parse(Format::Avro, r#"["null", "string"]"#, &[]);
    assert!(lint(&schema, &LintConfig::default()).is_empty());
}

#[test]
fn recursive_avro_types_are_walked_once() {
    let text = r#"{"type": "record", "name": "Node", "doc": "x", "fields": [
      {"name": "children", "doc": "x", "type": {"type": "array", "items": "Node"}},
      {"name": "next", "doc": "x", "type": ["null", "Node"]}
    ]}"#;
    let schema = parse(Format::Avro, text, &[]);
    let config = LintConfig {
        shared_type: true,
        ..LintConfig::default()
    };
    assert!(lint(&schema, &config).is_empty());
}

#[test]
fn json_reference_cycles_end() {
    let text = r##"{"title": "LoopFound", "description": "x", "type": "object",
      "properties": {"a": {"$ref": "#/$defs/A"}},
      "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}}"##;
    let schema = parse(Format::Json, text, &[]);
    let findings = lint(&schema, &LintConfig::default());
    // The cycle leaves `a` undocumented and the definitions too; nothing hangs.
    assert!(rules_fired(&findings).contains(&"FIELD_UNDOCUMENTED"));
}

#[test]
fn protobuf_descriptors_without_source_info_report_no_missing_comments() {
    let text =
        "syntax = \"proto3\";\npackage p;\nmessage ThingHappened {\n  string event_id = 1;\n}\n";
    let descriptor = prost_types::FileDescriptorProto {
        name: Some("thing.proto".into()),
        package: Some("p".into()),
        syntax: Some("proto3".into()),
        message_type: vec![prost_types::DescriptorProto {
            name: Some("ThingHappened".into()),
            field: vec![prost_types::FieldDescriptorProto {
                name: Some("event_id".into()),
                number: Some(1),
                label: Some(prost_types::field_descriptor_proto::Label::Optional as i32),
                r#type: Some(prost_types::field_descriptor_proto::Type::String as i32),
                json_name: Some("eventId".into()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let encoded = base64::engine::general_purpose::STANDARD
        .encode(prost::Message::encode_to_vec(&descriptor));
    let from_source = rules_fired(&lint(
        &parse(Format::Protobuf, text, &[]),
        &LintConfig::default(),
    ));
    assert!(
        from_source.contains(&"FIELD_UNDOCUMENTED"),
        "{from_source:?}"
    );
    assert!(
        from_source.contains(&"TYPE_UNDOCUMENTED"),
        "{from_source:?}"
    );
    let from_descriptor = rules_fired(&lint(
        &parse(Format::Protobuf, &encoded, &[]),
        &LintConfig::default(),
    ));
    assert!(
        !from_descriptor.contains(&"FIELD_UNDOCUMENTED"),
        "{from_descriptor:?}"
    );
    assert!(
        !from_descriptor.contains(&"TYPE_UNDOCUMENTED"),
        "{from_descriptor:?}"
    );
}

#[test]
fn protobuf_event_type_picks_the_event_message() {
    let text = "syntax = \"proto3\";\npackage p;\n// a\nmessage Helper {\n  // a\n  string x = 1;\n}\n// a\nmessage ThingHappened {\n  // a\n  Helper h = 1;\n}\n";
    let schema = parse(Format::Protobuf, text, &[]);
    let first = lint(&schema, &LintConfig::default());
    assert!(
        first
            .iter()
            .any(|f| f.rule == EVENT_NAME_PAST_TENSE && f.path == "p.Helper"),
        "{first:?}"
    );
    for wanted in ["ThingHappened", "p.ThingHappened"] {
        let config = LintConfig {
            event_type: Some(wanted.into()),
            ..LintConfig::default()
        };
        let chosen = lint(&schema, &config);
        assert!(
            !chosen.iter().any(|f| f.rule == EVENT_NAME_PAST_TENSE),
            "{chosen:?}"
        );
        assert!(
            chosen
                .iter()
                .all(|f| f.rule != ENVELOPE_FIELD_MISSING || f.path == "p.ThingHappened")
        );
    }
}

#[test]
fn the_size_rule_states_the_default_limit() {
    let rule = super::rule("SCHEMA_TOO_LARGE").expect("listed");
    assert!(
        rule.purpose
            .contains(&format!("({DEFAULT_MAX_FIELDS} by default)")),
        "{}",
        rule.purpose
    );
}

#[test]
fn self_referring_json_composition_stays_cheap() {
    // Every branch refers back to the root: without a visited set and a budget the envelope
    // search would branch 50 ways at each of many levels.
    let branches: Vec<String> = (0..50).map(|_| r##"{"$ref": "#"}"##.to_string()).collect();
    let text = format!(
        r#"{{"title": "LoopFound", "type": "object", "allOf": [{}],
            "properties": {{"a": {{"allOf": [{}]}}}}}}"#,
        branches.join(","),
        branches.join(",")
    );
    let schema = parse(Format::Json, &text, &[]);
    let findings = lint(&schema, &LintConfig::default());
    assert!(rules_fired(&findings).contains(&"ENVELOPE_FIELD_MISSING"));
}
