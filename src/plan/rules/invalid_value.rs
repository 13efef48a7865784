//! `invalid-value`: a value that is not of the kind the template asks for:
//! a required row's value (an ISO-8601 timestamp for `Created`, a choice for
//! `Type`) or a cell of a column whose template cells are choices
//! (`Likelihood`). The fixes offer the choices, or the current time.

use super::{Cx, Fix, FixCx, find_row};
use crate::plan::parse::Cell;
use crate::plan::placeholder::{self, PlaceholderKind};
use crate::plan::template::ColumnSpec;
use crate::plan::{Diagnostic, Finding};

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (_, table, spec) in cx.template_tables() {
        for row_spec in &spec.rows {
            let Some(value) = find_row(table, &row_spec.key).and_then(|row| row.get(1)) else {
                continue;
            };
            let found = value.text.trim();
            if found.is_empty()
                || cx.holds_placeholder(value)
                || row_spec.kind.accepts(&cx.text[value.range.as_usize()])
            {
                continue;
            }
            out.push(Diagnostic::new(
                value.range,
                finding(&row_spec.key, &row_spec.kind, found),
            ));
        }
    }
    for (column, cell) in closed_cells(cx) {
        let value = cell.text.trim();
        if column.placeholder.as_deref() == Some(value) {
            continue; // an unfilled placeholder
        }
        let expected = PlaceholderKind::Enum(column.values.clone());
        if !expected.accepts(&cx.text[cell.range.as_usize()]) {
            out.push(Diagnostic::new(
                cell.range,
                finding(column.name.trim(), &expected, value),
            ));
        }
    }
}

/// A value that is not of its kind: several choices named, or none.
fn finding(key: &str, expected: &PlaceholderKind, found: &str) -> Finding {
    if let PlaceholderKind::Enum(values) = expected
        && let Some(choices) = placeholder::several_choices(values, found)
    {
        return Finding::SeveralChoices {
            key: key.to_owned(),
            choices,
        };
    }
    Finding::InvalidValue {
        key: key.to_owned(),
        expected: expected.clone(),
        found: found.to_owned(),
    }
}

/// The non-empty cells, without bracketed placeholders, of the columns whose
/// template cells are choices (`H/M/L`), with their column's spec.
pub(super) fn closed_cells<'a>(cx: &Cx<'a>) -> Vec<(&'a ColumnSpec, &'a Cell)> {
    let mut out = Vec::new();
    for (_, table, spec) in cx.template_tables() {
        for column in spec.columns.iter().filter(|c| c.closed) {
            let Some(index) = table
                .header
                .iter()
                .position(|h| h.text.trim().eq_ignore_ascii_case(column.name.trim()))
            else {
                continue;
            };
            for cell in table.rows.iter().filter_map(|row| row.get(index)) {
                if !cell.text.trim().is_empty() && !cx.holds_placeholder(cell) {
                    out.push((column, cell));
                }
            }
        }
    }
    out
}

pub(super) fn fixes(cx: &FixCx, expected: &PlaceholderKind) -> Vec<Fix> {
    super::value_fixes(expected, cx.diagnostic.range, ("", ""), cx.ctx)
}

/// One fix per choice the value names.
pub(super) fn choice_fixes(cx: &FixCx, choices: &[String]) -> Vec<Fix> {
    super::value_fixes(
        &PlaceholderKind::Enum(choices.to_vec()),
        cx.diagnostic.range,
        ("", ""),
        cx.ctx,
    )
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::{check_diagnostics, check_fix, check_fix_titles};
    use crate::plan::Code;

    const PLAN: &str = "# x Plan

## Overview

| Attribute | Value |
|-----------|-------|
| **Created** | yesterday |
| **Type** | Spike |

## Risks & Mitigations

| Risk | Likelihood | Mitigation |
|------|------------|------------|
| Slow disk | Often | Cache |
| Bad input | Low/Medium | Validate |
| Bad disk | Maybe | Replace |
| Bad luck | LOWISH | Pray |
| Power cut | Medium | UPS |
";

    #[test]
    fn row_kinds_and_column_choices() {
        check_diagnostics(
            Code::InvalidValue,
            PLAN,
            &expect![[r#"
                7:17 warning invalid-value: `Created` must be an ISO-8601 timestamp, not `yesterday`
                8:14 warning invalid-value: `Type` must be one of PoC, Feature, Issue, Refactor, not `Spike`
                14:15 warning invalid-value: `Likelihood` must be one of H, M, L, not `Often`
                15:15 warning invalid-value: `Likelihood` names several choices (L, M): pick one
                16:14 warning invalid-value: `Likelihood` must be one of H, M, L, not `Maybe`
                17:14 warning invalid-value: `Likelihood` must be one of H, M, L, not `LOWISH`
            "#]],
        );
    }

    #[test]
    fn a_hedged_value_names_several_choices() {
        let plan = PLAN.replacen("| **Type** | Spike |", "| **Type** | Feature or Issue |", 1);
        check_diagnostics(
            Code::InvalidValue,
            &plan,
            &expect![[r#"
            7:17 warning invalid-value: `Created` must be an ISO-8601 timestamp, not `yesterday`
            8:14 warning invalid-value: `Type` names several choices (Feature, Issue): pick one
            14:15 warning invalid-value: `Likelihood` must be one of H, M, L, not `Often`
            15:15 warning invalid-value: `Likelihood` names several choices (L, M): pick one
            16:14 warning invalid-value: `Likelihood` must be one of H, M, L, not `Maybe`
            17:14 warning invalid-value: `Likelihood` must be one of H, M, L, not `LOWISH`
        "#]],
        );
        check_fix_titles(
            &plan.replacen("Feature or", "$0Feature or", 1),
            &expect![[r#"
            invalid-value: Use `Feature`
            invalid-value: Use `Issue`
        "#]],
        );
    }

    #[test]
    fn offers_the_choices() {
        check_fix_titles(
            &PLAN.replacen("Spike", "$0Spike", 1),
            &expect![[r#"
            invalid-value: Use `PoC`
            invalid-value: Use `Feature`
            invalid-value: Use `Issue`
            invalid-value: Use `Refactor`
        "#]],
        );
        check_fix(
            &PLAN.replacen("Often", "$0Often", 1),
            "Use `M",
            &expect![[r#"
                Use `M`
                finding gone: yes
                ---
                # x Plan

                ## Overview

                | Attribute | Value |
                |-----------|-------|
                | **Created** | yesterday |
                | **Type** | Spike |

                ## Risks & Mitigations

                | Risk | Likelihood | Mitigation |
                |------|------------|------------|
                | Slow disk | M | Cache |
                | Bad input | Low/Medium | Validate |
                | Bad disk | Maybe | Replace |
                | Bad luck | LOWISH | Pray |
                | Power cut | Medium | UPS |
            "#]],
        );
    }

    #[test]
    fn offers_the_time_for_a_timestamp() {
        check_fix(
            &PLAN.replacen("yesterday", "$0yesterday", 1),
            "Fill in",
            &expect![[r#"
                Fill in the current time `2026-01-16T13:47:18-0800`
                finding gone: yes
                ---
                # x Plan

                ## Overview

                | Attribute | Value |
                |-----------|-------|
                | **Created** | 2026-01-16T13:47:18-0800 |
                | **Type** | Spike |

                ## Risks & Mitigations

                | Risk | Likelihood | Mitigation |
                |------|------------|------------|
                | Slow disk | Often | Cache |
                | Bad input | Low/Medium | Validate |
                | Bad disk | Maybe | Replace |
                | Bad luck | LOWISH | Pray |
                | Power cut | Medium | UPS |
            "#]],
        );
    }
}
