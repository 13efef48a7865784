//! `untouched-file` (hint): a Files to Create/Modify row that no step names,
//! in its Code or Tests, its heading (`### Step 2: Update README.md`) or its
//! inline code (`` `grep x src/y.py` ``).
//! Either the table promises a change no step makes, or a step forgot to
//! say where it writes. Found together with `unlisted-file`, which reads the
//! same table.

use super::Cx;
use super::unlisted_file::{Files, names};
use crate::plan::{Diagnostic, Finding};

pub(super) fn check(cx: &Cx, files: &Files, out: &mut Vec<Diagnostic>) {
    if files.steps.is_empty() {
        return;
    }
    for (row, cell) in &files.rows {
        let by_label = files.named.iter().any(|(path, _)| names(row, path));
        // Its headings and inline code (`grep x src/y.py`), word by word:
        // cheap, since the steps' code blocks are not scanned.
        let in_text = files.steps.iter().any(|sub| {
            std::iter::once(sub.heading.text.as_str())
                .chain(
                    cx.tree
                        .inline_code
                        .iter()
                        .filter(|c| sub.range.start <= c.start && c.end <= sub.range.end)
                        .map(|c| &cx.text[c.as_usize()]),
                )
                .flat_map(|text| {
                    text.split(|c: char| {
                        c.is_whitespace() || matches!(c, '`' | '(' | ')' | '"' | '\'' | ',' | ':')
                    })
                })
                .any(|word| names(row, word.strip_prefix("./").unwrap_or(word)))
        });
        if !by_label && !in_text {
            out.push(Diagnostic::new(
                *cell,
                Finding::UntouchedFile { path: row.clone() },
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
    fn a_row_no_step_names() {
        check_diagnostics(
            Code::UntouchedFile,
            super::super::unlisted_file::tests::PLAN,
            &expect![[r#"
                40:3 hint untouched-file: No step's Code or Tests names `docs/extra.md`
            "#]],
        );
    }
}
