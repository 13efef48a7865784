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

// ---------------------------------------------------------------------------
// End to end, over the real server.

use common::TestClient;
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/actions")
        .join(name);
    std::fs::read_to_string(path).expect("fixture")
}

fn editor_capabilities() -> Value {
    json!({
        "general": { "positionEncodings": ["utf-16"] },
        "textDocument": {
            "publishDiagnostics": { "versionSupport": true },
            "completion": { "completionItem": { "snippetSupport": true } },
            "codeAction": { "codeActionLiteralSupport": { "codeActionKind": { "valueSet": [
                "quickfix", "refactor.rewrite", "source", "source.fixAll"
            ] } } }
        }
    })
}

/// The LSP position (UTF-16 columns) of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[start..].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": character })
}

/// The byte offset of an LSP position in `text`.
fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= character || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// Applies the LSP text edits of a workspace edit for `uri` to `text`.
fn apply_lsp(text: &str, edit: &Value, uri: &str) -> String {
    let edits: Vec<TextEdit> = edit["changes"][uri]
        .as_array()
        .expect("edits for the document")
        .iter()
        .map(|e| TextEdit {
            range: plan::TextRange::new(
                offset(text, &e["range"]["start"]),
                offset(text, &e["range"]["end"]),
            ),
            new_text: e["newText"].as_str().unwrap().to_owned(),
        })
        .collect();
    apply_edits(text, &edits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_a_step_heading_offers_the_next_step_and_a_tests_block() {
    let uri = "file:///work/docs/parse-config-plan.md";
    let text = fixture("parse-config-plan.md");
    let (mut client, init) = TestClient::start(editor_capabilities()).await;
    let triggers = &init["capabilities"]["completionProvider"]["triggerCharacters"];
    assert_eq!(triggers, &json!(["#", " ", "|"]));
    client.open(uri, 1, &text).await;
    client.diagnostics(uri, 1).await;

    // Type `### ` on a new line under the last step (Step 2).
    let at = text.find("\n## Risks").unwrap();
    let typed = "\n### ";
    client
        .change(uri, 2, json!([{ "range": { "start": position(&text, at), "end": position(&text, at) }, "text": typed }]))
        .await;
    let text2 = format!("{}{typed}{}", &text[..at], &text[at..]);
    let cursor = position(&text2, at + typed.len());
    let response = client
        .request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": cursor, "context": { "triggerKind": 2, "triggerCharacter": " " } }),
        )
        .await;
    let items = response["result"].as_array().expect("completion items");
    let step = items
        .iter()
        .find(|i| i["label"].as_str().unwrap().starts_with("Step 3"))
        .unwrap_or_else(|| panic!("no Step 3 in {items:?}"));
    assert_eq!(step["insertTextFormat"], 2, "a snippet");
    let new_text = step["textEdit"]["newText"].as_str().unwrap();
    assert!(new_text.starts_with("### Step 3: ${1:Name}"), "{new_text}");
    for part in [
        "**Goal**",
        "- [ ]",
        "**Code**",
        "**Tests**",
        "**Verification**",
        "**Output**",
    ] {
        assert!(new_text.contains(part), "{part} missing from {new_text}");
    }
    let applied = apply_lsp(
        &text2,
        &json!({ "changes": { uri: [step["textEdit"].clone()] } }),
        uri,
    );
    assert!(
        applied.contains("\n### Step 3: ${1:Name}\n"),
        "the typed `### ` is replaced, not doubled"
    );

    // An empty line inside Step 2, which has no Tests block.
    let inside = text
        .find("**Verification**:\n```bash\nuv run pytest tests/ -v")
        .unwrap();
    let empty_line = inside - 1;
    let response = client
        .request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": position(&text2, empty_line) }),
        )
        .await;
    let items = response["result"].as_array().expect("completion items");
    let tests = items
        .iter()
        .find(|i| i["label"] == "Tests block")
        .unwrap_or_else(|| panic!("no Tests block in {items:?}"));
    let new_text = tests["textEdit"]["newText"].as_str().unwrap();
    assert!(new_text.contains("class TestParseConfig:"), "{new_text}");
    assert!(
        new_text.contains("# Arrange")
            && new_text.contains("# Act")
            && new_text.contains("# Assert")
    );
    assert!(
        new_text.contains("tests/test_parse_config_parse_config.py"),
        "{new_text}"
    );
    // Step 2 has its `**Verification**` already: the block adds no second
    // one (it used to).
    assert!(!new_text.contains("**Verification**"), "{new_text}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_template_placeholders_on_created_type_and_title_have_passing_fixes() {
    let uri = "file:///work/docs/core-hardening-plan.md";
    let text = plan::template::DEFAULT_TEMPLATE;
    let (mut client, init) = TestClient::start(editor_capabilities()).await;
    let kinds = &init["capabilities"]["codeActionProvider"]["codeActionKinds"];
    assert_eq!(
        kinds,
        &json!([
            "quickfix",
            "refactor.rewrite",
            "source",
            "source.fixAll.plan-lsp"
        ])
    );
    client.open(uri, 1, text).await;
    let diagnostics = client.diagnostics(uri, 1).await;
    let lines: Vec<&str> = text.lines().collect();
    let targets: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "unfilled-placeholder")
        .filter(|d| {
            let line = lines[d["range"]["start"]["line"].as_u64().unwrap() as usize];
            d["range"]["start"]["line"] == 0
                || line.contains("**Created**")
                || line.contains("**Type**")
        })
        .collect();
    assert_eq!(
        targets.len(),
        4,
        "title slugs, Created and Type: {targets:?}"
    );
    let schema = Schema::builtin();
    let doc = DocContext::named("core-hardening-plan.md");
    for d in targets {
        let line = d["range"]["start"]["line"].as_u64().unwrap() as usize;
        let response = client
            .request(
                "textDocument/codeAction",
                json!({ "textDocument": { "uri": uri }, "range": d["range"], "context": { "diagnostics": [d], "only": ["quickfix"] } }),
            )
            .await;
        let fixes: Vec<&Value> = response["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| {
                a["diagnostics"]
                    .as_array()
                    .is_some_and(|ds| ds.iter().any(|x| x["range"] == d["range"]))
            })
            .collect();
        assert!(!fixes.is_empty(), "no fix for {d}");
        for fix in fixes {
            assert_eq!(fix["kind"], "quickfix");
            let after = apply_lsp(text, &fix["edit"], uri);
            let on_line = |text: &str| {
                let analysis = plan::analyze(text, &schema, &doc);
                let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
                let end = start + text[start..].find('\n').unwrap_or(text.len() - start);
                analysis
                    .diagnostics
                    .into_iter()
                    .filter(|x| (x.range.start as usize) >= start && (x.range.end as usize) <= end)
                    .collect::<Vec<_>>()
            };
            let before = on_line(text);
            let now = on_line(&after);
            assert!(now.len() < before.len(), "`{}` fixes nothing", fix["title"]);
            assert!(
                now.iter()
                    .all(|x| x.code == Code::UnfilledPlaceholder && line == 0),
                "`{}` leaves {now:?}",
                fix["title"]
            );
        }
    }
    client.shutdown().await;
}

/// A corpus plan with `names` sections cut out.
fn without_sections(text: &str, names: &[&str]) -> String {
    let mut out = text.to_owned();
    for name in names {
        let heading = format!("\n## {name}\n");
        let start = out.find(&heading).unwrap_or_else(|| panic!("no {name}")) + 1;
        let end = out[start + 3..]
            .find("\n## ")
            .map_or(out.len(), |i| start + 3 + i + 1);
        out.replace_range(start..end, "");
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insert_all_missing_sections_restores_two_deleted_sections_in_order() {
    let Some(original) =
        common::corpus_file("plans/docchang__db-adapter__docs__core-hardening-plan.md")
    else {
        return;
    };
    let removed = ["Deliverables", "Risks & Mitigations"];
    let text = without_sections(&original, &removed);
    let uri = "file:///work/docs/core-hardening-plan.md";
    let (mut client, _) = TestClient::start(editor_capabilities()).await;
    client.open(uri, 1, &text).await;
    let diagnostics = client.diagnostics(uri, 1).await;
    let missing = diagnostics
        .iter()
        .filter(|d| d["code"] == "missing-section")
        .count();
    assert!(missing >= 2, "{diagnostics:?}");
    let response = client
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "context": { "diagnostics": [], "only": ["source"] } }),
        )
        .await;
    let actions = response["result"].as_array().unwrap();
    assert!(
        actions
            .iter()
            .all(|a| a["kind"].as_str().unwrap().starts_with("source"))
    );
    let insert = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains("missing sections"))
        .unwrap_or_else(|| panic!("no insert-all action in {actions:?}"));
    let after = apply_lsp(&text, &insert["edit"], uri);
    let analysis = plan::analyze(
        &after,
        &Schema::builtin(),
        &DocContext::named("core-hardening-plan.md"),
    );
    let left: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::MissingSection)
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(
        !analysis
            .diagnostics
            .iter()
            .any(|d| d.code == Code::SectionOrder)
    );
    let headings: Vec<&str> = analysis
        .tree
        .sections
        .iter()
        .map(|s| s.heading.text.as_str())
        .collect();
    let original_headings: Vec<String> = plan::analyze(
        &original,
        &Schema::builtin(),
        &DocContext::named("core-hardening-plan.md"),
    )
    .tree
    .sections
    .iter()
    .map(|s| s.heading.text.clone())
    .collect();
    for name in removed {
        assert!(headings.contains(&name), "{name} restored");
    }
    let restored_order: Vec<&&str> = headings
        .iter()
        .filter(|h| original_headings.iter().any(|o| o == *h))
        .collect();
    let expected: Vec<&str> = original_headings.iter().map(String::as_str).collect();
    assert_eq!(
        restored_order.into_iter().copied().collect::<Vec<_>>(),
        expected
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_and_fix_all_over_the_server() {
    let uri = "file:///work/docs/parse-config-plan.md";
    let text = fixture("parse-config-plan.md");
    let (mut client, init) = TestClient::start(editor_capabilities()).await;
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    client.open(uri, 1, &text).await;
    client.diagnostics(uri, 1).await;
    let at = text.find("**Proves**").unwrap() + 3;
    let response = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": position(&text, at) }),
        )
        .await;
    let value = response["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("One sentence: what hypothesis this validates"),
        "{value}"
    );
    let response = client
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "context": { "diagnostics": [], "only": ["source.fixAll"] } }),
        )
        .await;
    let actions = response["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.plan-lsp");
    let after = apply_lsp(&text, &actions[0]["edit"], uri);
    assert!(after.contains("**Output**: 2/2 tests passing"), "{after}");
    client.shutdown().await;
}

#[test]
fn check_fix_writes_the_safe_fixes_and_reports_what_remains() {
    let dir = std::env::temp_dir().join(format!("plan-lsp-fix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("parse-config-plan.md");
    std::fs::write(&path, fixture("parse-config-plan.md")).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_plan-lsp"))
        .args(["check", "--fix", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert!(fixed.contains("**Output**: 2/2 tests passing"));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let codes: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"unfilled-placeholder"), "{codes:?}");
    assert!(
        codes.contains(&"step-without-tests"),
        "unsafe fixes are left: {codes:?}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    std::fs::remove_dir_all(&dir).unwrap();
}
