//! The language server: the `LanguageServer` implementation, which only
//! forwards each message to its handler, and the entry points that serve it.
//!
//! Where things live (see ARCHITECTURE.md):
//! - `server/documents.rs`: text synchronisation, applied synchronously
//!   before any `.await`;
//! - `server/handlers.rs`: requests, whose work runs on blocking threads and
//!   stops when the client cancels (`server/work.rs`);
//! - `server/configure.rs`: settings, folders, the one file watcher and the
//!   routing of its events;
//! - `server/publish.rs`: the one task that pushes diagnostics, latest
//!   version only (or none when the client pulls them);
//! - `server/context.rs`: what the handlers share;
//! - `crate::session`: the client's features and the workspace folders,
//!   settled at `initialize` and on folder changes.
//!
//! Panics are caught in one layer, `transport::CatchPanic`, around the
//! whole service.

use std::process::ExitCode;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeActionParams, CodeActionResponse, CodeLens, CodeLensParams, CompletionParams,
    CompletionResponse, DidChangeConfigurationParams, DidChangeTextDocumentParams,
    DidChangeWatchedFilesParams, DidChangeWorkspaceFoldersParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, DocumentDiagnosticParams,
    DocumentDiagnosticReportResult, DocumentLink, DocumentLinkParams, DocumentSymbolParams,
    DocumentSymbolResponse, FoldingRange, FoldingRangeParams, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverParams, InitializeParams, InitializeResult,
    InitializedParams, MessageType, ServerInfo, WorkspaceSymbolParams, WorkspaceSymbolResponse,
};
use tower_lsp_server::{Client, LanguageServer, LspService};

mod capabilities;
mod configure;
mod context;
mod documents;
mod handlers;
mod publish;
#[cfg(debug_assertions)]
mod test_hooks;
mod work;

use crate::transport::{self, CatchPanic, Ending};
use context::Context;

/// The `LanguageServer` implementation.
#[derive(Debug)]
pub struct Backend(Context);

impl Backend {
    /// Creates the backend and starts its diagnostics publisher. Must be
    /// called inside a tokio runtime.
    #[must_use]
    pub fn new(client: Client) -> Self {
        Self(Context::new(client))
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        configure::initialize(&self.0, &params);
        let client = self.0.state.session.client();
        Ok(InitializeResult {
            capabilities: capabilities::server(client.encoding, client.pull_diagnostics),
            server_info: Some(ServerInfo {
                name: "plan-lsp".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        configure::start(&self.0);
        self.0
            .client
            .log_message(MessageType::INFO, "plan-lsp ready")
            .await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        configure::settings_changed(&self.0, &params.settings);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        documents::did_save(&self.0, &params);
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        documents::did_open(&self.0, params);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        documents::did_change(&self.0, params);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        documents::did_close(&self.0, params);
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        handlers::document_symbol(&self.0, params).await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        handlers::folding_range(&self.0, params).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        handlers::completion(&self.0, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        handlers::code_action(&self.0, params).await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        handlers::hover(&self.0, params).await
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        handlers::diagnostic(&self.0, params).await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        handlers::symbol(&self.0, params).await
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        handlers::document_link(&self.0, params).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        handlers::goto_definition(&self.0, params).await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        handlers::code_lens(&self.0, params).await
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        configure::folders_changed(&self.0, &params);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        configure::files_changed(&self.0, params.changes);
    }
}

/// Builds the service for a transport; used by `run_stdio` and tests.
#[must_use]
pub fn service() -> (
    CatchPanic<LspService<Backend>>,
    tower_lsp_server::ClientSocket,
) {
    let (service, socket) = LspService::new(Backend::new);
    (CatchPanic::new(service), socket)
}

/// Serves LSP on stdin/stdout until the client says `exit` or hangs up.
/// The status is 1 when `exit` came without a `shutdown` before it.
#[must_use]
pub fn run_stdio() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Blocking threads serve stdin, stdout, file scans and request
        // work; a burst of messages must not leave many idle threads
        // holding memory.
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
    let ending = runtime.block_on(async {
        let (service, socket) = service();
        transport::serve(tokio::io::stdin(), tokio::io::stdout(), service, socket).await
    });
    // The blocking stdin reader may still wait for input; do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(50));
    match ending {
        Ending::ExitWithoutShutdown => ExitCode::FAILURE,
        Ending::Exit | Ending::EndOfInput => ExitCode::SUCCESS,
    }
}
