//! End-to-end latency of the release server over stdio, driven as an editor
//! drives it: initialize, didOpen to the first diagnostics, documentSymbol,
//! completion, a typing loop of incremental `didChange`s each followed by the
//! diagnostics of that version, the floor (a request answered without work)
//! and the server's peak RSS. Prints a markdown table and PASS/FAIL against
//! the targets of issue 5.
//!
//! `cargo run --release --example lsp_latency -- --steps 100`
//! (`--steps 10,100,1000` runs several sizes; `--server PATH` picks the
//! binary; `--keystrokes N` and `--requests N` set the sample counts;
//! `--folder` opens the plan inside a workspace folder with a `.git`
//! directory, as editors do, instead of without any folder).

#![allow(
    clippy::cast_precision_loss,
    reason = "kibibytes and milliseconds are far below 2^52"
)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "support/plan_gen.rs"]
mod plan_gen;

const TIMEOUT: Duration = Duration::from_secs(60);
const URI: &str = "file:///tmp/lsp-latency/bench-plan.md";

struct Options {
    steps: Vec<usize>,
    server: Option<PathBuf>,
    keystrokes: usize,
    requests: usize,
    /// Open the plan inside a workspace folder (with a `.git` directory).
    folder: bool,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        steps: vec![10, 100, 1_000],
        server: None,
        keystrokes: 300,
        requests: 200,
        folder: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--steps" => {
                options.steps = value()?
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|_| format!("bad --steps {s}")))
                    .collect::<Result<_, _>>()?;
            }
            "--server" => options.server = Some(PathBuf::from(value()?)),
            "--keystrokes" => {
                options.keystrokes = value()?.parse().map_err(|_| "bad --keystrokes")?;
            }
            "--requests" => options.requests = value()?.parse().map_err(|_| "bad --requests")?,
            "--folder" => options.folder = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if options.keystrokes < 200 {
        return Err("--keystrokes must be at least 200".to_owned());
    }
    Ok(options)
}

/// The release server next to this example, built first when run by cargo.
fn default_server() -> Result<PathBuf, String> {
    if let Ok(cargo) = std::env::var("CARGO") {
        let status = Command::new(cargo)
            .args(["build", "--release", "--quiet", "--bin", "plan-lsp"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err("cargo build --release --bin plan-lsp failed".to_owned());
        }
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let release = exe
        .parent()
        .and_then(|examples| examples.parent())
        .ok_or("cannot locate the target directory")?;
    Ok(release.join(format!("plan-lsp{}", std::env::consts::EXE_SUFFIX)))
}

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
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
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    fn spawn(server: &PathBuf) -> Result<Client, String> {
        let mut child = Command::new(server)
            .arg("--stdio")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", server.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Ok(Client {
            child,
            stdin,
            incoming,
            next_id: 1,
        })
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).expect("serializable");
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        self.stdin
            .write_all(header.as_bytes())
            .and_then(|()| self.stdin.write_all(&body))
            .and_then(|()| self.stdin.flush())
            .expect("the server accepts input");
    }

    fn notify(&mut self, method: &str, params: &Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Reads messages until `done` accepts one; answers server requests.
    fn wait_for(&mut self, mut done: impl FnMut(&Value) -> bool) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = match self.incoming.recv_timeout(left) {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => panic!("the server did not answer in time"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server exited"),
            };
            if done(&message) {
                return message;
            }
            if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
                let id = id.clone();
                self.send(&json!({"jsonrpc": "2.0", "id": id, "result": null}));
            }
        }
    }

    fn request(&mut self, method: &str, params: &Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
    }

    fn wait_diagnostics(&mut self, uri: &str, version: i64) -> Value {
        self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        })
    }

    fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    fn stop(mut self) {
        self.request("shutdown", &Value::Null);
        self.notify("exit", &Value::Null);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// p50 and p95 of samples, in milliseconds.
fn percentiles(samples: &mut [Duration]) -> (f64, f64) {
    samples.sort();
    let at = |percent: usize| {
        let index = (samples.len() - 1) * percent / 100;
        samples[index].as_secs_f64() * 1e3
    };
    (at(50), at(95))
}

fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

struct Measured {
    steps: usize,
    lines: usize,
    initialize: f64,
    open: f64,
    floor: (f64, f64),
    symbols: (f64, f64),
    completion: Option<(f64, f64)>,
    keystroke: (f64, f64),
    rss_mib: Option<f64>,
    diagnostics: usize,
}

/// The zero-based line and the column (UTF-16, ASCII here) just after the
/// middle step's `**Goal**: `.
fn typing_position(text: &str, steps: usize) -> (usize, usize) {
    let heading = format!("### Step {}: ", steps / 2);
    let at = text.find(&heading).expect("the middle step exists");
    let goal = at + text[at..].find("**Goal**: ").expect("the step has a goal");
    let line = text[..goal].matches('\n').count();
    (line, "**Goal**: ".len())
}

fn folder_dir() -> PathBuf {
    std::env::temp_dir().join(format!("lsp-latency-{}", std::process::id()))
}

/// A workspace folder holding the plan at `docs/bench-plan.md` and a `.git`
/// directory; returns the folder's URI and the plan's.
fn workspace_folder(text: &str) -> Result<(String, String), String> {
    let dir = folder_dir();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir.join("docs")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("docs/bench-plan.md"), text).map_err(|e| e.to_string())?;
    let root = format!("file://{}", dir.display());
    let uri = format!("{root}/docs/bench-plan.md");
    Ok((root, uri))
}

/// Where the plan is opened: `rootUri`, `workspaceFolders` and its URI.
fn placement(text: &str, folder: bool) -> Result<(Value, Value, String), String> {
    if !folder {
        return Ok((Value::Null, Value::Null, URI.to_owned()));
    }
    let (root, uri) = workspace_folder(text)?;
    let folders = json!([{ "uri": root, "name": "bench" }]);
    Ok((json!(root), folders, uri))
}

fn measure(server: &PathBuf, steps: usize, options: &Options) -> Result<Measured, String> {
    let text = plan_gen::generate(steps);
    let (root, folders, uri) = placement(&text, options.folder)?;
    let uri = uri.as_str();
    let mut client = Client::spawn(server)?;
    let mut init = Value::Null;
    let initialize = time(|| {
        init = client.request(
            "initialize",
            &json!({
                "processId": std::process::id(),
                "rootUri": root,
                "workspaceFolders": folders,
                "capabilities": {
                    "general": {"positionEncodings": ["utf-16"]},
                    "textDocument": {
                        "publishDiagnostics": {"versionSupport": true},
                        "documentSymbol": {"hierarchicalDocumentSymbolSupport": true}
                    }
                }
            }),
        );
    });
    client.notify("initialized", &json!({}));
    let has_completion = !init["result"]["capabilities"]["completionProvider"].is_null();

    let mut diagnostics = 0;
    let open = time(|| {
        client.notify(
            "textDocument/didOpen",
            &json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}),
        );
        let published = client.wait_diagnostics(uri, 1);
        diagnostics = published["params"]["diagnostics"]
            .as_array()
            .map_or(0, Vec::len);
    });

    let repeat = |client: &mut Client, method: &str, params: &Value| {
        let mut samples: Vec<Duration> = (0..options.requests)
            .map(|_| time(|| drop(client.request(method, params))))
            .collect();
        percentiles(&mut samples)
    };
    let floor = repeat(
        &mut client,
        "textDocument/foldingRange",
        &json!({"textDocument": {"uri": "file:///tmp/lsp-latency/not-open.md"}}),
    );
    let symbols = repeat(
        &mut client,
        "textDocument/documentSymbol",
        &json!({"textDocument": {"uri": uri}}),
    );
    let (line, column) = typing_position(&text, steps);
    let completion = has_completion.then(|| {
        repeat(
            &mut client,
            "textDocument/completion",
            &json!({"textDocument": {"uri": uri}, "position": {"line": line + 1, "character": 0}}),
        )
    });

    let word = b"incremental ";
    let mut samples = Vec::with_capacity(options.keystrokes);
    for i in 0..options.keystrokes {
        let version = 2 + i64::try_from(i).expect("few keystrokes");
        let character = column + i;
        let typed = char::from(word[i % word.len()]).to_string();
        samples.push(time(|| {
            client.notify(
                "textDocument/didChange",
                &json!({
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{
                        "range": {
                            "start": {"line": line, "character": character},
                            "end": {"line": line, "character": character}
                        },
                        "text": typed
                    }]
                }),
            );
            client.wait_diagnostics(uri, version);
        }));
    }
    let keystroke = percentiles(&mut samples);
    let rss_mib = client.peak_rss_kib().map(|kib| kib as f64 / 1024.0);
    client.stop();
    if options.folder {
        let _ = std::fs::remove_dir_all(folder_dir());
    }
    Ok(Measured {
        steps,
        lines: text.lines().count(),
        initialize: initialize.as_secs_f64() * 1e3,
        open: open.as_secs_f64() * 1e3,
        floor,
        symbols,
        completion,
        keystroke,
        rss_mib,
        diagnostics,
    })
}

/// `PASS`/`FAIL` for a measured value against an upper bound.
fn verdict(value: f64, limit: Option<f64>) -> (String, &'static str) {
    match limit {
        Some(limit) if value <= limit => (format!("<= {limit}"), "PASS"),
        Some(limit) => (format!("<= {limit}"), "FAIL"),
        None => ("-".to_owned(), ""),
    }
}

fn report(out: &mut impl Write, m: &Measured, failures: &mut usize) -> std::io::Result<()> {
    let big = m.steps >= 1_000;
    let mid = m.steps == 100;
    writeln!(
        out,
        "\n### {} steps, {} lines ({} diagnostics)\n",
        m.steps, m.lines, m.diagnostics
    )?;
    writeln!(out, "| metric | p50 | p95 | target (p50) | result |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    let mut row = |out: &mut dyn Write,
                   name: &str,
                   p50: String,
                   p95: String,
                   value: Option<f64>,
                   limit: Option<f64>|
     -> std::io::Result<()> {
        let (target, result) = match value {
            Some(value) => verdict(value, limit),
            None => ("-".to_owned(), "n/a"),
        };
        if result == "FAIL" {
            *failures += 1;
        }
        writeln!(out, "| {name} | {p50} | {p95} | {target} | {result} |")
    };
    let ms = |v: f64| format!("{v:.3} ms");
    row(
        out,
        "initialize",
        ms(m.initialize),
        "-".into(),
        Some(m.initialize),
        None,
    )?;
    let open_limit = if big {
        Some(100.0)
    } else if mid {
        Some(15.0)
    } else {
        None
    };
    row(
        out,
        "didOpen -> first diagnostics",
        ms(m.open),
        "-".into(),
        Some(m.open),
        open_limit,
    )?;
    row(
        out,
        "floor (foldingRange, unknown doc)",
        ms(m.floor.0),
        ms(m.floor.1),
        Some(m.floor.0),
        None,
    )?;
    let one = mid.then_some(1.0);
    row(
        out,
        "documentSymbol",
        ms(m.symbols.0),
        ms(m.symbols.1),
        Some(m.symbols.0),
        one,
    )?;
    match m.completion {
        Some((p50, p95)) => row(out, "completion", ms(p50), ms(p95), Some(p50), one)?,
        None => row(out, "completion", "n/a".into(), "n/a".into(), None, one)?,
    }
    let key_limit = if big { Some(3.0) } else { one };
    row(
        out,
        "keystroke -> fresh diagnostics",
        ms(m.keystroke.0),
        ms(m.keystroke.1),
        Some(m.keystroke.0),
        key_limit,
    )?;
    match m.rss_mib {
        Some(rss) => row(
            out,
            "peak RSS (VmHWM)",
            format!("{rss:.1} MiB"),
            "-".into(),
            Some(rss),
            big.then_some(40.0),
        )?,
        None => row(
            out,
            "peak RSS (VmHWM)",
            "n/a".into(),
            "-".into(),
            None,
            None,
        )?,
    }
    Ok(())
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let server = match options.server.clone().map_or_else(default_server, Ok) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    let mut failures = 0;
    let mut results = Vec::new();
    let _ = writeln!(
        out,
        "plan-lsp end-to-end latency: {} ({} keystrokes, {} requests per metric){}",
        server.display(),
        options.keystrokes,
        options.requests,
        if options.folder {
            ", the plan inside a workspace folder with .git"
        } else {
            ", no workspace folder"
        }
    );
    for &steps in &options.steps {
        match measure(&server, steps, &options) {
            Ok(m) => {
                let _ = report(&mut out, &m, &mut failures);
                results.push(m);
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        }
    }
    let small = results.iter().find(|m| m.steps == 10);
    let large = results.iter().find(|m| m.steps == 1_000);
    if let (Some(small), Some(large)) = (small, large) {
        let growth = large.keystroke.0 / small.keystroke.0;
        let result = if growth <= 3.0 { "PASS" } else { "FAIL" };
        if growth > 3.0 {
            failures += 1;
        }
        let _ = writeln!(
            out,
            "\nkeystroke growth 1,000 vs 10 steps (p50): {growth:.2}x (target <= 3x): {result}"
        );
    }
    let _ = writeln!(
        out,
        "\n{}",
        if failures == 0 {
            "ALL PASS".to_owned()
        } else {
            format!("{failures} FAIL")
        }
    );
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
