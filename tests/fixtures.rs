//! Fixture plans in, rendered diagnostics and outline out, compared with
//! the stored `*.expected.txt` next to each fixture.
//! Update the stored text with `UPDATE_EXPECT=1 cargo test --test fixtures`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use plan_lsp::convert::{self, Encoding};
use plan_lsp::plan::{self, DocContext, Schema, Symbol};
use ropey::Rope;

const FIXTURES: [&str; 6] = [
    "valid-plan.md",
    "broken-plan.md",
    "crlf-plan.md",
    "emoji-plan.md",
    "cjk-plan.md",
    "empty-plan.md",
];

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn at(rope: &Rope, offset: u32) -> String {
    let (line, column) = convert::position(rope, offset, Encoding::Utf32);
    format!("{}:{}", line + 1, column + 1)
}

fn render_symbols(out: &mut String, rope: &Rope, symbols: &[Symbol], depth: usize) {
    for symbol in symbols {
        let detail = symbol
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}{:?} {}{detail} {}-{}",
            "  ".repeat(depth),
            symbol.kind,
            symbol.name,
            at(rope, symbol.range.start),
            at(rope, symbol.range.end)
        );
        render_symbols(out, rope, &symbol.children, depth + 1);
    }
}

/// Diagnostics, then the outline, as text.
fn render(name: &str, text: &str) -> String {
    let analysis = plan::analyze(text, &Schema::builtin(), &DocContext::named(name));
    let rope = Rope::from_str(text);
    let mut out = format!("is_plan: {}\n\ndiagnostics:\n", analysis.is_plan);
    for d in &analysis.diagnostics {
        let _ = writeln!(
            out,
            "{}-{} {}[{}] {}",
            at(&rope, d.range.start),
            at(&rope, d.range.end),
            d.severity.as_str(),
            d.code,
            d.message
        );
    }
    out.push_str("\noutline:\n");
    render_symbols(&mut out, &rope, analysis.outline(), 0);
    out
}

#[test]
fn fixtures_render_as_stored() {
    for name in FIXTURES {
        let text = fixture(name);
        let expected = format!("fixtures/{}", name.replace(".md", ".expected.txt"));
        expect_test::expect_file![expected].assert_eq(&render(name, &text));
    }
}

#[test]
fn crlf_and_lf_give_the_same_findings() {
    let lf = render("valid-plan.md", &fixture("valid-plan.md"));
    let crlf = render("crlf-plan.md", &fixture("crlf-plan.md"));
    assert_eq!(lf, crlf);
}

#[test]
fn analysis_of_every_prefix_never_panics() {
    let schema = Schema::builtin();
    for name in FIXTURES {
        let text = fixture(name);
        for (end, _) in text.char_indices() {
            let analysis = plan::analyze(&text[..end], &schema, &DocContext::named(name));
            for d in &analysis.diagnostics {
                assert!(d.range.start <= d.range.end && d.range.end as usize <= end);
                assert!(
                    text.is_char_boundary(d.range.start as usize)
                        && text.is_char_boundary(d.range.end as usize)
                );
            }
            let _ = analysis.outline();
            let _ = analysis.folds();
        }
    }
}

#[test]
fn corpus_plans_have_no_errors_and_results_documents_are_not_plans() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let Ok(plans) = std::fs::read_dir(corpus.join("plans")) else {
        let required = std::env::var("PLAN_LSP_REQUIRE_CORPUS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "PLAN_LSP_REQUIRE_CORPUS=1 but {} is absent",
            corpus.display()
        );
        // Past the harness's capture, so the notice shows without --nocapture.
        let _ = writeln!(
            std::io::stderr().lock(),
            "skipped: {} is absent",
            corpus.display()
        );
        return;
    };
    let schema = Schema::builtin();
    let mut count = 0;
    for entry in plans.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        // The corpus names files `owner__repo__docs__<name>`.
        let short = name.rsplit("__").next().unwrap();
        let analysis = plan::analyze(&text, &schema, &DocContext::named(short));
        assert!(analysis.is_plan, "{name} is a plan");
        let errors: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.severity == plan::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        // No placeholder findings: the corpus plans are filled in.
        assert!(
            analysis
                .diagnostics
                .iter()
                .all(|d| d.code != plan::Code::UnfilledPlaceholder),
            "{name}: {:?}",
            analysis.diagnostics
        );
        count += 1;
    }
    assert_eq!(count, 7);
    for entry in std::fs::read_dir(corpus.join("results")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let short = name.rsplit("__").next().unwrap();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let analysis = plan::analyze(&text, &schema, &DocContext::named(short));
        assert!(
            !analysis.is_plan && analysis.diagnostics.is_empty(),
            "{name}"
        );
    }
}
