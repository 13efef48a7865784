//! Fixes a user can trust, as properties over generated plans.
//!
//! Base plans: a generated plan that follows the seed template, the seed
//! template itself (every placeholder unfilled), and the corpus plans when
//! `../shared/corpus` is present. Mutations: delete a section, a field line
//! or a Tests block; break the numbering; put a template placeholder back;
//! leave a table row half-typed; mangle a step heading.
//!
//! For every fix offered on a mutated plan:
//! - its own finding (same code and subject) is gone or fewer;
//! - it adds no error;
//! - it touches only its target: text inserted mid-line lands on the
//!   finding's own lines, other insertions are whole lines, and replaced
//!   text lies on the finding's lines (renumbering also rewrites the
//!   references to the items);
//! - the outline keeps every symbol it had (numbers aside).
//!
//! And `fix_all` (source.fixAll, `check --fix`) applied twice changes
//! nothing the second time.
//!
//! Bounded in `cargo test` (24 cases each); `PROPTEST_CASES` raises it.

mod common;

#[path = "../examples/support/plan_gen.rs"]
mod plan_gen;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use plan_lsp::plan::actions::{self, FixContext};
use plan_lsp::plan::template::DEFAULT_TEMPLATE;
use plan_lsp::plan::{
    Analysis, DocContext, Finding, Schema, Severity, TextEdit, TextRange, analyze, apply_edits,
};
use proptest::prelude::*;

const NAME: &str = "m7-ingest-plan.md";

/// The base plans as (file name, text).
fn bases() -> Arc<Vec<(String, String)>> {
    static BASES: OnceLock<Arc<Vec<(String, String)>>> = OnceLock::new();
    Arc::clone(BASES.get_or_init(|| {
        let mut out = vec![
            (NAME.to_owned(), plan_gen::generate(3)),
            ("seed-plan.md".to_owned(), DEFAULT_TEMPLATE.to_owned()),
        ];
        for (name, text) in common::corpus_plans() {
            let short = name.rsplit("__").next().unwrap_or(&name).to_owned();
            out.push((short, text));
        }
        Arc::new(out)
    }))
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

#[derive(Clone, Debug)]
enum Mutation {
    DeleteSection(usize),
    DeleteFieldLine(usize),
    DeleteTestsBlock(usize),
    BreakNumbering(usize),
    PlaceholderBack(usize),
    HalfTypedRow(usize, bool),
    MangleHeading(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteSection),
        any::<usize>().prop_map(Mutation::DeleteFieldLine),
        any::<usize>().prop_map(Mutation::DeleteTestsBlock),
        any::<usize>().prop_map(Mutation::BreakNumbering),
        any::<usize>().prop_map(Mutation::PlaceholderBack),
        (any::<usize>(), any::<bool>()).prop_map(|(i, space)| Mutation::HalfTypedRow(i, space)),
        any::<usize>().prop_map(Mutation::MangleHeading),
    ]
}

/// Byte offsets of the starts of lines for which `pick` holds.
fn line_starts(text: &str, pick: impl Fn(&str) -> bool) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if pick(line) {
            out.push(at);
        }
        at += line.len();
    }
    out
}

fn line_end_after(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

fn mutate(text: &mut String, mutation: &Mutation) {
    let choose =
        |starts: &[usize], i: usize| (!starts.is_empty()).then(|| starts[i % starts.len()]);
    match *mutation {
        Mutation::DeleteSection(i) => {
            let starts = line_starts(text, |l| l.starts_with("## "));
            if let Some(at) = choose(&starts, i) {
                let end = starts
                    .iter()
                    .find(|&&s| s > at)
                    .copied()
                    .unwrap_or(text.len());
                text.replace_range(at..end, "");
            }
        }
        Mutation::DeleteFieldLine(i) => {
            let starts = line_starts(text, |l| l.starts_with("**") && !l.starts_with("**Tests"));
            if let Some(at) = choose(&starts, i) {
                let end = line_end_after(text, at);
                text.replace_range(at..end, "");
            }
        }
        Mutation::DeleteTestsBlock(i) => delete_tests_block(text, i),
        Mutation::BreakNumbering(i) => {
            let starts = line_starts(text, |l| l.starts_with("### Step "));
            if let Some(at) = choose(&starts, i) {
                let digits_at = at + "### Step ".len();
                let digits = text[digits_at..]
                    .bytes()
                    .take_while(u8::is_ascii_digit)
                    .count();
                if let Ok(n) = text[digits_at..digits_at + digits].parse::<u32>() {
                    let new = if i % 2 == 0 {
                        n + 2
                    } else {
                        n.saturating_sub(1)
                    };
                    text.replace_range(digits_at..digits_at + digits, &new.to_string());
                }
            }
        }
        Mutation::PlaceholderBack(i) => {
            const BACK: [(&str, &str); 4] = [
                ("| **Created** |", "[YYYY-MM-DDTHH:MM:SS-TZ]"),
                ("| **Type** |", "[PoC or Feature or Issue or Refactor]"),
                ("| **Name** |", "[Name]"),
                (
                    "| **Proves** |",
                    "[One sentence: what hypothesis this validates]",
                ),
            ];
            let (key, value) = BACK[i % BACK.len()];
            if let Some(at) = text.find(key) {
                let end = line_end_after(text, at);
                let newline = if text[..end].ends_with('\n') {
                    "\n"
                } else {
                    ""
                };
                text.replace_range(at..end, &format!("{key} {value} |{newline}"));
            }
        }
        Mutation::HalfTypedRow(i, space) => {
            let starts = line_starts(text, |l| l.starts_with("| **"));
            if let Some(at) = choose(&starts, i) {
                let end = line_end_after(text, at);
                let line = &text[at..end];
                if let Some(key_end) = line[2..].find('|').map(|j| j + 2) {
                    let newline = if line.ends_with('\n') { "\n" } else { "" };
                    let tail = if space { " " } else { "" };
                    let typed = format!("{}{tail}{newline}", &line[..=key_end]);
                    text.replace_range(at..end, &typed);
                }
            }
        }
        Mutation::MangleHeading(i) => mangle_heading(text, i),
    }
}

fn delete_tests_block(text: &mut String, i: usize) {
    let starts = line_starts(text, |l| l.starts_with("**Tests**"));
    if starts.is_empty() {
        return;
    }
    let at = starts[i % starts.len()];
    // The label line, and the fenced block right after it.
    let mut end = line_end_after(text, at);
    if text[end..].starts_with("```") {
        end = line_end_after(text, end);
        while end < text.len() && !text[end..].starts_with("```") {
            end = line_end_after(text, end);
        }
        end = line_end_after(text, end);
    }
    text.replace_range(at..end, "");
}

fn mangle_heading(text: &mut String, i: usize) {
    let starts = line_starts(text, |l| l.starts_with("### Step "));
    if starts.is_empty() {
        return;
    }
    let at = starts[i % starts.len()];
    let end = line_end_after(text, at);
    let mangled = if i % 2 == 0 {
        "### Step 1: [Nam[X]/[X] tests passing\n"
    } else {
        "### Step [N]: ...\n"
    };
    if i % 3 == 0 {
        text.insert_str(at, &format!("{mangled}\n"));
    } else {
        text.replace_range(at..end, mangled);
    }
}

fn analysis_of(text: &str, name: &str) -> Analysis {
    analyze(text, &Schema::builtin(), &DocContext::named(name))
}

fn fix_context(name: &str) -> FixContext {
    FixContext {
        now: "2026-01-16T13:47:18-08:00".to_owned(),
        file_name: Some(name.to_owned()),
    }
}

/// How many findings there are of each subject.
fn subjects(analysis: &Analysis, severity: Option<Severity>) -> HashMap<Finding, usize> {
    let mut out = HashMap::new();
    for d in &analysis.diagnostics {
        if severity.is_none_or(|s| d.severity == s) {
            *out.entry(d.finding.subject()).or_insert(0) += 1;
        }
    }
    out
}

/// The outline's symbols as (name with numbers removed, heading range).
fn outline_symbols(analysis: &Analysis) -> Vec<(String, TextRange)> {
    fn walk(symbols: &[plan_lsp::plan::Symbol], out: &mut Vec<(String, TextRange)>) {
        for symbol in symbols {
            let name: String = symbol
                .name
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .collect();
            out.push((name, symbol.selection));
            walk(&symbol.children, out);
        }
    }
    let mut out = Vec::new();
    walk(analysis.outline(), &mut out);
    out
}

/// The symbols of `before` whose heading no edit touches, missing from
/// `after` (names compared as a multiset).
fn lost_symbols(before: &Analysis, after: &Analysis, edits: &[TextEdit]) -> Vec<String> {
    let mut now: HashMap<String, usize> = HashMap::new();
    for (name, _) in outline_symbols(after) {
        *now.entry(name).or_insert(0) += 1;
    }
    let mut lost = Vec::new();
    for (name, heading) in outline_symbols(before) {
        let touched = edits
            .iter()
            .any(|e| e.range.start <= heading.end && heading.start <= e.range.end);
        if touched {
            continue;
        }
        match now.get_mut(&name) {
            Some(n) if *n > 0 => *n -= 1,
            _ => lost.push(name),
        }
    }
    lost
}

fn line_span(text: &str, start: usize, end: usize) -> (usize, usize) {
    let first = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let last = text[end..].find('\n').map_or(text.len(), |i| end + i);
    (first, last)
}

/// Whether `edit` touches only what a fix for a finding at `target` may
/// touch (see the module documentation).
fn local(text: &str, edit: &TextEdit, target: (usize, usize), renumbering: bool) -> bool {
    let (start, end) = (edit.range.start as usize, edit.range.end as usize);
    let on_target = target.0 <= start && end <= target.1;
    if on_target || renumbering {
        return true;
    }
    if start != end {
        return false;
    }
    let at_line_start = start == 0 || text.as_bytes()[start - 1] == b'\n';
    let at_line_end = start == text.len() || matches!(text.as_bytes()[start], b'\n' | b'\r');
    (at_line_start && (edit.new_text.ends_with('\n') || start == text.len()))
        || (at_line_end && edit.new_text.starts_with('\n'))
}

/// Checks every fix offered on `text`; returns the first violation.
fn check_fixes(name: &str, text: &str) -> Result<(), String> {
    let before = analysis_of(text, name);
    let ctx = fix_context(name);
    let all = subjects(&before, None);
    let errors = subjects(&before, Some(Severity::Error));
    // Spread the checks over the findings, at most 40 fixes per plan.
    let count = before.diagnostics.len();
    let stride = count.div_ceil(40).max(1);
    for index in (0..count).step_by(stride) {
        let d = &before.diagnostics[index];
        let target = line_span(text, d.range.start as usize, d.range.end as usize);
        let renumbering = matches!(d.finding, Finding::StepNumbering { .. });
        for fix in actions::fixes(text, &before, index, &ctx) {
            let what = || format!("fix `{}` for `{}` ({})", fix.title, d.message, d.code);
            if let Some(edit) = fix
                .edits
                .iter()
                .find(|e| !local(text, e, target, renumbering))
            {
                return Err(format!("{} edits outside its target: {edit:?}", what()));
            }
            let after_text = apply_edits(text, &fix.edits);
            let after = analysis_of(&after_text, name);
            let subject = d.finding.subject();
            let left = subjects(&after, None).get(&subject).copied().unwrap_or(0);
            if left >= all[&subject] {
                return Err(format!("{} leaves its finding\n---\n{after_text}", what()));
            }
            for (error, n) in subjects(&after, Some(Severity::Error)) {
                if n > errors.get(&error).copied().unwrap_or(0) {
                    return Err(format!("{} adds the error {error:?}", what()));
                }
            }
            let lost = lost_symbols(&before, &after, &fix.edits);
            if !lost.is_empty() {
                return Err(format!("{} loses the outline symbols {lost:?}", what()));
            }
        }
    }
    Ok(())
}

fn fix_all_once(name: &str, text: &str) -> String {
    let analysis = analysis_of(text, name);
    apply_edits(text, &actions::fix_all(text, &analysis, &fix_context(name)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn every_fix_removes_its_finding_and_touches_only_its_target(
        base in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let bases = bases();
        let (name, text) = &bases[base % bases.len()];
        let mut text = text.clone();
        for m in &mutations {
            mutate(&mut text, m);
        }
        if let Err(problem) = check_fixes(name, &text) {
            prop_assert!(false, "{} after {:?}: {}", name, mutations, problem);
        }
    }

    #[test]
    fn fix_all_twice_changes_nothing_the_second_time(
        base in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 0..4),
    ) {
        let bases = bases();
        let (name, text) = &bases[base % bases.len()];
        let mut text = text.clone();
        for m in &mutations {
            mutate(&mut text, m);
        }
        let once = fix_all_once(name, &text);
        let twice = fix_all_once(name, &once);
        if let Some((a, b)) = once.lines().zip(twice.lines()).find(|(a, b)| a != b) {
            prop_assert!(false, "{} after {:?}: the second fix_all changed `{}` to `{}`", name, mutations, a, b);
        }
        prop_assert_eq!(twice.len(), once.len());
    }
}

/// The defects this test was written for, as fixed cases.
#[test]
fn a_mangled_step_heading_is_not_renumbered_again_by_a_second_fix_all() {
    let mut text = DEFAULT_TEMPLATE.to_owned();
    mutate(&mut text, &Mutation::MangleHeading(0));
    mutate(&mut text, &Mutation::MangleHeading(1));
    let once = fix_all_once("seed-plan.md", &text);
    assert_eq!(fix_all_once("seed-plan.md", &once), once);
}

#[test]
fn every_fix_on_the_unmutated_bases_passes() {
    for (name, text) in bases().iter() {
        if let Err(problem) = check_fixes(name, text) {
            panic!("{name}: {problem}");
        }
    }
}
