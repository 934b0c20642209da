//! The outline of an Avro schema, walked over the engine's own model (`format::avro::model`),
//! so referenced named types are already resolved.

use std::collections::HashMap;

use serde_json::Value;

use crate::format::MAX_DEPTH;
use crate::format::avro::model::{Model, Named, NamedKind, Prim, Props, Ty};
use crate::outline::{Field, Outline, clean_doc};

pub(crate) fn outline(model: &Model) -> Outline {
    let mut walk = Walk {
        model,
        expanded: HashMap::new(),
    };
    let root = model.root();
    match root {
        Ty::Named(name) => {
            walk.expanded.insert(name.clone(), String::new());
            let named = model.named.get(name);
            let fields = named.map_or_else(Vec::new, |n| walk.fields_of(n, "", 0));
            Outline {
                name: name.clone(),
                doc: named.and_then(|n| clean_doc(n.doc.as_deref())),
                kind: named.map_or("record", |n| n.kind.word()).to_string(),
                fields,
            }
        }
        other => Outline {
            name: String::new(),
            doc: None,
            kind: walk.spell(other),
            fields: Vec::new(),
        },
    }
}

struct Walk<'a> {
    model: &'a Model,
    /// Fullname of each named type already expanded, with the path where it was.
    expanded: HashMap<String, String>,
}

impl Walk<'_> {
    /// The fields of a record (none for enums and fixed), with paths under `base`.
    fn fields_of(&mut self, named: &Named, base: &str, depth: usize) -> Vec<Field> {
        let NamedKind::Record { fields } = &named.kind else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(fields.len());
        for f in fields {
            let path = format!("{base}/fields/{}", f.name);
            let mut field = Field::new(&f.name, path.clone(), self.spell(&f.ty));
            field.doc = clean_doc(f.doc.as_deref());
            field.default = f.default.as_ref().map(value_text);
            field.required = f.default.is_none() && !nullable(&f.ty);
            self.expand(&mut field, &f.ty, &format!("{path}/type"), depth + 1);
            out.push(field);
        }
        out
    }

    /// Finds the first named type inside `ty` (through arrays, maps and unions) and fills in
    /// the field's symbols or children from it.
    fn expand(&mut self, field: &mut Field, ty: &Ty, path: &str, depth: usize) {
        let Some((name, at)) = first_named(ty, path) else {
            return;
        };
        let Some(named) = self.model.named.get(name) else {
            return;
        };
        field.type_name = Some(name.to_string());
        match &named.kind {
            NamedKind::Enum { symbols, .. } => field.symbols = symbols.clone(),
            NamedKind::Fixed { .. } => {}
            NamedKind::Record { .. } => {
                if let Some(first) = self.expanded.get(name) {
                    field.see = Some(first.clone());
                } else if depth >= MAX_DEPTH {
                    field.see = Some(String::new());
                } else {
                    self.expanded.insert(name.to_string(), field.path.clone());
                    field.children = self.fields_of(named, &at, depth);
                }
            }
        }
    }

    /// The type as Avro users write it about: `long`, `array<string>`, `null | string`, a
    /// short name for named types, with the logical type in brackets.
    fn spell(&self, ty: &Ty) -> String {
        spell(ty, 0)
    }
}

fn spell(ty: &Ty, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return "…".to_string();
    }
    match ty {
        Ty::Prim(prim, props) => with_logical(prim.name(), props),
        Ty::Array(items, props) => {
            with_logical(&format!("array<{}>", spell(items, depth + 1)), props)
        }
        Ty::Map(values, props) => {
            with_logical(&format!("map<{}>", spell(values, depth + 1)), props)
        }
        Ty::Union(branches) => branches
            .iter()
            .map(|b| spell(b, depth + 1))
            .collect::<Vec<_>>()
            .join(" | "),
        Ty::Named(name) => name
            .rsplit_once('.')
            .map_or(name.as_str(), |(_, n)| n)
            .to_string(),
    }
}

fn with_logical(base: &str, props: &Props) -> String {
    match props.get("logicalType").and_then(Value::as_str) {
        Some(logical) => format!("{base} ({logical})"),
        None => base.to_string(),
    }
}

fn nullable(ty: &Ty) -> bool {
    match ty {
        Ty::Prim(Prim::Null, _) => true,
        Ty::Union(branches) => branches
            .iter()
            .any(|b| matches!(b, Ty::Prim(Prim::Null, _))),
        _ => false,
    }
}

/// The first named type reachable in `ty` and the path of its definition's position.
fn first_named<'t>(ty: &'t Ty, path: &str) -> Option<(&'t str, String)> {
    let mut current = ty;
    let mut at = path.to_string();
    for _ in 0..MAX_DEPTH {
        match current {
            Ty::Named(name) => return Some((name, at)),
            Ty::Array(items, _) => {
                at.push_str("/items");
                current = items;
            }
            Ty::Map(values, _) => {
                at.push_str("/values");
                current = values;
            }
            Ty::Union(branches) => {
                let (index, branch) = branches
                    .iter()
                    .enumerate()
                    .find(|(_, b)| !matches!(b, Ty::Prim(..)))?;
                at.push_str(&format!("/{index}"));
                current = branch;
            }
            Ty::Prim(..) => return None,
        }
    }
    None
}

/// A default value as compact JSON (strings keep their quotes, so `"WEB"` and `null` differ).
pub(crate) fn value_text(value: &Value) -> String {
    value.to_string()
}
