//! `unknown-step`: prose that names a step the plan does not have (`see
//! Step 14` in a plan with Steps 0 to 9, `Steps 1-12` when there are ten). A
//! plan that agrees with itself points only at its own steps. References in
//! block quotes are notes about steps in general (`> When a step is split,
//! Step 8 becomes Steps 8a, 8b`) and are left alone. No fix: which step was
//! meant is the author's call.

use std::collections::BTreeSet;

use super::Cx;
use super::step_numbering::references;
use crate::plan::edit::{self, line_start};
use crate::plan::{Diagnostic, Finding};

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (section, spec) in cx.item_sections() {
        if spec.prefix.is_empty() {
            continue;
        }
        let counters: Vec<_> = spec.instances(section).map(|(_, c)| c).collect();
        let numbers: BTreeSet<u32> = counters.iter().filter_map(|c| c.number).collect();
        let (Some(&first), Some(&last)) = (numbers.first(), numbers.last()) else {
            continue;
        };
        for (range, n) in references(cx.text, cx.tree, &spec.prefix) {
            let heading = counters.iter().any(|c| c.range.start == range.start);
            let after_break = cx.fence.is_some_and(|f| f < range.start);
            let line = line_start(cx.text, range.start as usize);
            let quoted = cx.text[line..].trim_start().starts_with('>');
            let in_placeholder = edit::in_placeholder(cx.tree, range);
            if heading || after_break || quoted || in_placeholder || numbers.contains(&n) {
                continue;
            }
            out.push(Diagnostic::new(
                range,
                Finding::UnknownStep {
                    written: spec.name(n, ""),
                    first: spec.name(first, ""),
                    last: spec.name(last, ""),
                },
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::check_diagnostics;
    use crate::plan::Code;

    #[test]
    fn prose_that_names_a_missing_step() {
        check_diagnostics(
            Code::UnknownStep,
            "# x Plan\n\n## Implementation Steps\n\nSteps 0-3 build it; Step 14 ships it, after Step 2.\n\n### Step 0: A\n\n### Step 1: B\n\n### Step 2: C\n\n## Next Steps After Completion\n\n1. Run Step 9 again (`Step 7` in code is not prose).\n",
            &expect![[r#"
                5:9 warning unknown-step: `Step 3` does not exist: the plan's items run from Step 0 to Step 2
                5:26 warning unknown-step: `Step 14` does not exist: the plan's items run from Step 0 to Step 2
                15:13 warning unknown-step: `Step 9` does not exist: the plan's items run from Step 0 to Step 2
            "#]],
        );
    }

    #[test]
    fn sub_steps_and_existing_steps_are_fine() {
        check_diagnostics(
            Code::UnknownStep,
            "# x Plan\n\n> When a step is split, Step 8 becomes Steps 8a and 8b.\n\n## Implementation Steps\n\nSee Step 1 and Steps 0 to 1, then [Setup step 3].\n\n### Step 0: A\n\n### Step 1: B\n\n### Step 1b: B2\n",
            &expect![""],
        );
    }
}
