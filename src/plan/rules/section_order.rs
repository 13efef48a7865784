//! `section-order`: sections outside the longest run in template order.
//! No fix: moving a section is the author's call.

use super::Cx;
use crate::plan::finding::Placement;
use crate::plan::{Diagnostic, Finding};

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let known: Vec<(usize, usize)> = cx
        .matched
        .iter()
        .enumerate()
        .filter_map(|(pos, index)| index.map(|i| (pos, i)))
        .collect();
    let keep = longest_increasing(&known.iter().map(|&(_, i)| i).collect::<Vec<_>>());
    let kept = || {
        known
            .iter()
            .zip(&keep)
            .filter(|(_, kept)| **kept)
            .map(|((_, i), _)| *i)
    };
    for (k, &(pos, index)) in known.iter().enumerate() {
        if keep[k] {
            continue;
        }
        let section = &cx.tree.sections[pos];
        let name = |i: usize| cx.schema.sections[i].name.clone();
        let belongs = match kept().filter(|&i| i > index).min() {
            Some(i) => Placement::Before(name(i)),
            None => match kept().filter(|&i| i < index).max() {
                Some(i) => Placement::After(name(i)),
                None => Placement::Elsewhere,
            },
        };
        out.push(Diagnostic::new(
            section.heading.range,
            Finding::SectionOrder {
                section: section.heading.text.clone(),
                belongs,
            },
        ));
    }
}

/// Marks the members of one longest strictly increasing subsequence.
fn longest_increasing(values: &[usize]) -> Vec<bool> {
    let n = values.len();
    let mut length = vec![1usize; n];
    let mut prev = vec![usize::MAX; n];
    for i in 0..n {
        for j in 0..i {
            if values[j] < values[i] && length[j] + 1 > length[i] {
                length[i] = length[j] + 1;
                prev[i] = j;
            }
        }
    }
    let mut keep = vec![false; n];
    let Some(mut at) = (0..n).max_by_key(|&i| (length[i], std::cmp::Reverse(i))) else {
        return keep;
    };
    loop {
        keep[at] = true;
        if prev[at] == usize::MAX {
            break;
        }
        at = prev[at];
    }
    keep
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::{check_diagnostics, check_fix_titles};
    use crate::plan::Code;

    #[test]
    fn a_section_out_of_order_is_placed_among_the_others() {
        check_diagnostics(
            Code::SectionOrder,
            "# x Plan\n\n## Overview\n\n## Dependencies\n\n## Deliverables\n\n## Prerequisites\n",
            &expect![[r#"
                5:1 warning section-order: Section `## Dependencies` is out of template order; it belongs after `## Prerequisites`
            "#]],
        );
    }

    #[test]
    fn sections_in_order_are_fine() {
        check_diagnostics(
            Code::SectionOrder,
            "# x Plan\n\n## Overview\n\n## Deliverables\n\n## Dependencies\n",
            &expect![""],
        );
    }

    #[test]
    fn offers_no_fix() {
        check_fix_titles(
            "# x Plan\n\n## Overview\n\n## $0Dependencies\n\n## Deliverables\n\n## Prerequisites\n",
            &expect![""],
        );
    }
}
