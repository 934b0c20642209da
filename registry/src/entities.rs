//! The JSON entities of the Confluent API, spelled exactly as clients expect.
//!
//! Requests ignore unknown fields and accept an explicit `null` for every optional field.
//! Responses omit null and empty fields (Confluent's `NON_EMPTY`). `schemaType` is omitted for
//! Avro by default (the 7.x shape, which every client reads as Avro); with
//! [`SchemaTypeField::Always`] every `Schema` and `SchemaString` answer carries it, Avro
//! included (the 8.x shape), for clients that insist on seeing it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use stele_engine::Reference;

use crate::store::StoredSchema;

/// `RegisterSchemaRequest`, the body of register, lookup and compatibility calls.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    /// The schema text.
    #[serde(default)]
    pub schema: Option<String>,
    /// `AVRO` (default), `PROTOBUF` or `JSON`.
    #[serde(default)]
    pub schema_type: Option<String>,
    /// Referenced subject versions.
    #[serde(default)]
    pub references: Option<Vec<ReferenceEntity>>,
    /// Confluent `metadata`.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// Confluent `ruleSet`.
    #[serde(default)]
    pub rule_set: Option<Value>,
    /// Explicit id (IMPORT mode).
    #[serde(default)]
    pub id: Option<i64>,
    /// Explicit version (IMPORT mode).
    #[serde(default)]
    pub version: Option<i64>,
}

/// `SchemaReference`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ReferenceEntity {
    /// The name used inside the schema.
    pub name: String,
    /// The subject holding the referenced schema.
    pub subject: String,
    /// Its version; `-1` means the latest.
    pub version: i32,
}

impl From<&Reference> for ReferenceEntity {
    fn from(reference: &Reference) -> ReferenceEntity {
        ReferenceEntity {
            name: reference.name.clone(),
            subject: reference.subject.clone(),
            version: reference.version,
        }
    }
}

/// Whether `schemaType` appears in `Schema` and `SchemaString` answers for Avro schemas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SchemaTypeField {
    /// Absent for Avro, present for the other formats (Confluent 7.x).
    #[default]
    OmitAvro,
    /// Always present, `"AVRO"` included (Confluent 8.x).
    Always,
}

/// `schemaType` as responses spell it under `field`.
fn response_type(schema_type: &str, field: SchemaTypeField) -> Option<String> {
    (field == SchemaTypeField::Always || schema_type != "AVRO").then(|| schema_type.to_string())
}

fn references(stored: &StoredSchema) -> Vec<ReferenceEntity> {
    stored
        .references
        .iter()
        .map(ReferenceEntity::from)
        .collect()
}

/// `Schema`: a subject version with its schema (GET version, lookup).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectSchema {
    /// The subject.
    pub subject: String,
    /// The version.
    pub version: i32,
    /// The schema id.
    pub id: i32,
    /// Absent for Avro unless [`SchemaTypeField::Always`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_type: Option<String>,
    /// Omitted when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<ReferenceEntity>,
    /// Omitted when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Omitted when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_set: Option<Value>,
    /// The canonical schema text.
    pub schema: String,
}

impl SubjectSchema {
    /// The entity for `subject` version `version` of `stored`, `schemaType` spelled per `field`.
    pub fn new(
        subject: &str,
        version: i32,
        stored: &StoredSchema,
        field: SchemaTypeField,
    ) -> SubjectSchema {
        SubjectSchema {
            subject: subject.to_string(),
            version,
            id: stored.id.0,
            schema_type: response_type(&stored.schema_type, field),
            references: references(stored),
            metadata: stored.metadata.clone(),
            rule_set: stored.rule_set.clone(),
            schema: stored.schema.clone(),
        }
    }
}

/// `SchemaString`: a schema by id, with `subject` and `version` only when asked for.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaById {
    /// The canonical schema text.
    pub schema: String,
    /// Absent for Avro unless [`SchemaTypeField::Always`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_type: Option<String>,
    /// Omitted when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<ReferenceEntity>,
    /// Omitted when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Omitted when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_set: Option<Value>,
    /// The subject asked about, when it uses this schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// That subject's version of this schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// The highest id in the registry, with `fetchMaxId=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_id: Option<i32>,
}

impl SchemaById {
    /// The entity for `stored`, without subject and version, `schemaType` spelled per `field`.
    pub fn new(stored: &StoredSchema, field: SchemaTypeField) -> SchemaById {
        SchemaById {
            schema: stored.schema.clone(),
            schema_type: response_type(&stored.schema_type, field),
            references: references(stored),
            metadata: stored.metadata.clone(),
            rule_set: stored.rule_set.clone(),
            subject: None,
            version: None,
            max_id: None,
        }
    }
}

/// `RegisterSchemaResponse` in the 7.x shape: only `id`, which every client reads.
#[derive(Debug, Serialize)]
pub struct Registered {
    /// The schema id.
    pub id: i32,
}

/// `SubjectVersion`.
#[derive(Debug, Serialize)]
pub struct SubjectVersion {
    /// The subject.
    pub subject: String,
    /// The version.
    pub version: i32,
}

/// `CompatibilityCheckResponse`.
#[derive(Debug, Serialize)]
pub struct CompatibilityAnswer {
    /// Whether the schema may be registered.
    pub is_compatible: bool,
    /// Why not; only with `verbose=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<String>>,
}

/// `Mode` and `ModeUpdateRequest`.
#[derive(Debug, Deserialize, Serialize)]
pub struct ModeEntity {
    /// `READWRITE`, `READONLY`, `READONLY_OVERRIDE`, `IMPORT` or `FORWARD`.
    pub mode: Option<String>,
}
