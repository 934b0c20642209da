//! Finds the line a finding's schema path points at, so text output can say `file:line`.
//!
//! Findings carry schema paths, not byte spans (the engine never sees files). This module maps
//! a path back to a line by scanning the file's text: a JSON pointer is walked through a small
//! JSON scanner that remembers where each value starts (for `.avsc` and `.json`), and a dotted
//! Protobuf path is looked up among the declarations of a `.proto` file. Paths that lead into
//! a referenced schema are followed there: a JSON Schema `$ref`, an Avro type name defined in
//! another record or file, a Protobuf message from an import. It is a best effort: when the
//! path cannot be followed it returns the nearest enclosing line found, marked inexact, or
//! nothing. It never fails and never recurses without bound.

use std::cell::OnceCell;
use std::collections::HashMap;

use stele_engine::Format;

/// Deepest JSON nesting followed; deeper documents are not located.
const MAX_DEPTH: usize = 256;

/// Most `$ref`s or Avro type names followed while walking one path; more means a cycle.
const MAX_HOPS: usize = 32;

/// A line found for a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Which text the line is in: `None` for the schema, `Some(i)` for its `i`th reference.
    pub source: Option<usize>,
    /// 1-based line.
    pub line: u32,
    /// `false` when only a prefix of the path was found and `line` is that prefix's line.
    pub exact: bool,
}

/// The line `path` points at in `text`, a schema of `format`, or in one of the schemas it
/// references (`references` holds each one's name, as the schema uses it, and text). For many
/// paths in one schema, make one [`Locator`]: this scans the texts on every call.
pub fn line_of(
    format: Format,
    text: &str,
    references: &[(&str, &str)],
    path: &str,
) -> Option<Found> {
    Locator::new(format, text, references).line(path)
}

/// A schema and its references scanned once, for locating any number of paths in them: a
/// schema of 100,000 fields can have 100,000 findings, and scanning the text again for each
/// (or searching its field list from the start each time) would be quadratic.
pub struct Locator<'t> {
    format: Format,
    /// The schema's and each reference's scanned form; `None` for a text that does not scan.
    docs: Docs<'t>,
}

enum Docs<'t> {
    Json {
        root: Option<Node>,
        names: Vec<&'t str>,
        references: Vec<Option<Node>>,
    },
    Proto {
        /// Declarations of the schema, then of each reference.
        declarations: Vec<HashMap<String, u32>>,
    },
}

impl<'t> Locator<'t> {
    /// Scans `text` (a schema of `format`) and its `references` (name, text).
    pub fn new(format: Format, text: &'t str, references: &[(&'t str, &'t str)]) -> Locator<'t> {
        let docs = match format {
            Format::Avro | Format::Json => Docs::Json {
                root: Scanner::new(text).document(),
                names: references.iter().map(|(name, _)| *name).collect(),
                // References that are not valid JSON are simply never followed into.
                references: references
                    .iter()
                    .map(|(_, text)| Scanner::new(text).document())
                    .collect(),
            },
            Format::Protobuf => Docs::Proto {
                declarations: std::iter::once(text)
                    .chain(references.iter().map(|(_, text)| *text))
                    .map(proto_declarations)
                    .collect(),
            },
        };
        Locator { format, docs }
    }

    /// The line `path` points at.
    pub fn line(&self, path: &str) -> Option<Found> {
        match &self.docs {
            Docs::Json {
                root,
                names,
                references,
            } => {
                let walk = Walk {
                    format: self.format,
                    root: root.as_ref()?,
                    names,
                    docs: references,
                };
                json_line(&walk, path)
            }
            Docs::Proto { declarations } => proto_line(declarations, path),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JSON pointers (Avro and JSON Schema)

/// A JSON value with the line it starts on.
#[derive(Debug)]
struct Node {
    line: u32,
    value: Value,
}

#[derive(Debug)]
enum Value {
    /// Members with the line of each key.
    Object(Vec<(String, u32, Node)>),
    /// Items, and the index [`Node::step`] builds on first use to find an item by name.
    Array(Vec<Node>, OnceCell<HashMap<String, usize>>),
    String(String),
    Other,
}

impl Node {
    fn member(&self, key: &str) -> Option<(u32, &Node)> {
        match &self.value {
            Value::Object(members) => members
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, line, node)| (*line, node)),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// One pointer step. Besides plain JSON pointer steps this understands the steps Avro
    /// paths take: an array element by its `name` (fields, named types) or by its string value
    /// (union branches, enum symbols), and stepping through a union to the branch that has
    /// the key.
    fn step(&self, segment: &str) -> Option<(u32, &Node)> {
        match &self.value {
            Value::Object(_) => self.member(segment),
            Value::Array(items, index) => {
                if let Some(item) = segment.parse::<usize>().ok().and_then(|i| items.get(i)) {
                    return Some((item.line, item));
                }
                // The first item whose name, string value or type is the segment. Looked up in
                // an index built on first use, since a record's fields are stepped into once
                // per finding and may number in the hundreds of thousands.
                let index = index.get_or_init(|| {
                    let mut index = HashMap::new();
                    for (position, item) in items.iter().enumerate() {
                        let keys = [
                            item.member("name").and_then(|(_, n)| n.as_str()),
                            item.as_str(),
                            item.member("type").and_then(|(_, n)| n.as_str()),
                        ];
                        for key in keys.into_iter().flatten() {
                            index.entry(key.to_string()).or_insert(position);
                        }
                    }
                    index
                });
                if let Some(item) = index.get(segment).and_then(|&i| items.get(i)) {
                    // Point at an Avro field's or type's `"name"` line: the line a reader looks
                    // for, rather than the line of its opening brace.
                    let line = item.member("name").map_or(item.line, |(line, _)| line);
                    return Some((line, item));
                }
                // A union: step into the branch that has the key.
                items.iter().find_map(|item| item.member(segment))
            }
            _ => None,
        }
    }
}

fn json_line(walk: &Walk<'_>, path: &str) -> Option<Found> {
    let root = walk.root;
    let pointer = path.strip_prefix('#').unwrap_or(path);
    let pointer = pointer.strip_prefix('/').unwrap_or(pointer);
    if pointer.is_empty() {
        return Some(Found {
            source: None,
            line: root.line,
            exact: true,
        });
    }
    let mut source = None;
    let mut node = root;
    let mut found: Option<Found> = None;
    let mut hops = 0;
    for raw in pointer.split('/') {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        loop {
            if let Some((line, next)) = node.step(&segment) {
                found = Some(Found {
                    source,
                    line,
                    exact: true,
                });
                node = next;
                break;
            }
            hops += 1;
            match walk.follow(node, source).filter(|_| hops <= MAX_HOPS) {
                Some((into, target)) => {
                    source = into;
                    node = target;
                }
                None => return found.map(|f| Found { exact: false, ..f }),
            }
        }
    }
    found
}

/// The documents a walk may move between.
struct Walk<'d> {
    format: Format,
    root: &'d Node,
    names: &'d [&'d str],
    docs: &'d [Option<Node>],
}

impl<'d> Walk<'d> {
    fn doc(&self, source: Option<usize>) -> Option<&'d Node> {
        match source {
            None => Some(self.root),
            Some(index) => self.docs.get(index)?.as_ref(),
        }
    }

    /// Where a node leads when the path goes on below it: the target of a JSON Schema `$ref`,
    /// or the definition of an Avro type name.
    fn follow(&self, node: &Node, source: Option<usize>) -> Option<(Option<usize>, &'d Node)> {
        match self.format {
            Format::Json => {
                let target = node.member("$ref")?.1.as_str()?;
                let (base, fragment) = target.split_once('#').unwrap_or((target, ""));
                let into = if base.is_empty() {
                    source
                } else {
                    Some(self.names.iter().position(|name| *name == base)?)
                };
                let mut target = self.doc(into)?;
                for raw in fragment.split('/').filter(|s| !s.is_empty()) {
                    let segment = raw.replace("~1", "/").replace("~0", "~");
                    target = target.step(&segment)?.1;
                }
                Some((into, target))
            }
            Format::Avro => {
                let name = node.as_str()?;
                // The document the name appears in first, then the references.
                let order = std::iter::once(source)
                    .chain(std::iter::once(None))
                    .chain((0..self.docs.len()).map(Some));
                let order: Vec<Option<usize>> = order.collect();
                for exact in [true, false] {
                    for &into in &order {
                        if let Some(found) =
                            self.doc(into).and_then(|d| named_type(d, name, exact, 0))
                        {
                            return Some((into, found));
                        }
                    }
                }
                None
            }
            Format::Protobuf => None,
        }
    }
}

/// The Avro named type (record, enum, fixed) called `name` inside `node`. With `exact`, the
/// full name must match (from the type's own `namespace` or a dotted `name`); otherwise the
/// last component is enough, since namespaces can be inherited from an enclosing record.
fn named_type<'n>(node: &'n Node, name: &str, exact: bool, depth: usize) -> Option<&'n Node> {
    if depth > MAX_DEPTH {
        return None;
    }
    match &node.value {
        Value::Object(members) => {
            let kind = node.member("type").and_then(|(_, n)| n.as_str());
            if let (Some("record" | "error" | "enum" | "fixed"), Some(own)) =
                (kind, node.member("name").and_then(|(_, n)| n.as_str()))
            {
                let full = match node.member("namespace").and_then(|(_, n)| n.as_str()) {
                    Some(namespace) if !own.contains('.') && !namespace.is_empty() => {
                        format!("{namespace}.{own}")
                    }
                    _ => own.to_string(),
                };
                let short = |s: &str| s.rsplit('.').next().unwrap_or(s).to_string();
                let matches = if exact {
                    full == name
                } else {
                    short(&full) == short(name)
                };
                if matches {
                    return Some(node);
                }
            }
            members
                .iter()
                .find_map(|(_, _, child)| named_type(child, name, exact, depth + 1))
        }
        Value::Array(items, _) => items
            .iter()
            .find_map(|child| named_type(child, name, exact, depth + 1)),
        _ => None,
    }
}

/// A forgiving recursive-descent JSON reader that records lines. Invalid JSON gives `None`;
/// the engine reports parse errors, this only needs to read what parsed.
struct Scanner<'t> {
    bytes: &'t [u8],
    pos: usize,
    line: u32,
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str) -> Scanner<'t> {
        Scanner {
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    fn document(&mut self) -> Option<Node> {
        self.value(0)
    }

    fn skip_space(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_space();
        let line = self.line;
        let value = match self.peek()? {
            b'{' => {
                self.pos += 1;
                let mut members = Vec::new();
                loop {
                    self.skip_space();
                    match self.peek()? {
                        b'}' => {
                            self.pos += 1;
                            break;
                        }
                        b',' => self.pos += 1,
                        b'"' => {
                            let key_line = self.line;
                            let key = self.string()?;
                            self.skip_space();
                            if self.peek()? != b':' {
                                return None;
                            }
                            self.pos += 1;
                            let node = self.value(depth + 1)?;
                            members.push((key, key_line, node));
                        }
                        _ => return None,
                    }
                }
                Value::Object(members)
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    match self.peek()? {
                        b']' => {
                            self.pos += 1;
                            break;
                        }
                        b',' => self.pos += 1,
                        _ => items.push(self.value(depth + 1)?),
                    }
                }
                Value::Array(items, OnceCell::new())
            }
            b'"' => Value::String(self.string()?),
            _ => {
                // A number, true, false or null: skip to the next delimiter.
                let start = self.pos;
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        break;
                    }
                    self.pos += 1;
                }
                if self.pos == start {
                    return None;
                }
                Value::Other
            }
        };
        Some(Node { line, value })
    }

    /// A string starting at the opening quote. Escapes are decoded well enough to compare
    /// names; `\u` escapes are decoded when they form a valid character.
    fn string(&mut self) -> Option<String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let b = self.peek()?;
            self.pos += 1;
            match b {
                b'"' => break,
                b'\n' => {
                    self.line += 1;
                    out.push(b);
                }
                b'\\' => {
                    let escaped = self.peek()?;
                    self.pos += 1;
                    match escaped {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'u' => {
                            let hex = self.bytes.get(self.pos..self.pos + 4)?;
                            self.pos += 4;
                            let code = std::str::from_utf8(hex)
                                .ok()
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .and_then(char::from_u32)
                                .unwrap_or(char::REPLACEMENT_CHARACTER);
                            let mut buf = [0; 4];
                            out.extend_from_slice(code.encode_utf8(&mut buf).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        Some(String::from_utf8_lossy(&out).into_owned())
    }
}

// ---------------------------------------------------------------------------------------------
// Protobuf dotted paths

/// `declarations` holds the schema's, then each reference's.
fn proto_line(declarations: &[HashMap<String, u32>], path: &str) -> Option<Found> {
    let path = path.trim_start_matches('.');
    let segments: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    let mut partial = None;
    for (index, declarations) in declarations.iter().enumerate() {
        let source = index.checked_sub(1);
        // Try the whole path, then ever shorter prefixes; each also without the package,
        // which the declarations are recorded both with and without.
        for len in (1..=segments.len()).rev() {
            let candidate = segments[..len].join(".");
            if let Some(&line) = declarations.get(&candidate) {
                let found = Found {
                    source,
                    line,
                    exact: len == segments.len(),
                };
                if found.exact {
                    return Some(found);
                }
                // Only the schema's own enclosing declaration is worth pointing at.
                if source.is_none() {
                    partial = Some(found);
                }
                break;
            }
        }
    }
    partial
}

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Punct(u8),
    Other,
}

/// Tokens with their lines; comments and string contents are skipped.
fn proto_tokens(text: &str) -> Vec<(Token, u32)> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = 0;
    let mut line = 1;
    while let Some(&b) = bytes.get(pos) {
        match b {
            b'\n' => {
                line += 1;
                pos += 1;
            }
            b'/' if bytes.get(pos + 1) == Some(&b'/') => {
                while bytes.get(pos).is_some_and(|&c| c != b'\n') {
                    pos += 1;
                }
            }
            b'/' if bytes.get(pos + 1) == Some(&b'*') => {
                pos += 2;
                while let Some(&c) = bytes.get(pos) {
                    if c == b'*' && bytes.get(pos + 1) == Some(&b'/') {
                        pos += 2;
                        break;
                    }
                    if c == b'\n' {
                        line += 1;
                    }
                    pos += 1;
                }
            }
            b'"' | b'\'' => {
                let start_line = line;
                pos += 1;
                while let Some(&c) = bytes.get(pos) {
                    pos += 1;
                    match c {
                        b'\\' => pos += 1,
                        b'\n' => line += 1,
                        c if c == b => break,
                        _ => {}
                    }
                }
                tokens.push((Token::Other, start_line));
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' => {
                let start = pos;
                while bytes
                    .get(pos)
                    .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
                {
                    pos += 1;
                }
                let word = String::from_utf8_lossy(&bytes[start..pos]).into_owned();
                tokens.push((Token::Word(word), line));
            }
            b if b.is_ascii_whitespace() => pos += 1,
            b if b.is_ascii_punctuation() => {
                tokens.push((Token::Punct(b), line));
                pos += 1;
            }
            _ => {
                tokens.push((Token::Other, line));
                pos += 1;
            }
        }
    }
    tokens
}

/// Every declaration's dotted name (with and without the package) and line: messages, enums,
/// services, oneofs, fields (also by number), enum values (also beside their enum, where
/// Protobuf scopes them) and rpcs.
fn proto_declarations(text: &str) -> HashMap<String, u32> {
    let tokens = proto_tokens(text);
    let mut package = String::new();
    let mut out: HashMap<String, u32> = HashMap::new();
    // Each open brace: the scope name it opened, if it was a declaration.
    let mut scopes: Vec<Option<String>> = Vec::new();
    let mut pending: Option<String> = None;
    let mut brackets = 0usize;
    let word = |i: usize| match tokens.get(i) {
        Some((Token::Word(w), _)) => Some(w.as_str()),
        _ => None,
    };
    let punct = |i: usize| match tokens.get(i) {
        Some((Token::Punct(p), _)) => Some(*p),
        _ => None,
    };
    let mut i = 0;
    while i < tokens.len() {
        let named: Vec<String> = scopes.iter().flatten().cloned().collect();
        let line = tokens[i].1;
        match &tokens[i].0 {
            Token::Punct(b'[') => brackets += 1,
            Token::Punct(b']') => brackets = brackets.saturating_sub(1),
            Token::Punct(b'{') => scopes.push(pending.take()),
            Token::Punct(b'}') => {
                scopes.pop();
            }
            Token::Punct(b';') => pending = None,
            Token::Word(w) if brackets == 0 => match w.as_str() {
                "package" if scopes.is_empty() => {
                    if let Some(name) = word(i + 1) {
                        package = name.to_string();
                    }
                }
                "message" | "enum" | "service" | "oneof" if punct(i + 2) == Some(b'{') => {
                    if let Some(name) = word(i + 1) {
                        record(&mut out, &package, &named, name, line);
                        pending = Some(name.to_string());
                        i += 1;
                    }
                }
                "rpc" => {
                    if let Some(name) = word(i + 1) {
                        record(&mut out, &package, &named, name, line);
                    }
                }
                name if punct(i + 1) == Some(b'=') => {
                    let number = match (word(i + 2), punct(i + 2)) {
                        (Some(n), _) => Some(n.to_string()),
                        (None, Some(b'-')) => word(i + 3).map(|n| format!("-{n}")),
                        _ => None,
                    };
                    if let Some(number) = number.filter(|n| {
                        n.trim_start_matches('-')
                            .starts_with(|c: char| c.is_ascii_digit())
                    }) {
                        record(&mut out, &package, &named, name, line);
                        record(&mut out, &package, &named, &number, line);
                        // Fields of a oneof belong to the message; enum values are scoped
                        // beside their enum.
                        if let Some((_, outer)) = named.split_last() {
                            record(&mut out, &package, outer, name, line);
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        }
        i += 1;
    }
    out
}

/// Records `scope.name` at `line`, once relative to the package and once fully qualified.
fn record(out: &mut HashMap<String, u32>, package: &str, scope: &[String], name: &str, line: u32) {
    let mut relative = scope.to_vec();
    relative.push(name.to_string());
    let relative = relative.join(".");
    if !package.is_empty() {
        out.entry(format!("{package}.{relative}")).or_insert(line);
    }
    out.entry(relative).or_insert(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    const AVRO: &str = r#"{
  "type": "record",
  "name": "OrderPlaced",
  "fields": [
    {"name": "orderId", "type": "string"},
    {"name": "type", "type": "string"},
    {
      "name": "lines",
      "type": {"type": "array", "items": {
        "type": "record", "name": "Line",
        "fields": [
          {"name": "sku", "type": "string"}
        ]}}
    },
    {"name": "coupon", "type": ["null", {"type": "record", "name": "Coupon",
      "fields": [{"name": "code", "type": "string"}]}], "default": null}
  ]
}"#;

    fn exact(line: u32) -> Option<Found> {
        Some(Found {
            source: None,
            line,
            exact: true,
        })
    }

    fn partial(line: u32) -> Option<Found> {
        Some(Found {
            source: None,
            line,
            exact: false,
        })
    }

    fn avro(text: &str, path: &str) -> Option<Found> {
        line_of(Format::Avro, text, &[], path)
    }

    fn json(text: &str, path: &str) -> Option<Found> {
        line_of(Format::Json, text, &[], path)
    }

    fn proto(text: &str, path: &str) -> Option<Found> {
        line_of(Format::Protobuf, text, &[], path)
    }

    #[test]
    fn avro_paths_by_field_name_and_index() {
        assert_eq!(avro(AVRO, "/fields/orderId"), exact(5));
        assert_eq!(avro(AVRO, "/fields/0"), exact(5));
        assert_eq!(avro(AVRO, "/fields/type"), exact(6));
        assert_eq!(avro(AVRO, "/fields/lines/type/items/fields/sku"), exact(12));
        assert_eq!(avro(AVRO, "/fields/coupon/type/fields/code"), exact(16));
        assert_eq!(avro(AVRO, ""), exact(1));
        assert_eq!(avro(AVRO, "/fields/missing"), partial(4));
    }

    #[test]
    fn json_schema_pointers_with_escapes() {
        let text = "{\n  \"properties\": {\n    \"a/b\": {\"type\": \"string\"},\n    \"c~d\": true\n  }\n}";
        assert_eq!(json(text, "#/properties/a~1b"), exact(3));
        assert_eq!(json(text, "/properties/c~0d"), exact(4));
    }

    #[test]
    fn invalid_or_deep_json_gives_nothing() {
        assert_eq!(json("{\"a\": ", "/a"), None);
        let deep = "[".repeat(100_000);
        assert_eq!(json(&deep, "/0"), None);
    }

    const PROTO: &str = r#"syntax = "proto3";
package shop.payments.v1;

import "google/protobuf/timestamp.proto";

// A captured payment; the text "message Fake {" in a comment is ignored.
message PaymentCaptured {
  string payment_id = 1 [json_name = "paymentId"];
  oneof method {
    string card_token = 2;
  }
  enum Kind {
    KIND_UNSPECIFIED = 0;
    KIND_CARD = 1;
  }
  message Amount {
    int64 minor_units = 1;
  }
}
"#;

    #[test]
    fn proto_declarations_are_found() {
        assert_eq!(proto(PROTO, "shop.payments.v1.PaymentCaptured"), exact(7));
        assert_eq!(
            proto(PROTO, "shop.payments.v1.PaymentCaptured.payment_id"),
            exact(8)
        );
        assert_eq!(proto(PROTO, "PaymentCaptured.card_token"), exact(10));
        assert_eq!(proto(PROTO, "PaymentCaptured.method"), exact(9));
        assert_eq!(proto(PROTO, "PaymentCaptured.Kind.KIND_CARD"), exact(14));
        assert_eq!(
            proto(
                PROTO,
                ".shop.payments.v1.PaymentCaptured.Amount.minor_units"
            ),
            exact(17)
        );
        assert_eq!(proto(PROTO, "PaymentCaptured.1"), exact(8));
        assert_eq!(proto(PROTO, "PaymentCaptured.gone"), partial(7));
        assert_eq!(proto(PROTO, "Fake"), None);
    }

    #[test]
    fn avro_type_names_lead_to_their_definition() {
        let envelope = "{\n  \"type\": \"record\",\n  \"name\": \"Envelope\",\n  \"namespace\": \"shop.common\",\n  \"fields\": [\n    {\"name\": \"eventId\", \"type\": \"string\"}\n  ]\n}";
        let refs = [("shop.common.Envelope", envelope)];
        let event = "{\n  \"type\": \"record\", \"name\": \"E\",\n  \"fields\": [\n    {\"name\": \"envelope\", \"type\": \"shop.common.Envelope\"},\n    {\"name\": \"again\", \"type\": \"E\"}\n  ]\n}";
        assert_eq!(
            line_of(
                Format::Avro,
                event,
                &refs,
                "/fields/envelope/type/fields/eventId"
            ),
            Some(Found {
                source: Some(0),
                line: 6,
                exact: true
            })
        );
        // A recursive type is followed a bounded number of times.
        let looping = format!("/fields/again{}", "/type/fields/again".repeat(100));
        assert_eq!(
            line_of(Format::Avro, event, &refs, &looping).map(|f| f.exact),
            Some(false)
        );
        // Inside the same document, by short name.
        assert_eq!(avro(AVRO, "/fields/coupon/type/1/fields/code"), exact(16));
    }

    #[test]
    fn json_schema_refs_are_followed() {
        let envelope = "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"eventId\": {\"type\": \"string\"}\n  }\n}";
        let refs = [("envelope.json", envelope)];
        let event = "{\n  \"properties\": {\n    \"envelope\": {\"$ref\": \"envelope.json\"},\n    \"local\": {\"$ref\": \"#/$defs/x\"}\n  },\n  \"$defs\": {\n    \"x\": {\"properties\": {\"y\": true}}\n  }\n}";
        assert_eq!(
            line_of(
                Format::Json,
                event,
                &refs,
                "#/properties/envelope/properties/eventId"
            ),
            Some(Found {
                source: Some(0),
                line: 4,
                exact: true
            })
        );
        assert_eq!(
            line_of(Format::Json, event, &refs, "/properties/local/properties/y"),
            exact(7)
        );
        assert_eq!(
            line_of(
                Format::Json,
                event,
                &[],
                "/properties/envelope/properties/eventId"
            ),
            partial(3)
        );
    }

    #[test]
    fn proto_paths_into_imports() {
        let envelope = "syntax = \"proto3\";\npackage shop.common;\nmessage Envelope {\n  string event_id = 1;\n}\n";
        assert_eq!(
            line_of(
                Format::Protobuf,
                PROTO,
                &[("shop/common/envelope.proto", envelope)],
                "shop.common.Envelope.event_id"
            ),
            Some(Found {
                source: Some(0),
                line: 4,
                exact: true
            })
        );
    }
}
