//! What every fuzz target does, once, for any format; each target in `fuzz_targets/` only
//! names its format.

use stele_engine::rules::common::CHECK_LIMIT_EXCEEDED;
use stele_engine::{CheckOptions, Format, Level, ParseOptions, Schema, Versioned, check};

/// Any bytes as schema text: parsing returns a schema or an error, never panics or hangs, and
/// a schema's canonical form parses again to the same canonical form.
pub fn parse(format: Format, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for normalize in [false, true] {
        let options = ParseOptions { normalize };
        if let Ok(schema) = Schema::parse(format, text, &[], options) {
            let again = Schema::parse(format, schema.canonical(), &[], options)
                .expect("canonical form parses");
            assert_eq!(again.canonical(), schema.canonical());
        }
    }
}

/// Two schemas from one input (split at the first NUL byte), checked FULL_TRANSITIVE in both
/// orders: the check finishes without panicking, and a schema reads itself unless it is too
/// large to compare (which fails closed).
pub fn check_pair(format: Format, data: &[u8]) {
    let Some(split) = data.iter().position(|b| *b == 0) else {
        return;
    };
    let (Ok(first), Ok(second)) = (
        std::str::from_utf8(&data[..split]),
        std::str::from_utf8(&data[split + 1..]),
    ) else {
        return;
    };
    let parse = |text: &str| Schema::parse(format, text, &[], ParseOptions::default()).ok();
    let (Some(a), Some(b)) = (parse(first), parse(second)) else {
        return;
    };
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
    assert!(
        itself.findings.iter().all(|f| f.rule == CHECK_LIMIT_EXCEEDED),
        "a schema must read itself: {:?}",
        itself.findings
    );
}
