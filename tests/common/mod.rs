//! An in-process LSP client for end-to-end tests: the real server behind
//! the real transport (`plan_lsp::transport::serve`, the framing guard the
//! binary uses) over a duplex stream with real `Content-Length` framing.
//! Every wait is bounded.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, WriteHalf};
use tokio::sync::{mpsc, oneshot};

pub const TIMEOUT: Duration = Duration::from_secs(10);

type Pending = Arc<Mutex<HashMap<i64, oneshot::Sender<Value>>>>;

pub struct TestClient {
    writer: Arc<tokio::sync::Mutex<WriteHalf<DuplexStream>>>,
    pending: Pending,
    notifications: mpsc::UnboundedReceiver<Value>,
    next_id: i64,
    /// Every notification seen so far, in order.
    pub seen: Vec<Value>,
}

async fn write_message(writer: &tokio::sync::Mutex<WriteHalf<DuplexStream>>, message: &Value) {
    let body = serde_json::to_vec(message).expect("serialize");
    let mut writer = writer.lock().await;
    writer
        .write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes())
        .await
        .expect("write header");
    writer.write_all(&body).await.expect("write body");
    writer.flush().await.expect("flush");
}

/// Reads one framed message; `None` at end of stream.
pub async fn read_message<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).await.ok()?;
    Some(serde_json::from_slice(&body).expect("server wrote invalid JSON"))
}

impl TestClient {
    /// Starts a server and initializes it with `capabilities`.
    pub async fn start(capabilities: Value) -> (TestClient, Value) {
        Self::start_with(
            json!({ "processId": null, "rootUri": null, "capabilities": capabilities }),
        )
        .await
    }

    /// Starts a server and initializes it with full `initialize` params.
    pub async fn start_with(params: Value) -> (TestClient, Value) {
        let (client_side, server_side) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_side);
        // The production framing layer, as `plan-lsp` runs it on stdio.
        let (service, socket) = plan_lsp::server::service();
        tokio::spawn(plan_lsp::transport::serve(
            server_read,
            server_write,
            service,
            socket,
        ));
        let (client_read, client_write) = tokio::io::split(client_side);
        let writer = Arc::new(tokio::sync::Mutex::new(client_write));
        let pending: Pending = Arc::default();
        let (tx, notifications) = mpsc::unbounded_channel();
        tokio::spawn(reader_task(
            BufReader::new(client_read),
            Arc::clone(&writer),
            Arc::clone(&pending),
            tx,
        ));
        let mut client = TestClient {
            writer,
            pending,
            notifications,
            next_id: 1,
            seen: Vec::new(),
        };
        let result = client.request("initialize", params).await;
        client.notify("initialized", json!({})).await;
        (client, result["result"].clone())
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        write_message(
            &self.writer,
            &json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
        )
        .await;
        tokio::time::timeout(TIMEOUT, rx)
            .await
            .unwrap_or_else(|_| panic!("no answer to {method} within {TIMEOUT:?}"))
            .expect("reader stopped")
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        write_message(
            &self.writer,
            &json!({ "jsonrpc": "2.0", "method": method, "params": params }),
        )
        .await;
    }

    /// Waits for the next notification with this method.
    pub async fn notification(&mut self, method: &str) -> Value {
        loop {
            let next = tokio::time::timeout(TIMEOUT, self.notifications.recv())
                .await
                .unwrap_or_else(|_| panic!("no {method} within {TIMEOUT:?}"))
                .expect("reader stopped");
            self.seen.push(next.clone());
            if next["method"] == method {
                return next["params"].clone();
            }
        }
    }

    /// Waits for `publishDiagnostics` of `uri` at `version`; returns them.
    pub async fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        loop {
            let params = self.notification("textDocument/publishDiagnostics").await;
            if params["uri"] == uri && params["version"] == version {
                return params["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
        }
    }

    pub async fn open(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "markdown", "version": version, "text": text } }),
        )
        .await;
    }

    pub async fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        )
        .await;
    }

    pub async fn shutdown(mut self) {
        let response = self.request("shutdown", Value::Null).await;
        assert!(
            response.get("error").is_none(),
            "shutdown failed: {response}"
        );
        self.notify("exit", Value::Null).await;
    }
}

/// Routes responses to their requests, answers server requests with null,
/// and forwards notifications.
async fn reader_task(
    mut reader: BufReader<tokio::io::ReadHalf<DuplexStream>>,
    writer: Arc<tokio::sync::Mutex<WriteHalf<DuplexStream>>>,
    pending: Pending,
    notifications: mpsc::UnboundedSender<Value>,
) {
    while let Some(message) = read_message(&mut reader).await {
        match (message.get("id"), message.get("method")) {
            (Some(id), Some(_)) => {
                let reply = json!({ "jsonrpc": "2.0", "id": id, "result": null });
                write_message(&writer, &reply).await;
                let _ = notifications.send(message);
            }
            (Some(id), None) => {
                let sender = id
                    .as_i64()
                    .and_then(|id| pending.lock().unwrap().remove(&id));
                if let Some(sender) = sender {
                    let _ = sender.send(message);
                }
            }
            (None, _) => {
                let _ = notifications.send(message);
            }
        }
    }
}

/// The diagnostic codes of a list of LSP diagnostics, sorted.
pub fn codes(diagnostics: &[Value]) -> Vec<String> {
    let mut codes: Vec<String> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_owned())
        .collect();
    codes.sort();
    codes
}

/// Says that a test skipped something because `what` is absent: on the
/// terminal (past the test harness's output capture, so it shows without
/// `--nocapture`), or as a failure when `PLAN_LSP_REQUIRE_CORPUS=1` (as CI
/// sets it).
pub fn corpus_absent(what: &str) {
    use std::io::Write as _;
    let required = std::env::var("PLAN_LSP_REQUIRE_CORPUS").is_ok_and(|v| v == "1");
    assert!(!required, "PLAN_LSP_REQUIRE_CORPUS=1 but {what}");
    let _ = writeln!(std::io::stderr().lock(), "skipped: {what}");
}

/// Reads a corpus file from `../shared/corpus`, or says so (see
/// `corpus_absent`) and returns `None` when the corpus is absent.
pub fn corpus_file(relative: &str) -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(relative);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(error) => {
            corpus_absent(&format!(
                "corpus file {} is absent ({error})",
                path.display()
            ));
            None
        }
    }
}

/// The plans of the corpus as (file name, text); empty when the corpus is
/// absent (see `corpus_absent`).
pub fn corpus_plans() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/plans");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        corpus_absent(&format!("corpus directory {} is absent", dir.display()));
        return Vec::new();
    };
    let mut plans: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some((name, text))
        })
        .collect();
    plans.sort();
    plans
}

impl TestClient {
    /// The next notification already received, without waiting.
    pub fn try_notification(&mut self) -> Option<Value> {
        let next = self.notifications.try_recv().ok()?;
        self.seen.push(next.clone());
        Some(next)
    }
}
