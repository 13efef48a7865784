//! Progress at a glance: the checklist count of each heading that has a
//! checklist ("3/5 done"), and the plan's total on its title.

use super::TextRange;
use super::parse::{Body, PlanTree};

/// A line of text to show above a heading (a code lens).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lens {
    /// The heading the lens belongs to.
    pub range: TextRange,
    pub title: String,
}

fn counts(body: &Body) -> (usize, usize) {
    let done = body.tasks.iter().filter(|t| t.checked).count();
    (done, body.tasks.len())
}

/// A lens on the title with the plan's total, then one on each `##` or
/// `###` heading whose own checklist is not empty, in document order.
#[must_use]
pub fn lenses(tree: &PlanTree) -> Vec<Lens> {
    let mut out = Vec::new();
    let (mut done, mut total) = (0, 0);
    let mut add = |range: TextRange, body: &Body| {
        let (d, t) = counts(body);
        done += d;
        total += t;
        if t > 0 {
            out.push(Lens {
                range,
                title: format!("{d}/{t} done"),
            });
        }
    };
    for section in &tree.sections {
        add(section.heading.range, &section.body);
        for sub in &section.subsections {
            add(sub.heading.range, &sub.body);
        }
    }
    if let Some(title) = &tree.title {
        let title_lens = Lens {
            range: title.range,
            title: match (done * 100).checked_div(total) {
                None => "no checklist yet".to_owned(),
                Some(percent) => format!("plan progress: {done}/{total} done ({percent}%)"),
            },
        };
        out.insert(0, title_lens);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use expect_test::{Expect, expect};

    use super::*;
    use crate::plan::parse;

    fn check(text: &str, expect: &Expect) {
        let tree = parse::parse(text);
        let mut out = String::new();
        for l in lenses(&tree) {
            let _ = writeln!(out, "<{}> {}", &text[l.range.as_usize()], l.title);
        }
        expect.assert_eq(&out);
    }

    #[test]
    fn each_heading_with_a_checklist_and_the_total_on_the_title() {
        check(
            "# X Plan

## Success Criteria

- [x] It parses
- [ ] It is fast

## Implementation Steps

### Step 0: Setup

- [x] Create the project
- [x] Add CI

### Step 1: Parse

**Goal**: Parse

- [ ] Parse
- [X] Test
- [ ] Document

### Step 2: Nothing yet
",
            &expect![[r"
                <# X Plan> plan progress: 4/7 done (57%)
                <## Success Criteria> 1/2 done
                <### Step 0: Setup> 2/2 done
                <### Step 1: Parse> 1/3 done
            "]],
        );
    }

    #[test]
    fn a_plan_without_checklists() {
        check(
            "# X Plan\n\n## Overview\n\nText.\n",
            &expect![[r"
                <# X Plan> no checklist yet
            "]],
        );
        check(
            "## Overview\n\n- [ ] a\n",
            &expect![[r"
            <## Overview> 0/1 done
        "]],
        );
    }
}
