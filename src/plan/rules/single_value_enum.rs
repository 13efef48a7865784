//! `single-value-enum` (templates): a choice placeholder that offers one
//! value (`[PoC or PoC]`), which no plan can get wrong.

use crate::plan::parse::PlanTree;
use crate::plan::placeholder::PlaceholderKind;
use crate::plan::{Diagnostic, Finding};

pub(super) fn check(text: &str, tree: &PlanTree, out: &mut Vec<Diagnostic>) {
    for &token in &tree.placeholders {
        let inner = &text[token.start as usize + 1..token.end as usize - 1];
        let PlaceholderKind::Enum(values) = PlaceholderKind::classify(inner) else {
            continue;
        };
        let mut distinct: Vec<String> = values.iter().map(|v| v.to_lowercase()).collect();
        distinct.sort();
        distinct.dedup();
        if distinct.len() < 2 {
            out.push(Diagnostic::new(
                token,
                Finding::SingleValueEnum {
                    inner: inner.to_owned(),
                    value: values.first().cloned().unwrap_or_default(),
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
    fn one_value_offered_as_a_choice() {
        check_template(
            Code::SingleValueEnum,
            "# [Name] Plan\n\n## Overview\n\n| **Type** | [PoC or poc] |\n|---|---|\n| **Kind** | [A or B] |\n",
            &expect![[r#"
                5:14 warning single-value-enum: The placeholder `[PoC or poc]` offers one value, `PoC`, as a choice: write the value itself, or add the alternatives
            "#]],
        );
    }
}
