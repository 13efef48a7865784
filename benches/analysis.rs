//! Micro-benchmarks of the core on generated plans of 10, 100 and 1,000
//! steps (about 700, 6,000 and 60,000 lines): parse, full analysis, and one
//! keystroke (a one-character edit through `Document` plus reanalysis).
//!
//! `cargo bench --bench analysis`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use plan_lsp::document::Document;
use plan_lsp::plan::{self, DocContext, Schema};

#[path = "../examples/support/plan_gen.rs"]
mod plan_gen;

const SIZES: [usize; 3] = [10, 100, 1_000];

fn context() -> DocContext {
    DocContext::named("bench-plan.md")
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for steps in SIZES {
        let text = plan_gen::generate(steps);
        group.bench_with_input(BenchmarkId::from_parameter(steps), &text, |b, text| {
            b.iter(|| plan::parse::parse(black_box(text)));
        });
    }
    group.finish();
}

fn analyze(c: &mut Criterion) {
    let schema = Schema::builtin();
    let ctx = context();
    let mut group = c.benchmark_group("analyze");
    for steps in SIZES {
        let text = plan_gen::generate(steps);
        group.bench_with_input(BenchmarkId::from_parameter(steps), &text, |b, text| {
            b.iter(|| plan::analyze(black_box(text), &schema, &ctx));
        });
    }
    group.finish();
}

/// The byte offset just after `**Goal**: ` of the middle step.
fn middle_goal(text: &str, steps: usize) -> usize {
    let heading = format!("### Step {}: ", steps / 2);
    let at = text.find(&heading).expect("the middle step exists");
    let goal = text[at..].find("**Goal**: ").expect("the step has a goal");
    at + goal + "**Goal**: ".len()
}

/// One keystroke: insert a character in the middle step's goal (or delete
/// the one inserted before), commit, reanalyse and store the analysis, as
/// the server does for every `didChange`.
fn keystroke(c: &mut Criterion) {
    let schema = Schema::builtin();
    let mut group = c.benchmark_group("keystroke");
    for steps in SIZES {
        let text = plan_gen::generate(steps);
        let at = middle_goal(&text, steps);
        let mut doc = Document::new(&text, 0, context());
        let first = doc.snapshot().analysis(&schema);
        doc.store_analysis(0, &Arc::clone(doc.text()), &first);
        let mut version = 0;
        group.bench_function(BenchmarkId::from_parameter(steps), |b| {
            b.iter(|| {
                if version % 2 == 0 {
                    doc.edit(at..at, "x");
                } else {
                    doc.edit(at..at + 1, "");
                }
                version += 1;
                doc.commit(version);
                let snapshot = doc.snapshot();
                let analysis = snapshot.analysis(&schema);
                doc.store_analysis(version, &snapshot.text, &analysis);
                black_box(analysis.diagnostics.len())
            });
        });
    }
    group.finish();
}

criterion_group!(benches, parse, analyze, keystroke);
criterion_main!(benches);
