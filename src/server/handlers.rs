//! Request handlers: unpack params, take a snapshot, run the work on a
//! blocking thread (`work::blocking`, cancellable), call `plan::*`,
//! convert, reply.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, CodeLens,
    CodeLensParams, CompletionParams, CompletionResponse, DocumentDiagnosticParams,
    DocumentDiagnosticReport, DocumentDiagnosticReportResult, DocumentLink, DocumentLinkParams,
    DocumentSymbolParams, DocumentSymbolResponse, FoldingRange, FoldingRangeParams,
    FullDocumentDiagnosticReport, GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverParams,
    RelatedFullDocumentDiagnosticReport, Uri, WorkspaceSymbolParams, WorkspaceSymbolResponse,
};
use tracing::debug;

use super::context::Context;
use super::publish::lsp_diagnostics;
use super::work;
use crate::cancel::{Cancel, Cancelled};
use crate::clock;
use crate::convert;
use crate::document::Snapshot;
use crate::plan::actions::{self, FixContext};
use crate::plan::{self, Analysis, TextRange};
use crate::state::State;
use crate::workspace;

type Work<T> = std::result::Result<T, Cancelled>;

/// What a document request's work gets: the state, the document's URI,
/// its snapshot and analysis, and the request's cancellation flag.
struct Doc<'a> {
    state: &'a State,
    uri: &'a Uri,
    snapshot: &'a Snapshot,
    analysis: &'a Analysis,
    cancel: &'a Cancel,
}

/// Runs `f` on the analysis of the open document `uri` on a blocking
/// thread; `None` when the document is not open.
async fn on_document<T, F>(
    ctx: &Context,
    method: &'static str,
    uri: &Uri,
    f: F,
) -> Result<Option<T>>
where
    T: Send + 'static,
    F: FnOnce(Doc<'_>) -> Work<Option<T>> + Send + 'static,
{
    let Some(snapshot) = ctx.state.snapshot(uri) else {
        debug!("{method} for a document that is not open: {}", uri.as_str());
        return Ok(None);
    };
    let (state, uri) = (Arc::clone(&ctx.state), uri.clone());
    work::blocking(method, move |cancel| {
        let analysis = state.analysis(&uri, &snapshot);
        cancel.check()?;
        f(Doc {
            state: &state,
            uri: &uri,
            snapshot: &snapshot,
            analysis: &analysis,
            cancel,
        })
    })
    .await
}

pub(crate) async fn document_symbol(
    ctx: &Context,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    let uri = params.text_document.uri;
    on_document(ctx, "documentSymbol", &uri, |doc| {
        #[cfg(debug_assertions)]
        super::test_hooks::panic_on_marker(&doc.snapshot.text);
        // A markdown file that is not a plan keeps the editor's own outline.
        if !doc.analysis.is_plan {
            return Ok(None);
        }
        let encoding = doc.state.session.encoding();
        let outline = doc.analysis.outline();
        let mut symbols = Vec::with_capacity(outline.len());
        for symbol in outline {
            doc.cancel.check()?;
            symbols.push(convert::symbol(&doc.snapshot.rope, symbol, encoding));
        }
        Ok(Some(DocumentSymbolResponse::Nested(symbols)))
    })
    .await
}

pub(crate) async fn folding_range(
    ctx: &Context,
    params: FoldingRangeParams,
) -> Result<Option<Vec<FoldingRange>>> {
    let uri = params.text_document.uri;
    on_document(ctx, "foldingRange", &uri, |doc| {
        if !doc.analysis.is_plan {
            return Ok(None);
        }
        let folds = doc.analysis.folds();
        Ok(Some(
            folds
                .iter()
                .filter_map(|f| convert::fold(&doc.snapshot.rope, f))
                .collect(),
        ))
    })
    .await
}

pub(crate) async fn completion(
    ctx: &Context,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>> {
    let position = params.text_document_position;
    let snippets = ctx.state.session.client().snippets;
    on_document(ctx, "completion", &position.text_document.uri, move |doc| {
        let encoding = doc.state.session.encoding();
        let rope = &doc.snapshot.rope;
        let offset = convert::from_lsp_position(rope, position.position, encoding);
        let options = plan::complete::CompletionOptions {
            snippets,
            now: clock::now(),
            file_name: doc.snapshot.context.file_name.clone(),
        };
        let items =
            plan::complete::complete(&doc.snapshot.text, doc.analysis, offset as u32, &options);
        let items: Vec<_> = items
            .iter()
            .map(|i| convert::completion_item(rope, i, encoding))
            .collect();
        Ok((!items.is_empty()).then_some(CompletionResponse::Array(items)))
    })
    .await
}

pub(crate) async fn code_action(
    ctx: &Context,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let uri = params.text_document.uri.clone();
    on_document(ctx, "codeAction", &uri, move |doc| {
        let encoding = doc.state.session.encoding();
        let rope = &doc.snapshot.rope;
        let Ok(range) = convert::from_lsp_range(rope, params.range, encoding) else {
            return Ok(None);
        };
        let fix = FixContext {
            now: clock::now(),
            file_name: doc.snapshot.context.file_name.clone(),
        };
        let range = TextRange::new(range.start, range.end);
        let found = actions::actions(&doc.snapshot.text, doc.analysis, range, &fix);
        let only = params.context.only.unwrap_or_default();
        let response = found
            .iter()
            .filter(|a| wanted(&only, &convert::action_kind(a.kind)))
            .map(|a| {
                let fixed = a.fixes.and_then(|i| doc.analysis.diagnostics.get(i));
                let action = convert::code_action(rope, doc.uri, a, fixed, encoding);
                CodeActionOrCommand::CodeAction(action)
            })
            .collect();
        Ok(Some(response))
    })
    .await
}

pub(crate) async fn hover(ctx: &Context, params: HoverParams) -> Result<Option<Hover>> {
    let position = params.text_document_position_params;
    on_document(ctx, "hover", &position.text_document.uri, move |doc| {
        let encoding = doc.state.session.encoding();
        let rope = &doc.snapshot.rope;
        let offset = convert::from_lsp_position(rope, position.position, encoding);
        let info = plan::hover::hover(&doc.snapshot.text, doc.analysis, offset as u32);
        Ok(info.map(|info| convert::hover(rope, &info, encoding)))
    })
    .await
}

pub(crate) async fn diagnostic(
    ctx: &Context,
    params: DocumentDiagnosticParams,
) -> Result<DocumentDiagnosticReportResult> {
    let uri = params.text_document.uri;
    let items = on_document(ctx, "diagnostic", &uri, |doc| {
        Ok(Some(lsp_diagnostics(
            doc.state,
            doc.uri,
            doc.snapshot,
            doc.analysis,
        )))
    })
    .await?
    .unwrap_or_default();
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

pub(crate) async fn symbol(
    ctx: &Context,
    params: WorkspaceSymbolParams,
) -> Result<Option<WorkspaceSymbolResponse>> {
    let state = Arc::clone(&ctx.state);
    work::blocking("workspace/symbol", move |cancel| {
        let found = workspace::symbols(&state, &params.query, cancel)?;
        Ok(Some(WorkspaceSymbolResponse::Nested(found)))
    })
    .await
}

pub(crate) async fn document_link(
    ctx: &Context,
    params: DocumentLinkParams,
) -> Result<Option<Vec<DocumentLink>>> {
    let uri = params.text_document.uri;
    on_document(ctx, "documentLink", &uri, |doc| {
        Ok(Some(workspace::document_links(
            doc.state,
            doc.uri,
            doc.snapshot,
            doc.analysis,
        )))
    })
    .await
}

pub(crate) async fn goto_definition(
    ctx: &Context,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let position = params.text_document_position_params;
    on_document(ctx, "definition", &position.text_document.uri, move |doc| {
        let encoding = doc.state.session.encoding();
        let offset = convert::from_lsp_position(&doc.snapshot.rope, position.position, encoding);
        let found = workspace::definition(
            doc.state,
            doc.uri,
            doc.snapshot,
            doc.analysis,
            offset as u32,
        );
        Ok(found.map(GotoDefinitionResponse::Scalar))
    })
    .await
}

pub(crate) async fn code_lens(
    ctx: &Context,
    params: CodeLensParams,
) -> Result<Option<Vec<CodeLens>>> {
    let uri = params.text_document.uri;
    on_document(ctx, "codeLens", &uri, |doc| {
        workspace::code_lenses(doc.state, doc.snapshot, doc.analysis, doc.cancel).map(Some)
    })
    .await
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
