//! The texts Stele derives from an Avro schema: its stored canonical form, Confluent's
//! normalized form, the specification's Parsing Canonical Form and its CRC-64-AVRO fingerprint.
//!
//! **Canonical form** (what `Parsed::canonical` returns and the registry stores). Compact JSON
//! with a fixed key order, so that white space, attribute order, `"string"` versus
//! `{"type":"string"}`, a namespace written on a type versus inherited from the enclosing one,
//! and a fully qualified `name` versus `namespace` plus `name` all give one text. It keeps
//! everything that matters to a Confluent client: field order, defaults, aliases (as fullnames,
//! in the order written), `doc`, logical types with their attributes, `order` (unless it is
//! the default `ascending`), enum defaults, and custom properties (sorted by key). Keys inside
//! JSON objects in defaults and property values are sorted too. Named types are written where
//! the schema first uses them and by name afterwards; types that come from references are
//! written by name and never inlined, exactly as the client sent them. A named type's `name`
//! is its short name, with `namespace` only where it differs from the enclosing one (the way
//! Avro Java prints schemas).
//!
//! **Normalized form** (`ParseOptions::normalize`), the equivalent of Confluent's
//! `AvroSchema.normalize()`: every name is a fullname and no `namespace` attribute is written;
//! keys come in Confluent's order (`name`, `type`, then `fields`/`symbols`/`size`, then `doc`,
//! `aliases`, enum `default`, properties); aliases are sorted; an empty `doc` on a named type is
//! dropped. Two deliberate differences from Confluent: `"order":"ascending"` is never written
//! (it is the default), and a type in the null namespace nested inside a namespaced one keeps
//! `"namespace":""`, without which re-parsing would move it into the enclosing namespace.
//!
//! One case neither form can express, like Avro Java's printer: a *reference* to a type in the
//! null namespace from inside a namespaced type is written as its bare name, which a parser
//! reads as a name in the enclosing namespace.
//!
//! **Parsing Canonical Form** follows the specification: references inlined at first use,
//! fullnames, only `type`, `name`, `fields`, `symbols`, `items`, `values` and `size`, in that
//! order, and logical types replaced by their underlying primitive (apache-avro keeps them,
//! which breaks fingerprints shared with Java and Python clients).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use super::model::{Model, NamedKind, Props, Ty, namespace_of, short_name};

/// Writes `value` as compact JSON with object keys sorted, recursively.
fn sorted_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            out.push('{');
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(key, out);
                out.push(':');
                sorted_json(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(list) => {
            out.push('[');
            for (i, item) in list.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                sorted_json(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn string(s: &str, out: &mut String) {
    out.push_str(&Value::String(s.to_string()).to_string());
}

fn key(name: &str, out: &mut String) {
    out.push(',');
    string(name, out);
    out.push(':');
}

fn props(props: &Props, out: &mut String) {
    for (name, value) in props {
        key(name, out);
        sorted_json(value, out);
    }
}

/// The canonical form, or the normalized one when `normalize` is set.
pub(crate) fn canonical(model: &Model, normalize: bool) -> String {
    let mut writer = Writer {
        model,
        normalize,
        written: BTreeSet::new(),
        out: String::new(),
    };
    writer.ty(model.root(), "");
    writer.out
}

struct Writer<'m> {
    model: &'m Model,
    normalize: bool,
    written: BTreeSet<&'m str>,
    out: String,
}

impl<'m> Writer<'m> {
    fn name_ref(&mut self, fullname: &str, enclosing: &str) {
        let ns = namespace_of(fullname);
        if !self.normalize && !ns.is_empty() && ns == enclosing {
            string(short_name(fullname), &mut self.out);
        } else {
            string(fullname, &mut self.out);
        }
    }

    fn ty(&mut self, ty: &'m Ty, enclosing: &str) {
        match ty {
            Ty::Prim(prim, attrs) if attrs.is_empty() => string(prim.name(), &mut self.out),
            Ty::Prim(prim, attrs) => {
                self.out.push_str("{\"type\":");
                string(prim.name(), &mut self.out);
                props(attrs, &mut self.out);
                self.out.push('}');
            }
            Ty::Array(inner, attrs) | Ty::Map(inner, attrs) => {
                let (kind, key_name) = match ty {
                    Ty::Array(..) => ("array", "items"),
                    _ => ("map", "values"),
                };
                let _ = write!(self.out, "{{\"type\":\"{kind}\"");
                key(key_name, &mut self.out);
                self.ty(inner, enclosing);
                props(attrs, &mut self.out);
                self.out.push('}');
            }
            Ty::Union(branches) => {
                self.out.push('[');
                for (i, branch) in branches.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ty(branch, enclosing);
                }
                self.out.push(']');
            }
            Ty::Named(fullname) => {
                let defined_here = self.model.own.contains(fullname);
                if !defined_here || self.written.contains(fullname.as_str()) {
                    self.name_ref(fullname, enclosing);
                } else {
                    self.written.insert(fullname);
                    self.definition(fullname, enclosing);
                }
            }
        }
    }

    fn definition(&mut self, fullname: &'m str, enclosing: &str) {
        let Some(def) = self.model.named.get(fullname) else {
            string(fullname, &mut self.out);
            return;
        };
        let ns = namespace_of(fullname);
        let out = &mut self.out;
        if self.normalize {
            out.push_str("{\"name\":");
            string(fullname, out);
            key("type", out);
            string(def.kind.word(), out);
            if ns.is_empty() && !enclosing.is_empty() {
                out.push_str(",\"namespace\":\"\"");
            }
        } else {
            out.push_str("{\"type\":");
            string(def.kind.word(), out);
            key("name", out);
            string(short_name(fullname), out);
            if ns != enclosing {
                key("namespace", out);
                string(ns, out);
            }
            if let Some(doc) = &def.doc {
                key("doc", out);
                string(doc, out);
            }
            if !def.aliases.is_empty() {
                key("aliases", out);
                sorted_json(&Value::from(def.aliases.clone()), out);
            }
        }
        match &def.kind {
            NamedKind::Record { fields } => {
                key("fields", &mut self.out);
                self.out.push('[');
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.out.push_str("{\"name\":");
                    string(&field.name, &mut self.out);
                    key("type", &mut self.out);
                    self.ty(&field.ty, ns);
                    let out = &mut self.out;
                    let mut aliases = field.aliases.clone();
                    if self.normalize {
                        aliases.sort();
                        if let Some(order) = &field.order {
                            key("order", out);
                            string(order, out);
                        }
                    }
                    if let Some(doc) = &field.doc {
                        key("doc", out);
                        string(doc, out);
                    }
                    if !self.normalize {
                        if let Some(default) = &field.default {
                            key("default", out);
                            sorted_json(default, out);
                        }
                        if let Some(order) = &field.order {
                            key("order", out);
                            string(order, out);
                        }
                    }
                    if !aliases.is_empty() {
                        key("aliases", out);
                        sorted_json(&Value::from(aliases), out);
                    }
                    if self.normalize
                        && let Some(default) = &field.default
                    {
                        key("default", out);
                        sorted_json(default, out);
                    }
                    props(&field.props, out);
                    out.push('}');
                }
                self.out.push(']');
            }
            NamedKind::Enum { symbols, default } => {
                let out = &mut self.out;
                key("symbols", out);
                sorted_json(&Value::from(symbols.clone()), out);
                if !self.normalize
                    && let Some(default) = default
                {
                    key("default", out);
                    string(default, out);
                }
            }
            NamedKind::Fixed { size } => {
                let _ = write!(self.out, ",\"size\":{size}");
            }
        }
        let out = &mut self.out;
        if self.normalize {
            if let Some(doc) = def.doc.as_ref().filter(|d| !d.is_empty()) {
                key("doc", out);
                string(doc, out);
            }
            if !def.aliases.is_empty() {
                let mut aliases = def.aliases.clone();
                aliases.sort();
                key("aliases", out);
                sorted_json(&Value::from(aliases), out);
            }
            if let NamedKind::Enum {
                default: Some(default),
                ..
            } = &def.kind
            {
                key("default", out);
                string(default, out);
            }
        }
        props(&def.props, out);
        out.push('}');
    }
}

/// The specification's Parsing Canonical Form, with every named type (including those from
/// references) inlined at its first use and logical types reduced to their primitive.
pub(crate) fn parsing_canonical_form(model: &Model) -> String {
    let mut out = String::new();
    let mut written = BTreeSet::new();
    pcf(model, model.root(), &mut written, &mut out);
    out
}

fn pcf<'m>(model: &'m Model, ty: &'m Ty, written: &mut BTreeSet<&'m str>, out: &mut String) {
    match ty {
        Ty::Prim(prim, _) => string(prim.name(), out),
        Ty::Array(items, _) => {
            out.push_str("{\"type\":\"array\",\"items\":");
            pcf(model, items, written, out);
            out.push('}');
        }
        Ty::Map(values, _) => {
            out.push_str("{\"type\":\"map\",\"values\":");
            pcf(model, values, written, out);
            out.push('}');
        }
        Ty::Union(branches) => {
            out.push('[');
            for (i, branch) in branches.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pcf(model, branch, written, out);
            }
            out.push(']');
        }
        Ty::Named(fullname) => {
            let def = match model.named.get(fullname) {
                Some(def) if !written.contains(fullname.as_str()) => def,
                _ => return string(fullname, out),
            };
            written.insert(fullname);
            out.push_str("{\"name\":");
            string(fullname, out);
            key("type", out);
            string(def.kind.word(), out);
            match &def.kind {
                NamedKind::Record { fields } => {
                    out.push_str(",\"fields\":[");
                    for (i, field) in fields.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str("{\"name\":");
                        string(&field.name, out);
                        out.push_str(",\"type\":");
                        pcf(model, &field.ty, written, out);
                        out.push('}');
                    }
                    out.push(']');
                }
                NamedKind::Enum { symbols, .. } => {
                    key("symbols", out);
                    out.push_str(&Value::from(symbols.clone()).to_string());
                }
                NamedKind::Fixed { size } => {
                    let _ = write!(out, ",\"size\":{size}");
                }
            }
            out.push('}');
        }
    }
}

const CRC64_AVRO_EMPTY: u64 = 0xc15d_213a_a4d7_a795;

/// The specification's 64-bit Rabin fingerprint (CRC-64-AVRO) of `bytes`.
pub(crate) fn rabin(bytes: &[u8]) -> u64 {
    let mut table = [0u64; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut fp = i as u64;
        for _ in 0..8 {
            fp = (fp >> 1) ^ (CRC64_AVRO_EMPTY & (fp & 1).wrapping_neg());
        }
        *slot = fp;
    }
    let mut fp = CRC64_AVRO_EMPTY;
    for &byte in bytes {
        fp = (fp >> 8) ^ table[((fp ^ u64::from(byte)) & 0xff) as usize];
    }
    fp
}
