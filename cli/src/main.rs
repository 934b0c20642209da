//! PLACEHOLDER: the `stele` binary.
fn main() {}
