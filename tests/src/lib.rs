//! End-to-end tests across crates live in `tests/tests/`; this library only gives them a crate
//! to belong to.
//!
//! `tests/tests/registry_agrees_with_engine.rs` registers every history in `schemas/` with the
//! registry and breaks each one, checking that the registry's verdicts and messages are exactly
//! the engine's (which is also what `stele check` prints). The `stele` binary's own end-to-end
//! tests over `schemas/` are in `cli/tests/contracts.rs`: only the CLI package's integration
//! tests get `CARGO_BIN_EXE_stele`, the exact path of a freshly built binary.
