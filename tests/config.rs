//! Configuration end to end: `plan-lsp.toml` discovery with the corpus
//! templates, `--print-schema`, rule levels changed while a plan is open,
//! templates checked as templates, and the workspace boundary.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{TestClient, codes, corpus_file};
use plan_lsp::config::Store;
use plan_lsp::plan::{self, Code, Diagnostic, Role};
use serde_json::{Value, json};

/// A fresh directory under the system's temporary directory, removed on drop.
struct Workspace {
    root: PathBuf,
}

impl Workspace {
    fn new(name: &str) -> Workspace {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "plan-lsp-config-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let root = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&root).unwrap();
        // A `.git` entry makes the directory a root for discovery.
        std::fs::create_dir_all(root.join(".git")).unwrap();
        Workspace {
            root: root.canonicalize().unwrap(),
        }
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn uri(&self, relative: &str) -> String {
        format!("file://{}", self.root.join(relative).display())
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Analyses `path` (with `text`) as the server and the CLI do.
fn check(store: &mut Store, path: &Path, text: &str) -> (plan::Analysis, Role) {
    let resolved = store.resolve(Some(path), text);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let ctx = resolved.context(name);
    (plan::analyze(text, &resolved.schema, &ctx), ctx.role)
}

fn structural(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|d| matches!(d.code, Code::MissingSection | Code::SectionOrder))
        .map(|d| d.message.clone())
        .collect()
}

/// The section a `missing-section` message names: its first `` `## Name` ``.
fn named_section(message: &str) -> &str {
    let start = message.find("`## ").map_or(0, |i| i + 4);
    let end = message[start..]
        .find('`')
        .map_or(message.len(), |i| start + i);
    &message[start..end]
}

/// Removes the `## name` section (up to the next `## `) from a plan.
fn delete_section(text: &str, name: &str) -> String {
    let heading = format!("\n## {name}\n");
    let start = text.find(&heading).expect("the plan has the section") + 1;
    let end = text[start + 3..]
        .find("\n## ")
        .map_or(text.len(), |i| start + 3 + i + 1);
    format!("{}{}", &text[..start], &text[end..])
}

fn corpus_pair(template: &str, prefix: &str) -> Option<(String, Vec<(String, String)>)> {
    let template = corpus_file(&format!("templates/{template}"))?;
    let plans: Vec<(String, String)> = common::corpus_plans()
        .into_iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .map(|(name, text)| (name.rsplit("__").next().unwrap().to_owned(), text))
        .collect();
    assert!(!plans.is_empty(), "no {prefix} plans in the corpus");
    Some((template, plans))
}

/// The plans written from a template, checked against it, get no
/// structural finding about a section the template does not have, and
/// still get one when a section the template has is deleted.
fn corpus_plans_fit_their_template(template_file: &str, prefix: &str, files: &str) {
    let Some((template, plans)) = corpus_pair(template_file, prefix) else {
        return;
    };
    let ws = Workspace::new(prefix.trim_end_matches("__"));
    ws.write("templates/plan.md", &template);
    ws.write(
        "plan-lsp.toml",
        &format!("template = \"templates/plan.md\"\nfiles = [\"{files}\"]\n"),
    );
    let schema = plan::Schema::from_template(&template, "corpus");
    let mut store = Store::new(std::slice::from_ref(&ws.root));
    for (name, text) in &plans {
        let path = ws.write(&format!("docs/{name}"), text);
        let (analysis, role) = check(&mut store, &path, text);
        assert_eq!(role, Role::Plan, "{name}");
        assert_eq!(analysis.schema.origin, "templates/plan.md", "{name}");
        for message in structural(&analysis.diagnostics) {
            let section = named_section(&message);
            assert!(
                schema.section_index(section).is_some(),
                "{name}: a finding about a section its template does not have: {message}"
            );
            assert!(
                !text.contains(&format!("\n## {section}\n")) || message.contains("order"),
                "{name}: reported missing although present: {message}"
            );
        }
        // Delete a required section that the plan has.
        let deleted = delete_section(text, "Success Criteria");
        let (analysis, _) = check(&mut store, &path, &deleted);
        let found = structural(&analysis.diagnostics);
        assert!(
            found.iter().any(
                |m| named_section(m) == "Success Criteria" && m.contains("missing")
                    || m.contains("`## Success Criteria`")
            ),
            "{name}: deleting Success Criteria is not reported: {found:#?}"
        );
        // Move Overview after Prerequisites.
        let overview_start = text.find("\n## Overview\n").unwrap() + 1;
        let overview_end = text.find("\n## Deliverables\n").unwrap() + 1;
        let overview = &text[overview_start..overview_end];
        let without = format!("{}{}", &text[..overview_start], &text[overview_end..]);
        let at = without.find("\n## Success Criteria\n").unwrap() + 1;
        let moved = format!("{}{overview}{}", &without[..at], &without[at..]);
        let (analysis, _) = check(&mut store, &path, &moved);
        assert!(
            analysis
                .diagnostics
                .iter()
                .any(|d| d.code == Code::SectionOrder),
            "{name}: moving a section is not reported"
        );
    }
}

#[test]
fn visualflow_plans_fit_the_implementation_plan_template() {
    corpus_plans_fit_their_template(
        "creational-ai__anvil__dev-cycle__assets__templates__implementation-plan@657553ba.md",
        "creational-ai__visualflow__",
        "docs/*-implementation.md",
    );
}

#[test]
fn db_adapter_plans_fit_the_2_plan_template() {
    corpus_plans_fit_their_template(
        "creational-ai__anvil__claude-code__dev__assets__templates__2-plan@0d290aed.md",
        "docchang__db-adapter__",
        "docs/*-plan.md",
    );
    // Against the built-in template the same plans miss a section their
    // own template does not have: configuration is what removes it.
    let Some(plan) = corpus_file("plans/docchang__db-adapter__docs__core-hardening-plan.md") else {
        return;
    };
    let builtin = plan::analyze(
        &plan,
        &plan::Schema::builtin(),
        &plan::DocContext::named("core-hardening-plan.md"),
    );
    assert!(
        structural(&builtin.diagnostics)
            .iter()
            .any(|m| m.contains("Production-Grade Checklist")),
        "{:#?}",
        structural(&builtin.diagnostics)
    );
}

fn plan_lsp(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_plan-lsp"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

#[test]
fn print_schema_of_the_poc_implementation_template() {
    let Some(template) = corpus_file(
        "templates/creational-ai__anvil__assets__templates__poc-implementation@08d5de9d.md",
    ) else {
        return;
    };
    let ws = Workspace::new("print-schema");
    ws.write("templates/poc-implementation.md", &template);
    ws.write(
        "plan-lsp.toml",
        "template = \"templates/poc-implementation.md\"\n",
    );
    ws.write("docs/poc1-plan.md", "# PoC 1 Implementation Plan: Demo\n");
    let (of_template, stderr, status) = plan_lsp(
        &ws.root,
        &["check", "--print-schema", "templates/poc-implementation.md"],
    );
    assert_eq!(status, 0, "{stderr}");
    let (of_plan, _, _) = plan_lsp(&ws.root, &["check", "--print-schema", "docs/poc1-plan.md"]);
    let body = |out: &str| out.lines().skip(2).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&of_template), body(&of_plan));
    let config = ws.root.join("plan-lsp.toml").display().to_string();
    assert!(
        of_plan.starts_with(&format!("config: {config}\n")),
        "{of_plan}"
    );
    let of_template = of_template.replace(&config, "<config>");
    expect_test::expect![[r#"
        config: <config>
        template: templates/poc-implementation.md
        title: # PoC [N] Implementation Plan: [Name]
        sections (13, in order):
          ## Overview
            table: | Attribute | Value |
              row **PoC Name**: text
              row **Proves**: text
              row **Production-Grade Because**: text
          ## Prerequisites
            items: ### N. (numbered from 1, contiguous)
              **Why Needed** (expected)
              **Steps** (expected)
              **Commands** (expected)
              **Verification** (expected)
          ## Success Criteria
          ## Architecture
          ## Implementation Steps
            items: ### Step N: (numbered from 0, contiguous)
              **Goal** (expected)
              **Tasks** (expected)
              **Code** (optional)
              **Tests** (optional)
              **Verification** (expected)
              **Output** (expected)
          ## Test Summary
            table: | Test File | Tests | What It Covers |
              column Tests: suggested X
          ## Production-Grade Checklist
          ## What "Done" Looks Like
          ## Files to Create/Modify
            table: | File | Action | Status |
              column Action: suggested Create, Modify
          ## Dependencies
          ## Risks & Mitigations
            table: | Risk | Likelihood | Mitigation |
              column Likelihood: one of H, M, L
          ## Error Codes Reference (optional)
            table: | Code | Meaning | Used By |
          ## Next Steps After PoC [N]
        placeholders in code: [ClassName] [Clean imports work] [Description] [Description of what these commands do] [ERROR_CODE] [Integration] [N] [PoC name] [Purpose] [Specific functionality works] [What to verify] [action] [actual code to write] [actual commands to run] [command to demonstrate] [command to verify step is complete] [component] [directory] [end_to_end_scenario] [existing-dep] [existing-file.py] [file-path] [file1.py] [file2.py] [import statements to verify] [name] [new-dep] [new-folder] [path/to/existing-file.py] [path/to/new-file.py] [path/to/pyproject.toml] [project-root] [reason] [scenario] [setup] [source-doc] [test code] [verification] [what success looks like] [what this step does] [what_it_tests]
    "#]]
    .assert_eq(&of_template);
}

#[test]
fn check_uses_discovery_and_rule_levels() {
    let ws = Workspace::new("cli");
    let plan = "# Demo Plan\n\n## Overview\n\n[Name]\n";
    ws.write("docs/demo-plan.md", plan);
    let (before, _, _) = plan_lsp(&ws.root, &["check", "--format", "json", "docs"]);
    assert!(before.contains("\"unfilled-placeholder\""), "{before}");
    assert!(before.contains("\"missing-section\""), "{before}");
    ws.write(
        "plan-lsp.toml",
        "[rules]\nunfilled-placeholder = \"off\"\nmissing-section = \"error\"\n",
    );
    let (after, stderr, status) = plan_lsp(&ws.root, &["check", "--format", "json", "docs"]);
    assert!(!after.contains("\"unfilled-placeholder\""), "{after}");
    assert!(after.contains("\"severity\": \"error\""), "{after}");
    assert_eq!(status, 1, "{stderr}");
}

#[test]
fn templates_are_read_only_inside_the_workspace() {
    let outside = Workspace::new("outside");
    outside.write("evil.md", "# Evil\n\n## Only\n");
    let ws = Workspace::new("inside");
    ws.write(
        "plan-lsp.toml",
        &format!(
            "template = \"../{}/evil.md\"\n",
            outside.root.file_name().unwrap().to_string_lossy()
        ),
    );
    let plan = "# Demo Plan\n\n## Overview\n";
    let path = ws.write("docs/demo-plan.md", plan);
    let mut store = Store::new(std::slice::from_ref(&ws.root));
    let (analysis, _) = check(&mut store, &path, plan);
    assert_eq!(analysis.schema.origin, "built-in");
    let note = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == Code::InvalidConfig)
        .expect("a finding about the template");
    assert!(note.message.contains("outside"), "{}", note.message);

    // A symbolic link inside the workspace that points outside it.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.root.join("evil.md"), ws.root.join("link.md")).unwrap();
        ws.write("plan-lsp.toml", "template = \"link.md\"\n");
        let mut store = Store::new(std::slice::from_ref(&ws.root));
        let (analysis, _) = check(&mut store, &path, plan);
        assert_eq!(analysis.schema.origin, "built-in");
        assert!(
            analysis
                .diagnostics
                .iter()
                .any(|d| d.code == Code::InvalidConfig && d.message.contains("symbolic link")),
            "{:#?}",
            analysis.diagnostics
        );
    }

    // The inline directive obeys the same boundary.
    ws.write("plan-lsp.toml", "");
    let directive = "# Demo Plan\n<!-- plan-lsp: template=../../../etc/passwd -->\n## Overview\n";
    let mut store = Store::new(std::slice::from_ref(&ws.root));
    let (analysis, _) = check(&mut store, &path, directive);
    assert_eq!(analysis.schema.origin, "built-in");
    let note = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == Code::InvalidConfig)
        .expect("a finding about the directive");
    assert_eq!(
        &directive[note.range.as_usize()],
        "../../../etc/passwd",
        "{}",
        note.message
    );
}

#[test]
fn inline_directive_and_nearest_config_win() {
    let ws = Workspace::new("nearest");
    ws.write("t/one.md", "# [Name] Plan\n\n## Alpha\n\n## Beta\n");
    ws.write("t/two.md", "# [Name] Plan\n\n## Gamma\n");
    ws.write("plan-lsp.toml", "template = \"t/one.md\"\n");
    ws.write("sub/plan-lsp.toml", "template = \"../t/two.md\"\n");
    let plan = "# X Plan\n\n## Alpha\n";
    let mut store = Store::new(std::slice::from_ref(&ws.root));
    let top = ws.write("a-plan.md", plan);
    let nested = ws.write("sub/deep/b-plan.md", plan);
    assert_eq!(check(&mut store, &top, plan).0.schema.origin, "t/one.md");
    assert_eq!(check(&mut store, &nested, plan).0.schema.origin, "t/two.md");
    let directive = "# X Plan\n<!-- plan-lsp: template=../../t/one.md -->\n## Alpha\n";
    let (analysis, role) = check(&mut store, &nested, directive);
    assert_eq!(analysis.schema.origin, "t/one.md");
    assert_eq!(role, Role::Plan);
    // The configured templates are templates, not plans.
    let template = std::fs::read_to_string(ws.root.join("t/one.md")).unwrap();
    let (analysis, role) = check(&mut store, &ws.root.join("t/one.md"), &template);
    assert_eq!(role, Role::Template);
    assert!(!analysis.is_plan);
}

fn client_capabilities() -> Value {
    json!({
        "general": { "positionEncodings": ["utf-16"] },
        "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } },
        "textDocument": { "publishDiagnostics": { "versionSupport": true } }
    })
}

async fn start_in(ws: &Workspace, options: Value) -> TestClient {
    let root = format!("file://{}", ws.root.display());
    let (client, _) = TestClient::start_with(json!({
        "processId": null,
        "rootUri": root,
        "workspaceFolders": [{ "uri": root, "name": "ws" }],
        "capabilities": client_capabilities(),
        "initializationOptions": options,
    }))
    .await;
    client
}

const PLAN: &str = "# Demo Plan

## Overview

| Attribute | Value |
|-----------|-------|
| **Name** | [Name] |

## Implementation Steps

### Step 0: Setup

**Goal**: Set up

### Step 2: Build

**Goal**: Build it
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turning_a_rule_off_in_plan_lsp_toml_applies_within_a_second() {
    let ws = Workspace::new("watch");
    ws.write("plan-lsp.toml", "[rules]\n");
    ws.write("docs/demo-plan.md", PLAN);
    let uri = ws.uri("docs/demo-plan.md");
    let mut client = start_in(&ws, Value::Null).await;
    let registration = client.notification("client/registerCapability").await;
    assert_eq!(
        registration["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    client.open(&uri, 1, PLAN).await;
    let before = codes(&client.diagnostics(&uri, 1).await);
    assert!(before.contains(&"step-numbering".to_owned()), "{before:?}");

    ws.write("plan-lsp.toml", "[rules]\nstep-numbering = \"off\"\n");
    let started = Instant::now();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": ws.uri("plan-lsp.toml"), "type": 2 }] }),
        )
        .await;
    let after = codes(&client.diagnostics(&uri, 1).await);
    let elapsed = started.elapsed();
    assert!(!after.contains(&"step-numbering".to_owned()), "{after:?}");
    assert!(
        after.contains(&"unfilled-placeholder".to_owned()),
        "{after:?}"
    );
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");

    // The same through didSave of the open configuration file, with its
    // text in the editor.
    let config_uri = ws.uri("plan-lsp.toml");
    let edited = "[rules]\nstep-numbering = \"off\"\nunfilled-placeholder = \"hint\"\n";
    client
        .open(&config_uri, 1, "[rules]\nstep-numbering = \"off\"\n")
        .await;
    client
        .change(&config_uri, 2, json!([{ "text": edited }]))
        .await;
    ws.write("plan-lsp.toml", edited);
    client
        .notify(
            "textDocument/didSave",
            json!({ "textDocument": { "uri": config_uri } }),
        )
        .await;
    let started = Instant::now();
    loop {
        let diagnostics = client.diagnostics(&uri, 1).await;
        let placeholder = diagnostics
            .iter()
            .find(|d| d["code"] == "unfilled-placeholder")
            .expect("still reported");
        if placeholder["severity"] == 4 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{diagnostics:?}"
        );
    }
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_file_and_template_open_in_the_editor_get_their_own_findings() {
    let ws = Workspace::new("editor");
    let config =
        "template = \"t/plan.md\"\ncolour = \"blue\"\n\n[rules]\nstep-numbering = \"loud\"\n";
    ws.write("plan-lsp.toml", config);
    let template = "# [Name] Plan\n\n## Steps\n\n### Step 1: [A]\n\n### Step 2: [B]\n\n### Phase 1: [C]\n\n### Phase 2: [D]\n\n## Risks\n\n[Low or low]\n";
    ws.write("t/plan.md", template);
    let mut client = start_in(
        &ws,
        json!({ "planLsp": { "rules": { "ambiguous-items": "info" } } }),
    )
    .await;

    let config_uri = ws.uri("plan-lsp.toml");
    client.open(&config_uri, 1, config).await;
    let diagnostics = client.diagnostics(&config_uri, 1).await;
    let ranges: Vec<(Value, Value)> = diagnostics
        .iter()
        .map(|d| (d["range"]["start"].clone(), d["code"].clone()))
        .collect();
    assert_eq!(
        ranges,
        vec![
            (
                json!({ "line": 1, "character": 0 }),
                json!("invalid-config")
            ),
            (
                json!({ "line": 4, "character": 17 }),
                json!("invalid-config")
            ),
        ],
        "{diagnostics:#?}"
    );

    let template_uri = ws.uri("t/plan.md");
    client.open(&template_uri, 1, template).await;
    let diagnostics = client.diagnostics(&template_uri, 1).await;
    assert_eq!(
        codes(&diagnostics),
        vec!["ambiguous-items", "single-value-enum"],
        "{diagnostics:#?}"
    );
    let ambiguous = diagnostics
        .iter()
        .find(|d| d["code"] == "ambiguous-items")
        .unwrap();
    // The editor setting made it `info`.
    assert_eq!(ambiguous["severity"], 3);

    // The seed template at its path in plan-lsp's repository: no plan
    // findings against itself, and no template problems.
    let seed = include_str!("../templates/plan-template.md");
    let seed_uri = ws.uri("templates/plan-template.md");
    client.open(&seed_uri, 1, seed).await;
    assert_eq!(client.diagnostics(&seed_uri, 1).await, Vec::<Value>::new());
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_override_the_file_and_change_without_restart() {
    let ws = Workspace::new("settings");
    ws.write("plan-lsp.toml", "[rules]\nstep-numbering = \"error\"\n");
    let uri = ws.uri("docs/demo-plan.md");
    let mut client = start_in(&ws, json!({ "rules": { "step-numbering": "hint" } })).await;
    client.open(&uri, 1, PLAN).await;
    let diagnostics = client.diagnostics(&uri, 1).await;
    let numbering = diagnostics
        .iter()
        .find(|d| d["code"] == "step-numbering")
        .unwrap();
    assert_eq!(numbering["severity"], 4);
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": { "planLsp": { "rules": { "step-numbering": "off" } } } }),
        )
        .await;
    let after = codes(&client.diagnostics(&uri, 1).await);
    assert!(!after.contains(&"step-numbering".to_owned()), "{after:?}");
    // Inline comments silence a rule for part of the plan.
    let silenced = PLAN.replace(
        "## Overview\n",
        "## Overview\n<!-- plan-lsp-disable unfilled-placeholder -->\n",
    );
    client.change(&uri, 2, json!([{ "text": silenced }])).await;
    let after = codes(&client.diagnostics(&uri, 2).await);
    assert!(
        !after.contains(&"unfilled-placeholder".to_owned()),
        "{after:?}"
    );
    client.shutdown().await;
}
