//! End-to-end tests of the workspace features over the real server, with a
//! temporary workspace directory: workspace symbols of plans that are not
//! open, links and go-to-definition for file paths (never out of the
//! workspace), the `missing-file` hint following file events, code lenses.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use common::{TIMEOUT, TestClient};
use serde_json::{Value, json};

/// A temporary directory with a unique name, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "plan-lsp-ws-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir.canonicalize().unwrap())
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn uri(&self, relative: &str) -> String {
        uri(&self.0.join(relative))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Starts a server on the workspace folder `dir`.
async fn start(dir: &Path, capabilities: Value) -> TestClient {
    let folder = uri(dir);
    let (client, _) = TestClient::start_with(json!({
        "processId": null,
        "rootUri": folder,
        "workspaceFolders": [{ "uri": folder, "name": "ws" }],
        "capabilities": capabilities,
    }))
    .await;
    client
}

const SEARCH_PLAN: &str = "# search Plan

> **Track Progress**: See `docs/search-results.md` for status.

## Overview

Text.

## Implementation Steps

### Step 0: Setup

- [x] Create the project

### Step 1: Parse Config

- [ ] Read `src/config.py`
";

/// Asks `workspace/symbol` until `accept` holds of the answer (the index is
/// built in the background), or panics after the timeout.
async fn symbols_until(
    client: &mut TestClient,
    query: &str,
    accept: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let response = client
            .request("workspace/symbol", json!({ "query": query }))
            .await;
        let found = response["result"].as_array().cloned().unwrap_or_default();
        if accept(&found) {
            return found;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "workspace/symbol {query:?} never satisfied the test: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn names(found: &[Value]) -> Vec<String> {
    found
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_symbol_finds_steps_of_plans_that_are_not_open() {
    let ws = TempDir::new("symbols");
    ws.write("docs/search-plan.md", SEARCH_PLAN);
    ws.write(
        "notes.md",
        "# Notes\n\n## Parse Config Notes\n\nNot a plan.\n",
    );
    ws.write(".gitignore", "ignored/\n");
    ws.write(
        "ignored/old-plan.md",
        "# old Plan\n\n## Implementation Steps\n\n### Step 1: Parse Ignored\n",
    );
    let huge = format!(
        "# huge Plan\n\n## Implementation Steps\n\n### Step 1: Parse Huge\n\n{}",
        "filler line of text\n".repeat(110_000)
    );
    ws.write("docs/huge-plan.md", &huge);
    let capabilities =
        json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let mut client = start(&ws.0, capabilities).await;

    // One watcher registration covers plans, templates and plan-lsp.toml.
    let params = client.notification("client/registerCapability").await;
    let registrations = params["registrations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(registrations.len(), 1, "{params}");
    let registration = &registrations[0];
    assert_eq!(registration["id"], "plan-lsp-watch");
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<&Value> = registration["registerOptions"]["watchers"]
        .as_array()
        .map(|w| w.iter().map(|w| &w["globPattern"]).collect())
        .unwrap_or_default();
    assert_eq!(globs, [&json!("**/*.md"), &json!("**/plan-lsp.toml")]);

    let found = symbols_until(&mut client, "parse config", |f| !f.is_empty()).await;
    assert_eq!(names(&found), ["Step 1: Parse Config"], "{found:?}");
    let step = &found[0];
    assert_eq!(step["location"]["uri"], ws.uri("docs/search-plan.md"));
    assert_eq!(
        step["location"]["range"]["start"],
        json!({ "line": 14, "character": 0 })
    );
    assert_eq!(step["containerName"], "Implementation Steps");
    assert_eq!(step["kind"], 12, "a step is a function-like symbol");

    // Sections too, ranked: prefix first, then word starts, then the rest.
    let found = symbols_until(&mut client, "s", |f| !f.is_empty()).await;
    let all = names(&found);
    assert_eq!(
        all,
        [
            "search Plan",
            "Step 0: Setup",
            "Step 1: Parse Config",
            "Implementation Steps"
        ],
        "{found:?}"
    );
    // Not a plan, ignored by .gitignore, or over the size limit: not indexed.
    for query in ["Parse Config Notes", "Parse Ignored", "Parse Huge"] {
        let response = client
            .request("workspace/symbol", json!({ "query": query }))
            .await;
        assert_eq!(response["result"], json!([]), "{query}: {response}");
    }

    // A plan created on disk appears after the watched-file event; a deleted
    // one disappears.
    let created = ws.write(
        "docs/new-plan.md",
        "# new Plan\n\n## Implementation Steps\n\n### Step 1: Brand New Step\n",
    );
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": uri(&created), "type": 1 }] }),
        )
        .await;
    let found = symbols_until(&mut client, "brand new", |f| !f.is_empty()).await;
    assert_eq!(found[0]["location"]["uri"], uri(&created));
    std::fs::remove_file(&created).unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": uri(&created), "type": 3 }] }),
        )
        .await;
    symbols_until(&mut client, "brand new", <[Value]>::is_empty).await;

    // An open plan is searched in its current text, not the file on disk.
    let open = ws.uri("docs/search-plan.md");
    client
        .open(
            &open,
            1,
            &SEARCH_PLAN.replace("Parse Config", "Load Settings"),
        )
        .await;
    let found = symbols_until(&mut client, "load settings", |f| !f.is_empty()).await;
    assert_eq!(found[0]["location"]["uri"], open);
    let response = client
        .request("workspace/symbol", json!({ "query": "parse config" }))
        .await;
    assert_eq!(response["result"], json!([]), "{response}");
    client.shutdown().await;
}

/// A link's target as a path relative to the workspace.
fn relative_target(ws: &TempDir, link: &Value) -> String {
    let target = link["target"].as_str().unwrap();
    target
        .strip_prefix(&format!("{}/", uri(&ws.0)))
        .unwrap_or(target)
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_links_point_at_existing_files_inside_the_workspace_only() {
    let ws = TempDir::new("links");
    let outside = TempDir::new("outside");
    outside.write("secret.py", "SECRET = 1\n");
    ws.write("src/x.py", "X = 1\n");
    ws.write("tests/test_x.py", "def test_x(): pass\n");
    ws.write("docs/local.md", "# Local\n");
    std::os::unix::fs::symlink("/etc/passwd", ws.0.join("src/escape.py")).unwrap();
    std::os::unix::fs::symlink(outside.0.join("secret.py"), ws.0.join("src/away.py")).unwrap();
    std::os::unix::fs::symlink(ws.0.join("src/x.py"), ws.0.join("src/inner.py")).unwrap();
    std::os::unix::fs::symlink(&outside.0, ws.0.join("linked")).unwrap();
    let text = "# links Plan

## Files

| File | Action |
|------|--------|
| `src/x.py` | Create |
| `tests/test_x.py` | Create |
| `src/missing.py` | Create |

See `../../etc/passwd`, `src/escape.py`, `src/away.py`, `linked/secret.py`,
`/etc/passwd`, `docs/../src/x.py`, `local.md` and `src/inner.py`.
";
    let plan = ws.uri("docs/links-plan.md");
    let mut client = start(&ws.0, json!({})).await;
    client.open(&plan, 1, text).await;
    let response = client
        .request(
            "textDocument/documentLink",
            json!({ "textDocument": { "uri": plan } }),
        )
        .await;
    let links = response["result"].as_array().cloned().unwrap_or_default();
    let targets: Vec<String> = links.iter().map(|l| relative_target(&ws, l)).collect();
    assert_eq!(
        targets,
        [
            "src/x.py",
            "tests/test_x.py",
            "docs/local.md",
            "src/inner.py"
        ],
        "{response}"
    );
    assert_eq!(
        links[0]["range"],
        json!({ "start": { "line": 6, "character": 3 }, "end": { "line": 6, "character": 11 } })
    );

    let definition = |line: u32, character: u32| json!({ "textDocument": { "uri": plan }, "position": { "line": line, "character": character } });
    let response = client
        .request("textDocument/definition", definition(6, 5))
        .await;
    assert_eq!(response["result"]["uri"], ws.uri("src/x.py"), "{response}");
    // `src/escape.py` on line 10 is a symlink to /etc/passwd: no target.
    let response = client
        .request("textDocument/definition", definition(10, 27))
        .await;
    assert_eq!(response["result"], Value::Null, "{response}");
    // `../../etc/passwd` is refused before any lookup.
    let response = client
        .request("textDocument/definition", definition(10, 8))
        .await;
    assert_eq!(response["result"], Value::Null, "{response}");
    client.shutdown().await;
}

const TRACKED_PLAN: &str = "# tracked Plan

> **Design**: See `docs/tracked-design.md` for analysis.
>
> **Track Progress**: See `docs/tracked-results.md` for status.

## Overview

Text.
";

fn missing_files(diagnostics: &[Value]) -> Vec<&Value> {
    diagnostics
        .iter()
        .filter(|d| d["code"] == "missing-file")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_results_file_hint_follows_file_events() {
    let ws = TempDir::new("hint");
    ws.write("docs/tracked-design.md", "# Design\n");
    let plan = ws.uri("docs/tracked-plan.md");
    let mut client = start(&ws.0, json!({})).await;
    client.open(&plan, 1, TRACKED_PLAN).await;
    let diagnostics = client.diagnostics(&plan, 1).await;
    let hints = missing_files(&diagnostics);
    assert_eq!(hints.len(), 1, "{diagnostics:?}");
    assert_eq!(hints[0]["severity"], 4, "a hint");
    assert_eq!(
        hints[0]["range"],
        json!({ "start": { "line": 4, "character": 27 }, "end": { "line": 4, "character": 50 } })
    );
    assert!(
        hints[0]["message"]
            .as_str()
            .unwrap()
            .contains("docs/tracked-results.md"),
        "{:?}",
        hints[0]
    );

    // Typing below the preamble keeps the hint; editing the path in the
    // preamble to a file that exists removes it, and back brings it back.
    let end = TRACKED_PLAN.lines().count();
    let at = json!({ "line": end, "character": 0 });
    client
        .change(
            &plan,
            2,
            json!([{ "range": { "start": at, "end": at }, "text": "More.\n" }]),
        )
        .await;
    let diagnostics = client.diagnostics(&plan, 2).await;
    assert_eq!(missing_files(&diagnostics).len(), 1, "{diagnostics:?}");
    let path = |old: &str, new: &str| json!([{ "range": { "start": { "line": 4, "character": 27 }, "end": { "line": 4, "character": 27 + old.len() } }, "text": new }]);
    let (missing, present) = ("docs/tracked-results.md", "docs/tracked-design.md");
    client.change(&plan, 3, path(missing, present)).await;
    let diagnostics = client.diagnostics(&plan, 3).await;
    assert!(missing_files(&diagnostics).is_empty(), "{diagnostics:?}");
    client.change(&plan, 4, path(present, missing)).await;
    let diagnostics = client.diagnostics(&plan, 4).await;
    assert_eq!(missing_files(&diagnostics).len(), 1, "{diagnostics:?}");

    let results = ws.write("docs/tracked-results.md", "# Results\n");
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": uri(&results), "type": 1 }] }),
        )
        .await;
    let diagnostics = client.diagnostics(&plan, 4).await;
    assert!(missing_files(&diagnostics).is_empty(), "{diagnostics:?}");

    // Without workspace folders nothing is looked up, so nothing is missing.
    let (mut bare, _) = TestClient::start(json!({})).await;
    bare.open(&ws.uri("docs/other-plan.md"), 1, TRACKED_PLAN)
        .await;
    let diagnostics = bare.diagnostics(&ws.uri("docs/other-plan.md"), 1).await;
    assert!(missing_files(&diagnostics).is_empty(), "{diagnostics:?}");
    bare.shutdown().await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_file_hint_is_pulled_too() {
    let ws = TempDir::new("pull");
    let plan = ws.uri("docs/tracked-plan.md");
    let mut client = start(&ws.0, json!({ "textDocument": { "diagnostic": {} } })).await;
    client.open(&plan, 1, TRACKED_PLAN).await;
    let response = client
        .request(
            "textDocument/diagnostic",
            json!({ "textDocument": { "uri": plan } }),
        )
        .await;
    let items = response["result"]["items"].as_array().cloned().unwrap();
    assert_eq!(missing_files(&items).len(), 2, "{response}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_lenses_count_checklist_progress() {
    let uri = "file:///nowhere/docs/lens-plan.md";
    let text = "# lens Plan

## Success Criteria

- [x] Works
- [ ] Fast

## Implementation Steps

### Step 0: Setup

- [x] One
- [x] Two

### Step 1: Build

- [ ] One
- [x] Two
- [ ] Three

### Step 2: Later
";
    let (mut client, result) = TestClient::start(json!({})).await;
    assert_eq!(
        result["capabilities"]["codeLensProvider"]["resolveProvider"],
        false
    );
    client.open(uri, 1, text).await;
    let response = client
        .request(
            "textDocument/codeLens",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    let lenses: Vec<(u64, String)> = response["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["range"]["start"]["line"].as_u64().unwrap(),
                l["command"]["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        (0, "plan progress: 4/7 done (57%)"),
        (2, "1/2 done"),
        (9, "2/2 done"),
        (14, "1/3 done"),
    ];
    assert_eq!(
        lenses,
        expected.map(|(l, t)| (l, t.to_owned())),
        "{response}"
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_folders_can_be_added_and_removed() {
    let first = TempDir::new("folder-a");
    first.write("docs/search-plan.md", SEARCH_PLAN);
    let second = TempDir::new("folder-b");
    second.write(
        "docs/export-plan.md",
        &SEARCH_PLAN
            .replace("# search Plan", "# export Plan")
            .replace("Parse Config", "Write Export"),
    );
    let mut client = start(&first.0, json!({})).await;
    symbols_until(&mut client, "parse config", |found| !found.is_empty()).await;
    let none = client
        .request("workspace/symbol", json!({ "query": "write export" }))
        .await;
    assert!(
        none["result"].as_array().is_none_or(Vec::is_empty),
        "{none}"
    );

    client
        .notify(
            "workspace/didChangeWorkspaceFolders",
            json!({ "event": {
                "added": [{ "uri": uri(&second.0), "name": "b" }],
                "removed": [{ "uri": uri(&first.0), "name": "ws" }],
            } }),
        )
        .await;
    let found = symbols_until(&mut client, "write export", |found| !found.is_empty()).await;
    assert!(
        names(&found).iter().any(|n| n.contains("Write Export")),
        "{found:?}"
    );
    symbols_until(&mut client, "parse config", <[Value]>::is_empty).await;
    client.shutdown().await;
}
