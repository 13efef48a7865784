//! The session: what the client told the server about itself, settled once
//! at `initialize` (capabilities, position encoding, feature flags) and the
//! workspace folders, settled at `initialize` and on
//! `workspace/didChangeWorkspaceFolders`. Every handler reads them here.

use std::path::PathBuf;
use std::sync::{OnceLock, PoisonError, RwLock};

use tower_lsp_server::ls_types::{InitializeParams, Uri};

use crate::convert::Encoding;
use crate::files::{self, Root};

/// The client's features, negotiated once from `initialize`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent yes/no features of the client"
)]
pub(crate) struct Client {
    pub(crate) encoding: Encoding,
    /// The client pulls diagnostics; the server then never pushes.
    pub(crate) pull_diagnostics: bool,
    /// The client accepts snippet syntax in completions.
    pub(crate) snippets: bool,
    /// The client can register file watchers dynamically.
    pub(crate) watch_files: bool,
    /// The client accepts `workspace/diagnostic/refresh`.
    pub(crate) diagnostic_refresh: bool,
    /// The client answers `workspace/configuration`.
    pub(crate) pull_configuration: bool,
}

impl Client {
    /// Reads the client's features from its `initialize` params.
    pub(crate) fn from_params(params: &InitializeParams) -> Client {
        let caps = &params.capabilities;
        let offered = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        let text_document = caps.text_document.as_ref();
        let workspace = caps.workspace.as_ref();
        Client {
            encoding: Encoding::negotiate(offered),
            pull_diagnostics: text_document.is_some_and(|t| t.diagnostic.is_some()),
            snippets: text_document
                .and_then(|t| t.completion.as_ref())
                .and_then(|c| c.completion_item.as_ref())
                .and_then(|i| i.snippet_support)
                .unwrap_or(false),
            watch_files: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|w| w.dynamic_registration)
                .unwrap_or(false),
            diagnostic_refresh: workspace
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false),
            pull_configuration: workspace.and_then(|w| w.configuration).unwrap_or(false),
        }
    }
}

/// The workspace folders, as given (for the URIs the client knows) and as
/// roots (canonical, for containment checks), resolved once per change.
#[derive(Debug, Clone, Default)]
pub(crate) struct Folders {
    pub(crate) given: Vec<PathBuf>,
    pub(crate) roots: Vec<Root>,
}

impl Folders {
    fn new(given: Vec<PathBuf>) -> Folders {
        let roots = files::roots(&given);
        Folders { given, roots }
    }
}

/// The session's client features and workspace folders.
#[derive(Debug, Default)]
pub(crate) struct Session {
    client: OnceLock<Client>,
    folders: RwLock<Folders>,
}

impl Session {
    /// Settles the client's features; the first call wins (there is one
    /// `initialize`).
    pub(crate) fn set_client(&self, client: Client) {
        let _ = self.client.set(client);
    }

    /// The client's features (defaults before `initialize`).
    pub(crate) fn client(&self) -> Client {
        self.client.get().copied().unwrap_or_default()
    }

    pub(crate) fn encoding(&self) -> Encoding {
        self.client().encoding
    }

    /// The workspace folders (a copy: do IO with it, not under a lock).
    pub(crate) fn folders(&self) -> Folders {
        self.folders
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether there are workspace folders at all.
    pub(crate) fn has_folders(&self) -> bool {
        !self
            .folders
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .given
            .is_empty()
    }

    /// Replaces the folders; returns the new list.
    pub(crate) fn set_folders(&self, given: Vec<PathBuf>) -> Folders {
        let folders = Folders::new(given);
        *self.folders.write().unwrap_or_else(PoisonError::into_inner) = folders.clone();
        folders
    }

    /// Applies a `didChangeWorkspaceFolders` event; returns the new list.
    pub(crate) fn change_folders(&self, added: &[PathBuf], removed: &[PathBuf]) -> Folders {
        let mut given = self.folders().given;
        given.retain(|f| !removed.contains(f));
        for folder in added {
            if !given.contains(folder) {
                given.push(folder.clone());
            }
        }
        self.set_folders(given)
    }
}

/// The workspace folders of `initialize`: `workspaceFolders`, else `rootUri`.
pub(crate) fn initial_folders(params: &InitializeParams) -> Vec<PathBuf> {
    let folders: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| file_path(&f.uri))
        .collect();
    if !folders.is_empty() {
        return folders;
    }
    #[allow(deprecated, reason = "rootUri is what older clients send")]
    params
        .root_uri
        .as_ref()
        .and_then(file_path)
        .into_iter()
        .collect()
}

/// The file path of a `file:` URI.
#[must_use]
pub(crate) fn file_path(uri: &Uri) -> Option<PathBuf> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    uri.to_file_path().map(std::borrow::Cow::into_owned)
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
