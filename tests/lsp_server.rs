//! End-to-end tests of the real server over an in-process duplex stream.

mod common;

use common::{TestClient, codes, corpus_file};
use serde_json::{Value, json};

const URI: &str = "file:///work/docs/demo-plan.md";

const PLAN: &str = "# Demo Plan

## Overview

| Attribute | Value |
|-----------|-------|
| **Created** | 2026-01-16T13:47:18-0800 |
| **Name** | Demo |
| **Type** | [PoC or Feature or Issue or Refactor] |
| **Proves** | It works |
| **Production-Grade Because** | Real |

## Implementation Steps

### Step 0: Setup

**Goal**: Set up

**Verification**:
```bash
true
```

**Output**: Ready

### Step 2: Build

**Goal**: Build it

**Verification**:
```bash
true
```

**Output**: Built
";

fn vscode_like() -> Value {
    json!({
        "general": { "positionEncodings": ["utf-16"] },
        "textDocument": {
            "publishDiagnostics": { "versionSupport": true },
            "documentSymbol": { "hierarchicalDocumentSymbolSupport": true }
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_negotiates_encoding_and_incremental_sync() {
    let (client, result) =
        TestClient::start(json!({ "general": { "positionEncodings": ["utf-16", "utf-8"] } })).await;
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 2);
    assert_eq!(result["serverInfo"]["name"], "plan-lsp");
    assert!(result["capabilities"].get("diagnosticProvider").is_none());
    client.shutdown().await;

    let (client, result) = TestClient::start(json!({})).await;
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_publishes_versioned_diagnostics() {
    let (mut client, _) = TestClient::start(vscode_like()).await;
    client.open(URI, 1, PLAN).await;
    let diagnostics = client.diagnostics(URI, 1).await;
    assert!(diagnostics.iter().all(|d| d["source"] == "plan-lsp"));
    let codes = codes(&diagnostics);
    assert!(
        codes.contains(&"unfilled-placeholder".to_owned()),
        "{codes:?}"
    );
    assert!(codes.contains(&"step-numbering".to_owned()), "{codes:?}");
    assert!(codes.contains(&"missing-section".to_owned()), "{codes:?}");
    let numbering = diagnostics
        .iter()
        .find(|d| d["code"] == "step-numbering")
        .unwrap();
    // `### Step 2: Build` is line 25; the number sits at character 9.
    assert_eq!(
        numbering["range"]["start"],
        json!({ "line": 25, "character": 9 })
    );
    assert!(
        numbering["message"]
            .as_str()
            .unwrap()
            .contains("expected Step 1")
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_change_with_non_ascii_text_in_utf16() {
    let (mut client, _) = TestClient::start(vscode_like()).await;
    client.open(URI, 1, PLAN).await;
    client.diagnostics(URI, 1).await;
    // Put an emoji and CJK text before the placeholder on its line:
    // `| **Type** | ` is 13 UTF-16 units long.
    client
        .change(
            URI,
            2,
            json!([{ "range": { "start": { "line": 8, "character": 13 }, "end": { "line": 8, "character": 13 } }, "text": "🚀 計画 " }]),
        )
        .await;
    let diagnostics = client.diagnostics(URI, 2).await;
    let placeholder = diagnostics
        .iter()
        .find(|d| d["code"] == "unfilled-placeholder")
        .expect("placeholder still reported");
    // 13 + 2 (surrogate pair) + 1 (space) + 2 (CJK) + 1 (space) = 19.
    assert_eq!(
        placeholder["range"]["start"],
        json!({ "line": 8, "character": 19 })
    );
    // Then fix the numbering with a change that replaces `2` by `1`.
    client
        .change(
            URI,
            3,
            json!([{ "range": { "start": { "line": 25, "character": 9 }, "end": { "line": 25, "character": 10 } }, "text": "1" }]),
        )
        .await;
    let diagnostics = client.diagnostics(URI, 3).await;
    assert!(!codes(&diagnostics).contains(&"step-numbering".to_owned()));
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_changes_in_one_notification_apply_in_order() {
    let (mut client, _) = TestClient::start(vscode_like()).await;
    client.open(URI, 1, "# T\n").await;
    client.diagnostics(URI, 1).await;
    client
        .change(
            URI,
            2,
            json!([
                { "text": "# Demo Plan\n\n## Overview\n" },
                { "range": { "start": { "line": 0, "character": 2 }, "end": { "line": 0, "character": 6 } }, "text": "[Name]" },
            ]),
        )
        .await;
    let diagnostics = client.diagnostics(URI, 2).await;
    let placeholder = diagnostics
        .iter()
        .find(|d| d["code"] == "unfilled-placeholder")
        .unwrap();
    assert_eq!(
        placeholder["range"]["start"],
        json!({ "line": 0, "character": 2 })
    );
    assert_eq!(
        placeholder["range"]["end"],
        json!({ "line": 0, "character": 8 })
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_template_reports_its_placeholders() {
    // A plan started as a copy of the seed template. (The template itself,
    // at `templates/plan-template.md`, is checked as a template: see
    // tests/config.rs.)
    let template = include_str!("../templates/plan-template.md");
    let (mut client, _) = TestClient::start(vscode_like()).await;
    let uri = "file:///work/docs/copied-plan.md";
    client.open(uri, 1, template).await;
    let diagnostics = client.diagnostics(uri, 1).await;
    let lines: Vec<&str> = template.lines().collect();
    let flagged: Vec<String> = diagnostics
        .iter()
        .filter(|d| d["code"] == "unfilled-placeholder")
        .map(|d| {
            let line = lines[d["range"]["start"]["line"].as_u64().unwrap() as usize];
            let start = d["range"]["start"]["character"].as_u64().unwrap() as usize;
            let end = d["range"]["end"]["character"].as_u64().unwrap() as usize;
            line.chars().skip(start).take(end - start).collect()
        })
        .collect();
    for expected in [
        "[Milestone-Slug]",
        "[Task-Slug]",
        "[YYYY-MM-DDTHH:MM:SS-TZ]",
        "[PoC or Feature or Issue or Refactor]",
        "[directory]",
        "H/M/L",
    ] {
        assert!(
            flagged.iter().any(|f| f == expected),
            "{expected} not flagged"
        );
    }
    // Only placeholders, besides a hint that no step names `pyproject.toml`
    // (the template's Dependencies section does).
    assert!(
        codes(&diagnostics)
            .iter()
            .all(|c| c == "unfilled-placeholder" || c == "untouched-file"),
        "{:?}",
        codes(&diagnostics)
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_corpus_section_reports_it_and_moving_one_reports_order() {
    let Some(plan) = corpus_file("plans/docchang__db-adapter__docs__core-hardening-plan.md") else {
        return;
    };
    let (mut client, _) = TestClient::start(vscode_like()).await;
    let uri = "file:///work/docs/core-hardening-plan.md";
    client.open(uri, 1, &plan).await;
    let before = client.diagnostics(uri, 1).await;
    let missing_before = before
        .iter()
        .filter(|d| d["code"] == "missing-section")
        .count();

    let start = plan.find("## Risks & Mitigations").unwrap();
    let end = start + plan[start..].find("\n## Next Steps").unwrap() + 1;
    let without = format!("{}{}", &plan[..start], &plan[end..]);
    client.change(uri, 2, json!([{ "text": without }])).await;
    let after = client.diagnostics(uri, 2).await;
    let missing: Vec<&Value> = after
        .iter()
        .filter(|d| d["code"] == "missing-section")
        .collect();
    assert_eq!(missing.len(), missing_before + 1);
    assert!(missing.iter().any(|d| {
        d["message"]
            .as_str()
            .unwrap()
            .contains("`## Risks & Mitigations`")
    }));

    // Move the Deliverables section after Success Criteria.
    let d_start = plan.find("## Deliverables").unwrap();
    let d_end = d_start + plan[d_start..].find("\n## Prerequisites").unwrap() + 1;
    let deliverables = &plan[d_start..d_end];
    let rest = format!("{}{}", &plan[..d_start], &plan[d_end..]);
    let arch = rest.find("## Architecture").unwrap();
    let moved = format!("{}{}{}", &rest[..arch], deliverables, &rest[arch..]);
    client.change(uri, 3, json!([{ "text": moved }])).await;
    let after = client.diagnostics(uri, 3).await;
    let order: Vec<&Value> = after
        .iter()
        .filter(|d| d["code"] == "section-order")
        .collect();
    assert_eq!(order.len(), 1, "{order:?}");
    assert!(
        order[0]["message"]
            .as_str()
            .unwrap()
            .contains("`## Deliverables`")
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_symbols_nest_steps_under_implementation_steps() {
    let Some(plan) =
        corpus_file("plans/creational-ai__visualflow__docs__visual-poc2-implementation.md")
    else {
        return;
    };
    let (mut client, _) = TestClient::start(vscode_like()).await;
    let uri = "file:///work/docs/visual-poc2-implementation.md";
    client.open(uri, 1, &plan).await;
    let response = client
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    let symbols = response["result"].as_array().expect("symbols");
    let names: Vec<&str> = symbols
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "visual-poc2 Implementation Plan");
    assert!(
        names.contains(&"Overview") && names.contains(&"Risks & Mitigations"),
        "{names:?}"
    );
    let steps = symbols
        .iter()
        .find(|s| s["name"] == "Implementation Steps")
        .unwrap();
    let children: Vec<&str> = steps["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(children.len(), 6, "{children:?}");
    assert!(children[0].starts_with("Step 0"));
    assert!(children[5].starts_with("Step 5"));
    for symbol in symbols {
        assert_selection_inside_range(symbol);
    }
    let folds = client
        .request(
            "textDocument/foldingRange",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    assert!(folds["result"].as_array().unwrap().len() > 20);
    client.shutdown().await;
}

fn position(value: &Value) -> (u64, u64) {
    (
        value["line"].as_u64().unwrap(),
        value["character"].as_u64().unwrap(),
    )
}

fn assert_selection_inside_range(symbol: &Value) {
    let range = &symbol["range"];
    let selection = &symbol["selectionRange"];
    assert!(
        position(&range["start"]) <= position(&selection["start"]),
        "{symbol}"
    );
    assert!(
        position(&selection["end"]) <= position(&range["end"]),
        "{symbol}"
    );
    assert!(!symbol["name"].as_str().unwrap().is_empty());
    for child in symbol["children"].as_array().into_iter().flatten() {
        assert_selection_inside_range(child);
        assert!(position(&range["start"]) <= position(&child["range"]["start"]));
        assert!(position(&child["range"]["end"]) <= position(&range["end"]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_diagnostics_when_the_client_offers_them_and_no_push() {
    let mut capabilities = vscode_like();
    capabilities["textDocument"]["diagnostic"] = json!({ "dynamicRegistration": false });
    let (mut client, result) = TestClient::start(capabilities).await;
    assert_eq!(
        result["capabilities"]["diagnosticProvider"]["identifier"],
        "plan-lsp"
    );
    client.open(URI, 1, PLAN).await;
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({ "textDocument": { "uri": URI } }),
        )
        .await;
    assert_eq!(report["result"]["kind"], "full");
    assert!(
        codes(report["result"]["items"].as_array().unwrap()).contains(&"step-numbering".to_owned())
    );
    // A request after the open proves the open was handled; no push may
    // have been sent for it.
    client
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": URI } }),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    while let Ok(message) = client_notifications(&mut client) {
        assert_ne!(message["method"], "textDocument/publishDiagnostics");
    }
    client.shutdown().await;
}

fn client_notifications(client: &mut TestClient) -> Result<Value, ()> {
    client.try_notification().ok_or(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_plans_get_no_diagnostics_and_close_clears() {
    let (mut client, _) = TestClient::start(vscode_like()).await;
    let readme = "file:///work/README.md";
    client
        .open(readme, 1, "# Readme\n\nSome [link text] here.\n")
        .await;
    assert!(client.diagnostics(readme, 1).await.is_empty());
    client.open(URI, 1, PLAN).await;
    assert!(!client.diagnostics(URI, 1).await.is_empty());
    client
        .notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": URI } }),
        )
        .await;
    loop {
        let params = client.notification("textDocument/publishDiagnostics").await;
        if params["uri"] == URI {
            assert!(params["diagnostics"].as_array().unwrap().is_empty());
            assert!(params.get("version").is_none_or(Value::is_null));
            break;
        }
    }
    client.shutdown().await;
}
