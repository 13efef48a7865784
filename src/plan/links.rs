//! File paths written in a plan: `tests/test_models.py` in inline code, the
//! `docs/<slug>-results.md` named by the `> **Track Progress**:` line.
//!
//! The core only finds candidates and their byte ranges. Whether a path
//! exists is a question for the file system, which the caller answers
//! through an `exists` predicate; the core never resolves anything itself.

use super::TextRange;
use super::parse::PlanTree;

/// A file path written in inline code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathRef {
    /// The range of the path as written (inside the backticks).
    pub range: TextRange,
    /// The relative path, `/`-separated, without a leading `./`.
    pub path: String,
    /// The label of the preamble field that names the path
    /// (`Track Progress`, `Design`), when it is one.
    pub field: Option<String>,
}

/// The longest path worth considering, in bytes.
const MAX_PATH: usize = 512;

/// Whether inline code reads as a relative file path: no spaces or
/// punctuation beyond `._-/@+`, no absolute path, no `..` or `.` segment,
/// no placeholder, and either a directory separator or a file extension
/// with a letter in it (`factory.py`, not `1.2` nor `asyncio.run()`).
#[must_use]
pub fn normalize_path(code: &str) -> Option<String> {
    let code = code.trim();
    let path = code.strip_prefix("./").unwrap_or(code);
    if path.is_empty() || path.len() > MAX_PATH || path.starts_with('/') || path.ends_with('/') {
        return None;
    }
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '@' | '+');
    if !path.chars().all(allowed) {
        return None;
    }
    if path
        .split('/')
        .any(|segment| segment.is_empty() || segment == "." || segment == "..")
    {
        return None;
    }
    let last = path.rsplit('/').next().unwrap_or(path);
    let extension = last
        .rfind('.')
        .filter(|&dot| dot > 0)
        .map(|dot| &last[dot + 1..])
        .filter(|ext| {
            (1..=10).contains(&ext.len())
                && ext.chars().all(char::is_alphanumeric)
                && ext.chars().any(char::is_alphabetic)
        });
    (path.contains('/') || extension.is_some()).then(|| path.to_owned())
}

/// Every path written in inline code, in document order; the ones inside a
/// preamble field's line carry the field's label.
#[must_use]
pub fn paths(text: &str, tree: &PlanTree) -> Vec<PathRef> {
    tree.inline_code
        .iter()
        .filter_map(|&code| {
            let written = text.get(code.as_usize())?;
            let path = normalize_path(written)?;
            let lead = written.len() - written.trim_start().len();
            let start = code.start as usize + lead;
            let range = TextRange::new(start, start + written.trim().len());
            let field = tree
                .preamble
                .iter()
                .find(|f| f.line.start <= range.start && range.end <= f.line.end)
                .map(|f| f.label.clone());
            Some(PathRef { range, path, field })
        })
        .collect()
}

/// The path under `offset`, if any.
#[must_use]
pub fn path_at(paths: &[PathRef], offset: u32) -> Option<&PathRef> {
    paths.iter().find(|p| p.range.touches(offset))
}

pub use super::rules::missing_files;

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use expect_test::{Expect, expect};

    use super::*;
    use crate::plan::{DocContext, Schema, analyze, parse};

    fn check_paths(text: &str, expect: &Expect) {
        let tree = parse::parse(text);
        let mut out = String::new();
        for p in paths(text, &tree) {
            let field = p.field.map(|f| format!(" ({f})")).unwrap_or_default();
            let written = &text[p.range.as_usize()];
            let _ = writeln!(out, "{} <{written}> {}{field}", p.range, p.path);
        }
        expect.assert_eq(&out);
    }

    #[test]
    fn finds_paths_in_inline_code_and_preamble_fields() {
        check_paths(
            "# X Plan

> **Design**: See `docs/x-design.md` for analysis.
>
> **Track Progress**: See ` ./docs/x-results.md ` for status.

## Files

| File | Action |
|------|--------|
| `src/x.py` | Create |
| `tests/test_models.py` | Create |

Edit `pyproject.toml`, `factory.py` and `src/db_adapter/cli` but not `asyncio.run()`,
`uv run x --help`, `1.2`, `v0.3.1`, `../../etc/passwd`, `/etc/passwd`, `docs/../x.md`,
`docs/[slug]-results.md`, `db_adapter.*`, `schema.db_models`, `src/`, `.env` or `~/x.md`.
",
            &expect![[r"
                29..45 <docs/x-design.md> docs/x-design.md (Design)
                91..110 <./docs/x-results.md> docs/x-results.md (Track Progress)
                175..183 <src/x.py> src/x.py
                199..219 <tests/test_models.py> tests/test_models.py
                239..253 <pyproject.toml> pyproject.toml
                257..267 <factory.py> factory.py
                274..292 <src/db_adapter/cli> src/db_adapter/cli
            "]],
        );
    }

    #[test]
    fn paths_inside_code_blocks_are_not_links() {
        check_paths("# X Plan\n\n```bash\ncat `src/x.py`\n```\n", &expect![[""]]);
    }

    #[test]
    fn path_at_finds_the_path_under_the_cursor() {
        let text = "Edit `src/x.py` now.";
        let tree = parse::parse(text);
        let found = paths(text, &tree);
        assert_eq!(
            path_at(&found, 6).map(|p| p.path.as_str()),
            Some("src/x.py")
        );
        assert_eq!(
            path_at(&found, 14).map(|p| p.path.as_str()),
            Some("src/x.py")
        );
        assert_eq!(path_at(&found, 2), None);
    }

    fn check_missing(text: &str, existing: &[&str], expect: &Expect) {
        let analysis = analyze(text, &Schema::builtin(), &DocContext::named("x-plan.md"));
        let mut out = String::new();
        for d in missing_files(text, &analysis, |p| existing.contains(&p)) {
            let written = &text[d.range.as_usize()];
            let severity = d.severity.as_str();
            let _ = writeln!(
                out,
                "{} {severity}[{}] <{written}> {}",
                d.range, d.code, d.message
            );
        }
        expect.assert_eq(&out);
    }

    const PREAMBLE: &str = "# X Plan

> **Design**: See `docs/x-design.md` for analysis.
>
> **Track Progress**: See `docs/x-results.md` for status.

## Overview

Touch `src/x.py`.
";

    #[test]
    fn missing_results_and_design_files_give_hints() {
        check_missing(
            PREAMBLE,
            &[],
            &expect![[r"
                29..45 hint[missing-file] <docs/x-design.md> Design: `docs/x-design.md` does not exist yet
                90..107 hint[missing-file] <docs/x-results.md> Track Progress: `docs/x-results.md` does not exist yet
            "]],
        );
        check_missing(
            PREAMBLE,
            &["docs/x-design.md", "docs/x-results.md"],
            &expect![[""]],
        );
    }

    #[test]
    fn documents_that_are_not_plans_get_no_hints() {
        let text = "# Notes\n\n> **Track Progress**: See `docs/x-results.md`.\n";
        let analysis = analyze(text, &Schema::builtin(), &DocContext::named("notes.md"));
        assert!(missing_files(text, &analysis, |_| false).is_empty());
    }
}
