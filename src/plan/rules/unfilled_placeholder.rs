//! `unfilled-placeholder`: template placeholders left in the text: bracketed
//! tokens in prose, the template's own tokens in code, and a closed column's
//! placeholder (`H/M/L`) left in a cell.
//!
//! Fixes by the kind of value: the current time for a timestamp, each
//! choice of an enum, the slug from the file name (safe), the next number
//! for an item heading's `[N]` and the counted test functions for `[X]`
//! (both safe).

use super::{Cx, Fix, FixCx};
use crate::plan::edit::{section_at, subsection_at};
use crate::plan::parse::{PlanTree, Subsection};
use crate::plan::placeholder::{self, PlaceholderKind};
use crate::plan::template::is_tests_label;
use crate::plan::{Diagnostic, Finding, TextEdit, TextRange, skeleton};

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let text = cx.text;
    for &token in cx.tree.placeholders.iter().chain(cx.code_placeholders) {
        let written = &text[token.as_usize()];
        let inner = &written[1..written.len() - 1];
        out.push(Diagnostic::new(
            token,
            Finding::UnfilledPlaceholder {
                written: written.to_owned(),
                kind: PlaceholderKind::classify(inner),
            },
        ));
    }
    // A value left as the template's own text for the row (`| **Name** |
    // Name |`, what a snippet's tab stop leaves when it is not typed over).
    for (_, table, spec) in cx.template_tables() {
        for row_spec in spec.rows.iter().filter(|r| !r.guidance.is_empty()) {
            if matches!(row_spec.kind, PlaceholderKind::Enum(_)) {
                continue; // a choice left as the list is `invalid-value`
            }
            let Some(value) = super::find_row(table, &row_spec.key).and_then(|row| row.get(1))
            else {
                continue;
            };
            let written = value.text.trim();
            if !cx.holds_placeholder(value)
                && placeholder::clean_value(written).eq_ignore_ascii_case(&row_spec.guidance)
            {
                out.push(Diagnostic::new(
                    value.range,
                    Finding::UnfilledPlaceholder {
                        written: written.to_owned(),
                        kind: row_spec.kind.clone(),
                    },
                ));
            }
        }
    }
    for (column, cell) in super::invalid_value::closed_cells(cx) {
        let value = cell.text.trim();
        if column.placeholder.as_deref() == Some(value) {
            out.push(Diagnostic::new(
                cell.range,
                Finding::UnfilledPlaceholder {
                    written: value.to_owned(),
                    kind: PlaceholderKind::Enum(column.values.clone()),
                },
            ));
        }
    }
}

pub(super) fn fixes(cx: &FixCx, written: &str, kind: &PlaceholderKind) -> Vec<Fix> {
    let range = cx.diagnostic.range;
    match kind {
        PlaceholderKind::Timestamp | PlaceholderKind::Enum(_) => {
            super::value_fixes(kind, range, ("", ""), cx.ctx)
                .into_iter()
                .map(|mut fix| {
                    fix.title =
                        fix.title
                            .replacen("Use `", &format!("Replace `{written}` with `"), 1);
                    fix
                })
                .collect()
        }
        PlaceholderKind::Slug => slug_fix(cx).into_iter().collect(),
        PlaceholderKind::Number => number_fix(cx).into_iter().collect(),
        PlaceholderKind::Text => Vec::new(),
    }
}

/// The slug from the file name. A pair of slug placeholders joined by `-`
/// (`[Milestone-Slug]-[Task-Slug]`) is filled as a whole when the slug has
/// no hyphen to split at, so that both findings get the same edit.
fn slug_fix(cx: &FixCx) -> Option<Fix> {
    let slug = cx.ctx.names().slug?;
    let text = cx.text;
    let range = cx.diagnostic.range;
    let (start, end) = (range.start as usize, range.end as usize);
    let pair = skeleton::joined_slug_end(&slug, text, end)
        .map(|pair_end| (start, pair_end))
        .or_else(|| {
            // The second of the pair: the first ends right before `-[`.
            let before = text[..start].strip_suffix("]-")?;
            let open = before.rfind('[')?;
            let first_is_slug =
                PlaceholderKind::classify(&before[open + 1..]) == PlaceholderKind::Slug;
            let first_end = before.len() + 1;
            (first_is_slug && skeleton::joined_slug_end(&slug, text, first_end) == Some(end))
                .then_some((open, end))
        });
    let (from, to) = pair.unwrap_or((start, end));
    let value = skeleton::slug_value(&slug, &text[..from], &text[to..]);
    Some(Fix::new(
        format!(
            "Fill `{}` with `{value}` from the file name",
            &text[from..to]
        ),
        vec![TextEdit::replace(TextRange::new(from, to), value)],
        true,
    ))
}

/// `[N]` in an item heading gets the number after the previous item; `[X]`
/// elsewhere gets the number of test functions in the item's (or, outside
/// items, the plan's) Tests blocks.
fn number_fix(cx: &FixCx) -> Option<Fix> {
    let tree = cx.tree();
    let range = cx.diagnostic.range;
    let section = section_at(tree, range.start);
    let spec = section.and_then(|s| cx.schema().item_spec(&s.heading.text));
    if let (Some(section), Some(spec)) = (section, spec) {
        let counters: Vec<_> = spec.instances(section).map(|(_, c)| c).collect();
        if let Some(at) = counters.iter().position(|c| c.range == range) {
            // The number after the item above (or the template's start),
            // only when the item above has a number and the next numbered
            // item comes after it: otherwise filling it in would make a
            // duplicate or a gap, and renumbering is the fix for that.
            let n = match at.checked_sub(1).map(|i| counters[i].number) {
                None => Some(spec.start),
                Some(prev) => prev.map(|p| p + 1),
            };
            let fits = |n: u32| {
                counters[at + 1..]
                    .iter()
                    .find_map(|c| c.number)
                    .is_none_or(|next| next > n)
            };
            return n.filter(|&n| fits(n)).map(|n| {
                Fix::new(
                    format!("Number this item {n} (after the one above)"),
                    vec![TextEdit::replace(range, n.to_string())],
                    true,
                )
            });
        }
    }
    let (count, scope) = match section.and_then(|s| subsection_at(s, range.start)) {
        Some(sub) => (count_tests(cx.text, tree, sub), "this item's"),
        None => {
            let all = tree
                .sections
                .iter()
                .flat_map(|s| &s.subsections)
                .map(|sub| count_tests(cx.text, tree, sub))
                .sum();
            (all, "the plan's")
        }
    };
    (count > 0).then(|| {
        Fix::new(
            format!("Fill with {count} (test functions in {scope} Tests blocks)"),
            vec![TextEdit::replace(range, count.to_string())],
            true,
        )
    })
}

/// Test functions in the code blocks that follow a Tests label.
fn count_tests(text: &str, tree: &PlanTree, sub: &Subsection) -> usize {
    let mut count = 0;
    for &i in &sub.body.code_blocks {
        let Some(block) = tree.code_blocks.get(i) else {
            continue;
        };
        let label = sub
            .body
            .fields
            .iter()
            .rev()
            .find(|f| f.line.start < block.range.start)
            .map(|f| f.label.as_str());
        if !label.is_some_and(is_tests_label) {
            continue;
        }
        count += text[block.content.as_usize()]
            .lines()
            .map(str::trim_start)
            .filter(|l| {
                l.starts_with("def test")
                    || l.starts_with("async def test")
                    || l.starts_with("#[test]")
                    || l.starts_with("it(")
                    || l.starts_with("test(")
            })
            .count();
    }
    count
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::{
        check_diagnostics, check_fix, check_fix_named, check_fix_titles,
    };
    use crate::plan::Code;

    const OVERVIEW: &str = "# [Milestone-Slug]-[Task-Slug] Plan

## Overview

| Attribute | Value |
|-----------|-------|
| **Created** | [YYYY-MM-DDTHH:MM:SS-TZ] |
| **Type** | [PoC or Feature or Issue or Refactor] |

## Risks & Mitigations

| Risk | Likelihood | Mitigation |
|------|------------|------------|
| Slow disk | H/M/L | Cache |
";

    #[test]
    fn placeholders_in_prose_cells_and_columns() {
        check_diagnostics(
            Code::UnfilledPlaceholder,
            OVERVIEW,
            &expect![[r#"
            1:3 warning unfilled-placeholder: Unfilled placeholder `[Milestone-Slug]`: replace it with a slug
            1:20 warning unfilled-placeholder: Unfilled placeholder `[Task-Slug]`: replace it with a slug
            7:17 warning unfilled-placeholder: Unfilled placeholder `[YYYY-MM-DDTHH:MM:SS-TZ]`: replace it with an ISO-8601 timestamp
            8:14 warning unfilled-placeholder: Unfilled placeholder `[PoC or Feature or Issue or Refactor]`: replace it with one of PoC, Feature, Issue, Refactor
            14:15 warning unfilled-placeholder: Unfilled placeholder `H/M/L`: replace it with one of H, M, L
        "#]],
        );
    }

    #[test]
    fn a_value_left_as_the_templates_text_is_unfilled() {
        let plan = "# x Plan

## Overview

| Attribute | Value |
|-----------|-------|
| **Name** | Name |
| **Proves** | One sentence: what hypothesis this validates |
| **Production-Grade Because** | It runs on real data |
";
        check_diagnostics(
            Code::UnfilledPlaceholder,
            plan,
            &expect![[r#"
            7:14 warning unfilled-placeholder: Unfilled placeholder `Name`: replace it with real content
            8:16 warning unfilled-placeholder: Unfilled placeholder `One sentence: what hypothesis this validates`: replace it with real content
        "#]],
        );
    }

    #[test]
    fn template_tokens_in_code() {
        check_diagnostics(
            Code::UnfilledPlaceholder,
            "# x Plan\n\n## Implementation Steps\n\n### Step 1: A\n\n```python\nclass Test[ClassName]:\n    items: list[DAG]\n```\n",
            &expect![[""]],
        );
    }

    #[test]
    fn fixes_by_kind() {
        check_fix_titles(
            &OVERVIEW.replacen("[YYYY", "$0[YYYY", 1),
            &expect![[r#"
            unfilled-placeholder: Fill in the current time `2026-01-16T13:47:18-0800`
        "#]],
        );
        check_fix_titles(
            &OVERVIEW.replacen("[PoC", "$0[PoC", 1),
            &expect![[r#"
            unfilled-placeholder: Replace `[PoC or Feature or Issue or Refactor]` with `PoC`
            unfilled-placeholder: Replace `[PoC or Feature or Issue or Refactor]` with `Feature`
            unfilled-placeholder: Replace `[PoC or Feature or Issue or Refactor]` with `Issue`
            unfilled-placeholder: Replace `[PoC or Feature or Issue or Refactor]` with `Refactor`
        "#]],
        );
        check_fix_titles(
            &OVERVIEW.replacen("H/M/L", "$0H/M/L", 1),
            &expect![[r#"
            unfilled-placeholder: Replace `H/M/L` with `H`
            unfilled-placeholder: Replace `H/M/L` with `M`
            unfilled-placeholder: Replace `H/M/L` with `L`
        "#]],
        );
    }

    #[test]
    fn slug_fix_splits_a_two_part_slug() {
        check_fix(
            &OVERVIEW.replacen("[Task", "$0[Task", 1),
            "Fill",
            &expect![[r#"
                Fill `[Task-Slug]` with `hardening` from the file name
                finding gone: yes
                ---
                # [Milestone-Slug]-hardening Plan

                ## Overview

                | Attribute | Value |
                |-----------|-------|
                | **Created** | [YYYY-MM-DDTHH:MM:SS-TZ] |
                | **Type** | [PoC or Feature or Issue or Refactor] |

                ## Risks & Mitigations

                | Risk | Likelihood | Mitigation |
                |------|------------|------------|
                | Slow disk | H/M/L | Cache |
            "#]],
        );
    }

    #[test]
    fn slug_fix_for_a_one_word_slug_fills_the_pair_once() {
        check_fix_named(
            "search-plan.md",
            &OVERVIEW.replacen("[Task", "$0[Task", 1),
            "Fill",
            &expect![[r#"
                Fill `[Milestone-Slug]-[Task-Slug]` with `search` from the file name
                finding gone: yes
                ---
                # search Plan

                ## Overview

                | Attribute | Value |
                |-----------|-------|
                | **Created** | [YYYY-MM-DDTHH:MM:SS-TZ] |
                | **Type** | [PoC or Feature or Issue or Refactor] |

                ## Risks & Mitigations

                | Risk | Likelihood | Mitigation |
                |------|------------|------------|
                | Slow disk | H/M/L | Cache |
            "#]],
        );
    }

    #[test]
    fn step_counter_and_test_count() {
        let plan = "# x Plan

## Implementation Steps

### Step 0: Setup

### Step [N]: Load

**Tests**:
```python
def test_a():
    pass
def test_b():
    pass
```

**Output**: [X] tests passing
";
        check_fix(
            &plan.replacen("[N]", "$0[N]", 1),
            "Number",
            &expect![[r#"
            Number this item 1 (after the one above)
            finding gone: yes
            ---
            # x Plan

            ## Implementation Steps

            ### Step 0: Setup

            ### Step 1: Load

            **Tests**:
            ```python
            def test_a():
                pass
            def test_b():
                pass
            ```

            **Output**: [X] tests passing
        "#]],
        );
        check_fix(
            &plan.replacen("[X]", "$0[X]", 1),
            "Fill with",
            &expect![[r#"
            Fill with 2 (test functions in this item's Tests blocks)
            finding gone: yes
            ---
            # x Plan

            ## Implementation Steps

            ### Step 0: Setup

            ### Step [N]: Load

            **Tests**:
            ```python
            def test_a():
                pass
            def test_b():
                pass
            ```

            **Output**: 2 tests passing
        "#]],
        );
    }
}
