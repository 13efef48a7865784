//! `ambiguous-items` (templates): a section whose numbered `###` headings
//! form two or more equally large groups, so which one is the repeatable
//! item is a guess (the last one is used).

use crate::plan::parse::{PlanTree, Subsection};
use crate::plan::template::{item_label, numbered_groups};
use crate::plan::{Diagnostic, Finding};

pub(super) fn check(tree: &PlanTree, out: &mut Vec<Diagnostic>) {
    for section in &tree.sections {
        let groups: Vec<(String, Vec<&Subsection>)> = numbered_groups(&section.subsections)
            .into_iter()
            .filter(|(_, members)| members.len() >= 2)
            .collect();
        let Some(largest) = groups.iter().map(|(_, m)| m.len()).max() else {
            continue;
        };
        let tied: Vec<&(String, Vec<&Subsection>)> =
            groups.iter().filter(|(_, m)| m.len() == largest).collect();
        if tied.len() < 2 {
            continue;
        }
        let names: Vec<String> = tied.iter().map(|(_, m)| item_label(m[0])).collect();
        let chosen = names.last().cloned().unwrap_or_default();
        for (_, members) in &tied[..tied.len() - 1] {
            out.push(Diagnostic::new(
                members[0].heading.range,
                Finding::AmbiguousItems {
                    section: section.heading.text.clone(),
                    names: names.clone(),
                    count: largest,
                    chosen: chosen.clone(),
                },
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::check_template;
    use crate::plan::Code;

    #[test]
    fn two_equally_large_numbered_groups() {
        check_template(
            Code::AmbiguousItems,
            "# [Name] Plan\n\n## Steps\n\n### Step 1: [A]\n\n### Step 2: [B]\n\n### 1. [C]\n\n### 2. [D]\n",
            &expect![[r#"
                5:1 warning ambiguous-items: Section `## Steps` repeats `Step N` and `N.` equally often (2 times each), so which one is the numbered item is a guess: `N.` is used. Give the item one more instance, or number the others differently
            "#]],
        );
    }

    #[test]
    fn one_largest_group_is_clear() {
        check_template(
            Code::AmbiguousItems,
            "# [Name] Plan\n\n## Steps\n\n### Step 1: [A]\n\n### Step 2: [B]\n\n### Step 3: [E]\n\n### 1. [C]\n\n### 2. [D]\n",
            &expect![""],
        );
    }
}
