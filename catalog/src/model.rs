//! The catalog's input: a plain description of a project's events, filled in by whoever has
//! the contracts (the CLI from `stele.toml` and files, the registry from its store).
//!
//! Everything here is data; [`Version::build`] is the one helper that asks the engine for a
//! version's outline, its differences from the previous version and the compatibility verdict,
//! so every front end fills those in the same way.

use stele_engine::outline::{Change, Outline, diff, outline};
use stele_engine::{CheckOptions, Dependency, Format, Level, Report, Schema, Versioned, check};

/// A whole catalog.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The project's name, the catalog's title.
    pub name: String,
    /// The version of the whole set of contracts, AsyncAPI's `info.version` (`1.0.0` when
    /// the project does not say).
    pub version: String,
    /// What the project is, one paragraph.
    pub description: Option<String>,
    /// Kafka clusters the events travel on.
    pub servers: Vec<Server>,
    /// Applications that produce or consume events.
    pub applications: Vec<Application>,
    /// Every subject: events with a topic, and shared types without one.
    pub events: Vec<Event>,
    /// Whether producers and consumers are known. The registry does not know them, and the
    /// pages say so instead of showing empty lists as if nobody used an event.
    pub producers_known: bool,
    /// Where the catalog was made from, shown in the footer (e.g. `stele.toml`, a registry).
    pub source: String,
}

/// A Kafka cluster (AsyncAPI server).
#[derive(Debug, Clone)]
pub struct Server {
    /// The key of the server, e.g. `production`.
    pub name: String,
    /// `host:port`.
    pub host: String,
    /// `kafka` or `kafka-secure`.
    pub protocol: String,
    /// What the cluster is for.
    pub description: Option<String>,
}

/// An application that produces or consumes events.
#[derive(Debug, Clone)]
pub struct Application {
    /// Its name, as events list it.
    pub name: String,
    /// What it does.
    pub description: Option<String>,
    /// The team that owns it.
    pub owner: Option<String>,
}

/// One subject with its versions.
#[derive(Debug, Clone)]
pub struct Event {
    /// The subject name, unique in the catalog.
    pub subject: String,
    /// The record name: Avro fullname, Protobuf message, JSON Schema title.
    pub record: String,
    /// The Kafka topic; shared types have none.
    pub topic: Option<String>,
    /// Whether the schema describes the record key rather than the value.
    pub key: bool,
    /// The schema format.
    pub format: Format,
    /// The subject's compatibility level.
    pub level: Level,
    /// What the event means.
    pub description: Option<String>,
    /// The team that owns the contract.
    pub owner: Option<String>,
    /// The business domain, for grouping.
    pub domain: Option<String>,
    /// Applications that write it.
    pub producers: Vec<String>,
    /// Applications that read it.
    pub consumers: Vec<String>,
    /// Subjects this one references.
    pub references: Vec<String>,
    /// Subjects that reference this one.
    pub referenced_by: Vec<String>,
    /// Versions, oldest first; never empty for a useful page.
    pub versions: Vec<Version>,
}

impl Event {
    /// The newest version, if any.
    pub fn latest(&self) -> Option<&Version> {
        self.versions.last()
    }

    /// The name shown for the event: its record name, or its subject when it has none.
    pub fn title(&self) -> &str {
        if self.record.is_empty() {
            &self.subject
        } else {
            &self.record
        }
    }
}

/// One version of a subject.
#[derive(Debug, Clone)]
pub struct Version {
    /// The version number in its subject (1, 2, …).
    pub number: i32,
    /// The registry's global schema id, when known.
    pub id: Option<i64>,
    /// The schema text.
    pub schema: String,
    /// The referenced schemas it was parsed with (name as the schema uses it, and text).
    pub dependencies: Vec<Dependency>,
    /// The engine's outline of it.
    pub outline: Outline,
    /// What changed since the previous version (empty for the first).
    pub changes: Vec<Change>,
    /// The engine's verdict against the previous version in both directions (`FULL`), so the
    /// page can say why a change is or is not compatible whatever the subject's level is.
    /// `None` for the first version.
    pub report: Option<Report>,
}

impl Version {
    /// Builds every version of one subject from parsed schemas, oldest first: outlines,
    /// differences and the engine's verdict between each pair of neighbours.
    pub fn build(versions: Vec<(i32, Option<i64>, String, Schema)>) -> Vec<Version> {
        let mut out: Vec<Version> = Vec::with_capacity(versions.len());
        let mut previous: Option<(i32, Schema)> = None;
        for (number, id, text, schema) in versions {
            let current = outline(&schema);
            let (changes, report) = match (&previous, out.last()) {
                (Some((prev_number, prev_schema)), Some(prev)) => {
                    let report = check(
                        Level::FULL,
                        Versioned {
                            version: number,
                            schema: &schema,
                        },
                        &[Versioned {
                            version: *prev_number,
                            schema: prev_schema,
                        }],
                        CheckOptions::default(),
                    );
                    (diff(&prev.outline, &current), Some(report))
                }
                _ => (Vec::new(), None),
            };
            out.push(Version {
                number,
                id,
                schema: text,
                dependencies: schema.dependencies().to_vec(),
                outline: current,
                changes,
                report,
            });
            previous = Some((number, schema));
        }
        out
    }

    /// Whether this version may follow the previous one under `level`'s direction, judged
    /// from the pairwise report (transitive levels also compare older versions, which the
    /// registry or `stele check` did when the version was accepted).
    pub fn allowed_by(&self, level: Level) -> Option<bool> {
        let report = self.report.as_ref()?;
        use stele_engine::Direction;
        let backward = report
            .findings
            .iter()
            .all(|f| f.reader_version != self.number);
        let forward = report
            .findings
            .iter()
            .all(|f| f.reader_version == self.number);
        Some(match level.direction {
            Direction::None => true,
            Direction::Backward => backward,
            Direction::Forward => forward,
            Direction::Full => backward && forward,
        })
    }
}

/// Fills in `referenced_by` from every event's `references`, sorted and without duplicates.
pub fn link_references(events: &mut [Event]) {
    let mut by: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for event in events.iter() {
        for reference in &event.references {
            by.entry(reference.clone())
                .or_default()
                .push(event.subject.clone());
        }
    }
    for event in events.iter_mut() {
        let mut list = by.remove(&event.subject).unwrap_or_default();
        list.sort();
        list.dedup();
        event.referenced_by = list;
    }
}
