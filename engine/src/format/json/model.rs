//! The typed model the compatibility walk compares, loaded from JSON Schema documents.
//!
//! Confluent's diff works on the Java object model its loader builds (one class per kind of
//! schema), and its verdicts depend on that shape: `{"type":"string","enum":[..]}` is an
//! implicit `allOf` of a string schema and an enum schema, `{"type":["string","null"]}` is an
//! `anyOf`, `{}` and `true` are the empty schema, `$ref` is followed. This module builds the
//! same shape into an arena of [`Node`]s so the walk in `compat.rs` can follow Confluent's
//! rules. References are resolved here, against the document itself (`#/...`, `$id`,
//! `$anchor`) and the supplied dependencies only; nothing is ever fetched.
//!
//! Left out: annotations (`title`, `description`, `default`, `examples`), `format`,
//! `contains` schemas, `propertyNames`, `if`/`then`/`else` and `$dynamicRef`: Confluent's
//! diff ignores them, so they never change a verdict.

use std::collections::HashMap;

use serde_json::Value;

use super::canonical_text;
use crate::format::{ParseError, ParseErrorKind};

/// Index of a node in [`Model::nodes`].
pub(super) type NodeId = usize;

/// How many `$ref` hops are followed from one reference before giving up (a chain longer
/// than this is almost certainly a cycle of references to references).
const MAX_REF_HOPS: usize = 64;

/// The JSON Schema drafts the engine understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Draft {
    D4,
    D6,
    D7,
    D201909,
    D202012,
}

impl Draft {
    /// The draft a `$schema` URL names, or `None` for a URL we do not know.
    pub(super) fn from_url(url: &str) -> Option<Draft> {
        let url = url.trim().trim_end_matches('#');
        let url = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))?;
        match url {
            "json-schema.org/draft-04/schema" => Some(Draft::D4),
            "json-schema.org/draft-06/schema" => Some(Draft::D6),
            "json-schema.org/draft-07/schema" => Some(Draft::D7),
            "json-schema.org/draft/2019-09/schema" => Some(Draft::D201909),
            "json-schema.org/draft/2020-12/schema" => Some(Draft::D202012),
            _ => None,
        }
    }
}

/// `allOf`, `anyOf` or `oneOf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Criterion {
    All,
    Any,
    One,
}

impl Criterion {
    pub(super) fn keyword(self) -> &'static str {
        match self {
            Criterion::All => "allOf",
            Criterion::Any => "anyOf",
            Criterion::One => "oneOf",
        }
    }
}

/// A number keyword's value, kept both for comparing and for quoting in details.
#[derive(Debug, Clone)]
pub(super) struct Num {
    pub value: f64,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub(super) struct StringNode {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct NumberNode {
    pub integer: bool,
    pub minimum: Option<Num>,
    pub maximum: Option<Num>,
    pub exclusive_minimum: Option<Num>,
    pub exclusive_maximum: Option<Num>,
    pub multiple_of: Option<Num>,
}

#[derive(Debug, Clone)]
pub(super) struct ObjectNode {
    pub properties: Vec<(String, NodeId)>,
    pub required: Vec<String>,
    pub pattern_properties: Vec<(String, NodeId)>,
    /// `false` only for `additionalProperties: false`.
    pub additional_permitted: bool,
    /// The schema of `additionalProperties` when it is an object.
    pub additional_schema: Option<NodeId>,
    pub unevaluated: Option<NodeId>,
    pub dependency_arrays: Vec<(String, Vec<String>)>,
    pub dependency_schemas: Vec<(String, NodeId)>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
}

#[derive(Debug, Clone)]
pub(super) struct ArrayNode {
    /// `items` as one schema for every item.
    pub all_items: Option<NodeId>,
    /// `items` as an array (drafts 4 to 2019-09) or `prefixItems` (2020-12).
    pub item_schemas: Vec<NodeId>,
    /// `false` only when items past the tuple are forbidden.
    pub additional_permitted: bool,
    pub additional_schema: Option<NodeId>,
    pub unevaluated: Option<NodeId>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
    pub min_contains: Option<u64>,
    pub max_contains: Option<u64>,
}

/// One schema, shaped the way Confluent's diff sees it.
#[derive(Debug, Clone)]
pub(super) enum Node {
    /// `{}`, `true`, or a schema with only annotations: accepts anything.
    Empty,
    /// `false`: accepts nothing.
    False,
    Null,
    Boolean,
    String(StringNode),
    Number(NumberNode),
    Object(Box<ObjectNode>),
    Array(Box<ArrayNode>),
    Enum(Vec<Value>),
    Const(Value),
    Combined {
        criterion: Criterion,
        subschemas: Vec<NodeId>,
    },
    Not(NodeId),
    /// A resolved `$ref`; `None` only while loading.
    Ref(Option<NodeId>),
}

/// A loaded schema document with its references.
#[derive(Debug, Clone)]
pub(super) struct Model {
    pub nodes: Vec<Node>,
    /// For branches of `allOf`/`anyOf`/`oneOf`: a hash of the branch's canonical text, so
    /// duplicate branches can be dropped as Confluent's set of branches does.
    pub keys: Vec<Option<u64>>,
    /// Whether each node's source object has a `default`.
    pub defaults: Vec<bool>,
    pub root: NodeId,
}

impl Model {
    /// Follows `$ref` nodes to the schema they name (bounded, so a reference cycle ends).
    pub(super) fn resolve(&self, mut id: NodeId) -> NodeId {
        for _ in 0..MAX_REF_HOPS {
            match self.nodes.get(id) {
                Some(Node::Ref(Some(target))) => id = *target,
                _ => return id,
            }
        }
        id
    }

    pub(super) fn node(&self, id: NodeId) -> &Node {
        self.nodes.get(id).unwrap_or(&Node::Empty)
    }
}

/// One document: the schema itself (index 0) or a dependency.
struct Doc<'a> {
    value: &'a Value,
    /// The dependency's name, `None` for the schema itself.
    name: Option<&'a str>,
    base: String,
}

/// The base URI of a schema without `$id`. Relative references resolve against it, so
/// `"$ref": "customer.json"` becomes `stele:///customer.json`, which is where the dependency
/// named `customer.json` is registered.
const DEFAULT_BASE: &str = "stele:///";

/// Builds the model of `root`, resolving references against `deps` (name, parsed value).
pub(super) fn load(
    root: &Value,
    deps: &[(&str, &Value)],
    draft: Draft,
) -> Result<Model, ParseError> {
    let mut docs = vec![Doc {
        value: root,
        name: None,
        base: String::new(),
    }];
    for (name, value) in deps {
        docs.push(Doc {
            value,
            name: Some(name),
            base: String::new(),
        });
    }
    let mut loader = Loader {
        docs,
        draft,
        nodes: Vec::new(),
        keys: Vec::new(),
        defaults: Vec::new(),
        by_location: HashMap::new(),
        pending: Vec::new(),
        ids: HashMap::new(),
        anchors: HashMap::new(),
    };
    loader.index();
    let base = loader.docs[0].base.clone();
    let root_id = loader.load(0, String::new(), root, &base);
    loader.finish_refs()?;
    Ok(Model {
        nodes: loader.nodes,
        keys: loader.keys,
        defaults: loader.defaults,
        root: root_id,
    })
}

struct PendingRef {
    node: NodeId,
    doc: usize,
    pointer: String,
    base: String,
    reference: String,
}

struct Loader<'a> {
    docs: Vec<Doc<'a>>,
    draft: Draft,
    nodes: Vec<Node>,
    keys: Vec<Option<u64>>,
    defaults: Vec<bool>,
    by_location: HashMap<(usize, String), NodeId>,
    pending: Vec<PendingRef>,
    /// Absolute URI (no fragment) to the document and pointer of the resource it names.
    ids: HashMap<String, (usize, String)>,
    /// Absolute URI with a plain-name fragment (`$anchor`, or `$id: "#name"` before 2019-09).
    anchors: HashMap<String, (usize, String)>,
}

impl<'a> Loader<'a> {
    fn id_keyword(&self) -> &'static str {
        if self.draft == Draft::D4 { "id" } else { "$id" }
    }

    /// Registers every document's base URI and every `$id` and `$anchor` inside it.
    fn index(&mut self) {
        for doc in 0..self.docs.len() {
            let value = self.docs[doc].value;
            let mut base = match self.docs[doc].name {
                None => DEFAULT_BASE.to_string(),
                Some(name) => resolve_uri(DEFAULT_BASE, name),
            };
            if let Some(id) = value.get(self.id_keyword()).and_then(Value::as_str) {
                base = resolve_uri(&base, strip_fragment(id));
            }
            self.docs[doc].base = base.clone();
            self.ids.entry(base.clone()).or_insert((doc, String::new()));
            self.index_value(doc, value, String::new(), &base);
        }
    }

    fn index_value(&mut self, doc: usize, value: &Value, pointer: String, base: &str) {
        match value {
            Value::Object(map) => {
                let mut base = base.to_string();
                if let Some(id) = map.get(self.id_keyword()).and_then(Value::as_str) {
                    if let Some(anchor) = id.strip_prefix('#') {
                        // Drafts 4 to 7 spell a plain-name anchor as `$id: "#name"`.
                        self.anchors
                            .entry(format!("{base}#{anchor}"))
                            .or_insert((doc, pointer.clone()));
                    } else {
                        base = resolve_uri(&base, strip_fragment(id));
                        self.ids
                            .entry(base.clone())
                            .or_insert((doc, pointer.clone()));
                    }
                }
                if let Some(anchor) = map.get("$anchor").and_then(Value::as_str) {
                    self.anchors
                        .entry(format!("{base}#{anchor}"))
                        .or_insert((doc, pointer.clone()));
                }
                for (key, child) in map {
                    if matches!(child, Value::Object(_) | Value::Array(_)) {
                        let child_pointer = format!("{pointer}/{}", escape(key));
                        self.index_value(doc, child, child_pointer, &base);
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    if matches!(child, Value::Object(_) | Value::Array(_)) {
                        self.index_value(doc, child, format!("{pointer}/{i}"), base);
                    }
                }
            }
            _ => {}
        }
    }

    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.keys.push(None);
        self.defaults.push(false);
        self.nodes.len() - 1
    }

    /// Loads the schema at `pointer` in document `doc` (memoized by location).
    fn load(&mut self, doc: usize, pointer: String, value: &'a Value, base: &str) -> NodeId {
        if let Some(&id) = self.by_location.get(&(doc, pointer.clone())) {
            return id;
        }
        let id = match value {
            Value::Bool(true) => self.push(Node::Empty),
            Value::Bool(false) => self.push(Node::False),
            Value::Object(_) => self.load_object(doc, &pointer, value, base),
            // The meta-schema rejects anything else; treat it as the empty schema.
            _ => self.push(Node::Empty),
        };
        if value.get("default").is_some()
            && let Some(flag) = self.defaults.get_mut(id)
        {
            *flag = true;
        }
        self.by_location.insert((doc, pointer), id);
        id
    }

    fn load_object(&mut self, doc: usize, pointer: &str, value: &'a Value, base: &str) -> NodeId {
        let Value::Object(map) = value else {
            return self.push(Node::Empty);
        };
        let mut base = base.to_string();
        if let Some(id) = map.get(self.id_keyword()).and_then(Value::as_str)
            && !id.starts_with('#')
        {
            base = resolve_uri(&base, strip_fragment(id));
        }
        let mut parts: Vec<NodeId> = Vec::new();
        if let Some(Value::String(reference)) = map.get("$ref") {
            let node = self.push(Node::Ref(None));
            self.pending.push(PendingRef {
                node,
                doc,
                pointer: format!("{pointer}/$ref"),
                base: base.clone(),
                reference: reference.clone(),
            });
            // Before 2019-09, `$ref` makes its siblings irrelevant.
            if self.draft <= Draft::D7 {
                return node;
            }
            parts.push(node);
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            parts.push(self.push(Node::Enum(values.clone())));
        }
        if self.draft >= Draft::D6
            && let Some(value) = map.get("const")
        {
            parts.push(self.push(Node::Const(value.clone())));
        }
        if let Some(not) = map.get("not") {
            let inner = self.load(doc, format!("{pointer}/not"), not, &base);
            parts.push(self.push(Node::Not(inner)));
        }
        for criterion in [Criterion::All, Criterion::Any, Criterion::One] {
            if let Some(Value::Array(items)) = map.get(criterion.keyword()) {
                let subschemas = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let p = format!("{pointer}/{}/{i}", criterion.keyword());
                        let id = self.load(doc, p, item, &base);
                        if let Some(key) = self.keys.get_mut(id) {
                            *key = Some(hash_text(&canonical_text(item)));
                        }
                        id
                    })
                    .collect();
                let node = Node::Combined {
                    criterion,
                    subschemas,
                };
                parts.push(self.push(node));
            }
        }
        match map.get("type") {
            Some(Value::String(name)) => {
                parts.push(self.typed(doc, pointer, value, &base, name));
            }
            Some(Value::Array(names)) => {
                let subschemas = names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|name| self.typed(doc, pointer, value, &base, name))
                    .collect();
                let node = Node::Combined {
                    criterion: Criterion::Any,
                    subschemas,
                };
                parts.push(self.push(node));
            }
            _ => {
                // Without `type`, each family of keywords present implies a schema that
                // constrains only values of its type.
                let has = |words: &[&str]| words.iter().any(|w| map.contains_key(*w));
                if has(&self.array_keywords()) {
                    parts.push(self.typed(doc, pointer, value, &base, "array"));
                }
                if has(&self.object_keywords()) {
                    parts.push(self.typed(doc, pointer, value, &base, "object"));
                }
                if has(&NUMBER_KEYWORDS) {
                    parts.push(self.typed(doc, pointer, value, &base, "number"));
                }
                if has(&STRING_KEYWORDS) {
                    parts.push(self.typed(doc, pointer, value, &base, "string"));
                }
            }
        }
        match parts.len() {
            0 => self.push(Node::Empty),
            1 => parts[0],
            _ => self.push(Node::Combined {
                criterion: Criterion::All,
                subschemas: parts,
            }),
        }
    }

    fn array_keywords(&self) -> Vec<&'static str> {
        let mut words = vec![
            "items",
            "additionalItems",
            "minItems",
            "maxItems",
            "uniqueItems",
            "contains",
        ];
        if self.draft >= Draft::D201909 {
            words.extend(["unevaluatedItems", "minContains", "maxContains"]);
        }
        if self.draft >= Draft::D202012 {
            words.push("prefixItems");
        }
        words
    }

    fn object_keywords(&self) -> Vec<&'static str> {
        let mut words = vec![
            "properties",
            "required",
            "minProperties",
            "maxProperties",
            "dependencies",
            "patternProperties",
            "additionalProperties",
            "propertyNames",
        ];
        if self.draft >= Draft::D201909 {
            words.extend([
                "dependentRequired",
                "dependentSchemas",
                "unevaluatedProperties",
            ]);
        }
        words
    }

    /// The schema for one explicit `type`, with that type's keywords from `value`.
    fn typed(
        &mut self,
        doc: usize,
        pointer: &str,
        value: &'a Value,
        base: &str,
        name: &str,
    ) -> NodeId {
        let node = match name {
            "string" => Node::String(StringNode {
                min_length: value.get("minLength").and_then(Value::as_u64),
                max_length: value.get("maxLength").and_then(Value::as_u64),
                pattern: value
                    .get("pattern")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            }),
            "integer" | "number" => Node::Number(self.number(value, name == "integer")),
            "object" => Node::Object(Box::new(self.object(doc, pointer, value, base))),
            "array" => Node::Array(Box::new(self.array(doc, pointer, value, base))),
            "boolean" => Node::Boolean,
            "null" => Node::Null,
            _ => Node::Empty,
        };
        self.push(node)
    }

    fn number(&self, value: &Value, integer: bool) -> NumberNode {
        let num = |word: &str| {
            value.get(word).and_then(|v| {
                v.as_f64().map(|f| Num {
                    value: f,
                    text: v.to_string(),
                })
            })
        };
        NumberNode {
            integer,
            minimum: num("minimum"),
            maximum: num("maximum"),
            // Draft 4 spells these as booleans that modify `minimum`/`maximum`; Confluent
            // compares only the numeric forms, and so do we.
            exclusive_minimum: num("exclusiveMinimum"),
            exclusive_maximum: num("exclusiveMaximum"),
            multiple_of: num("multipleOf"),
        }
    }

    fn object(&mut self, doc: usize, pointer: &str, value: &'a Value, base: &str) -> ObjectNode {
        let mut node = ObjectNode {
            properties: Vec::new(),
            required: Vec::new(),
            pattern_properties: Vec::new(),
            additional_permitted: true,
            additional_schema: None,
            unevaluated: None,
            dependency_arrays: Vec::new(),
            dependency_schemas: Vec::new(),
            min_properties: value.get("minProperties").and_then(Value::as_u64),
            max_properties: value.get("maxProperties").and_then(Value::as_u64),
        };
        if let Some(Value::Object(props)) = value.get("properties") {
            for (name, schema) in props {
                let p = format!("{pointer}/properties/{}", escape(name));
                let id = self.load(doc, p, schema, base);
                node.properties.push((name.clone(), id));
            }
        }
        if let Some(Value::Array(names)) = value.get("required") {
            node.required = names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
        if let Some(Value::Object(patterns)) = value.get("patternProperties") {
            for (pattern, schema) in patterns {
                let p = format!("{pointer}/patternProperties/{}", escape(pattern));
                let id = self.load(doc, p, schema, base);
                node.pattern_properties.push((pattern.clone(), id));
            }
        }
        match value.get("additionalProperties") {
            Some(Value::Bool(permitted)) => node.additional_permitted = *permitted,
            Some(schema @ Value::Object(_)) => {
                let p = format!("{pointer}/additionalProperties");
                node.additional_schema = Some(self.load(doc, p, schema, base));
            }
            _ => {}
        }
        if self.draft >= Draft::D201909
            && let Some(schema) = value.get("unevaluatedProperties")
        {
            let p = format!("{pointer}/unevaluatedProperties");
            node.unevaluated = Some(self.load(doc, p, schema, base));
        }
        if let Some(Value::Object(map)) = value.get("dependencies") {
            for (name, dep) in map {
                let p = format!("{pointer}/dependencies/{}", escape(name));
                self.add_dependency(&mut node, doc, p, name, dep, base);
            }
        }
        if self.draft >= Draft::D201909 {
            for word in ["dependentRequired", "dependentSchemas"] {
                if let Some(Value::Object(map)) = value.get(word) {
                    for (name, dep) in map {
                        let p = format!("{pointer}/{word}/{}", escape(name));
                        self.add_dependency(&mut node, doc, p, name, dep, base);
                    }
                }
            }
        }
        node
    }

    fn add_dependency(
        &mut self,
        node: &mut ObjectNode,
        doc: usize,
        pointer: String,
        name: &str,
        dep: &'a Value,
        base: &str,
    ) {
        if let Value::Array(names) = dep {
            let names = names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            node.dependency_arrays.push((name.to_string(), names));
        } else {
            let id = self.load(doc, pointer, dep, base);
            node.dependency_schemas.push((name.to_string(), id));
        }
    }

    fn array(&mut self, doc: usize, pointer: &str, value: &'a Value, base: &str) -> ArrayNode {
        let count = |word: &str| value.get(word).and_then(Value::as_u64);
        let mut node = ArrayNode {
            all_items: None,
            item_schemas: Vec::new(),
            additional_permitted: true,
            additional_schema: None,
            unevaluated: None,
            min_items: count("minItems"),
            max_items: count("maxItems"),
            unique_items: value.get("uniqueItems").and_then(Value::as_bool) == Some(true),
            min_contains: None,
            max_contains: None,
        };
        let (tuple_word, rest_word) = if self.draft >= Draft::D202012 {
            ("prefixItems", "items")
        } else {
            ("items", "additionalItems")
        };
        if let Some(Value::Array(items)) = value.get(tuple_word) {
            for (i, item) in items.iter().enumerate() {
                let p = format!("{pointer}/{tuple_word}/{i}");
                node.item_schemas.push(self.load(doc, p, item, base));
            }
            match value.get(rest_word) {
                Some(Value::Bool(permitted)) => node.additional_permitted = *permitted,
                Some(schema @ Value::Object(_)) => {
                    let p = format!("{pointer}/{rest_word}");
                    node.additional_schema = Some(self.load(doc, p, schema, base));
                }
                _ => {}
            }
        } else if self.draft >= Draft::D202012
            && let Some(Value::Bool(permitted)) = value.get("items")
        {
            // `items: false` with no `prefixItems` forbids every item past an empty tuple,
            // which is how Confluent reads it too (a change of it is an additional-items change).
            node.additional_permitted = *permitted;
        } else {
            if let Some(items) = value.get("items")
                && !items.is_array()
            {
                let p = format!("{pointer}/items");
                node.all_items = Some(self.load(doc, p, items, base));
            }
            if self.draft < Draft::D202012 {
                match value.get("additionalItems") {
                    Some(Value::Bool(permitted)) => node.additional_permitted = *permitted,
                    Some(schema @ Value::Object(_)) => {
                        let p = format!("{pointer}/additionalItems");
                        node.additional_schema = Some(self.load(doc, p, schema, base));
                    }
                    _ => {}
                }
            }
        }
        if self.draft >= Draft::D201909 {
            node.min_contains = count("minContains");
            node.max_contains = count("maxContains");
            if let Some(schema) = value.get("unevaluatedItems") {
                let p = format!("{pointer}/unevaluatedItems");
                node.unevaluated = Some(self.load(doc, p, schema, base));
            }
        }
        node
    }

    /// Resolves every `$ref` met while loading, loading their targets (which may hold more
    /// references) until none is left.
    fn finish_refs(&mut self) -> Result<(), ParseError> {
        while let Some(pending) = self.pending.pop() {
            let (doc, target_pointer) = self.locate(&pending)?;
            let value = self.docs[doc].value;
            let Some(target) = value.pointer(&target_pointer) else {
                return Err(self.ref_error(
                    &pending,
                    format!(
                        "`$ref` `{}` points at `#{target_pointer}`, which does not exist",
                        pending.reference
                    ),
                ));
            };
            let base = self.base_at(doc, &target_pointer);
            let id = self.load(doc, target_pointer, target, &base);
            self.nodes[pending.node] = Node::Ref(Some(id));
        }
        Ok(())
    }

    /// The base URI in effect at `pointer` in `doc` (the innermost enclosing `$id`).
    fn base_at(&self, doc: usize, pointer: &str) -> String {
        let mut base = self.docs[doc].base.clone();
        let mut value = self.docs[doc].value;
        for token in pointer.split('/').skip(1) {
            let token = unescape(token);
            let next = match value {
                Value::Object(map) => map.get(&token),
                Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            let Some(next) = next else { break };
            value = next;
            if let Some(id) = value.get(self.id_keyword()).and_then(Value::as_str)
                && !id.starts_with('#')
            {
                base = resolve_uri(&base, strip_fragment(id));
            }
        }
        base
    }

    /// The document and JSON pointer a reference names.
    fn locate(&self, pending: &PendingRef) -> Result<(usize, String), ParseError> {
        let reference = pending.reference.as_str();
        let (uri, fragment) = match reference.split_once('#') {
            Some((uri, fragment)) => (uri, Some(fragment)),
            None => (reference, None),
        };
        let (doc, resource_pointer, absolute) = if uri.is_empty() {
            let absolute = pending.base.clone();
            match self.ids.get(&absolute) {
                Some((doc, pointer)) => (*doc, pointer.clone(), absolute),
                None => (pending.doc, String::new(), absolute),
            }
        } else {
            let absolute = resolve_uri(&pending.base, uri);
            if let Some((doc, pointer)) = self.ids.get(&absolute) {
                (*doc, pointer.clone(), absolute)
            } else if let Some(doc) = self.docs.iter().position(|d| d.name == Some(uri)) {
                (doc, String::new(), self.docs[doc].base.clone())
            } else {
                return Err(self.ref_error(
                    pending,
                    format!(
                        "`$ref` `{reference}` names a schema that is not among the schema's \
                         references; register it and list it in `references` (URLs are never fetched)"
                    ),
                ));
            }
        };
        match fragment {
            None | Some("") => Ok((doc, resource_pointer)),
            Some(fragment) if fragment.starts_with('/') => Ok((
                doc,
                format!("{resource_pointer}{}", percent_decode(fragment)),
            )),
            Some(anchor) => match self.anchors.get(&format!("{absolute}#{anchor}")) {
                Some((doc, pointer)) => Ok((*doc, pointer.clone())),
                None => Err(self.ref_error(
                    pending,
                    format!("`$ref` `{reference}` names anchor `{anchor}`, which is not defined"),
                )),
            },
        }
    }

    fn ref_error(&self, pending: &PendingRef, message: String) -> ParseError {
        let error = ParseError::new(ParseErrorKind::Reference, message)
            .at_path(format!("#{}", pending.pointer));
        match self.docs[pending.doc].name {
            Some(name) => error.in_file(name),
            None => error,
        }
    }
}

const NUMBER_KEYWORDS: [&str; 5] = [
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];
const STRING_KEYWORDS: [&str; 4] = ["minLength", "maxLength", "pattern", "format"];

/// A stable hash of a text (std's SipHash with its fixed default keys).
fn hash_text(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Escapes one JSON pointer token (`~` as `~0`, `/` as `~1`).
pub(super) fn escape(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_string()
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn strip_fragment(uri: &str) -> &str {
    uri.split_once('#').map_or(uri, |(before, _)| before)
}

/// Decodes `%XX` escapes in a URI fragment; invalid escapes are kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn has_scheme(uri: &str) -> bool {
    let Some((scheme, _)) = uri.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Resolves `reference` against `base` (RFC 3986, simplified: enough for `$id` and `$ref`).
pub(super) fn resolve_uri(base: &str, reference: &str) -> String {
    if has_scheme(reference) {
        return reference.to_string();
    }
    let base = strip_fragment(base);
    if reference.is_empty() {
        return base.to_string();
    }
    let (scheme, rest) = base.split_once(':').unwrap_or(("", base));
    if let Some(authority_and_path) = reference.strip_prefix("//") {
        return format!("{scheme}://{authority_and_path}");
    }
    let (authority, path) = match rest.strip_prefix("//") {
        Some(after) => match after.find('/') {
            Some(i) => (format!("//{}", &after[..i]), &after[i..]),
            None => (format!("//{after}"), ""),
        },
        None => (String::new(), rest),
    };
    let joined = if reference.starts_with('/') {
        reference.to_string()
    } else {
        let dir = path.rfind('/').map_or("", |i| &path[..=i]);
        format!("{dir}{reference}")
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "." => {}
            ".." => {
                if segments.len() > 1 {
                    segments.pop();
                }
            }
            other => segments.push(other),
        }
    }
    let path = segments.join("/");
    if scheme.is_empty() {
        format!("{authority}{path}")
    } else {
        format!("{scheme}:{authority}{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_resolve() {
        assert_eq!(
            resolve_uri("stele:///", "customer.json"),
            "stele:///customer.json"
        );
        assert_eq!(
            resolve_uri("https://example.com/schemas/order.json", "customer.json"),
            "https://example.com/schemas/customer.json"
        );
        assert_eq!(
            resolve_uri("https://example.com/schemas/order.json", "/x.json"),
            "https://example.com/x.json"
        );
        assert_eq!(
            resolve_uri("https://example.com/a/b.json", "../c.json"),
            "https://example.com/c.json"
        );
        assert_eq!(resolve_uri("stele:///", "http://h/x"), "http://h/x");
    }

    #[test]
    fn percent_escapes_decode() {
        assert_eq!(percent_decode("/$defs/a%20b"), "/$defs/a b");
        assert_eq!(percent_decode("/x%zz"), "/x%zz");
    }
}
