//! Load over stdio with the compiled binary: 500 plans open at once, an
//! edit to each, then all closed. Answers stay correct, the memory the
//! server holds (its live heap) returns near the starting level after
//! closing, and resident memory does not grow from round to round. Figures
//! are printed (`--nocapture`).
//! More documents: `RELIABILITY_DOCS=5000 cargo test --test reliability_load -- --nocapture`.

#[path = "common/stdio.rs"]
mod stdio;

use std::fmt::Write as _;

use serde_json::{Value, json};
use stdio::StdioServer;

fn docs() -> usize {
    std::env::var("RELIABILITY_DOCS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(500)
}

fn plan(i: usize) -> String {
    let mut text = format!(
        "# Plan {i}\n\n## Overview\n\n| Attribute | Value |\n|---|---|\n| **Created** | 2026-01-16T13:47:18-0800 |\n| **Name** | [Name] |\n\n## Implementation Steps\n\n"
    );
    for step in 0..12 {
        let _ = write!(
            text,
            "### Step {step}: Part {step} of {i} 😀\n\n**Goal**: Build {step}\n\n**Verification**:\n```bash\ncargo test part_{step}\n```\n\n**Output**: Done\n\n"
        );
    }
    text
}

fn uri(i: usize) -> String {
    format!("file:///load/docs/p{i}-plan.md")
}

fn titles(server: &mut StdioServer, n: usize) -> Vec<Value> {
    let ids: Vec<i64> = (0..n)
        .map(|i| {
            server.send_request(
                "textDocument/documentSymbol",
                json!({ "textDocument": { "uri": uri(i) } }),
            )
        })
        .collect();
    ids.into_iter()
        .map(|id| server.response(id)["result"].clone())
        .collect()
}

/// One round: open `n` plans, check them, edit each, check, close all.
/// Returns RSS (KiB) after opening and after editing, and the live heap
/// (KiB) with the plans open.
fn round(server: &mut StdioServer, n: usize) -> (u64, u64, Option<u64>) {
    for i in 0..n {
        server.open(&uri(i), 1, &plan(i));
    }
    for (i, symbols) in titles(server, n).iter().enumerate() {
        assert_eq!(symbols[0]["name"], format!("Plan {i}"));
        assert_eq!(symbols[2]["children"].as_array().map(Vec::len), Some(12));
    }
    let opened = server.rss_kib();
    let heap = server.heap_in_use_kib();
    for i in 0..n {
        // Rename the title and append a step (past the end: clamped), in one batch.
        let title_end = format!("# Plan {i}").len() as u32;
        let lines = plan(i).lines().count() as u32;
        server.change(
            &uri(i),
            2,
            json!([
                { "range": { "start": { "line": 0, "character": title_end }, "end": { "line": 0, "character": title_end } }, "text": " edited" },
                { "range": { "start": { "line": lines + 5, "character": 0 }, "end": { "line": lines + 5, "character": 0 } }, "text": "### Step 12: Extra\n\n**Goal**: More\n" }
            ]),
        );
    }
    for (i, symbols) in titles(server, n).iter().enumerate() {
        assert_eq!(symbols[0]["name"], format!("Plan {i} edited"));
        assert_eq!(symbols[2]["children"].as_array().map(Vec::len), Some(13));
    }
    let report = server.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": uri(n - 1) } }),
    );
    let codes: Vec<&str> = report["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"unfilled-placeholder"), "{report}");
    let edited = server.rss_kib();
    for i in 0..n {
        server.close(&uri(i));
    }
    assert!(titles(server, n).iter().all(Value::is_null));
    (opened, edited, heap)
}

/// The live heap (KiB) once the server has dropped what it was sent:
/// polls until it is at most `target`, for five seconds at most.
fn settled_heap(server: &StdioServer, target: u64) -> Option<u64> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let heap = server.heap_in_use_kib()?;
        if heap <= target || std::time::Instant::now() > deadline {
            return Some(heap);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn many_documents_open_edit_close() {
    let n = docs();
    // One malloc arena for every thread: request work runs on blocking
    // threads, and the live-heap walk sees the main arena (`[heap]`) only.
    let mut server = StdioServer::spawn_env(
        &[env!("CARGO_BIN_EXE_plan-lsp")],
        &[("MALLOC_ARENA_MAX", "1")],
    );
    server.initialize(json!({ "textDocument": { "diagnostic": {} } }));
    // Warm up: the schema, the runtime's threads and the allocator's arenas.
    server.open(&uri(0), 1, &plan(0));
    assert_eq!(titles(&mut server, 1)[0][0]["name"], "Plan 0");
    server.close(&uri(0));
    assert!(titles(&mut server, 1)[0].is_null());
    let start = server.rss_kib();
    let start_heap = server.heap_in_use_kib();

    let mut closed = Vec::new();
    let mut peak = start;
    for r in 1..=3 {
        let (opened, edited, open_heap) = round(&mut server, n);
        assert!(opened > start, "opening {n} plans used no memory?");
        peak = peak.max(opened).max(edited);
        // Everything the documents took is given back, but for a tenth of
        // it at most (caches and buffers that stay).
        let heaps = start_heap.zip(open_heap).map(|(start_heap, open_heap)| {
            let near_start = start_heap + open_heap.saturating_sub(start_heap) / 10;
            let after = settled_heap(&server, near_start).unwrap_or(u64::MAX);
            assert!(
                after <= near_start,
                "round {r}: live heap {after} KiB after closing, over {near_start} KiB (start {start_heap} KiB, open {open_heap} KiB)"
            );
            format!("; live heap start {start_heap} KiB, open {open_heap} KiB, closed {after} KiB")
        });
        let after = server.rss_kib();
        eprintln!(
            "load round {r} ({n} plans of {} bytes): RSS start {start} KiB, opened {opened} KiB, edited {edited} KiB, closed {after} KiB{}",
            plan(0).len(),
            heaps.unwrap_or_default()
        );
        closed.push(after);
    }
    // Resident memory: glibc keeps freed pages mapped for reuse, so RSS
    // stays near its peak after closing, but later rounds reuse those pages
    // instead of growing (within 4 MiB over three rounds).
    assert!(
        closed[2] <= closed[0] + 4 * 1024 && closed.iter().all(|&c| c <= peak + 1024),
        "RSS keeps growing across rounds: {closed:?} KiB (peak {peak} KiB)"
    );
    server.finish();
}
