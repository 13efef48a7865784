//! `fence-closes-early`: a fenced block that shows a markdown file with
//! fences of its own (a `markdown` block holding a `python` block). By the
//! `CommonMark` rules the first bare fence line inside closes the outer one, so everything after it renders outside the block (the
//! example's `##` headings become the plan's) and the outer block's own
//! closing line opens a new block that swallows the plan that follows.
//!
//! A block is read as an attempted nesting when it opens with an info
//! string (` ```markdown `) and its content holds a line
//! that opens a fence of the same character, at least as long, with an info
//! string: such a line cannot close the block, and the bare fence that
//! does close it is that inner block's partner. Counting inner openers and
//! bare fences from the block's start gives the line the author meant to
//! close it with. The finding sits on the line that actually closes it; the
//! fix lengthens the outer pair of fences past the inner ones, so the
//! document parses as meant.

use super::{Cx, Fix, FixCx};
use crate::plan::parse::CodeBlock;
use crate::plan::{Diagnostic, Finding, TextEdit, TextRange};

/// One line of text: its range without the line break.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
}

/// A fence line: its character, the length of its run, where the run is,
/// and whether an info string follows.
struct FenceLine {
    char: char,
    run: usize,
    run_start: usize,
    info: bool,
}

fn fence_line(text: &str, line: Line) -> Option<FenceLine> {
    let raw = &text[line.start..line.end];
    let body = raw.trim_start_matches([' ', '\t', '>']);
    let indent = raw.len() - body.len();
    let char = body.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let run = body.len() - body.trim_start_matches(char).len();
    if run < 3 {
        return None;
    }
    let rest = body[run..].trim();
    Some(FenceLine {
        char,
        run,
        run_start: line.start + indent,
        info: !rest.is_empty(),
    })
}

fn lines_from(text: &str, start: usize) -> impl Iterator<Item = Line> + '_ {
    let mut at = start;
    std::iter::from_fn(move || {
        if at >= text.len() {
            return None;
        }
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line = Line {
            start: at,
            end: if text[..end].ends_with('\r') {
                end - 1
            } else {
                end
            },
        };
        at = end + 1;
        Some(line)
    })
}

/// An attempted nesting: the outer block's opening run, the line that
/// actually closes it, the line meant to close it, and the longest inner
/// fence run.
struct Nesting {
    open: FenceLine,
    actual_close: Line,
    meant_close: FenceLine,
    longest_inner: usize,
}

fn nesting(text: &str, block: &CodeBlock) -> Option<Nesting> {
    if !block.fenced || !block.closed {
        return None;
    }
    let first = lines_from(text, block.range.start as usize).next()?;
    let open = fence_line(text, first)?;
    // An example is announced (` ```markdown `); a bare fence with fences
    // inside is more likely a plan that lost a closing line.
    if !open.info {
        return None;
    }
    let same = |f: &FenceLine| f.char == open.char && f.run >= open.run;
    // Cheap test first: an inner opener inside the content.
    let content = block.content.as_usize();
    let inner_opener = lines_from(text, content.start)
        .take_while(|l| l.start < content.end)
        .filter_map(|l| fence_line(text, l))
        .any(|f| same(&f) && f.info);
    if !inner_opener {
        return None;
    }
    let actual_close = lines_from(text, content.end).next()?;
    let mut depth = 0usize;
    let mut longest_inner = open.run;
    for line in lines_from(text, content.start) {
        let Some(fence) = fence_line(text, line) else {
            continue;
        };
        if !same(&fence) {
            continue;
        }
        if fence.info {
            depth += 1;
            longest_inner = longest_inner.max(fence.run);
        } else if depth > 0 {
            depth -= 1;
            longest_inner = longest_inner.max(fence.run);
        } else {
            // Meant as the outer block's close; it is one only if it is
            // past the line that closes the block now.
            return (line.start > actual_close.start).then_some(Nesting {
                open,
                actual_close,
                meant_close: fence,
                longest_inner,
            });
        }
    }
    None
}

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for block in &cx.tree.code_blocks {
        let Some(found) = nesting(cx.text, block) else {
            continue;
        };
        let text = cx.text;
        let line_of = |at: usize| text[..at].matches('\n').count() + 1;
        let fence: String = std::iter::repeat_n(found.open.char, found.open.run).collect();
        out.push(Diagnostic::new(
            TextRange::new(found.actual_close.start, found.actual_close.end),
            Finding::FenceClosesEarly {
                fence,
                lang: block.lang.clone(),
                opened_line: line_of(block.range.start as usize),
                meant_line: line_of(found.meant_close.run_start),
            },
        ));
    }
}

/// The offset where the rule sees the plan's structure break: the first
/// early close. Findings that depend on the outline after it are left out.
pub(super) fn first_break(text: &str, blocks: &[CodeBlock]) -> Option<u32> {
    blocks
        .iter()
        .find_map(|block| nesting(text, block).map(|n| n.actual_close.start as u32))
}

/// Lengthens the outer pair of fences past the longest inner one.
pub(super) fn fixes(cx: &FixCx) -> Vec<Fix> {
    let text = cx.text;
    let at = cx.diagnostic.range.start as usize;
    let Some(found) = cx
        .tree()
        .code_blocks
        .iter()
        .filter_map(|block| nesting(text, block))
        .find(|n| n.actual_close.start == at)
    else {
        return Vec::new();
    };
    let longer: String = std::iter::repeat_n(found.open.char, found.longest_inner + 1).collect();
    let run = |f: &FenceLine| TextRange::new(f.run_start, f.run_start + f.run);
    vec![Fix::new(
        format!("Use `` {longer} `` for the outer block, so the fences inside it stay inside"),
        vec![
            TextEdit::replace(run(&found.open), longer.clone()),
            TextEdit::replace(run(&found.meant_close), longer),
        ],
        true,
    )]
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::{check_diagnostics, check_fix};
    use crate::plan::Code;

    const PLAN: &str = "# x Plan

## Implementation Steps

### Step 1: Write the guide

**Code** (create `docs/guide.md`):
```markdown
# Guide

## Usage

```bash
tool run
```

## Notes

Plain text.
```

**Tests**:
```python
def test_guide():
    pass
```

**Verification**:
```bash
pytest
```

**Output**: 1/1 tests passing

### Step 2: Ship

**Goal**: ship it

**Code**:
```python
ship()
```

**Verification**:
```bash
make ship
```

**Output**: done
";

    #[test]
    fn an_inner_fence_closes_the_outer_one() {
        check_diagnostics(
            Code::FenceClosesEarly,
            PLAN,
            &expect![[r#"
            15:1 error fence-closes-early: This line closes the `` ```markdown `` block opened on line 8, not the block inside it: everything up to line 20 renders outside the block. Use a longer fence for the outer block
        "#]],
        );
    }

    #[test]
    fn nothing_that_only_follows_from_the_break_is_reported() {
        // "Step 1 has no Verification", or sections missing because the
        // example's `##` headings split the plan, would come only from the
        // break: nothing is reported after it.
        check_diagnostics(Code::StepWithoutTests, PLAN, &expect![[""]]);
        check_diagnostics(Code::MissingField, PLAN, &expect![[""]]);
        // Once the fence is fixed, the plan's one real problem shows: Step 2
        // has no Tests.
        let fixed = PLAN.replacen("```markdown", "````markdown", 1).replacen(
            "Plain text.\n```",
            "Plain text.\n````",
            1,
        );
        check_diagnostics(
            Code::StepWithoutTests,
            &fixed,
            &expect![[r#"
            35:1 warning step-without-tests: Step 2 has a `**Code**` block but no `**Tests**` block; each step includes its tests
        "#]],
        );
        check_diagnostics(
            Code::MissingField,
            &fixed,
            &expect![[r#"
            5:1 warning missing-field: Step 1 has no `**Goal**` field (What this step accomplishes)
        "#]],
        );
    }

    #[test]
    fn lengthening_the_outer_fence_restores_the_plan() {
        check_fix(
            &PLAN.replacen("```\n\n## Notes", "$0```\n\n## Notes", 1),
            "Use ``",
            &expect![[r#"
                Use `` ```` `` for the outer block, so the fences inside it stay inside
                finding gone: yes
                ---
                # x Plan

                ## Implementation Steps

                ### Step 1: Write the guide

                **Code** (create `docs/guide.md`):
                ````markdown
                # Guide

                ## Usage

                ```bash
                tool run
                ```

                ## Notes

                Plain text.
                ````

                **Tests**:
                ```python
                def test_guide():
                    pass
                ```

                **Verification**:
                ```bash
                pytest
                ```

                **Output**: 1/1 tests passing

                ### Step 2: Ship

                **Goal**: ship it

                **Code**:
                ```python
                ship()
                ```

                **Verification**:
                ```bash
                make ship
                ```

                **Output**: done
            "#]],
        );
    }

    #[test]
    fn properly_nested_and_plain_blocks_are_fine() {
        let nested = PLAN.replacen("```markdown", "````markdown", 1).replacen(
            "Plain text.\n```",
            "Plain text.\n````",
            1,
        );
        check_diagnostics(Code::FenceClosesEarly, &nested, &expect![""]);
        check_diagnostics(
            Code::FenceClosesEarly,
            "# x Plan\n\n```bash\nls\n```\n\n```python\nx\n```\n",
            &expect![""],
        );
    }
}
