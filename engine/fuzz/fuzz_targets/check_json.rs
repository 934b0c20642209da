//! Two Json schemas checked in both directions (see `stele_engine_fuzz::check_pair`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    stele_engine_fuzz::check_pair(stele_engine::Format::Json, data);
});
