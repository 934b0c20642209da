//! Runs the built `stele` binary and compares its output exactly.
//!
//! Shared by the CLI's integration tests (each `tests/*.rs` file includes it with `mod
//! support;`). Failures print the expected and the actual output in full, one after the other,
//! so a changed message is obvious.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What one run of the binary produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `stele` with `args` in `dir`.
pub fn stele(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_stele"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the stele binary runs");
    Output {
        code: output.status.code().expect("stele exits normally"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Asserts the exit code, stdout and stderr, printing both sides when they differ.
#[track_caller]
pub fn expect(actual: &Output, code: i32, stdout: &str, stderr: &str) {
    let expected = Output {
        code,
        stdout: stdout.to_string(),
        stderr: stderr.to_string(),
    };
    if *actual != expected {
        panic!(
            "\n===== expected exit code {}\n----- expected stdout\n{}----- expected stderr\n{}\
             ===== actual exit code {}\n----- actual stdout\n{}----- actual stderr\n{}=====\n",
            expected.code,
            expected.stdout,
            expected.stderr,
            actual.code,
            actual.stdout,
            actual.stderr
        );
    }
}

/// A temporary directory with the given files written into it.
pub fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent");
        }
        fs::write(&path, text).expect("write file");
    }
    dir
}

/// The repository root (the workspace directory above `cli/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}
