//! Completion, code actions and `check --fix`: properties over every fixture
//! and corpus plan, and end-to-end tests over the real server.

mod common;

use std::collections::HashMap;
use std::path::Path;

use plan_lsp::plan::actions::{self, FixContext};
use plan_lsp::plan::{self, Code, DocContext, Schema, Severity, TextEdit, apply_edits};
use proptest::prelude::*;

const NOW: &str = "2026-01-16T13:47:18-0800";

/// Every plan to test on: the fixtures, this suite's fixtures, the seed
/// template (named like a plan so that slugs can be filled) and the corpus.
fn plans() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["tests/fixtures", "tests/fixtures/actions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut found: Vec<(String, String)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                Some((name, std::fs::read_to_string(e.path()).ok()?))
            })
            .collect();
        found.sort();
        out.extend(found);
    }
    out.push((
        "core-hardening-plan.md".to_owned(),
        plan::template::DEFAULT_TEMPLATE.to_owned(),
    ));
    out.extend(common::corpus_plans());
    out
}

fn ctx(name: &str) -> FixContext {
    FixContext {
        now: NOW.to_owned(),
        file_name: Some(name.to_owned()),
    }
}

fn key(d: &plan::Diagnostic) -> (Code, String) {
    (d.code, d.message.clone())
}

fn counts(diagnostics: &[plan::Diagnostic], errors_only: bool) -> HashMap<(Code, String), usize> {
    let mut out = HashMap::new();
    for d in diagnostics {
        if !errors_only || d.severity == Severity::Error {
            *out.entry(key(d)).or_default() += 1;
        }
    }
    out
}

/// Whether the text outside `edits` is unchanged in `after`.
fn outside_unchanged(before: &str, after: &str, edits: &[TextEdit]) -> bool {
    let mut sorted = edits.to_vec();
    sorted.sort();
    let mut at_before = 0usize;
    let mut at_after = 0usize;
    for edit in &sorted {
        let (start, end) = (edit.range.start as usize, edit.range.end as usize);
        let gap = &before[at_before..start];
        if after.get(at_after..at_after + gap.len()) != Some(gap) {
            return false;
        }
        at_after += gap.len();
        if after.get(at_after..at_after + edit.new_text.len()) != Some(edit.new_text.as_str()) {
            return false;
        }
        at_after += edit.new_text.len();
        at_before = end;
    }
    after.get(at_after..) == Some(&before[at_before..])
}

/// Applies every quick fix offered for every diagnostic of `text` and checks
/// that it removes its diagnostic, adds no error and leaves the rest alone.
/// Returns the number of fixes checked.
fn check_all_fixes(name: &str, text: &str) -> usize {
    let schema = Schema::builtin();
    let doc = DocContext::named(name);
    let analysis = plan::analyze(text, &schema, &doc);
    let before = counts(&analysis.diagnostics, false);
    let errors_before = counts(&analysis.diagnostics, true);
    let ctx = ctx(name);
    let mut checked = 0;
    for (index, d) in analysis.diagnostics.iter().enumerate() {
        for fix in actions::fixes(text, &analysis, index, &ctx) {
            assert_eq!(fix.fixes, Some(index));
            let after = apply_edits(text, &fix.edits);
            assert!(
                outside_unchanged(text, &after, &fix.edits),
                "{name}: `{}` changed text outside its edits",
                fix.title
            );
            let result = plan::analyze(&after, &schema, &doc);
            let now = counts(&result.diagnostics, false);
            assert!(
                now.get(&key(d)).copied().unwrap_or(0) < before[&key(d)],
                "{name}: `{}` did not remove `{}: {}`",
                fix.title,
                d.code,
                d.message
            );
            for (k, n) in counts(&result.diagnostics, true) {
                assert!(
                    n <= errors_before.get(&k).copied().unwrap_or(0),
                    "{name}: `{}` added the error {k:?}",
                    fix.title
                );
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn every_quick_fix_removes_its_diagnostic_on_every_plan() {
    let mut total = 0;
    for (name, text) in plans() {
        total += check_all_fixes(&name, &text);
    }
    assert!(total > 50, "only {total} fixes were checked");
}

#[test]
fn fix_all_is_safe_and_idempotent_on_every_plan() {
    let schema = Schema::builtin();
    for (name, text) in plans() {
        let doc = DocContext::named(&name);
        let analysis = plan::analyze(&text, &schema, &doc);
        let edits = actions::fix_all(&text, &analysis, &ctx(&name));
        let after = apply_edits(&text, &edits);
        assert!(outside_unchanged(&text, &after, &edits), "{name}");
        let result = plan::analyze(&after, &schema, &doc);
        assert!(
            result.diagnostics.len() + edits.len().min(1) <= analysis.diagnostics.len() + 1,
            "{name}: fix-all added diagnostics"
        );
        let errors = counts(&analysis.diagnostics, true);
        for (k, n) in counts(&result.diagnostics, true) {
            assert!(n <= errors.get(&k).copied().unwrap_or(0), "{name}: {k:?}");
        }
        let again = actions::fix_all(&after, &result, &ctx(&name));
        assert!(
            again.is_empty(),
            "{name}: a second fix-all still edits: {again:?}"
        );
    }
}

/// Plans with a run of lines deleted: a cheap way to get many broken plans.
fn mutated() -> impl Strategy<Value = (String, String)> {
    let plans = plans();
    (0..plans.len(), any::<prop::sample::Index>(), 1usize..40).prop_map(move |(i, at, len)| {
        let (name, text) = &plans[i];
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let start = at.index(lines.len().max(1));
        let end = (start + len).min(lines.len());
        let mut out = String::new();
        for (n, line) in lines.iter().enumerate() {
            if n < start || n >= end {
                out.push_str(line);
            }
        }
        (name.clone(), out)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn quick_fixes_hold_on_damaged_plans((name, text) in mutated()) {
        check_all_fixes(&name, &text);
    }
}
