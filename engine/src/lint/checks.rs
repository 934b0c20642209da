//! The lint rules: the one list, [`RULES`], and each rule's check over a [`Contract`].
//!
//! A check pushes a [`Hit`] (path and message) for every place its rule fires; `lint` in
//! `mod.rs` attaches the rule ID and the configured severity. Checks never see a format's own
//! model, only the [`Contract`] the walkers build, so each rule is written once.

use super::contract::{Contract, Doc, TypeKind};
use super::words::{self, Case, Tense};
use super::{LintConfig, LintRule, Severity};
use crate::format::Format;
use crate::rules::RuleId;

/// What a check reads.
pub(crate) struct Input<'a> {
    pub contract: &'a Contract,
    pub config: &'a LintConfig,
}

/// One place a rule fires.
#[derive(Debug)]
pub(crate) struct Hit {
    pub path: String,
    pub message: String,
}

fn hit(out: &mut Vec<Hit>, path: &str, message: String) {
    out.push(Hit {
        path: path.to_string(),
        message,
    });
}

/// The event name is a fact in the past tense.
pub const EVENT_NAME_PAST_TENSE: RuleId = RuleId("EVENT_NAME_PAST_TENSE");
/// The event carries every envelope field.
pub const ENVELOPE_FIELD_MISSING: RuleId = RuleId("ENVELOPE_FIELD_MISSING");
/// A field looks like personal data or a secret and is not marked as intended.
pub const PERSONAL_DATA_FIELD: RuleId = RuleId("PERSONAL_DATA_FIELD");
/// A field has no documentation.
pub const FIELD_UNDOCUMENTED: RuleId = RuleId("FIELD_UNDOCUMENTED");
/// A type has no documentation.
pub const TYPE_UNDOCUMENTED: RuleId = RuleId("TYPE_UNDOCUMENTED");
/// A field name breaks the format's naming convention.
pub const FIELD_NAME_CASE: RuleId = RuleId("FIELD_NAME_CASE");
/// A type name is not PascalCase.
pub const TYPE_NAME_CASE: RuleId = RuleId("TYPE_NAME_CASE");
/// An enum value is not UPPER_SNAKE_CASE.
pub const ENUM_VALUE_CASE: RuleId = RuleId("ENUM_VALUE_CASE");
/// A proto3 enum's zero value is not an `_UNSPECIFIED` placeholder.
pub const PROTO_ENUM_ZERO_UNSPECIFIED: RuleId = RuleId("PROTO_ENUM_ZERO_UNSPECIFIED");
/// A Protobuf enum value does not start with its enum's name.
pub const PROTO_ENUM_VALUE_PREFIX: RuleId = RuleId("PROTO_ENUM_VALUE_PREFIX");
/// An Avro enum has no default symbol.
pub const AVRO_ENUM_DEFAULT_MISSING: RuleId = RuleId("AVRO_ENUM_DEFAULT_MISSING");
/// The schema has more fields than a thin event should.
pub const SCHEMA_TOO_LARGE: RuleId = RuleId("SCHEMA_TOO_LARGE");

const ALL: &[Format] = &[Format::Avro, Format::Protobuf, Format::Json];

/// Every lint rule, in the order findings are reported.
pub static RULES: &[LintRule] = &[
    LintRule {
        id: EVENT_NAME_PAST_TENSE,
        default_severity: Severity::Warning,
        formats: ALL,
        events_only: true,
        purpose: "an event records a fact that already happened, so its name ends in a past participle (OrderPlaced, PaymentSent), not a command (PlaceOrder); a heuristic over English words",
        check: event_name_past_tense,
    },
    LintRule {
        id: ENVELOPE_FIELD_MISSING,
        default_severity: Severity::Error,
        formats: ALL,
        events_only: true,
        purpose: "an integration event carries an event id (for idempotent consumers), the time it occurred, its schema version and a correlation or trace id, directly or in an envelope type",
        check: envelope_field_missing,
    },
    LintRule {
        id: PERSONAL_DATA_FIELD,
        default_severity: Severity::Warning,
        formats: ALL,
        events_only: false,
        purpose: "a field whose name suggests personal data or a secret (email, phone, card number, password, token...) is flagged unless it is listed in `personal-data` or tagged PII, so sensitive data enters a topic only on purpose",
        check: personal_data_field,
    },
    LintRule {
        id: FIELD_UNDOCUMENTED,
        default_severity: Severity::Notice,
        formats: ALL,
        events_only: false,
        purpose: "every field says what it means (Avro `doc`, a Protobuf comment, a JSON Schema `description`), because consumers in other teams read the schema, not the producer's code",
        check: field_undocumented,
    },
    LintRule {
        id: TYPE_UNDOCUMENTED,
        default_severity: Severity::Notice,
        formats: ALL,
        events_only: false,
        purpose: "every record, enum, message and definition says what it is; an event's documentation says when it is emitted",
        check: type_undocumented,
    },
    LintRule {
        id: FIELD_NAME_CASE,
        default_severity: Severity::Warning,
        formats: ALL,
        events_only: false,
        purpose: "field names follow the format's convention, lowerCamelCase in Avro and JSON Schema and lower_snake_case in Protobuf, so generated code and JSON mappings read naturally",
        check: field_name_case,
    },
    LintRule {
        id: TYPE_NAME_CASE,
        default_severity: Severity::Warning,
        formats: ALL,
        events_only: false,
        purpose: "records, enums, fixed types, messages and JSON Schema definitions are named in PascalCase",
        check: type_name_case,
    },
    LintRule {
        id: ENUM_VALUE_CASE,
        default_severity: Severity::Warning,
        formats: &[Format::Avro, Format::Protobuf],
        events_only: false,
        purpose: "Avro enum symbols and Protobuf enum values are UPPER_SNAKE_CASE",
        check: enum_value_case,
    },
    LintRule {
        id: PROTO_ENUM_ZERO_UNSPECIFIED,
        default_severity: Severity::Error,
        formats: &[Format::Protobuf],
        events_only: false,
        purpose: "a proto3 enum's zero value is what readers see when the field is unset or holds a value they do not know, so it must be an `_UNSPECIFIED` placeholder rather than a real value",
        check: proto_enum_zero_unspecified,
    },
    LintRule {
        id: PROTO_ENUM_VALUE_PREFIX,
        default_severity: Severity::Warning,
        formats: &[Format::Protobuf],
        events_only: false,
        purpose: "Protobuf enum values share their enclosing scope, so each starts with its enum's name in UPPER_SNAKE_CASE (PAYMENT_METHOD_CARD) to avoid collisions",
        check: proto_enum_value_prefix,
    },
    LintRule {
        id: AVRO_ENUM_DEFAULT_MISSING,
        default_severity: Severity::Warning,
        formats: &[Format::Avro],
        events_only: false,
        purpose: "an Avro enum without a default symbol can never gain a symbol: consumers still on the old schema fail on the new one",
        check: avro_enum_default_missing,
    },
    LintRule {
        id: SCHEMA_TOO_LARGE,
        default_severity: Severity::Warning,
        formats: ALL,
        events_only: false,
        purpose: "a schema with more fields than `max-fields` (50 by default) is a document rather than a thin event; consumers couple to every field",
        check: schema_too_large,
    },
];

fn event_name_past_tense(input: &Input<'_>, out: &mut Vec<Hit>) {
    let Some(event) = &input.contract.event else {
        return;
    };
    let Some(name) = &event.name else {
        return;
    };
    match words::event_name(name) {
        Tense::Past => {}
        Tense::Command(verb) => hit(
            out,
            &event.name_path,
            format!(
                "event name `{name}` reads as a command (it starts with the verb `{verb}`); \
                 name the fact that happened, with a past participle last, e.g. `OrderPlaced` \
                 rather than `PlaceOrder`"
            ),
        ),
        Tense::Other(last) => hit(
            out,
            &event.name_path,
            format!(
                "event name `{name}` does not end in a past participle (it ends in `{last}`); \
                 name the fact that happened, e.g. `OrderPlaced` or `PaymentSent`"
            ),
        ),
    }
}

fn envelope_field_missing(input: &Input<'_>, out: &mut Vec<Hit>) {
    let Some(event) = &input.contract.event else {
        return;
    };
    let envelope = &input.config.envelope;
    let roles: [(&str, &str, &[String]); 4] = [
        (
            "event id",
            "consumers deduplicate redelivered events by it",
            &envelope.event_id,
        ),
        (
            "occurrence time",
            "consumers order and window events by when they happened",
            &envelope.occurred_at,
        ),
        (
            "schema version",
            "consumers see which version of the contract an event was written with",
            &envelope.schema_version,
        ),
        (
            "correlation or trace id",
            "the events of one request can be followed across services",
            &envelope.correlation_id,
        ),
    ];
    let present: Vec<String> = event
        .envelope_fields
        .iter()
        .map(|f| words::squash(f))
        .collect();
    for (role, why, accepted) in roles {
        if accepted.is_empty() {
            continue;
        }
        if accepted
            .iter()
            .any(|name| present.contains(&words::squash(name)))
        {
            continue;
        }
        let names: Vec<String> = accepted.iter().map(|n| format!("`{n}`")).collect();
        hit(
            out,
            &event.path,
            format!(
                "the event has no {role} field (one of {}), directly or in an envelope; {why}",
                names.join(", ")
            ),
        );
    }
}

/// Confluent data-contract tags that say a field is known to be sensitive.
const SENSITIVE_TAGS: &[&str] = &["PII", "PHI", "PCI", "SENSITIVE", "SECRET", "CONFIDENTIAL"];

fn personal_data_field(input: &Input<'_>, out: &mut Vec<Hit>) {
    for field in &input.contract.fields {
        let Some(kind) = words::personal_data(&field.name) else {
            continue;
        };
        let allowed = input.config.personal_data.contains(&field.name);
        let tagged = field
            .tags
            .iter()
            .any(|t| SENSITIVE_TAGS.iter().any(|s| t.eq_ignore_ascii_case(s)));
        if allowed || tagged {
            continue;
        }
        let marker = match input.contract.format {
            Format::Avro | Format::Json => "`\"confluent:tags\": [\"PII\"]`",
            Format::Protobuf => "`[(confluent.field_meta).tags = \"PII\"]`",
        };
        hit(
            out,
            &field.path,
            format!(
                "field `{}` looks like {kind}; if the event must carry it, tag it {marker} or \
                 list it in the subject's `personal-data`, otherwise leave it out",
                field.name
            ),
        );
    }
}

fn field_undocumented(input: &Input<'_>, out: &mut Vec<Hit>) {
    let how = doc_keyword(input.contract.format);
    for field in &input.contract.fields {
        if field.doc == Doc::Missing {
            hit(
                out,
                &field.path,
                format!("field `{}` has no documentation; add {how}", field.name),
            );
        }
    }
}

fn type_undocumented(input: &Input<'_>, out: &mut Vec<Hit>) {
    let how = doc_keyword(input.contract.format);
    for ty in &input.contract.types {
        if ty.doc == Doc::Missing {
            let what = match &ty.name {
                Some(name) => format!("{} `{name}`", ty.kind.word()),
                None => format!("the {}", ty.kind.word()),
            };
            hit(
                out,
                &ty.path,
                format!("{what} has no documentation; add {how}"),
            );
        }
    }
}

fn doc_keyword(format: Format) -> &'static str {
    match format {
        Format::Avro => "a `doc`",
        Format::Protobuf => "a comment above it",
        Format::Json => "a `description`",
    }
}

fn field_name_case(input: &Input<'_>, out: &mut Vec<Hit>) {
    let (case, format) = match input.contract.format {
        Format::Avro => (Case::LowerCamel, "Avro"),
        Format::Protobuf => (Case::LowerSnake, "Protobuf"),
        Format::Json => (Case::LowerCamel, "JSON Schema"),
    };
    for field in &input.contract.fields {
        if !case.matches(&field.name) {
            hit(
                out,
                &field.path,
                format!(
                    "field `{}` is not {} as {format} fields are by convention; e.g. `{}`",
                    field.name,
                    case.name(),
                    case.convert(&field.name)
                ),
            );
        }
    }
}

fn type_name_case(input: &Input<'_>, out: &mut Vec<Hit>) {
    for ty in &input.contract.types {
        // A JSON Schema's title is prose and may contain spaces; only definitions are names.
        if ty.kind == TypeKind::Schema {
            continue;
        }
        let Some(name) = &ty.name else { continue };
        if !Case::Pascal.matches(name) {
            hit(
                out,
                &ty.name_path,
                format!(
                    "{} `{name}` is not PascalCase; e.g. `{}`",
                    ty.kind.word(),
                    Case::Pascal.convert(name)
                ),
            );
        }
    }
}

fn enum_value_case(input: &Input<'_>, out: &mut Vec<Hit>) {
    for ty in &input.contract.types {
        let Some(enumeration) = &ty.enumeration else {
            continue;
        };
        for value in &enumeration.values {
            if !Case::UpperSnake.matches(&value.name) {
                hit(
                    out,
                    &value.path,
                    format!(
                        "enum value `{}` is not UPPER_SNAKE_CASE; e.g. `{}`",
                        value.name,
                        Case::UpperSnake.convert(&value.name)
                    ),
                );
            }
        }
    }
}

fn proto_enum_zero_unspecified(input: &Input<'_>, out: &mut Vec<Hit>) {
    for ty in &input.contract.types {
        let Some(enumeration) = ty.enumeration.as_ref().filter(|e| e.proto3) else {
            continue;
        };
        let name = ty.name.as_deref().unwrap_or_default();
        let Some(zero) = enumeration.values.iter().find(|v| v.number == Some(0)) else {
            continue;
        };
        if !zero.name.ends_with("_UNSPECIFIED") {
            hit(
                out,
                &zero.path,
                format!(
                    "the zero value of enum `{name}` is `{}`, which readers also get for an \
                     unset field or a value they do not know; make the first value `{}_UNSPECIFIED = 0`",
                    zero.name,
                    Case::UpperSnake.convert(name)
                ),
            );
        }
    }
}

fn proto_enum_value_prefix(input: &Input<'_>, out: &mut Vec<Hit>) {
    for ty in &input.contract.types {
        let Some(enumeration) = &ty.enumeration else {
            continue;
        };
        let Some(name) = &ty.name else { continue };
        let prefix = format!("{}_", Case::UpperSnake.convert(name));
        for value in &enumeration.values {
            if !value.name.starts_with(&prefix) {
                hit(
                    out,
                    &value.path,
                    format!(
                        "enum value `{}` does not start with `{prefix}`; Protobuf enum values \
                         share the enclosing scope, so unprefixed names collide",
                        value.name
                    ),
                );
            }
        }
    }
}

fn avro_enum_default_missing(input: &Input<'_>, out: &mut Vec<Hit>) {
    for ty in &input.contract.types {
        let Some(enumeration) = ty.enumeration.as_ref().filter(|e| !e.has_default) else {
            continue;
        };
        let name = ty.name.as_deref().unwrap_or_default();
        let example = enumeration
            .values
            .first()
            .map_or_else(|| "UNKNOWN".to_string(), |v| v.name.clone());
        hit(
            out,
            &ty.path,
            format!(
                "enum `{name}` has no default symbol, so a symbol added later breaks consumers \
                 still reading with this version; add e.g. `\"default\": \"{example}\"`"
            ),
        );
    }
}

fn schema_too_large(input: &Input<'_>, out: &mut Vec<Hit>) {
    let count = input.contract.fields.len();
    let max = input.config.max_fields;
    if count > max {
        let path = input
            .contract
            .event
            .as_ref()
            .map_or_else(|| root_path(input.contract.format), |e| e.path.clone());
        hit(
            out,
            &path,
            format!(
                "the schema declares {count} fields, more than {max}; a thin event carries \
                 identifiers and what changed, and consumers fetch the rest"
            ),
        );
    }
}

fn root_path(format: Format) -> String {
    match format {
        Format::Avro | Format::Protobuf => String::new(),
        Format::Json => "#".to_string(),
    }
}
