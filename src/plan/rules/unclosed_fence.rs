//! `unclosed-fence`: a fenced code block whose closing fence is missing, so
//! everything after it reads as code.

use super::{Cx, Fix, FixCx};
use crate::plan::edit::line_start;
use crate::plan::{Diagnostic, Finding, TextEdit, TextRange};

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let Some(block) = cx.tree.unclosed_fence() else {
        return;
    };
    let text = cx.text;
    let start = block.range.start as usize;
    let line_end = text[start..block.range.end as usize]
        .find(['\n', '\r'])
        .map_or(block.range.end as usize, |i| start + i);
    let opening = text[start..line_end].trim_start_matches([' ', '\t', '>']);
    let fence_char = opening.chars().next().unwrap_or('`');
    let fence: String = opening.chars().take_while(|&c| c == fence_char).collect();
    out.push(Diagnostic::new(
        TextRange::new(start, line_end),
        Finding::UnclosedFence { fence },
    ));
}

/// Closes the fence where its block ends: at the end of the list item or
/// quote that holds it, or at the end of the document.
pub(super) fn fixes(cx: &FixCx, fence: &str) -> Vec<Fix> {
    let d = cx.diagnostic;
    let text = cx.text;
    let Some(block) = cx
        .tree()
        .code_blocks
        .iter()
        .find(|b| b.range.start == d.range.start)
    else {
        return Vec::new();
    };
    let line = line_start(text, d.range.start as usize);
    let opening = &text[line..d.range.end as usize];
    let Some(indent_len) = opening.find(['`', '~']) else {
        return Vec::new();
    };
    let indent = &opening[..indent_len];
    let at = block.range.end as usize;
    let at_end = at == text.len();
    let trail = if at_end { "\n" } else { "" };
    let place = if at_end {
        "at the end of the document"
    } else {
        "where its block ends"
    };
    vec![Fix::new(
        format!("Close the code block {place}"),
        vec![TextEdit::insert(
            at as u32,
            format!("\n{indent}{fence}{trail}"),
        )],
        false,
    )]
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::{check_diagnostics, check_fix};
    use crate::plan::Code;

    #[test]
    fn reports_the_opening_line() {
        check_diagnostics(
            Code::UnclosedFence,
            "# x Plan\n\n## Overview\n\n````python\nx = 1\n",
            &expect![[r#"
                5:1 error unclosed-fence: This code block is never closed: add a closing fence line (4 backticks); everything after it reads as code
            "#]],
        );
    }

    #[test]
    fn closed_fences_are_fine() {
        check_diagnostics(
            Code::UnclosedFence,
            "# x Plan\n\n## Overview\n\n~~~\nx\n~~~\n",
            &expect![""],
        );
    }

    #[test]
    fn closes_with_the_same_fence() {
        check_fix(
            "# x Plan\n\n## Overview\n\n$0~~~\nx = 1\n",
            "Close",
            &expect![[r#"
                Close the code block where its block ends
                finding gone: yes
                ---
                # x Plan

                ## Overview

                ~~~
                x = 1
                ~~~
            "#]],
        );
    }

    #[test]
    fn closes_inside_its_list_item() {
        check_fix(
            "# x Plan\n\n## Overview\n\n- item\n  $0```\n  code\n\nafter\n",
            "Close",
            &expect![[r#"
                Close the code block where its block ends
                finding gone: yes
                ---
                # x Plan

                ## Overview

                - item
                  ```
                  code
                  ```

                after
            "#]],
        );
    }
}
