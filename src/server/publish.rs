//! Diagnostics: the one task that pushes them for the latest version of
//! each queued document, and the conversion shared with the pull handler.
//!
//! The analysis runs on a blocking thread, so a keystroke's analysis never
//! holds up the message loop; a panic there ends only that job (the
//! blocking task contains it) and the publisher carries on.

use std::sync::Arc;

use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{self as lsp, Uri};
use tracing::warn;

use crate::convert;
use crate::document::Snapshot;
use crate::plan::Analysis;
use crate::state::State;
use crate::workspace;

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

/// A document's findings as LSP diagnostics: the analysis's own and the
/// `missing-file` hints (from the cached file lookups). Pushed and pulled
/// diagnostics are both made here.
pub(crate) fn lsp_diagnostics(
    state: &State,
    uri: &Uri,
    snapshot: &Snapshot,
    analysis: &Analysis,
) -> Vec<lsp::Diagnostic> {
    let encoding = state.session.encoding();
    let hints = workspace::file_hints(state, uri, &snapshot.text, analysis);
    analysis
        .diagnostics
        .iter()
        .chain(&hints)
        .map(|d| convert::diagnostic(&snapshot.rope, d, encoding))
        .collect()
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

async fn publish(client: &Client, state: &Arc<State>, uri: &Uri) {
    let (work_state, work_uri) = (Arc::clone(state), uri.clone());
    let computed = tokio::task::spawn_blocking(move || {
        let snapshot = work_state.snapshot(&work_uri)?;
        let analysis = work_state.analysis(&work_uri, &snapshot);
        let diagnostics = lsp_diagnostics(&work_state, &work_uri, &snapshot, &analysis);
        Some((snapshot.version, diagnostics))
    })
    .await;
    let (version, diagnostics) = match computed {
        Ok(Some(found)) => found,
        Ok(None) => return,
        Err(error) => {
            warn!(
                "computing the diagnostics of {} failed: {error}",
                uri.as_str()
            );
            return;
        }
    };
    let latest = state.docs().get(uri).map(|doc| doc.version);
    if latest != Some(version) {
        return;
    }
    client
        .publish_diagnostics(uri.clone(), diagnostics, Some(version))
        .await;
}
