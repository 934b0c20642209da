//! End-to-end tests live in `tests/tests/`; this library only gives them a crate to belong to.
//!
//! The `stele` binary's end-to-end tests over the example contracts in `schemas/` are in
//! `cli/tests/contracts.rs` instead: only the CLI package's own integration tests get
//! `CARGO_BIN_EXE_stele`, which makes cargo build the binary before the tests and names its
//! exact path. Searching `target/` from this package would run a stale binary whenever this
//! package is tested on its own.
