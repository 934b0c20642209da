//! Any bytes as Avro schema text (see `stele_engine_fuzz::parse`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    stele_engine_fuzz::parse(stele_engine::Format::Avro, data);
});
