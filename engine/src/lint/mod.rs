//! Event-contract lint: the practices that keep one schema healthy on its own, as opposed to
//! the compatibility rules in [`crate::rules`], which compare versions.
//!
//! [`lint`] takes a parsed [`Schema`] and a [`LintConfig`] and returns a [`LintFinding`] for
//! every place a rule in [`RULES`] fires: event names that read as commands, integration events
//! without their envelope fields (event id, occurrence time, schema version, correlation id),
//! fields that look like personal data or secrets and are not marked as intended, missing
//! documentation, naming conventions per format, Protobuf enums without an `_UNSPECIFIED`
//! zero value, Avro enums without a default, and schemas too large for a thin event.
//!
//! How it works: each format's walker (`avro.rs`, `protobuf.rs`, `json.rs`) reduces the parsed
//! schema to a small `Contract` (in `contract.rs`): the event, the types and fields the schema
//! itself declares with their documentation and tags, and the field names an envelope may
//! provide, referenced types included. The rules in `checks.rs` run over that, so a rule is written
//! once for all three formats. Paths follow the compatibility findings' conventions (JSON
//! pointers through Avro names and JSON Schema keywords, dotted Protobuf names), so the CLI
//! locates lines the same way.
//!
//! What each format treats as "the event", and which marker says a field carries personal data
//! on purpose, is documented in `docs/lint.md` and on each walker. Left out: anything that
//! compares versions, anything needing IO, and JSON Schema `$ref`s to documents that were not
//! supplied (never fetched; their fields simply do not count).

mod avro;
mod checks;
mod contract;
mod json;
mod protobuf;
mod words;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::format::{Format, Schema};
use crate::rules::RuleId;

/// How much a finding matters. Ordered: `Off < Notice < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The rule does not run.
    Off,
    /// Worth knowing; never fails a build.
    Notice,
    /// Should be fixed; fails a build only when the caller asks for it.
    Warning,
    /// Must be fixed: `stele lint` exits 1.
    Error,
}

impl Severity {
    /// Lowercase name, as written in `stele.toml` and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Off => "off",
            Severity::Notice => "notice",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    /// `off`, `notice`, `warning` or `error`, case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(Severity::Off),
            "notice" => Ok(Severity::Notice),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            _ => Err(format!(
                "invalid severity `{s}`: expected off, notice, warning or error"
            )),
        }
    }
}

/// One lint rule: its ID, how much it matters unless configured, the formats it applies to and
/// what it protects.
#[derive(Debug, Clone, Copy)]
pub struct LintRule {
    /// Stable identifier, never renamed or reused; distinct from every compatibility rule ID.
    pub id: RuleId,
    /// Severity when no configuration overrides it.
    pub default_severity: Severity,
    /// The formats the rule checks.
    pub formats: &'static [Format],
    /// Whether the rule judges only events (not shared types such as an envelope).
    pub events_only: bool,
    /// One sentence saying what the rule catches and why; it is the rule's documentation.
    pub purpose: &'static str,
    check: fn(&checks::Input<'_>, &mut Vec<checks::Hit>),
}

pub use checks::{
    AVRO_ENUM_DEFAULT_MISSING, ENUM_VALUE_CASE, ENVELOPE_FIELD_MISSING, EVENT_NAME_PAST_TENSE,
    FIELD_NAME_CASE, FIELD_UNDOCUMENTED, PERSONAL_DATA_FIELD, PROTO_ENUM_VALUE_PREFIX,
    PROTO_ENUM_ZERO_UNSPECIFIED, RULES, SCHEMA_TOO_LARGE, TYPE_NAME_CASE, TYPE_UNDOCUMENTED,
};

/// The lint rule with this ID.
pub fn rule(id: &str) -> Option<&'static LintRule> {
    RULES.iter().find(|rule| rule.id.as_str() == id)
}

/// The field names accepted for each envelope role. Names compare without case, `_` or `-`,
/// so `eventId`, `event_id` and `EventID` are one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeNames {
    /// A unique event id, so consumers can process each event once.
    pub event_id: Vec<String>,
    /// When the fact happened.
    pub occurred_at: Vec<String>,
    /// The version of the schema the producer wrote with.
    pub schema_version: Vec<String>,
    /// An id shared by every event of one request or trace.
    pub correlation_id: Vec<String>,
}

impl Default for EnvelopeNames {
    fn default() -> EnvelopeNames {
        let list = |names: &[&str]| names.iter().map(|n| (*n).to_string()).collect();
        EnvelopeNames {
            event_id: list(&["eventId", "id", "messageId"]),
            occurred_at: list(&["occurredAt", "occurredOn", "timestamp", "eventTime", "time"]),
            schema_version: list(&["schemaVersion", "eventVersion", "version"]),
            correlation_id: list(&["correlationId", "traceId", "traceparent"]),
        }
    }
}

/// Default of [`LintConfig::max_fields`].
pub const DEFAULT_MAX_FIELDS: usize = 50;

/// How to lint one schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintConfig {
    /// Severities that replace rules' defaults, by rule ID (see [`LintConfig::set`]).
    pub severities: BTreeMap<RuleId, Severity>,
    /// `SCHEMA_TOO_LARGE` fires above this many fields.
    pub max_fields: usize,
    /// Field names meant to carry personal data or secrets; `PERSONAL_DATA_FIELD` skips them.
    pub personal_data: Vec<String>,
    /// The field names that satisfy each envelope role.
    pub envelope: EnvelopeNames,
    /// The schema is a shared type (referenced by events, such as an envelope or money type),
    /// not an event: the event-only rules do not run.
    pub shared_type: bool,
    /// Which Protobuf message is the event, by full or short name; by default the file's first
    /// message, the one Confluent's serializers use. Ignored by the other formats.
    pub event_type: Option<String>,
}

impl Default for LintConfig {
    fn default() -> LintConfig {
        LintConfig {
            severities: BTreeMap::new(),
            max_fields: DEFAULT_MAX_FIELDS,
            personal_data: Vec::new(),
            envelope: EnvelopeNames::default(),
            shared_type: false,
            event_type: None,
        }
    }
}

impl LintConfig {
    /// Sets a rule's severity by ID; an unknown ID is an error naming it.
    pub fn set(&mut self, id: &str, severity: Severity) -> Result<(), UnknownRule> {
        let rule = rule(id).ok_or_else(|| UnknownRule(id.to_string()))?;
        self.severities.insert(rule.id, severity);
        Ok(())
    }

    /// The severity `rule` runs at under this configuration.
    pub fn severity(&self, rule: &LintRule) -> Severity {
        self.severities
            .get(&rule.id)
            .copied()
            .unwrap_or(rule.default_severity)
    }
}

/// A rule ID that is not in [`RULES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown lint rule `{0}`; `stele rules --lint` lists them")]
pub struct UnknownRule(pub String);

/// One place a lint rule fires. Serialised by the CLI's JSON output; field names are public
/// API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    /// The rule that fired.
    pub rule: RuleId,
    /// Its severity under the configuration used.
    pub severity: Severity,
    /// Where in the schema: a JSON pointer for Avro and JSON Schema, a dotted name for
    /// Protobuf, as in compatibility findings. Empty for an Avro schema's root.
    pub path: String,
    /// What is wrong and how to fix it, lowercase, no final period.
    pub message: String,
}

/// Every finding of every rule that is not off for `schema`, rule by rule in [`RULES`] order,
/// each rule's findings in the order of the schema text.
pub fn lint(schema: &Schema, config: &LintConfig) -> Vec<LintFinding> {
    let contract = match schema {
        Schema::Avro(parsed) => avro::contract(parsed),
        Schema::Protobuf(parsed) => protobuf::contract(parsed, config.event_type.as_deref()),
        Schema::Json(parsed) => json::contract(parsed),
    };
    let input = checks::Input {
        contract: &contract,
        config,
    };
    let mut out = Vec::new();
    let mut hits = Vec::new();
    for rule in RULES {
        let severity = config.severity(rule);
        if severity == Severity::Off
            || !rule.formats.contains(&contract.format)
            || (rule.events_only && config.shared_type)
        {
            continue;
        }
        hits.clear();
        (rule.check)(&input, &mut hits);
        out.extend(hits.drain(..).map(|hit| LintFinding {
            rule: rule.id,
            severity,
            path: hit.path,
            message: hit.message,
        }));
    }
    out
}

#[cfg(test)]
mod tests;
