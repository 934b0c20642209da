//! `stele rules`: the rule list, generated from `stele_engine::rules::all()`; with `--lint`,
//! the lint rules from `stele_engine::lint::RULES` (printed by `commands/lint.rs`).
//!
//! Text for people, JSON for tools, and Markdown for `docs/rules.md` and `docs/lint.md` (tests
//! keep those files equal to this command's output, so the references never drift from the
//! code).

use std::io::Write;

use anyhow::{Context, Result};
use clap::ValueEnum;
use stele_engine::rules;

use crate::Outcome;
use crate::commands::lint;
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

    /// List the lint rules (`stele lint`) instead of the compatibility rules; the Markdown
    /// form is docs/lint.md.
    #[arg(long)]
    lint: bool,
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
        Output::Text if args.lint => lint::rules_text(&mut stdout),
        Output::Json if args.lint => lint::rules_json(&mut stdout),
        Output::Markdown if args.lint => lint::rules_markdown(&mut stdout),
        Output::Text => render::text::rules(&mut stdout, all.iter().copied()),
        Output::Json => render::json::rules(&mut stdout, all.iter().copied()),
        Output::Markdown => render::markdown::rules(&mut stdout, all.iter().copied()),
    }
    .and_then(|()| stdout.flush());
    render::ignore_broken_pipe(written).context("writing the rule list")?;
    Ok(Outcome::Success)
}
