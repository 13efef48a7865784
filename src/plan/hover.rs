//! Hover: the template's guidance for what is under the cursor.
//!
//! On a placeholder: what kind of value it wants (and the template's
//! guidance for its table row); on a section heading: the template's first
//! paragraph for it and whether it is optional; on an item heading: its
//! checklist progress and the fields the template expects; on a field label
//! or a table row key: the template's text for it.

use std::fmt::Write as _;

use super::parse::{Section, Subsection};
use super::placeholder::{self, PlaceholderKind};
use super::template::{ItemSpec, Schema, SectionSpec};
use super::{Analysis, Code, TextRange};

/// Markdown to show for `range`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoverInfo {
    pub range: TextRange,
    pub markdown: String,
}

/// The hover at byte `offset`, if there is anything to say.
#[must_use]
pub fn hover(text: &str, analysis: &Analysis, offset: u32) -> Option<HoverInfo> {
    if !analysis.is_plan {
        return None;
    }
    let schema = &analysis.schema;
    if let Some(title) = &analysis.tree.title
        && title.range.touches(offset)
        && !analysis.tree.placeholders.iter().any(|p| p.touches(offset))
    {
        return Some(title_hover(analysis, title.range));
    }
    let section = analysis
        .tree
        .sections
        .iter()
        .rev()
        .find(|s| s.heading.range.start <= offset)?;
    let spec = schema.section_spec(&section.heading.text);
    if let Some(info) = placeholder_hover(text, analysis, section, spec, offset) {
        return Some(info);
    }
    if section.heading.range.touches(offset) {
        return spec.map(|spec| section_hover(section, spec));
    }
    let spec = spec?;
    if let Some(info) = table_hover(section, spec, offset) {
        return Some(info);
    }
    let items = spec.items.as_ref()?;
    let sub = section
        .subsections
        .iter()
        .find(|s| s.range.touches(offset))?;
    if sub.heading.range.touches(offset) {
        return Some(item_hover(sub, items));
    }
    let field = sub.body.fields.iter().find(|f| f.range.touches(offset))?;
    let field_spec = items
        .fields
        .iter()
        .find(|f| f.label.eq_ignore_ascii_case(&field.label))?;
    let mut markdown = format!("**{}**", field_spec.label);
    if !field_spec.guidance.is_empty() {
        let _ = write!(markdown, ": {}", field_spec.guidance);
    }
    let _ = write!(
        markdown,
        "\n\n{} field of every {} in the template.",
        if field_spec.expected {
            "An expected"
        } else {
            "An optional"
        },
        item_word(items)
    );
    Some(HoverInfo {
        range: field.range,
        markdown,
    })
}

fn item_word(items: &ItemSpec) -> String {
    if items.prefix.is_empty() {
        "numbered item".to_owned()
    } else {
        items.prefix.to_lowercase()
    }
}

fn section_hover(section: &Section, spec: &SectionSpec) -> HoverInfo {
    let mut markdown = format!("**## {}**", spec.name);
    markdown.push_str(if spec.optional {
        " (optional template section)"
    } else {
        " (template section)"
    });
    if !spec.guidance.is_empty() {
        let _ = write!(markdown, "\n\n{}", spec.guidance);
    }
    if let Some(items) = &spec.items {
        let count = items.instances(section).count();
        let fields: Vec<String> = items
            .fields
            .iter()
            .filter(|f| f.expected)
            .map(|f| format!("`{}`", f.label))
            .collect();
        let plural = if count == 1 { "" } else { "s" };
        let _ = write!(
            markdown,
            "\n\n{count} {}{plural} here; each has {}.",
            item_word(items),
            fields.join(", ")
        );
    }
    if let Some(table) = spec.tables.first() {
        let columns: Vec<&str> = table.columns.iter().map(|c| c.name.trim()).collect();
        let _ = write!(markdown, "\n\nTable columns: {}.", columns.join(" | "));
    }
    HoverInfo {
        range: section.heading.range,
        markdown,
    }
}

fn item_hover(sub: &Subsection, items: &ItemSpec) -> HoverInfo {
    let mut markdown = format!("**{}**", sub.heading.text);
    if !sub.body.tasks.is_empty() {
        let done = sub.body.tasks.iter().filter(|t| t.checked).count();
        let _ = write!(
            markdown,
            "\n\nChecklist: {done}/{} done",
            sub.body.tasks.len()
        );
    }
    let mut lines = Vec::new();
    for field in &items.fields {
        let present = ItemSpec::has_field(sub, &field.label);
        let mark = if present { "x" } else { " " };
        let need = if field.expected { "" } else { " (optional)" };
        lines.push(format!("- [{mark}] `{}`{need}", field.label));
    }
    if !lines.is_empty() {
        let _ = write!(markdown, "\n\nTemplate fields:\n{}", lines.join("\n"));
    }
    if !ItemSpec::has_tests(sub) && items.tests_field().is_some() {
        markdown.push_str("\n\nNo Tests block yet.");
    }
    HoverInfo {
        range: sub.heading.range,
        markdown,
    }
}

/// A row key (`**Proves**`) or a cell of a closed column (`Likelihood`).
fn table_hover(section: &Section, spec: &SectionSpec, offset: u32) -> Option<HoverInfo> {
    let table = section.tables().find(|t| t.range.touches(offset))?;
    let table_spec = spec.table_spec(table)?;
    for row in &table.rows {
        let Some(column) = row.iter().position(|c| c.range.touches(offset)) else {
            continue;
        };
        let cell = &row[column];
        if column == 0 {
            let key = placeholder::clean_value(&row[0].text);
            let row_spec = table_spec
                .rows
                .iter()
                .find(|r| r.key.eq_ignore_ascii_case(&key))?;
            let mut markdown = format!("**{}**", row_spec.key);
            if !row_spec.guidance.is_empty() {
                let _ = write!(markdown, ": {}", row_spec.guidance);
            }
            if row_spec.kind != PlaceholderKind::Text {
                let _ = write!(markdown, "\n\nValue: {}.", row_spec.kind.describe());
            }
            return Some(HoverInfo {
                range: cell.range,
                markdown,
            });
        }
        let header = table.header.get(column)?.text.trim().to_owned();
        let col = table_spec
            .columns
            .iter()
            .find(|c| c.name.trim().eq_ignore_ascii_case(&header) && !c.values.is_empty())?;
        let markdown = format!(
            "**{header}**: {} {}.",
            if col.closed { "one of" } else { "for example" },
            col.values.join(", ")
        );
        return Some(HoverInfo {
            range: cell.range,
            markdown,
        });
    }
    None
}

fn placeholder_hover(
    text: &str,
    analysis: &Analysis,
    section: &Section,
    spec: Option<&SectionSpec>,
    offset: u32,
) -> Option<HoverInfo> {
    let d = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnfilledPlaceholder && d.range.touches(offset))?;
    let written = &text[d.range.as_usize()];
    let inner = written
        .strip_prefix('[')
        .and_then(|w| w.strip_suffix(']'))
        .unwrap_or(written);
    let kind = PlaceholderKind::classify(inner);
    let mut markdown = format!(
        "**Placeholder** `{written}`: replace it with {}.",
        kind.describe()
    );
    if let Some(guidance) = spec.and_then(|s| row_guidance(&analysis.schema, s, section, d.range)) {
        let _ = write!(markdown, "\n\n{guidance}");
    }
    Some(HoverInfo {
        range: d.range,
        markdown,
    })
}

/// The template's guidance for the table row a range lies in.
fn row_guidance(
    _schema: &Schema,
    spec: &SectionSpec,
    section: &Section,
    range: TextRange,
) -> Option<String> {
    let table = section.tables().find(|t| t.range.touches(range.start))?;
    let table_spec = spec.table_spec(table)?;
    let row = table
        .rows
        .iter()
        .find(|row| row.iter().any(|c| c.range.touches(range.start)))?;
    let key = placeholder::clean_value(&row.first()?.text);
    let row_spec = table_spec
        .rows
        .iter()
        .find(|r| r.key.eq_ignore_ascii_case(&key))?;
    (!row_spec.guidance.is_empty()).then(|| format!("{}: {}", row_spec.key, row_spec.guidance))
}

/// On the title: which template the plan is checked against, and the
/// plan's checklist progress.
fn title_hover(analysis: &Analysis, range: TextRange) -> HoverInfo {
    let schema = &analysis.schema;
    let required = schema.sections.iter().filter(|s| !s.optional).count();
    let mut markdown = format!(
        "Checked against the template `{}`: {} sections, {required} required.",
        schema.origin,
        schema.sections.len()
    );
    let tasks = analysis.tree.sections.iter().flat_map(|section| {
        section.body.tasks.iter().chain(
            section
                .subsections
                .iter()
                .flat_map(|sub| sub.body.tasks.iter()),
        )
    });
    let (done, total) = tasks.fold((0, 0), |(done, total), task| {
        (done + usize::from(task.checked), total + 1)
    });
    if total > 0 {
        let _ = write!(markdown, "\n\nChecklists: {done}/{total} done.");
    }
    HoverInfo { range, markdown }
}

#[cfg(test)]
#[allow(
    clippy::needless_raw_string_hashes,
    reason = "expect-test writes its snapshots as r#\"...\"# literals"
)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::plan::{DocContext, Schema, analyze};

    fn check(fixture: &str, expect: &Expect) {
        let offset = fixture.find("$0").expect("fixture has a $0 cursor");
        let text = fixture.replace("$0", "");
        let analysis = analyze(&text, &Schema::builtin(), &DocContext::named("x-plan.md"));
        let out = match hover(&text, &analysis, offset as u32) {
            Some(info) => format!("<{}>\n{}\n", &text[info.range.as_usize()], info.markdown),
            None => "(none)\n".to_owned(),
        };
        expect.assert_eq(&out);
    }

    #[test]
    fn title_names_the_template_and_the_progress() {
        check(
            "# X$0 Plan\n\n## Success Criteria\n\n- [x] one\n- [ ] two\n",
            &expect![[r#"
                <# X Plan>
                Checked against the template `built-in`: 14 sections, 13 required.

                Checklists: 1/2 done.
            "#]],
        );
    }

    const PLAN: &str = "# X Plan

## Overview

| Attribute | Value |
|-----------|-------|
| **Created** | [YYYY-MM-DDTHH:MM:SS-TZ] |
| **Proves** | It works |

## Prerequisites

### 1. Tools

**Why Needed**: Because

## Implementation Steps

### Step 1: Parse

**Goal**: Parse

- [x] one
- [ ] two

**Code**:
```python
x = 1
```
";

    fn at(marker: &str) -> String {
        PLAN.replacen(marker, &format!("{}$0{}", &marker[..2], &marker[2..]), 1)
    }

    #[test]
    fn row_key_guidance() {
        check(
            &at("**Proves**"),
            &expect![[r#"
                <**Proves**>
                **Proves**: One sentence: what hypothesis this validates
            "#]],
        );
    }

    #[test]
    fn placeholder_kind_and_row() {
        check(
            &at("[YYYY"),
            &expect![[r#"
                <[YYYY-MM-DDTHH:MM:SS-TZ]>
                **Placeholder** `[YYYY-MM-DDTHH:MM:SS-TZ]`: replace it with an ISO-8601 timestamp.

                Created: YYYY-MM-DDTHH:MM:SS-TZ
            "#]],
        );
    }

    #[test]
    fn field_label_guidance() {
        check(
            &at("**Why Needed**"),
            &expect![[r#"
                <**Why Needed**>
                **Why Needed**: Why this task requires it

                An expected field of every numbered item in the template.
            "#]],
        );
    }

    #[test]
    fn step_progress() {
        check(
            &at("### Step 1"),
            &expect![[r#"
                <### Step 1: Parse>
                **Step 1: Parse**

                Checklist: 1/2 done

                Template fields:
                - [x] `Goal`
                - [x] `Code` (optional)
                - [ ] `Tests` (optional)
                - [ ] `Verification`
                - [ ] `Output`

                No Tests block yet.
            "#]],
        );
    }

    #[test]
    fn section_heading() {
        check(
            &at("## Overview"),
            &expect![[r#"
                <## Overview>
                **## Overview** (template section)

                Table columns: Attribute | Value.
            "#]],
        );
    }

    #[test]
    fn hover_on_implementation_steps_keeps_bold_and_counts_steps_in_plural() {
        // Regression: the guidance read `Approach**: ...` (its opening `**`
        // stripped) and the count read "10 step here".
        let mut plan = "# x Plan\n\n## Implementation$0 Steps\n\n".to_owned();
        for n in 0..10 {
            let _ = write!(plan, "### Step {n}: S{n}\n\n**Goal**: g\n\n");
        }
        let offset = plan.find("$0").unwrap();
        let text = plan.replace("$0", "");
        let analysis = analyze(&text, &Schema::builtin(), &DocContext::named("x-plan.md"));
        let info = hover(&text, &analysis, offset as u32).unwrap();
        assert!(
            info.markdown.contains("**Approach**: "),
            "{}",
            info.markdown
        );
        assert!(info.markdown.contains("10 steps here"), "{}", info.markdown);
        let one = "# x Plan\n\n## Implementation Steps\n\n### Step 0: S\n\n**Goal**: g\n";
        let analysis = analyze(one, &Schema::builtin(), &DocContext::named("x-plan.md"));
        let info = hover(one, &analysis, 20).unwrap();
        assert!(info.markdown.contains("1 step here"), "{}", info.markdown);
    }
}
