//! A schema with references over a tiny registry, any format (see
//! `stele_engine_fuzz::references`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    stele_engine_fuzz::references(data);
});
