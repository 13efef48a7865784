//! Text state, end to end: random batches of incremental edits in UTF-8,
//! UTF-16 and UTF-32 (CRLF, lone CR, emoji, surrogate pairs, CJK,
//! combining marks, positions past the line and document end) keep the
//! server's document equal to the client's.
//!
//! Two views of the same edits: a `Document` must hold exactly the client's
//! text, and the real server (in process) must answer outline, folding and
//! diagnostics for the edited document exactly as for a freshly opened copy
//! of the client's text. Longer runs: `PROPTEST_CASES=2000 cargo test --test
//! reliability_text`.

mod common;

use common::TestClient;
use plan_lsp::convert::{self, Encoding};
use plan_lsp::document::Document;
use plan_lsp::plan::DocContext;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use tower_lsp_server::ls_types::{Position, Range};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(128)
}

/// Where a generated position points.
#[derive(Clone, Debug)]
enum Spot {
    /// The n-th character boundary (never inside CRLF).
    Boundary(prop::sample::Index),
    /// Past the end of the n-th line.
    PastLineEnd(prop::sample::Index),
    /// Past the end of the document.
    PastDocEnd,
}

fn spot() -> impl Strategy<Value = Spot> {
    prop_oneof![
        8 => any::<prop::sample::Index>().prop_map(Spot::Boundary),
        1 => any::<prop::sample::Index>().prop_map(Spot::PastLineEnd),
        1 => Just(Spot::PastDocEnd),
    ]
}

fn pieces() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("a".to_owned()),
            Just("Zq".to_owned()),
            Just("# T".to_owned()),
            Just("## Overview\n".to_owned()),
            Just("## Implementation Steps\n".to_owned()),
            Just("### Step 1: A😀\n".to_owned()),
            Just("**Goal**: [Name]\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("\n".to_owned()),
            Just("\r".to_owned()),
            Just("😀".to_owned()),
            Just("𝄞".to_owned()),
            Just("計画".to_owned()),
            Just("e\u{301}\u{302}".to_owned()),
            Just("```\n".to_owned()),
            Just("- [ ] x\n".to_owned()),
            Just("> q\n".to_owned()),
            Just(" ".to_owned()),
        ],
        0..10,
    )
    .prop_map(|v| v.concat())
}

/// One change: a range from two spots (`None`: replace everything).
type Change = (Option<(Spot, Spot)>, String);

fn changes() -> impl Strategy<Value = Vec<Vec<Change>>> {
    let change = (prop::option::weighted(0.95, (spot(), spot())), pieces());
    // Batches of 1 to 3 changes, each batch one didChange.
    prop::collection::vec(prop::collection::vec(change, 1..4), 1..8)
}

/// (start byte, content end byte) of each line; lines end at LF, CRLF, CR.
fn lines(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push((start, i));
                start = i + 1;
            }
            b'\r' => {
                out.push((start, i));
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push((start, bytes.len()));
    out
}

fn units(text: &str, encoding: Encoding) -> u32 {
    text.chars()
        .map(|c| match encoding {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
            Encoding::Utf32 => 1,
        })
        .sum()
}

/// The client's view of a spot: its LSP position and the byte offset it
/// must resolve to (clamped as the protocol says).
fn resolve(text: &str, spot: &Spot, encoding: Encoding) -> (Position, usize) {
    let lines = lines(text);
    match spot {
        Spot::Boundary(index) => {
            let mut offsets: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            offsets
                .retain(|&o| !(o > 0 && text[..o].ends_with('\r') && text[o..].starts_with('\n')));
            let offset = offsets[index.index(offsets.len())];
            let line = lines.iter().rposition(|&(s, _)| s <= offset).unwrap();
            let character = units(&text[lines[line].0..offset], encoding);
            (Position::new(line as u32, character), offset)
        }
        Spot::PastLineEnd(index) => {
            let line = index.index(lines.len());
            let (start, end) = lines[line];
            let character = units(&text[start..end], encoding) + 7;
            (Position::new(line as u32, character), end)
        }
        Spot::PastDocEnd => (Position::new(lines.len() as u32 + 2, 3), text.len()),
    }
}

/// Applies one change to the client's text; returns the LSP change.
fn apply(text: &mut String, change: &Change, encoding: Encoding) -> Value {
    let (range, insert) = change;
    let Some((a, b)) = range else {
        text.clone_from(insert);
        return json!({ "text": insert });
    };
    let (mut pa, mut oa) = resolve(text, a, encoding);
    let (mut pb, mut ob) = resolve(text, b, encoding);
    if (pa.line, pa.character) > (pb.line, pb.character) {
        std::mem::swap(&mut pa, &mut pb);
        std::mem::swap(&mut oa, &mut ob);
    }
    text.replace_range(oa..ob, insert);
    json!({ "range": Range::new(pa, pb), "text": insert })
}

async fn observe(client: &mut TestClient, uri: &str) -> Value {
    let doc = json!({ "textDocument": { "uri": uri } });
    let symbols = client
        .request("textDocument/documentSymbol", doc.clone())
        .await;
    let folds = client
        .request("textDocument/foldingRange", doc.clone())
        .await;
    let diagnostics = client.request("textDocument/diagnostic", doc).await;
    json!([symbols["result"], folds["result"], diagnostics["result"]])
}

fn run(encoding: Encoding, name: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (client, result) = runtime.block_on(TestClient::start(json!({
        "general": { "positionEncodings": [name] },
        "textDocument": { "diagnostic": {} }
    })));
    assert_eq!(result["capabilities"]["positionEncoding"], name);
    let mut runner = TestRunner::new(Config::with_cases(cases()));
    let client = std::cell::RefCell::new(client);
    let counter = std::cell::Cell::new(0);
    runner
        .run(&(pieces(), changes()), |(initial, batches)| {
            let n = counter.get() + 1;
            counter.set(n);
            let mut client = client.borrow_mut();
            let edited = format!("file:///edited/{n}/doc-plan.md");
            let fresh = format!("file:///fresh/{n}/doc-plan.md");
            let mut text = initial.clone();
            let mut doc = Document::new(&initial, 1, DocContext::default());
            runtime.block_on(client.open(&edited, 1, &initial));
            for (version, batch) in (2..).zip(batches.iter()) {
                let lsp: Vec<Value> = batch
                    .iter()
                    .map(|c| apply(&mut text, c, encoding))
                    .collect();
                for change in &lsp {
                    match serde_json::from_value::<Range>(change["range"].clone()) {
                        Ok(range) => {
                            let bytes = convert::from_lsp_range(doc.rope(), range, encoding)
                                .map_err(|_| TestCaseError::fail("inverted range"))?;
                            doc.edit(bytes, change["text"].as_str().unwrap());
                        }
                        Err(_) => doc.replace_all(change["text"].as_str().unwrap()),
                    }
                }
                doc.commit(version);
                prop_assert_eq!(doc.text().as_ref(), text.as_str());
                runtime.block_on(client.change(&edited, i64::from(version), json!(lsp)));
            }
            let (got, want) = runtime.block_on(async {
                client.open(&fresh, 1, &text).await;
                let got = observe(&mut client, &edited).await;
                let want = observe(&mut client, &fresh).await;
                client
                    .notify(
                        "textDocument/didClose",
                        json!({ "textDocument": { "uri": edited } }),
                    )
                    .await;
                client
                    .notify(
                        "textDocument/didClose",
                        json!({ "textDocument": { "uri": fresh } }),
                    )
                    .await;
                (got, want)
            });
            prop_assert!(got[0].is_array(), "no outline: {}", got);
            prop_assert_eq!(got, want, "text: {:?}", text);
            Ok(())
        })
        .unwrap();
    runtime.block_on(client.into_inner().shutdown());
}

#[test]
fn utf8_edits_keep_the_server_in_sync() {
    run(Encoding::Utf8, "utf-8");
}

#[test]
fn utf16_edits_keep_the_server_in_sync() {
    run(Encoding::Utf16, "utf-16");
}

#[test]
fn utf32_edits_keep_the_server_in_sync() {
    run(Encoding::Utf32, "utf-32");
}

/// Clamping and batch order, with expected texts written out.
#[test]
fn clamped_positions_and_batch_order() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (mut client, _) =
            TestClient::start(json!({ "textDocument": { "diagnostic": {} } })).await;
        let uri = "file:///clamp/a-plan.md";
        client.open(uri, 1, "# Ab😀\r\n\r\ncd").await;
        let at = |line: u32, character: u32| {
            Range::new(
                Position::new(line, character),
                Position::new(line, character),
            )
        };
        client
            .change(
                uri,
                2,
                json!([
                    // Past the end of line 0: lands before its CRLF.
                    { "range": at(0, 99), "text": "X" },
                    // Past the end of the document: appends.
                    { "range": at(40, 2), "text": "\n## Tail" },
                    // In order: B then A at the same spot reads "AB".
                    { "range": at(0, 2), "text": "B" },
                    { "range": at(0, 2), "text": "A" },
                    // Inside the surrogate pair of 😀 (UTF-16 column 7) snaps to its start.
                    { "range": at(0, 7), "text": "!" }
                ]),
            )
            .await;
        let fresh = "file:///fresh/a-plan.md";
        client.open(fresh, 1, "# ABAb!😀X\r\n\r\ncd\n## Tail").await;
        let got = observe(&mut client, uri).await;
        let want = observe(&mut client, fresh).await;
        assert_eq!(got[0][0]["name"], "ABAb!😀X", "{got}");
        assert_eq!(got, want);
        client.shutdown().await;
    });
}
