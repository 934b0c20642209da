//! Replays every input the fuzzers ever found trouble with, on the stable toolchain, as part
//! of `cargo test`: `engine/fuzz/regressions/<target>/<file>` runs through exactly the code
//! the fuzz target `<target>` runs (the fuzz crate's `src/lib.rs`, included below), so a
//! fixed crash, hang or wrong answer cannot come back unnoticed without nightly.
//!
//! Left out: the fuzzing itself (`scripts/fuzz`, nightly and cargo-fuzz), and corpora, which
//! are generated, large and not kept.

#![allow(clippy::unwrap_used)]

#[path = "../fuzz/src/lib.rs"]
mod fuzz;

use std::path::{Path, PathBuf};
use std::time::Instant;

use stele_engine::Format;

/// What a fuzz target runs on one input.
type Target = fn(&[u8]);

/// Each fuzz target by its directory name, with what it runs on one input.
const TARGETS: &[(&str, Target)] = &[
    ("parse_avro", |data| fuzz::parse(Format::Avro, data)),
    ("parse_protobuf", |data| fuzz::parse(Format::Protobuf, data)),
    ("parse_json", |data| fuzz::parse(Format::Json, data)),
    ("check_avro", |data| fuzz::check_pair(Format::Avro, data)),
    ("check_protobuf", |data| {
        fuzz::check_pair(Format::Protobuf, data)
    }),
    ("check_json", |data| fuzz::check_pair(Format::Json, data)),
    ("references", fuzz::references),
];

fn regressions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions")
}

/// The regression inputs of `target`, sorted by name.
fn inputs(target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(regressions().join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_regression_input_passes_its_target() {
    let mut failed = Vec::new();
    let mut count = 0;
    for (target, run) in TARGETS {
        for file in inputs(target) {
            let data = std::fs::read(&file).unwrap();
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(|| run(&data));
            count += 1;
            let name = file
                .strip_prefix(regressions())
                .unwrap()
                .display()
                .to_string();
            match outcome {
                Ok(()) => eprintln!("{name}: ok in {:?}", started.elapsed()),
                Err(_) => failed.push(name),
            }
        }
    }
    assert!(
        failed.is_empty(),
        "regression inputs that fail again: {failed:#?}"
    );
    assert!(
        count > 0,
        "no regression inputs under {}",
        regressions().display()
    );
}

/// A directory named after no target would be skipped silently, so it is an error.
#[test]
fn every_regression_directory_names_a_target() {
    for entry in std::fs::read_dir(regressions()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            assert!(
                TARGETS.iter().any(|(target, _)| *target == name),
                "engine/fuzz/regressions/{name} is not a fuzz target"
            );
        }
    }
}
