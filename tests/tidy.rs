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
