//! Avro's [`Contract`]: the root record is the event; the named types the schema's own text
//! defines are its types, and their fields its fields.
//!
//! The walk follows the text in order (fields, then array `items`, map `values`, union
//! branches) and visits each named type once, at its definition, which in Avro comes before
//! any use by name; paths are the compatibility checker's (`/fields/lines/type/items`). Types
//! defined by a referenced schema are not listed (they are linted with their own subject), but
//! their fields count for the envelope. The personal-data marker is Confluent's data-contract
//! tag on a field: `"confluent:tags": ["PII"]`.

use std::collections::HashSet;

use serde_json::Value;

use super::contract::{
    Contract, Doc, EnumDecl, EventDecl, FieldDecl, TypeDecl, TypeKind, ValueDecl,
};
use crate::format::Format;
use crate::format::avro::Parsed;
use crate::format::avro::model::{Model, Named, NamedKind, Ty, short_name};

/// Deepest the walk descends. The model already caps nesting (with referenced types written
/// out) at twice `MAX_DEPTH`, and each named type is entered once, so this is a second guard.
const MAX_WALK_DEPTH: usize = 512;

pub(super) fn contract(parsed: &Parsed) -> Contract {
    let model = parsed.model();
    let mut contract = Contract::new(Format::Avro);
    if let Some(root) = record_of(model, model.root()) {
        contract.event = Some(EventDecl {
            name: Some(short_name(&root.fullname).to_string()),
            path: String::new(),
            name_path: "/name".to_string(),
            envelope_fields: envelope_fields(model, root),
        });
    }
    let mut walk = Walk {
        model,
        seen: HashSet::new(),
        contract: &mut contract,
    };
    walk.ty(model.root(), "", 0);
    contract
}

/// The record a type is, directly or as a branch of a union (`["null", Envelope]`).
fn record_of<'m>(model: &'m Model, ty: &Ty) -> Option<&'m Named> {
    match ty {
        Ty::Named(name) => model
            .named
            .get(name)
            .filter(|n| matches!(n.kind, NamedKind::Record { .. })),
        Ty::Union(branches) => branches.iter().find_map(|b| record_of(model, b)),
        _ => None,
    }
}

/// The root's field names, then those of each record its fields hold.
fn envelope_fields(model: &Model, root: &Named) -> Vec<String> {
    let NamedKind::Record { fields } = &root.kind else {
        return Vec::new();
    };
    let mut out: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    for field in fields {
        if let Some(Named {
            kind: NamedKind::Record { fields: inner },
            ..
        }) = record_of(model, &field.ty)
        {
            out.extend(inner.iter().map(|f| f.name.clone()));
        }
    }
    out
}

fn tags(props: &crate::format::avro::model::Props) -> Vec<String> {
    match props.get("confluent:tags") {
        Some(Value::Array(tags)) => tags
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

struct Walk<'m, 'c> {
    model: &'m Model,
    seen: HashSet<&'m str>,
    contract: &'c mut Contract,
}

impl<'m> Walk<'m, '_> {
    fn ty(&mut self, ty: &'m Ty, path: &str, depth: usize) {
        if depth > MAX_WALK_DEPTH {
            return;
        }
        match ty {
            Ty::Prim(..) => {}
            Ty::Array(items, _) => self.ty(items, &format!("{path}/items"), depth + 1),
            Ty::Map(values, _) => self.ty(values, &format!("{path}/values"), depth + 1),
            Ty::Union(branches) => {
                for (index, branch) in branches.iter().enumerate() {
                    self.ty(branch, &format!("{path}/{index}"), depth + 1);
                }
            }
            Ty::Named(name) => self.named(name, path, depth),
        }
    }

    fn named(&mut self, name: &'m str, path: &str, depth: usize) {
        if !self.seen.insert(name) || !self.model.own.contains(name) {
            return;
        }
        let Some(named) = self.model.named.get(name) else {
            return;
        };
        let (kind, enumeration) = match &named.kind {
            NamedKind::Record { .. } => (TypeKind::Record, None),
            NamedKind::Fixed { .. } => (TypeKind::Fixed, None),
            NamedKind::Enum { symbols, default } => (
                TypeKind::Enum,
                Some(EnumDecl {
                    values: symbols
                        .iter()
                        .enumerate()
                        .map(|(index, symbol)| ValueDecl {
                            name: symbol.clone(),
                            path: format!("{path}/symbols/{index}"),
                            number: None,
                        })
                        .collect(),
                    has_default: default.is_some(),
                    proto3: false,
                }),
            ),
        };
        self.contract.types.push(TypeDecl {
            kind,
            name: Some(short_name(&named.fullname).to_string()),
            path: path.to_string(),
            name_path: format!("{path}/name"),
            doc: Doc::of(named.doc.as_deref()),
            enumeration,
        });
        if let NamedKind::Record { fields } = &named.kind {
            for field in fields {
                let field_path = format!("{path}/fields/{}", field.name);
                self.contract.fields.push(FieldDecl {
                    name: field.name.clone(),
                    path: field_path.clone(),
                    doc: Doc::of(field.doc.as_deref()),
                    tags: tags(&field.props),
                });
                self.ty(&field.ty, &format!("{field_path}/type"), depth + 1);
            }
        }
    }
}
