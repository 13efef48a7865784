//! `missing-title`: a plan needs an H1 when its template has one. The fix
//! inserts the template's title and the block quote under it (the `Track
//! Progress` line), with the slug filled in from the file name.

use super::{Cx, Fix, FixContext, FixCx};
use crate::plan::{Analysis, Diagnostic, Finding, TextEdit, TextRange, skeleton};

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let Some(title) = &cx.schema.title else {
        return;
    };
    if cx.tree.title.is_some() {
        return;
    }
    out.push(Diagnostic::new(
        TextRange::empty(0),
        Finding::MissingTitle {
            template_title: title.text.clone(),
        },
    ));
}

pub(super) fn fixes(cx: &FixCx) -> Vec<Fix> {
    let edits = title_edits(cx.text, cx.analysis, cx.ctx);
    if edits.is_empty() {
        return Vec::new();
    }
    vec![Fix::new(
        "Insert the template's title and the lines under it".to_owned(),
        edits,
        false,
    )]
}

/// The edit inserting the template's title and its preamble (the text
/// between the title and the first section) at the top of a document that
/// has no title; nothing when it has one.
#[must_use]
pub fn title_edits(text: &str, analysis: &Analysis, ctx: &FixContext) -> Vec<TextEdit> {
    let schema = &analysis.schema;
    let Some(title) = &schema.title else {
        return Vec::new();
    };
    if analysis.tree.title.is_some() {
        return Vec::new();
    }
    let end = schema
        .sections
        .first()
        .map_or(schema.source.len() as u32, |s| s.skeleton.start);
    let head = TextRange {
        start: title.range.start,
        end: end.max(title.range.end),
    };
    let source = schema.text(head).trim_end();
    let rendered = skeleton::render(source, schema, &ctx.names(), false);
    let lead = text.trim_start_matches(['\n', '\r']);
    let new_text = if lead.is_empty() {
        format!("{rendered}\n")
    } else {
        format!("{rendered}\n\n")
    };
    vec![TextEdit::replace(
        TextRange::new(0, text.len() - lead.len()),
        new_text,
    )]
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::{check_diagnostics, check_fix, check_fix_named};
    use crate::plan::Code;

    #[test]
    fn a_plan_without_a_title() {
        check_diagnostics(
            Code::MissingTitle,
            "## Overview\n\ntext\n",
            &expect![[r#"
                1:1 warning missing-title: The plan has no `#` title; the template starts with `# [Milestone-Slug]-[Task-Slug] Plan`
            "#]],
        );
        check_diagnostics(
            Code::MissingTitle,
            "# x Plan\n\n## Overview\n",
            &expect![""],
        );
    }

    #[test]
    fn the_title_fix_adds_the_track_progress_line() {
        check_fix(
            "$0## Overview\n\ntext\n",
            "Insert the template's title",
            &expect![[r#"
                Insert the template's title and the lines under it
                finding gone: yes
                ---
                # core-hardening Plan

                > **Track Progress**: See `docs/core-hardening-results.md` for implementation status, test results, and issues.

                ## Overview

                text
            "#]],
        );
    }

    #[test]
    fn title_fix_for_a_one_word_slug_writes_it_once() {
        check_fix_named(
            "search-plan.md",
            "$0## Overview\n\ntext\n",
            "Insert the template's title",
            &expect![[r#"
                Insert the template's title and the lines under it
                finding gone: yes
                ---
                # search Plan

                > **Track Progress**: See `docs/search-results.md` for implementation status, test results, and issues.

                ## Overview

                text
            "#]],
        );
    }
}
