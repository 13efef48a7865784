//! Workspace features: the index of every plan's sections and steps in the
//! workspace folders (for `workspace/symbol`), links and go-to-definition
//! for file paths written in a plan, the `missing-file` hints, and the
//! progress code lenses.
//!
//! The index is built by a background task started from `initialized`
//! (the walk honours `.gitignore`, follows no symlinks, skips files over
//! `MAX_FILE_BYTES` and stops after `MAX_FILES` markdown files) and kept
//! current by `workspace/didChangeWatchedFiles`. Open documents are read
//! from the document store at query time, so didOpen/didChange/didClose
//! need no index work beyond re-reading a closed file from disk. Handlers
//! never wait for the index: they answer from what it holds.
//!
//! Reads happen only under the workspace folders (see `crate::files`). The
//! `missing-file` hints look files up once and remember the answer (in
//! `crate::index`) until a file event, a save or a folder change.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ropey::Rope;
use tower_lsp_server::ls_types::{self as lsp, FileChangeType, FileEvent, Uri};
use tracing::{debug, info, warn};

use crate::cancel::{Cancel, Cancelled};
use crate::convert::{self, Encoding};
use crate::document::Snapshot;
use crate::files::{self, Root};
use crate::index::{Entry, Hints, IndexedSymbol};
use crate::plan::{self, Analysis, links, outline, parse};
use crate::session::file_path;
use crate::state::State;

/// Markdown files larger than this are not indexed.
pub(crate) const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;
/// The walk stops after this many markdown files.
pub(crate) const MAX_FILES: usize = 10_000;
/// `workspace/symbol` answers at most this many symbols.
const MAX_RESULTS: usize = 256;

fn workspace_roots(state: &State) -> Vec<Root> {
    state.session.folders().roots
}

/// Starts the initial scan of the workspace folders in the background.
/// Returns at once.
pub(crate) fn start(state: Arc<State>) {
    spawn_scan(state);
}

/// The workspace folders changed: forget the index and scan the new
/// folders in the background.
pub(crate) fn rescan(state: Arc<State>) {
    state.index.write().files.clear();
    state.index.forget_lookups();
    spawn_scan(state);
}

fn spawn_scan(state: Arc<State>) {
    tokio::spawn(async move {
        let scanned = Arc::clone(&state);
        match tokio::task::spawn_blocking(move || scan(&scanned)).await {
            Ok(count) => info!("workspace index: {count} plans"),
            Err(error) => warn!("the workspace scan failed: {error}"),
        }
    });
}

/// Walks the workspace folders and indexes every plan; returns how many.
fn scan(state: &State) -> usize {
    let roots = workspace_roots(state);
    let Some((first, rest)) = roots.split_first() else {
        return 0;
    };
    state.index.write().scanning = true;
    let mut builder = ignore::WalkBuilder::new(&first.given);
    for root in rest {
        builder.add(&root.given);
    }
    // Ignore files are read inside the folders only: not from their parent
    // directories, nor the user's global git excludes.
    builder
        .require_git(false)
        .parents(false)
        .git_global(false)
        .follow_links(false)
        .max_filesize(Some(MAX_FILE_BYTES));
    let encoding = state.session.encoding();
    let mut seen = 0usize;
    for entry in builder.build().flatten() {
        let path = entry.path();
        if !files::is_markdown(path) || !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        seen += 1;
        if seen > MAX_FILES {
            warn!("the workspace holds more than {MAX_FILES} markdown files; indexing stops here");
            break;
        }
        let indexed = index_file(state, path, encoding);
        state.index.store(path.to_path_buf(), indexed, true);
    }
    let mut index = state.index.write();
    index.scanning = false;
    index.touched.clear();
    index.files.len()
}

/// Reads and indexes one file; `None` when it is not a regular file under
/// the size limit, not UTF-8, or not a plan.
fn index_file(state: &State, path: &Path, encoding: Encoding) -> Option<Entry> {
    let metadata = path.symlink_metadata().ok()?;
    if !metadata.is_file() || metadata.len() > MAX_FILE_BYTES {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let uri = Uri::from_file_path(path)?;
    // The same configuration as an open document: template and `files` globs.
    let resolved = state
        .config()
        .resolve_uncached(uri.to_file_path().as_deref(), &text);
    let schema = Arc::clone(&resolved.schema);
    let tree = parse::parse(&text);
    let context = resolved.context(path.file_name().map(|n| n.to_string_lossy().into_owned()));
    if !plan::is_plan(&text, &tree, &schema, &context) {
        return None;
    }
    let rope = Rope::from_str(&text);
    let symbols = flatten(&rope, &outline::symbols(&tree, &schema), encoding);
    Some(Entry { uri, symbols })
}

/// The title, sections and `###` headings of an outline, flat, each with
/// its container's name.
fn flatten(rope: &Rope, symbols: &[plan::Symbol], encoding: Encoding) -> Vec<IndexedSymbol> {
    let title = symbols
        .iter()
        .find(|s| s.kind == plan::SymbolKind::Title)
        .map(|s| s.name.clone());
    let mut out = Vec::new();
    for symbol in symbols {
        let container = match symbol.kind {
            plan::SymbolKind::Title => None,
            _ => title.clone(),
        };
        out.push(indexed(rope, symbol, container, encoding));
        for child in &symbol.children {
            out.push(indexed(rope, child, Some(symbol.name.clone()), encoding));
        }
    }
    out
}

fn indexed(
    rope: &Rope,
    symbol: &plan::Symbol,
    container: Option<String>,
    encoding: Encoding,
) -> IndexedSymbol {
    IndexedSymbol {
        name: symbol.name.clone(),
        kind: convert::symbol_kind(symbol.kind),
        container,
        range: convert::to_lsp_range(rope, symbol.selection, encoding),
    }
}

/// `workspace/symbol`: the open plans (their current text) and the indexed
/// ones, fuzzy-matched on `query`, best first.
/// Gives up with `Cancelled` between documents and index entries once the
/// request is cancelled.
pub(crate) fn symbols(
    state: &State,
    query: &str,
    cancel: &Cancel,
) -> Result<Vec<lsp::WorkspaceSymbol>, Cancelled> {
    let open: Vec<(Uri, Snapshot)> = state
        .docs()
        .iter()
        .map(|(uri, doc)| (uri.clone(), doc.snapshot()))
        .collect();
    let encoding = state.session.encoding();
    let mut open_symbols: Vec<(Uri, Vec<IndexedSymbol>)> = Vec::new();
    let mut open_paths = HashSet::new();
    for (uri, snapshot) in open {
        cancel.check()?;
        let analysis = state.analysis(&uri, &snapshot);
        if let Some(path) = file_path(&uri) {
            open_paths.insert(path);
        }
        if analysis.is_plan {
            let flat = flatten(&snapshot.rope, analysis.outline(), encoding);
            open_symbols.push((uri, flat));
        }
    }
    let index = state.index.read();
    let mut candidates: Vec<(&Uri, &IndexedSymbol)> = open_symbols
        .iter()
        .flat_map(|(uri, symbols)| symbols.iter().map(move |s| (uri, s)))
        .collect();
    for (path, entry) in &index.files {
        cancel.check()?;
        if !open_paths.contains(path) {
            candidates.extend(entry.symbols.iter().map(|s| (&entry.uri, s)));
        }
    }
    cancel.check()?;
    let ranked = plan::fuzzy::rank(query, candidates, |(_, s)| &s.name, MAX_RESULTS);
    cancel.check()?;
    Ok(ranked
        .into_iter()
        .map(|(uri, s)| lsp::WorkspaceSymbol {
            name: s.name.clone(),
            kind: s.kind,
            tags: None,
            container_name: s.container.clone(),
            location: lsp::OneOf::Left(lsp::Location {
                uri: uri.clone(),
                range: s.range,
            }),
            data: None,
        })
        .collect())
}

/// Applies `workspace/didChangeWatchedFiles` to the index: markdown files
/// inside the workspace folders are re-read (off the async threads) or
/// dropped.
pub(crate) fn files_changed(state: &Arc<State>, changes: Vec<FileEvent>) {
    state.index.forget_lookups();
    let roots = workspace_roots(state);
    for change in changes {
        let Some(path) = file_path(&change.uri) else {
            continue;
        };
        if !files::is_markdown(&path) {
            continue;
        }
        if change.typ == FileChangeType::DELETED {
            state.index.store(path, None, false);
            continue;
        }
        let state = Arc::clone(state);
        let roots = roots.clone();
        tokio::task::spawn_blocking(move || reindex(&state, &roots, path));
    }
}

/// Re-reads one file from disk when it lies inside the workspace folders.
fn reindex(state: &State, roots: &[Root], path: PathBuf) {
    if !files::inside(roots, &path) {
        debug!("not indexing {}: outside the workspace", path.display());
        state.index.store(path, None, false);
        return;
    }
    let indexed = index_file(state, &path, state.session.encoding());
    state.index.store(path, indexed, false);
}

/// After didClose: the file on disk may differ from the closed buffer.
pub(crate) fn document_closed(state: &Arc<State>, uri: &Uri) {
    let Some(path) = file_path(uri) else {
        return;
    };
    if !state.session.has_folders() || !files::is_markdown(&path) {
        return;
    }
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || {
        let roots = workspace_roots(&state);
        if !roots.is_empty() {
            reindex(&state, &roots, path);
        }
    });
}

/// The plan's directory when the document is a file inside the workspace.
fn plan_dir(roots: &[Root], uri: &Uri) -> Option<PathBuf> {
    let dir = file_path(uri)?.parent()?.to_path_buf();
    files::inside(roots, &dir).then_some(dir)
}

/// `plan_dir`, remembered until the next file event or folder change.
fn cached_plan_dir(state: &State, roots: &[Root], uri: &Uri) -> Option<PathBuf> {
    let dir = file_path(uri)?.parent()?.to_path_buf();
    if let Some(&inside) = state.index.lookups().inside.get(&dir) {
        return inside.then_some(dir);
    }
    let inside = plan_dir(roots, uri).is_some();
    state.index.lookups().inside.insert(dir.clone(), inside);
    inside.then_some(dir)
}

/// The `missing-file` hints of a plan: files named by its preamble fields
/// that do not exist in the workspace. Nothing without workspace folders
/// or for a document outside them. Reused while the text up to the end of
/// the preamble and the rule levels stay the same (a keystroke further down
/// cannot change them), until the file lookups are forgotten.
pub(crate) fn file_hints(
    state: &State,
    uri: &Uri,
    text: &str,
    analysis: &Analysis,
) -> Vec<plan::Diagnostic> {
    if !analysis.is_plan || analysis.tree.preamble.is_empty() {
        return Vec::new();
    }
    let end = analysis
        .tree
        .preamble
        .iter()
        .map(|f| f.line.end as usize)
        .max()
        .unwrap_or(0);
    let preamble = text.get(..end).unwrap_or(text);
    if let Some(cached) = state.index.lookups().hints.get(uri)
        && cached.preamble == preamble
        && cached.rules == analysis.rules
    {
        return cached.found.clone();
    }
    let roots = workspace_roots(state);
    let Some(dir) = cached_plan_dir(state, &roots, uri) else {
        return Vec::new();
    };
    let hints = links::missing_files(text, analysis, |p| {
        let key = (Some(dir.clone()), p.to_owned());
        if let Some(&exists) = state.index.lookups().files.get(&key) {
            return exists;
        }
        let exists = files::resolve(&roots, Some(&dir), p).is_some();
        state.index.lookups().files.insert(key, exists);
        exists
    });
    let cached = Hints {
        preamble: preamble.to_owned(),
        rules: analysis.rules.clone(),
        found: hints.clone(),
    };
    state.index.lookups().hints.insert(uri.clone(), cached);
    hints
}

/// After didClose: the plan's cached hints go.
pub(crate) fn forget_hints(state: &State, uri: &Uri) {
    state.index.lookups().hints.remove(uri);
}

/// `textDocument/documentLink`: the paths written in a plan that name an
/// existing file in the workspace.
pub(crate) fn document_links(
    state: &State,
    uri: &Uri,
    snapshot: &Snapshot,
    analysis: &Analysis,
) -> Vec<lsp::DocumentLink> {
    if !analysis.is_plan {
        return Vec::new();
    }
    let roots = workspace_roots(state);
    if roots.is_empty() {
        return Vec::new();
    }
    let dir = plan_dir(&roots, uri);
    let encoding = state.session.encoding();
    links::paths(&snapshot.text, &analysis.tree)
        .iter()
        .filter_map(|p| {
            let target = files::resolve(&roots, dir.as_deref(), &p.path)?;
            let target = Uri::from_file_path(target)?;
            Some(convert::document_link(
                &snapshot.rope,
                p.range,
                target,
                encoding,
            ))
        })
        .collect()
}

/// `textDocument/definition` on a path written in a plan: the file.
pub(crate) fn definition(
    state: &State,
    uri: &Uri,
    snapshot: &Snapshot,
    analysis: &Analysis,
    offset: u32,
) -> Option<lsp::Location> {
    if !analysis.is_plan {
        return None;
    }
    let paths = links::paths(&snapshot.text, &analysis.tree);
    let found = links::path_at(&paths, offset)?;
    let roots = workspace_roots(state);
    let dir = plan_dir(&roots, uri);
    let target = files::resolve(&roots, dir.as_deref(), &found.path)?;
    Some(lsp::Location {
        uri: Uri::from_file_path(target)?,
        range: lsp::Range::default(),
    })
}

/// `textDocument/codeLens`: checklist progress on the title and headings.
/// Gives up with `Cancelled` between lenses once the request is cancelled.
pub(crate) fn code_lenses(
    state: &State,
    snapshot: &Snapshot,
    analysis: &Analysis,
    cancel: &Cancel,
) -> Result<Vec<lsp::CodeLens>, Cancelled> {
    if !analysis.is_plan {
        return Ok(Vec::new());
    }
    let encoding = state.session.encoding();
    let lenses = plan::progress::lenses(&analysis.tree);
    cancel.check()?;
    let mut out = Vec::with_capacity(lenses.len());
    for lens in &lenses {
        cancel.check()?;
        out.push(convert::code_lens(&snapshot.rope, lens, encoding));
    }
    Ok(out)
}
