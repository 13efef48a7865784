//! The language server: unpack params, take a snapshot, call `plan::*`,
//! convert, reply.
//!
//! Rules kept here (see ARCHITECTURE.md): document changes are applied
//! synchronously before any `.await`; no lock is held across an `.await`;
//! diagnostics are published by one task, for the latest version only, or
//! served by pull when the client offers it (never both); a panic in the
//! analysis becomes an error response.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{
    CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, CompletionParams,
    CompletionResponse, DidChangeConfigurationParams, DidChangeTextDocumentParams,
    DidChangeWatchedFilesParams, DidChangeWorkspaceFoldersParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, DocumentDiagnosticParams,
    DocumentDiagnosticReport, DocumentDiagnosticReportResult, DocumentSymbolParams,
    DocumentSymbolResponse, FoldingRange, FoldingRangeParams, FullDocumentDiagnosticReport, Hover,
    HoverParams, InitializeParams, InitializeResult, InitializedParams, MessageType,
    RelatedFullDocumentDiagnosticReport, ServerInfo, Uri,
};
use tower_lsp_server::ls_types::{
    CodeLens, CodeLensParams, DocumentLink, DocumentLinkParams, GotoDefinitionParams,
    GotoDefinitionResponse, WorkspaceSymbolParams, WorkspaceSymbolResponse,
};
use tower_lsp_server::{Client, LanguageServer, LspService};
use tracing::{debug, warn};

mod capabilities;
mod configure;

use crate::convert::{self, Encoding};
use crate::document::{Document, Snapshot};
use crate::plan::actions::{self, FixContext};
use crate::plan::{self, Analysis, DocContext, TextRange};
use crate::state::{Job, State, file_name, publisher};
use crate::transport::{self, CatchPanic};
use crate::workspace;

/// The `LanguageServer` implementation.
#[derive(Debug)]
pub struct Backend {
    client: Client,
    state: Arc<State>,
    jobs: mpsc::UnboundedSender<Job>,
}

impl Backend {
    /// Creates the backend and starts its diagnostics publisher. Must be
    /// called inside a tokio runtime.
    #[must_use]
    pub fn new(client: Client) -> Self {
        let state = Arc::new(State::new());
        let (jobs, rx) = mpsc::unbounded_channel();
        tokio::spawn(publisher(client.clone(), Arc::clone(&state), rx));
        Self {
            client,
            state,
            jobs,
        }
    }

    fn queue(&self, job: Job) {
        if self.state.pull.load(Ordering::Relaxed) {
            return;
        }
        if self.jobs.send(job).is_err() {
            warn!("the diagnostics publisher has stopped");
        }
    }

    fn request_analysis(&self, uri: &Uri) -> Result<Option<(Snapshot, Arc<Analysis>)>> {
        let Some(snapshot) = self.state.snapshot(uri) else {
            debug!("request for a document that is not open: {}", uri.as_str());
            return Ok(None);
        };
        let analysis = self.state.analysis(uri, &snapshot)?;
        Ok(Some((snapshot, analysis)))
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        let encoding = Encoding::negotiate(offered);
        *self
            .state
            .encoding
            .write()
            .unwrap_or_else(PoisonError::into_inner) = encoding;
        let text_document = params.capabilities.text_document.as_ref();
        let pull = text_document.is_some_and(|t| t.diagnostic.is_some());
        self.state.pull.store(pull, Ordering::Relaxed);
        let snippets = text_document
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false);
        self.state.snippets.store(snippets, Ordering::Relaxed);
        self.configure(&params);
        Ok(InitializeResult {
            capabilities: capabilities::server(encoding, pull),
            server_info: Some(ServerInfo {
                name: "plan-lsp".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.start_watching();
        workspace::start(self.client.clone(), Arc::clone(&self.state));
        self.client
            .log_message(MessageType::INFO, "plan-lsp ready")
            .await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.settings_changed(&params.settings);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.files_changed([&params.text_document.uri]);
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let context = DocContext {
            file_name: file_name(&doc.uri),
            ..DocContext::default()
        };
        let document = Document::new(&doc.text, doc.version, context);
        self.state.docs().insert(doc.uri.clone(), document);
        if self.track(&doc.uri, Some(&doc.text)) {
            self.reconfigure();
            return;
        }
        self.queue(Job::Analyze(doc.uri));
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let encoding = self.state.encoding();
        {
            let mut docs = self.state.docs();
            let Some(doc) = docs.get_mut(&uri) else {
                warn!(
                    "didChange for a document that is not open: {}",
                    uri.as_str()
                );
                return;
            };
            if version <= doc.version {
                warn!(
                    "didChange for {} goes from version {} to {version}; applying it anyway",
                    uri.as_str(),
                    doc.version
                );
            }
            for change in &params.content_changes {
                match change.range {
                    None => doc.replace_all(&change.text),
                    Some(range) => match convert::from_lsp_range(doc.rope(), range, encoding) {
                        Ok(bytes) => doc.edit(bytes, &change.text),
                        Err(convert::InvertedRange) => warn!(
                            "ignoring a change to {} whose range starts after its end: {range:?}",
                            uri.as_str()
                        ),
                    },
                }
            }
            doc.commit(version);
        }
        let text = self.state.snapshot(&uri).map(|s| s.text);
        if self.track(&uri, text.as_deref().map(String::as_str)) {
            self.reconfigure();
            return;
        }
        self.queue(Job::Analyze(uri));
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        if self.state.close(&uri) {
            workspace::document_closed(&self.state, &uri);
            self.queue(Job::Clear(uri.clone()));
        }
        if self.track(&uri, None) {
            self.reconfigure();
        }
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some((snapshot, analysis)) = self.request_analysis(&params.text_document.uri)? else {
            return Ok(None);
        };
        #[cfg(debug_assertions)]
        test_hooks::panic_on_marker(&snapshot.text);
        let encoding = self.state.encoding();
        let symbols = analysis
            .outline()
            .iter()
            .map(|s| convert::symbol(&snapshot.rope, s, encoding))
            .collect();
        Ok(Some(DocumentSymbolResponse::Nested(symbols)))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let Some((snapshot, analysis)) = self.request_analysis(&params.text_document.uri)? else {
            return Ok(None);
        };
        let folds = analysis
            .folds()
            .iter()
            .filter_map(|f| convert::fold(&snapshot.rope, f))
            .collect();
        Ok(Some(folds))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let position = params.text_document_position;
        let Some((snapshot, analysis)) = self.request_analysis(&position.text_document.uri)? else {
            return Ok(None);
        };
        let encoding = self.state.encoding();
        let offset = convert::from_lsp_position(&snapshot.rope, position.position, encoding);
        let options = plan::complete::CompletionOptions {
            snippets: self.state.snippets.load(Ordering::Relaxed),
            now: now(),
            file_name: snapshot.context.file_name.clone(),
        };
        let items = guarded(|| {
            plan::complete::complete(&snapshot.text, &analysis, offset as u32, &options)
        })?;
        let items: Vec<_> = items
            .iter()
            .map(|i| convert::completion_item(&snapshot.rope, i, encoding))
            .collect();
        Ok((!items.is_empty()).then_some(CompletionResponse::Array(items)))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some((snapshot, analysis)) = self.request_analysis(&uri)? else {
            return Ok(None);
        };
        let encoding = self.state.encoding();
        let Ok(range) = convert::from_lsp_range(&snapshot.rope, params.range, encoding) else {
            return Ok(None);
        };
        let ctx = FixContext {
            now: now(),
            file_name: snapshot.context.file_name.clone(),
        };
        let range = TextRange::new(range.start, range.end);
        let found = guarded(|| actions::actions(&snapshot.text, &analysis, range, &ctx))?;
        let only = params.context.only.unwrap_or_default();
        let response = found
            .iter()
            .filter(|a| wanted(&only, &convert::action_kind(a.kind)))
            .map(|a| {
                let fixed = a.fixes.and_then(|i| analysis.diagnostics.get(i));
                CodeActionOrCommand::CodeAction(convert::code_action(
                    &snapshot.rope,
                    &uri,
                    a,
                    fixed,
                    encoding,
                ))
            })
            .collect();
        Ok(Some(response))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        let Some((snapshot, analysis)) = self.request_analysis(&position.text_document.uri)? else {
            return Ok(None);
        };
        let encoding = self.state.encoding();
        let offset = convert::from_lsp_position(&snapshot.rope, position.position, encoding);
        let info = guarded(|| plan::hover::hover(&snapshot.text, &analysis, offset as u32))?;
        Ok(info.map(|info| convert::hover(&snapshot.rope, &info, encoding)))
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let items = match self.request_analysis(&params.text_document.uri)? {
            Some((snapshot, analysis)) => guarded(|| {
                self.state
                    .lsp_diagnostics(&params.text_document.uri, &snapshot, &analysis)
            })?,
            None => Vec::new(),
        };
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            }),
        ))
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let found = guarded(|| workspace::symbols(&self.state, &params.query))?;
        Ok(Some(WorkspaceSymbolResponse::Nested(found)))
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        let uri = params.text_document.uri;
        let Some((snapshot, analysis)) = self.request_analysis(&uri)? else {
            return Ok(None);
        };
        let links = guarded(|| workspace::document_links(&self.state, &uri, &snapshot, &analysis))?;
        Ok(Some(links))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let position = params.text_document_position_params;
        let uri = position.text_document.uri;
        let Some((snapshot, analysis)) = self.request_analysis(&uri)? else {
            return Ok(None);
        };
        let encoding = self.state.encoding();
        let offset = convert::from_lsp_position(&snapshot.rope, position.position, encoding);
        let found = guarded(|| {
            workspace::definition(&self.state, &uri, &snapshot, &analysis, offset as u32)
        })?;
        Ok(found.map(GotoDefinitionResponse::Scalar))
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let Some((snapshot, analysis)) = self.request_analysis(&params.text_document.uri)? else {
            return Ok(None);
        };
        let lenses = guarded(|| workspace::code_lenses(&self.state, &snapshot, &analysis))?;
        Ok(Some(lenses))
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let event = params.event;
        let removed: Vec<PathBuf> = event
            .removed
            .iter()
            .filter_map(|f| workspace::file_path(&f.uri))
            .collect();
        let folders: Vec<PathBuf> = {
            let mut folders = self
                .state
                .workspace_folders
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            folders.retain(|f| !removed.contains(f));
            for added in event
                .added
                .iter()
                .filter_map(|f| workspace::file_path(&f.uri))
            {
                if !folders.contains(&added) {
                    folders.push(added);
                }
            }
            folders.clone()
        };
        self.state.config().set_folders(&folders);
        self.reconfigure();
        workspace::rescan(Arc::clone(&self.state));
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        // A `plan-lsp.toml` or template change re-resolves every open plan.
        let reconfigured = self.files_changed(params.changes.iter().map(|c| &c.uri));
        workspace::files_changed(&self.state, params.changes);
        // Otherwise a results or design document may have appeared or gone:
        // the `missing-file` hints of the open plans may change.
        if !reconfigured {
            configure::reanalyze_open(&self.state, &self.jobs, &self.client);
        }
    }
}

/// Runs request logic, turning a panic into an error response.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| {
        warn!("a request handler panicked");
        Error::internal_error()
    })
}

/// Whether an action of `kind` is among the kinds the client asked for
/// (`only`); a requested kind covers its sub-kinds.
fn wanted(only: &[CodeActionKind], kind: &CodeActionKind) -> bool {
    only.is_empty()
        || only.iter().any(|k| {
            kind.as_str() == k.as_str()
                || kind
                    .as_str()
                    .strip_prefix(k.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
}

/// The current local time as the template writes timestamps:
/// `2026-01-16T13:47:18-0800`.
#[must_use]
pub fn now() -> String {
    jiff::Zoned::now()
        .strftime("%Y-%m-%dT%H:%M:%S%z")
        .to_string()
}

/// Hooks that let tests reach failure paths; compiled into debug builds
/// only, so release behaviour never depends on them.
#[cfg(debug_assertions)]
pub mod test_hooks {
    /// A document containing this text makes `documentSymbol` panic.
    pub const PANIC_MARKER: &str = "plan-lsp-test-hook: panic in documentSymbol";

    pub(crate) fn panic_on_marker(text: &str) {
        assert!(
            !text.contains(PANIC_MARKER),
            "test hook: documentSymbol panics on its marker"
        );
    }
}

/// Builds the service for a transport; used by `run_stdio` and tests.
#[must_use]
pub fn service() -> (
    CatchPanic<LspService<Backend>>,
    tower_lsp_server::ClientSocket,
) {
    let (service, socket) = LspService::new(Backend::new);
    (CatchPanic(service), socket)
}

/// Serves LSP on stdin/stdout until the client says `exit`.
#[must_use]
pub fn run_stdio() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Blocking threads serve stdin, stdout and file scans; a burst of
        // messages must not leave many idle threads holding memory.
        .max_blocking_threads(8)
        .thread_keep_alive(std::time::Duration::from_secs(1))
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async {
        let (service, socket) = service();
        transport::serve(tokio::io::stdin(), tokio::io::stdout(), service, socket).await;
    });
    // The blocking stdin reader may still wait for input; do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(50));
    ExitCode::SUCCESS
}
