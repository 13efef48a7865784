//! Configuration and file events: workspace folders and settings from
//! `initialize`, settings from `workspace/didChangeConfiguration` (pulled
//! with `workspace/configuration` in a spawned task when the notification
//! carries none), folder changes, and the one file watcher with the one
//! handler that routes each event: configuration and templates re-resolve
//! every open document, markdown files update the workspace index, and any
//! event refreshes the remembered file lookups.
//!
//! No handler awaits a request to the client: requests run in spawned tasks.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::ls_types::{
    ConfigurationItem, DidChangeWatchedFilesRegistrationOptions, DidChangeWorkspaceFoldersParams,
    FileEvent, FileSystemWatcher, GlobPattern, InitializeParams, Registration, Uri,
};
use tracing::{debug, warn};

use super::context::Context;
use crate::config::{FILE_NAME, Settings};
use crate::session::{self, file_path};
use crate::workspace;

/// The settings section the VS Code extension uses.
const SECTION: &str = "planLsp";
/// The id of the one file watcher registration.
pub(crate) const WATCH_ID: &str = "plan-lsp-watch";

/// Settles the session from `initialize`: the client's features, the
/// workspace folders and the settings in `initializationOptions`.
pub(crate) fn initialize(ctx: &Context, params: &InitializeParams) {
    ctx.state
        .session
        .set_client(session::Client::from_params(params));
    let folders = ctx
        .state
        .session
        .set_folders(session::initial_folders(params));
    let mut store = ctx.state.config();
    store.set_folders(&folders.given);
    if let Some(options) = &params.initialization_options {
        store.set_settings(read_settings(options));
    }
}

/// After `initialized`: watch the files that matter (plans and templates
/// are markdown, and `plan-lsp.toml`) under one registration, pull the
/// settings, and start the workspace scan.
pub(crate) fn start(ctx: &Context) {
    let features = ctx.state.session.client();
    if features.watch_files {
        let client = ctx.client.clone();
        tokio::spawn(async move {
            let watchers = ["**/*.md".to_owned(), format!("**/{FILE_NAME}")]
                .into_iter()
                .map(|glob| FileSystemWatcher {
                    glob_pattern: GlobPattern::String(glob),
                    kind: None,
                })
                .collect();
            let options = DidChangeWatchedFilesRegistrationOptions { watchers };
            let registration = Registration {
                id: WATCH_ID.to_owned(),
                method: "workspace/didChangeWatchedFiles".to_owned(),
                register_options: serde_json::to_value(options).ok(),
            };
            if let Err(error) = client.register_capability(vec![registration]).await {
                warn!("cannot watch plans, templates and plan-lsp.toml: {error}");
            }
        });
    }
    if features.pull_configuration {
        pull_settings(ctx);
    }
    workspace::start(Arc::clone(&ctx.state));
}

/// `workspace/didChangeConfiguration`: settings in the notification, or
/// pulled when it has none.
pub(crate) fn settings_changed(ctx: &Context, settings: &Value) {
    let empty = settings.is_null() || settings.as_object().is_some_and(serde_json::Map::is_empty);
    if empty && ctx.state.session.client().pull_configuration {
        pull_settings(ctx);
        return;
    }
    ctx.state.config().set_settings(read_settings(settings));
    ctx.reconfigure();
}

fn pull_settings(ctx: &Context) {
    let client = ctx.client.clone();
    let ctx = ctx.clone();
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
                ctx.state.config().set_settings(read_settings(&value));
                ctx.reconfigure();
            }
            Err(error) => debug!("workspace/configuration failed: {error}"),
        }
    });
}

/// `workspace/didChangeWorkspaceFolders`: the session's folders, the
/// configuration's roots and the index follow.
pub(crate) fn folders_changed(ctx: &Context, params: &DidChangeWorkspaceFoldersParams) {
    let paths = |folders: &[tower_lsp_server::ls_types::WorkspaceFolder]| -> Vec<PathBuf> {
        folders.iter().filter_map(|f| file_path(&f.uri)).collect()
    };
    let folders = ctx
        .state
        .session
        .change_folders(&paths(&params.event.added), &paths(&params.event.removed));
    ctx.state.config().set_folders(&folders.given);
    ctx.reconfigure();
    workspace::rescan(Arc::clone(&ctx.state));
}

/// Whether the document at `uri` is configuration (a `plan-lsp.toml` or
/// a template in use); its editor text then replaces the file's.
pub(crate) fn track(ctx: &Context, uri: &Uri, text: Option<&str>) -> bool {
    let Some(path) = uri.to_file_path() else {
        return false;
    };
    let mut store = ctx.state.config();
    if !store.affects(&path) {
        return false;
    }
    store.set_overlay(&path, text);
    true
}

/// A document was saved: configuration is re-resolved when it is a
/// `plan-lsp.toml` or a template in use. Without a file watcher, a save is
/// also when the remembered file lookups are refreshed.
pub(crate) fn saved(ctx: &Context, uri: &Uri) {
    if !ctx.state.session.client().watch_files {
        ctx.state.index.forget_lookups();
    }
    if is_configuration(ctx, std::slice::from_ref(uri)) {
        ctx.reconfigure();
    }
}

/// `workspace/didChangeWatchedFiles`, the one handler of the one watcher:
/// a `plan-lsp.toml` or template in use re-resolves every open document;
/// markdown files update the index; and since files appeared or went, the
/// `missing-file` hints of the open plans are computed again.
pub(crate) fn files_changed(ctx: &Context, changes: Vec<FileEvent>) {
    let uris: Vec<Uri> = changes.iter().map(|c| c.uri.clone()).collect();
    let reconfigure = is_configuration(ctx, &uris);
    workspace::files_changed(&ctx.state, changes);
    if reconfigure {
        ctx.reconfigure();
    } else {
        ctx.reanalyze_open();
    }
}

fn is_configuration(ctx: &Context, uris: &[Uri]) -> bool {
    let mut store = ctx.state.config();
    uris.iter()
        .filter_map(Uri::to_file_path)
        .any(|path| store.affects(&path))
}

fn read_settings(value: &Value) -> Settings {
    let (settings, problems) = Settings::from_json(value);
    for problem in problems {
        warn!("{problem}");
    }
    settings
}
