//! `stele rules`: the rule list, generated from `stele_engine::rules::all()`.
//!
//! Text for people, JSON for tools, and Markdown for `docs/rules.md` (a test keeps that file
//! equal to this command's output, so the reference never drifts from the code).

use std::io::Write;

use anyhow::{Context, Result};
use clap::ValueEnum;
use stele_engine::rules;

use crate::Outcome;
use crate::render;

/// Arguments of `stele rules`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How to print the list.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Output::Text)]
    output: Output,

    /// Print the Markdown reference kept in docs/rules.md (same as --output markdown).
    #[arg(long, conflicts_with = "output")]
    markdown: bool,
}

/// The `--output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Text,
    Json,
    Markdown,
}

/// Prints every rule.
pub fn run(args: &Args) -> Result<Outcome> {
    let output = if args.markdown {
        Output::Markdown
    } else {
        args.output
    };
    let all: Vec<&rules::Rule> = rules::all().collect();
    let mut stdout = std::io::stdout().lock();
    let written = match output {
        Output::Text => render::text::rules(&mut stdout, all.iter().copied()),
        Output::Json => render::json::rules(&mut stdout, all.iter().copied()),
        Output::Markdown => render::markdown::rules(&mut stdout, all.iter().copied()),
    }
    .and_then(|()| stdout.flush());
    render::ignore_broken_pipe(written).context("writing the rule list")?;
    Ok(Outcome::Success)
}
