//! Schema references: resolving Confluent `references` into the flat list of texts a parser needs.
//!
//! A schema names other schemas by `{name, subject, version}`; those may name more. The engine
//! does no IO, so the caller supplies a [`Resolver`] that returns already-fetched texts (the
//! registry answers from its store, the CLI from files). [`resolve`] walks the graph depth
//! first, puts dependencies before dependents, and turns cycles and missing references into
//! [`ParseError`]s that name them. Nothing here ever looks at a URL.

use std::collections::HashSet;

use crate::format::{ParseError, ParseErrorKind};

/// Deepest chain of references followed before giving up.
pub const MAX_REFERENCE_DEPTH: usize = 64;

/// Most referenced schemas one schema may pull in, directly and indirectly.
pub const MAX_REFERENCES: usize = 10_000;

/// One entry of a schema's `references`: the name used inside the schema (an import path, a
/// type name or a `$ref` URL) and the subject version that provides it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// The name the referencing schema uses.
    pub name: String,
    /// The subject that holds the referenced schema.
    pub subject: String,
    /// The version of that subject.
    pub version: i32,
}

/// A referenced schema's text under the name the referencing schema uses for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dependency {
    /// The import path, type name or `$ref` URL.
    pub name: String,
    /// The referenced schema's text.
    pub text: String,
}

impl Dependency {
    /// A dependency from a name and a text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Dependency {
        Dependency {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// A referenced schema as the resolver found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Its text.
    pub text: String,
    /// Its own references.
    pub references: Vec<Reference>,
}

/// Looks up referenced schemas. Implementations must not fetch anything from a URL found in
/// a schema: the registry answers from its store, the CLI from files the user named.
pub trait Resolver {
    /// The schema registered as `version` of `subject`, or `None` when there is none.
    fn fetch(&self, subject: &str, version: i32) -> Option<Fetched>;
}

/// Resolves `references` (and theirs, recursively) into a flat list, dependencies first.
///
/// A name that appears twice keeps its first definition. A cycle or a reference the resolver
/// cannot find is an error naming it.
pub fn resolve(
    references: &[Reference],
    resolver: &dyn Resolver,
) -> Result<Vec<Dependency>, ParseError> {
    let mut walk = Walk {
        resolver,
        out: Vec::new(),
        seen_names: HashSet::new(),
        done: HashSet::new(),
        stack: Vec::new(),
    };
    for reference in references {
        walk.visit(reference)?;
    }
    Ok(walk.out)
}

struct Walk<'r> {
    resolver: &'r dyn Resolver,
    out: Vec<Dependency>,
    seen_names: HashSet<String>,
    done: HashSet<(String, i32)>,
    stack: Vec<(String, i32)>,
}

impl Walk<'_> {
    fn visit(&mut self, reference: &Reference) -> Result<(), ParseError> {
        let key = (reference.subject.clone(), reference.version);
        if self.stack.contains(&key) {
            let mut chain: Vec<String> = self
                .stack
                .iter()
                .skip_while(|k| **k != key)
                .map(|(s, v)| format!("{s} version {v}"))
                .collect();
            chain.push(format!("{} version {}", key.0, key.1));
            return Err(ParseError::new(
                ParseErrorKind::Reference,
                format!("references form a cycle: {}", chain.join(" -> ")),
            ));
        }
        if self.done.contains(&key) {
            return self.record(reference, None);
        }
        if self.stack.len() >= MAX_REFERENCE_DEPTH {
            return Err(ParseError::new(
                ParseErrorKind::TooLarge,
                format!("references are nested more than {MAX_REFERENCE_DEPTH} levels deep"),
            ));
        }
        let Some(fetched) = self.resolver.fetch(&reference.subject, reference.version) else {
            return Err(ParseError::new(
                ParseErrorKind::Reference,
                format!(
                    "reference `{}` points to subject `{}` version {}, which does not exist",
                    reference.name, reference.subject, reference.version
                ),
            ));
        };
        self.stack.push(key.clone());
        for inner in &fetched.references {
            self.visit(inner)?;
        }
        self.stack.pop();
        self.done.insert(key);
        self.record(reference, Some(fetched.text))
    }

    fn record(&mut self, reference: &Reference, text: Option<String>) -> Result<(), ParseError> {
        if self.seen_names.contains(&reference.name) {
            return Ok(());
        }
        let text = match text {
            Some(text) => text,
            None => match self.resolver.fetch(&reference.subject, reference.version) {
                Some(fetched) => fetched.text,
                None => return Ok(()),
            },
        };
        if self.out.len() >= MAX_REFERENCES {
            return Err(ParseError::new(
                ParseErrorKind::TooLarge,
                format!("a schema may reference at most {MAX_REFERENCES} schemas"),
            ));
        }
        self.seen_names.insert(reference.name.clone());
        self.out.push(Dependency::new(reference.name.clone(), text));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<(String, i32), Fetched>);

    impl Resolver for Map {
        fn fetch(&self, subject: &str, version: i32) -> Option<Fetched> {
            self.0.get(&(subject.to_string(), version)).cloned()
        }
    }

    fn reference(name: &str, subject: &str) -> Reference {
        Reference {
            name: name.into(),
            subject: subject.into(),
            version: 1,
        }
    }

    fn entry(subject: &str, text: &str, refs: Vec<Reference>) -> ((String, i32), Fetched) {
        (
            (subject.to_string(), 1),
            Fetched {
                text: text.into(),
                references: refs,
            },
        )
    }

    #[test]
    fn dependencies_come_before_dependents() {
        let map = Map(HashMap::from([
            entry("a", "A", vec![reference("b.proto", "b")]),
            entry("b", "B", vec![]),
        ]));
        let deps = resolve(&[reference("a.proto", "a")], &map).expect("resolves");
        let names: Vec<_> = deps.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["b.proto", "a.proto"]);
    }

    #[test]
    fn cycles_are_named() {
        let map = Map(HashMap::from([
            entry("a", "A", vec![reference("b", "b")]),
            entry("b", "B", vec![reference("a", "a")]),
        ]));
        let err = resolve(&[reference("a", "a")], &map).expect_err("cycle");
        assert_eq!(err.kind, ParseErrorKind::Reference);
        assert_eq!(
            err.message,
            "references form a cycle: a version 1 -> b version 1 -> a version 1"
        );
    }

    #[test]
    fn missing_reference_is_named() {
        let map = Map(HashMap::new());
        let err = resolve(&[reference("x.proto", "x")], &map).expect_err("missing");
        assert_eq!(
            err.message,
            "reference `x.proto` points to subject `x` version 1, which does not exist"
        );
    }

    #[test]
    fn diamond_is_resolved_once() {
        let map = Map(HashMap::from([
            entry("a", "A", vec![reference("c", "c")]),
            entry("b", "B", vec![reference("c", "c")]),
            entry("c", "C", vec![]),
        ]));
        let deps = resolve(&[reference("a", "a"), reference("b", "b")], &map).expect("resolves");
        let names: Vec<_> = deps.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["c", "a", "b"]);
    }
}
