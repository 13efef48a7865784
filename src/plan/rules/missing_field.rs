//! `missing-field`: an expected field absent from an item (`**Tests**` in a
//! step), a required `**Key**` row absent from a table, or a required row
//! with an empty value. The fixes insert the template's field or row at its
//! template position, or fill the value by its kind.

use super::{Cx, Fix, FixCx, find_row};
use crate::plan::edit::{insert_field, line_end, line_start};
use crate::plan::placeholder::{self, PlaceholderKind};
use crate::plan::{Diagnostic, Finding, TextEdit, TextRange, skeleton};

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    item_fields(cx, out);
    rows(cx, out);
}

fn item_fields(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (section, spec) in cx.item_sections() {
        for (sub, counter) in spec.instances(section) {
            if !cx.checks_fields_of(sub) {
                continue;
            }
            for field in spec.fields.iter().filter(|f| f.expected) {
                let present = sub
                    .body
                    .fields
                    .iter()
                    .any(|f| f.label.eq_ignore_ascii_case(&field.label));
                if present {
                    continue;
                }
                out.push(Diagnostic::new(
                    sub.heading.range,
                    Finding::MissingItemField {
                        section: section.heading.text.clone(),
                        item: spec.instance_name(sub, counter),
                        label: field.label.clone(),
                        guidance: field.guidance.clone(),
                    },
                ));
            }
        }
    }
}

fn rows(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (section, table, spec) in cx.template_tables() {
        for row_spec in &spec.rows {
            let Some(row) = find_row(table, &row_spec.key) else {
                out.push(Diagnostic::new(
                    header_range(table),
                    Finding::MissingRow {
                        section: section.heading.text.clone(),
                        key: row_spec.key.clone(),
                        guidance: row_spec.guidance.clone(),
                    },
                ));
                continue;
            };
            if row.get(1).is_some_and(|value| value.text.trim().is_empty()) {
                out.push(Diagnostic::new(
                    row[0].range,
                    Finding::EmptyValue {
                        key: row_spec.key.clone(),
                        kind: row_spec.kind.clone(),
                        guidance: row_spec.guidance.clone(),
                    },
                ));
            }
        }
    }
}

/// The header row of a table: from the table start to the end of its line.
fn header_range(table: &crate::plan::parse::Table) -> TextRange {
    let end = table.header.last().map_or(table.range.end, |c| c.range.end);
    TextRange {
        start: table.range.start,
        end: end.max(table.range.start),
    }
}

/// Inserts the template's block for the field `label` into the item.
pub(super) fn item_field_fixes(cx: &FixCx, label: &str) -> Vec<Fix> {
    let Some((sub, spec)) = cx.item() else {
        return Vec::new();
    };
    let blocks = skeleton::field_blocks(cx.schema(), spec);
    let Some((_, range)) = blocks.iter().find(|(l, _)| l.eq_ignore_ascii_case(label)) else {
        return Vec::new();
    };
    let body = cx.render_for_item(sub, cx.schema().text(*range));
    let Some(edit) = insert_field(cx.text, sub, spec, label, &body) else {
        return Vec::new();
    };
    vec![Fix::new(
        format!("Add the `**{label}**` field from the template"),
        vec![edit],
        false,
    )]
}

/// Inserts a missing `**Key**` row at its template position.
pub(super) fn row_fixes(cx: &FixCx, key: &str) -> Vec<Fix> {
    let text = cx.text;
    let range = cx.diagnostic.range;
    let found = cx.tree().sections.iter().find_map(|section| {
        let table = section.tables().find(|t| t.range.start == range.start)?;
        let spec = cx
            .schema()
            .section_spec(&section.heading.text)?
            .table_spec(table)?;
        Some((table, spec))
    });
    let Some((table, spec)) = found else {
        return Vec::new();
    };
    let Some(row_index) = spec.rows.iter().position(|r| r.key == key) else {
        return Vec::new();
    };
    let row_spec = &spec.rows[row_index];
    let mut cells = vec![format!("**{key}**")];
    if table.header.len() > 1 {
        cells.push(if row_spec.guidance.is_empty() {
            String::new()
        } else {
            format!("[{}]", row_spec.guidance)
        });
    }
    cells.extend((2..table.header.len()).map(|_| String::new()));
    let row_text = format!("| {} |", cells.join(" | "));
    let key_of = |row: &Vec<crate::plan::parse::Cell>| {
        row.first().and_then(|c| {
            let k = placeholder::clean_value(&c.text);
            spec.rows
                .iter()
                .position(|r| r.key.eq_ignore_ascii_case(&k))
        })
    };
    let before = table
        .rows
        .iter()
        .rev()
        .find(|row| key_of(row).is_some_and(|i| i < row_index));
    let edit = match before.and_then(|row| row.last()) {
        Some(cell) => TextEdit::insert(
            line_end(text, cell.range.end as usize) as u32,
            format!("\n{row_text}"),
        ),
        None => match table.rows.first().and_then(|row| row.first()) {
            Some(cell) => TextEdit::insert(
                line_start(text, cell.range.start as usize) as u32,
                format!("{row_text}\n"),
            ),
            None => TextEdit::insert(table.range.end, format!("\n{row_text}")),
        },
    };
    vec![Fix::new(
        format!("Add the `**{key}**` row from the template"),
        vec![edit],
        false,
    )]
}

/// A required row with an empty value: fill it by the row's kind. The value
/// goes on the row's own line, also when the row is still being typed
/// (`| **Type** |` with no value cell and no closing `|`).
pub(super) fn empty_value_fixes(cx: &FixCx, kind: &PlaceholderKind) -> Vec<Fix> {
    let text = cx.text;
    let Some((_, row, _)) = cx.row_at(cx.diagnostic.range) else {
        return Vec::new();
    };
    let key_end = row[0].range.end as usize;
    let row_end = line_end(text, key_end);
    let at = row
        .get(1)
        .map_or(row_end, |value| (value.range.start as usize).min(row_end));
    let rest = text[at..row_end].trim_start_matches([' ', '\t']);
    let lead = if text[..at].ends_with([' ', '\t']) {
        ""
    } else {
        " "
    };
    let trail = if rest.is_empty() {
        if text[key_end..at].contains('|') {
            " |"
        } else {
            " | "
        }
    } else if rest.starts_with('|') && !text[at..].starts_with([' ', '\t']) {
        " "
    } else {
        ""
    };
    // `| **Type**` with no `|` after the key: close the key cell first.
    let lead = if text[key_end..at].contains('|') {
        lead.to_owned()
    } else {
        format!(" |{lead}")
    };
    super::value_fixes(kind, TextRange::empty(at), (&lead, trail), cx.ctx)
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::{check_diagnostics, check_fix};
    use crate::plan::Code;

    const STEPS: &str = "# x Plan

## Implementation Steps

### Step 0: Setup

**Goal**: set up

### Step 1: Load

**Goal**: load

**Code**:
```python
x = 1
```

**Tests**:
```python
def test_x():
    pass
```

**Output**: done
";

    #[test]
    fn expected_item_fields() {
        check_diagnostics(
            Code::MissingField,
            STEPS,
            &expect![[r#"
            5:1 warning missing-field: Step 0 has no `**Verification**` field
            5:1 warning missing-field: Step 0 has no `**Output**` field (What's created/changed)
            9:1 warning missing-field: Step 1 has no `**Verification**` field
        "#]],
        );
    }

    #[test]
    fn adds_verification_between_tests_and_output() {
        check_fix(
            &STEPS.replacen("### Step 1", "$0### Step 1", 1),
            "Add the `**Verification**`",
            &expect![[r#"
                Add the `**Verification**` field from the template
                finding gone: yes
                ---
                # x Plan

                ## Implementation Steps

                ### Step 0: Setup

                **Goal**: set up

                ### Step 1: Load

                **Goal**: load

                **Code**:
                ```python
                x = 1
                ```

                **Tests**:
                ```python
                def test_x():
                    pass
                ```

                **Verification**:
                ```bash
                cd [directory] && uv run pytest tests/test_core_hardening_load.py::TestLoad -v
                ```

                **Output**: done
            "#]],
        );
    }

    const OVERVIEW: &str = "# x Plan

## Overview

| Attribute | Value |
|-----------|-------|
| **Created** | 2026-01-16T13:47:18-0800 |
| **Type** | |
| **Proves** | it works |
";

    #[test]
    fn missing_rows_and_empty_values() {
        check_diagnostics(
            Code::MissingField,
            OVERVIEW,
            &expect![[r#"
            5:1 warning missing-field: The Overview table has no `**Name**` row (Name)
            5:1 warning missing-field: The Overview table has no `**Production-Grade Because**` row (Why this isn't a toy/mock)
            8:3 warning missing-field: `Type` has no value (PoC or Feature or Issue or Refactor)
        "#]],
        );
    }

    #[test]
    fn adds_a_missing_row_after_its_template_neighbour() {
        check_fix(
            &OVERVIEW.replacen("| Attribute", "$0| Attribute", 1),
            "Add the `**Name**` row",
            &expect![[r#"
                Add the `**Name**` row from the template
                finding gone: yes
                ---
                # x Plan

                ## Overview

                | Attribute | Value |
                |-----------|-------|
                | **Created** | 2026-01-16T13:47:18-0800 |
                | **Name** | [Name] |
                | **Type** | |
                | **Proves** | it works |
            "#]],
        );
    }

    #[test]
    fn fills_an_empty_value() {
        check_fix(
            &OVERVIEW.replacen("| **Type**", "| $0**Type**", 1),
            "Use `PoC`",
            &expect![[r#"
            Use `PoC`
            finding gone: yes
            ---
            # x Plan

            ## Overview

            | Attribute | Value |
            |-----------|-------|
            | **Created** | 2026-01-16T13:47:18-0800 |
            | **Type** | PoC |
            | **Proves** | it works |
        "#]],
        );
    }

    #[test]
    fn use_poc_on_a_half_typed_row_stays_on_its_line() {
        // Regression: the value went to the start of the next line
        // (` PoC | **Proves** | ...`).
        for row in ["| **Type** |", "| **Type** | "] {
            let plan =
                OVERVIEW.replacen("| **Type** | |", &row.replacen("**Type", "$0**Type", 1), 1);
            check_fix(
                &plan,
                "Use `PoC`",
                &expect![[r#"
                    Use `PoC`
                    finding gone: yes
                    ---
                    # x Plan

                    ## Overview

                    | Attribute | Value |
                    |-----------|-------|
                    | **Created** | 2026-01-16T13:47:18-0800 |
                    | **Type** | PoC |
                    | **Proves** | it works |
                "#]],
            );
        }
    }
}
