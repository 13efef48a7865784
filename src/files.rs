//! Resolving a file path written in a plan to a file on disk, without ever
//! leaving the roots it may be looked up in (the workspace folders, or for
//! `plan-lsp check` the plan's git root).
//!
//! A path with an absolute start, a `..` or `.` segment is refused before
//! the file system is asked; a path that leads out of every root through a
//! symlink is refused after canonicalising it. Nothing here opens a file:
//! the checks are `stat`-like calls only.

use std::path::{Component, Path, PathBuf};

/// A directory paths may resolve into: as given (for the URIs the client
/// knows) and canonical (for the containment check).
#[derive(Clone, Debug)]
pub struct Root {
    pub given: PathBuf,
    pub canonical: PathBuf,
}

/// The roots among `dirs` that exist.
#[must_use]
pub fn roots(dirs: &[PathBuf]) -> Vec<Root> {
    dirs.iter()
        .filter_map(|dir| {
            let canonical = dir.canonicalize().ok()?;
            canonical.is_dir().then(|| Root {
                given: dir.clone(),
                canonical,
            })
        })
        .collect()
}

/// Whether `path` lies inside one of the roots: its nearest existing
/// ancestor (itself when it exists), canonicalised, does.
#[must_use]
pub fn inside(roots: &[Root], path: &Path) -> bool {
    path.ancestors()
        .find_map(|p| p.canonicalize().ok())
        .is_some_and(|real| roots.iter().any(|r| real.starts_with(&r.canonical)))
}

/// The file `relative` names, looked up in the root that holds `plan_dir`
/// first, then the other roots, then `plan_dir` itself (when it lies inside
/// a root). Only regular files whose real path lies inside a root count.
#[must_use]
pub fn resolve(roots: &[Root], plan_dir: Option<&Path>, relative: &str) -> Option<PathBuf> {
    let rel = Path::new(relative);
    if rel.as_os_str().is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let plan_real = plan_dir.and_then(|dir| dir.canonicalize().ok());
    let holds_plan = |root: &Root| {
        plan_real
            .as_ref()
            .is_some_and(|real| real.starts_with(&root.canonical))
    };
    let mut bases: Vec<&Path> = Vec::new();
    bases.extend(
        roots
            .iter()
            .filter(|r| holds_plan(r))
            .map(|r| r.given.as_path()),
    );
    bases.extend(
        roots
            .iter()
            .filter(|r| !holds_plan(r))
            .map(|r| r.given.as_path()),
    );
    if roots.iter().any(holds_plan) {
        bases.extend(plan_dir);
    }
    bases.into_iter().find_map(|base| {
        let candidate = base.join(rel);
        let resolved = candidate.canonicalize().ok()?;
        let contained = roots.iter().any(|r| resolved.starts_with(&r.canonical));
        (contained && resolved.is_file()).then_some(candidate)
    })
}

/// The nearest directory at or above `dir` that holds a `.git` entry.
#[must_use]
pub fn git_root(dir: &Path) -> Option<PathBuf> {
    let real = dir.canonicalize().ok()?;
    real.ancestors()
        .find(|d| d.join(".git").symlink_metadata().is_ok())
        .map(Path::to_path_buf)
}

/// Whether a path names a markdown file (`.md`, any case).
#[must_use]
pub fn is_markdown(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("md"))
}
