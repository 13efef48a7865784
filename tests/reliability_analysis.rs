//! Analysis robustness: arbitrary and hostile text never panics, yields
//! well-formed ranges, and is analysed in time proportional to its size.
//!
//! Longer runs: `PROPTEST_CASES=5000 cargo test --test reliability_analysis`.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use plan_lsp::plan::{self, DocContext, Schema, Symbol};
use proptest::prelude::*;

/// Generous time allowed per MB of input (debug builds are ~10x slower
/// than release); catches quadratic blowups without being flaky.
const PER_MB: Duration = Duration::from_secs(2);
const FLOOR: Duration = Duration::from_millis(1500);

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(128)
}

fn assert_symbol(text: &str, symbol: &Symbol) {
    assert!(!symbol.name.is_empty(), "empty symbol name");
    assert!(symbol.range.start <= symbol.range.end);
    assert!(symbol.range.end as usize <= text.len());
    assert!(
        symbol.range.start <= symbol.selection.start && symbol.selection.end <= symbol.range.end,
        "selection {} outside range {}",
        symbol.selection,
        symbol.range
    );
    for child in &symbol.children {
        assert_symbol(text, child);
    }
}

/// Analyses `text` under a plan file name (so every check runs) and checks
/// that everything produced is well formed. Returns the time taken.
fn analyze_checked(text: &str) -> Duration {
    let schema = Schema::builtin();
    let started = Instant::now();
    let analysis = plan::analyze(text, &schema, &DocContext::named("fuzz-plan.md"));
    let outline = analysis.outline().to_vec();
    let folds = analysis.folds();
    let elapsed = started.elapsed();
    for d in &analysis.diagnostics {
        assert!(d.range.start <= d.range.end, "inverted {}", d.range);
        assert!(
            d.range.end as usize <= text.len(),
            "{} past the end",
            d.range
        );
        assert!(text.is_char_boundary(d.range.start as usize));
        assert!(text.is_char_boundary(d.range.end as usize));
        assert!(!d.message.is_empty());
    }
    for symbol in &outline {
        assert_symbol(text, symbol);
    }
    for fold in &folds {
        assert!(fold.range.start <= fold.range.end && fold.range.end as usize <= text.len());
    }
    // Small texts are analysed without a plan name too (the sniffing path).
    if text.len() < 100_000 {
        let _ = plan::analyze(text, &schema, &DocContext::default());
    }
    elapsed
}

fn assert_fast(label: &str, text: &str) {
    let elapsed = analyze_checked(text);
    #[allow(clippy::cast_precision_loss, reason = "sizes are far below 2^52")]
    let mb = text.len() as f64 / 1_000_000.0;
    let bound = FLOOR + PER_MB.mul_f64(mb);
    eprintln!("{label}: {mb:.1} MB analysed in {elapsed:?}");
    assert!(
        elapsed < bound,
        "{label}: {mb:.1} MB took {elapsed:?}, over {bound:?}"
    );
}

/// A plan-shaped block with every construct the parser knows.
fn plan_block(n: usize) -> String {
    format!(
        "### Step {n}: Build part {n}\n\n**Goal**: [Goal]\n\n**Code** (create `x{n}.py`):\n```python\ndef f(x: list[DAG]) -> None:\n    pass\n```\n\n**Tests**:\n- [ ] test {n} 😀 計画 e\u{301}\n\n| File | Action | Purpose |\n|------|--------|---------|\n| a{n}.rs | Create | [Why] |\n\n> quote {n}\n\n"
    )
}

fn big_plan(bytes: usize) -> String {
    let mut text = String::from(
        "# Big Plan\n\n## Overview\n\n| Attribute | Value |\n|---|---|\n| **Created** | [YYYY-MM-DDTHH:MM:SS-TZ] |\n\n## Implementation Steps\n\n",
    );
    let mut n = 0;
    while text.len() < bytes {
        text.push_str(&plan_block(n));
        n += 1;
    }
    text
}

#[test]
fn deeply_nested_lists_and_quotes() {
    let depth = 10_000;
    assert_fast(
        "nested lists, one line",
        &format!("{}x\n", "- ".repeat(depth)),
    );
    assert_fast(
        "nested quotes, one line",
        &format!("{}x\n", "> ".repeat(depth)),
    );
    assert_fast(
        "nested quote+list",
        &format!("{}x\n", "> - ".repeat(depth / 2)),
    );
    assert_fast(
        "nested ordered lists",
        &format!("{}x\n", "1. ".repeat(depth)),
    );
    // One level per line: each line opens a deeper quote.
    let mut lines = String::new();
    for level in 1..=depth {
        lines.push_str(&">".repeat(level.min(200)));
        lines.push_str(" q\n");
    }
    assert_fast("quote per line", &lines);
    let mut nested = String::from("# T\n\n## Implementation Steps\n\n");
    for level in 0..2_000 {
        nested.push_str(&"  ".repeat(level));
        nested.push_str("- item [Name]\n");
    }
    assert_fast("indented list, 2,000 levels", &nested);
}

#[test]
fn huge_inputs_stay_linear() {
    assert_fast("20 MB plan", &big_plan(20_000_000));
    let line: String = "word [Name] `code` **bold** _em_ [link](../x) "
        .repeat(5_000_000 / 46)
        .chars()
        .collect();
    assert_fast("single 5 MB line", &line);
}

#[test]
fn degenerate_alphabets() {
    let size = 512 * 1024;
    assert_fast("only backticks", &"`".repeat(size));
    assert_fast("backtick fences", &"```\n".repeat(size / 4));
    assert_fast("only #", &"#".repeat(size));
    assert_fast("heading lines", &"# \n".repeat(size / 3));
    assert_fast("step headings", &"### Step 1: [X]\n".repeat(size / 16));
    assert_fast("NUL bytes", &"\0".repeat(size));
    assert_fast("NUL lines", &"\0\n# \0\n".repeat(size / 6));
    assert_fast("only [", &"[".repeat(size));
    assert_fast("only ]", &"]".repeat(size));
    assert_fast("brackets", &"[[]]".repeat(size / 4));
    assert_fast("only |", &"|\n".repeat(size / 2));
    assert_fast("table rows", &"| **a** | [b] |\n".repeat(size / 16));
    assert_fast("CR only", &"\r".repeat(size));
    assert_fast("emphasis", &"*_".repeat(size / 2));
    assert_fast("html comments", &"<!--".repeat(size / 4));
    assert_fast("surrogate-pair chars", &"😀".repeat(size / 4));
}

fn mutation() -> impl Strategy<Value = (prop::sample::Index, prop::sample::Index, String)> {
    let piece = prop_oneof![
        Just(String::new()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just("```".to_owned()),
        Just("\n```\n".to_owned()),
        Just("## ".to_owned()),
        Just("### Step 9: ".to_owned()),
        Just("**Goal**:".to_owned()),
        Just("[Name]".to_owned()),
        Just("|".to_owned()),
        Just("> ".to_owned()),
        Just("- [ ] ".to_owned()),
        Just("😀".to_owned()),
        Just("\0".to_owned()),
        Just("e\u{301}".to_owned()),
        ".{0,8}",
    ];
    (
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        piece,
    )
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let text = String::from_utf8_lossy(&bytes);
        analyze_checked(&text);
    }

    #[test]
    fn random_markdownish_text_never_panics(
        pieces in prop::collection::vec(mutation(), 0..64)
    ) {
        let text: String = pieces.into_iter().map(|(_, _, p)| p).collect();
        analyze_checked(&text);
    }

    #[test]
    fn mutated_corpus_plans_never_panic(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..16),
    ) {
        let plans = corpus();
        let base = if plans.is_empty() { big_plan(8_000) } else { plans[which.index(plans.len())].clone() };
        let mut text = base;
        for (a, b, piece) in mutations {
            let mut x = floor_boundary(&text, a.index(text.len() + 1));
            let mut y = floor_boundary(&text, b.index(text.len() + 1));
            if x > y {
                std::mem::swap(&mut x, &mut y);
            }
            // Keep edits local: delete at most 200 bytes.
            let y = floor_boundary(&text, y.min(x + 200));
            text.replace_range(x..y, &piece);
        }
        analyze_checked(&text);
    }
}

fn corpus() -> Arc<Vec<String>> {
    static PLANS: std::sync::OnceLock<Arc<Vec<String>>> = std::sync::OnceLock::new();
    Arc::clone(PLANS.get_or_init(|| {
        Arc::new(
            common::corpus_plans()
                .into_iter()
                .map(|(_, text)| text)
                .collect(),
        )
    }))
}

/// Prefixes of every corpus plan (64 per plan; `RELIABILITY_PREFIXES=all`
/// for every line) analyse.
#[test]
fn corpus_prefixes_never_panic() {
    let plans = corpus();
    for text in plans.iter() {
        let step = match std::env::var("RELIABILITY_PREFIXES").as_deref() {
            Ok("all") => 1,
            _ => (text.len() / 64).max(1),
        };
        let mut at = 0;
        while at < text.len() {
            let end = floor_boundary(text, at);
            if step > 1 || text.as_bytes()[end] == b'\n' {
                analyze_checked(&text[..end]);
            }
            at += step;
        }
        assert_fast("corpus plan", text);
    }
}
