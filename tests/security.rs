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

/// Whether `strace` can run here; prints why the test is skipped when not.
fn strace_available() -> bool {
    let available = std::process::Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        eprintln!("skipped: strace is not installed (apt-get install strace)");
    }
    available
}

/// The server started under `strace`, following its threads, writing the
/// given system `calls` to `log`.
fn under_strace(calls: &str, log: &Path) -> StdioServer {
    let trace = format!("trace={calls}");
    let log = log.to_string_lossy();
    StdioServer::spawn_with(&[
        "strace",
        "-f",
        "-qq",
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
    if !trace.contains("execve(") {
        eprintln!("skipped: strace could not trace (ptrace not permitted?)");
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
    if !trace.contains("open") {
        eprintln!("skipped: strace could not trace (ptrace not permitted?)");
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
