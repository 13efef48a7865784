//! Security: the server treats plans as text. Commands in a plan are never
//! run, linked files (`../../etc/passwd`, a symlink out of the workspace)
//! are never read, and no network connection is opened. Under `strace`
//! (when installed and permitted) the binary makes no `execve` after its
//! own start, no socket calls, and opens only the loader's, `/proc/self`'s
//! and cgroup files. With a workspace folder, it opens nothing outside it.

#[path = "common/stdio.rs"]
mod stdio;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use stdio::StdioServer;

struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("plan-lsp-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A plan full of commands aimed at `dir` and links out of the workspace.
fn hostile_plan(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "# Hostile Plan\n\n## Overview\n\nSee [passwd](../../etc/passwd), [abs](/etc/passwd), \
         [file](file:///etc/passwd), [escape](secret.md) and `$(touch {d}/inline)`.\n\n\
         ## Implementation Steps\n\n### Step 0: Setup\n\n**Goal**: $(touch {d}/goal)\n\n\
         ```bash\nrm -rf {d}/victim\n$(touch {d}/subst)\n`touch {d}/backtick`\ntouch {d}/plain; curl http://127.0.0.1:9/x\n```\n\n\
         ```sh\n#!/bin/sh\necho pwned > {d}/echo\n```\n\n<script>fetch('http://127.0.0.1:9')</script>\n\n\
         <!-- $(touch {d}/comment) -->\n\n**Verification**:\n```bash\ntouch {d}/verify\n```\n"
    )
}

/// Opens, edits and queries the hostile plan; returns everything received.
fn exercise(server: &mut StdioServer, dir: &Path) -> Vec<Value> {
    let uri = format!("file://{}/docs/hostile-plan.md", dir.display());
    let text = hostile_plan(dir);
    server.open(&uri, 1, &text);
    server.change(
        &uri,
        2,
        json!([{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "<!-- $(touch x) -->\n" }]),
    );
    let doc = json!({ "textDocument": { "uri": uri } });
    let mut seen = Vec::new();
    for method in [
        "textDocument/documentSymbol",
        "textDocument/foldingRange",
        "textDocument/diagnostic",
    ] {
        let response = server.request(method, doc.clone());
        assert!(response.get("error").is_none(), "{method}: {response}");
        seen.push(response);
    }
    server.close(&uri);
    // Leave time for the diagnostics publisher, then collect the rest.
    std::thread::sleep(std::time::Duration::from_millis(200));
    seen.extend(server.drain());
    seen
}

fn workspace(label: &str) -> TempDir {
    let dir = TempDir::new(label);
    std::fs::create_dir_all(dir.0.join("victim")).unwrap();
    std::fs::create_dir_all(dir.0.join("docs")).unwrap();
    let _ = std::os::unix::fs::symlink("/etc/passwd", dir.0.join("docs/secret.md"));
    dir
}

fn assert_no_trace(dir: &Path, seen: &[Value]) {
    for marker in [
        "inline", "goal", "subst", "backtick", "plain", "echo", "comment", "verify",
    ] {
        assert!(
            !dir.join(marker).exists(),
            "a command from the plan ran: {marker}"
        );
    }
    assert!(dir.join("victim").is_dir(), "rm -rf from the plan ran");
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let output = serde_json::to_string(seen).unwrap();
    for line in passwd.lines().filter(|l| l.len() > 8) {
        assert!(
            !output.contains(line),
            "a line of /etc/passwd appears in the responses"
        );
    }
    assert!(!output.contains("root:x:0"), "passwd content leaked");
}

#[test]
fn commands_in_a_plan_never_run_and_links_are_never_read() {
    let dir = workspace("security-plain");
    let (mut server, _) = StdioServer::start(json!({ "textDocument": { "diagnostic": {} } }));
    let seen = exercise(&mut server, &dir.0);
    server.finish();
    assert_no_trace(&dir.0, &seen);
    // The push path too (no pull capability): diagnostics are published.
    let (mut server, _) = StdioServer::start(json!({}));
    let seen = exercise(&mut server, &dir.0);
    assert!(
        seen.iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"),
        "no diagnostics were pushed"
    );
    server.finish();
    assert_no_trace(&dir.0, &seen);
}

/// Paths the binary may open besides shared libraries: the loader's cache,
/// its own `/proc/self` files and the cgroup files the runtime reads to size its thread pool.
/// What the runtime itself opens: the loader, the allocator (glibc reads
/// the overcommit setting when it trims), thread and CPU-count probes.
const ALLOWED_OPENS: [&str; 8] = [
    "/etc/ld.so.cache",
    "/proc/sys/vm/overcommit_memory",
    "/lib/",
    "/lib64/",
    "/usr/lib",
    "/proc/self/",
    "/sys/fs/cgroup/",
    "/sys/devices/system/cpu/",
];

/// Whether strace must be there: `PLAN_LSP_REQUIRE_STRACE=1` (set by CI).
fn strace_required() -> bool {
    std::env::var("PLAN_LSP_REQUIRE_STRACE").is_ok_and(|v| v == "1")
}

/// Whether `strace` can run here; prints why the test is skipped when not,
/// and fails instead when strace is required.
fn strace_available() -> bool {
    let available = std::process::Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            !strace_required(),
            "PLAN_LSP_REQUIRE_STRACE=1 but strace is not installed (apt-get install strace)"
        );
        eprintln!("skipped: strace is not installed (apt-get install strace)");
    }
    available
}

/// Whether strace could trace the server (ptrace may be refused); prints
/// why the test is skipped when not, and fails instead when required.
fn traced(trace: &str) -> bool {
    if trace.contains("execve(") || trace.contains("open") {
        return true;
    }
    assert!(
        !strace_required(),
        "PLAN_LSP_REQUIRE_STRACE=1 but strace could not trace (ptrace not permitted?)"
    );
    eprintln!("skipped: strace could not trace (ptrace not permitted?)");
    false
}

/// The server started under `strace`, following its threads, writing the
/// given system `calls` to `log`, each line stamped with the wall clock
/// (seconds since the epoch).
fn under_strace(calls: &str, log: &Path) -> StdioServer {
    let trace = format!("trace={calls}");
    let log = log.to_string_lossy();
    StdioServer::spawn_with(&[
        "strace",
        "-f",
        "-qq",
        "-ttt",
        "-e",
        &trace,
        "-o",
        &log,
        env!("CARGO_BIN_EXE_plan-lsp"),
    ])
}

#[test]
fn under_strace_no_exec_no_network_no_stray_files() {
    if !strace_available() {
        return;
    }
    let dir = workspace("security-strace");
    let log = dir.0.join("strace.log");
    let mut server = under_strace(
        "execve,execveat,fork,vfork,clone3,connect,socket,bind,sendto,openat,open",
        &log,
    );
    server.initialize(json!({ "textDocument": { "diagnostic": {} } }));
    let seen = exercise(&mut server, &dir.0);
    server.finish();
    assert_no_trace(&dir.0, &seen);
    let trace = std::fs::read_to_string(&log).unwrap_or_default();
    if !traced(&trace) {
        return;
    }
    let calls: Vec<&str> = trace
        .lines()
        .filter(|l| !l.contains("resumed>") && !l.starts_with("+++") && !l.contains("---"))
        .collect();
    let execs = calls
        .iter()
        .filter(|l| l.contains("execve(") || l.contains("execveat("))
        .count();
    assert_eq!(execs, 1, "plan-lsp executed something:\n{trace}");
    for call in [
        "connect(", "socket(", "bind(", "sendto(", "vfork(", " fork(",
    ] {
        assert!(
            !calls.iter().any(|l| l.contains(call)),
            "plan-lsp made a {call} call:\n{trace}"
        );
    }
    for line in calls.iter().filter(|l| l.contains("open")) {
        let path = line.split('"').nth(1).unwrap_or_default();
        // The dynamic loader probes its search path for shared libraries.
        let library = path.rsplit('/').next().is_some_and(|f| f.contains(".so"));
        assert!(
            library || ALLOWED_OPENS.iter().any(|p| path.starts_with(p)),
            "plan-lsp opened {path}:\n{line}"
        );
    }
    eprintln!(
        "strace: {} calls traced, 1 execve (the server itself), no sockets",
        calls.len()
    );
}

/// With a workspace folder, the server indexes it and resolves paths
/// written in a plan, but opens nothing outside it: not `/etc/passwd` by
/// `../../etc/passwd` nor through a symlink, not the folder's parents.
#[test]
fn under_strace_with_a_workspace_only_the_workspace_is_read() {
    if !strace_available() {
        return;
    }
    let dir = workspace("security-workspace");
    let ws = dir.0.canonicalize().unwrap();
    std::fs::create_dir_all(ws.join("src")).unwrap();
    std::fs::write(ws.join("src/x.py"), "X = 1\n").unwrap();
    let _ = std::os::unix::fs::symlink("/etc/passwd", ws.join("src/passwd.py"));
    let plan = "# ws Plan\n\n> **Track Progress**: See `docs/secret.md` for status.\n\n\
                ## Overview\n\nSee `../../etc/passwd`, `src/passwd.py`, `docs/secret.md` and `src/x.py`.\n";
    std::fs::write(ws.join("docs/ws-plan.md"), plan).unwrap();
    let log = ws.join("strace.log");
    let mut server = under_strace("openat,open", &log);
    let root = format!("file://{}", ws.display());
    server.request(
        "initialize",
        json!({ "processId": null, "rootUri": root, "capabilities": {} }),
    );
    server.notify("initialized", json!({}));
    let uri = format!("{root}/docs/ws-plan.md");
    server.open(&uri, 1, plan);
    let doc = json!({ "textDocument": { "uri": uri } });
    // The index is built in the background: ask until the plan is found.
    let mut found = false;
    for _ in 0..100 {
        let response = server.request("workspace/symbol", json!({ "query": "ws plan" }));
        if response["result"].as_array().is_some_and(|a| !a.is_empty()) {
            found = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(found, "the workspace plan was never indexed");
    let links = server.request("textDocument/documentLink", doc.clone());
    let targets = links["result"].to_string();
    assert!(targets.contains("src/x.py"), "{links}");
    assert!(!targets.contains("passwd"), "{links}");
    server.close(&uri);
    std::thread::sleep(std::time::Duration::from_millis(200));
    server.finish();
    let trace = std::fs::read_to_string(&log).unwrap_or_default();
    if !traced(&trace) {
        return;
    }
    let ws_text = ws.to_string_lossy().into_owned();
    assert!(
        trace.contains(&format!("{ws_text}/docs/ws-plan.md")),
        "the index never read the plan:\n{trace}"
    );
    for line in trace.lines().filter(|l| l.contains("open")) {
        let path = line.split('"').nth(1).unwrap_or_default();
        let library = path.rsplit('/').next().is_some_and(|f| f.contains(".so"));
        assert!(
            library
                || path.starts_with(&ws_text)
                || ALLOWED_OPENS.iter().any(|p| path.starts_with(p)),
            "plan-lsp opened {path} outside the workspace:\n{line}"
        );
    }
}

/// Seconds since the epoch, as strace's `-ttt` stamps its lines.
fn epoch_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The wall-clock stamp of a `strace -f -ttt` line (`PID SECONDS call(...)`).
fn stamp(line: &str) -> Option<f64> {
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A keystroke touches no file: in a workspace folder with a `.git`
/// directory and a `plan-lsp.toml`, and a plan whose preamble names a file
/// that does not exist (a `missing-file` hint), 100 keystrokes, each waited
/// for until its diagnostics are published, make at most 5 file system
/// calls in all.
#[test]
fn under_strace_keystrokes_touch_no_file() {
    if !strace_available() {
        return;
    }
    let dir = TempDir::new("keystrokes");
    let ws = dir.0.canonicalize().unwrap();
    std::fs::create_dir_all(ws.join(".git")).unwrap();
    std::fs::create_dir_all(ws.join("docs")).unwrap();
    std::fs::write(
        ws.join("plan-lsp.toml"),
        "[rules]\nstep-numbering = \"off\"\n",
    )
    .unwrap();
    let plan = "# keys Plan\n\n> **Track Progress**: See `docs/keys-results.md` for status.\n\n\
                ## Overview\n\nText.\n\n## Implementation Steps\n\n### Step 0: Setup\n\n**Goal**: \n";
    std::fs::write(ws.join("docs/keys-plan.md"), plan).unwrap();
    let log = ws.join("strace.log");
    let mut server = under_strace("%file", &log);
    let root = format!("file://{}", ws.display());
    server.request(
        "initialize",
        json!({ "processId": null, "rootUri": root, "capabilities": {} }),
    );
    server.notify("initialized", json!({}));
    let uri = format!("{root}/docs/keys-plan.md");
    server.open(&uri, 1, plan);
    let published = |server: &mut StdioServer, version: i64| {
        server
            .wait_for(stdio::TIMEOUT, |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri.as_str()
                    && m["params"]["version"] == version
            })
            .unwrap_or_else(|| panic!("no diagnostics for version {version}"))
    };
    let first = published(&mut server, 1);
    let text = first.to_string();
    assert!(
        text.contains("missing-file"),
        "no missing-file hint: {first}"
    );
    // Let the workspace scan finish before the keystrokes.
    for _ in 0..100 {
        let response = server.request("workspace/symbol", json!({ "query": "keys plan" }));
        if response["result"].as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let line = plan.lines().count() - 1;
    let started = epoch_seconds();
    for i in 0..100 {
        let version = 2 + i;
        let at = json!({ "line": line, "character": 10 + i });
        server.change(
            &uri,
            version,
            json!([{ "range": { "start": at, "end": at }, "text": "x" }]),
        );
        let diagnostics = published(&mut server, version);
        assert!(
            diagnostics.to_string().contains("missing-file"),
            "the hint went away at version {version}"
        );
    }
    let ended = epoch_seconds();
    server.finish();
    let trace = std::fs::read_to_string(&log).unwrap_or_default();
    if !traced(&trace) {
        return;
    }
    let during: Vec<&str> = trace
        .lines()
        .filter(|l| !l.contains("resumed>") && !l.starts_with("+++") && !l.contains("---"))
        .filter(|l| stamp(l).is_some_and(|t| t >= started && t <= ended))
        .collect();
    eprintln!(
        "strace: {} file system calls during 100 keystrokes",
        during.len()
    );
    assert!(
        during.len() <= 5,
        "{} file system calls during 100 keystrokes:\n{}",
        during.len(),
        during.join("\n")
    );
}
