//! Protocol robustness over real stdin/stdout with the compiled binary:
//! after every hostile input the server answers the next valid request
//! correctly, and stdout carries nothing but framed JSON-RPC.

#[path = "common/stdio.rs"]
mod stdio;

#[path = "../examples/support/plan_gen.rs"]
mod plan_gen;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stdio::StdioServer;

const URI: &str = "file:///work/docs/probe-plan.md";
const PLAN: &str = "# Probe Plan\n\n## Overview\n\nText.\n\n## Implementation Steps\n\n### Step 0: Setup\n\n**Goal**: Set up\n";

fn start() -> StdioServer {
    let (mut server, _) = StdioServer::start(json!({
        "general": { "positionEncodings": ["utf-16"] },
        "textDocument": { "diagnostic": {} }
    }));
    server.open(URI, 1, PLAN);
    server
}

/// The name of the first top-level symbol (the title).
fn title(response: &Value) -> &str {
    response["result"][0]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("no title symbol in {response}"))
}

/// The next valid request is answered, and correctly.
fn assert_serving(server: &mut StdioServer) {
    let response = server.symbols(URI);
    assert_eq!(title(&response), "Probe Plan", "{response}");
    assert_eq!(response["result"].as_array().map(Vec::len), Some(3));
    server.assert_clean_stdout();
}

fn frame(body: &[u8], length: usize) -> Vec<u8> {
    let mut out = format!("Content-Length: {length}\r\n\r\n").into_bytes();
    out.extend_from_slice(body);
    out
}

fn exact(body: &[u8]) -> Vec<u8> {
    frame(body, body.len())
}

fn error_code(message: &Value) -> Option<i64> {
    message["error"]["code"].as_i64()
}

#[test]
fn malformed_frames_are_answered_and_survived() {
    let mut server = start();
    let valid = br#"{"jsonrpc":"2.0","method":"$/ping"}"#;
    let cases: Vec<(&str, Vec<u8>, i64)> = vec![
        ("invalid JSON", exact(b"{not json"), -32700),
        ("JSON array", exact(b"[1,2]"), -32600),
        ("not JSON-RPC", exact(br#"{"foo":1}"#), -32600),
        (
            "wrong jsonrpc version",
            exact(br#"{"jsonrpc":"1.0","id":7,"method":"x"}"#),
            -32600,
        ),
        ("empty body", exact(b""), -32700),
        ("invalid UTF-8", exact(b"{\"a\":\"\xff\xfe\"}"), -32700),
        (
            "missing Content-Length",
            b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}".to_vec(),
            -32700,
        ),
        (
            "non-numeric Content-Length",
            b"Content-Length: abc\r\n\r\n{}".to_vec(),
            -32700,
        ),
        (
            "negative Content-Length",
            b"Content-Length: -5\r\n\r\n{}".to_vec(),
            -32700,
        ),
        (
            "huge Content-Length",
            b"Content-Length: 99999999999999999999\r\n\r\n{}".to_vec(),
            -32700,
        ),
        (
            "too short Content-Length",
            frame(valid, valid.len() - 5),
            -32700,
        ),
        ("garbage line", b"hello world\r\n\r\n".to_vec(), -32700),
        (
            "garbage without header end",
            b"\x00\x01junk".to_vec(),
            -32700,
        ),
    ];
    for (label, bytes, code) in cases {
        server.send_raw(&bytes);
        assert_serving(&mut server);
        let error = server.wait_for(Duration::from_secs(5), |m| {
            m.get("method").is_none() && error_code(m).is_some()
        });
        let error = error.unwrap_or_else(|| panic!("{label}: no error response"));
        assert_eq!(error_code(&error), Some(code), "{label}: {error}");
        assert!(
            error["id"].is_null() || error["id"] == 7,
            "{label}: {error}"
        );
    }
    // A declared length longer than the body swallows the next frame's head;
    // the server resynchronises at the next header.
    server.send_raw(&frame(valid, valid.len() + 10));
    let lost = server.send_request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert_serving(&mut server);
    let _ = lost;
    let stderr = server.finish();
    assert!(stderr.contains("malformed"), "no warning logged:\n{stderr}");
}

#[test]
fn unknown_methods_and_invalid_params() {
    let mut server = start();
    let response = server.request("plan-lsp/noSuchMethod", json!({}));
    assert_eq!(error_code(&response), Some(-32601), "{response}");
    server.notify("plan-lsp/noSuchNotification", json!({}));
    server.notify("$/noSuchNotification", json!({}));
    assert_serving(&mut server);
    let response = server.request("textDocument/documentSymbol", json!({ "textDocument": 5 }));
    assert_eq!(error_code(&response), Some(-32602), "{response}");
    let response = server.request("textDocument/foldingRange", json!(null));
    assert_eq!(error_code(&response), Some(-32602), "{response}");
    // Invalid params in notifications are dropped silently.
    server.notify("textDocument/didOpen", json!({ "textDocument": "x" }));
    server.notify("textDocument/didChange", json!([1, 2, 3]));
    assert_serving(&mut server);
    // Notifications are never answered: nothing but diagnostics/log noise
    // arrived besides the responses we took.
    let rest = server.drain();
    assert!(
        rest.iter().all(|m| m.get("method").is_some()),
        "unexpected responses: {rest:?}"
    );
    server.finish();
}

#[test]
fn requests_before_initialize_are_refused() {
    let mut server = StdioServer::spawn();
    let response = server.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert_eq!(error_code(&response), Some(-32002), "{response}");
    server.open(URI, 1, PLAN);
    let result = server.initialize(json!({}));
    assert_eq!(result["serverInfo"]["name"], "plan-lsp");
    // The didOpen before initialize was dropped: the document is unknown.
    assert!(server.symbols(URI)["result"].is_null());
    server.open(URI, 1, PLAN);
    assert_serving(&mut server);
    server.finish();
}

#[test]
fn documents_never_opened_closed_or_going_backwards() {
    let mut server = start();
    let ghost = "file:///work/docs/ghost-plan.md";
    server.change(ghost, 2, json!([{ "text": "# Ghost" }]));
    assert!(server.symbols(ghost)["result"].is_null());
    let report = server.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": ghost } }),
    );
    assert_eq!(report["result"]["items"], json!([]), "{report}");
    server.close(ghost);
    assert_serving(&mut server);

    // Versions going backwards are applied anyway, with a warning.
    let uri = "file:///work/docs/back-plan.md";
    server.open(uri, 5, "# Five\n");
    server.change(uri, 3, json!([{ "text": "# Three\n" }]));
    assert_eq!(title(&server.symbols(uri)), "Three");
    server.change(uri, 3, json!([{ "text": "# Again\n" }]));
    assert_eq!(title(&server.symbols(uri)), "Again");

    // After didClose the document is gone; reopening works.
    server.close(uri);
    assert!(server.symbols(uri)["result"].is_null());
    let folds = server.request(
        "textDocument/foldingRange",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert!(folds["result"].is_null(), "{folds}");
    server.change(uri, 6, json!([{ "text": "# Closed\n" }]));
    assert!(server.symbols(uri)["result"].is_null());
    server.open(uri, 1, "# Reopened\n");
    assert_eq!(title(&server.symbols(uri)), "Reopened");

    // An inverted range is ignored with a warning; the rest of the batch applies.
    let inverted =
        json!({ "start": { "line": 0, "character": 5 }, "end": { "line": 0, "character": 2 } });
    let start =
        json!({ "start": { "line": 0, "character": 2 }, "end": { "line": 0, "character": 2 } });
    server.change(
        uri,
        2,
        json!([
            { "range": start, "text": "A" },
            { "range": inverted, "text": "XXXX" },
            { "range": start, "text": "B" }
        ]),
    );
    assert_eq!(title(&server.symbols(uri)), "BAReopened");
    assert_serving(&mut server);
    let stderr = server.finish();
    assert!(
        stderr.contains("whose range starts after its end"),
        "{stderr}"
    );
    assert!(stderr.contains("not open"), "{stderr}");
    assert!(stderr.contains("goes from version 5 to 3"), "{stderr}");
}

#[test]
fn burst_of_10000_requests_with_half_cancelled() {
    let mut server = start();
    let expected = server.symbols(URI)["result"].clone();
    let count = 10_000;
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let id = server.send_request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": URI } }),
        );
        if i % 2 == 1 {
            server.notify("$/cancelRequest", json!({ "id": id }));
        }
        ids.push(id);
    }
    let (mut answered, mut cancelled) = (0, 0);
    for (i, id) in ids.iter().enumerate() {
        let response = server.response(*id);
        match error_code(&response) {
            Some(-32800) => {
                assert_eq!(i % 2, 1, "an uncancelled request was cancelled");
                cancelled += 1;
            }
            None => {
                assert_eq!(response["result"], expected);
                answered += 1;
            }
            Some(_) => panic!("unexpected error: {response}"),
        }
    }
    eprintln!("burst: {answered} answered, {cancelled} cancelled");
    assert_eq!(answered + cancelled, count);
    assert!(answered >= count / 2);
    // Exactly one response per request: no duplicates are left.
    let extra = server.drain();
    assert!(
        extra.iter().all(|m| m.get("method").is_some()),
        "duplicate responses"
    );
    assert_serving(&mut server);
    server.finish();
}

#[test]
fn a_panicking_handler_answers_an_error_and_the_server_keeps_serving() {
    let mut server = start();
    let marker = "plan-lsp-test-hook: panic in documentSymbol";
    let bad = "file:///work/docs/bad-plan.md";
    server.open(bad, 1, &format!("# Bad\n\n{marker}\n"));
    for _ in 0..3 {
        let response = server.symbols(bad);
        if cfg!(debug_assertions) {
            assert_eq!(error_code(&response), Some(-32603), "{response}");
        } else {
            // Release builds have no test hook: the marker is plain text.
            assert_eq!(title(&response), "Bad");
        }
        assert_serving(&mut server);
        let folds = server.request(
            "textDocument/foldingRange",
            json!({ "textDocument": { "uri": bad } }),
        );
        assert!(folds["result"].is_array(), "{folds}");
    }
    let stderr = server.finish();
    if cfg!(debug_assertions) {
        assert!(stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn end_of_input_without_exit_ends_the_server() {
    let mut server = start();
    server.send_raw(b"Content-Length: 50\r\n\r\n{\"partial");
    let (code, took) = server.hang_up();
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn an_unknown_dollar_request_gets_method_not_found() {
    let mut server = start();
    let response = server.request("$/plan-lsp/noSuchRequest", json!({}));
    assert_eq!(error_code(&response), Some(-32601), "{response}");
    // An unknown `$/` notification is ignored: no answer at all.
    server.notify("$/noSuchNotification", json!({ "x": 1 }));
    server.notify("$/setTrace", json!({ "value": "off" }));
    assert_serving(&mut server);
    let rest = server.drain();
    assert!(
        rest.iter().all(|m| m.get("method").is_some()),
        "a notification was answered: {rest:?}"
    );
    server.finish();
}

/// Helix quits with `shutdown` and `exit` in one write.
#[test]
fn shutdown_and_exit_in_one_write_answer_null_and_exit_0() {
    let mut server = start();
    assert_serving(&mut server);
    let shutdown = br#"{"jsonrpc":"2.0","id":77,"method":"shutdown"}"#;
    let exit = br#"{"jsonrpc":"2.0","method":"exit"}"#;
    let mut bytes = exact(shutdown);
    bytes.extend_from_slice(&exact(exit));
    server.send_raw(&bytes);
    let response = server.response(77);
    assert!(response.get("error").is_none(), "{response}");
    assert_eq!(response["result"], Value::Null, "{response}");
    // The process ends by itself, with stdin still open.
    let (code, took) = server.wait_exit();
    assert_eq!(code, Some(0), "stderr:\n{}", server.stderr());
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn exit_without_shutdown_exits_1() {
    let mut server = start();
    assert_serving(&mut server);
    server.notify("exit", Value::Null);
    let (code, took) = server.wait_exit();
    assert_eq!(code, Some(1), "stderr:\n{}", server.stderr());
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

/// A plan of 60,000 lines and more.
fn large_plan() -> String {
    let text = plan_gen::generate(1_000);
    assert!(text.lines().count() >= 60_000, "{}", text.lines().count());
    text
}

/// Sends `method`, cancels it `delay` later, and returns the response and
/// how long after the cancel it came.
fn cancel_after_start(
    server: &mut StdioServer,
    method: &str,
    params: Value,
    delay: Duration,
) -> (Value, Duration) {
    let id = server.send_request(method, params);
    std::thread::sleep(delay);
    let cancelled = Instant::now();
    server.notify("$/cancelRequest", json!({ "id": id }));
    let response = server.response(id);
    (response, cancelled.elapsed())
}

/// How many times the server logged that `method`'s work stopped.
fn stops(server: &StdioServer, method: &str) -> usize {
    let short = method.rsplit('/').next().unwrap_or(method);
    server
        .stderr()
        .matches(&format!(
            "{short}: cancelled by the client; the work stopped"
        ))
        .count()
}

/// Long requests observe `$/cancelRequest`: the answer is -32800 at once,
/// and the work, which runs off the message loop, stops at its next check
/// (the server logs that it did). The cancel must come after the work began
/// (a request cancelled before it is read never starts): the test sends it
/// a few milliseconds after the request, longer if the work had not begun.
#[test]
fn cancelled_long_requests_answer_32800_and_stop_their_work() {
    let text = large_plan();
    let mut server = StdioServer::spawn_logging(&[env!("CARGO_BIN_EXE_plan-lsp")], "plan_lsp=info");
    // Pulled diagnostics: nothing analyses a plan until a request does.
    server.initialize(json!({ "textDocument": { "diagnostic": {} } }));
    let reference = "file:///work/docs/reference-plan.md";
    server.open(reference, 1, &text);
    let started = Instant::now();
    let full = server.symbols(reference);
    assert!(full["result"].is_array(), "{full}");
    eprintln!(
        "documentSymbol on {} lines, not analysed yet: {:?} (with the transfer)",
        text.lines().count(),
        started.elapsed()
    );
    let methods = [
        "textDocument/documentSymbol",
        "textDocument/codeLens",
        "workspace/symbol",
    ];
    let mut documents = 0;
    for method in methods {
        let mut stopped = false;
        for delay in [2, 5, 15, 40, 100].map(Duration::from_millis) {
            documents += 1;
            let uri = format!("file:///work/docs/large-{documents}-plan.md");
            server.open(&uri, 1, &text);
            let params = match method {
                "workspace/symbol" => json!({ "query": "step" }),
                _ => json!({ "textDocument": { "uri": uri } }),
            };
            let before = stops(&server, method);
            let (response, after) = cancel_after_start(&mut server, method, params, delay);
            server.close(&uri);
            if error_code(&response).is_none() {
                // The work ended before the cancel came: a result is right.
                eprintln!("{method}: finished within {delay:?}");
                continue;
            }
            assert_eq!(error_code(&response), Some(-32800), "{method}: {response}");
            // The answer does not wait for the work.
            assert!(
                after < Duration::from_millis(500),
                "{method}: answered {after:?} after the cancel"
            );
            let deadline = Instant::now() + Duration::from_secs(5);
            while stops(&server, method) == before && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if stops(&server, method) > before {
                eprintln!("{method}: cancelled after {delay:?}; its work stopped");
                stopped = true;
                break;
            }
            eprintln!("{method}: cancelled after {delay:?}, before its work began");
        }
        assert!(
            stopped,
            "{method}: no cancelled request was seen stopping its work:\n{}",
            server.stderr()
        );
    }
    assert!(
        server.symbols(reference)["result"].is_array(),
        "the server stopped serving"
    );
    server.open(URI, 1, PLAN);
    assert_serving(&mut server);
    server.finish();
}
