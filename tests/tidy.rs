//! Architecture rules that are checked, not just written down.

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
