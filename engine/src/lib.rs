//! Stele's compatibility engine.
//!
//! Text goes in, values come out: [`Schema::parse`] turns Avro, Protobuf or JSON Schema text
//! (plus the already-fetched texts of the schemas it references) into a [`Schema`] with a
//! canonical form and a fingerprint, and [`check`] answers "can readers of one version read
//! data written with another?" for any of the seven Confluent compatibility levels, as a
//! [`Report`] listing every [`Finding`].
//!
//! The engine deliberately does no IO: no files, no network, no database, no async runtime.
//! The registry and the CLI fetch bytes, then ask the engine, so they can never disagree on a
//! verdict. Invalid schema text is a [`ParseError`]; incompatibility is not an error.

pub mod finding;
pub mod format;
pub mod level;
pub mod lint;
pub mod outline;
pub mod references;
pub mod rules;

pub use finding::{Finding, Issue, Report};
pub use format::{Fingerprint, Format, ParseError, ParseErrorKind, ParseOptions, Schema};
pub use level::{CheckOptions, Direction, Level, Policy, Versioned, check};
pub use references::{Dependency, Fetched, Reference, Resolver, resolve};
pub use rules::{Category, Rule, RuleId};
