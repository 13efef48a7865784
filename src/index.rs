//! What the server knows about the files of the workspace, kept in memory
//! so that a keystroke touches no file: the index of the plans' symbols
//! (for `workspace/symbol`) and the answers to "does this path written in a
//! plan name a file?" (for the `missing-file` hints) and "does this
//! directory lie inside a workspace folder?", and the hints computed from
//! them for each open plan, reused while its preamble is unchanged. File
//! events, saves and folder changes refresh it; `crate::workspace` fills it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::plan::{Diagnostic, Rules};

/// One section or step of an indexed plan, with its LSP range.
#[derive(Clone, Debug)]
pub(crate) struct IndexedSymbol {
    pub(crate) name: String,
    pub(crate) kind: lsp::SymbolKind,
    pub(crate) container: Option<String>,
    pub(crate) range: lsp::Range,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) uri: Uri,
    pub(crate) symbols: Vec<IndexedSymbol>,
}

#[derive(Debug, Default)]
pub(crate) struct Symbols {
    pub(crate) files: HashMap<PathBuf, Entry>,
    /// While the initial scan runs: paths updated by file events, which
    /// the scan must not overwrite with what it read earlier.
    pub(crate) scanning: bool,
    pub(crate) touched: HashSet<PathBuf>,
}

/// File lookups already made: a path written in a plan, looked up from a
/// plan's directory, and whether a directory lies inside a folder.
#[derive(Debug, Default)]
pub(crate) struct Lookups {
    pub(crate) files: HashMap<(Option<PathBuf>, String), bool>,
    pub(crate) inside: HashMap<PathBuf, bool>,
    /// The `missing-file` hints of each open plan, with what they were
    /// computed from.
    pub(crate) hints: HashMap<Uri, Hints>,
}

/// A plan's `missing-file` hints and what they depend on besides the file
/// system: the text up to the end of its preamble (the fields, their paths
/// and any comment that silences them) and its rule levels.
#[derive(Debug)]
pub(crate) struct Hints {
    pub(crate) preamble: String,
    pub(crate) rules: Rules,
    pub(crate) found: Vec<Diagnostic>,
}

/// The workspace index and the file lookup cache.
#[derive(Debug, Default)]
pub(crate) struct Index {
    symbols: RwLock<Symbols>,
    lookups: Mutex<Lookups>,
}

impl Index {
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Symbols> {
        self.symbols.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Symbols> {
        self.symbols.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn lookups(&self) -> MutexGuard<'_, Lookups> {
        self.lookups.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets every file lookup (files appeared or went).
    pub(crate) fn forget_lookups(&self) {
        let mut lookups = self.lookups();
        lookups.files.clear();
        lookups.inside.clear();
        lookups.hints.clear();
    }

    /// Records what a file event or the scan found for `path`.
    pub(crate) fn store(&self, path: PathBuf, entry: Option<Entry>, from_scan: bool) {
        let mut index = self.write();
        if from_scan && index.touched.contains(&path) {
            return;
        }
        if !from_scan && index.scanning {
            index.touched.insert(path.clone());
        }
        match entry {
            Some(entry) => index.files.insert(path, entry),
            None => index.files.remove(&path),
        };
    }
}
