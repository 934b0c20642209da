//! What changed between two outlines, field by field, in plain words.
//!
//! Fields are matched by path, so a renamed field is a removal plus an addition, and a moved
//! named type (expanded under another field in the new version) shows as its fields moving.
//! Nothing here decides compatibility; the engine's `check` does.

use std::collections::HashMap;

use crate::outline::{Field, Outline};

/// What kind of change a [`Change`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ChangeKind {
    /// A field exists only in the new version.
    FieldAdded,
    /// A field exists only in the old version.
    FieldRemoved,
    /// The field's type is spelled differently.
    TypeChanged,
    /// The default was added, removed or changed.
    DefaultChanged,
    /// The documentation changed (including the schema's own).
    DocChanged,
    /// The field became required or optional.
    RequiredChanged,
    /// An enum symbol or allowed value was added.
    SymbolAdded,
    /// An enum symbol or allowed value was removed.
    SymbolRemoved,
}

impl ChangeKind {
    /// A short lowercase label, e.g. `field added`.
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::FieldAdded => "field added",
            ChangeKind::FieldRemoved => "field removed",
            ChangeKind::TypeChanged => "type changed",
            ChangeKind::DefaultChanged => "default changed",
            ChangeKind::DocChanged => "doc changed",
            ChangeKind::RequiredChanged => "required changed",
            ChangeKind::SymbolAdded => "symbol added",
            ChangeKind::SymbolRemoved => "symbol removed",
        }
    }
}

/// One difference between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What kind of change.
    pub kind: ChangeKind,
    /// The field's path (empty for the schema itself).
    pub path: String,
    /// One lowercase sentence, old value then new: "field `total` changed type from int to long".
    pub message: String,
}

/// Every difference between `old` and `new`, in the order of the new version's fields
/// (removals in the old version's order, after them).
pub fn diff(old: &Outline, new: &Outline) -> Vec<Change> {
    let mut out = Vec::new();
    if old.doc != new.doc {
        out.push(Change {
            kind: ChangeKind::DocChanged,
            path: String::new(),
            message: "the schema's documentation changed".to_string(),
        });
    }
    let old_fields: HashMap<&str, &Field> = old
        .flatten()
        .into_iter()
        .map(|(_, f)| (f.path.as_str(), f))
        .collect();
    let new_flat = new.flatten();
    let new_paths: HashMap<&str, ()> = new_flat
        .iter()
        .map(|(_, f)| (f.path.as_str(), ()))
        .collect();
    for (_, field) in &new_flat {
        match old_fields.get(field.path.as_str()) {
            None => out.push(Change {
                kind: ChangeKind::FieldAdded,
                path: field.path.clone(),
                message: format!(
                    "{} field `{}` added with type {}{}",
                    if field.required {
                        "required"
                    } else {
                        "optional"
                    },
                    field.name,
                    field.ty,
                    field
                        .default
                        .as_ref()
                        .map_or(String::new(), |d| format!(" and default {d}"))
                ),
            }),
            Some(before) => compare(before, field, &mut out),
        }
    }
    for (_, field) in old.flatten() {
        if !new_paths.contains_key(field.path.as_str()) {
            out.push(Change {
                kind: ChangeKind::FieldRemoved,
                path: field.path.clone(),
                message: format!("field `{}` of type {} removed", field.name, field.ty),
            });
        }
    }
    out
}

fn compare(old: &Field, new: &Field, out: &mut Vec<Change>) {
    let mut push = |kind, message: String| {
        out.push(Change {
            kind,
            path: new.path.clone(),
            message,
        });
    };
    let name = &new.name;
    if old.ty != new.ty {
        push(
            ChangeKind::TypeChanged,
            format!("field `{name}` changed type from {} to {}", old.ty, new.ty),
        );
    }
    if old.required != new.required {
        let word = |r: bool| if r { "required" } else { "optional" };
        push(
            ChangeKind::RequiredChanged,
            format!(
                "field `{name}` changed from {} to {}",
                word(old.required),
                word(new.required)
            ),
        );
    }
    if old.default != new.default {
        let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".to_string());
        push(
            ChangeKind::DefaultChanged,
            format!(
                "field `{name}` changed default from {} to {}",
                show(&old.default),
                show(&new.default)
            ),
        );
    }
    if old.doc != new.doc {
        push(
            ChangeKind::DocChanged,
            format!("field `{name}` changed documentation"),
        );
    }
    for symbol in new.symbols.iter().filter(|s| !old.symbols.contains(s)) {
        push(
            ChangeKind::SymbolAdded,
            format!("field `{name}` gained symbol {symbol}"),
        );
    }
    for symbol in old.symbols.iter().filter(|s| !new.symbols.contains(s)) {
        push(
            ChangeKind::SymbolRemoved,
            format!("field `{name}` lost symbol {symbol}"),
        );
    }
}
