//! `plan-lsp check` through the real binary: formats and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn plan_lsp(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plan-lsp"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run plan-lsp")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plan-lsp-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn human_format_names_file_line_column_code_and_message() {
    let output = plan_lsp(&["check", "examples/"], root());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert!(
        text.contains(
            "warning[step-numbering]: Numbering skips from Step 1 to Step 3; expected Step 2"
        ),
        "{text}"
    );
    assert!(text.contains("--> examples/demo-plan.md:83:10"), "{text}");
    assert!(text.contains("83 | ### Step 3: Search Command"), "{text}");
    assert!(text.contains("warning[unfilled-placeholder]"), "{text}");
    assert!(text.trim_end().ends_with("in 1 plan checked"), "{text}");
}

#[test]
fn json_format_is_one_array_with_utf16_positions() {
    let output = plan_lsp(
        &["check", "--format", "json", "tests/fixtures/emoji-plan.md"],
        root(),
    );
    assert_eq!(output.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let (hints, items): (Vec<_>, Vec<_>) = value
        .as_array()
        .unwrap()
        .iter()
        .partition(|d| d["code"] == "missing-file");
    // The fixture's Track Progress file, `docs/search-index-results.md`, does
    // not exist in this repository: a hint, as in the editor.
    assert_eq!(hints.len(), 1, "{value}");
    assert_eq!(hints[0]["severity"], "hint");
    assert_eq!(
        hints[0]["range"]["start"],
        serde_json::json!({ "line": 2, "character": 27 })
    );
    assert_eq!(items.len(), 1);
    let item = items[0];
    assert_eq!(item["path"], "tests/fixtures/emoji-plan.md");
    assert_eq!(item["code"], "unfilled-placeholder");
    assert_eq!(item["severity"], "warning");
    // `| **Name** | Search Index 🔍 with ` is 34 UTF-16 units (🔍 counts 2).
    assert_eq!(
        item["range"]["start"],
        serde_json::json!({ "line": 9, "character": 34 })
    );
    assert_eq!(
        item["range"]["end"],
        serde_json::json!({ "line": 9, "character": 41 })
    );
}

#[test]
fn error_level_findings_exit_1_and_github_format_annotates() {
    let output = plan_lsp(
        &[
            "check",
            "--format",
            "github",
            "tests/fixtures/broken-plan.md",
        ],
        root(),
    );
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.lines().any(|l| l
            .starts_with("::error file=tests/fixtures/broken-plan.md,line=76,col=1,")
            && l.contains("title=plan-lsp unclosed-fence::")),
        "{text}"
    );
    assert!(
        text.lines()
            .all(|l| l.starts_with("::warning ") || l.starts_with("::error ")),
        "{text}"
    );
}

#[test]
fn unreadable_files_exit_2_and_the_rest_is_still_checked() {
    let dir = scratch("unreadable");
    std::fs::write(dir.join("bad-plan.md"), b"# Bad \xff Plan\n").unwrap();
    std::fs::copy(
        root().join("tests/fixtures/broken-plan.md"),
        dir.join("broken-plan.md"),
    )
    .unwrap();
    let output = plan_lsp(
        &["check", "missing-plan.md", "bad-plan.md", "broken-plan.md"],
        &dir,
    );
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("missing-plan.md"), "{err}");
    assert!(err.contains("bad-plan.md: not valid UTF-8"), "{err}");
    assert!(stdout(&output).contains("error[unclosed-fence]"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn directories_are_walked_for_plans_honouring_gitignore() {
    let dir = scratch("walk");
    std::fs::create_dir_all(dir.join("docs/old")).unwrap();
    std::fs::write(dir.join(".gitignore"), "docs/old/\n").unwrap();
    std::fs::copy(
        root().join("examples/demo-plan.md"),
        dir.join("docs/a-plan.md"),
    )
    .unwrap();
    std::fs::copy(
        root().join("examples/demo-plan.md"),
        dir.join("docs/old/b-plan.md"),
    )
    .unwrap();
    std::fs::write(dir.join("README.md"), "# Readme\n\n[not a placeholder]\n").unwrap();
    std::fs::write(dir.join("docs/a-results.md"), "# Results\n\n## Overview\n").unwrap();
    let output = plan_lsp(&["check", "--format", "json"], &dir);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let paths: std::collections::BTreeSet<&str> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths.into_iter().collect::<Vec<_>>(),
        vec!["docs/a-plan.md"]
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_named_file_that_is_not_a_plan_is_skipped_with_a_note() {
    let dir = scratch("notplan");
    std::fs::write(dir.join("README.md"), "# Readme\n\nHello [world].\n").unwrap();
    let output = plan_lsp(&["check", "README.md"], &dir);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("README.md: not a plan"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).contains("0 errors, 0 warnings in 0 plans checked"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn usage_errors_exit_2() {
    let output = plan_lsp(&["check", "--format", "xml"], root());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("xml"));
}

#[test]
fn fix_refuses_a_read_only_plan_and_leaves_it_unchanged() {
    let dir = scratch("readonly-fix");
    let plan = dir.join("search-index-plan.md");
    let original = std::fs::read_to_string(root().join("examples/demo-plan.md")).unwrap();
    std::fs::write(&plan, &original).unwrap();
    // The demo has safe fixes (the title's slug placeholder, step numbering).
    let writable = dir.join("copy-plan.md");
    std::fs::write(&writable, &original).unwrap();
    let output = plan_lsp(&["check", "--fix", "copy-plan.md"], &dir);
    assert_ne!(
        std::fs::read_to_string(&writable).unwrap(),
        original,
        "{}",
        stderr(&output)
    );

    let mut permissions = std::fs::metadata(&plan).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&plan, permissions).unwrap();
    let output = plan_lsp(&["check", "--fix", "search-index-plan.md"], &dir);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("search-index-plan.md") && err.contains("read-only"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&plan).unwrap(), original);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".plan-lsp-"))
        .collect();
    assert!(leftovers.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn missing_results_file_is_a_hint_relative_to_the_git_root() {
    let dir = scratch("results-hint");
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    let plan = dir.join("docs/x-plan.md");
    std::fs::write(
        &plan,
        "# x Plan\n\n> **Track Progress**: See `docs/x-results.md` for status.\n>\n\
         > **Design**: See `../outside-design.md`.\n\n## Overview\n\nText.\n",
    )
    .unwrap();
    let plan_arg = plan.to_string_lossy().into_owned();
    // Run from elsewhere: the root is the plan's git root, not the cwd.
    let output = plan_lsp(&["check", &plan_arg], root());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert!(
        text.contains("hint[missing-file]: Track Progress: `docs/x-results.md` does not exist yet"),
        "{text}"
    );
    assert!(text.contains("x-plan.md:3:28"), "{text}");
    // `..` is never followed, so that path is not even a candidate.
    assert!(!text.contains("outside-design"), "{text}");
    std::fs::write(dir.join("docs/x-results.md"), "# Results\n").unwrap();
    let output = plan_lsp(&["check", &plan_arg], root());
    let text = stdout(&output);
    assert!(!text.contains("missing-file"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A repository that ships the plan templates, agent command files and a
/// README next to its plans: only the plans get findings.
#[test]
fn only_plans_get_findings_among_templates_commands_and_a_readme() {
    let dir = scratch("only-plans");
    let template = std::fs::read_to_string(root().join("templates/plan-template.md")).unwrap();
    for path in [
        "assets/templates/2-plan.md",
        "dev-cycle/templates/implementation-plan.md",
        "assets/templates/poc-plan.md",
    ] {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, &template).unwrap();
    }
    let command = "---\ndescription: Write an implementation plan\n---\n\n# Dev Plan\n\nRead the design, then write `docs/<slug>-plan.md`.\n\n## Overview\n\n## Implementation Steps\n\n## Dependencies\n";
    for path in ["commands/dev-plan.md", "commands/agent-dev-plan.md"] {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, command).unwrap();
    }
    std::fs::write(
        dir.join("README.md"),
        "# tool\n\n## Overview\n\nIt works.\n\n## Architecture\n\nOne crate.\n\n## Dependencies\n\nNone.\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(
        dir.join("docs/m1-search-plan.md"),
        template.replacen("[Milestone-Slug]-[Task-Slug]", "m1-search", 1),
    )
    .unwrap();
    let output = plan_lsp(&["check", "--format", "json", "."], &dir);
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let paths: std::collections::BTreeSet<&str> = value
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["path"].as_str())
        .collect();
    assert_eq!(
        paths.into_iter().collect::<Vec<_>>(),
        vec!["docs/m1-search-plan.md"],
        "{}",
        stderr(&output)
    );
}
