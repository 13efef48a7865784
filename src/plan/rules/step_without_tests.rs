//! `step-without-tests`: an item after the first with a Code field but no
//! tests, when the template's items have both Code and Tests fields. What
//! counts as tests is `ItemSpec::has_tests`, the one definition completion
//! and hover use too. The fix inserts the template's Tests block (and the
//! Verification that runs it, when the item has none) at the template's
//! position: after Code, before Verification.

use super::{Cx, Fix, FixCx};
use crate::plan::edit::insert_field;
use crate::plan::parse::Subsection;
use crate::plan::template::ItemSpec;
use crate::plan::{Diagnostic, Finding, skeleton};

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (section, spec) in cx.item_sections() {
        if !spec.checks_tests() {
            continue;
        }
        for (sub, counter) in spec.instances(section) {
            if !cx.checks_fields_of(sub) || counter.number.is_none_or(|n| n <= spec.start) {
                continue;
            }
            if !writes_code(cx, sub) || ItemSpec::has_tests(sub) {
                continue;
            }
            out.push(Diagnostic::new(
                sub.heading.range,
                Finding::StepWithoutTests {
                    section: section.heading.text.clone(),
                    item: spec.instance_name(sub, counter),
                },
            ));
        }
    }
}

/// Whether the item has a Code field that writes code: a Code label
/// without blocks, or with at least one block that is not a document
/// (`markdown`, `text`: a step that writes a document has nothing to test).
fn writes_code(cx: &Cx, sub: &Subsection) -> bool {
    let fields = &sub.body.fields;
    fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.label.eq_ignore_ascii_case("Code"))
        .any(|(i, field)| {
            let end = fields
                .get(i + 1)
                .map_or(sub.range.end, |next| next.line.start);
            let mut blocks = sub
                .body
                .code_blocks
                .iter()
                .filter_map(|&b| cx.tree.code_blocks.get(b))
                .filter(|b| field.line.start < b.range.start && b.range.start < end)
                .peekable();
            blocks.peek().is_none()
                || blocks.any(|b| {
                    !matches!(
                        b.lang.to_ascii_lowercase().as_str(),
                        "markdown" | "md" | "text" | "txt"
                    )
                })
        })
}

pub(super) fn fixes(cx: &FixCx) -> Vec<Fix> {
    let Some((sub, spec)) = cx.item() else {
        return Vec::new();
    };
    if ItemSpec::has_tests(sub) {
        return Vec::new();
    }
    let Some((tests, next)) = skeleton::tests_parts(cx.schema(), spec) else {
        return Vec::new();
    };
    let Some(tests_label) = spec.tests_field().map(|f| f.label.clone()) else {
        return Vec::new();
    };
    let Some(first) = insert_field(
        cx.text,
        sub,
        spec,
        &tests_label,
        &cx.render_for_item(sub, &tests),
    ) else {
        return Vec::new();
    };
    let mut edits = vec![first];
    if let Some((label, body)) = next {
        if !ItemSpec::has_field(sub, &label)
            && let Some(edit) =
                insert_field(cx.text, sub, spec, &label, &cx.render_for_item(sub, &body))
        {
            match edits.iter_mut().find(|e| e.range == edit.range) {
                Some(same) => same.new_text.push_str(&edit.new_text),
                None => edits.push(edit),
            }
        }
    }
    vec![Fix::new(
        format!(
            "Add a Tests block to `{}` (class Test{})",
            sub.heading.text,
            skeleton::camel_case(&skeleton::item_name(&sub.heading.text))
        ),
        edits,
        false,
    )]
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::{check_diagnostics, check_fix, check_fix_titles};
    use crate::plan::Code;

    const STEPS: &str = "# x Plan

## Implementation Steps

### Step 0: Setup

**Code**:
```bash
mkdir x
```

### Step 1: Parse Config

**Goal**: parse

**Code**:
```python
x = 1
```

**Verification**:
```bash
pytest
```

**Output**: done
";

    #[test]
    fn a_step_with_code_and_no_tests() {
        check_diagnostics(
            Code::StepWithoutTests,
            STEPS,
            &expect![[r#"
            12:1 warning step-without-tests: Step 1 has a `**Code**` block but no `**Tests**` block; each step includes its tests
        "#]],
        );
    }

    #[test]
    fn code_that_creates_a_test_file_counts_as_tests() {
        check_diagnostics(
            Code::StepWithoutTests,
            &STEPS.replacen(
                "**Code**:\n```python",
                "**Code** (create `tests/test_x.py`):\n```python",
                1,
            ),
            &expect![""],
        );
    }

    #[test]
    fn an_output_line_that_mentions_tests_is_not_tests() {
        let plan = STEPS.replacen(
            "**Output**: done",
            "**Output** (checked by the tests): done",
            1,
        );
        check_diagnostics(
            Code::StepWithoutTests,
            &plan,
            &expect![[r#"
            12:1 warning step-without-tests: Step 1 has a `**Code**` block but no `**Tests**` block; each step includes its tests
        "#]],
        );
        // The finding has its fix, as every finding of this rule does.
        check_fix_titles(
            &plan.replacen("### Step 1", "$0### Step 1", 1),
            &expect![[r#"
            step-without-tests: Add a Tests block to `Step 1: Parse Config` (class TestParseConfig)
        "#]],
        );
    }

    #[test]
    fn add_tests_block_goes_between_code_and_verification() {
        check_fix(
            &STEPS.replacen("### Step 1", "$0### Step 1", 1),
            "Add a Tests block",
            &expect![[r#"
                Add a Tests block to `Step 1: Parse Config` (class TestParseConfig)
                finding gone: yes
                ---
                # x Plan

                ## Implementation Steps

                ### Step 0: Setup

                **Code**:
                ```bash
                mkdir x
                ```

                ### Step 1: Parse Config

                **Goal**: parse

                **Code**:
                ```python
                x = 1
                ```

                **Tests** (add to `tests/test_core_hardening_parse_config.py`):
                ```python
                """Tests for [what this step does]."""

                class TestParseConfig:
                    """Tests for [component]."""

                    def test_[what_it_tests](self):
                        """[Description]."""
                        # Arrange
                        [setup]

                        # Act
                        [action]

                        # Assert
                        [verification]
                ```

                **Verification**:
                ```bash
                pytest
                ```

                **Output**: done
            "#]],
        );
    }

    #[test]
    fn a_step_that_writes_a_document_needs_no_tests() {
        let plan = STEPS.replacen("```python\nx = 1\n```", "```markdown\n# Matrix\n```", 1);
        check_diagnostics(Code::StepWithoutTests, &plan, &expect![""]);
    }
}
