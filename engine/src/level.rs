//! The seven Confluent compatibility levels, built once from direction × scope.
//!
//! Each format implements one primitive, `can_read(reader, writer, pair, out)`. A level is a
//! [`Direction`] (backward: the new schema reads data written with the old; forward: the old
//! reads the new; full: both) and a scope (the latest earlier version, or every earlier
//! version when transitive). [`check`] applies it and turns [`Issue`]s into [`Finding`]s.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::finding::{Finding, Issue, Report};
use crate::format::{Schema, avro, json, protobuf};
use crate::rules::{self, common};

/// Which way data must flow between versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// No check.
    None,
    /// The new schema reads data written with earlier ones.
    Backward,
    /// Earlier schemas read data written with the new one.
    Forward,
    /// Both.
    Full,
}

/// A compatibility level: direction and whether it applies to every earlier version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Level {
    /// Which way data must flow.
    pub direction: Direction,
    /// Against every earlier version (`true`) or only the latest (`false`).
    pub transitive: bool,
}

impl Level {
    /// `NONE`.
    pub const NONE: Level = Level::new(Direction::None, false);
    /// `BACKWARD`, the registry's default.
    pub const BACKWARD: Level = Level::new(Direction::Backward, false);
    /// `BACKWARD_TRANSITIVE`.
    pub const BACKWARD_TRANSITIVE: Level = Level::new(Direction::Backward, true);
    /// `FORWARD`.
    pub const FORWARD: Level = Level::new(Direction::Forward, false);
    /// `FORWARD_TRANSITIVE`.
    pub const FORWARD_TRANSITIVE: Level = Level::new(Direction::Forward, true);
    /// `FULL`.
    pub const FULL: Level = Level::new(Direction::Full, false);
    /// `FULL_TRANSITIVE`.
    pub const FULL_TRANSITIVE: Level = Level::new(Direction::Full, true);

    /// The seven levels in Confluent's order.
    pub const ALL: [Level; 7] = [
        Level::NONE,
        Level::BACKWARD,
        Level::BACKWARD_TRANSITIVE,
        Level::FORWARD,
        Level::FORWARD_TRANSITIVE,
        Level::FULL,
        Level::FULL_TRANSITIVE,
    ];

    const fn new(direction: Direction, transitive: bool) -> Level {
        Level {
            direction,
            // NONE has no scope; keep one spelling of it.
            transitive: transitive && !matches!(direction, Direction::None),
        }
    }

    /// The Confluent spelling, e.g. `BACKWARD_TRANSITIVE`.
    pub fn as_str(self) -> &'static str {
        match (self.direction, self.transitive) {
            (Direction::None, _) => "NONE",
            (Direction::Backward, false) => "BACKWARD",
            (Direction::Backward, true) => "BACKWARD_TRANSITIVE",
            (Direction::Forward, false) => "FORWARD",
            (Direction::Forward, true) => "FORWARD_TRANSITIVE",
            (Direction::Full, false) => "FULL",
            (Direction::Full, true) => "FULL_TRANSITIVE",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Level {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;

    /// Case-insensitive, surrounding white space ignored, as the registry accepts levels.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_uppercase();
        Level::ALL
            .into_iter()
            .find(|level| level.as_str() == wanted)
            .ok_or_else(|| {
                format!(
                    "invalid compatibility level `{s}`; valid levels are none, backward, \
                     backward_transitive, forward, forward_transitive, full and full_transitive"
                )
            })
    }
}

/// Confluent's `compatibilityPolicy`. Only JSON Schema distinguishes them today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Policy {
    /// The default: every change that may reject data some writer produced is incompatible.
    #[default]
    Strict,
    /// Confluent's LENIENT policy: open content models may gain properties.
    Lenient,
}

/// Options for [`check`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// The compatibility policy.
    pub policy: Policy,
}

/// A schema with the version number it has (or would have) in its subject.
#[derive(Debug, Clone, Copy)]
pub struct Versioned<'a> {
    /// The version number, used only to word findings.
    pub version: i32,
    /// The schema.
    pub schema: &'a Schema,
}

/// The two sides of one `can_read` call, for wording details and reading options.
#[derive(Debug, Clone, Copy)]
pub struct Pair {
    /// Version of the reading schema.
    pub reader_version: i32,
    /// Version of the writing schema.
    pub writer_version: i32,
    /// The options of the check.
    pub options: CheckOptions,
}

impl Pair {
    /// "version N" for the reader.
    pub fn reader(&self) -> String {
        format!("version {}", self.reader_version)
    }

    /// "version N" for the writer.
    pub fn writer(&self) -> String {
        format!("version {}", self.writer_version)
    }

    /// Whether the reader is the newer of the two (a backward check).
    pub fn reader_is_newer(&self) -> bool {
        self.reader_version > self.writer_version
    }
}

/// Checks `new` against `previous` (oldest first) at `level`.
///
/// Every finding is reported, for every version compared: a transitive check does not stop
/// at the first failing version, so its report names each earlier version that blocks the
/// change.
pub fn check(
    level: Level,
    new: Versioned<'_>,
    previous: &[Versioned<'_>],
    options: CheckOptions,
) -> Report {
    let compared: Vec<Versioned<'_>> = match (level.direction, level.transitive) {
        (Direction::None, _) => Vec::new(),
        (_, true) => previous.iter().rev().copied().collect(),
        (_, false) => previous.last().copied().into_iter().collect(),
    };
    let mut findings = Vec::new();
    for old in &compared {
        if matches!(level.direction, Direction::Backward | Direction::Full) {
            findings.extend(can_read(new, *old, options));
        }
        if matches!(level.direction, Direction::Forward | Direction::Full) {
            findings.extend(can_read(*old, new, options));
        }
    }
    Report {
        level,
        compatible: findings.is_empty(),
        version: new.version,
        compared: compared.iter().map(|v| v.version).collect(),
        findings,
    }
}

/// Findings that stop `reader` from reading data written with `writer`.
pub fn can_read(
    reader: Versioned<'_>,
    writer: Versioned<'_>,
    options: CheckOptions,
) -> Vec<Finding> {
    let pair = Pair {
        reader_version: reader.version,
        writer_version: writer.version,
        options,
    };
    let mut issues = Vec::new();
    match (reader.schema, writer.schema) {
        (Schema::Avro(r), Schema::Avro(w)) => avro::can_read(r, w, &pair, &mut issues),
        (Schema::Protobuf(r), Schema::Protobuf(w)) => protobuf::can_read(r, w, &pair, &mut issues),
        (Schema::Json(r), Schema::Json(w)) => json::can_read(r, w, &pair, &mut issues),
        (r, w) => issues.push(Issue {
            rule: common::SCHEMA_TYPE_CHANGED,
            path: String::new(),
            detail: format!(
                "version {} is {} but version {} is {}",
                writer.version,
                w.format(),
                reader.version,
                r.format()
            ),
        }),
    }
    issues
        .into_iter()
        .map(|issue| Finding {
            category: rules::category_of(issue.rule),
            message: format!(
                "consumers on version {} cannot read events written with version {}: {}",
                reader.version, writer.version, issue.detail
            ),
            rule: issue.rule,
            path: issue.path,
            reader_version: reader.version,
            writer_version: writer.version,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip_case_insensitively() {
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>(), Ok(level));
            assert_eq!(
                format!(" {} ", level.as_str().to_lowercase()).parse::<Level>(),
                Ok(level)
            );
        }
        assert!("SIDEWAYS".parse::<Level>().is_err());
    }
}
