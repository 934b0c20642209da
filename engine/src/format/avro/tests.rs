//! Unit tests: parsing, bad input, canonical forms, fingerprints and the checker's details.

use super::*;
use crate::level::CheckOptions;

fn parse_ok(text: &str) -> Parsed {
    parse(text, &[], ParseOptions::default()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn parse_err(text: &str) -> ParseError {
    match parse(text, &[], ParseOptions::default()) {
        Ok(p) => panic!("expected an error for {text}, got {}", p.canonical()),
        Err(e) => e,
    }
}

#[test]
fn smoke() {
    let p = parse_ok(
        r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}"#,
    );
    assert_eq!(
        p.canonical(),
        r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}"#
    );
    let _ = CheckOptions::default();
}
