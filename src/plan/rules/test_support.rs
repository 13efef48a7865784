//! Test helpers for the rule files: fixture text in, rendered findings and
//! fixed text out. A fixture marks the cursor with `$0`.

use std::fmt::Write as _;

use expect_test::Expect;

use super::{FixContext, fixes};
use crate::plan::{Analysis, Code, DocContext, Schema, analyze, apply_edits};

/// The file name the fixtures are analysed under.
pub(super) const FILE: &str = "core-hardening-plan.md";

/// The clock the fixes see.
pub(super) const NOW: &str = "2026-01-16T13:47:18-0800";

fn analysis(text: &str, file_name: &str) -> Analysis {
    analyze(text, &Schema::builtin(), &DocContext::named(file_name))
}

/// `line:column` (1-based, columns in characters) of a byte offset.
fn position(text: &str, offset: u32) -> String {
    let before = &text[..offset as usize];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    format!("{line}:{column}")
}

fn render(text: &str, analysis: &Analysis, code: Code) -> String {
    let mut out = String::new();
    for d in analysis.diagnostics.iter().filter(|d| d.code == code) {
        let _ = writeln!(
            out,
            "{} {} {}: {}",
            position(text, d.range.start),
            d.severity.as_str(),
            d.code,
            d.message
        );
    }
    out
}

/// The findings of rule `code` in `fixture` (under the built-in template,
/// as `core-hardening-plan.md`).
pub(super) fn check_diagnostics(code: Code, fixture: &str, expect: &Expect) {
    let analysis = analysis(fixture, FILE);
    expect.assert_eq(&render(fixture, &analysis, code));
}

/// The findings of rule `code` in `template`, checked as a template.
pub(super) fn check_template(code: Code, template: &str, expect: &Expect) {
    let ctx = DocContext {
        role: crate::plan::Role::Template,
        ..DocContext::named("plan-template.md")
    };
    let analysis = analyze(template, &Schema::builtin(), &ctx);
    expect.assert_eq(&render(template, &analysis, code));
}

/// The titles of the fixes offered for the findings at the `$0` cursor.
pub(super) fn check_fix_titles(fixture: &str, expect: &Expect) {
    let (text, cursor) = cursor(fixture);
    let analysis = analysis(&text, FILE);
    let ctx = fix_context(FILE);
    let mut out = String::new();
    for (index, d) in analysis.diagnostics.iter().enumerate() {
        if !d.range.touches(cursor) {
            continue;
        }
        for fix in fixes(&text, &analysis, index, &ctx) {
            let safe = if fix.safe { " (safe)" } else { "" };
            let _ = writeln!(out, "{}{safe}: {}", d.code, fix.title);
        }
    }
    expect.assert_eq(&out);
}

/// Applies the first fix whose title starts with `title`, offered for a
/// finding at the `$0` cursor; shows the title, the text after, and whether
/// the finding (same code and subject) is gone.
pub(super) fn check_fix(fixture: &str, title: &str, expect: &Expect) {
    check_fix_named(FILE, fixture, title, expect);
}

/// `check_fix` for a document named `file_name`.
pub(super) fn check_fix_named(file_name: &str, fixture: &str, title: &str, expect: &Expect) {
    let (text, cursor) = cursor(fixture);
    let analysis = analysis(&text, file_name);
    let ctx = fix_context(file_name);
    for (index, d) in analysis.diagnostics.iter().enumerate() {
        if !d.range.touches(cursor) {
            continue;
        }
        let Some(fix) = fixes(&text, &analysis, index, &ctx)
            .into_iter()
            .find(|f| f.title.starts_with(title))
        else {
            continue;
        };
        let after = apply_edits(&text, &fix.edits);
        let again = self::analysis(&after, file_name);
        let subject = d.finding.subject();
        let gone = !again
            .diagnostics
            .iter()
            .any(|e| e.finding.subject() == subject);
        let out = format!(
            "{}\nfinding gone: {gone}\n---\n{after}",
            fix.title,
            gone = if gone { "yes" } else { "no" }
        );
        expect.assert_eq(&out);
        return;
    }
    panic!("no fix titled `{title}...` for a finding at the cursor");
}

fn fix_context(file_name: &str) -> FixContext {
    FixContext {
        now: NOW.to_owned(),
        file_name: Some(file_name.to_owned()),
    }
}

fn cursor(fixture: &str) -> (String, u32) {
    let offset = fixture.find("$0").expect("fixture has a $0 cursor");
    (fixture.replace("$0", ""), offset as u32)
}
