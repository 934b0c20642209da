//! The AsyncAPI 3.0.0 document of a catalog.
//!
//! One channel per topic, one message per event with its payload in its own format (a
//! multi-format schema object: Avro and Protobuf keep their `schemaFormat`, JSON Schema is the
//! JSON itself), one `send` operation per producing application and one `receive` operation per
//! consuming application, descriptions and owners from the catalog. Shared types without a
//! topic and record keys go to `components.schemas`.
//!
//! The document must stay self-contained for AsyncAPI tools, which resolve every `$ref` against
//! the document itself: Avro payloads get the named types of their references written in at
//! their first use, and JSON Schema `$ref`s are rewritten to point into `components.schemas`,
//! where each referenced schema is placed once. Protobuf payloads are the `.proto` text, whose
//! imports AsyncAPI has no way to carry; the catalog pages show them.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value, json};
use stele_engine::{Dependency, Format};

use crate::model::{Catalog, Event, Version};

/// The AsyncAPI schema format of Avro payloads.
pub const AVRO_FORMAT: &str = "application/vnd.apache.avro+json;version=1.9.0";
/// The AsyncAPI schema format of JSON Schema payloads.
pub const JSON_FORMAT: &str = "application/schema+json;version=draft-07";

/// The document as a JSON value (written out as YAML by [`crate::yaml`]).
pub fn document(catalog: &Catalog) -> Value {
    let mut ids = Ids::default();
    let mut channels = Map::new();
    let mut messages = Map::new();
    let mut schemas = Map::new();
    let mut refs = JsonRefs::default();
    // Channel id per topic, and message ids on each channel, in catalog order.
    let mut topic_channels: BTreeMap<&str, (String, Vec<String>)> = BTreeMap::new();
    let mut message_of: HashMap<&str, (String, String)> = HashMap::new();

    for event in &catalog.events {
        let Some(latest) = event.latest() else {
            continue;
        };
        let payload = payload(event, latest, &mut refs, &mut schemas, &mut ids);
        match (&event.topic, event.key) {
            (Some(topic), false) => {
                let message_id = ids.unique(event.title());
                let channel = topic_channels
                    .entry(topic.as_str())
                    .or_insert_with(|| (ids.unique(topic), Vec::new()));
                channel.1.push(message_id.clone());
                message_of.insert(
                    event.subject.as_str(),
                    (channel.0.clone(), message_id.clone()),
                );
                messages.insert(message_id, message(event, latest, payload));
            }
            _ => {
                let schema_id = ids.unique(&event.subject);
                schemas.insert(schema_id, payload);
            }
        }
    }

    // Record keys by topic, found once (a lookup per channel would be quadratic).
    let mut keys_by_topic: HashMap<&str, Vec<&Event>> = HashMap::new();
    for event in catalog.events.iter().filter(|e| e.key) {
        if let Some(topic) = event.topic.as_deref() {
            keys_by_topic.entry(topic).or_default().push(event);
        }
    }
    for (topic, (channel_id, message_ids)) in &topic_channels {
        let mut channel_messages = Map::new();
        for id in message_ids {
            channel_messages.insert(
                id.clone(),
                json!({ "$ref": format!("#/components/messages/{id}") }),
            );
        }
        let mut channel = Map::new();
        channel.insert("address".into(), json!(topic));
        channel.insert("messages".into(), Value::Object(channel_messages));
        if let Some(keys) = keys_by_topic.get(topic) {
            let names: Vec<String> = keys.iter().map(|k| format!("`{}`", k.subject)).collect();
            channel.insert(
                "description".into(),
                json!(format!(
                    "Record keys: {} (see components.schemas).",
                    names.join(", ")
                )),
            );
        }
        if !catalog.servers.is_empty() {
            let servers: Vec<Value> = catalog
                .servers
                .iter()
                .map(|s| json!({ "$ref": format!("#/servers/{}", ids.existing(&s.name)) }))
                .collect();
            channel.insert("servers".into(), Value::Array(servers));
        }
        channels.insert(channel_id.clone(), Value::Object(channel));
    }

    let operations = operations(catalog, &message_of, &mut ids);

    let mut servers = Map::new();
    for server in &catalog.servers {
        let mut s = Map::new();
        s.insert("host".into(), json!(server.host));
        s.insert("protocol".into(), json!(server.protocol));
        if let Some(d) = &server.description {
            s.insert("description".into(), json!(d));
        }
        servers.insert(ids.existing(&server.name), Value::Object(s));
    }

    let mut info = Map::new();
    info.insert("title".into(), json!(catalog.name));
    info.insert("version".into(), json!(catalog.version));
    let mut description = catalog.description.clone().unwrap_or_default();
    if !catalog.producers_known {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(
            "Producers and consumers are not known to the schema registry, so this document has no operations.",
        );
    }
    if !description.is_empty() {
        info.insert("description".into(), json!(description));
    }

    let mut doc = Map::new();
    doc.insert("asyncapi".into(), json!("3.0.0"));
    doc.insert("info".into(), Value::Object(info));
    if !servers.is_empty() {
        doc.insert("servers".into(), Value::Object(servers));
    }
    doc.insert("channels".into(), Value::Object(channels));
    doc.insert("operations".into(), Value::Object(operations));
    let mut components = Map::new();
    components.insert("messages".into(), Value::Object(messages));
    components.insert("schemas".into(), Value::Object(schemas));
    doc.insert("components".into(), Value::Object(components));
    Value::Object(doc)
}

fn message(event: &Event, latest: &Version, payload: Value) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(event.title()));
    m.insert("title".into(), json!(short_name(event.title())));
    let description = event
        .description
        .clone()
        .or_else(|| latest.outline.doc.clone());
    if let Some(d) = &description {
        m.insert("summary".into(), json!(first_sentence(d)));
        m.insert("description".into(), json!(d));
    }
    if event.format == Format::Json {
        m.insert("contentType".into(), json!("application/json"));
    }
    m.insert("payload".into(), payload);
    let mut tags = Vec::new();
    if let Some(domain) = &event.domain {
        tags.push(json!({ "name": format!("domain:{domain}") }));
    }
    if let Some(owner) = &event.owner {
        tags.push(json!({ "name": format!("owner:{owner}") }));
    }
    if !tags.is_empty() {
        m.insert("tags".into(), Value::Array(tags));
    }
    m.insert(
        "bindings".into(),
        json!({ "kafka": {
            "schemaIdLocation": "payload",
            "schemaIdPayloadEncoding": "confluent",
            "schemaLookupStrategy": "TopicIdStrategy",
            "bindingVersion": "0.5.0"
        }}),
    );
    m.insert("x-stele-subject".into(), json!(event.subject));
    m.insert("x-stele-compatibility".into(), json!(event.level.as_str()));
    m.insert("x-stele-version".into(), json!(latest.number));
    if let Some(id) = latest.id {
        m.insert("x-stele-schema-id".into(), json!(id));
    }
    if let Some(owner) = &event.owner {
        m.insert("x-stele-owner".into(), json!(owner));
    }
    Value::Object(m)
}

fn operations(
    catalog: &Catalog,
    message_of: &HashMap<&str, (String, String)>,
    ids: &mut Ids,
) -> Map<String, Value> {
    let mut out = Map::new();
    if !catalog.producers_known {
        return out;
    }
    let described: HashMap<&str, &crate::model::Application> = catalog
        .applications
        .iter()
        .map(|a| (a.name.as_str(), a))
        .collect();
    for event in &catalog.events {
        let Some((channel, message)) = message_of.get(event.subject.as_str()) else {
            continue;
        };
        for (apps, action, verb) in [
            (&event.producers, "send", "sends"),
            (&event.consumers, "receive", "receives"),
        ] {
            for app in apps {
                let id = ids.unique(&format!("{app}.{action}.{}", short_name(event.title())));
                let mut op = Map::new();
                op.insert("action".into(), json!(action));
                op.insert(
                    "channel".into(),
                    json!({ "$ref": format!("#/channels/{channel}") }),
                );
                op.insert(
                    "messages".into(),
                    json!([{ "$ref": format!("#/channels/{channel}/messages/{message}") }]),
                );
                op.insert(
                    "summary".into(),
                    json!(format!("{app} {verb} {}", event.title())),
                );
                if let Some(a) = described.get(app.as_str()) {
                    if let Some(d) = &a.description {
                        op.insert("description".into(), json!(d));
                    }
                    if let Some(owner) = &a.owner {
                        op.insert("x-stele-owner".into(), json!(owner));
                    }
                }
                op.insert("x-stele-application".into(), json!(app));
                out.insert(id, Value::Object(op));
            }
        }
    }
    out
}

/// The payload of an event: a multi-format schema object, or a `$ref` to one in
/// `components.schemas` for JSON Schema (so the document's `$ref`s resolve).
fn payload(
    event: &Event,
    latest: &Version,
    refs: &mut JsonRefs,
    schemas: &mut Map<String, Value>,
    ids: &mut Ids,
) -> Value {
    match event.format {
        Format::Avro => {
            let value = serde_json::from_str(&latest.schema).unwrap_or(Value::Null);
            json!({ "schemaFormat": AVRO_FORMAT, "schema": inline_avro(value, &latest.dependencies) })
        }
        Format::Protobuf => {
            let version = if latest.schema.contains("proto2") {
                2
            } else {
                3
            };
            json!({
                "schemaFormat": format!("application/vnd.google.protobuf;version={version}"),
                "schema": latest.schema,
            })
        }
        Format::Json => {
            let id = ids.unique(&format!("{}.payload", event.subject));
            let value = serde_json::from_str(&latest.schema).unwrap_or(Value::Null);
            let schema = refs.rewrite(value, &id, &latest.dependencies, schemas, ids);
            schemas.insert(
                id.clone(),
                json!({ "schemaFormat": JSON_FORMAT, "schema": schema }),
            );
            json!({ "$ref": format!("#/components/schemas/{id}") })
        }
    }
}

/// Each referenced JSON Schema placed once in `components.schemas`, by name and text.
#[derive(Default)]
struct JsonRefs {
    placed: HashMap<(String, String), String>,
}

impl JsonRefs {
    /// `value` with its `$ref`s pointing into `components.schemas/<id>` (local ones) or at the
    /// referenced schema's own entry, which is added when it is first needed.
    fn rewrite(
        &mut self,
        value: Value,
        id: &str,
        deps: &[Dependency],
        schemas: &mut Map<String, Value>,
        ids: &mut Ids,
    ) -> Value {
        let mut targets: HashMap<String, String> = HashMap::new();
        for dep in deps {
            let key = (dep.name.clone(), dep.text.clone());
            let dep_id = match self.placed.get(&key) {
                Some(existing) => existing.clone(),
                None => {
                    let dep_id = ids.unique(&dep.name);
                    self.placed.insert(key, dep_id.clone());
                    let dep_value = serde_json::from_str(&dep.text).unwrap_or(Value::Null);
                    // A referenced schema's own `$ref`s are local to it, or name other
                    // dependencies passed along with it.
                    let rewritten = self.rewrite(dep_value, &dep_id, deps, schemas, ids);
                    schemas.insert(
                        dep_id.clone(),
                        json!({ "schemaFormat": JSON_FORMAT, "schema": rewritten }),
                    );
                    dep_id
                }
            };
            targets.insert(dep.name.clone(), dep_id);
        }
        let mut value = value;
        rewrite_refs(&mut value, id, &targets, 0);
        value
    }
}

fn rewrite_refs(value: &mut Value, own: &str, targets: &HashMap<String, String>, depth: usize) {
    if depth > stele_engine::format::MAX_DEPTH * 2 {
        return;
    }
    match value {
        Value::Object(map) => {
            // `$schema` names a draft the AsyncAPI document does not need: the format says it.
            map.remove("$schema");
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                let (uri, fragment) = reference
                    .split_once('#')
                    .unwrap_or((reference.as_str(), ""));
                let target = if uri.is_empty() {
                    Some(own.to_string())
                } else {
                    let file = uri.rsplit('/').next().unwrap_or(uri);
                    targets
                        .iter()
                        .find(|(name, _)| *name == uri || name.rsplit('/').next() == Some(file))
                        .map(|(_, id)| id.clone())
                };
                if let Some(target) = target
                    && (fragment.is_empty() || fragment.starts_with('/'))
                {
                    *reference = format!("#/components/schemas/{target}/schema{fragment}");
                }
            }
            for child in map.values_mut() {
                rewrite_refs(child, own, targets, depth + 1);
            }
        }
        Value::Array(items) => {
            for child in items {
                rewrite_refs(child, own, targets, depth + 1);
            }
        }
        _ => {}
    }
}

/// The Avro schema with the named types of its references written in at their first use, so
/// the payload stands alone as the Avro specification requires.
fn inline_avro(value: Value, deps: &[Dependency]) -> Value {
    let mut definitions: HashMap<String, Value> = HashMap::new();
    for dep in deps {
        if let Ok(v) = serde_json::from_str::<Value>(&dep.text) {
            collect_avro_names(&v, "", &mut definitions, 0);
        }
    }
    if definitions.is_empty() {
        return value;
    }
    let mut defined = HashSet::new();
    let mut value = value;
    inline_names(&mut value, "", &definitions, &mut defined, 0);
    value
}

/// Every named type defined in `value`, by fullname.
fn collect_avro_names(
    value: &Value,
    namespace: &str,
    out: &mut HashMap<String, Value>,
    depth: usize,
) {
    if depth > stele_engine::format::MAX_DEPTH * 2 {
        return;
    }
    match value {
        Value::Object(map) => {
            let mut ns = namespace.to_string();
            if let Some(full) = defined_name(map, namespace) {
                ns = namespace_of(&full);
                // The definition is written in with an explicit namespace, so it means the
                // same wherever it lands (names themselves may not contain dots).
                let mut definition = map.clone();
                let (space, short) = full.rsplit_once('.').unwrap_or(("", full.as_str()));
                definition.insert("name".into(), json!(short));
                definition.insert("namespace".into(), json!(space));
                out.entry(full).or_insert(Value::Object(definition));
            }
            for (key, child) in map {
                if matches!(key.as_str(), "type" | "items" | "values" | "fields") {
                    collect_avro_names(child, &ns, out, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for child in items {
                collect_avro_names(child, namespace, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// The full name of the named type (record, enum, fixed, error) `map` defines, if it is one.
fn defined_name(map: &serde_json::Map<String, Value>, namespace: &str) -> Option<String> {
    let name = map.get("name").and_then(Value::as_str)?;
    map.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| matches!(t, "record" | "enum" | "fixed" | "error"))
        .then(|| {
            fullname(
                name,
                map.get("namespace").and_then(Value::as_str),
                namespace,
            )
        })
}

/// The namespace part of a full name (empty for a name without one).
fn namespace_of(full: &str) -> String {
    full.rsplit_once('.')
        .map_or(String::new(), |(n, _)| n.to_string())
}

fn inline_names(
    value: &mut Value,
    namespace: &str,
    definitions: &HashMap<String, Value>,
    defined: &mut HashSet<String>,
    depth: usize,
) {
    if depth > stele_engine::format::MAX_DEPTH * 2 {
        return;
    }
    match value {
        Value::String(name) => {
            let candidates = [name.clone(), fullname(name, None, namespace)];
            for candidate in candidates {
                if let Some(definition) = definitions.get(&candidate)
                    && defined.insert(candidate.clone())
                {
                    let mut definition = definition.clone();
                    let ns = namespace_of(&candidate);
                    inline_names(&mut definition, &ns, definitions, defined, depth + 1);
                    *value = definition;
                    return;
                }
            }
        }
        Value::Object(map) => {
            let mut ns = namespace.to_string();
            if let Some(full) = defined_name(map, namespace) {
                ns = namespace_of(&full);
                defined.insert(full);
            }
            for (key, child) in map.iter_mut() {
                if matches!(key.as_str(), "type" | "items" | "values" | "fields") {
                    inline_names(child, &ns, definitions, defined, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for child in items {
                inline_names(child, namespace, definitions, defined, depth + 1);
            }
        }
        _ => {}
    }
}

fn fullname(name: &str, namespace: Option<&str>, enclosing: &str) -> String {
    if name.contains('.') {
        return name.to_string();
    }
    match namespace.unwrap_or(enclosing) {
        "" => name.to_string(),
        ns => format!("{ns}.{name}"),
    }
}

/// Ids for channels, messages, operations and schemas: AsyncAPI component keys allow only
/// `[A-Za-z0-9._-]`, and every id must be unique in its document.
#[derive(Default)]
struct Ids {
    used: HashSet<String>,
    named: HashMap<String, String>,
}

impl Ids {
    fn unique(&mut self, raw: &str) -> String {
        let base = sanitize(raw);
        let mut id = base.clone();
        let mut n = 2;
        while !self.used.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    /// The same id every time for the same name (servers are named once, used many times).
    fn existing(&mut self, raw: &str) -> String {
        if let Some(id) = self.named.get(raw) {
            return id.clone();
        }
        let id = self.unique(raw);
        self.named.insert(raw.to_string(), id.clone());
        id
    }
}

fn sanitize(raw: &str) -> String {
    let s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "_".to_string() } else { s }
}

fn short_name(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(_, n)| n)
}

/// The first sentence of a description, for `summary`.
pub(crate) fn first_sentence(text: &str) -> String {
    let text = text.trim();
    match text.find(". ") {
        Some(end) => text[..=end].to_string(),
        None => text.to_string(),
    }
}
