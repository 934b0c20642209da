//! Progress on stderr while a command works through many subjects: `[3/12] checking
//! shop.orders.order-placed-value`, redrawn in place on a terminal.
//!
//! It is shown only where someone watches: when stderr is a terminal, or with `--verbose`,
//! which prints one plain line per subject instead (no carriage returns, so CI logs stay
//! readable). Otherwise it prints nothing, so CI logs and redirected output hold only the
//! results. It never writes to stdout, where the results go. It leaves out timing, rates and
//! bars: a subject takes milliseconds, and the count is what tells how far along a run is.

use std::io::{self, IsTerminal, Write};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing (stderr is not a terminal and `--verbose` is off).
    Silent,
    /// One line per subject (`--verbose`).
    Lines,
    /// One line rewritten in place (stderr is a terminal).
    Live,
}

impl Mode {
    /// `Lines` with `--verbose`, else `Live` when stderr is a terminal, else `Silent`.
    pub fn detect(verbose: bool) -> Mode {
        if verbose {
            Mode::Lines
        } else if io::stderr().is_terminal() {
            Mode::Live
        } else {
            Mode::Silent
        }
    }
}

/// The longest live line, in characters; longer subject names are cut so the line never
/// wraps on a common 80-column terminal (a wrapped line cannot be redrawn with `\r`).
const LIVE_WIDTH: usize = 79;

/// Progress through `total` subjects.
pub struct Progress<W: Write> {
    mode: Mode,
    out: W,
    verb: &'static str,
    total: usize,
    done: usize,
    /// Characters on the live line now, to blank it out.
    shown: usize,
}

impl Progress<io::Stderr> {
    /// Progress on stderr for `total` subjects; `verb` is `checking` or `linting`.
    pub fn stderr(verb: &'static str, total: usize, verbose: bool) -> Progress<io::Stderr> {
        Progress::new(Mode::detect(verbose), io::stderr(), verb, total)
    }
}

impl<W: Write> Progress<W> {
    /// Progress written to `out` in `mode`.
    pub fn new(mode: Mode, out: W, verb: &'static str, total: usize) -> Progress<W> {
        Progress {
            mode,
            out,
            verb,
            total,
            done: 0,
            shown: 0,
        }
    }

    /// Says that work on `subject` starts. Errors writing progress are ignored: progress is
    /// a courtesy and must never fail a run.
    pub fn start(&mut self, subject: &str) {
        self.done = (self.done + 1).min(self.total.max(1));
        let subject: String = subject
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let line = format!("[{}/{}] {} {subject}", self.done, self.total, self.verb);
        let _ = match self.mode {
            Mode::Silent => Ok(()),
            Mode::Lines => writeln!(self.out, "{line}"),
            Mode::Live => self.redraw(&line),
        };
    }

    /// Clears the live line (call before printing results to a terminal). Also done on drop.
    pub fn finish(&mut self) {
        if self.mode == Mode::Live && self.shown > 0 {
            let _ = self.redraw("");
        }
    }

    fn redraw(&mut self, line: &str) -> io::Result<()> {
        let mut line: String = line.chars().take(LIVE_WIDTH).collect();
        let length = line.chars().count();
        if length < self.shown {
            line.push_str(&" ".repeat(self.shown - length));
        }
        let end = if length == 0 { "\r" } else { "" };
        write!(self.out, "\r{line}{end}")?;
        self.shown = length;
        self.out.flush()
    }
}

impl<W: Write> Drop for Progress<W> {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(mode: Mode, subjects: &[&str]) -> String {
        let mut out = Vec::new();
        {
            let mut progress = Progress::new(mode, &mut out, "checking", subjects.len());
            for subject in subjects {
                progress.start(subject);
            }
        }
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn silent_prints_nothing() {
        assert_eq!(shown(Mode::Silent, &["a", "b"]), "");
    }

    #[test]
    fn verbose_prints_plain_lines() {
        assert_eq!(
            shown(Mode::Lines, &["shop.a-value", "bad\nname"]),
            "[1/2] checking shop.a-value\n[2/2] checking bad name\n"
        );
    }

    #[test]
    fn live_redraws_one_line_and_clears_it() {
        assert_eq!(
            shown(Mode::Live, &["long-subject", "b"]),
            "\r[1/2] checking long-subject\r[2/2] checking b           \r                \r"
        );
        let long = "x".repeat(200);
        let out = shown(Mode::Live, &[&long]);
        assert!(
            out.split('\r')
                .all(|line| line.chars().count() <= LIVE_WIDTH)
        );
    }
}
