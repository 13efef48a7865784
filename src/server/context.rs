//! What every handler works with: the client handle, the shared state and
//! the diagnostics queue, with the two ways of refreshing diagnostics.

use std::sync::Arc;

use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::Uri;
use tracing::{debug, info, warn};

use super::publish::{Job, publisher};
use crate::state::State;

/// The handlers' context (cheap to clone into a spawned task).
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub(crate) client: Client,
    pub(crate) state: Arc<State>,
    jobs: mpsc::UnboundedSender<Job>,
}

impl Context {
    /// Creates the context and starts the diagnostics publisher. Must be
    /// called inside a tokio runtime.
    pub(crate) fn new(client: Client) -> Context {
        let state = Arc::new(State::default());
        let (jobs, rx) = mpsc::unbounded_channel();
        tokio::spawn(publisher(client.clone(), Arc::clone(&state), rx));
        Context {
            client,
            state,
            jobs,
        }
    }

    /// Queues a job for the publisher; nothing when the client pulls.
    pub(crate) fn queue(&self, job: Job) {
        if self.state.session.client().pull_diagnostics {
            return;
        }
        if self.jobs.send(job).is_err() {
            warn!("the diagnostics publisher has stopped");
        }
    }

    /// Forgets loaded configuration and re-analyses every open document.
    pub(crate) fn reconfigure(&self) {
        self.state.forget_configuration();
        info!("configuration changed; re-analysing the open documents");
        self.reanalyze_open();
    }

    /// Queues every open document for new diagnostics, or, when the client
    /// pulls them, asks it to pull again (where it supports the refresh).
    pub(crate) fn reanalyze_open(&self) {
        let client_features = self.state.session.client();
        if client_features.pull_diagnostics {
            if client_features.diagnostic_refresh {
                let client = self.client.clone();
                tokio::spawn(async move {
                    if let Err(error) = client.workspace_diagnostic_refresh().await {
                        debug!("workspace/diagnostic/refresh failed: {error}");
                    }
                });
            }
            return;
        }
        let uris: Vec<Uri> = self.state.docs().keys().cloned().collect();
        for uri in uris {
            self.queue(Job::Analyze(uri));
        }
    }
}
