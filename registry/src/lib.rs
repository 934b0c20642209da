//! Stele's registry service: the Confluent Schema Registry REST API over the engine.
//!
//! Only the crate boundary exists so far; the service itself is tracked as its own issue
//! (the registry issue). Nothing here is used yet.
