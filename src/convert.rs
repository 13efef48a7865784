//! The only place that knows LSP positions and encodings.
//!
//! The core speaks UTF-8 byte offsets; editors speak (line, character) in
//! UTF-8, UTF-16 or UTF-32 code units. Lines end at LF, CRLF or CR.

use ropey::Rope;
use tower_lsp_server::ls_types::{self as lsp, PositionEncodingKind};

use crate::plan::{self, Severity, TextRange};

/// The unit in which a client counts characters within a line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
    Utf32,
}

impl Encoding {
    /// Picks the cheapest encoding the client offers; UTF-16 when it offers
    /// none, as the protocol requires.
    #[must_use]
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        let offered = offered.unwrap_or_default();
        if offered.contains(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else if offered.contains(&PositionEncodingKind::UTF32) {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }

    #[must_use]
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }
}

/// The number of chars of the line break that ends `line` (0 for the last).
fn break_chars(rope: &Rope, line: usize) -> usize {
    let slice = rope.line(line);
    let len = slice.len_chars();
    match (
        len.checked_sub(2).map(|i| slice.char(i)),
        len.checked_sub(1).map(|i| slice.char(i)),
    ) {
        (Some('\r'), Some('\n')) => 2,
        (_, Some('\n' | '\r')) => 1,
        _ => 0,
    }
}

/// The 0-based (line, column) of a byte offset, the column counted in
/// `encoding` units. Offsets past the end are clamped to the end.
#[must_use]
pub fn position(rope: &Rope, offset: u32, encoding: Encoding) -> (u32, u32) {
    let offset = (offset as usize).min(rope.len_bytes());
    let line = rope.byte_to_line(offset);
    let column = match encoding {
        Encoding::Utf8 => offset - rope.line_to_byte(line),
        Encoding::Utf32 => rope.byte_to_char(offset) - rope.line_to_char(line),
        Encoding::Utf16 => {
            rope.char_to_utf16_cu(rope.byte_to_char(offset))
                - rope.char_to_utf16_cu(rope.line_to_char(line))
        }
    };
    (line as u32, column as u32)
}

/// The byte offset of a (line, column) position. A column past the line end
/// is clamped to the line end, a line past the end to the end of the text,
/// and a position inside a character snaps to the character's start.
#[must_use]
pub fn offset(rope: &Rope, line: u32, column: u32, encoding: Encoding) -> usize {
    let line = line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let start_char = rope.line_to_char(line);
    let end_char = start_char + rope.line(line).len_chars() - break_chars(rope, line);
    let column = column as usize;
    let char_index = match encoding {
        Encoding::Utf8 => {
            let end_byte = rope.char_to_byte(end_char);
            let target = (rope.line_to_byte(line) + column).min(end_byte);
            rope.byte_to_char(target)
        }
        Encoding::Utf32 => (start_char + column).min(end_char),
        Encoding::Utf16 => {
            let start_cu = rope.char_to_utf16_cu(start_char);
            let end_cu = rope.char_to_utf16_cu(end_char);
            rope.utf16_cu_to_char((start_cu + column).min(end_cu))
        }
    };
    rope.char_to_byte(char_index)
}

#[must_use]
pub fn to_lsp_position(rope: &Rope, offset: u32, encoding: Encoding) -> lsp::Position {
    let (line, character) = position(rope, offset, encoding);
    lsp::Position { line, character }
}

#[must_use]
pub fn to_lsp_range(rope: &Rope, range: TextRange, encoding: Encoding) -> lsp::Range {
    lsp::Range {
        start: to_lsp_position(rope, range.start, encoding),
        end: to_lsp_position(rope, range.end, encoding),
    }
}

#[must_use]
pub fn from_lsp_position(rope: &Rope, position: lsp::Position, encoding: Encoding) -> usize {
    offset(rope, position.line, position.character, encoding)
}

/// A range whose start comes after its end.
#[derive(Debug, PartialEq, Eq)]
pub struct InvertedRange;

/// The byte range of an LSP range; an inverted range is an error.
pub fn from_lsp_range(
    rope: &Rope,
    range: lsp::Range,
    encoding: Encoding,
) -> Result<std::ops::Range<usize>, InvertedRange> {
    let (start, end) = (range.start, range.end);
    if (start.line, start.character) > (end.line, end.character) {
        return Err(InvertedRange);
    }
    let start = from_lsp_position(rope, start, encoding);
    let end = from_lsp_position(rope, end, encoding);
    Ok(start..end.max(start))
}

#[must_use]
pub fn severity(severity: Severity) -> lsp::DiagnosticSeverity {
    match severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Hint => lsp::DiagnosticSeverity::HINT,
    }
}

#[must_use]
pub fn diagnostic(
    rope: &Rope,
    diagnostic: &plan::Diagnostic,
    encoding: Encoding,
) -> lsp::Diagnostic {
    lsp::Diagnostic {
        range: to_lsp_range(rope, diagnostic.range, encoding),
        severity: Some(severity(diagnostic.severity)),
        code: Some(lsp::NumberOrString::String(
            diagnostic.code.as_str().to_owned(),
        )),
        source: Some("plan-lsp".to_owned()),
        message: diagnostic.message.clone(),
        ..lsp::Diagnostic::default()
    }
}

#[must_use]
pub fn symbol_kind(kind: plan::SymbolKind) -> lsp::SymbolKind {
    match kind {
        plan::SymbolKind::Title => lsp::SymbolKind::FILE,
        plan::SymbolKind::Section => lsp::SymbolKind::NAMESPACE,
        plan::SymbolKind::Item => lsp::SymbolKind::FUNCTION,
        plan::SymbolKind::Heading => lsp::SymbolKind::STRING,
    }
}

#[must_use]
#[allow(
    deprecated,
    reason = "DocumentSymbol::deprecated is a required field of the type"
)]
pub fn symbol(rope: &Rope, symbol: &plan::Symbol, encoding: Encoding) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: symbol.name.clone(),
        detail: symbol.detail.clone(),
        kind: symbol_kind(symbol.kind),
        tags: None,
        deprecated: None,
        range: to_lsp_range(rope, symbol.range, encoding),
        selection_range: to_lsp_range(rope, symbol.selection, encoding),
        children: Some(
            symbol
                .children
                .iter()
                .map(|c| self::symbol(rope, c, encoding))
                .collect(),
        ),
    }
}

/// A folding range over whole lines; `None` when it spans a single line.
#[must_use]
pub fn fold(rope: &Rope, fold: &plan::Fold) -> Option<lsp::FoldingRange> {
    let (start, _) = position(rope, fold.range.start, Encoding::Utf8);
    let (end, _) = position(rope, fold.range.end, Encoding::Utf8);
    (end > start).then(|| lsp::FoldingRange {
        start_line: start,
        end_line: end,
        // LSP has no kind for code blocks; both fold as regions.
        kind: Some(lsp::FoldingRangeKind::Region),
        ..lsp::FoldingRange::default()
    })
}

#[must_use]
pub fn text_edit(rope: &Rope, edit: &plan::TextEdit, encoding: Encoding) -> lsp::TextEdit {
    lsp::TextEdit {
        range: to_lsp_range(rope, edit.range, encoding),
        new_text: edit.new_text.clone(),
    }
}

fn completion_kind(kind: plan::complete::CompletionKind) -> lsp::CompletionItemKind {
    match kind {
        plan::complete::CompletionKind::Section => lsp::CompletionItemKind::MODULE,
        plan::complete::CompletionKind::Item | plan::complete::CompletionKind::Block => {
            lsp::CompletionItemKind::SNIPPET
        }
        plan::complete::CompletionKind::Value => lsp::CompletionItemKind::ENUM_MEMBER,
    }
}

#[must_use]
pub fn completion_item(
    rope: &Rope,
    item: &plan::complete::CompletionItem,
    encoding: Encoding,
) -> lsp::CompletionItem {
    lsp::CompletionItem {
        label: item.label.clone(),
        kind: Some(completion_kind(item.kind)),
        detail: item.detail.clone(),
        documentation: item.documentation.clone().map(|value| {
            lsp::Documentation::MarkupContent(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value,
            })
        }),
        preselect: item.preselect.then_some(true),
        sort_text: Some(item.sort_text.clone()),
        filter_text: Some(item.filter_text.clone()),
        insert_text_format: Some(if item.snippet {
            lsp::InsertTextFormat::SNIPPET
        } else {
            lsp::InsertTextFormat::PLAIN_TEXT
        }),
        text_edit: Some(lsp::CompletionTextEdit::Edit(text_edit(
            rope, &item.edit, encoding,
        ))),
        ..lsp::CompletionItem::default()
    }
}

/// The LSP kind of a core action kind.
#[must_use]
pub fn action_kind(kind: plan::actions::ActionKind) -> lsp::CodeActionKind {
    match kind {
        plan::actions::ActionKind::QuickFix => lsp::CodeActionKind::QUICKFIX,
        plan::actions::ActionKind::RefactorRewrite => lsp::CodeActionKind::REFACTOR_REWRITE,
        plan::actions::ActionKind::Source => lsp::CodeActionKind::SOURCE,
        plan::actions::ActionKind::SourceFixAll => {
            lsp::CodeActionKind::new("source.fixAll.plan-lsp")
        }
    }
}

/// A code action editing the document `uri`; `fixed` is the diagnostic it
/// resolves, when it resolves one.
#[must_use]
pub fn code_action(
    rope: &Rope,
    uri: &lsp::Uri,
    action: &plan::actions::Action,
    fixed: Option<&plan::Diagnostic>,
    encoding: Encoding,
) -> lsp::CodeAction {
    let edits = action
        .edits
        .iter()
        .map(|e| text_edit(rope, e, encoding))
        .collect();
    let mut changes = std::collections::HashMap::new();
    changes.insert(uri.clone(), edits);
    lsp::CodeAction {
        title: action.title.clone(),
        kind: Some(action_kind(action.kind)),
        diagnostics: fixed.map(|d| vec![diagnostic(rope, d, encoding)]),
        edit: Some(lsp::WorkspaceEdit {
            changes: Some(changes),
            ..lsp::WorkspaceEdit::default()
        }),
        is_preferred: action.preferred.then_some(true),
        ..lsp::CodeAction::default()
    }
}

#[must_use]
pub fn hover(rope: &Rope, info: &plan::hover::HoverInfo, encoding: Encoding) -> lsp::Hover {
    lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: info.markdown.clone(),
        }),
        range: Some(to_lsp_range(rope, info.range, encoding)),
    }
}

/// A link from `range` to the file `target`.
#[must_use]
pub fn document_link(
    rope: &Rope,
    range: TextRange,
    target: lsp::Uri,
    encoding: Encoding,
) -> lsp::DocumentLink {
    lsp::DocumentLink {
        range: to_lsp_range(rope, range, encoding),
        target: Some(target),
        tooltip: None,
        data: None,
    }
}

/// A display-only code lens: its command has an empty id, so clients show
/// the title without making it clickable.
#[must_use]
pub fn code_lens(rope: &Rope, lens: &plan::progress::Lens, encoding: Encoding) -> lsp::CodeLens {
    lsp::CodeLens {
        range: to_lsp_range(rope, lens.range, encoding),
        command: Some(lsp::Command {
            title: lens.title.clone(),
            command: String::new(),
            arguments: None,
        }),
        data: None,
    }
}
