//! What the handlers share: the session (client features, workspace
//! folders), the open documents, the configuration store and the workspace
//! index. Locks are never held across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tower_lsp_server::ls_types::Uri;

use crate::config::{self, Resolved};
use crate::document::{Document, Snapshot};
use crate::index::Index;
use crate::plan::{Analysis, DocContext};
use crate::session::Session;

/// State shared by the handlers and the publisher.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) session: Session,
    docs: Mutex<HashMap<Uri, Document>>,
    /// The plans in the workspace folders and the file lookups made.
    pub(crate) index: Index,
    /// Settings, discovered `plan-lsp.toml` files, loaded templates and the
    /// configuration resolved for each document.
    config: Mutex<config::Store>,
}

impl State {
    pub(crate) fn docs(&self) -> MutexGuard<'_, HashMap<Uri, Document>> {
        self.docs.lock().unwrap_or_else(PoisonError::into_inner)
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

    pub(crate) fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        self.docs().get(uri).map(Document::snapshot)
    }

    pub(crate) fn config(&self) -> MutexGuard<'_, config::Store> {
        self.config.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The configuration of a document with this text (its template
    /// directive is part of it). Cached per document by the store: only
    /// the first call after a configuration change touches the disk.
    pub(crate) fn resolve(&self, uri: &Uri, text: &str) -> Resolved {
        let path = uri.to_file_path();
        self.config().resolve(path.as_deref(), text)
    }

    /// The analysis of a snapshot, cached on the document when it is still
    /// at that version.
    pub(crate) fn analysis(&self, uri: &Uri, snapshot: &Snapshot) -> Arc<Analysis> {
        if let Some(analysis) = &snapshot.analysis {
            return Arc::clone(analysis);
        }
        let resolved = self.resolve(uri, &snapshot.text);
        let ctx: DocContext = resolved.context(snapshot.context.file_name.clone());
        let analysis = snapshot.analysis_with(&resolved.schema, &ctx);
        if let Some(doc) = self.docs().get_mut(uri) {
            doc.store_analysis(snapshot.version, &snapshot.text, &analysis);
        }
        analysis
    }

    /// Forgets loaded configuration and every open document's analysis.
    pub(crate) fn forget_configuration(&self) {
        self.config().clear();
        for doc in self.docs().values_mut() {
            doc.invalidate();
        }
    }
}
