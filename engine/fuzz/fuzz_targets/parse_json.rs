//! Any bytes as Json schema text: parsing must return a schema or an error, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stele_engine::{Format, ParseOptions, Schema};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for normalize in [false, true] {
            if let Ok(schema) = Schema::parse(Format::Json, text, &[], ParseOptions { normalize }) {
                // The canonical form must itself parse, to the same canonical form.
                let again = Schema::parse(Format::Json, schema.canonical(), &[], ParseOptions { normalize })
                    .expect("canonical form parses");
                assert_eq!(again.canonical(), schema.canonical());
            }
        }
    }
});
