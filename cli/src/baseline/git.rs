//! Schema texts at a git ref, for `stele check --against git:REF`.
//!
//! Runs the `git` command rather than linking a git library: CI machines have git, and its own
//! view of the repository (worktrees, sparse checkouts, shallow clones, alternates) is the one
//! that counts. Two processes serve a whole run, whatever the number of schema files: one
//! `git log` lists which commits touched which files, and one `git cat-file --batch` answers
//! every `commit:path` read. Renames are not followed: a file renamed in the change has no
//! history at the ref and its subject counts as new.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{Context, Result, bail};

/// A repository opened at a ref.
pub struct Git {
    /// The ref as the user wrote it, for messages.
    pub rev: String,
    /// The commit the ref names.
    commit: String,
    /// The manifest directory relative to the repository's top level, empty or ending in `/`.
    prefix: String,
    dir: PathBuf,
    batch: Batch,
    /// Per path (relative to the manifest's directory): the commits that changed it, oldest
    /// first. Filled on the first history request.
    log: Option<HashMap<String, Vec<String>>>,
}

impl Git {
    /// Opens the repository holding `dir` at `rev`.
    pub fn open(dir: &Path, rev: &str) -> Result<Git> {
        if rev.is_empty() || rev.starts_with('-') {
            bail!("`git:{rev}` does not name a ref; write e.g. --against git:origin/main");
        }
        let prefix = git(dir, &["rev-parse", "--show-prefix"])
            .with_context(|| format!("{} is not inside a git repository", dir.display()))?;
        let commit = git(
            dir,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
        )
        .map_err(|_| {
            anyhow::anyhow!(
                "git:{rev}: no such commit in the repository at {} (in CI, fetch it first: \
                     `git fetch origin main` or `actions/checkout` with fetch-depth: 0)",
                dir.display()
            )
        })?;
        Ok(Git {
            rev: rev.to_string(),
            commit: commit.trim().to_string(),
            prefix: prefix.trim().to_string(),
            dir: dir.to_path_buf(),
            batch: Batch::start(dir)?,
            log: None,
        })
    }

    /// The short commit id of the ref, for labels.
    pub fn short(&self) -> &str {
        &self.commit[..self.commit.len().min(7)]
    }

    /// The text of `path` (relative to the manifest's directory) at the ref; `None` when the
    /// file does not exist there.
    pub fn read(&mut self, path: &str) -> Result<Option<String>> {
        let spec = format!("{}:{}{path}", self.commit, self.prefix);
        self.batch.read(&spec)
    }

    /// Every distinct text `path` had in the ref's history, oldest first, each with the
    /// commit that introduced it; the last is the text at the ref.
    pub fn history(&mut self, path: &str) -> Result<Vec<(String, String)>> {
        if self.log.is_none() {
            self.log = Some(self.load_log()?);
        }
        let commits = self
            .log
            .as_ref()
            .and_then(|log| log.get(path))
            .cloned()
            .unwrap_or_default();
        let mut out: Vec<(String, String)> = Vec::new();
        for commit in commits {
            let spec = format!("{commit}:{}{path}", self.prefix);
            // A commit that deleted the file has nothing to read; a later one may restore it.
            if let Some(text) = self.batch.read(&spec)?
                && !out.iter().any(|(_, seen)| *seen == text)
            {
                out.push((commit[..commit.len().min(7)].to_string(), text));
            }
        }
        Ok(out)
    }

    /// One `git log` over the ref's history: for every file under the manifest's directory,
    /// the commits that changed it, oldest first.
    fn load_log(&self) -> Result<HashMap<String, Vec<String>>> {
        let output = Command::new("git")
            .current_dir(&self.dir)
            .args([
                "log",
                "--reverse",
                "--no-renames",
                "--format=commit %H",
                "--name-only",
                "--relative",
                &self.commit,
                "--",
                ".",
            ])
            .stderr(Stdio::piped())
            .output()
            .context("running git log")?;
        if !output.status.success() {
            bail!(
                "git log {}: {}",
                self.rev,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let mut log: HashMap<String, Vec<String>> = HashMap::new();
        let mut commit = "";
        for line in text.lines() {
            if let Some(id) = line.strip_prefix("commit ") {
                commit = id;
            } else if !line.is_empty() && !commit.is_empty() {
                log.entry(line.to_string())
                    .or_default()
                    .push(commit.to_string());
            }
        }
        Ok(log)
    }
}

/// Runs git and returns its stdout.
fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .stderr(Stdio::piped())
        .output()
        .context("running git (is it installed?)")?;
    if !output.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A long-lived `git cat-file --batch`: one request line in, one header and the object out.
struct Batch {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Batch {
    fn start(dir: &Path) -> Result<Batch> {
        let mut child = Command::new("git")
            .current_dir(dir)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting git cat-file")?;
        let stdin = child.stdin.take().context("git cat-file's stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("git cat-file's stdout")?);
        Ok(Batch {
            child,
            stdin,
            stdout,
        })
    }

    /// The blob at `spec` (`commit:path`), `None` when there is none.
    fn read(&mut self, spec: &str) -> Result<Option<String>> {
        if spec.contains('\n') {
            bail!("a file name with a line break cannot be read from git: {spec:?}");
        }
        writeln!(self.stdin, "{spec}").context("asking git cat-file")?;
        self.stdin.flush().context("asking git cat-file")?;
        let mut header = String::new();
        self.stdout
            .read_line(&mut header)
            .context("reading git cat-file")?;
        // "<oid> blob <size>", or "<spec> missing" / "ambiguous".
        let mut parts = header.split_whitespace();
        let (_, kind, size) = (parts.next(), parts.next(), parts.next());
        let size = match (kind, size) {
            (Some("blob"), Some(size)) => size
                .parse::<usize>()
                .with_context(|| format!("git cat-file answered {header:?}"))?,
            (Some(_), Some(_)) => {
                // A tree or another object at that path: read and drop it, it is no schema.
                let size = size.and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
                self.skip(size + 1)?;
                return Ok(None);
            }
            _ => return Ok(None),
        };
        let mut body = vec![0; size];
        self.stdout
            .read_exact(&mut body)
            .context("reading git cat-file")?;
        self.skip(1)?; // the newline after the object
        let text =
            String::from_utf8(body).map_err(|_| anyhow::anyhow!("{spec} is not UTF-8 text"))?;
        Ok(Some(text))
    }

    fn skip(&mut self, n: usize) -> Result<()> {
        let mut rest = vec![0; n];
        self.stdout
            .read_exact(&mut rest)
            .context("reading git cat-file")
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // Closing stdin ends cat-file; reap it so no zombie outlives the run.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
