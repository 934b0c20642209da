//! Helpers shared by the engine's data-driven test runners (`cases.rs`, `lint.rs`), each of
//! which includes this module with `mod support;`.

use std::fs;
use std::path::{Path, PathBuf};

use stele_engine::Dependency;

/// Every file below `dir` as a reference named by its path relative to `dir` (with `/`
/// separators), in sorted order.
pub fn read_refs(dir: &Path) -> Vec<Dependency> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<Dependency>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let name = path
                    .strip_prefix(base)
                    .expect("walked below base")
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = fs::read_to_string(&path).expect("reference file is UTF-8");
                out.push(Dependency::new(name, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}
