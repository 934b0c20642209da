//! The event catalog: who can find which events, what is in them, who produces and consumes
//! them, and how they changed.
//!
//! Input is a plain [`Catalog`] that a front end fills in (the CLI from `stele.toml` and schema
//! files, the registry from its store); [`Version::build`] asks the engine for each version's
//! outline, differences and compatibility verdict. Output is files: `asyncapi.yaml`, an
//! AsyncAPI 3.0.0 document ([`asyncapi`]), and a static HTML site ([`Site`]) that works from
//! the file system and from any static host, with our own CSS and script and nothing loaded
//! from elsewhere.
//!
//! Generating is pure: [`Site::render`] returns one file's bytes, and [`generate`] hands every
//! file to a [`Sink`]. The CLI's sink writes a directory ([`DirSink`]); the registry renders
//! the file a request asks for. Nothing here reads schemas, talks to a registry or decides
//! compatibility on its own.

pub mod asyncapi;
mod model;
mod site;
pub mod yaml;

use std::io;
use std::path::PathBuf;

pub use model::{Application, Catalog, Event, Server, Version, link_references};
pub use site::{MAX_LIST, PAGE_SIZE, SHARD_SIZE, Site, content_type};

/// Where generated files go.
pub trait Sink {
    /// Stores one file; `path` is relative to the catalog's root and uses `/`.
    fn write(&mut self, path: &str, bytes: &[u8]) -> io::Result<()>;
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Number of files.
    pub files: usize,
    /// Total bytes.
    pub bytes: usize,
    /// The largest HTML page and its size in bytes.
    pub largest_page: (String, usize),
    /// The largest file of any kind and its size in bytes.
    pub largest_file: (String, usize),
}

/// Renders every file of the catalog (the site and `asyncapi.yaml`) into `sink`.
pub fn generate(catalog: &Catalog, sink: &mut dyn Sink) -> io::Result<Stats> {
    let site = Site::new(catalog);
    let mut stats = Stats::default();
    for path in site.paths() {
        let Some(bytes) = site.render(&path) else {
            // `paths` lists only files `render` knows.
            continue;
        };
        stats.files += 1;
        stats.bytes += bytes.len();
        if path.ends_with(".html") && bytes.len() > stats.largest_page.1 {
            stats.largest_page = (path.clone(), bytes.len());
        }
        if bytes.len() > stats.largest_file.1 {
            stats.largest_file = (path.clone(), bytes.len());
        }
        sink.write(&path, &bytes)?;
    }
    Ok(stats)
}

/// Writes files under a directory, creating subdirectories as needed.
#[derive(Debug, Clone)]
pub struct DirSink {
    root: PathBuf,
}

impl DirSink {
    /// A sink writing under `root` (created when missing).
    pub fn new(root: impl Into<PathBuf>) -> DirSink {
        DirSink { root: root.into() }
    }
}

impl Sink for DirSink {
    fn write(&mut self, path: &str, bytes: &[u8]) -> io::Result<()> {
        // Paths come from `Site::paths`: slugs of `[A-Za-z0-9._-]` that never start with a
        // dot, so they cannot climb out of the root.
        let target = path
            .split('/')
            .fold(self.root.clone(), |dir, part| dir.join(part));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, bytes)
    }
}
