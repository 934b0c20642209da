//! Stele's own model of an Avro schema, built from the JSON text, and the checks apache-avro
//! does not make.
//!
//! apache-avro's `Schema` keeps references as bare names and forgets named-type aliases in its
//! checker, so the canonical forms and the compatibility checker work over this smaller model
//! instead: every named type lives once in a table keyed by its fullname, and the tree refers to
//! it by that name. Building the model validates what apache-avro lets through (DEPENDENCIES.md
//! §1): defaults that do not match their type (a union default must match the union's first
//! branch), a fullname defined twice with different bodies, absurd fixed sizes, and nesting
//! deeper than [`MAX_DEPTH`]. It also rejects invalid names, duplicate fields and symbols with a
//! JSON-pointer path to the problem. It does not interpret logical types beyond keeping their
//! attributes: the specification says an invalid logical type is ignored, not an error.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::{Map, Value};

use crate::format::{MAX_DEPTH, ParseError, ParseErrorKind};

/// Attributes kept beside a type: `logicalType`, its `precision`/`scale`, custom properties.
pub(crate) type Props = BTreeMap<String, Value>;

/// Named types by full name.
pub(crate) type NamedTypes = foldhash::HashMap<String, Named>;

/// Largest `size` a fixed type may declare. Avro Java stores sizes in an `int`, and a larger
/// size would let one datum claim gigabytes.
pub(crate) const MAX_FIXED_SIZE: u64 = i32::MAX as u64;

/// Deepest nesting accepted once types used by name, including those from references, are
/// written out in place. The Parsing Canonical Form and the compatibility walk go that deep,
/// so a long chain of references, each shallow on its own, must not take them past what a
/// 2 MiB stack holds.
pub(crate) const MAX_INLINED_DEPTH: usize = 2 * MAX_DEPTH;

/// The eight primitive types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Prim {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
}

impl Prim {
    pub(crate) fn from_name(name: &str) -> Option<Prim> {
        Some(match name {
            "null" => Prim::Null,
            "boolean" => Prim::Boolean,
            "int" => Prim::Int,
            "long" => Prim::Long,
            "float" => Prim::Float,
            "double" => Prim::Double,
            "bytes" => Prim::Bytes,
            "string" => Prim::String,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Prim::Null => "null",
            Prim::Boolean => "boolean",
            Prim::Int => "int",
            Prim::Long => "long",
            Prim::Float => "float",
            Prim::Double => "double",
            Prim::Bytes => "bytes",
            Prim::String => "string",
        }
    }
}

/// A type in the tree. Named types appear only as [`Ty::Named`]; their bodies are in
/// [`Model::named`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    Prim(Prim, Props),
    Array(Box<Ty>, Props),
    Map(Box<Ty>, Props),
    Union(Vec<Ty>),
    Named(String),
}

/// A record, enum or fixed, keyed by its fullname.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Named {
    pub fullname: String,
    pub kind: NamedKind,
    /// Fullnames, resolved against the type's namespace.
    pub aliases: Vec<String>,
    pub doc: Option<String>,
    pub props: Props,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NamedKind {
    Record {
        fields: Vec<Field>,
    },
    Enum {
        symbols: Vec<String>,
        default: Option<String>,
    },
    Fixed {
        size: u64,
    },
}

impl NamedKind {
    pub(crate) fn word(&self) -> &'static str {
        match self {
            NamedKind::Record { .. } => "record",
            NamedKind::Enum { .. } => "enum",
            NamedKind::Fixed { .. } => "fixed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub name: String,
    pub ty: Ty,
    pub default: Option<Value>,
    pub aliases: Vec<String>,
    pub doc: Option<String>,
    /// `descending` or `ignore`; `ascending`, the default, is not kept.
    pub order: Option<String>,
    pub props: Props,
}

/// A parsed schema: its root type, every named type it can see (its own and those of its
/// references) and which of them its own text defines.
///
/// `named` is looked up for every reference the compatibility walk meets (once per field of
/// a named type, on both sides), and never iterated: a hash map, with foldhash as elsewhere in
/// the engine (randomly seeded per process, so schema authors cannot aim for collisions).
#[derive(Debug, Clone, Default)]
pub(crate) struct Model {
    pub root: Option<Ty>,
    pub named: NamedTypes,
    pub own: BTreeSet<String>,
}

impl Model {
    pub(crate) fn root(&self) -> &Ty {
        const NULL: &Ty = &Ty::Prim(Prim::Null, BTreeMap::new());
        self.root.as_ref().unwrap_or(NULL)
    }
}

/// The namespace part of a fullname (empty for the null namespace).
pub(crate) fn namespace_of(fullname: &str) -> &str {
    fullname.rsplit_once('.').map_or("", |(ns, _)| ns)
}

/// The unqualified part of a fullname.
pub(crate) fn short_name(fullname: &str) -> &str {
    fullname.rsplit_once('.').map_or(fullname, |(_, name)| name)
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn valid_fullname(name: &str) -> bool {
    name.split('.').all(valid_name)
}

fn qualify(name: &str, namespace: &str) -> String {
    if name.contains('.') || namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}.{name}")
    }
}

/// Keys that carry meaning for some type; anything else is a custom property. Avro Java drops
/// these when they appear on a type that does not use them, and so do we.
const RESERVED: &[&str] = &[
    "type",
    "name",
    "namespace",
    "doc",
    "aliases",
    "fields",
    "symbols",
    "items",
    "values",
    "size",
    "default",
];

const FIELD_RESERVED: &[&str] = &["name", "type", "default", "aliases", "doc", "order"];

fn props_of(object: &Map<String, Value>, reserved: &[&str]) -> Props {
    object
        .iter()
        .filter(|(key, _)| !reserved.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

fn invalid(message: impl Into<String>, path: &str) -> ParseError {
    let error = ParseError::new(ParseErrorKind::Invalid, message);
    if path.is_empty() {
        error
    } else {
        error.at_path(path)
    }
}

/// Builds a [`Model`] from already-parsed JSON: first the dependencies (in order), then the
/// schema itself. `file` names the dependency being read, for error messages.
pub(crate) struct Builder {
    model: Model,
    in_progress: BTreeSet<String>,
    /// For each finished named type, how deep its body nests once every type it uses by
    /// name is written out in place (an upper bound; recursive uses count as one level).
    inlined_depth: BTreeMap<String, usize>,
    defaults: Vec<(String, Ty, Value)>,
    own: bool,
}

impl Builder {
    pub(crate) fn new() -> Builder {
        Builder {
            model: Model::default(),
            in_progress: BTreeSet::new(),
            inlined_depth: BTreeMap::new(),
            defaults: Vec::new(),
            own: false,
        }
    }

    /// Adds a referenced schema's named types.
    pub(crate) fn add_dependency(&mut self, value: &Value) -> Result<(), ParseError> {
        self.own = false;
        self.ty(value, "", "", 0)?;
        self.check_defaults()
    }

    /// Reads the schema itself and returns the finished model.
    pub(crate) fn finish(mut self, value: &Value) -> Result<Model, ParseError> {
        self.own = true;
        let root = self.ty(value, "", "", 0)?;
        let depth = self.depth_of(&root);
        if depth > MAX_INLINED_DEPTH {
            return Err(ParseError::new(
                ParseErrorKind::TooLarge,
                format!(
                    "types nest {depth} levels deep once referenced types are written out in \
                     place, more than the limit of {MAX_INLINED_DEPTH}"
                ),
            ));
        }
        self.check_defaults()?;
        self.model.root = Some(root);
        Ok(self.model)
    }

    /// Nesting depth of `ty` with named types written out in place. Named types are looked up,
    /// not walked, so this recursion is bounded by the text's own nesting.
    fn depth_of(&self, ty: &Ty) -> usize {
        match ty {
            Ty::Prim(..) => 1,
            Ty::Array(inner, _) | Ty::Map(inner, _) => 1 + self.depth_of(inner),
            Ty::Union(branches) => 1 + branches.iter().map(|b| self.depth_of(b)).max().unwrap_or(0),
            Ty::Named(name) => self.inlined_depth.get(name).copied().unwrap_or(1),
        }
    }

    fn check_defaults(&mut self) -> Result<(), ParseError> {
        for (path, ty, value) in std::mem::take(&mut self.defaults) {
            if let Err(why) = default_matches(&ty, &value, &self.model.named, 0) {
                return Err(invalid(
                    format!(
                        "default value {} does not match the field's type: {why}",
                        short_json(&value)
                    ),
                    &path,
                ));
            }
        }
        Ok(())
    }

    fn ty(
        &mut self,
        value: &Value,
        namespace: &str,
        path: &str,
        depth: usize,
    ) -> Result<Ty, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::new(
                ParseErrorKind::TooLarge,
                format!("types are nested more than {MAX_DEPTH} levels deep"),
            )
            .at_path(path));
        }
        match value {
            Value::String(name) => self.reference(name, namespace, path),
            Value::Array(branches) => self.union(branches, namespace, path, depth),
            Value::Object(object) => self.complex(object, namespace, path, depth),
            other => Err(invalid(
                format!(
                    "expected a type (a name, an object or a union array), found {}",
                    short_json(other)
                ),
                path,
            )),
        }
    }

    fn reference(&mut self, name: &str, namespace: &str, path: &str) -> Result<Ty, ParseError> {
        if let Some(prim) = Prim::from_name(name) {
            return Ok(Ty::Prim(prim, Props::new()));
        }
        let fullname = qualify(name, namespace);
        if self.model.named.contains_key(&fullname) || self.in_progress.contains(&fullname) {
            return Ok(Ty::Named(fullname));
        }
        let error = ParseError::new(
            ParseErrorKind::Reference,
            format!(
                "unknown type `{fullname}`: define it before using it, or reference the schema \
                 that defines it"
            ),
        );
        Err(if path.is_empty() {
            error
        } else {
            error.at_path(path)
        })
    }

    fn union(
        &mut self,
        branches: &[Value],
        namespace: &str,
        path: &str,
        depth: usize,
    ) -> Result<Ty, ParseError> {
        let mut out: Vec<Ty> = Vec::with_capacity(branches.len());
        for (index, branch) in branches.iter().enumerate() {
            let branch_path = format!("{path}/{index}");
            let ty = self.ty(branch, namespace, &branch_path, depth + 1)?;
            if matches!(ty, Ty::Union(_)) {
                return Err(invalid(
                    "a union may not directly contain another union",
                    &branch_path,
                ));
            }
            if let Some(earlier) = out.iter().position(|seen| same_branch(seen, &ty)) {
                return Err(invalid(
                    format!(
                        "union branches {earlier} and {index} have the same type {}",
                        branch_key(&ty)
                    ),
                    &branch_path,
                ));
            }
            out.push(ty);
        }
        Ok(Ty::Union(out))
    }

    fn complex(
        &mut self,
        object: &Map<String, Value>,
        namespace: &str,
        path: &str,
        depth: usize,
    ) -> Result<Ty, ParseError> {
        let type_path = format!("{path}/type");
        let kind = match object.get("type") {
            None => return Err(invalid("missing `type`", path)),
            Some(Value::String(kind)) => kind.as_str(),
            // `{"type": {...}}` and `{"type": [...]}` wrap a type; the wrapper adds nothing.
            Some(inner) => return self.ty(inner, namespace, &type_path, depth + 1),
        };
        match kind {
            "record" | "enum" | "fixed" => self.named(object, kind, namespace, path, depth),
            "array" | "map" => {
                let key = if kind == "array" { "items" } else { "values" };
                let inner = object
                    .get(key)
                    .ok_or_else(|| invalid(format!("{kind} is missing `{key}`"), path))?;
                let inner =
                    Box::new(self.ty(inner, namespace, &format!("{path}/{key}"), depth + 1)?);
                let props = props_of(object, RESERVED);
                Ok(if kind == "array" {
                    Ty::Array(inner, props)
                } else {
                    Ty::Map(inner, props)
                })
            }
            other => match Prim::from_name(other) {
                Some(prim) => Ok(Ty::Prim(prim, props_of(object, RESERVED))),
                None => self.reference(other, namespace, &type_path),
            },
        }
    }

    fn named(
        &mut self,
        object: &Map<String, Value>,
        kind: &str,
        namespace: &str,
        path: &str,
        depth: usize,
    ) -> Result<Ty, ParseError> {
        let name = match object.get("name") {
            Some(Value::String(name)) => name.as_str(),
            Some(_) => return Err(invalid("`name` must be a string", &format!("{path}/name"))),
            None => return Err(invalid(format!("{kind} is missing `name`"), path)),
        };
        let own_namespace = match object.get("namespace") {
            None | Some(Value::Null) => namespace,
            Some(Value::String(ns)) => ns.as_str(),
            Some(_) => {
                return Err(invalid(
                    "`namespace` must be a string",
                    &format!("{path}/namespace"),
                ));
            }
        };
        let fullname = qualify(name, own_namespace);
        if !valid_fullname(&fullname) || Prim::from_name(&fullname).is_some() {
            return Err(invalid(
                format!(
                    "invalid name `{fullname}`: each part must start with a letter or `_` and \
                     contain only letters, digits and `_`"
                ),
                &format!("{path}/name"),
            ));
        }
        let type_namespace = namespace_of(&fullname).to_string();
        if self.in_progress.contains(&fullname) {
            return Err(invalid(
                format!("type `{fullname}` is defined inside its own definition"),
                &format!("{path}/name"),
            ));
        }
        let aliases = self.aliases(object, &type_namespace, path, true)?;
        let doc = doc_of(object, path)?;
        self.in_progress.insert(fullname.clone());
        let body = match kind {
            "record" => self.record(object, &type_namespace, path, depth),
            "enum" => enumeration(object, path),
            _ => fixed(object, path),
        };
        self.in_progress.remove(&fullname);
        let named = Named {
            fullname: fullname.clone(),
            kind: body?,
            aliases,
            doc,
            props: props_of(object, RESERVED),
        };
        if let Some(existing) = self.model.named.get(&fullname) {
            if *existing != named {
                return Err(invalid(
                    format!("type `{fullname}` is defined twice with different definitions"),
                    &format!("{path}/name"),
                ));
            }
        } else {
            let depth = match &named.kind {
                NamedKind::Record { fields } => {
                    1 + fields
                        .iter()
                        .map(|f| self.depth_of(&f.ty))
                        .max()
                        .unwrap_or(0)
                }
                NamedKind::Enum { .. } | NamedKind::Fixed { .. } => 1,
            };
            self.inlined_depth.insert(fullname.clone(), depth);
            self.model.named.insert(fullname.clone(), named);
        }
        if self.own {
            self.model.own.insert(fullname.clone());
        }
        Ok(Ty::Named(fullname))
    }

    fn aliases(
        &self,
        object: &Map<String, Value>,
        namespace: &str,
        path: &str,
        qualified: bool,
    ) -> Result<Vec<String>, ParseError> {
        let alias_path = format!("{path}/aliases");
        let list = match object.get("aliases") {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(list)) => list,
            Some(_) => return Err(invalid("`aliases` must be an array of names", &alias_path)),
        };
        let mut out = Vec::with_capacity(list.len());
        for (index, alias) in list.iter().enumerate() {
            let Some(alias) = alias.as_str() else {
                return Err(invalid(
                    "an alias must be a string",
                    &format!("{alias_path}/{index}"),
                ));
            };
            let ok = if qualified {
                valid_fullname(alias)
            } else {
                valid_name(alias)
            };
            if !ok {
                return Err(invalid(
                    format!("invalid alias `{alias}`"),
                    &format!("{alias_path}/{index}"),
                ));
            }
            out.push(if qualified {
                qualify(alias, namespace)
            } else {
                alias.to_string()
            });
        }
        Ok(out)
    }

    fn record(
        &mut self,
        object: &Map<String, Value>,
        namespace: &str,
        path: &str,
        depth: usize,
    ) -> Result<NamedKind, ParseError> {
        let Some(Value::Array(list)) = object.get("fields") else {
            return Err(invalid("record is missing the `fields` array", path));
        };
        let mut fields: Vec<Field> = Vec::with_capacity(list.len());
        // A set, not a scan of `fields`: a record may have tens of thousands of fields.
        let mut seen: HashSet<String> = HashSet::with_capacity(list.len());
        for (index, field) in list.iter().enumerate() {
            let field_path = format!("{path}/fields/{index}");
            let Value::Object(field) = field else {
                return Err(invalid("a field must be an object", &field_path));
            };
            let name = match field.get("name") {
                Some(Value::String(name)) if valid_name(name) => name.clone(),
                Some(Value::String(name)) => {
                    return Err(invalid(
                        format!(
                            "invalid field name `{name}`: it must start with a letter or `_` and \
                             contain only letters, digits and `_`"
                        ),
                        &format!("{field_path}/name"),
                    ));
                }
                _ => return Err(invalid("field is missing a string `name`", &field_path)),
            };
            if !seen.insert(name.clone()) {
                return Err(invalid(
                    format!("field `{name}` is defined twice"),
                    &format!("{field_path}/name"),
                ));
            }
            let type_value = field
                .get("type")
                .ok_or_else(|| invalid(format!("field `{name}` is missing `type`"), &field_path))?;
            let ty = self.ty(
                type_value,
                namespace,
                &format!("{field_path}/type"),
                depth + 1,
            )?;
            let default = field.get("default").cloned();
            if let Some(value) = &default {
                self.defaults
                    .push((format!("{field_path}/default"), ty.clone(), value.clone()));
            }
            let order = match field.get("order") {
                None => None,
                Some(Value::String(order)) if order == "ascending" => None,
                Some(Value::String(order)) if order == "descending" || order == "ignore" => {
                    Some(order.clone())
                }
                Some(_) => {
                    return Err(invalid(
                        "`order` must be \"ascending\", \"descending\" or \"ignore\"",
                        &format!("{field_path}/order"),
                    ));
                }
            };
            fields.push(Field {
                name,
                ty,
                default,
                aliases: self.aliases(field, namespace, &field_path, false)?,
                doc: doc_of(field, &field_path)?,
                order,
                props: props_of(field, FIELD_RESERVED),
            });
        }
        Ok(NamedKind::Record { fields })
    }
}

fn doc_of(object: &Map<String, Value>, path: &str) -> Result<Option<String>, ParseError> {
    match object.get("doc") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(doc)) => Ok(Some(doc.clone())),
        Some(_) => Err(invalid("`doc` must be a string", &format!("{path}/doc"))),
    }
}

fn enumeration(object: &Map<String, Value>, path: &str) -> Result<NamedKind, ParseError> {
    let Some(Value::Array(list)) = object.get("symbols") else {
        return Err(invalid("enum is missing the `symbols` array", path));
    };
    let mut symbols: Vec<String> = Vec::with_capacity(list.len());
    let mut seen: HashSet<&str> = HashSet::with_capacity(list.len());
    for (index, symbol) in list.iter().enumerate() {
        let symbol_path = format!("{path}/symbols/{index}");
        let Some(symbol) = symbol.as_str().filter(|s| valid_name(s)) else {
            return Err(invalid(
                format!(
                    "invalid enum symbol {}: it must start with a letter or `_` and contain only \
                     letters, digits and `_`",
                    short_json(symbol)
                ),
                &symbol_path,
            ));
        };
        if !seen.insert(symbol) {
            return Err(invalid(
                format!("enum symbol `{symbol}` is listed twice"),
                &symbol_path,
            ));
        }
        symbols.push(symbol.to_string());
    }
    let default = match object.get("default") {
        None | Some(Value::Null) => None,
        Some(Value::String(symbol)) if symbols.contains(symbol) => Some(symbol.clone()),
        Some(other) => {
            return Err(invalid(
                format!(
                    "enum default {} is not one of its symbols",
                    short_json(other)
                ),
                &format!("{path}/default"),
            ));
        }
    };
    Ok(NamedKind::Enum { symbols, default })
}

fn fixed(object: &Map<String, Value>, path: &str) -> Result<NamedKind, ParseError> {
    let size_path = format!("{path}/size");
    match object.get("size") {
        Some(Value::Number(n)) => match n.as_u64() {
            Some(size) if size <= MAX_FIXED_SIZE => Ok(NamedKind::Fixed { size }),
            Some(size) => Err(invalid(
                format!("fixed size {size} is larger than the limit of {MAX_FIXED_SIZE} bytes"),
                &size_path,
            )),
            None => Err(invalid(
                format!("fixed size {n} is not a non-negative integer"),
                &size_path,
            )),
        },
        Some(other) => Err(invalid(
            format!(
                "fixed size {} is not a non-negative integer",
                short_json(other)
            ),
            &size_path,
        )),
        None => Err(invalid("fixed is missing `size`", path)),
    }
}

/// Union branches that the specification forbids side by side: two of one primitive, two
/// arrays, two maps, or one named type twice.
fn same_branch(a: &Ty, b: &Ty) -> bool {
    branch_key(a) == branch_key(b)
}

fn branch_key(ty: &Ty) -> String {
    match ty {
        Ty::Prim(prim, _) => prim.name().to_string(),
        Ty::Array(..) => "array".to_string(),
        Ty::Map(..) => "map".to_string(),
        Ty::Union(_) => "union".to_string(),
        Ty::Named(name) => format!("`{name}`"),
    }
}

/// A JSON value in an error message, cut short when long.
pub(crate) fn short_json(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// Whether `value` is a valid default for `ty`. A union's default must match its first branch,
/// as the specification and Avro Java require. A record default must give every field that has
/// no default of its own.
pub(crate) fn default_matches(
    ty: &Ty,
    value: &Value,
    named: &NamedTypes,
    depth: usize,
) -> Result<(), String> {
    // JSON values are at most 128 deep (serde_json's limit); this guard is for the type side.
    if depth > 2 * MAX_DEPTH {
        return Err("the default is nested too deeply".to_string());
    }
    let expect = |what: &str| Err(format!("expected {what}, found {}", short_json(value)));
    match ty {
        Ty::Prim(prim, _) => {
            let ok = match prim {
                Prim::Null => value.is_null(),
                Prim::Boolean => value.is_boolean(),
                Prim::Int => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
                Prim::Long => value.is_i64(),
                Prim::Float | Prim::Double => value.is_number(),
                Prim::Bytes | Prim::String => value.is_string(),
            };
            if ok { Ok(()) } else { expect(prim.name()) }
        }
        Ty::Array(items, _) => match value {
            Value::Array(list) => list
                .iter()
                .try_for_each(|v| default_matches(items, v, named, depth + 1)),
            _ => expect("an array"),
        },
        Ty::Map(values, _) => match value {
            Value::Object(map) => map
                .values()
                .try_for_each(|v| default_matches(values, v, named, depth + 1)),
            _ => expect("an object (map)"),
        },
        Ty::Union(branches) => match branches.first() {
            Some(first) => default_matches(first, value, named, depth + 1)
                .map_err(|why| format!("a union's default must match its first branch: {why}")),
            None => Err("an empty union has no valid default".to_string()),
        },
        Ty::Named(name) => {
            let Some(def) = named.get(name) else {
                // The type is still being defined (a recursive record); its own fields'
                // defaults are checked when it is complete.
                return Ok(());
            };
            match &def.kind {
                NamedKind::Enum { symbols, .. } => match value.as_str() {
                    Some(s) if symbols.iter().any(|sym| sym == s) => Ok(()),
                    _ => expect(&format!("a symbol of enum `{name}`")),
                },
                NamedKind::Fixed { .. } => {
                    if value.is_string() {
                        Ok(())
                    } else {
                        expect(&format!("a string for fixed `{name}`"))
                    }
                }
                NamedKind::Record { fields } => {
                    let Value::Object(map) = value else {
                        return expect(&format!("an object for record `{name}`"));
                    };
                    for field in fields {
                        match map.get(&field.name) {
                            Some(v) => default_matches(&field.ty, v, named, depth + 1)
                                .map_err(|why| format!("field `{}`: {why}", field.name))?,
                            None if field.default.is_some() => {}
                            None => {
                                return Err(format!(
                                    "field `{}` of record `{name}` is missing and has no default",
                                    field.name
                                ));
                            }
                        }
                    }
                    Ok(())
                }
            }
        }
    }
}
