//! Configuration: editor settings, `plan-lsp.toml` discovery and parsing,
//! and the choice of template, rules and role for each document.
//!
//! Discovery: from the document's directory upwards, the nearest
//! `plan-lsp.toml` wins; the walk stops at the workspace folder that holds
//! the document, or else at the first directory with a `.git` entry, or
//! else it looks in the document's own directory only. That directory is
//! the document's root: configuration and template files are read only
//! when their real path (symlinks resolved) lies under it.
//!
//! Precedence, from strongest to weakest: a `<!-- plan-lsp: template=... -->`
//! directive in the plan; the editor settings; `[[overrides]]` of the
//! nearest `plan-lsp.toml`; its `template`, `files` and `[rules]`; the
//! built-in template and rule levels.
//!
//! Everything loaded is cached until `clear` (a watched file changed, a
//! setting or the folders changed), and so is the configuration resolved
//! for each document path: resolving a document again, as each keystroke
//! does, makes no file-system call (only the template directive, read from
//! the text, is applied anew, from the cache of templates by written path).
//! Problems never stop anything: they become findings on the file that has
//! them (or on the plan they affect) and a logged warning.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde_json::Value;
use toml::de::{DeTable, DeValue};
use tracing::warn;

use crate::plan::directives::template_directive;
use crate::plan::{Code, Diagnostic, DocContext, Level, Role, Rules, Schema, TextRange};

/// The configuration file's name.
pub const FILE_NAME: &str = "plan-lsp.toml";

/// The path of the built-in template in plan-lsp's own repository; a file
/// there is checked as a template.
const BUILTIN_PATH: &str = "templates/plan-template.md";

/// Files larger than this are not read as configuration or templates.
const MAX_BYTES: u64 = 1 << 20;

const KEYS: &str = "`template`, `files`, `rules` and `overrides`";

/// A problem at a byte range of a configuration text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub range: Range<usize>,
    pub message: String,
}

/// Editor settings: `initializationOptions` or `workspace/didChangeConfiguration`
/// (`{ "template": "...", "rules": { "code": "level" } }`, optionally inside
/// `{ "planLsp": ... }`). Other keys (the VS Code client's own) are ignored.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// A template path, relative to the workspace folder.
    pub template: Option<String>,
    pub rules: Rules,
}

impl Settings {
    /// Reads settings; returns them with the problems found (to be logged).
    #[must_use]
    pub fn from_json(value: &Value) -> (Settings, Vec<String>) {
        let value = value.get("planLsp").unwrap_or(value);
        let mut settings = Settings::default();
        let mut problems = Vec::new();
        match value.get("template") {
            None | Some(Value::Null) => {}
            Some(Value::String(path)) if path.trim().is_empty() => {}
            Some(Value::String(path)) => settings.template = Some(path.trim().to_owned()),
            Some(other) => {
                problems.push(format!("setting `template` must be a string, not {other}"));
            }
        }
        match value.get("rules") {
            None | Some(Value::Null) => {}
            Some(Value::Object(rules)) => {
                for (name, level) in rules {
                    match (Code::from_name(name), level.as_str().and_then(Level::from_name)) {
                        (Some(code), Some(level)) => settings.rules.set(code, level),
                        (None, _) => problems.push(format!("setting `rules`: unknown rule `{name}`")),
                        (_, None) => problems.push(format!(
                            "setting `rules.{name}`: {level} is not one of \"error\", \"warning\", \"info\", \"hint\", \"off\""
                        )),
                    }
                }
            }
            Some(other) => problems.push(format!("setting `rules` must be an object, not {other}")),
        }
        (settings, problems)
    }
}

/// A path written in configuration, with where it is written.
#[derive(Clone, Debug)]
pub struct Written {
    pub path: String,
    pub range: Range<usize>,
}

/// `[[overrides]]`: a template for the documents matching some globs.
#[derive(Clone, Debug)]
pub struct Override {
    pub files: GlobSet,
    pub template: Written,
}

/// A parsed `plan-lsp.toml`.
#[derive(Clone, Debug, Default)]
pub struct ConfigFile {
    pub template: Option<Written>,
    /// The documents that are plans; `None`: the core rule decides.
    pub files: Option<GlobSet>,
    pub rules: Rules,
    pub overrides: Vec<Override>,
    pub problems: Vec<Problem>,
}

/// Parses a `plan-lsp.toml` text. Never fails: problems are collected.
#[must_use]
pub fn parse(text: &str) -> ConfigFile {
    let mut out = ConfigFile::default();
    let (table, errors) = DeTable::parse_recoverable(text);
    for error in errors {
        let range = error.span().unwrap_or(0..0);
        let message = error
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_owned();
        out.problems.push(Problem { range, message });
    }
    for (key, value) in table.get_ref() {
        match key.get_ref().as_ref() {
            "template" => out.template = string(value, "template", &mut out.problems),
            "files" => out.files = globs(value, "files", &mut out.problems),
            "rules" => rules(value, &mut out.rules, &mut out.problems),
            "overrides" => overrides(value, &mut out),
            other => out.problems.push(Problem {
                range: key.span(),
                message: format!("Unknown key `{other}`; the keys are {KEYS}"),
            }),
        }
    }
    out
}

type Spanned<T> = toml::Spanned<T>;

fn string(value: &Spanned<DeValue<'_>>, key: &str, problems: &mut Vec<Problem>) -> Option<Written> {
    match value.get_ref().as_str() {
        Some(path) if !path.trim().is_empty() => Some(Written {
            path: path.to_owned(),
            range: value.span(),
        }),
        _ => {
            problems.push(Problem {
                range: value.span(),
                message: format!("`{key}` must be a path in a string, relative to this file"),
            });
            None
        }
    }
}

fn globs(value: &Spanned<DeValue<'_>>, key: &str, problems: &mut Vec<Problem>) -> Option<GlobSet> {
    let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
        DeValue::Array(items) => items.iter().collect(),
        DeValue::String(_) => vec![value],
        _ => {
            problems.push(Problem {
                range: value.span(),
                message: format!(
                    "`{key}` must be a list of glob patterns such as [\"docs/*-plan.md\"]"
                ),
            });
            return None;
        }
    };
    let mut builder = GlobSetBuilder::new();
    for item in items {
        let Some(pattern) = item.get_ref().as_str() else {
            problems.push(Problem {
                range: item.span(),
                message: format!("`{key}` entries must be strings"),
            });
            continue;
        };
        match GlobBuilder::new(pattern).literal_separator(true).build() {
            Ok(glob) => {
                builder.add(glob);
            }
            Err(error) => problems.push(Problem {
                range: item.span(),
                message: format!("Invalid glob pattern: {}", error.kind()),
            }),
        }
    }
    builder.build().ok()
}

fn rules(value: &Spanned<DeValue<'_>>, out: &mut Rules, problems: &mut Vec<Problem>) {
    let Some(table) = value.get_ref().as_table() else {
        problems.push(Problem {
            range: value.span(),
            message:
                "`rules` must be a table: `[rules]` with lines such as `step-numbering = \"off\"`"
                    .to_owned(),
        });
        return;
    };
    for (key, level) in table {
        let name = key.get_ref().as_ref();
        let Some(code) = Code::from_name(name) else {
            let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
            problems.push(Problem {
                range: key.span(),
                message: format!("Unknown rule `{name}`; the rules are {}", known.join(", ")),
            });
            continue;
        };
        match level.get_ref().as_str().and_then(Level::from_name) {
            Some(level) => out.set(code, level),
            None => problems.push(Problem {
                range: level.span(),
                message:
                    "A rule's level is one of \"error\", \"warning\", \"info\", \"hint\" or \"off\""
                        .to_owned(),
            }),
        }
    }
}

fn overrides(value: &Spanned<DeValue<'_>>, out: &mut ConfigFile) {
    let DeValue::Array(entries) = value.get_ref() else {
        out.problems.push(Problem {
            range: value.span(),
            message: "`overrides` must be an array of tables: `[[overrides]]` with `files` and `template`".to_owned(),
        });
        return;
    };
    for entry in entries {
        let Some(table) = entry.get_ref().as_table() else {
            out.problems.push(Problem {
                range: entry.span(),
                message: "Each `[[overrides]]` entry is a table with `files` and `template`"
                    .to_owned(),
            });
            continue;
        };
        let (mut files, mut template) = (None, None);
        for (key, value) in table {
            match key.get_ref().as_ref() {
                "files" => files = globs(value, "files", &mut out.problems),
                "template" => template = string(value, "template", &mut out.problems),
                other => out.problems.push(Problem {
                    range: key.span(),
                    message: format!("Unknown key `{other}` in `[[overrides]]`; the keys are `files` and `template`"),
                }),
            }
        }
        match (files, template) {
            (Some(files), Some(template)) => out.overrides.push(Override { files, template }),
            _ => out.problems.push(Problem {
                range: entry.span(),
                message: "An `[[overrides]]` entry needs both `files` and `template`".to_owned(),
            }),
        }
    }
}

/// A `plan-lsp.toml` found on disk (or open in the editor).
#[derive(Debug)]
struct Loaded {
    /// The file's real path and directory.
    path: PathBuf,
    dir: PathBuf,
    file: ConfigFile,
}

/// Configuration for one document.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub schema: Arc<Schema>,
    pub role: Role,
    pub rules: Rules,
    pub notes: Vec<Diagnostic>,
    /// The `plan-lsp.toml` that applies, if any.
    pub config: Option<PathBuf>,
    /// Whether the document lies in a `templates` (or `template`) folder.
    pub in_templates_dir: bool,
}

impl Resolved {
    /// The analysis context for a document named `file_name`.
    #[must_use]
    pub fn context(&self, file_name: Option<String>) -> DocContext {
        DocContext {
            file_name,
            role: self.role,
            rules: self.rules.clone(),
            notes: self.notes.clone(),
            in_templates_dir: self.in_templates_dir,
        }
    }
}

/// A document path's configuration apart from its text: where it lives and
/// what applies to it.
#[derive(Debug, Clone)]
struct Base {
    resolved: Resolved,
    /// The real directory of the document and its root.
    dir: PathBuf,
    root: PathBuf,
}

/// Settings, workspace folders and the cache of loaded files.
#[derive(Debug, Default)]
pub struct Store {
    settings: Settings,
    /// Real paths of the workspace folders.
    folders: Vec<PathBuf>,
    /// The nearest configuration for a directory.
    configs: HashMap<PathBuf, Option<Arc<Loaded>>>,
    /// Templates by real path, or why they cannot be used.
    templates: HashMap<PathBuf, Result<Arc<Schema>, String>>,
    /// Texts of configuration and template files open in the editor.
    overlays: HashMap<PathBuf, String>,
    /// The configuration of each document path resolved so far.
    bases: HashMap<PathBuf, Base>,
    /// Templates by the directory and path they were written relative to.
    by_written: HashMap<(PathBuf, String), Result<Arc<Schema>, String>>,
    /// Real paths of the paths asked about in `affects`.
    reals: HashMap<PathBuf, PathBuf>,
}

impl Store {
    #[must_use]
    pub fn new(folders: &[PathBuf]) -> Self {
        let mut store = Store::default();
        store.set_folders(folders);
        store
    }

    pub fn set_folders(&mut self, folders: &[PathBuf]) {
        self.folders = folders.iter().map(|f| real(f)).collect();
        self.clear();
    }

    pub fn set_settings(&mut self, settings: Settings) {
        self.settings = settings;
        self.clear();
    }

    /// Forgets every loaded file, so the next use reads them again.
    pub fn clear(&mut self) {
        self.configs.clear();
        self.templates.clear();
        self.bases.clear();
        self.by_written.clear();
        self.reals.clear();
    }

    /// Forgets what was resolved for the document at `path` (closed).
    pub fn forget(&mut self, path: &Path) {
        self.bases.remove(path);
        self.reals.remove(path);
    }

    /// Uses `text` instead of the file at `path` (open in the editor), or
    /// the file again when `None`.
    pub fn set_overlay(&mut self, path: &Path, text: Option<&str>) {
        let key = real(path);
        match text {
            Some(text) => self.overlays.insert(key, text.to_owned()),
            None => self.overlays.remove(&key),
        };
    }

    /// Whether a change to the file at `path` changes configuration: it is
    /// a `plan-lsp.toml`, or a template that is in use.
    /// The real path is looked up once per path until `clear`.
    pub fn affects(&mut self, path: &Path) -> bool {
        if path.file_name().is_some_and(|n| n == FILE_NAME) || self.templates.contains_key(path) {
            return true;
        }
        let real_path = self
            .reals
            .entry(path.to_path_buf())
            .or_insert_with(|| real(path));
        self.templates.contains_key(real_path)
    }

    /// The configuration of the document at `path` (none for `untitled:`
    /// documents) whose text is `text`. The part that does not depend on
    /// the text is remembered per path until `clear`.
    pub fn resolve(&mut self, path: Option<&Path>, text: &str) -> Resolved {
        self.resolve_with(path, text, true)
    }

    /// `resolve` without remembering this path (for the many files a
    /// workspace scan reads once).
    pub fn resolve_uncached(&mut self, path: Option<&Path>, text: &str) -> Resolved {
        self.resolve_with(path, text, false)
    }

    fn resolve_with(&mut self, path: Option<&Path>, text: &str, keep: bool) -> Resolved {
        let Some(path) = path else {
            return self.resolve_untitled();
        };
        if path.file_name().is_some_and(|n| n == FILE_NAME) {
            let base = self.base(path, keep);
            let file = base.resolved.config.clone().unwrap_or_else(|| real(path));
            return self.resolve_config(&file, &base.dir, &base.root, text, base.resolved);
        }
        let base = self.base(path, keep);
        let mut out = base.resolved;
        if out.role == Role::Template {
            return out;
        }
        if let Some(directive) = template_directive(text) {
            match self.template(&base.dir, &directive.path, &base.root) {
                Ok(schema) => {
                    out.schema = schema;
                    out.role = Role::Plan;
                }
                Err(message) => out.notes.push(note(
                    directive.range,
                    format!("This template cannot be used: {message}"),
                )),
            }
        }
        out
    }

    fn base(&mut self, path: &Path, keep: bool) -> Base {
        if let Some(base) = self.bases.get(path) {
            return base.clone();
        }
        let base = self.resolve_base(path);
        if keep {
            self.bases.insert(path.to_path_buf(), base.clone());
        }
        base
    }

    fn default_resolved(&self) -> Resolved {
        Resolved {
            schema: Schema::builtin(),
            role: Role::Auto,
            rules: self.settings.rules.clone(),
            notes: Vec::new(),
            config: None,
            in_templates_dir: false,
        }
    }

    /// An `untitled:` document: the settings' template, relative to the
    /// first folder.
    fn resolve_untitled(&mut self) -> Resolved {
        let mut out = self.default_resolved();
        if let Some(written) = self.settings.template.clone()
            && let Some(folder) = self.folders.first().cloned()
        {
            match self.template(&folder, &written, &folder) {
                Ok(schema) => out.schema = schema,
                Err(message) => out.notes.push(note(
                    TextRange::empty(0),
                    setting_message(&written, &message),
                )),
            }
        }
        out
    }

    /// Everything about the document at `path` that does not depend on its
    /// text. For a `plan-lsp.toml`, `config` is the file's real path.
    fn resolve_base(&mut self, path: &Path) -> Base {
        let mut out = self.default_resolved();
        out.in_templates_dir = in_templates_dir(path);
        let file = real(path);
        let dir = file
            .parent()
            .map_or_else(|| file.clone(), Path::to_path_buf);
        let root = self.root_for(&dir);
        if path.file_name().is_some_and(|n| n == FILE_NAME) {
            out.config = Some(file);
            return Base {
                resolved: out,
                dir,
                root,
            };
        }
        let resolved = self.resolve_path(&file, &dir, &root, out);
        Base {
            resolved,
            dir,
            root,
        }
    }

    fn resolve_path(
        &mut self,
        file: &Path,
        dir: &Path,
        root: &Path,
        mut out: Resolved,
    ) -> Resolved {
        let (file, dir, root) = (file.to_path_buf(), dir.to_path_buf(), root.to_path_buf());
        let config = self.discover(&dir, &root);
        if let Some(loaded) = &config {
            out.config = Some(loaded.path.clone());
            out.rules = loaded.file.rules.merged(&self.settings.rules);
        }
        if self.is_template(&file, config.as_deref(), &root) {
            out.role = Role::Template;
            return out;
        }
        if let Some(files) = config
            .as_ref()
            .and_then(|c| c.file.files.as_ref().map(|f| (c, f)))
        {
            let (loaded, globs) = files;
            let matched = relative(&file, &loaded.dir).is_some_and(|rel| globs.is_match(rel));
            out.role = if matched { Role::Plan } else { Role::NotPlan };
        }
        // The template, weakest first, so that a stronger one replaces it.
        if let Some(loaded) = &config {
            let candidates = loaded.file.template.iter().chain(
                loaded
                    .file
                    .overrides
                    .iter()
                    .filter(|o| {
                        relative(&file, &loaded.dir).is_some_and(|rel| o.files.is_match(rel))
                    })
                    .take(1)
                    .map(|o| &o.template),
            );
            for written in candidates.cloned().collect::<Vec<_>>() {
                match self.template(&loaded.dir, &written.path, &root) {
                    Ok(schema) => out.schema = schema,
                    Err(message) => out.notes.push(note(
                        TextRange::empty(0),
                        format!(
                            "The template in {} cannot be used: {message}; checking against the built-in template",
                            loaded.path.display()
                        ),
                    )),
                }
            }
        }
        if let Some(written) = self.settings.template.clone() {
            let base = self.folder_of(&dir).unwrap_or_else(|| root.clone());
            match self.template(&base, &written, &root) {
                Ok(schema) => out.schema = schema,
                Err(message) => out.notes.push(note(
                    TextRange::empty(0),
                    setting_message(&written, &message),
                )),
            }
        }
        out
    }

    fn resolve_config(
        &mut self,
        file: &Path,
        dir: &Path,
        root: &Path,
        text: &str,
        mut out: Resolved,
    ) -> Resolved {
        out.role = Role::Config;
        let rope_free = |range: &Range<usize>| {
            TextRange::new(range.start.min(text.len()), range.end.min(text.len()))
        };
        let parsed = parse(text);
        for problem in &parsed.problems {
            out.notes
                .push(note(rope_free(&problem.range), problem.message.clone()));
        }
        let written = parsed
            .template
            .iter()
            .chain(parsed.overrides.iter().map(|o| &o.template));
        for written in written.cloned().collect::<Vec<_>>() {
            if let Err(message) = self.template(dir, &written.path, root) {
                out.notes.push(note(
                    rope_free(&written.range),
                    format!("This template cannot be used: {message}"),
                ));
            }
        }
        out.config = Some(file.to_path_buf());
        out
    }

    /// Whether `file` is a template: the one configured for its directory,
    /// in an override or in the settings, or the built-in's path.
    fn is_template(&mut self, file: &Path, config: Option<&Loaded>, root: &Path) -> bool {
        if file.ends_with(BUILTIN_PATH) {
            return true;
        }
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(loaded) = config {
            let written = loaded
                .file
                .template
                .iter()
                .chain(loaded.file.overrides.iter().map(|o| &o.template));
            candidates.extend(written.map(|w| loaded.dir.join(&w.path)));
        }
        if let Some(written) = &self.settings.template {
            let dir = file.parent().unwrap_or(root);
            let base = self.folder_of(dir).unwrap_or_else(|| root.to_path_buf());
            candidates.push(base.join(written));
        }
        candidates.iter().any(|c| real(c) == file)
    }

    /// The workspace folder holding `dir` (the innermost one).
    fn folder_of(&self, dir: &Path) -> Option<PathBuf> {
        self.folders
            .iter()
            .filter(|f| dir.starts_with(f))
            .max_by_key(|f| f.as_os_str().len())
            .cloned()
    }

    /// The directory under which a document's configuration may be read.
    fn root_for(&self, dir: &Path) -> PathBuf {
        if let Some(folder) = self.folder_of(dir) {
            return folder;
        }
        dir.ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(dir)
            .to_path_buf()
    }

    /// The nearest `plan-lsp.toml` from `dir` up to `root`.
    fn discover(&mut self, dir: &Path, root: &Path) -> Option<Arc<Loaded>> {
        if let Some(found) = self.configs.get(dir) {
            return found.clone();
        }
        let mut found = None;
        for candidate in dir.ancestors() {
            let path = candidate.join(FILE_NAME);
            if self.overlays.contains_key(&path) || path.is_file() {
                found = self.load_config(&path, root);
                if found.is_some() {
                    break;
                }
            }
            if candidate == root {
                break;
            }
        }
        self.configs.insert(dir.to_path_buf(), found.clone());
        found
    }

    fn load_config(&mut self, path: &Path, root: &Path) -> Option<Arc<Loaded>> {
        let text = match self.read(path, root) {
            Ok(text) => text,
            Err(message) => {
                warn!("{}: ignored: {message}", path.display());
                return None;
            }
        };
        let file = parse(&text);
        for problem in &file.problems {
            warn!("{}: {}", path.display(), problem.message);
        }
        let path = real(path);
        let dir = path
            .parent()
            .map_or_else(|| path.clone(), Path::to_path_buf);
        Some(Arc::new(Loaded { path, dir, file }))
    }

    /// The schema of the template written as `written` relative to `base`,
    /// which must lie under `root`.
    pub fn template(
        &mut self,
        base: &Path,
        written: &str,
        root: &Path,
    ) -> Result<Arc<Schema>, String> {
        let written_key = (base.to_path_buf(), written.to_owned());
        if let Some(cached) = self.by_written.get(&written_key) {
            return cached.clone();
        }
        let path = base.join(written);
        let key = real(&path);
        if let Some(cached) = self.templates.get(&key) {
            self.by_written.insert(written_key, cached.clone());
            return cached.clone();
        }
        let result = self.read(&path, root).map(|text| {
            let origin =
                relative(&key, root).map_or_else(|| key.display().to_string(), ToOwned::to_owned);
            Arc::new(Schema::from_template(&text, &origin))
        });
        if let Err(message) = &result {
            warn!("template `{written}`: {message}");
        }
        self.templates.insert(key, result.clone());
        self.by_written.insert(written_key, result.clone());
        result
    }

    /// Reads a configuration or template file that must lie under `root`.
    fn read(&self, path: &Path, root: &Path) -> Result<String, String> {
        if let Some(text) = self.overlays.get(&real(path)) {
            return Ok(text.clone());
        }
        let canonical = path
            .canonicalize()
            .map_err(|e| format!("{} cannot be read: {e}", path.display()))?;
        if !canonical.starts_with(root) {
            return Err(format!(
                "{} is outside {} (through `..` or a symbolic link); configuration and templates are read only inside the workspace",
                canonical.display(),
                root.display()
            ));
        }
        let metadata = std::fs::metadata(&canonical)
            .map_err(|e| format!("{} cannot be read: {e}", canonical.display()))?;
        if !metadata.is_file() || metadata.len() > MAX_BYTES {
            return Err(format!(
                "{} is not a file of at most 1 MB",
                canonical.display()
            ));
        }
        std::fs::read_to_string(&canonical)
            .map_err(|e| format!("{} cannot be read: {e}", canonical.display()))
    }
}

fn setting_message(written: &str, message: &str) -> String {
    format!("The template `{written}` of the editor settings cannot be used: {message}")
}

/// Whether a folder on the way to `path` is named `templates` (or
/// `template`).
fn in_templates_dir(path: &Path) -> bool {
    path.parent().is_some_and(|dir| {
        dir.components().any(|c| {
            let name = c.as_os_str().to_string_lossy();
            name.eq_ignore_ascii_case("templates") || name.eq_ignore_ascii_case("template")
        })
    })
}

fn note(range: TextRange, message: String) -> Diagnostic {
    crate::plan::rules::config_note(range, message)
}

/// The real path of `path` when it exists; otherwise the path made
/// absolute and cleaned of `.` and `..` without touching the disk.
#[must_use]
pub fn real(path: &Path) -> PathBuf {
    if let Ok(canonical) = path.canonicalize() {
        return canonical;
    }
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path))
    };
    // Canonicalize the longest existing ancestor, then add the rest.
    let mut clean = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    for ancestor in clean.ancestors().skip(1) {
        if let Ok(canonical) = ancestor.canonicalize()
            && let Ok(rest) = clean.strip_prefix(ancestor)
        {
            return canonical.join(rest);
        }
    }
    clean
}

/// `path` relative to `dir` with `/` separators, when it is under it.
fn relative<'p>(path: &'p Path, dir: &Path) -> Option<&'p str> {
    path.strip_prefix(dir).ok().and_then(Path::to_str)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn render(text: &str, file: &ConfigFile) -> String {
        let mut out = String::new();
        for p in &file.problems {
            let _ = writeln!(out, "{:?}: {}", &text[p.range.clone()], p.message);
        }
        out
    }

    #[test]
    fn parses_keys_and_reports_problems_with_ranges() {
        let text = r#"template = "docs/t.md"
files = ["docs/*-plan.md", "docs/[x.md"]
colour = "blue"

[rules]
step-numbering = "off"
missing-field = "hint"
no-such-rule = "off"
section-order = "loud"

[[overrides]]
files = ["legacy/*.md"]
template = "legacy/t.md"

[[overrides]]
files = ["x/*.md"]
"#;
        let file = parse(text);
        assert_eq!(file.template.as_ref().unwrap().path, "docs/t.md");
        assert!(file.files.as_ref().unwrap().is_match("docs/a-plan.md"));
        assert!(!file.files.as_ref().unwrap().is_match("docs/sub/a-plan.md"));
        assert_eq!(file.rules.severity(Code::StepNumbering), None);
        assert_eq!(
            file.rules.severity(Code::MissingField),
            Some(crate::plan::Severity::Hint)
        );
        assert_eq!(file.overrides.len(), 1);
        assert!(file.overrides[0].files.is_match("legacy/a.md"));
        let rendered = render(text, &file);
        assert!(
            rendered.contains("\"\\\"docs/[x.md\\\"\": Invalid glob pattern"),
            "{rendered}"
        );
        assert!(
            rendered.contains("\"colour\": Unknown key `colour`"),
            "{rendered}"
        );
        assert!(
            rendered.contains("\"no-such-rule\": Unknown rule `no-such-rule`"),
            "{rendered}"
        );
        assert!(
            rendered.contains("\"\\\"loud\\\"\": A rule's level is one of"),
            "{rendered}"
        );
        assert!(
            rendered.contains("needs both `files` and `template`"),
            "{rendered}"
        );
        assert_eq!(file.problems.len(), 5, "{rendered}");
    }

    #[test]
    fn invalid_toml_is_a_problem_not_a_failure() {
        let text = "template = \n[rules\n";
        let file = parse(text);
        assert!(!file.problems.is_empty());
        assert!(file.problems.iter().all(|p| p.range.end <= text.len()));
    }

    #[test]
    fn a_documents_configuration_is_read_once_until_clear() {
        let dir =
            std::env::temp_dir().join(format!("plan-lsp-config-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::write(dir.join(FILE_NAME), "[rules]\nstep-numbering = \"off\"\n").unwrap();
        let plan = dir.join("demo-plan.md");
        let mut store = Store::new(std::slice::from_ref(&dir));
        let level = |store: &mut Store| {
            store
                .resolve(Some(&plan), "# Demo\n")
                .rules
                .severity(Code::StepNumbering)
        };
        assert_eq!(level(&mut store), None);
        // The file changes, but nothing told the store: the cached answer stays.
        std::fs::write(dir.join(FILE_NAME), "[rules]\nstep-numbering = \"hint\"\n").unwrap();
        assert_eq!(level(&mut store), None);
        // A template directive in the text still applies on every call.
        std::fs::write(dir.join("t.md"), "# [Name] Plan\n\n## Only\n").unwrap();
        let directed = store.resolve(Some(&plan), "<!-- plan-lsp: template=t.md -->\n# Demo\n");
        assert_eq!(directed.role, Role::Plan);
        assert!(directed.notes.is_empty(), "{:?}", directed.notes);
        // A watched-file event clears the store; the new level is read.
        store.clear();
        assert_eq!(level(&mut store), Some(crate::plan::Severity::Hint));
        store.forget(&plan);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn settings_from_json() {
        let value = serde_json::json!({ "planLsp": {
            "server": { "path": "" },
            "files": ["**/*-plan.md"],
            "template": "docs/t.md",
            "rules": { "step-numbering": "off", "bogus": "off", "missing-field": 3 }
        }});
        let (settings, problems) = Settings::from_json(&value);
        assert_eq!(settings.template.as_deref(), Some("docs/t.md"));
        assert_eq!(settings.rules.severity(Code::StepNumbering), None);
        assert_eq!(problems.len(), 2, "{problems:?}");
        let (bare, problems) = Settings::from_json(&serde_json::json!({ "template": "" }));
        assert!(bare.template.is_none() && problems.is_empty());
    }
}
