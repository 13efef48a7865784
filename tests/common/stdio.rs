//! A client for the compiled `plan-lsp` binary over real stdin/stdout.
//!
//! A reader thread parses every byte of stdout as `Content-Length` frames
//! holding JSON-RPC 2.0 messages; anything else is recorded as a violation
//! that `finish` asserts away. Every wait is bounded.

#![allow(dead_code, reason = "each test binary uses a different part")]
#![allow(
    clippy::needless_pass_by_value,
    reason = "json! values are built at the call"
)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct StdioServer {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages received but not yet taken by a `wait_for`.
    pub stash: VecDeque<Value>,
    violation: Arc<Mutex<Option<String>>>,
    stderr: Arc<Mutex<String>>,
    next_id: i64,
}

/// Reads frames strictly: only `Content-Length`/`Content-Type` headers, a
/// blank line, then exactly that many bytes of JSON-RPC 2.0.
fn read_frames(stdout: impl Read, tx: &std::sync::mpsc::Sender<Value>) -> Result<(), String> {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut length = None;
        loop {
            let mut line = Vec::new();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| e.to_string())?;
            if n == 0 {
                return match length {
                    None => Ok(()),
                    Some(_) => Err("stdout ended inside a header".to_owned()),
                };
            }
            let line = String::from_utf8(line).map_err(|_| "non-UTF-8 header".to_owned())?;
            let Some(line) = line.strip_suffix("\r\n") else {
                return Err(format!("header line not ended by CRLF: {line:?}"));
            };
            if line.is_empty() {
                break;
            }
            match line.split_once(": ") {
                Some(("Content-Length", value)) => {
                    length = Some(value.parse::<usize>().map_err(|e| e.to_string())?);
                }
                Some(("Content-Type", _)) => {}
                _ => return Err(format!("unexpected bytes on stdout: {line:?}")),
            }
        }
        let length = length.ok_or("a frame without Content-Length")?;
        let mut body = vec![0; length];
        reader.read_exact(&mut body).map_err(|e| e.to_string())?;
        let message: Value = serde_json::from_slice(&body)
            .map_err(|e| format!("frame body is not JSON ({e}): {body:?}"))?;
        if message["jsonrpc"] != "2.0" {
            return Err(format!("not JSON-RPC 2.0: {message}"));
        }
        if tx.send(message).is_err() {
            return Ok(());
        }
    }
}

impl StdioServer {
    /// Spawns the binary with `program` as the command (the binary itself,
    /// or a wrapper such as strace followed by the binary).
    pub fn spawn_with(program: &[&str]) -> StdioServer {
        Self::spawn_logging(program, "warn")
    }

    /// Spawns `program` with `PLAN_LSP_LOG` set to `log`.
    pub fn spawn_logging(program: &[&str], log: &str) -> StdioServer {
        Self::spawn_env(program, &[("PLAN_LSP_LOG", log)])
    }

    /// Spawns `program` with these environment variables (`PLAN_LSP_LOG`
    /// is `warn` unless given).
    pub fn spawn_env(program: &[&str], env: &[(&str, &str)]) -> StdioServer {
        let mut child = Command::new(program[0])
            .args(&program[1..])
            .env("PLAN_LSP_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn plan-lsp");
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, incoming) = channel();
        let violation = Arc::new(Mutex::new(None));
        let seen = Arc::clone(&violation);
        std::thread::spawn(move || {
            if let Err(error) = read_frames(stdout, &tx) {
                *seen.lock().unwrap() = Some(error);
            }
        });
        let stderr_text = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr_text);
        std::thread::spawn(move || {
            let mut buf = [0; 8192];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        StdioServer {
            stdin: child.stdin.take(),
            child,
            incoming,
            stash: VecDeque::new(),
            violation,
            stderr: stderr_text,
            next_id: 1000,
        }
    }

    pub fn spawn() -> StdioServer {
        Self::spawn_with(&[env!("CARGO_BIN_EXE_plan-lsp")])
    }

    /// Spawns and initializes with `capabilities`; returns the result.
    pub fn start(capabilities: Value) -> (StdioServer, Value) {
        let mut server = Self::spawn();
        let result = server.initialize(capabilities);
        (server, result)
    }

    pub fn initialize(&mut self, capabilities: Value) -> Value {
        let response = self.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": capabilities }),
        );
        self.notify("initialized", json!({}));
        response["result"].clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write to plan-lsp");
        stdin.flush().expect("flush");
    }

    pub fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).unwrap();
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(&body);
        self.send_raw(&frame);
    }

    /// Sends a request and returns its id without waiting.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// Sends a request and waits for its response (`result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(id)
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// The response to request `id`.
    pub fn response(&mut self, id: i64) -> Value {
        self.wait_for(TIMEOUT, |m| m["id"] == id && m.get("method").is_none())
            .unwrap_or_else(|| {
                panic!(
                    "no response to {id} within {TIMEOUT:?}; stderr:\n{}",
                    self.stderr()
                )
            })
    }

    /// The first message (stashed or new) matching `pred`, within `timeout`.
    pub fn wait_for(&mut self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(at) = self.stash.iter().position(&pred) {
            return self.stash.remove(at);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) if pred(&message) => return Some(message),
                Ok(message) => {
                    // Keep responses; drop old notifications beyond a bound.
                    if self.stash.len() > 50_000 {
                        self.stash.pop_front();
                    }
                    self.stash.push_back(message);
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Moves everything received so far into the stash and returns it.
    pub fn drain(&mut self) -> Vec<Value> {
        while let Ok(message) = self.incoming.try_recv() {
            self.stash.push_back(message);
        }
        self.stash.drain(..).collect()
    }

    pub fn open(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "markdown", "version": version, "text": text } }),
        );
    }

    pub fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        );
    }

    pub fn close(&mut self, uri: &str) {
        self.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        );
    }

    /// The outline of `uri` (the whole response).
    pub fn symbols(&mut self, uri: &str) -> Value {
        self.request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri } }),
        )
    }

    /// Resident memory of the server in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    /// KiB in use in the server's main heap (glibc's `[heap]` mapping,
    /// where the documents of the load test live), read from outside
    /// through `/proc/<pid>/mem`: the chunks that their successor marks as
    /// in use. Unlike RSS, pages the allocator keeps after a free do not
    /// count. Chunks parked in per-thread caches do, so this overestimates by
    /// a few hundred KiB; per-thread arenas are not walked. `None` (with a
    /// notice) when there is no `[heap]`, the memory cannot be read, or the
    /// chunk walk does not end at the heap's end (not glibc's chunk layout).
    pub fn heap_in_use_kib(&self) -> Option<u64> {
        let heap = heap_in_use(self.pid());
        if let Err(reason) = &heap {
            eprintln!("notice: live heap not measured: {reason}");
        }
        heap.ok().map(|bytes| bytes / 1024)
    }

    /// Whether stdout was clean framed JSON-RPC so far.
    pub fn assert_clean_stdout(&self) {
        if let Some(violation) = self.violation.lock().unwrap().as_ref() {
            panic!("plan-lsp wrote a non-frame to stdout: {violation}");
        }
    }

    /// Shuts down, exits, and asserts a clean exit and clean stdout.
    pub fn finish(mut self) -> String {
        let response = self.request("shutdown", Value::Null);
        assert!(response.get("error").is_none(), "shutdown: {response}");
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "plan-lsp did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        // Let the reader see the end of stdout.
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            status.success(),
            "exit status {status}; stderr:\n{}",
            self.stderr()
        );
        self.assert_clean_stdout();
        self.stderr()
    }
}

impl StdioServer {
    /// Closes stdin without `exit`; returns the exit code and how long the
    /// server took to go.
    pub fn hang_up(mut self) -> (Option<i32>, Duration) {
        drop(self.stdin.take());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                std::thread::sleep(Duration::from_millis(50));
                self.assert_clean_stdout();
                return (status.code(), started.elapsed());
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "plan-lsp ignored the end of its input"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl StdioServer {
    /// Waits for the process to end by itself, stdin still open; returns
    /// its exit code and how long it took.
    pub fn wait_exit(&mut self) -> (Option<i32>, Duration) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                std::thread::sleep(Duration::from_millis(50));
                self.assert_clean_stdout();
                return (status.code(), started.elapsed());
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "plan-lsp did not exit; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for StdioServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Walks the malloc chunks of `pid`'s `[heap]`: each chunk is a header
/// (previous size, then size with flag bits) followed by its payload; bit 0
/// of a chunk's size says whether the chunk before it is in use.
fn heap_in_use(pid: u32) -> Result<u64, String> {
    use std::os::unix::fs::FileExt;
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).map_err(|e| e.to_string())?;
    let range = maps
        .lines()
        .find(|line| line.ends_with("[heap]"))
        .and_then(|line| line.split_whitespace().next())
        .ok_or("no [heap] mapping")?;
    let (start, end) = range.split_once('-').ok_or("bad maps line")?;
    let parse = |hex| u64::from_str_radix(hex, 16).map_err(|e| format!("{e}"));
    let (start, end) = (parse(start)?, parse(end)?);
    let mem = std::fs::File::open(format!("/proc/{pid}/mem")).map_err(|e| e.to_string())?;
    let mut heap = vec![0; usize::try_from(end - start).map_err(|e| e.to_string())?];
    mem.read_exact_at(&mut heap, start)
        .map_err(|e| e.to_string())?;
    let size_at = |offset: usize| {
        heap.get(offset + 8..offset + 16)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap()))
    };
    let (mut offset, mut previous, mut in_use) = (0usize, 0u64, 0u64);
    while let Some(header) = size_at(offset) {
        let size = usize::try_from(header & !7).unwrap_or(usize::MAX);
        if size < 32 || offset + size > heap.len() {
            break;
        }
        if header & 1 == 1 {
            in_use += previous;
        }
        previous = size as u64;
        offset += size;
    }
    // The last chunk walked is the free top chunk, which ends the heap.
    if heap.len() - offset > 4096 {
        return Err(format!(
            "chunk walk stopped {offset} bytes into a {}-byte heap",
            heap.len()
        ));
    }
    Ok(in_use)
}
