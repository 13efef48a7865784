//! Completion: the cursor's context first, then items from the schema.
//!
//! Contexts, each read from the line the cursor is on:
//! - a `##` (or `#`) line: the template sections the plan is missing;
//! - a `###` line or an empty line inside a section with a repeatable item:
//!   the next item (`Step 4`) with the template's whole skeleton;
//! - an empty line inside an item without a Tests block: the Tests block;
//! - a table cell: the values the template gives for the column or row, the
//!   missing row keys in the first column, and the current time for a
//!   timestamp row.
//!
//! Every item replaces what the user typed on the line (or in the cell), so
//! no `#`, `[` or `|` is doubled.

use super::parse::{Section, Subsection, Table};
use super::placeholder::{self, PlaceholderKind};
use super::skeleton::{self, Names};
use super::template::{ItemSpec, Schema, SectionSpec};
use super::{Analysis, TextEdit, TextRange};

/// What the client and the moment add to a completion request.
#[derive(Clone, Debug, Default)]
pub struct CompletionOptions {
    /// The client accepts snippet syntax (`${1:Name}`).
    pub snippets: bool,
    /// The current time, formatted like the template's timestamps
    /// (`2026-01-16T13:47:18-0800`).
    pub now: String,
    /// The document's file name, for slugs.
    pub file_name: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    /// A whole `##` section.
    Section,
    /// A numbered item such as a step.
    Item,
    /// A block inside an item (the Tests block).
    Block,
    /// A table value.
    Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    pub documentation: Option<String>,
    /// The text the client matches what the user typed against.
    pub filter_text: String,
    pub sort_text: String,
    pub preselect: bool,
    /// Whether `edit.new_text` uses snippet syntax.
    pub snippet: bool,
    pub edit: TextEdit,
}

/// Where the cursor is, as far as completion cares.
enum Context<'t> {
    /// A line that starts with `#` or `##`.
    SectionHeading,
    /// A line that starts with `###`.
    ItemHeading(&'t Section),
    /// A blank line, in a section (and maybe one of its subsections).
    EmptyLine(&'t Section, Option<&'t Subsection>),
    /// A table row.
    Cell(&'t Section, &'t Table),
}

/// The line around `offset`: (line start, line end without the break).
fn line_at(text: &str, offset: usize) -> (usize, usize) {
    let start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i);
    (start, end)
}

/// Completion items at byte `offset` of `text`.
#[must_use]
pub fn complete(
    text: &str,
    analysis: &Analysis,
    offset: u32,
    options: &CompletionOptions,
) -> Vec<CompletionItem> {
    let offset = (offset as usize).min(text.len());
    if !analysis.is_plan || !text.is_char_boundary(offset) {
        return Vec::new();
    }
    let in_code = analysis
        .tree
        .code_blocks
        .iter()
        .any(|b| b.range.start < offset as u32 && offset as u32 <= b.range.end);
    if in_code {
        return Vec::new();
    }
    let (line_start, line_end) = line_at(text, offset);
    let line = TextRange::new(line_start, line_end);
    let names = Names {
        slug: options.file_name.as_deref().and_then(skeleton::file_slug),
        item_name: None,
    };
    let schema = &analysis.schema;
    match context(text, analysis, line, offset) {
        Some(Context::SectionHeading) => sections(analysis, line, &names, options),
        Some(Context::ItemHeading(section)) => next_item(schema, section, line, &names, options)
            .into_iter()
            .collect(),
        Some(Context::EmptyLine(section, sub)) => {
            let mut items: Vec<CompletionItem> = Vec::new();
            if let Some(sub) = sub {
                items.extend(tests_block(schema, section, sub, line, &names, options));
            }
            items.extend(next_item(schema, section, line, &names, options));
            items
        }
        Some(Context::Cell(section, table)) => {
            cells(text, analysis, section, table, line, offset, options)
        }
        None => Vec::new(),
    }
}

fn context<'t>(
    text: &str,
    analysis: &'t Analysis,
    line: TextRange,
    offset: usize,
) -> Option<Context<'t>> {
    let prefix = text[line.start as usize..offset].trim_start();
    let rest = &text[offset..line.end as usize];
    let hashes = prefix.len() - prefix.trim_start_matches('#').len();
    let after_hashes = &prefix[hashes..];
    let heading_like = after_hashes.is_empty() || after_hashes.starts_with([' ', '\t']);
    if hashes > 0 && heading_like {
        return match hashes {
            1 | 2 => Some(Context::SectionHeading),
            3 => section_before(analysis, line.start).map(Context::ItemHeading),
            _ => None,
        };
    }
    let section = section_before(analysis, line.start)?;
    if prefix.is_empty() && rest.trim().is_empty() {
        let sub = section
            .subsections
            .iter()
            .rev()
            .find(|s| s.heading.range.start < line.start);
        return Some(Context::EmptyLine(section, sub));
    }
    if prefix.starts_with('|') {
        let table = section.tables().find(|t| {
            t.range.start <= line.start && line.start <= t.range.end.max(line.start)
                || t.range.touches(line.start)
        })?;
        return Some(Context::Cell(section, table));
    }
    None
}

/// The section whose heading comes last before `at`.
fn section_before(analysis: &Analysis, at: u32) -> Option<&Section> {
    analysis
        .tree
        .sections
        .iter()
        .rev()
        .find(|s| s.heading.range.start < at)
}

fn item(
    label: String,
    kind: CompletionKind,
    filter_text: String,
    edit: TextEdit,
    snippet: bool,
) -> CompletionItem {
    CompletionItem {
        label,
        kind,
        detail: None,
        documentation: None,
        filter_text,
        sort_text: String::new(),
        preselect: false,
        snippet,
        edit,
    }
}

/// The missing sections, in template order; the one that belongs at the
/// cursor is preselected.
fn sections(
    analysis: &Analysis,
    line: TextRange,
    names: &Names,
    options: &CompletionOptions,
) -> Vec<CompletionItem> {
    let schema = &analysis.schema;
    let present: Vec<usize> = analysis
        .tree
        .sections
        .iter()
        .filter(|s| s.heading.range.start != line.start)
        .filter_map(|s| schema.section_index(&s.heading.text))
        .collect();
    let before = analysis
        .tree
        .sections
        .iter()
        .filter(|s| s.heading.range.start < line.start)
        .filter_map(|s| schema.section_index(&s.heading.text))
        .max();
    let mut preselected = false;
    let mut out = Vec::new();
    for (index, spec) in schema.sections.iter().enumerate() {
        if present.contains(&index) {
            continue;
        }
        let fits = before.is_none_or(|b| index > b);
        let source = schema.text(spec.skeleton);
        let mut it = item(
            spec.name.clone(),
            CompletionKind::Section,
            format!("## {}", spec.name),
            TextEdit::replace(
                line,
                skeleton::render(source, schema, names, options.snippets),
            ),
            options.snippets,
        );
        it.detail = Some(if spec.optional {
            "optional template section".to_owned()
        } else {
            "template section".to_owned()
        });
        it.documentation = section_documentation(spec);
        it.sort_text = format!("{index:04}");
        if fits && !preselected {
            it.preselect = true;
            preselected = true;
        }
        out.push(it);
    }
    out
}

fn section_documentation(spec: &SectionSpec) -> Option<String> {
    (!spec.guidance.is_empty()).then(|| spec.guidance.clone())
}

/// The label of item number `n`: `Step 4` or `4.`.
fn counter_label(spec: &ItemSpec, n: u32) -> String {
    if spec.prefix.is_empty() {
        format!("{n}.")
    } else {
        format!("{} {n}", spec.prefix)
    }
}

/// The next item of the section at `line`, with the template's skeleton.
fn next_item(
    schema: &Schema,
    section: &Section,
    line: TextRange,
    names: &Names,
    options: &CompletionOptions,
) -> Option<CompletionItem> {
    let spec = schema.item_spec(&section.heading.text)?;
    let number = spec
        .instances(section)
        .filter(|(sub, _)| sub.heading.range.start < line.start)
        .filter_map(|(_, counter)| counter.number)
        .max()
        .map_or(spec.start, |n| n + 1);
    let source = skeleton::item_text(schema, spec, number);
    let plain = skeleton::render(&source, schema, names, false);
    let heading = plain
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches('#')
        .trim();
    let mut it = item(
        heading.to_owned(),
        CompletionKind::Item,
        format!("### {heading}"),
        TextEdit::replace(
            line,
            skeleton::render(&source, schema, names, options.snippets),
        ),
        options.snippets,
    );
    it.detail = Some(format!(
        "next {} with the template's skeleton",
        counter_label(spec, number)
    ));
    let fields: Vec<&str> = spec.fields.iter().map(|f| f.label.as_str()).collect();
    it.documentation = Some(format!("Fields: {}", fields.join(", ")));
    "1".clone_into(&mut it.sort_text);
    it.preselect = true;
    Some(it)
}

/// The Tests block for an item that has none.
fn tests_block(
    schema: &Schema,
    section: &Section,
    sub: &Subsection,
    line: TextRange,
    names: &Names,
    options: &CompletionOptions,
) -> Option<CompletionItem> {
    let spec = schema.item_spec(&section.heading.text)?;
    let counter = sub.counter.as_ref()?;
    let is_item = counter.prefix.eq_ignore_ascii_case(&spec.prefix);
    if !is_item || counter.number.is_some_and(|n| n <= spec.start) || ItemSpec::has_tests(sub) {
        return None;
    }
    let name = skeleton::item_name(&sub.heading.text);
    // The Tests block, and the field after it that runs the tests when the
    // item does not have that field yet.
    let (mut block, next) = skeleton::tests_parts(schema, spec)?;
    if let Some((label, next)) = next
        && !ItemSpec::has_field(sub, &label)
    {
        block.push_str("\n\n");
        block.push_str(&next);
    }
    let text = skeleton::name_test_file(&block, &name);
    let names = Names {
        item_name: Some(name.clone()),
        ..names.clone()
    };
    let mut it = item(
        "Tests block".to_owned(),
        CompletionKind::Block,
        "Tests block".to_owned(),
        TextEdit::replace(
            line,
            skeleton::render(&text, schema, &names, options.snippets),
        ),
        options.snippets,
    );
    it.detail = Some(format!(
        "tests for `{}`: class Test{}",
        sub.heading.text,
        skeleton::camel_case(&name)
    ));
    "0".clone_into(&mut it.sort_text);
    it.preselect = true;
    Some(it)
}

/// The replaceable span of the cell at `offset`: from after the `|` before
/// the cursor (and its spaces) to before the next `|` (and its spaces).
fn cell_span(text: &str, line: TextRange, offset: usize) -> (usize, usize) {
    let line_text = &text[line.start as usize..line.end as usize];
    let rel = offset - line.start as usize;
    let pipe = line_text[..rel].rfind('|').map_or(0, |i| i + 1);
    let lead = line_text[pipe..rel].len() - line_text[pipe..rel].trim_start().len();
    let start = pipe + lead;
    let next = line_text[rel..]
        .find('|')
        .map_or(line_text.len(), |i| rel + i);
    let end = (start + line_text[start..next].trim_end().len()).max(rel);
    (line.start as usize + start, line.start as usize + end)
}

fn cells(
    text: &str,
    analysis: &Analysis,
    section: &Section,
    table: &Table,
    line: TextRange,
    offset: usize,
    options: &CompletionOptions,
) -> Vec<CompletionItem> {
    let schema = &analysis.schema;
    let Some(spec) = schema
        .section_spec(&section.heading.text)
        .and_then(|s| s.table_spec(table))
    else {
        return Vec::new();
    };
    let prefix = &text[line.start as usize..offset];
    let column = prefix.matches('|').count().saturating_sub(1);
    let header_line = table
        .header
        .first()
        .is_some_and(|c| c.range.start >= line.start && c.range.start <= line.end);
    let delimiter = text[line.start as usize..line.end as usize]
        .chars()
        .all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'));
    if header_line || delimiter {
        return Vec::new();
    }
    let row = table
        .rows
        .iter()
        .find(|row| row.first().is_some_and(|c| line.touches(c.range.start)));
    let (start, end) = cell_span(text, line, offset);
    let pad = if start == offset && text[..offset].ends_with('|') {
        " "
    } else {
        ""
    };
    let mut values: Vec<(String, String)> = Vec::new();
    if column == 0 {
        for row_spec in &spec.rows {
            let present = table.rows.iter().any(|r| {
                r.first().is_some_and(|c| {
                    placeholder::clean_value(&c.text).eq_ignore_ascii_case(&row_spec.key)
                })
            });
            if !present {
                values.push((
                    format!("**{}**", row_spec.key),
                    "row of the template".to_owned(),
                ));
            }
        }
    }
    let header = table.header.get(column).map(|c| c.text.trim().to_owned());
    if let Some(col) = header.as_deref().and_then(|h| {
        spec.columns
            .iter()
            .find(|c| c.name.trim().eq_ignore_ascii_case(h))
    }) {
        let detail = if col.closed {
            "allowed value"
        } else {
            "template value"
        };
        for value in &col.values {
            values.push((value.clone(), format!("{detail} of {}", col.name.trim())));
        }
    }
    if column == 1
        && let Some(key) = row.and_then(|r| r.first())
        && let Some(row_spec) = spec
            .rows
            .iter()
            .find(|r| placeholder::clean_value(&key.text).eq_ignore_ascii_case(&r.key))
    {
        match &row_spec.kind {
            PlaceholderKind::Enum(alternatives) => {
                for value in alternatives {
                    values.push((value.clone(), format!("allowed value of {}", row_spec.key)));
                }
            }
            PlaceholderKind::Timestamp if !options.now.is_empty() => {
                values.push((options.now.clone(), "the current time".to_owned()));
            }
            _ => {}
        }
    }
    values
        .into_iter()
        .enumerate()
        .map(|(i, (value, detail))| {
            let mut it = item(
                value.clone(),
                CompletionKind::Value,
                value.clone(),
                TextEdit::replace(TextRange::new(start, end), format!("{pad}{value}")),
                false,
            );
            it.detail = Some(detail);
            it.sort_text = format!("{i:04}");
            it
        })
        .collect()
}

#[cfg(test)]
#[allow(
    clippy::needless_raw_string_hashes,
    reason = "expect-test writes its snapshots as r#\"...\"# literals"
)]
mod tests {
    use std::fmt::Write as _;

    use expect_test::{Expect, expect};

    use super::*;
    use crate::plan::{DocContext, Schema, analyze, apply_edits};

    fn run(fixture: &str, snippets: bool) -> (String, Vec<CompletionItem>) {
        let offset = fixture.find("$0").expect("fixture has a $0 cursor");
        let text = fixture.replace("$0", "");
        let schema = Schema::builtin();
        let analysis = analyze(&text, &schema, &DocContext::named("core-hardening-plan.md"));
        let options = CompletionOptions {
            snippets,
            now: "2026-01-16T13:47:18-0800".to_owned(),
            file_name: Some("core-hardening-plan.md".to_owned()),
        };
        let items = complete(&text, &analysis, offset as u32, &options);
        (text, items)
    }

    /// Renders each item: label, detail, the text it replaces and the first
    /// lines of what it inserts.
    fn check(fixture: &str, lines: usize, expect: &Expect) {
        let (text, items) = run(fixture, true);
        let mut out = String::new();
        for it in &items {
            let replaced = &text[it.edit.range.as_usize()];
            let _ = writeln!(
                out,
                "{}{} [{:?}] replaces `{replaced}` ({})",
                if it.preselect { "* " } else { "" },
                it.label,
                it.kind,
                it.detail.as_deref().unwrap_or("")
            );
            for l in it.edit.new_text.lines().take(lines) {
                let _ = writeln!(out, "{}", format!("    {l}").trim_end());
            }
        }
        expect.assert_eq(&out);
    }

    const STEPS: &str = "# Core-Hardening Plan

## Implementation Steps

### Step 0: Setup

**Goal**: Set up.

### Step 1: Parse Config

**Goal**: Parse it.

**Code**:
```python
x = 1
```

**Tests**:
```python
def test_a(): pass
```

**Verification**:
```bash
pytest
```
";

    #[test]
    fn nothing_inside_code_blocks() {
        // Outside code, an empty line after the last step offers the next one...
        let (_, items) = run(&format!("{STEPS}\n$0\n"), true);
        assert!(!items.is_empty());
        // ...inside code, neither indentation nor a `###` comment does.
        let fixture = format!("{STEPS}\n```python\n    $0\n```\n");
        check(&fixture, 3, &expect![[""]]);
        let fixture = format!("{STEPS}\n```bash\n### $0\n```\n");
        check(&fixture, 3, &expect![[""]]);
    }

    #[test]
    fn next_step_on_a_heading_line() {
        check(
            &format!("{STEPS}\n### $0\n"),
            3,
            &expect![[r#"
                * Step 2: [Name] [Item] replaces `### ` (next Step 2 with the template's skeleton)
                    ### Step 2: ${1:Name}

                    **Goal**: ${2:What this step accomplishes}
            "#]],
        );
    }

    #[test]
    fn next_step_skeleton_is_whole_and_plain_without_snippets() {
        let (text, items) = run(&format!("{STEPS}\n###$0\n"), false);
        let step = &items[0];
        let applied = apply_edits(&text, std::slice::from_ref(&step.edit));
        assert!(!applied.contains("####"), "no doubled #");
        for label in [
            "**Goal**",
            "- [ ]",
            "**Code**",
            "**Tests**",
            "**Verification**",
            "**Output**",
        ] {
            assert!(step.edit.new_text.contains(label), "{label} in skeleton");
        }
        assert!(step.edit.new_text.starts_with("### Step 2: [Name]"));
        assert!(
            step.edit
                .new_text
                .contains("tests/test_core_hardening_*.py")
        );
    }

    #[test]
    fn tests_block_in_a_step_without_tests() {
        check(
            "# Core-Hardening Plan

## Implementation Steps

### Step 1: Load

**Tests**: yes

### Step 2: Parse Config

**Goal**: Parse it.

**Code**:
```python
x = 1
```
$0
",
            40,
            &expect![[r#"
                * Tests block [Block] replaces `` (tests for `Step 2: Parse Config`: class TestParseConfig)
                    **Tests** (add to `tests/test_core_hardening_parse_config.py`):
                    ```python
                    """Tests for ${1:what this step does}."""

                    class TestParseConfig:
                        """Tests for ${2:component}."""

                        def test_${3:what_it_tests}(self):
                            """${4:Description}."""
                            # Arrange
                            ${5:setup}

                            # Act
                            ${6:action}

                            # Assert
                            ${7:verification}
                    ```

                    **Verification**:
                    ```bash
                    cd ${8:directory} && uv run pytest tests/test_core_hardening_parse_config.py::TestParseConfig -v
                    ```
                * Step 3: [Name] [Item] replaces `` (next Step 3 with the template's skeleton)
                    ### Step 3: ${1:Name}

                    **Goal**: ${2:What this step accomplishes}

                    - [ ] ${3:Implementation item 1}
                    - [ ] ${4:Implementation item 2}
                    - [ ] ${5:Write tests}

                    **Code** (add to `${6:file-path}`):
                    ```python
                    """${7:Description}."""

                    ${8:actual code to write}
                    ```

                    **Tests** (add to `tests/test_core_hardening_*.py`):
                    ```python
                    """Tests for ${9:what this step does}."""

                    class Test${10:ClassName}:
                        """Tests for ${11:component}."""

                        def test_${12:what_it_tests}(self):
                            """${13:Description}."""
                            # Arrange
                            ${14:setup}

                            # Act
                            ${15:action}

                            # Assert
                            ${16:verification}
                    ```

                    **Verification**:
                    ```bash
                    cd ${17:directory} && uv run pytest tests/test_core_hardening_*.py::Test${10:ClassName} -v
                    ```

                    **Output**: ${18:X}/${19:X} tests passing
            "#]],
        );
    }

    #[test]
    fn next_prerequisite() {
        check(
            "# P

## Prerequisites

### 1. Identify Affected Tests

**Why Needed**: x

### $0
",
            12,
            &expect![[r#"
                * 2. [Prerequisite Name] [Item] replaces `### ` (next 2. with the template's skeleton)
                    ### 2. ${1:Prerequisite Name}

                    **Why Needed**: ${2:Why this task requires it}

                    **Steps**:
                    1. ${3:Setup step 1}
                    2. ${4:Setup step 2}
                    3. ${5:Setup step 3}

                    **Commands**:
                    ```bash
                    # ${6:Description}
            "#]],
        );
    }

    #[test]
    fn missing_sections_on_a_heading_line() {
        check(
            "# Core-Hardening Plan

## Overview

## Deliverables

## Prerequisites

## Success Criteria

## Architecture

## Implementation Steps

## Test Summary

## Production-Grade Checklist

## What \"Done\" Looks Like

##$0

## Risks & Mitigations
",
            1,
            &expect![[r#"
                * Files to Create/Modify [Section] replaces `##` (template section)
                    ## Files to Create/Modify
                Dependencies [Section] replaces `##` (template section)
                    ## Dependencies
                Error Codes Reference [Section] replaces `##` (optional template section)
                    ## Error Codes Reference
                Next Steps After Completion [Section] replaces `##` (template section)
                    ## Next Steps After Completion
            "#]],
        );
    }

    #[test]
    fn table_cells() {
        let overview = "# P

## Overview

| Attribute | Value |
|-----------|-------|
| **Created** | $0 |
| **Type** | Feature |
";
        check(
            overview,
            1,
            &expect![[r#"
                2026-01-16T13:47:18-0800 [Value] replaces `` (the current time)
                    2026-01-16T13:47:18-0800
            "#]],
        );
        check(
            "# P

## Overview

| Attribute | Value |
|-----------|-------|
| **Created** | now |
| **Type** |$0
",
            0,
            &expect![[r#"
                PoC [Value] replaces `` (allowed value of Type)
                Feature [Value] replaces `` (allowed value of Type)
                Issue [Value] replaces `` (allowed value of Type)
                Refactor [Value] replaces `` (allowed value of Type)
            "#]],
        );
        check(
            "# P

## Risks & Mitigations

| Risk | Likelihood | Mitigation |
|------|------------|------------|
| Slow | M$0 | Cache |
",
            0,
            &expect![[r#"
                H [Value] replaces `M` (allowed value of Likelihood)
                M [Value] replaces `M` (allowed value of Likelihood)
                L [Value] replaces `M` (allowed value of Likelihood)
            "#]],
        );
    }

    #[test]
    fn pipe_trigger_adds_a_space_and_no_pipe() {
        let (text, items) = run(
            "# P

## Overview

| Attribute | Value |
|-----------|-------|
| **Type** |$0
",
            true,
        );
        let applied = apply_edits(&text, std::slice::from_ref(&items[0].edit));
        assert!(applied.contains("| **Type** | PoC\n"), "{applied}");
    }

    #[test]
    fn nothing_in_code_or_prose() {
        let (_, items) = run("# P\n\n## Overview\n\n```\n## $0\n```\n", true);
        assert!(items.is_empty());
        let (_, items) = run("# P\n\n## Overview\n\nSome words $0here\n", true);
        assert!(items.is_empty());
    }

    #[test]
    fn tests_block_completion_in_a_step_with_verification_adds_no_second_verification() {
        let (_, items) = run(
            "# Core-Hardening Plan

## Implementation Steps

### Step 1: Load

**Tests**: yes

### Step 2: Parse Config

**Code**:
```python
x = 1
```
$0

**Verification**:
```bash
pytest
```
",
            false,
        );
        let block = items
            .iter()
            .find(|i| i.label == "Tests block")
            .expect("a Tests block completion");
        assert!(
            block.edit.new_text.starts_with("**Tests**"),
            "{}",
            block.edit.new_text
        );
        assert!(
            !block.edit.new_text.contains("**Verification**"),
            "{}",
            block.edit.new_text
        );
    }

    #[test]
    fn step_skeleton_gives_the_code_and_test_docstrings_their_own_tab_stops() {
        let (_, items) = run(
            "# Core-Hardening Plan\n\n## Implementation Steps\n\n### Step 0: Setup\n\n$0",
            true,
        );
        let step = items
            .iter()
            .find(|i| i.label.starts_with("Step 1"))
            .expect("a step completion");
        let text = &step.edit.new_text;
        let stops: Vec<&str> = text
            .match_indices("Description}")
            .map(|(at, _)| {
                let open = text[..at].rfind("${").unwrap();
                &text[open..at]
            })
            .collect();
        assert_eq!(stops.len(), 2, "{text}");
        assert_ne!(stops[0], stops[1], "{text}");
        assert!(text.contains("Test${"), "{text}");
    }
}
