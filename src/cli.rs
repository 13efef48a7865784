//! `plan-lsp check`: the editor's diagnostics on the command line, for CI.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use ropey::Rope;
use serde::Serialize;

use crate::config::Store;
use crate::convert::{self, Encoding};
use crate::files;
use crate::plan::{self, DocContext, Role, Schema, Severity};

/// How findings are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-like, with the offending line.
    #[default]
    Human,
    /// One JSON array; positions are 0-based, columns in UTF-16 units.
    Json,
    /// GitHub Actions workflow annotations.
    Github,
}

/// One file's findings.
struct Report {
    path: PathBuf,
    rope: Rope,
    text: Arc<str>,
    diagnostics: Vec<plan::Diagnostic>,
}

#[derive(Serialize)]
struct JsonPosition {
    line: u32,
    character: u32,
}

#[derive(Serialize)]
struct JsonRange {
    start: JsonPosition,
    end: JsonPosition,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    path: String,
    range: JsonRange,
    severity: &'static str,
    code: &'static str,
    message: &'a str,
}

/// Runs `check` on `paths` (the current directory when empty).
#[must_use]
pub fn check(paths: &[PathBuf], format: Format) -> ExitCode {
    check_with(paths, format, false)
}

/// Runs `check`; with `fix`, first applies the fixes `source.fixAll` would
/// (the safe ones) to each plan, writing it atomically, then reports what
/// remains.
#[must_use]
pub fn check_with(paths: &[PathBuf], format: Format, fix: bool) -> ExitCode {
    let mut store = workspace_store();
    let mut failed = false;
    let roots: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let mut files = Vec::new();
    for root in &roots {
        match collect(root) {
            Ok(found) => files.extend(found),
            Err(message) => {
                eprintln!("error: {message}");
                failed = true;
            }
        }
    }
    let mut reports = Vec::new();
    let mut checked = 0usize;
    for (path, explicit) in files {
        let text = match read(&path) {
            Ok(text) => text,
            Err(message) => {
                eprintln!("error: {message}");
                failed = true;
                continue;
            }
        };
        let resolved = store.resolve(Some(&path), &text);
        let context = resolved.context(path.file_name().map(|n| n.to_string_lossy().into_owned()));
        let schema = resolved.schema;
        let analysis = plan::analyze(&text, &schema, &context);
        let configuration = matches!(context.role, Role::Template | Role::Config);
        if !analysis.is_plan && !configuration {
            if explicit {
                eprintln!(
                    "note: {}: not a plan (no `-plan.md` name, nor a title and three template sections); skipped",
                    path.display()
                );
            }
            continue;
        }
        checked += 1;
        let (text, analysis) = if fix && analysis.is_plan {
            match apply_fixes(&path, &text, &analysis, &schema, &context) {
                Ok(Some(fixed)) => fixed,
                Ok(None) => (text, analysis),
                Err(message) => {
                    eprintln!("error: {message}");
                    failed = true;
                    (text, analysis)
                }
            }
        } else {
            (text, analysis)
        };
        let hints = file_hints(&path, &text, &analysis);
        let mut diagnostics = analysis.diagnostics;
        diagnostics.extend(hints);
        reports.push(Report {
            rope: Rope::from_str(&text),
            text: Arc::from(text),
            path,
            diagnostics,
        });
    }
    let rendered = match format {
        Format::Human => human(&reports, checked),
        Format::Json => json(&reports),
        Format::Github => github(&reports),
    };
    if let Err(error) = io::stdout().lock().write_all(rendered.as_bytes()) {
        eprintln!("error: cannot write the report: {error}");
        return ExitCode::from(2);
    }
    let errors = reports
        .iter()
        .flat_map(|r| &r.diagnostics)
        .any(|d| d.severity == Severity::Error);
    if failed {
        ExitCode::from(2)
    } else if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The `missing-file` hints of a plan, as the editor gives them. Paths are
/// looked up from a root, then from the plan's directory, never outside the
/// root: the root is the plan's git root, else the current directory when
/// it holds the plan, else the plan's directory.
fn file_hints(path: &Path, text: &str, analysis: &plan::Analysis) -> Vec<plan::Diagnostic> {
    if !analysis.is_plan || analysis.tree.preamble.is_empty() {
        return Vec::new();
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let cwd = files::roots(&[PathBuf::from(".")]);
    let root = files::git_root(&dir).unwrap_or_else(|| {
        if files::inside(&cwd, &dir) {
            PathBuf::from(".")
        } else {
            dir.clone()
        }
    });
    let roots = files::roots(&[root]);
    plan::links::missing_files(text, analysis, |p| {
        files::resolve(&roots, Some(&dir), p).is_some()
    })
}

/// The configuration store of the command line: the current directory is
/// the workspace folder.
fn workspace_store() -> Store {
    let folders: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    Store::new(&folders)
}

/// `plan-lsp check --print-schema [FILE]`: prints the schema that applies
/// to `file` (a plan, a template, or a directory: a plan in it), and where
/// it comes from.
#[must_use]
pub fn print_schema(file: &Path) -> ExitCode {
    let mut store = workspace_store();
    let (path, text) = if file.is_dir() {
        (file.join("plan.md"), String::new())
    } else {
        match read(file) {
            Ok(text) => (file.to_path_buf(), text),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        }
    };
    let resolved = store.resolve(Some(&path), &text);
    let mut out = String::new();
    let schema = match resolved.role {
        Role::Template => {
            let origin = display_path(&path);
            Arc::new(Schema::from_template(&text, &origin))
        }
        _ => resolved.schema,
    };
    match &resolved.config {
        Some(config) => {
            let _ = writeln!(out, "config: {}", config.display());
        }
        None => out.push_str("config: none (no plan-lsp.toml up to the workspace root)\n"),
    }
    for note in &resolved.notes {
        eprintln!("warning: {}", note.message);
    }
    out.push_str(&schema.describe());
    if let Err(error) = io::stdout().lock().write_all(out.as_bytes()) {
        eprintln!("error: cannot write the schema: {error}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

/// Applies the safe fixes to one plan and writes it back atomically.
/// Returns the new text and its analysis, `None` when nothing needed a fix,
/// or an error (the file is then untouched).
fn apply_fixes(
    path: &Path,
    text: &str,
    analysis: &plan::Analysis,
    schema: &Arc<Schema>,
    context: &DocContext,
) -> Result<Option<(String, plan::Analysis)>, String> {
    let ctx = plan::actions::FixContext {
        now: crate::clock::now(),
        file_name: context.file_name.clone(),
    };
    let edits = plan::actions::fix_all(text, analysis, &ctx);
    if edits.is_empty() {
        return Ok(None);
    }
    let fixed = plan::apply_edits(text, &edits);
    if let Err(error) = write_atomically(path, &fixed) {
        return Err(format!(
            "{}: cannot write the fixes: {error}",
            path.display()
        ));
    }
    eprintln!(
        "fixed: {}: {} edit{}",
        display_path(path),
        edits.len(),
        if edits.len() == 1 { "" } else { "s" }
    );
    let analysis = plan::analyze(&fixed, schema, context);
    Ok(Some((fixed, analysis)))
}

/// Writes `text` to a temporary file next to `path` and renames it over
/// `path`, so that a failure leaves the original untouched.
///
/// A read-only file is refused (even for root, who could replace it), and a
/// symbolic link is followed so that the link stays a link.
fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let path = &std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "the file is read-only; it was left unchanged",
        ));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "plan".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{name}.plan-lsp-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if let Ok(metadata) = std::fs::metadata(path) {
            std::fs::set_permissions(&temp, metadata.permissions())?;
        }
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// The files to check under `root`, each with whether it was named
/// explicitly. Directories are walked for `.md` files, honouring ignore
/// files.
fn collect(root: &Path) -> Result<Vec<(PathBuf, bool)>, String> {
    let metadata = std::fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if !metadata.is_dir() {
        return Ok(vec![(root.to_path_buf(), true)]);
    }
    let mut files = Vec::new();
    let walker = ignore::WalkBuilder::new(root).require_git(false).build();
    for entry in walker {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path();
        let markdown = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("md"));
        if markdown && entry.file_type().is_some_and(|t| t.is_file()) {
            files.push((path.to_path_buf(), false));
        }
    }
    files.sort();
    Ok(files)
}

fn read(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{}: not valid UTF-8 (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_owned()
}

fn human(reports: &[Report], checked: usize) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings, mut others) = (0, 0, 0);
    for report in reports {
        let path = display_path(&report.path);
        for d in &report.diagnostics {
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
                Severity::Info | Severity::Hint => others += 1,
            }
            let (line, column) = convert::position(&report.rope, d.range.start, Encoding::Utf32);
            let _ = writeln!(out, "{}[{}]: {}", d.severity.as_str(), d.code, d.message);
            let gutter = (line + 1).to_string().len();
            let pad = " ".repeat(gutter);
            let _ = writeln!(out, "{pad}--> {path}:{}:{}", line + 1, column + 1);
            let line_text = report.rope.line(line as usize).to_string();
            let line_text = line_text.trim_end_matches(['\n', '\r']);
            let (end_line, end_column) =
                convert::position(&report.rope, d.range.end, Encoding::Utf32);
            let width = if end_line == line {
                (end_column - column).max(1)
            } else {
                (line_text.chars().count() as u32)
                    .saturating_sub(column)
                    .max(1)
            };
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{} | {line_text}", line + 1);
            let _ = writeln!(
                out,
                "{pad} | {}{}\n",
                " ".repeat(column as usize),
                "^".repeat(width as usize)
            );
        }
        let _ = &report.text;
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut summary = format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    );
    if others > 0 {
        let _ = write!(summary, ", {}", plural(others, "note"));
    }
    let _ = writeln!(out, "{summary} in {} checked", plural(checked, "plan"));
    out
}

fn json(reports: &[Report]) -> String {
    let mut items = Vec::new();
    for report in reports {
        let path = display_path(&report.path);
        for d in &report.diagnostics {
            let (sl, sc) = convert::position(&report.rope, d.range.start, Encoding::Utf16);
            let (el, ec) = convert::position(&report.rope, d.range.end, Encoding::Utf16);
            items.push(JsonDiagnostic {
                path: path.clone(),
                range: JsonRange {
                    start: JsonPosition {
                        line: sl,
                        character: sc,
                    },
                    end: JsonPosition {
                        line: el,
                        character: ec,
                    },
                },
                severity: d.severity.as_str(),
                code: d.code.as_str(),
                message: &d.message,
            });
        }
    }
    let mut out = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_owned());
    out.push('\n');
    out
}

/// Escapes a workflow command's message or property value.
fn escape(text: &str, property: bool) -> String {
    let mut out = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

fn github(reports: &[Report]) -> String {
    let mut out = String::new();
    for report in reports {
        let path = escape(&display_path(&report.path), true);
        for d in &report.diagnostics {
            let level = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info | Severity::Hint => "notice",
            };
            let (sl, sc) = convert::position(&report.rope, d.range.start, Encoding::Utf32);
            let (el, ec) = convert::position(&report.rope, d.range.end, Encoding::Utf32);
            let _ = writeln!(
                out,
                "::{level} file={path},line={},col={},endLine={},endColumn={},title={}::{}",
                sl + 1,
                sc + 1,
                el + 1,
                ec + 1,
                escape(&format!("plan-lsp {}", d.code), true),
                escape(&d.message, false)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("plan-lsp-atomic-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".plan-lsp-"))
            .collect()
    }

    #[test]
    fn failed_rename_leaves_the_target_and_no_temporary_file() {
        let dir = scratch("rename");
        // A non-empty directory where the file should be: the rename fails.
        let target = dir.join("x-plan.md");
        std::fs::create_dir_all(target.join("inside")).unwrap();
        let error = write_atomically(&target, "new text").unwrap_err();
        assert!(!error.to_string().is_empty());
        assert!(target.join("inside").is_dir());
        assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn read_only_files_are_refused_and_unchanged() {
        let dir = scratch("readonly");
        let target = dir.join("x-plan.md");
        std::fs::write(&target, "old text").unwrap();
        let mut permissions = std::fs::metadata(&target).unwrap().permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&target, permissions).unwrap();
        let error = write_atomically(&target, "new text").unwrap_err();
        assert!(error.to_string().contains("read-only"), "{error}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old text");
        assert!(leftovers(&dir).is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn symbolic_links_stay_links() {
        let dir = scratch("symlink");
        let real = dir.join("real-plan.md");
        let link = dir.join("link-plan.md");
        std::fs::write(&real, "old text").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, "new text").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new text");
        assert!(leftovers(&dir).is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }
}
