//! Text synchronisation: didOpen, didChange, didClose and didSave.
//!
//! Each change is applied to the document store synchronously, before any
//! `.await` (these functions do not await at all), so edits apply in the
//! order the client sent them. A keystroke touches no file: the document's
//! configuration and file lookups come from caches.

use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams,
};
use tracing::warn;

use super::configure;
use super::context::Context;
use super::publish::Job;
use crate::convert;
use crate::document::Document;
use crate::plan::DocContext;
use crate::session::file_name;
use crate::workspace;

pub(crate) fn did_open(ctx: &Context, params: DidOpenTextDocumentParams) {
    let doc = params.text_document;
    let context = DocContext {
        file_name: file_name(&doc.uri),
        ..DocContext::default()
    };
    let document = Document::new(&doc.text, doc.version, context);
    ctx.state.docs().insert(doc.uri.clone(), document);
    if configure::track(ctx, &doc.uri, Some(&doc.text)) {
        ctx.reconfigure();
        return;
    }
    ctx.queue(Job::Analyze(doc.uri));
}

pub(crate) fn did_change(ctx: &Context, params: DidChangeTextDocumentParams) {
    let uri = params.text_document.uri;
    let version = params.text_document.version;
    let encoding = ctx.state.session.encoding();
    {
        let mut docs = ctx.state.docs();
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
    let text = ctx.state.snapshot(&uri).map(|s| s.text);
    if configure::track(ctx, &uri, text.as_deref().map(String::as_str)) {
        ctx.reconfigure();
        return;
    }
    ctx.queue(Job::Analyze(uri));
}

pub(crate) fn did_close(ctx: &Context, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    if ctx.state.close(&uri) {
        workspace::forget_hints(&ctx.state, &uri);
        workspace::document_closed(&ctx.state, &uri);
        ctx.queue(Job::Clear(uri.clone()));
    }
    if configure::track(ctx, &uri, None) {
        ctx.reconfigure();
    }
    // A closed document leaves nothing behind in the configuration cache.
    if let Some(path) = uri.to_file_path() {
        ctx.state.config().forget(&path);
    }
}

pub(crate) fn did_save(ctx: &Context, params: &DidSaveTextDocumentParams) {
    configure::saved(ctx, &params.text_document.uri);
}
