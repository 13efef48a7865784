//! Architecture rules that are checked, not just written down.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `needle` occurs in `text` not preceded by an identifier character.
fn contains_word(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(at, _)| {
        text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

/// `src/plan/` is pure: no protocol types, runtime, rope, IO, clock or logs.
#[test]
fn plan_core_is_pure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/plan"), &mut files);
    assert!(files.len() >= 5);
    let banned = [
        "tower_lsp",
        "ls_types",
        "tokio",
        "ropey",
        "std::fs",
        "std::net",
        "std::process",
        "std::time",
        "SystemTime",
        "Instant::now",
        "jiff",
        "tracing",
        "println!",
        "eprintln!",
        "std::env",
        "std::io",
        "toml::",
        "globset",
        "serde_json",
    ];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in banned {
            assert!(!text.contains(word), "{} mentions `{word}`", file.display());
        }
    }
}

/// Only `convert.rs` builds LSP positions.
#[test]
fn only_convert_makes_positions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    for file in files {
        if file.ends_with("convert.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !contains_word(&text, "Position {"),
            "{} builds an LSP Position",
            file.display()
        );
        assert!(
            !text.contains("utf16_cu"),
            "{} counts UTF-16 units",
            file.display()
        );
    }
}

/// stdout is the protocol channel: no `print!`/`println!` in the library.
#[test]
fn nothing_prints_to_stdout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !contains_word(&text, "println!(") && !contains_word(&text, "print!("),
            "{}",
            file.display()
        );
    }
}

/// Non-comment lines of a source file.
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| !l.trim_start().starts_with("//"))
}

/// The identifiers that follow `prefix` (at a word start) in `text`.
fn after<'t>(text: &'t str, prefix: &str) -> Vec<&'t str> {
    text.match_indices(prefix)
        .filter(|(at, _)| {
            text[..*at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
        .map(|(at, _)| {
            let rest = &text[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// A cycle in `edges` (node -> nodes it uses), as the path around it.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

/// No two modules of `src/` use each other, directly or around a longer
/// cycle: the top-level modules (`crate::x` references), and inside
/// `src/server/` the server and its handler modules (`super::x`,
/// `crate::server::x`, and the parent's `x::` paths to its children), so a
/// handler module never reaches back into `server.rs`. The core (`plan`)
/// counts as one module here; its inner layering is its own.
#[test]
fn no_import_cycles_between_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut server: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let children: BTreeSet<String> = std::fs::read_dir(root.join("server"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .collect();
    assert!(children.len() >= 4, "{children:?}");
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap().to_string_lossy();
        let module = relative.trim_end_matches(".rs").trim_end_matches("/mod");
        if module == "lib" || module == "main" {
            continue;
        }
        let text: String = code_lines(&std::fs::read_to_string(file).unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        let own = module.split('/').next().unwrap().to_owned();
        let uses = top.entry(own.clone()).or_default();
        uses.extend(after(&text, "crate::").into_iter().map(str::to_owned));
        uses.remove(&own);
        if own != "server" {
            continue;
        }
        let node = module.replace('/', "::");
        let edges = server.entry(node.clone()).or_default();
        let mut targets: Vec<&str> = after(&text, "crate::server::");
        if node == "server" {
            targets.extend(children.iter().filter_map(|c| {
                (!after(&text, &format!("{c}::")).is_empty()
                    || !after(&text, &format!("self::{c}")).is_empty())
                .then_some(c.as_str())
            }));
        } else {
            targets.extend(after(&text, "super::"));
        }
        for target in targets {
            let target = if children.contains(target) {
                format!("server::{target}")
            } else {
                "server".to_owned()
            };
            if target != node {
                edges.insert(target);
            }
        }
    }
    assert!(top.len() >= 8, "{top:?}");
    assert!(
        top["cli"].contains("clock") && top["state"].contains("session"),
        "the module graph was not read: {top:?}"
    );
    if let Some(cycle) = find_cycle(&top) {
        panic!("modules use each other: {}", cycle.join(" -> "));
    }
    assert!(server.len() >= 5, "{server:?}");
    if let Some(cycle) = find_cycle(&server) {
        panic!("server modules use each other: {}", cycle.join(" -> "));
    }
}

/// The server's `LanguageServer` impl only forwards: `server.rs` stays
/// within its line budget.
#[test]
fn server_rs_stays_within_300_lines() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server.rs");
    let lines = std::fs::read_to_string(&path).unwrap().lines().count();
    assert!(
        lines <= 300,
        "src/server.rs has {lines} lines; move logic into src/server/*"
    );
}

/// The command line shares the core and configuration with the server,
/// not the server itself (the clock lives in `clock.rs`).
#[test]
fn cli_does_not_use_the_server() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli.rs");
    let text = std::fs::read_to_string(&path).unwrap();
    let uses: Vec<&str> = code_lines(&text)
        .filter(|l| l.contains("crate::server"))
        .collect();
    assert!(uses.is_empty(), "src/cli.rs uses the server: {uses:?}");
}

/// One rule, one file: every rule code has `src/plan/rules/<code>.rs`, and
/// every rule file has tests through the rule test helpers.
#[test]
fn every_rule_has_a_rule_file_with_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut codes = Vec::new();
    for line in readme.lines() {
        let Some(rest) = line.trim_start().strip_prefix("| `") else {
            continue;
        };
        let Some((code, _)) = rest.split_once('`') else {
            continue;
        };
        if code.chars().all(|c| c.is_ascii_lowercase() || c == '-') && code.contains('-') {
            codes.push(code.to_owned());
        }
    }
    assert!(
        codes.len() >= 13,
        "rule table not found in README: {codes:?}"
    );
    for code in &codes {
        let file = root
            .join("src/plan/rules")
            .join(format!("{}.rs", code.replace('-', "_")));
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|_| panic!("rule `{code}` has no {}", file.display()));
        assert!(
            text.contains("#[cfg(test)]") && text.contains("#[test]"),
            "{} has no tests",
            file.display()
        );
    }
    let mut files = Vec::new();
    rust_files(&root.join("src/plan/rules"), &mut files);
    for file in files {
        let name = file
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('_', "-");
        if name == "mod" || name == "test-support" {
            continue;
        }
        assert!(
            codes.contains(&name),
            "{} is not a rule the README lists",
            file.display()
        );
    }
}

/// Findings are typed data: nothing reads a diagnostic's message back to
/// build a fix, a hover or a title (GUIDE invariant 6).
#[test]
fn nothing_parses_a_message() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let banned = [
        "message.find(",
        "message.contains(",
        "message.split",
        "message.strip_",
        "message.starts_with(",
        "message[",
        "quoted(",
    ];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in banned {
            assert!(!text.contains(word), "{} uses `{word}`", file.display());
        }
    }
}

/// The core's base types come first: `base.rs` and `finding.rs` import
/// nothing from the rest of `plan/` but each other and the placeholder
/// kinds; the full analysis does not go through incremental reanalysis.
#[test]
fn plan_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/plan");
    for (file, allowed) in [
        ("base.rs", &["finding"][..]),
        ("finding.rs", &["base", "placeholder"][..]),
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for line in text.lines().filter(|l| l.starts_with("use super::")) {
            let module = line["use super::".len()..]
                .split([':', ';', '{'])
                .next()
                .unwrap();
            assert!(allowed.contains(&module), "{file} imports `{line}`");
        }
    }
    let analysis = std::fs::read_to_string(root.join("analysis.rs")).unwrap();
    assert!(
        !analysis.contains("incremental::"),
        "analysis.rs calls into incremental.rs"
    );
}
