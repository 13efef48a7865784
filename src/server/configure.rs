//! Configuration in the server: workspace folders and settings from
//! `initialize`, settings from `workspace/didChangeConfiguration` (pulled
//! with `workspace/configuration` in a spawned task when the notification
//! carries none), file watchers registered from a spawned task, and
//! re-analysis of the open documents when configuration changes.
//!
//! No handler awaits a request to the client: requests run in spawned tasks.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use serde_json::Value;
use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{
    ConfigurationItem, DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern,
    InitializeParams, Registration, Uri,
};
use tracing::{debug, info, warn};

use super::Backend;
use crate::config::Settings;
use crate::state::{Job, State};

/// The settings section the VS Code extension uses.
const SECTION: &str = "planLsp";

impl Backend {
    /// Reads workspace folders, settings and client features.
    pub(super) fn configure(&self, params: &InitializeParams) {
        let mut folders: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| crate::workspace::file_path(&f.uri))
            .collect();
        #[allow(deprecated, reason = "rootUri is what older clients send")]
        if folders.is_empty()
            && let Some(root) = params
                .root_uri
                .as_ref()
                .and_then(crate::workspace::file_path)
        {
            folders.push(root);
        }
        {
            let mut store = self.state.config();
            store.set_folders(&folders);
            if let Some(options) = &params.initialization_options {
                store.set_settings(read_settings(options));
            }
        }
        *self
            .state
            .workspace_folders
            .write()
            .unwrap_or_else(PoisonError::into_inner) = folders;
        let workspace = params.capabilities.workspace.as_ref();
        let watch = workspace
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        let refresh = workspace
            .and_then(|w| w.diagnostics.as_ref())
            .and_then(|d| d.refresh_support)
            .unwrap_or(false);
        let pull = workspace.and_then(|w| w.configuration).unwrap_or(false);
        self.state.watch_files.store(watch, Ordering::Relaxed);
        self.state
            .diagnostic_refresh
            .store(refresh, Ordering::Relaxed);
        self.state.pull_configuration.store(pull, Ordering::Relaxed);
    }

    /// After `initialized`: watch configuration and template files, and
    /// pull the settings, each in its own task.
    pub(super) fn start_watching(&self) {
        if self.state.watch_files.load(Ordering::Relaxed) {
            let client = self.client.clone();
            tokio::spawn(async move {
                let watchers = ["**/plan-lsp.toml", "**/*.md"]
                    .into_iter()
                    .map(|glob| FileSystemWatcher {
                        glob_pattern: GlobPattern::String(glob.to_owned()),
                        kind: None,
                    })
                    .collect();
                let options = DidChangeWatchedFilesRegistrationOptions { watchers };
                let registration = Registration {
                    id: "plan-lsp-configuration-files".to_owned(),
                    method: "workspace/didChangeWatchedFiles".to_owned(),
                    register_options: serde_json::to_value(options).ok(),
                };
                if let Err(error) = client.register_capability(vec![registration]).await {
                    warn!("cannot watch plan-lsp.toml and template files: {error}");
                }
            });
        }
        if self.state.pull_configuration.load(Ordering::Relaxed) {
            self.pull_settings();
        }
    }

    /// `workspace/didChangeConfiguration`: settings in the notification, or
    /// pulled when it has none.
    pub(super) fn settings_changed(&self, settings: &Value) {
        let empty =
            settings.is_null() || settings.as_object().is_some_and(serde_json::Map::is_empty);
        if empty && self.state.pull_configuration.load(Ordering::Relaxed) {
            self.pull_settings();
            return;
        }
        self.state.config().set_settings(read_settings(settings));
        reconfigure(&self.state, &self.jobs, &self.client);
    }

    fn pull_settings(&self) {
        let (client, state, jobs) = (
            self.client.clone(),
            Arc::clone(&self.state),
            self.jobs.clone(),
        );
        tokio::spawn(async move {
            let item = ConfigurationItem {
                scope_uri: None,
                section: Some(SECTION.to_owned()),
            };
            match client.configuration(vec![item]).await {
                Ok(values) => {
                    let Some(value) = values.into_iter().next().filter(|v| !v.is_null()) else {
                        return;
                    };
                    state.config().set_settings(read_settings(&value));
                    reconfigure(&state, &jobs, &client);
                }
                Err(error) => debug!("workspace/configuration failed: {error}"),
            }
        });
    }

    /// Whether the document at `uri` is configuration (a `plan-lsp.toml` or
    /// a template in use); its editor text then replaces the file's.
    pub(super) fn track(&self, uri: &Uri, text: Option<&str>) -> bool {
        let Some(path) = uri.to_file_path() else {
            return false;
        };
        let mut store = self.state.config();
        if !store.affects(&path) {
            return false;
        }
        store.set_overlay(&path, text);
        true
    }

    /// A watched file or a saved document changed: re-analyse when it is
    /// configuration.
    /// Re-resolves configuration when one of `uris` is a `plan-lsp.toml`
    /// or a template in use; returns whether it did.
    pub(super) fn files_changed<'u>(&self, uris: impl IntoIterator<Item = &'u Uri>) -> bool {
        let affected = {
            let store = self.state.config();
            uris.into_iter()
                .filter_map(Uri::to_file_path)
                .any(|path| store.affects(&path))
        };
        if affected {
            reconfigure(&self.state, &self.jobs, &self.client);
        }
        affected
    }

    pub(super) fn reconfigure(&self) {
        reconfigure(&self.state, &self.jobs, &self.client);
    }
}

fn read_settings(value: &Value) -> Settings {
    let (settings, problems) = Settings::from_json(value);
    for problem in problems {
        warn!("{problem}");
    }
    settings
}

/// Forgets loaded configuration and re-analyses every open document:
/// pushed again, or pulled again after a refresh request.
pub(crate) fn reconfigure(state: &Arc<State>, jobs: &mpsc::UnboundedSender<Job>, client: &Client) {
    state.config().clear();
    for doc in state.docs().values_mut() {
        doc.invalidate();
    }
    info!("configuration changed; re-analysing the open documents");
    reanalyze_open(state, jobs, client);
}

/// Queues every open document for new diagnostics, or, when the client
/// pulls them, asks it to pull again (where it supports the refresh).
pub(crate) fn reanalyze_open(
    state: &Arc<State>,
    jobs: &mpsc::UnboundedSender<Job>,
    client: &Client,
) {
    if state.pull.load(Ordering::Relaxed) {
        if state.diagnostic_refresh.load(Ordering::Relaxed) {
            let client = client.clone();
            tokio::spawn(async move {
                if let Err(error) = client.workspace_diagnostic_refresh().await {
                    debug!("workspace/diagnostic/refresh failed: {error}");
                }
            });
        }
        return;
    }
    let uris: Vec<Uri> = state.docs().keys().cloned().collect();
    for uri in uris {
        if jobs.send(Job::Analyze(uri)).is_err() {
            warn!("the diagnostics publisher has stopped");
            return;
        }
    }
}
