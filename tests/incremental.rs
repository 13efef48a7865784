//! Incremental reanalysis equals a full reanalysis of the same text: same
//! tree, diagnostics, outline and folds, for random edit sequences on the
//! fixture plans and on generated plans, through `Document` as the server
//! applies them. `PROPTEST_CASES` raises the number of cases (default 64).

use std::sync::Arc;

use plan_lsp::document::Document;
use plan_lsp::plan::{self, DocContext, Schema, incremental};
use proptest::prelude::*;

#[path = "../examples/support/plan_gen.rs"]
mod plan_gen;

/// Texts that change structure: fences, headings, CRLF, emoji, CJK,
/// placeholders, HTML, tables, quotes, link definitions.
const INSERTS: &[&str] = &[
    "x",
    " ",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "```",
    "```python\n",
    "\n```\n",
    "~~~\n",
    "## ",
    "## Deliverables\n",
    "\n## Risks & Mitigations\n",
    "### ",
    "### Step 7: Extra\n",
    "\n### Step 2: Again\n\n**Goal**: more\n",
    "#",
    "😀",
    "漢字かな",
    "[Name]",
    "[actual code to write]",
    "`[X]`",
    "**Tests**:",
    "**Code**:\n```python\nx = 1\n```\n",
    "- [ ] task\n",
    "- [x] ",
    "| a | b |\n|---|---|\n| c | d |\n",
    "<!-- plan-lsp: optional -->",
    "<!--",
    "-->",
    "<div>\n",
    "> ",
    "    ",
    "---\n",
    "===\n",
    "~~",
    "[x]: /url\n",
    "[x]",
];

fn fixtures() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/fixtures exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| std::fs::read_to_string(p).expect("readable fixture"))
        .collect();
    texts.sort();
    texts.push(plan_gen::generate(3));
    texts.push(plan_gen::generate(12).replace('\n', "\r\n"));
    texts
}

/// One edit: where (a character index), how many
/// characters to delete, and what to insert.
#[derive(Clone, Debug)]
struct EditSpec {
    at: prop::sample::Index,
    delete: usize,
    insert: usize,
}

fn edit_spec() -> impl Strategy<Value = EditSpec> {
    (
        any::<prop::sample::Index>(),
        prop_oneof![3 => Just(0usize), 2 => 0usize..4, 1 => 0usize..200],
        0..INSERTS.len(),
    )
        .prop_map(|(at, delete, insert)| EditSpec { at, delete, insert })
}

/// The byte range of `spec` in `text`, on character boundaries.
fn byte_range(text: &str, spec: &EditSpec) -> std::ops::Range<usize> {
    let chars: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let last = chars.len() - 1;
    let start = spec.at.index(chars.len());
    let end = (start + spec.delete).min(last);
    chars[start]..chars[end]
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn incremental_equals_full(
        fixture in any::<prop::sample::Index>(),
        batches in prop::collection::vec(prop::collection::vec(edit_spec(), 1..3), 1..12),
    ) {
        let texts = fixtures();
        let text = fixture.get(&texts);
        let schema = Schema::builtin();
        let ctx = DocContext::named("prop-plan.md");
        let mut doc = Document::new(text, 0, ctx.clone());
        let first = doc.snapshot().analysis(&schema);
        doc.store_analysis(0, &Arc::clone(doc.text()), &first);
        let mut expected = text.clone();
        for (version, batch) in (1..).zip(&batches) {
            for spec in batch {
                let range = byte_range(&expected, spec);
                let insert = INSERTS[spec.insert];
                expected.replace_range(range.clone(), insert);
                doc.edit(range, insert);
            }
            doc.commit(version);
            prop_assert_eq!(&**doc.text(), expected.as_str());
            let snapshot = doc.snapshot();
            let incremental = snapshot.analysis(&schema);
            doc.store_analysis(version, &snapshot.text, &incremental);
            let full = plan::analyze(&expected, &schema, &ctx);
            prop_assert_eq!(&incremental.tree, &full.tree);
            prop_assert_eq!(&incremental.diagnostics, &full.diagnostics);
            prop_assert_eq!(incremental.outline(), full.outline());
            prop_assert_eq!(incremental.folds(), full.folds());
            prop_assert_eq!(incremental.is_plan, full.is_plan);
        }
    }
}

/// A keystroke inside a step reparses that step only and still matches.
#[test]
fn typing_in_a_generated_plan_matches_full_analysis() {
    let schema = Schema::builtin();
    let ctx = DocContext::named("typing-plan.md");
    let text = plan_gen::generate(30);
    let at = text.find("**Goal**: Add component 15").unwrap() + "**Goal**: ".len();
    let mut doc = Document::new(&text, 0, ctx.clone());
    let first = doc.snapshot().analysis(&schema);
    doc.store_analysis(0, &Arc::clone(doc.text()), &first);
    for (i, typed) in "[Name] ```x".char_indices() {
        let mut buf = [0; 4];
        let typed = typed.encode_utf8(&mut buf);
        let before = doc.snapshot().analysis(&schema);
        let mut after = doc.text().to_string();
        after.insert_str(at + i, typed);
        let edit = incremental::Edit::replace(at + i..at + i, typed.len());
        let region = incremental::reparsed_region(&before, &after, edit)
            .expect("a keystroke in a step is reparsed incrementally");
        assert!(region.start as usize <= at && at < region.end as usize);
        assert!(region.len() < 4_000, "only the step is reparsed: {region}");
        doc.edit(at + i..at + i, typed);
        doc.commit(i32::try_from(i).unwrap() + 1);
        let snapshot = doc.snapshot();
        let analysis = snapshot.analysis(&schema);
        doc.store_analysis(snapshot.version, &snapshot.text, &analysis);
        let full = plan::analyze(&snapshot.text, &schema, &ctx);
        assert_eq!(analysis.tree, full.tree);
        assert_eq!(analysis.diagnostics, full.diagnostics);
    }
    let last = doc.snapshot().analysis(&schema);
    assert!(
        last.diagnostics
            .iter()
            .any(|d| d.code == plan::Code::UnfilledPlaceholder),
        "the typed [Name] is reported"
    );
}
