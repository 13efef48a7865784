//! The server's shared state: the open documents, the negotiated position
//! encoding and client features, and the task that publishes diagnostics
//! for the latest version of each document.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{self as lsp, Uri};
use tracing::warn;

use crate::config::{self, Resolved};
use crate::convert::{self, Encoding};
use crate::document::{Document, Snapshot};
use crate::plan::{Analysis, DocContext};

/// Work for the diagnostics publisher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Job {
    Analyze(Uri),
    Clear(Uri),
}

impl Job {
    fn uri(&self) -> &Uri {
        match self {
            Job::Analyze(uri) | Job::Clear(uri) => uri,
        }
    }
}

/// State shared by the handlers and the publisher.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) docs: Mutex<HashMap<Uri, Document>>,
    pub(crate) encoding: RwLock<Encoding>,
    /// The client pulls diagnostics; the server then never pushes.
    pub(crate) pull: AtomicBool,
    /// The client accepts snippet syntax in completions.
    pub(crate) snippets: AtomicBool,
    /// The workspace folders from `initialize` (`workspaceFolders`, else
    /// `rootUri`); files are read only under them.
    pub(crate) workspace_folders: RwLock<Vec<PathBuf>>,
    /// The index of the plans in the workspace folders.
    pub(crate) workspace: crate::workspace::Workspace,
    /// Settings, discovered `plan-lsp.toml` files and loaded templates.
    pub(crate) config: Mutex<config::Store>,
    /// The client can register file watchers dynamically.
    pub(crate) watch_files: AtomicBool,
    /// The client accepts `workspace/diagnostic/refresh`.
    pub(crate) diagnostic_refresh: AtomicBool,
    /// The client answers `workspace/configuration`.
    pub(crate) pull_configuration: AtomicBool,
}

impl State {
    pub(crate) fn docs(&self) -> MutexGuard<'_, HashMap<Uri, Document>> {
        self.docs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The workspace folders; clone them before doing IO with them.
    pub(crate) fn folders(&self) -> RwLockReadGuard<'_, Vec<PathBuf>> {
        self.workspace_folders
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets a closed document; true when it was open. The map gives
    /// back its table once it is mostly empty, so that closing many
    /// documents returns their memory.
    pub(crate) fn close(&self, uri: &Uri) -> bool {
        let mut docs = self.docs();
        let removed = docs.remove(uri).is_some();
        if docs.len() * 4 < docs.capacity() {
            docs.shrink_to_fit();
        }
        removed
    }

    pub(crate) fn encoding(&self) -> Encoding {
        *self.encoding.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        self.docs().get(uri).map(Document::snapshot)
    }

    pub(crate) fn config(&self) -> MutexGuard<'_, config::Store> {
        self.config.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The configuration of a document with this text (its template
    /// directive is part of it).
    pub(crate) fn resolve(&self, uri: &Uri, text: &str) -> Resolved {
        let path = uri.to_file_path();
        self.config().resolve(path.as_deref(), text)
    }

    /// The analysis of a snapshot, cached on the document when it is still
    /// at that version. A panic in the analysis becomes an error.
    pub(crate) fn analysis(&self, uri: &Uri, snapshot: &Snapshot) -> Result<Arc<Analysis>> {
        if let Some(analysis) = &snapshot.analysis {
            return Ok(Arc::clone(analysis));
        }
        let resolved = self.resolve(uri, &snapshot.text);
        let ctx: DocContext = resolved.context(snapshot.context.file_name.clone());
        let schema = resolved.schema;
        let analysis = catch_unwind(AssertUnwindSafe(|| snapshot.analysis_with(&schema, &ctx)))
            .map_err(|_| {
                warn!("the analysis of {} panicked", uri.as_str());
                Error::internal_error()
            })?;
        if let Some(doc) = self.docs().get_mut(uri) {
            doc.store_analysis(snapshot.version, &snapshot.text, &analysis);
        }
        Ok(analysis)
    }
}

impl State {
    /// A document's findings as LSP diagnostics: the analysis's own and the
    /// `missing-file` hints, which need the file system. Pushed and pulled
    /// diagnostics are both made here.
    pub(crate) fn lsp_diagnostics(
        &self,
        uri: &Uri,
        snapshot: &Snapshot,
        analysis: &Analysis,
    ) -> Vec<lsp::Diagnostic> {
        let encoding = self.encoding();
        let hints = crate::workspace::file_hints(self, uri, &snapshot.text, analysis);
        analysis
            .diagnostics
            .iter()
            .chain(&hints)
            .map(|d| convert::diagnostic(&snapshot.rope, d, encoding))
            .collect()
    }
}

/// Publishes diagnostics for queued documents, latest version only.
pub(crate) async fn publisher(
    client: Client,
    state: Arc<State>,
    mut rx: mpsc::UnboundedReceiver<Job>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while let Ok(job) = rx.try_recv() {
            batch.push(job);
        }
        for (i, job) in batch.iter().enumerate() {
            // A later job for the same document supersedes this one.
            if batch[i + 1..].iter().any(|later| later.uri() == job.uri()) {
                continue;
            }
            match job {
                Job::Clear(uri) => {
                    client
                        .publish_diagnostics(uri.clone(), Vec::new(), None)
                        .await;
                }
                Job::Analyze(uri) => publish(&client, &state, uri).await,
            }
        }
    }
}

async fn publish(client: &Client, state: &State, uri: &Uri) {
    let Some(snapshot) = state.snapshot(uri) else {
        return;
    };
    let Ok(analysis) = state.analysis(uri, &snapshot) else {
        return;
    };
    // A panic here would end the publisher task and silence diagnostics.
    let Ok(diagnostics) = catch_unwind(AssertUnwindSafe(|| {
        state.lsp_diagnostics(uri, &snapshot, &analysis)
    })) else {
        warn!("converting the diagnostics of {} panicked", uri.as_str());
        return;
    };
    let latest = state.docs().get(uri).map(|doc| doc.version);
    if latest != Some(snapshot.version) {
        return;
    }
    client
        .publish_diagnostics(uri.clone(), diagnostics, Some(snapshot.version))
        .await;
}

/// The last path segment of a URI, percent-decoded.
pub(crate) fn file_name(uri: &Uri) -> Option<String> {
    let path = uri.path().as_str();
    let last = path.rsplit('/').next().filter(|s| !s.is_empty())?;
    let bytes = last.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

impl State {
    /// Fresh state: no documents, UTF-16, push diagnostics, the built-in schema.
    pub(crate) fn new() -> Self {
        Self {
            docs: Mutex::new(HashMap::new()),
            encoding: RwLock::new(Encoding::Utf16),
            pull: AtomicBool::new(false),
            snippets: AtomicBool::new(false),
            workspace_folders: RwLock::new(Vec::new()),
            workspace: crate::workspace::Workspace::default(),
            config: Mutex::new(config::Store::default()),
            watch_files: AtomicBool::new(false),
            diagnostic_refresh: AtomicBool::new(false),
            pull_configuration: AtomicBool::new(false),
        }
    }
}
