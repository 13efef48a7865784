//! `step-numbering`: gaps, duplicates and backward numbers among a section's
//! numbered items, and a first item numbered neither from the template's
//! start nor from the number after it (a plan may start at `Step 1` where the
//! template starts at `Step 0`: a consistent 1..N is no finding).
//!
//! The fix renumbers the section's items in order from the plan's own start,
//! with the prose references to them (`see Step 3`, `Steps 1-12`). It is
//! safe (fix-all applies it) only when the numbers are certain: duplicates
//! and gaps inside the sequence. A backward number (was the step moved?) or
//! a sequence starting elsewhere gets the fix as a quick fix only.

use super::{Cx, Fix, FixCx};
use crate::plan::edit::{in_code, section_at};
use crate::plan::finding::NumberingProblem;
use crate::plan::parse::{Counter, PlanTree, Section};
use crate::plan::template::ItemSpec;
use crate::plan::{Diagnostic, Finding, TextEdit, TextRange};

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (section, spec) in cx.item_sections() {
        let mut prev: Option<(u32, &str)> = None;
        for (sub, counter) in spec.instances(section) {
            // After a break in the structure the items are not the plan's.
            if cx.fence.is_some_and(|f| f < sub.range.start) {
                break;
            }
            let Some(n) = counter.number else {
                continue;
            };
            let problem = match prev {
                None if n != spec.start && n != spec.start + 1 && counter.suffix.is_empty() => {
                    Some(NumberingProblem::Start {
                        start: spec.start,
                        expected: format!(
                            "{} or {}",
                            spec.name(spec.start, ""),
                            spec.name(spec.start + 1, "")
                        ),
                    })
                }
                None => None,
                Some(before) => problem(spec, before, (n, &counter.suffix)),
            };
            if let Some(problem) = problem {
                out.push(Diagnostic::new(
                    counter.range,
                    Finding::StepNumbering {
                        section: section.heading.text.clone(),
                        item: spec.name(n, &counter.suffix),
                        problem,
                    },
                ));
            }
            prev = Some((n, counter.suffix.as_str()));
        }
    }
}

fn problem(spec: &ItemSpec, prev: (u32, &str), here: (u32, &str)) -> Option<NumberingProblem> {
    let (p, psuf) = prev;
    let (n, suffix) = here;
    if n == p + 1 {
        return None;
    }
    let before = spec.name(p, psuf);
    if n == p {
        if !suffix.is_empty() && suffix > psuf {
            return None;
        }
        return Some(NumberingProblem::Duplicate { before });
    }
    if n < p {
        return Some(NumberingProblem::Backward { before });
    }
    Some(NumberingProblem::Skip {
        before,
        expected: spec.name(p + 1, ""),
    })
}

pub(super) fn fixes(cx: &FixCx) -> Vec<Fix> {
    let Some(section) = section_at(cx.tree(), cx.diagnostic.range.start) else {
        return Vec::new();
    };
    let Some(spec) = cx.schema().item_spec(&section.heading.text) else {
        return Vec::new();
    };
    // Renumbering a plan whose structure a fence breaks would number the
    // wrong items: the fence comes first.
    let broken = cx.analysis.diagnostics.iter().any(|d| {
        matches!(
            d.finding,
            Finding::UnclosedFence { .. } | Finding::FenceClosesEarly { .. }
        )
    });
    let edits = renumber(cx.text, cx.tree(), section, spec);
    if edits.is_empty() || broken {
        return Vec::new();
    }
    // Certain only when every numbering finding of the section is a
    // duplicate or a gap.
    let certain = cx.analysis.diagnostics.iter().all(|d| match &d.finding {
        Finding::StepNumbering {
            section: name,
            problem,
            ..
        } if *name == section.heading.text => matches!(
            problem,
            NumberingProblem::Duplicate { .. } | NumberingProblem::Skip { .. }
        ),
        _ => true,
    });
    vec![Fix::new(
        format!(
            "Renumber the items of `## {}` (and references to them)",
            section.heading.text
        ),
        edits,
        certain,
    )]
}

/// Edits that number a section's items in order from the template's start,
/// sub-items (`Step 4b`) following their main item, items numbered by a
/// placeholder (`Step [N]`) included, and rewrite references (`Step 3`,
/// `Proceed to Step 4`) outside code to the new numbers.
#[must_use]
pub fn renumber(text: &str, tree: &PlanTree, section: &Section, spec: &ItemSpec) -> Vec<TextEdit> {
    let mut edits = Vec::new();
    let mut mapping: Vec<(u32, u32)> = Vec::new();
    let mut counters: Vec<TextRange> = Vec::new();
    for (counter, new) in new_numbers(section, spec) {
        counters.push(counter.range);
        let Some(old) = counter.number else {
            // `Step [N]`: the placeholder gets its number too, or the
            // items after it would still skip one.
            edits.push(TextEdit::replace(counter.range, new.to_string()));
            continue;
        };
        if counter.suffix.is_empty() {
            mapping.push((old, new));
        }
        if new != old {
            edits.push(TextEdit::replace(
                counter.range,
                format!("{new}{}", counter.suffix),
            ));
        }
    }
    if edits.is_empty() || spec.prefix.is_empty() {
        return edits;
    }
    let unique = |old: u32| {
        let mut targets = mapping.iter().filter(|(o, _)| *o == old).map(|(_, n)| *n);
        let first = targets.next()?;
        targets.all(|n| n == first).then_some(first)
    };
    for (range, old) in references(text, tree, &spec.prefix) {
        if counters.iter().any(|c| c.start == range.start) {
            continue;
        }
        if let Some(new) = unique(old)
            && new != old
        {
            edits.push(TextEdit::replace(range, new.to_string()));
        }
    }
    edits.sort();
    edits
}

/// The number each item of a section gets when numbered in order from the
/// plan's start (the template's start, or the number after it when the
/// plan's first item has that): a sub-item (`Step 4b`) keeps its main item's
/// number; an item numbered by a placeholder (`Step [N]`) takes the next
/// number.
pub(super) fn new_numbers<'s>(section: &'s Section, spec: &ItemSpec) -> Vec<(&'s Counter, u32)> {
    let start = match spec.instances(section).next().and_then(|(_, c)| c.number) {
        Some(first) if first == spec.start + 1 => first,
        _ => spec.start,
    };
    let mut out = Vec::new();
    let mut prev: Option<(Option<u32>, u32)> = None;
    for (_, counter) in spec.instances(section) {
        let new = match prev {
            Some((prev_old, prev_new))
                if prev_old.is_some()
                    && prev_old == counter.number
                    && !counter.suffix.is_empty() =>
            {
                prev_new
            }
            Some((_, prev_new)) => prev_new + 1,
            None => start,
        };
        out.push((counter, new));
        prev = Some((counter.number, new));
    }
    out
}

/// `Step 3`, `Steps 1-12`, `Steps 3 and 4` in prose (not in code): the
/// range of each number and its value.
fn references(text: &str, tree: &PlanTree, prefix: &str) -> Vec<(TextRange, u32)> {
    let lower = text.to_ascii_lowercase();
    let prefix = prefix.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let digits_at = |at: usize| {
        bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = lower[from..].find(&prefix) {
        let at = from + found;
        from = at + prefix.len();
        if text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let mut next = from;
        if lower[next..].starts_with("s ") {
            next += 2;
        } else if lower[next..].starts_with(' ') {
            next += 1;
        } else {
            continue;
        }
        // The first number, then more joined by a range or a list.
        loop {
            let digits = digits_at(next);
            if digits == 0 || digits > 6 {
                break;
            }
            let range = TextRange::new(next, next + digits);
            if !in_code(tree, range)
                && let Ok(n) = text[range.as_usize()].parse()
            {
                out.push((range, n));
            }
            next += digits;
            let joined = ["-", "\u{2013}", " to ", ", ", " and ", "/"]
                .into_iter()
                .find(|sep| text[next..].starts_with(sep));
            match joined {
                Some(sep) if digits_at(next + sep.len()) > 0 => next += sep.len(),
                _ => break,
            }
        }
        from = next.max(from);
    }
    out
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::{check_diagnostics, check_fix, check_fix_titles};
    use crate::plan::Code;

    const STEPS: &str = "# x Plan

## Implementation Steps

See Step 3 below, then Step 2.

### Step 0: Setup

### Step 1: Load

### Step 3: Parse

### Step 3: Again

### Step 2: Back

### Step 4b: Sub
";

    #[test]
    fn gaps_duplicates_and_backward_steps() {
        check_diagnostics(
            Code::StepNumbering,
            STEPS,
            &expect![[r#"
            11:10 warning step-numbering: Numbering skips from Step 1 to Step 3; expected Step 2
            13:10 warning step-numbering: Duplicate Step 3: it repeats the number of Step 3
            15:10 warning step-numbering: Step 2 comes after Step 3; numbers must go up
            17:10 warning step-numbering: Numbering skips from Step 2 to Step 4b; expected Step 3
        "#]],
        );
        check_diagnostics(
            Code::StepNumbering,
            "# x Plan\n\n## Implementation Steps\n\n### Step 2: A\n\n### Step 3: B\n",
            &expect![[r#"
                5:10 warning step-numbering: Numbering starts at 0 or 1; expected Step 0 or Step 1 here, found Step 2
            "#]],
        );
    }

    #[test]
    fn renumbers_headings_and_references() {
        check_fix(
            &STEPS.replacen("Step 3: Parse", "Step $03: Parse", 1),
            "Renumber",
            &expect![[r#"
                Renumber the items of `## Implementation Steps` (and references to them)
                finding gone: yes
                ---
                # x Plan

                ## Implementation Steps

                See Step 3 below, then Step 4.

                ### Step 0: Setup

                ### Step 1: Load

                ### Step 2: Parse

                ### Step 3: Again

                ### Step 4: Back

                ### Step 5b: Sub
            "#]],
        );
    }

    #[test]
    fn a_consistent_sequence_from_one_is_no_finding() {
        check_diagnostics(
            Code::StepNumbering,
            "# x Plan\n\n## Implementation Steps\n\n### Step 1: A\n\n### Step 2: B\n\n### Step 3: C\n",
            &expect![""],
        );
    }

    #[test]
    fn renumbering_keeps_a_plan_that_starts_at_one_and_updates_step_ranges() {
        check_fix(
            "# x Plan\n\n## Implementation Steps\n\nSteps 1-4 build it; see Step 4 and Steps 2 and 4.\n\n### Step 1: A\n\n### Step 2: B\n\n### Step $04: C\n",
            "Renumber",
            &expect![[r#"
                Renumber the items of `## Implementation Steps` (and references to them)
                finding gone: yes
                ---
                # x Plan

                ## Implementation Steps

                Steps 1-3 build it; see Step 3 and Steps 2 and 3.

                ### Step 1: A

                ### Step 2: B

                ### Step 3: C
            "#]],
        );
    }

    #[test]
    fn only_duplicates_and_gaps_are_fixed_by_fix_all() {
        check_fix_titles(
            "# x Plan\n\n## Implementation Steps\n\n### Step 0: A\n\n### Step 0: B\n\n### Step $02: C\n",
            &expect![[r#"
                missing-field: Add the `**Goal**` field from the template
                missing-field: Add the `**Verification**` field from the template
                missing-field: Add the `**Output**` field from the template
                step-numbering (safe): Renumber the items of `## Implementation Steps` (and references to them)
            "#]],
        );
        check_fix_titles(
            "# x Plan\n\n## Implementation Steps\n\n### Step $03: A\n\n### Step 4: B\n",
            &expect![[r#"
                missing-field: Add the `**Goal**` field from the template
                missing-field: Add the `**Verification**` field from the template
                missing-field: Add the `**Output**` field from the template
                step-numbering: Renumber the items of `## Implementation Steps` (and references to them)
            "#]],
        );
        check_fix_titles(
            "# x Plan\n\n## Implementation Steps\n\n### Step 0: A\n\n### Step 2: B\n\n### Step $01: C\n",
            &expect![[r#"
                missing-field: Add the `**Goal**` field from the template
                missing-field: Add the `**Verification**` field from the template
                missing-field: Add the `**Output**` field from the template
                step-numbering: Renumber the items of `## Implementation Steps` (and references to them)
            "#]],
        );
    }
}
