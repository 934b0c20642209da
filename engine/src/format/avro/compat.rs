//! Can a reader schema read data written with a writer schema? The specification's schema
//! resolution rules, checked by walking both schemas together and reporting every problem with
//! a JSON-pointer-like path through the reader (`/fields/customer/type/fields/zip`,
//! `/fields/tags/type/items`, `/fields/payment/type/1` for the second branch of a union).
//!
//! This replaces apache-avro's checker, which stops at the first problem, gives no path,
//! ignores aliases on named types and compares references by name only (DEPENDENCIES.md §1).
//! The semantics follow Avro Java's `SchemaCompatibility`, which Confluent uses:
//! - primitives must match or be promoted: int to long, float or double; long to float or
//!   double; float to double; string to bytes and bytes to string;
//! - records, enums and fixed types match by unqualified name, or when one of the reader's
//!   aliases names the writer's type (by fullname or unqualified name);
//! - reader fields find writer fields by name or by the reader field's aliases; a reader field
//!   the writer lacks needs a default; fields only the writer has are skipped;
//! - a writer union needs every branch readable; a reader union needs some branch that reads
//!   the writer's type;
//! - logical types are ignored, decimal included: Avro Java does not compare precision or
//!   scale (a proposal to do so, AVRO-2078, was never merged), so neither do we, although
//!   apache-avro rejects a precision change.
//!
//! Recursive types terminate through a visited set of (reader, writer) named-type pairs: a pair
//! already being checked is assumed to match, and its problems are reported once, at the first
//! path that reaches it. A walk deeper than [`MAX_WALK_DEPTH`] (only possible through long
//! chains of references) stops descending rather than risk the stack, and the check then fails
//! closed with `CHECK_LIMIT_EXCEEDED`.

// foldhash rather than std's SipHash: these maps are keyed by names from the schemas being
// compared, not by attacker-chosen keys in a long-lived table, and hashing dominated the
// profile of wide records.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use super::model::{Field, Model, Named, NamedKind, Prim, Ty, short_name};
use crate::finding::Issue;
use crate::level::Pair;
use crate::rules::RuleId;
use crate::rules::avro::{
    AVRO_ENUM_SYMBOL_REMOVED, AVRO_FIELD_ADDED_WITHOUT_DEFAULT, AVRO_FIXED_SIZE_CHANGED,
    AVRO_NAME_CHANGED, AVRO_TYPE_CHANGED, AVRO_TYPE_NARROWED_FROM_UNION, AVRO_UNION_BRANCH_REMOVED,
};

/// Deepest the walk goes before it stops descending.
pub(crate) const MAX_WALK_DEPTH: usize = 300;

/// Pushes every problem that stops `reader` from reading data written with `writer`.
pub(crate) fn can_read(reader: &Model, writer: &Model, pair: &Pair, out: &mut Vec<Issue>) {
    // Worded once: details name the versions, and most nodes produce no detail at all.
    let (reader_v, writer_v) = (pair.reader(), pair.writer());
    let mut checker = Checker {
        reader,
        writer,
        pair,
        reader_v: &reader_v,
        writer_v: &writer_v,
        visited: HashSet::new(),
        unreadable: HashSet::new(),
        limit_exceeded: false,
        path: String::new(),
        depth: 0,
    };
    checker.check(reader.root(), writer.root(), What::Schema, out);
    if checker.limit_exceeded {
        out.push(Issue {
            rule: crate::rules::common::CHECK_LIMIT_EXCEEDED,
            path: String::new(),
            detail: format!(
                "the schemas nest more than {MAX_WALK_DEPTH} types deep through their references, \
                 too deep to compare completely, so the change is refused rather than passed unchecked"
            ),
        });
    }
}

/// What a node of the walk is, as details name it (`field \`total\``, `items of field
/// \`tags\``). Built as the walk descends and only formatted when a detail is written, so
/// the walk allocates nothing for the nodes that read cleanly (almost all of them).
#[derive(Debug, Clone, Copy)]
enum What<'a> {
    /// The top-level type.
    Schema,
    /// A record field's type.
    Field(&'a str),
    /// The items of an array.
    Items(&'a What<'a>),
    /// The values of a map.
    Values(&'a What<'a>),
    /// A trial walk whose details are thrown away (`reads_cleanly`).
    Trial,
}

impl std::fmt::Display for What<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::Schema => f.write_str("the schema"),
            What::Field(name) => write!(f, "field `{name}`"),
            What::Items(of) => write!(f, "items of {of}"),
            What::Values(of) => write!(f, "values of {of}"),
            What::Trial => Ok(()),
        }
    }
}

/// A type with named references looked up.
enum Shape<'m> {
    Prim(Prim),
    Array(&'m Ty),
    Map(&'m Ty),
    Union(&'m [Ty]),
    Named(&'m Named),
    Missing(&'m str),
}

fn shape<'m>(model: &'m Model, ty: &'m Ty) -> Shape<'m> {
    match ty {
        Ty::Prim(prim, _) => Shape::Prim(*prim),
        Ty::Array(items, _) => Shape::Array(items),
        Ty::Map(values, _) => Shape::Map(values),
        Ty::Union(branches) => Shape::Union(branches),
        Ty::Named(name) => model
            .named
            .get(name)
            .map_or(Shape::Missing(name), Shape::Named),
    }
}

/// How a type is named in a detail: `long`, `array`, `record \`User\``, `union of null, string`.
fn describe(model: &Model, ty: &Ty) -> String {
    match shape(model, ty) {
        Shape::Prim(prim) => prim.name().to_string(),
        Shape::Array(_) => "array".to_string(),
        Shape::Map(_) => "map".to_string(),
        Shape::Named(def) => format!("{} `{}`", def.kind.word(), short_name(&def.fullname)),
        Shape::Missing(name) => format!("`{name}`"),
        Shape::Union(branches) => {
            let names: Vec<String> = branches.iter().map(|b| describe(model, b)).collect();
            format!("union of {}", names.join(", "))
        }
    }
}

/// Whether data of primitive `writer` can be read as `reader`.
fn promotes(writer: Prim, reader: Prim) -> bool {
    use Prim::{Bytes, Double, Float, Int, Long, String};
    writer == reader
        || matches!(
            (writer, reader),
            (Int, Long | Float | Double)
                | (Long, Float | Double)
                | (Float, Double)
                | (String, Bytes)
                | (Bytes, String)
        )
}

/// Whether the reader's named type may stand for the writer's: same unqualified name, or a
/// reader alias naming the writer's type.
fn names_match(reader: &Named, writer: &Named) -> bool {
    short_name(&reader.fullname) == short_name(&writer.fullname)
        || reader
            .aliases
            .iter()
            .any(|a| *a == writer.fullname || short_name(a) == short_name(&writer.fullname))
}

struct Checker<'m> {
    reader: &'m Model,
    writer: &'m Model,
    pair: &'m Pair,
    /// "version N" of the reader and of the writer.
    reader_v: &'m str,
    writer_v: &'m str,
    visited: HashSet<(&'m str, &'m str)>,
    /// Reader and writer nodes (by address) already found not to read cleanly. Without it,
    /// unions nested in unions would be tried again at every level, which is exponential.
    /// Only failures are remembered: a success may rest on a recursive pair assumed to match.
    unreadable: HashSet<(usize, usize)>,
    /// Set when the depth cap stopped the walk: the verdict is then incomplete, so it is refused.
    limit_exceeded: bool,
    path: String,
    depth: usize,
}

impl<'m> Checker<'m> {
    fn issue(&self, rule: RuleId, suffix: &str, detail: String, out: &mut Vec<Issue>) {
        out.push(Issue {
            rule,
            path: format!("{}{suffix}", self.path),
            detail,
        });
    }

    /// Runs `check` with `segment` appended to the path.
    fn enter(&mut self, segment: &str, r: &'m Ty, w: &'m Ty, what: What<'_>, out: &mut Vec<Issue>) {
        let len = self.path.len();
        self.path.push_str(segment);
        self.check(r, w, what, out);
        self.path.truncate(len);
    }

    /// Whether the two non-union types are of a kind that can match (same primitive or a
    /// promotion, both arrays, both maps, or named types of one kind whose names match). Only
    /// such pairs are worth walking into for nested problems.
    fn kinds_match(&self, r: &'m Ty, w: &'m Ty) -> bool {
        match (shape(self.reader, r), shape(self.writer, w)) {
            (Shape::Prim(rp), Shape::Prim(wp)) => promotes(wp, rp),
            (Shape::Array(_), Shape::Array(_)) | (Shape::Map(_), Shape::Map(_)) => true,
            (Shape::Named(rd), Shape::Named(wd)) => {
                std::mem::discriminant(&rd.kind) == std::mem::discriminant(&wd.kind)
                    && names_match(rd, wd)
            }
            _ => false,
        }
    }

    /// Whether `r` reads `w` with no problem at all, without reporting anything. Named pairs
    /// visited during the trial are forgotten afterwards so the real walk still reports them.
    fn reads_cleanly(&mut self, r: &'m Ty, w: &'m Ty) -> bool {
        if !self.kinds_match(r, w) {
            return false;
        }
        let key = (
            std::ptr::from_ref(r) as usize,
            std::ptr::from_ref(w) as usize,
        );
        if self.unreadable.contains(&key) {
            return false;
        }
        let saved = self.visited.clone();
        let mut scratch = Vec::new();
        self.check(r, w, What::Trial, &mut scratch);
        self.visited = saved;
        if !scratch.is_empty() {
            self.unreadable.insert(key);
        }
        scratch.is_empty()
    }

    fn check(&mut self, r: &'m Ty, w: &'m Ty, what: What<'_>, out: &mut Vec<Issue>) {
        if self.depth >= MAX_WALK_DEPTH {
            self.limit_exceeded = true;
            return;
        }
        self.depth += 1;
        self.check_inner(r, w, what, out);
        self.depth -= 1;
    }

    fn check_inner(&mut self, r: &'m Ty, w: &'m Ty, what: What<'_>, out: &mut Vec<Issue>) {
        let (reader_v, writer_v) = (self.reader_v, self.writer_v);
        match (shape(self.reader, r), shape(self.writer, w)) {
            (Shape::Union(r_branches), Shape::Union(w_branches)) => {
                for wb in w_branches {
                    if r_branches.iter().any(|rb| self.reads_cleanly(rb, wb)) {
                        continue;
                    }
                    if let Some(j) = r_branches.iter().position(|rb| self.kinds_match(rb, wb)) {
                        self.enter(&format!("/{j}"), &r_branches[j], wb, what, out);
                    } else {
                        self.issue(
                            AVRO_UNION_BRANCH_REMOVED,
                            "",
                            format!(
                                "{what} may be {} in {writer_v}, which no branch of the union in \
                                 {reader_v} can read",
                                describe(self.writer, wb)
                            ),
                            out,
                        );
                    }
                }
            }
            (_, Shape::Union(w_branches)) => {
                for wb in w_branches {
                    if self.kinds_match(r, wb) {
                        self.check(r, wb, what, out);
                    } else {
                        self.issue(
                            AVRO_TYPE_NARROWED_FROM_UNION,
                            "",
                            format!(
                                "{what} changed from {}, and {reader_v} cannot read {}",
                                self.old_to_new(describe(self.reader, r), describe(self.writer, w)),
                                describe(self.writer, wb)
                            ),
                            out,
                        );
                    }
                }
            }
            (Shape::Union(r_branches), _) => {
                if r_branches.iter().any(|rb| self.reads_cleanly(rb, w)) {
                    return;
                }
                if let Some(j) = r_branches.iter().position(|rb| self.kinds_match(rb, w)) {
                    self.enter(&format!("/{j}"), &r_branches[j], w, what, out);
                } else {
                    self.type_changed(r, w, what, out);
                }
            }
            (Shape::Prim(rp), Shape::Prim(wp)) => {
                if !promotes(wp, rp) {
                    self.type_changed(r, w, what, out);
                }
            }
            (Shape::Array(ri), Shape::Array(wi)) => {
                self.enter("/items", ri, wi, What::Items(&what), out);
            }
            (Shape::Map(rv), Shape::Map(wv)) => {
                self.enter("/values", rv, wv, What::Values(&what), out);
            }
            (Shape::Named(rd), Shape::Named(wd))
                if std::mem::discriminant(&rd.kind) == std::mem::discriminant(&wd.kind) =>
            {
                self.named(rd, wd, out);
            }
            _ => self.type_changed(r, w, what, out),
        }
    }

    /// "A (version 1) to B (version 2)": the reader's and the writer's values, older first, so
    /// a detail reads as a change whichever side is reading.
    fn old_to_new(&self, reader_value: String, writer_value: String) -> String {
        let (reader_v, writer_v) = (self.reader_v, self.writer_v);
        if self.pair.reader_is_newer() {
            format!("{writer_value} ({writer_v}) to {reader_value} ({reader_v})")
        } else {
            format!("{reader_value} ({reader_v}) to {writer_value} ({writer_v})")
        }
    }

    fn type_changed(&self, r: &Ty, w: &Ty, what: What<'_>, out: &mut Vec<Issue>) {
        self.issue(
            AVRO_TYPE_CHANGED,
            "",
            format!(
                "{what} changed type from {}",
                self.old_to_new(describe(self.reader, r), describe(self.writer, w))
            ),
            out,
        );
    }

    fn named(&mut self, rd: &'m Named, wd: &'m Named, out: &mut Vec<Issue>) {
        let (reader_v, writer_v) = (self.reader_v, self.writer_v);
        let word = rd.kind.word();
        if !names_match(rd, wd) {
            self.issue(
                AVRO_NAME_CHANGED,
                "/name",
                format!(
                    "{word} type was renamed from {}, and {reader_v} has no alias for `{}`",
                    self.old_to_new(
                        format!("`{}`", short_name(&rd.fullname)),
                        format!("`{}`", short_name(&wd.fullname))
                    ),
                    short_name(&wd.fullname),
                ),
                out,
            );
        }
        match (&rd.kind, &wd.kind) {
            (NamedKind::Record { fields: rf }, NamedKind::Record { fields: wf })
                if self
                    .visited
                    .insert((rd.fullname.as_str(), wd.fullname.as_str())) =>
            {
                self.fields(rf, wf, out);
            }
            (
                NamedKind::Enum {
                    symbols: rs,
                    default,
                },
                NamedKind::Enum { symbols: ws, .. },
            ) if default.is_none() && rs != ws => {
                for symbol in ws.iter().filter(|s| !rs.contains(s)) {
                    self.issue(
                        AVRO_ENUM_SYMBOL_REMOVED,
                        "/symbols",
                        format!(
                            "symbol `{symbol}` of enum `{}` exists in {writer_v} and is \
                             missing from {reader_v}, whose enum has no default",
                            short_name(&rd.fullname)
                        ),
                        out,
                    );
                }
            }
            (NamedKind::Fixed { size: rs }, NamedKind::Fixed { size: ws }) if rs != ws => {
                self.issue(
                    AVRO_FIXED_SIZE_CHANGED,
                    "/size",
                    format!(
                        "fixed `{}` changed size from {}",
                        short_name(&rd.fullname),
                        self.old_to_new(rs.to_string(), ws.to_string())
                    ),
                    out,
                );
            }
            // A record pair already visited, an enum with a default, equal fixed sizes.
            _ => {}
        }
    }

    fn fields(
        &mut self,
        reader_fields: &'m [Field],
        writer_fields: &'m [Field],
        out: &mut Vec<Issue>,
    ) {
        // Records with hundreds of fields are common in analytics events. Versions usually keep
        // their fields in order, so the writer's field at the same position is tried first;
        // otherwise writer fields are looked up by name (the map is built on first need)
        // instead of scanned for every reader field.
        let mut by_name: Option<HashMap<&str, &'m Field>> = None;
        for (position, rf) in reader_fields.iter().enumerate() {
            let found = match writer_fields.get(position) {
                Some(wf) if wf.name == rf.name => Some(wf),
                _ => {
                    let by_name = by_name.get_or_insert_with(|| {
                        let mut map = HashMap::with_capacity(writer_fields.len());
                        map.extend(writer_fields.iter().map(|wf| (wf.name.as_str(), wf)));
                        map
                    });
                    by_name.get(rf.name.as_str()).copied().or_else(|| {
                        rf.aliases
                            .iter()
                            .find_map(|alias| by_name.get(alias.as_str()).copied())
                    })
                }
            };
            let len = self.path.len();
            self.path.push_str("/fields/");
            self.path.push_str(&rf.name);
            match found {
                Some(wf) => {
                    self.enter("/type", &rf.ty, &wf.ty, What::Field(&rf.name), out);
                }
                None if rf.default.is_none() => self.issue(
                    AVRO_FIELD_ADDED_WITHOUT_DEFAULT,
                    "",
                    format!(
                        "field `{}` exists in {} without a default and is missing from {}",
                        rf.name, self.reader_v, self.writer_v
                    ),
                    out,
                ),
                None => {}
            }
            self.path.truncate(len);
        }
    }
}
