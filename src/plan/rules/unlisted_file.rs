//! `unlisted-file`: a step's Code or Tests names a file (`**Code** (create
//! `src/x.py`)`, or a first-line comment `# tests/test_x.py` in its block)
//! that the Files to Create/Modify table does not list. The table is the
//! template table whose first column is `File`. Paths match when equal, when
//! one ends with the other at a `/` (a step may write the absolute path),
//! or by a `*` in the table (`tests/test_x_*.py`). No fix: where a file
//! goes in the table, and why, is the author's.

use super::Cx;
use crate::plan::parse::{Section, Subsection};
use crate::plan::template::is_tests_label;
use crate::plan::{Diagnostic, Finding, TextRange};

/// The Files table and what the steps name.
pub(super) struct Files<'a> {
    /// The heading of the section holding the table.
    pub section: &'a Section,
    /// Each row's path and its first cell.
    pub rows: Vec<(String, TextRange)>,
    /// Each path a step's Code or Tests names, with the label it is on.
    pub named: Vec<(String, TextRange)>,
    /// The steps, for looking up any mention of a path in them.
    pub steps: Vec<&'a Subsection>,
}

pub(super) fn files<'a>(cx: &Cx<'a>) -> Option<Files<'a>> {
    let (section, table, _) = cx.template_tables().find(|(_, _, spec)| {
        spec.columns
            .first()
            .is_some_and(|c| c.name.trim().eq_ignore_ascii_case("File"))
    })?;
    let rows: Vec<(String, TextRange)> = table
        .rows
        .iter()
        .filter_map(|row| {
            let cell = row.first()?;
            let path = path_like(cell.text.trim().trim_matches('`'))?;
            (!cx.holds_placeholder(cell)).then_some((path, cell.range))
        })
        .collect();
    let mut named = Vec::new();
    let mut steps = Vec::new();
    for (item_section, spec) in cx.item_sections() {
        for (sub, _) in spec.instances(item_section) {
            if !cx.checks_fields_of(sub) {
                continue;
            }
            steps.push(sub);
            for field in &sub.body.fields {
                if !(field.label.eq_ignore_ascii_case("Code") || is_tests_label(&field.label)) {
                    continue;
                }
                for code in field.qualifier.split('`').skip(1).step_by(2) {
                    if let Some(path) = path_like(code) {
                        named.push((path, field.range));
                    }
                }
                if let Some(path) = block_header(cx, sub, field.line.start) {
                    named.push((path, field.range));
                }
            }
        }
    }
    Some(Files {
        section,
        rows,
        named,
        steps,
    })
}

/// The path in a `# path` or `// path` first line of the block right after
/// a label.
fn block_header(cx: &Cx, sub: &Subsection, label_start: u32) -> Option<String> {
    let block = sub
        .body
        .code_blocks
        .iter()
        .filter_map(|&b| cx.tree.code_blocks.get(b))
        .find(|b| b.range.start > label_start)?;
    let between = &cx.text[label_start as usize..block.range.start as usize];
    if between.matches('\n').count() > 2 {
        return None; // not the label's own block
    }
    let first = cx.text[block.content.as_usize()].lines().next()?.trim();
    let rest = first
        .strip_prefix('#')
        .or_else(|| first.strip_prefix("//"))?
        .trim();
    path_like(rest)
}

/// A file path as written: no spaces, and a `/` or a file extension.
fn path_like(code: &str) -> Option<String> {
    let code = code.trim();
    let path = code.strip_prefix("./").unwrap_or(code);
    let plain = !path.is_empty()
        && !path.contains(char::is_whitespace)
        && !path.contains([
            '[', ']', '(', ')', '{', '}', '<', '>', '"', '\'', ',', ';', '=',
        ])
        && !path.ends_with('/');
    let last = path.rsplit('/').next().unwrap_or(path);
    let extension = last
        .rfind('.')
        .is_some_and(|dot| dot > 0 && last[dot + 1..].chars().any(char::is_alphabetic));
    (plain && (path.contains('/') || extension)).then(|| path.to_owned())
}

/// Whether a table row's path names the file `path`.
pub(super) fn names(row: &str, path: &str) -> bool {
    let ends_at_slash = |long: &str, short: &str| {
        long.len() > short.len()
            && long.ends_with(short)
            && long.as_bytes()[long.len() - short.len() - 1] == b'/'
    };
    if row == path || ends_at_slash(path, row) || ends_at_slash(row, path) {
        return true;
    }
    match row.split_once('*') {
        Some((head, tail)) => {
            let file = path.rsplit_once('/').map_or(path, |(_, f)| f);
            let row_file_head = head.rsplit_once('/').map_or(head, |(_, f)| f);
            let dir_ok = head
                .rsplit_once('/')
                .is_none_or(|(dir, _)| path.contains(&format!("{dir}/")) || path.starts_with(dir));
            dir_ok && file.starts_with(row_file_head) && file.ends_with(tail) && !tail.contains('*')
        }
        None => false,
    }
}

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let Some(files) = files(cx) else {
        return;
    };
    let mut reported: Vec<&str> = Vec::new();
    for (path, at) in &files.named {
        let listed = files.rows.iter().any(|(row, _)| names(row, path));
        if listed || reported.contains(&path.as_str()) {
            continue;
        }
        reported.push(path);
        out.push(Diagnostic::new(
            *at,
            Finding::UnlistedFile {
                path: path.clone(),
                section: files.section.heading.text.clone(),
            },
        ));
    }
    super::untouched_file::check(cx, &files, out);
}

#[cfg(test)]
pub(crate) mod tests {
    use expect_test::expect;

    use super::super::test_support::check_diagnostics;
    use super::names;
    use crate::plan::Code;

    pub(crate) const PLAN: &str = "# x Plan

## Implementation Steps

### Step 1: Model

**Code** (create `src/x/model.py`):
```python
class Model: ...
```

**Tests** (add to `/home/me/x/tests/test_model.py`):
```python
def test_model(): ...
```

### Step 2: Store

**Code**:
```python
# src/x/store.py
class Store: ...
```

**Tests**:
```python
# tests/test_store.py
def test_store(): ...
```

Also update `README.md`, and run `grep x setup.cfg`.

## Files to Create/Modify

| File | Action | Status |
|------|--------|--------|
| `src/x/model.py` | Create | Pending |
| `tests/test_*.py` | Create | Pending |
| `README.md` | Modify | Pending |
| `docs/extra.md` | Modify | Pending |
| `setup.cfg` | Modify | Pending |
";

    #[test]
    fn a_step_names_a_file_the_table_does_not_list() {
        check_diagnostics(
            Code::UnlistedFile,
            PLAN,
            &expect![[r#"
            19:1 warning unlisted-file: `src/x/store.py` is not listed in `## Files to Create/Modify`
        "#]],
        );
    }

    #[test]
    fn paths_match_exactly_by_suffix_or_by_a_star() {
        assert!(names("src/x.py", "src/x.py"));
        assert!(names("tests/test_a.py", "/home/me/p/tests/test_a.py"));
        assert!(names("tests/test_core_*.py", "tests/test_core_cli.py"));
        assert!(!names("tests/test_core_*.py", "tests/test_other.py"));
        assert!(!names("x.py", "src/ax.py"));
    }
}
