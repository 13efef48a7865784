//! Code actions: quick fixes, refactors and source actions as text edits.
//!
//! The quick fixes come from the rule files (`rules::fixes`), each reading
//! its diagnostic's typed finding. Values come from the schema (template
//! text, enum alternatives), the document (step order, test functions in
//! Tests blocks), its file name (the slug) and the clock passed in by the
//! caller; where none of these gives a value, no fix is offered rather than
//! a fake one. `source.fixAll` and `plan-lsp check --fix` apply exactly the
//! safe fixes (see `rules`).

use super::edit::section_at;
use super::rules::{self, Fix};
use super::{Analysis, DocContext, Finding, Role, TextEdit, TextRange, analyze, apply_edits};

pub use super::rules::{FixContext, insert_all_sections, renumber};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    QuickFix,
    RefactorRewrite,
    Source,
    SourceFixAll,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub title: String,
    pub kind: ActionKind,
    /// The index in `Analysis::diagnostics` of the diagnostic this fixes.
    pub fixes: Option<usize>,
    pub edits: Vec<TextEdit>,
    pub preferred: bool,
    /// See `rules`: fully determined by the document, so fixAll applies it.
    pub safe: bool,
}

/// Every action for the byte range `range`: quick fixes for the diagnostics
/// it touches, the renumbering refactor of the section it is in (unless a
/// quick fix already offers the same edits), inserting all missing
/// sections, and fixing everything safe.
#[must_use]
pub fn actions(text: &str, analysis: &Analysis, range: TextRange, ctx: &FixContext) -> Vec<Action> {
    if !analysis.is_plan {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (index, d) in analysis.diagnostics.iter().enumerate() {
        let touches = d.range.start <= range.end && range.start <= d.range.end;
        if touches {
            out.extend(fixes(text, analysis, index, ctx));
        }
    }
    if let Some(section) = section_at(&analysis.tree, range.start)
        && let Some(spec) = analysis.schema.item_spec(&section.heading.text)
    {
        let edits = renumber(text, &analysis.tree, section, spec);
        let offered = out.iter().any(|a| a.edits == edits);
        if !edits.is_empty() && !offered {
            out.push(Action {
                title: format!("Renumber the items of `## {}`", section.heading.text),
                kind: ActionKind::RefactorRewrite,
                fixes: None,
                edits,
                preferred: false,
                safe: true,
            });
        }
    }
    let missing = insert_all_sections(text, analysis, ctx);
    if !missing.is_empty() {
        out.push(Action {
            title: "Insert all missing sections from the template".to_owned(),
            kind: ActionKind::Source,
            fixes: None,
            edits: missing,
            preferred: false,
            safe: false,
        });
    }
    let all = fix_all(text, analysis, ctx);
    if !all.is_empty() {
        out.push(Action {
            title: "Fix all safe plan-lsp problems".to_owned(),
            kind: ActionKind::SourceFixAll,
            fixes: None,
            edits: all,
            preferred: false,
            safe: true,
        });
    }
    out
}

/// The edits of every safe fix, applied until nothing safe is left, so that
/// applying the result and asking again gives nothing (fixes can unlock
/// others: a filled `Step [N]` lets the items after it be renumbered).
///
/// Most of the time one round does it, and its edits are returned as they
/// are. When more rounds were needed, the result is one edit replacing the
/// span between the first and the last changed byte.
#[must_use]
pub fn fix_all(text: &str, analysis: &Analysis, ctx: &FixContext) -> Vec<TextEdit> {
    const ROUNDS: usize = 8;
    let first = fix_round(text, analysis, ctx);
    if first.is_empty() {
        return first;
    }
    let doc = DocContext {
        role: Role::Plan,
        rules: analysis.rules.clone(),
        ..DocContext::default()
    };
    let mut current = apply_edits(text, &first);
    let mut rounds = 1;
    while rounds < ROUNDS {
        let next_analysis = analyze(&current, &analysis.schema, &doc);
        let next = fix_round(&current, &next_analysis, ctx);
        if next.is_empty() {
            break;
        }
        current = apply_edits(&current, &next);
        rounds += 1;
    }
    if rounds == 1 {
        return first;
    }
    vec![changed_span(text, &current)]
}

/// One edit turning `old` into `new`: the span between their common prefix
/// and suffix.
fn changed_span(old: &str, new: &str) -> TextEdit {
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    TextEdit::replace(
        TextRange::new(prefix, old.len() - suffix),
        &new[prefix..new.len() - suffix],
    )
}

/// The edits of the safe fixes, one per diagnostic. Fixes are taken whole:
/// one whose edits overlap an edit already taken (other than the very same
/// edit) waits for the next round. Renumbering goes first, because it
/// decides the numbers that a `Step [N]` fix would otherwise guess.
fn fix_round(text: &str, analysis: &Analysis, ctx: &FixContext) -> Vec<TextEdit> {
    if !analysis.is_plan {
        return Vec::new();
    }
    let mut safe: Vec<(bool, Vec<TextEdit>)> = Vec::new();
    for (index, d) in analysis.diagnostics.iter().enumerate() {
        if let Some(fix) = rules::fixes(text, analysis, index, ctx)
            .into_iter()
            .find(|f| f.safe)
        {
            let renumbering = matches!(d.finding, Finding::StepNumbering { .. });
            safe.push((renumbering, fix.edits));
        }
    }
    safe.sort_by_key(|(renumbering, _)| !renumbering);
    let mut taken: Vec<TextEdit> = Vec::new();
    for (_, edits) in safe {
        let conflicts = edits.iter().any(|edit| {
            taken
                .iter()
                .any(|t| t != edit && overlap(t.range, edit.range))
        });
        if !conflicts {
            taken.extend(edits);
        }
    }
    taken.sort();
    taken.dedup();
    taken
}

/// Whether two edits' ranges would step on each other (two insertions at
/// the same point included).
fn overlap(a: TextRange, b: TextRange) -> bool {
    (a.start < b.end && b.start < a.end)
        || a.start == b.start
        || (a.is_empty() && b.start < a.start && a.start < b.end)
        || (b.is_empty() && a.start < b.start && b.start < a.end)
}

/// The quick fixes for diagnostic number `index`, the first preferred.
#[must_use]
pub fn fixes(text: &str, analysis: &Analysis, index: usize, ctx: &FixContext) -> Vec<Action> {
    let mut out: Vec<Action> = rules::fixes(text, analysis, index, ctx)
        .into_iter()
        .map(|Fix { title, edits, safe }| Action {
            title,
            kind: ActionKind::QuickFix,
            fixes: Some(index),
            edits,
            preferred: false,
            safe,
        })
        .collect();
    if let Some(first) = out.first_mut() {
        first.preferred = true;
    }
    out
}

#[cfg(test)]
#[allow(
    clippy::needless_raw_string_hashes,
    reason = "expect-test writes its snapshots as r#\"...\"# literals"
)]
mod tests {
    use std::fmt::Write as _;

    use expect_test::{Expect, expect};

    use super::*;
    use crate::plan::{DocContext, Schema, analyze, apply_edits};

    /// Lists the actions at the `$0` cursor, each with the lines its edits
    /// change in the result.
    fn check(fixture: &str, expect: &Expect) {
        let offset = fixture.find("$0").expect("fixture has a $0 cursor");
        let text = fixture.replace("$0", "");
        let name = "core-hardening-plan.md";
        let analysis = analyze(&text, &Schema::builtin(), &DocContext::named(name));
        let ctx = FixContext {
            now: "2026-01-16T13:47:18-0800".to_owned(),
            file_name: Some(name.to_owned()),
        };
        let mut out = String::new();
        for action in actions(&text, &analysis, TextRange::empty(offset), &ctx) {
            let fixes = action
                .fixes
                .map(|i| format!(" fixes {}", analysis.diagnostics[i].code))
                .unwrap_or_default();
            let safe = if action.safe { " (safe)" } else { "" };
            let _ = writeln!(out, "{:?}{fixes}{safe}: {}", action.kind, action.title);
            let after = apply_edits(&text, &action.edits);
            let before: Vec<&str> = text.lines().collect();
            for line in after.lines().filter(|l| !before.contains(l)).take(6) {
                let _ = writeln!(out, "    + {line}");
            }
        }
        expect.assert_eq(&out);
    }

    const OVERVIEW: &str = "# [Milestone-Slug]-[Task-Slug] Plan

## Overview

| Attribute | Value |
|-----------|-------|
| **Created** | [YYYY-MM-DDTHH:MM:SS-TZ] |
| **Type** | [PoC or Feature or Issue or Refactor] |
";

    #[test]
    fn title_slugs_from_the_file_name() {
        check(
            &OVERVIEW.replacen("[Task", "[$0Task", 1),
            &expect![[r#"
                QuickFix fixes missing-section: Insert section `## Deliverables` from the template
                    + ## Deliverables
                    + Concrete capabilities this task delivers:
                    + - [Deliverable 1]
                    + - [Deliverable 2]
                    + - [Deliverable 3]
                    + - [Deliverable 4]
                QuickFix fixes missing-section: Insert section `## Prerequisites` from the template
                    + ## Prerequisites
                    + Complete these BEFORE starting implementation steps.
                    + ### 1. Identify Affected Tests
                    + **Why Needed**: Run only affected tests during implementation (not full suite)
                    + **Affected test files**:
                    + - `tests/test_[affected1].py` - [What it tests]
                QuickFix fixes missing-section: Insert section `## Success Criteria` from the template
                    + ## Success Criteria
                    + From `docs/[source-doc].md`:
                    + - [ ] [Criterion 1 - specific, measurable]
                    + - [ ] [Criterion 2 - specific, measurable]
                    + - [ ] [Criterion 3 - specific, measurable]
                    + - [ ] [Criterion 4 - specific, measurable]
                QuickFix fixes missing-section: Insert section `## Architecture` from the template
                    + ## Architecture
                    + ### File Structure
                    + ```
                    + [project-root]/
                    + ├── [new-folder]/
                    + │   ├── __init__.py           # [Purpose]
                QuickFix fixes missing-section: Insert section `## Implementation Steps` from the template
                    + ## Implementation Steps
                    + **Approach**: [Brief description of implementation strategy - e.g., "Build bottom-up", "Test each layer independently", etc.]
                    + > ⚠️ **Each step includes its tests.** Write code, write tests, run tests, verify all pass—then move on. Never separate code and tests into different steps.
                    + ### Step 0: [Setup/Infrastructure]
                    + **Goal**: [What this step accomplishes]
                    + - [ ] [Setup item 1]
                QuickFix fixes missing-section: Insert section `## Test Summary` from the template
                    + ## Test Summary
                    + ### Affected Tests (Run These)
                    + | Test File | Tests | What It Covers |
                    + |-----------|-------|----------------|
                    + | `tests/test_[affected1].py` | ~X | [Description] |
                    + | `tests/test_[affected2].py` | ~X | [Description] |
                QuickFix fixes missing-section: Insert section `## Production-Grade Checklist` from the template
                    + ## Production-Grade Checklist
                    + Before marking task complete, verify:
                    + - [ ] **OOP Design**: Classes with single responsibility and clear interfaces
                    + - [ ] **Pydantic Models**: All data structures use Pydantic (no raw dicts for structured data)
                    + - [ ] **Strong Typing**: Type hints on all functions, methods, and class attributes
                    + - [ ] **No mock data**: All data comes from real sources (DB, API, files)
                QuickFix fixes missing-section: Insert section `## What "Done" Looks Like` from the template
                    + ## What "Done" Looks Like
                    + ```bash
                    + # 1. Affected tests pass
                    + cd [directory] && uv run pytest tests/test_[affected1].py tests/test_[affected2].py -v --tb=short
                    + # Expected: All pass
                    + # 2. (Optional) Full suite - only if time permits
                QuickFix fixes missing-section: Insert section `## Files to Create/Modify` from the template
                    + ## Files to Create/Modify
                    + | File | Action | Status |
                    + |------|--------|--------|
                    + | `[path/to/new-file.py]` | Create | Pending: [purpose] |
                    + | `[path/to/existing-file.py]` | Modify | Pending: [what changes] |
                    + | `tests/test_core_hardening_*.py` | Create | Pending: all tests |
                QuickFix fixes missing-section: Insert section `## Dependencies` from the template
                    + ## Dependencies
                    + Update `[path/to/pyproject.toml]`:
                    + ```toml
                    + dependencies = [
                    +     "[existing-dep]>=X.Y.Z",
                    +     "[new-dep]>=X.Y.Z",  # Add for [reason]
                QuickFix fixes missing-section: Insert section `## Risks & Mitigations` from the template
                    + ## Risks & Mitigations
                    + | Risk | Likelihood | Mitigation |
                    + |------|------------|------------|
                    + | [Risk 1] | H/M/L | [Strategy] |
                    + | [Risk 2] | H/M/L | [Strategy] |
                    + ---
                QuickFix fixes missing-section: Insert section `## Next Steps After Completion` from the template
                    + ## Next Steps After Completion
                    + 1. ✅ Verify affected tests pass (~X tests)
                    + 2. ✅ Verify [specific success criteria]
                    + 3. → Proceed to next task: [Next task]
                QuickFix fixes unfilled-placeholder (safe): Fill `[Task-Slug]` with `hardening` from the file name
                    + # [Milestone-Slug]-hardening Plan
                Source: Insert all missing sections from the template
                    + ## Deliverables
                    + Concrete capabilities this task delivers:
                    + - [Deliverable 1]
                    + - [Deliverable 2]
                    + - [Deliverable 3]
                    + - [Deliverable 4]
                SourceFixAll (safe): Fix all safe plan-lsp problems
                    + # core-hardening Plan
            "#]],
        );
    }

    #[test]
    fn timestamp_and_enum() {
        check(
            &OVERVIEW.replacen("[YYYY", "[$0YYYY", 1),
            &expect![[r#"
                QuickFix fixes unfilled-placeholder: Fill in the current time `2026-01-16T13:47:18-0800`
                    + | **Created** | 2026-01-16T13:47:18-0800 |
                Source: Insert all missing sections from the template
                    + ## Deliverables
                    + Concrete capabilities this task delivers:
                    + - [Deliverable 1]
                    + - [Deliverable 2]
                    + - [Deliverable 3]
                    + - [Deliverable 4]
                SourceFixAll (safe): Fix all safe plan-lsp problems
                    + # core-hardening Plan
            "#]],
        );
    }

    const STEPS: &str = "# Core-Hardening Plan

## Implementation Steps

See Step 3 below, then Step 2.

### Step 0: Setup

**Goal**: a

### Step 1: Load

**Goal**: b

### Step 3: Parse Config

**Goal**: c

**Code**:
```python
x = 1
```

**Verification**:
```bash
pytest
```

**Output**: [X]/[X] tests passing

### Step [N]: Final
";

    #[test]
    fn renumber_steps_and_references() {
        check(
            &STEPS.replacen("Step 3:", "Step $03:", 1),
            &expect![[r#"
                QuickFix fixes step-without-tests: Add a Tests block to `Step 3: Parse Config` (class TestParseConfig)
                    + **Tests** (add to `tests/test_core_hardening_parse_config.py`):
                    + """Tests for [what this step does]."""
                    + class TestParseConfig:
                    +     """Tests for [component]."""
                    +     def test_[what_it_tests](self):
                    +         """[Description]."""
                QuickFix fixes step-numbering (safe): Renumber the items of `## Implementation Steps` (and references to them)
                    + See Step 2 below, then Step 2.
                    + ### Step 2: Parse Config
                    + ### Step 3: Final
                Source: Insert all missing sections from the template
                    + ## Overview
                    + | Attribute | Value |
                    + |-----------|-------|
                    + | **Created** | [YYYY-MM-DDTHH:MM:SS-TZ] |
                    + | **Name** | [Name] |
                    + | **Type** | [PoC or Feature or Issue or Refactor] |
                SourceFixAll (safe): Fix all safe plan-lsp problems
                    + See Step 2 below, then Step 2.
                    + ### Step 2: Parse Config
                    + ### Step 3: Final
            "#]],
        );
    }

    #[test]
    fn tests_block_for_a_step_without_tests() {
        check(
            &STEPS.replacen("### Step 3", "$0### Step 3", 1),
            &expect![[r#"
                QuickFix fixes step-without-tests: Add a Tests block to `Step 3: Parse Config` (class TestParseConfig)
                    + **Tests** (add to `tests/test_core_hardening_parse_config.py`):
                    + """Tests for [what this step does]."""
                    + class TestParseConfig:
                    +     """Tests for [component]."""
                    +     def test_[what_it_tests](self):
                    +         """[Description]."""
                RefactorRewrite (safe): Renumber the items of `## Implementation Steps`
                    + See Step 2 below, then Step 2.
                    + ### Step 2: Parse Config
                    + ### Step 3: Final
                Source: Insert all missing sections from the template
                    + ## Overview
                    + | Attribute | Value |
                    + |-----------|-------|
                    + | **Created** | [YYYY-MM-DDTHH:MM:SS-TZ] |
                    + | **Name** | [Name] |
                    + | **Type** | [PoC or Feature or Issue or Refactor] |
                SourceFixAll (safe): Fix all safe plan-lsp problems
                    + See Step 2 below, then Step 2.
                    + ### Step 2: Parse Config
                    + ### Step 3: Final
            "#]],
        );
    }

    #[test]
    fn renumber_refactor_is_not_offered_twice_beside_the_quick_fix() {
        let text = STEPS.to_owned();
        let offset = text.find("Step 3:").unwrap() + 5;
        let name = "core-hardening-plan.md";
        let analysis = analyze(&text, &Schema::builtin(), &DocContext::named(name));
        let ctx = FixContext {
            now: String::new(),
            file_name: Some(name.to_owned()),
        };
        let found = actions(&text, &analysis, TextRange::empty(offset), &ctx);
        let renumbering: Vec<&Action> = found
            .iter()
            .filter(|a| a.title.starts_with("Renumber"))
            .collect();
        assert_eq!(renumbering.len(), 1, "{renumbering:?}");
        // Away from the finding the refactor is still there.
        let away = text.find("### Step 1").unwrap();
        let found = actions(&text, &analysis, TextRange::empty(away), &ctx);
        assert!(found.iter().any(|a| a.kind == ActionKind::RefactorRewrite));
    }

    #[test]
    fn fix_all_on_a_one_word_slug_writes_it_once_in_the_title_and_track_progress() {
        let text = "# [Milestone-Slug]-[Task-Slug] Plan

> **Track Progress**: See `docs/[milestone-slug]-[task-slug]-results.md` for status.

## Overview
";
        let name = "search-plan.md";
        let analysis = analyze(text, &Schema::builtin(), &DocContext::named(name));
        let ctx = FixContext {
            now: String::new(),
            file_name: Some(name.to_owned()),
        };
        let after = apply_edits(text, &fix_all(text, &analysis, &ctx));
        assert!(after.starts_with("# search Plan\n"), "{after}");
        assert!(after.contains("`docs/search-results.md`"), "{after}");
    }
}
