//! The `stele` binary: checks event contracts for compatibility in CI.
//!
//! This file is the edge: it parses the command line with clap, runs one command and turns
//! the outcome into an exit code. Exit codes follow ripgrep's pattern: 0 when the schemas are
//! compatible (or the command simply succeeded), 1 when they are not (the findings are the
//! output), 2 for invalid input, IO errors and usage errors (the message goes to stderr).
//! Every verdict comes from `stele_engine`; nothing here knows a compatibility rule.

mod baseline;
mod client;
mod commands;
mod contracts;
mod locate;
mod project;
mod render;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  stele check schemas/orders/order_placed/v1.avsc schemas/orders/order_placed/v2.avsc \\
      --reference shop.common.Envelope=schemas/common/envelope.avsc
  stele check v3.avsc --against v1.avsc v2.avsc --compatibility backward_transitive
  stele check old.proto new.proto --compatibility full --output json
  stele rules

Exit status: 0 compatible, 1 incompatible (findings on stdout), 2 invalid input or usage.";

/// Check event contracts (Avro, Protobuf, JSON Schema) for compatibility.
#[derive(Debug, Parser)]
#[command(name = "stele", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check that a new schema version is compatible with earlier ones.
    Check(commands::check::Args),
    /// Lint event contracts: naming, envelope, personal data, documentation, size.
    Lint(commands::lint::Args),
    /// List every compatibility rule with its format, category and purpose.
    Rules(commands::rules::Args),
    /// Show what changed between two versions of a schema, and whether it is compatible.
    Diff(commands::diff::Args),
    /// Write the event catalog: an AsyncAPI 3.0 document and a static HTML site.
    Catalog(commands::catalog::Args),
    /// Copy every subject, version, id, config and mode of a registry into Stele.
    Import(commands::import::Args),
    /// Write a registry's subjects into schema files and a stele.toml.
    Pull(commands::pull::Args),
    /// Register the subjects of stele.toml whose current file the registry does not hold.
    Push(commands::push::Args),
}

/// What a command found, as the exit code reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The command succeeded; for `check`, the schemas are compatible.
    Success,
    /// `check` found the schemas incompatible.
    Incompatible,
}

fn main() -> ExitCode {
    // clap exits with 2 on usage errors and 0 for --help and --version.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => commands::check::run(&args),
        Command::Lint(args) => commands::lint::run(&args),
        Command::Rules(args) => commands::rules::run(&args),
        Command::Diff(args) => commands::diff::run(&args),
        Command::Catalog(args) => commands::catalog::run(&args),
        Command::Import(args) => commands::import::run(&args),
        Command::Pull(args) => commands::pull::run(&args),
        Command::Push(args) => commands::push::run(&args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Incompatible) => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
