//! One module per subcommand. Each turns its arguments into engine calls and hands the result
//! to a renderer; none of them decides a verdict.

pub mod args;
pub mod catalog;
pub mod check;
pub mod diff;
pub mod import;
pub mod lint;
pub mod pull;
pub mod push;
pub mod rules;
