//! Two Avro schemas from one input (split at the first NUL byte), checked FULL_TRANSITIVE in
//! both orders: the check must finish without panicking, and a schema reads itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stele_engine::{CheckOptions, Format, Level, ParseOptions, Schema, Versioned, check};

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|b| *b == 0) else { return };
    let (Ok(first), Ok(second)) = (std::str::from_utf8(&data[..split]), std::str::from_utf8(&data[split + 1..])) else {
        return;
    };
    let parse = |text: &str| Schema::parse(Format::Avro, text, &[], ParseOptions::default()).ok();
    let (Some(a), Some(b)) = (parse(first), parse(second)) else { return };
    for (new, old) in [(&a, &b), (&b, &a)] {
        let _ = check(
            Level::FULL_TRANSITIVE,
            Versioned { version: 2, schema: new },
            &[Versioned { version: 1, schema: old }],
            CheckOptions::default(),
        );
    }
    let itself = check(
        Level::FULL,
        Versioned { version: 2, schema: &a },
        &[Versioned { version: 1, schema: &a }],
        CheckOptions::default(),
    );
    // A schema always reads itself, unless it is too large to compare (which fails closed).
    assert!(
        itself.findings.iter().all(|f| f.rule == stele_engine::rules::common::CHECK_LIMIT_EXCEEDED),
        "a schema must read itself: {:?}",
        itself.findings
    );
});
