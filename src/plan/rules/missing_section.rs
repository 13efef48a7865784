//! `missing-section`: required template sections the plan does not have.
//! The fix inserts the template's section at its template position; the
//! source action inserts all of them (and the title, when it is missing).

use super::{Cx, Fix, FixContext, FixCx};
use crate::plan::edit::blank_after;
use crate::plan::parse::Section;
use crate::plan::{Analysis, Diagnostic, Finding, TextEdit, skeleton};

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    // Sections after an unclosed fence read as code: they are not missing.
    if cx.fence.is_some() {
        return;
    }
    let anchor = cx
        .tree
        .title
        .as_ref()
        .map(|title| title.range)
        .or_else(|| cx.tree.sections.first().map(|s| s.heading.range))
        .unwrap_or_default();
    for (index, spec) in cx.schema.sections.iter().enumerate() {
        if spec.optional || cx.matched.contains(&Some(index)) {
            continue;
        }
        let follows = index
            .checked_sub(1)
            .map(|i| cx.schema.sections[i].name.clone());
        out.push(Diagnostic::new(
            anchor,
            Finding::MissingSection {
                index,
                name: spec.name.clone(),
                follows,
            },
        ));
    }
}

pub(super) fn fixes(cx: &FixCx, index: usize) -> Vec<Fix> {
    let Some(spec) = cx.schema().sections.get(index) else {
        return Vec::new();
    };
    vec![Fix::new(
        format!("Insert section `## {}` from the template", spec.name),
        insert_sections(cx.text, cx.analysis, &[index], cx.ctx),
        false,
    )]
}

/// Edits inserting every missing section at its template position, and the
/// template's title with the lines under it when the title is missing too.
#[must_use]
pub fn insert_all_sections(text: &str, analysis: &Analysis, ctx: &FixContext) -> Vec<TextEdit> {
    let mut indices: Vec<usize> = analysis
        .diagnostics
        .iter()
        .filter_map(|d| match d.finding {
            Finding::MissingSection { index, .. } => Some(index),
            _ => None,
        })
        .collect();
    if indices.is_empty() {
        return Vec::new();
    }
    indices.sort_unstable();
    indices.dedup();
    let mut edits = super::title_edits(text, analysis, ctx);
    let sections = insert_sections(text, analysis, &indices, ctx);
    // Both may insert at the very start: one edit, title first.
    if let (Some(title), Some(first)) = (edits.first_mut(), sections.first())
        && first.range.start <= title.range.end
    {
        title
            .new_text
            .push_str(first.new_text.trim_start_matches('\n'));
        edits.extend(sections.into_iter().skip(1));
    } else {
        edits.extend(sections);
    }
    edits
}

/// Where a missing template section goes: after the present section that
/// comes last before it in the template, else before the first present
/// section after it, else at the end. The flag says whether the text goes
/// after existing content.
fn section_anchor(text: &str, analysis: &Analysis, index: usize) -> (u32, bool) {
    let schema = &analysis.schema;
    let matched: Vec<(usize, &Section)> = analysis
        .tree
        .sections
        .iter()
        .filter_map(|s| schema.section_index(&s.heading.text).map(|i| (i, s)))
        .collect();
    let before = matched
        .iter()
        .filter(|(i, _)| *i < index)
        .max_by_key(|(i, s)| (*i, s.range.start));
    if let Some((_, section)) = before {
        return (section.range.end, true);
    }
    let after = matched
        .iter()
        .filter(|(i, _)| *i > index)
        .min_by_key(|(_, s)| s.range.start);
    match after {
        Some((_, section)) => (section.heading.range.start, false),
        None => (text.trim_end().len() as u32, true),
    }
}

/// Edits inserting the template sections `indices` (in template order).
fn insert_sections(
    text: &str,
    analysis: &Analysis,
    indices: &[usize],
    ctx: &FixContext,
) -> Vec<TextEdit> {
    let schema = &analysis.schema;
    let mut groups: Vec<((u32, bool), Vec<String>)> = Vec::new();
    for &index in indices {
        let anchor = section_anchor(text, analysis, index);
        let source = schema.text(schema.sections[index].skeleton);
        let body = skeleton::render(source, schema, &ctx.names(), false);
        match groups.iter_mut().find(|(a, _)| *a == anchor) {
            Some((_, bodies)) => bodies.push(body),
            None => groups.push((anchor, vec![body])),
        }
    }
    groups
        .into_iter()
        .map(|((at, after), bodies)| {
            let joined = bodies.join("\n\n");
            let new_text = if after {
                let lead = if at == 0 { "" } else { "\n\n" };
                let trail = if at as usize == text.len() {
                    "\n"
                } else {
                    blank_after(text, at)
                };
                format!("{lead}{joined}{trail}")
            } else {
                format!("{joined}\n\n")
            };
            TextEdit::insert(at, new_text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::{FILE, check_diagnostics, check_fix};
    use super::*;
    use crate::plan::{Code, DocContext, Schema, analyze, apply_edits};

    const PLAN: &str = "# core-hardening Plan\n\n## Overview\n\ntext\n\n## Prerequisites\n\nmore\n";

    #[test]
    fn lists_each_missing_section_with_its_place() {
        check_diagnostics(
            Code::MissingSection,
            PLAN,
            &expect![[r#"
            1:1 warning missing-section: Missing section `## Deliverables`; in the template it follows `## Overview`
            1:1 warning missing-section: Missing section `## Success Criteria`; in the template it follows `## Prerequisites`
            1:1 warning missing-section: Missing section `## Architecture`; in the template it follows `## Success Criteria`
            1:1 warning missing-section: Missing section `## Implementation Steps`; in the template it follows `## Architecture`
            1:1 warning missing-section: Missing section `## Test Summary`; in the template it follows `## Implementation Steps`
            1:1 warning missing-section: Missing section `## Production-Grade Checklist`; in the template it follows `## Test Summary`
            1:1 warning missing-section: Missing section `## What "Done" Looks Like`; in the template it follows `## Production-Grade Checklist`
            1:1 warning missing-section: Missing section `## Files to Create/Modify`; in the template it follows `## What "Done" Looks Like`
            1:1 warning missing-section: Missing section `## Dependencies`; in the template it follows `## Files to Create/Modify`
            1:1 warning missing-section: Missing section `## Risks & Mitigations`; in the template it follows `## Dependencies`
            1:1 warning missing-section: Missing section `## Next Steps After Completion`; in the template it follows `## Error Codes Reference`
        "#]],
        );
    }

    #[test]
    fn inserts_between_its_neighbours() {
        check_fix(
            &PLAN.replacen("# core", "$0# core", 1),
            "Insert section `## Deliverables`",
            &expect![[r#"
                Insert section `## Deliverables` from the template
                finding gone: yes
                ---
                # core-hardening Plan

                ## Overview

                text

                ## Deliverables

                Concrete capabilities this task delivers:

                - [Deliverable 1]
                - [Deliverable 2]
                - [Deliverable 3]
                - [Deliverable 4]

                ---

                ## Prerequisites

                more
            "#]],
        );
    }

    #[test]
    fn nothing_is_missing_after_an_unclosed_fence() {
        check_diagnostics(
            Code::MissingSection,
            "# x Plan\n\n## Overview\n\n```\ncode\n",
            &expect![""],
        );
    }

    #[test]
    fn insert_all_on_an_empty_plan_adds_the_title_and_track_progress() {
        let analysis = analyze("", &Schema::builtin(), &DocContext::named(FILE));
        let ctx = FixContext {
            now: String::new(),
            file_name: Some(FILE.to_owned()),
        };
        let after = apply_edits("", &insert_all_sections("", &analysis, &ctx));
        assert!(after.starts_with("# core-hardening Plan\n\n> **Track Progress**: See `docs/core-hardening-results.md`"), "{after}");
        let again = analyze(&after, &Schema::builtin(), &DocContext::named(FILE));
        let left: Vec<_> = again
            .diagnostics
            .iter()
            .filter(|d| matches!(d.code, Code::MissingTitle | Code::MissingSection))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
