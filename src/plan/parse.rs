//! Markdown in, `PlanTree` out.
//!
//! One pass over pulldown-cmark's offset iterator builds a tree that knows
//! only what plans are made of: a title, `##` sections, `###` subsections
//! (steps, prerequisites, ...), bold field labels, tables, task lists, code
//! blocks and bracketed placeholder tokens. The tree is independent of any
//! template; `checks` matches it against a `Schema`.
//!
//! Parsing never fails: any text gives a tree, however odd.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::TextRange;
use super::placeholder;

/// The structure of one markdown document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanTree {
    /// The first `#` heading.
    pub title: Option<Heading>,
    /// Bold labels at the start of block-quote paragraphs before the first
    /// section, such as `> **Track Progress**: ...`.
    pub preamble: Vec<Field>,
    pub sections: Vec<Section>,
    /// Every code block in the document, in order.
    pub code_blocks: Vec<CodeBlock>,
    /// The content ranges of inline code spans.
    pub inline_code: Vec<TextRange>,
    /// Bracketed tokens such as `[Name]` in prose (not code, not links).
    pub placeholders: Vec<TextRange>,
    /// HTML comments (`<!-- ... -->`), for annotations.
    pub comments: Vec<TextRange>,
    /// Link reference definitions (`[x]: /url`). They act on the whole
    /// document, so incremental reparsing gives up when there are any.
    pub link_definitions: Vec<TextRange>,
    /// The length of the text in bytes.
    pub len: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    /// The heading's lines without the trailing line break.
    pub range: TextRange,
    /// The plain text of the heading, without markup.
    pub text: String,
    /// The range of the heading's content (after the `#` marks).
    pub text_range: TextRange,
    /// Whether the heading starts struck through (`### ~~Step 6~~: Moved`).
    pub struck: bool,
}

/// A `##` section and what belongs to it up to the next `##` heading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub heading: Heading,
    /// From the heading to the end of the section's last non-blank line.
    pub range: TextRange,
    /// Content between the heading and the first `###` subsection.
    pub body: Body,
    pub subsections: Vec<Subsection>,
}

/// A `###` heading inside a section and its content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subsection {
    pub heading: Heading,
    pub range: TextRange,
    /// `Step 4b` or `2.`: the counter at the start of the heading, if any.
    pub counter: Option<Counter>,
    pub body: Body,
}

/// The counter of a numbered heading: `Step 4b:` is prefix `Step`, number 4,
/// suffix `b`; `3.` is prefix empty, number 3.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    pub prefix: String,
    /// `None` when the counter is a placeholder such as `[N]`.
    pub number: Option<u32>,
    pub suffix: String,
    /// The range of the number (or placeholder) and its suffix.
    pub range: TextRange,
    /// The character after the counter: `:` or `.` (or none).
    pub separator: Option<char>,
}

/// Blocks that belong to a section or subsection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body {
    pub fields: Vec<Field>,
    pub tables: Vec<Table>,
    pub tasks: Vec<Task>,
    /// Indices into `PlanTree::code_blocks`.
    pub code_blocks: Vec<usize>,
    /// The source text range of the first block, when there is one.
    pub first_block: Option<TextRange>,
}

/// A bold label at the start of a paragraph: `**Code** (create x.py):`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Field {
    /// The label text without stars and without a trailing colon.
    pub label: String,
    /// The range of the bold label including its stars.
    pub range: TextRange,
    /// The text between the label and the colon, trimmed (`(create x.py)`).
    pub qualifier: String,
    /// The whole first line of the paragraph.
    pub line: TextRange,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub range: TextRange,
    pub header: Vec<Cell>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// The cell's content, trimmed; empty at the cell start for an empty cell.
    pub range: TextRange,
    /// The plain text of the cell, without markup.
    pub text: String,
    /// Whether the cell's content starts in bold (`**Created**`).
    pub bold: bool,
}

/// A task-list item: `- [ ] text` or `- [x] text`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Task {
    pub checked: bool,
    /// The range of the `[ ]` marker.
    pub marker: TextRange,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeBlock {
    /// The first word of the info string (`python`), empty when there is none.
    pub lang: String,
    /// The whole block including fences, without the trailing line break.
    pub range: TextRange,
    /// The code between the fences.
    pub content: TextRange,
    pub fenced: bool,
    /// False for a fenced block whose closing fence is missing.
    pub closed: bool,
}

impl Section {
    /// The tables of the section, its own and its subsections', in order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.body
            .tables
            .iter()
            .chain(self.subsections.iter().flat_map(|s| s.body.tables.iter()))
    }
}

impl PlanTree {
    /// The section whose heading text is exactly `name` (case-insensitive).
    #[must_use]
    pub fn section_named(&self, name: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|section| section.heading.text.eq_ignore_ascii_case(name))
    }

    /// The first code block that is fenced and never closed.
    #[must_use]
    pub fn unclosed_fence(&self) -> Option<&CodeBlock> {
        self.code_blocks
            .iter()
            .find(|block| block.fenced && !block.closed)
    }
}

/// Where content currently goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Preamble,
    Section,
    Subsection,
}

#[derive(Default)]
struct HeadingBuilder {
    level: u8,
    start: usize,
    end: usize,
    text: String,
    text_start: Option<usize>,
    text_end: usize,
    struck: bool,
}

#[derive(Default)]
struct TableBuilder {
    start: usize,
    header: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
    in_head: bool,
    row: Vec<Cell>,
    cell: Option<CellBuilder>,
}

struct CellBuilder {
    start: usize,
    end: usize,
    text: String,
    content_start: Option<usize>,
    bold: bool,
}

struct FieldBuilder {
    para_start: usize,
    strong_start: usize,
    label: String,
}

struct Builder<'a> {
    text: &'a str,
    tree: PlanTree,
    owner: Owner,
    heading: Option<HeadingBuilder>,
    table: Option<TableBuilder>,
    /// Depth of lists and block quotes around the current event.
    container_depth: u32,
    quote_depth: u32,
    link_depth: u32,
    code_depth: u32,
    /// A paragraph has just started at this offset; its first inline decides
    /// whether it is a field.
    para_start: Option<usize>,
    field: Option<FieldBuilder>,
    /// A run of adjacent prose text events, scanned for placeholders.
    prose: Option<(usize, usize)>,
    preamble_body: Body,
}

/// Parses `text` into a `PlanTree`.
#[must_use]
pub fn parse(text: &str) -> PlanTree {
    parse_with(text, false)
}

/// Parses `text` as the continuation of a `##` section whose heading lies
/// before it: the tree starts with one section with an empty heading at
/// offset 0, to which the `###` subsections of `text` belong. Used by
/// incremental reparsing from a `###` heading.
#[must_use]
pub fn parse_in_section(text: &str) -> PlanTree {
    parse_with(text, true)
}

fn parse_with(text: &str, in_section: bool) -> PlanTree {
    let mut builder = Builder {
        text,
        tree: PlanTree {
            len: text.len() as u32,
            ..PlanTree::default()
        },
        owner: Owner::Preamble,
        heading: None,
        table: None,
        container_depth: 0,
        quote_depth: 0,
        link_depth: 0,
        code_depth: 0,
        para_start: None,
        field: None,
        prose: None,
        preamble_body: Body::default(),
    };
    if in_section {
        builder.tree.sections.push(Section::default());
        builder.owner = Owner::Section;
    }
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    let mut events = Parser::new_ext(text, options).into_offset_iter();
    for (event, range) in &mut events {
        builder.event(event, range);
    }
    builder.tree.link_definitions = events
        .reference_definitions()
        .iter()
        .map(|(_, def)| TextRange::new(def.span.start, def.span.end))
        .collect();
    builder.tree.link_definitions.sort();
    builder.flush_prose();
    builder.finish()
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, range: std::ops::Range<usize>) {
        if !matches!(event, Event::Text(_)) {
            self.flush_prose();
        }
        let first_inline = self.para_start.take();
        match event {
            Event::Start(tag) => self.start(tag, range, first_inline),
            Event::End(tag) => self.end(tag, range),
            Event::Text(text) => self.text_event(&text, range),
            Event::Code(code) => {
                self.tree.inline_code.push(code_content(self.text, &range));
                self.inline_text(&code, &range);
            }
            Event::TaskListMarker(checked) => {
                let marker = TextRange::new(range.start, range.end);
                self.body_mut().tasks.push(Task { checked, marker });
            }
            Event::Html(_) | Event::InlineHtml(_) => self.html(&range),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: std::ops::Range<usize>, first_inline: Option<usize>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.heading = Some(HeadingBuilder {
                    level: heading_level(level),
                    start: range.start,
                    end: range.end,
                    ..HeadingBuilder::default()
                });
            }
            Tag::Paragraph => {
                self.note_block(&range);
                self.para_start = Some(range.start);
            }
            Tag::Strong => {
                if first_inline == Some(range.start) && self.field_allowed() {
                    self.field = Some(FieldBuilder {
                        para_start: range.start,
                        strong_start: range.start,
                        label: String::new(),
                    });
                }
                if let Some(cell) = self.table.as_mut().and_then(|t| t.cell.as_mut())
                    && cell.content_start.is_none()
                {
                    cell.bold = true;
                }
            }
            Tag::Strikethrough => {
                if let Some(heading) = self.heading.as_mut()
                    && heading.text_start.is_none()
                {
                    heading.struck = true;
                }
            }
            Tag::CodeBlock(kind) => {
                self.note_block(&range);
                self.code_depth += 1;
                self.code_block(&kind, &range);
            }
            Tag::List(_) | Tag::Item => {
                if matches!(tag, Tag::List(_)) {
                    self.note_block(&range);
                }
                self.container_depth += 1;
            }
            Tag::BlockQuote(_) => {
                self.note_block(&range);
                self.container_depth += 1;
                self.quote_depth += 1;
            }
            Tag::Link { .. } | Tag::Image { .. } => self.link_depth += 1,
            Tag::Table(_) => {
                self.note_block(&range);
                self.table = Some(TableBuilder {
                    start: range.start,
                    ..TableBuilder::default()
                });
            }
            Tag::TableHead => {
                if let Some(table) = self.table.as_mut() {
                    table.in_head = true;
                }
            }
            Tag::TableCell => {
                if let Some(table) = self.table.as_mut() {
                    table.cell = Some(CellBuilder {
                        start: range.start,
                        end: range.end,
                        text: String::new(),
                        content_start: None,
                        bold: false,
                    });
                }
            }
            Tag::HtmlBlock => self.note_block(&range),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd, range: std::ops::Range<usize>) {
        match tag {
            TagEnd::Heading(_) => self.finish_heading(),
            TagEnd::Strong => self.finish_field_label(range.end),
            TagEnd::CodeBlock => self.code_depth = self.code_depth.saturating_sub(1),
            TagEnd::List(_) | TagEnd::Item => {
                self.container_depth = self.container_depth.saturating_sub(1);
            }
            TagEnd::BlockQuote(_) => {
                self.container_depth = self.container_depth.saturating_sub(1);
                self.quote_depth = self.quote_depth.saturating_sub(1);
            }
            TagEnd::Link | TagEnd::Image => self.link_depth = self.link_depth.saturating_sub(1),
            TagEnd::TableCell => self.finish_cell(),
            TagEnd::TableHead => {
                if let Some(table) = self.table.as_mut() {
                    table.in_head = false;
                    table.header = std::mem::take(&mut table.row);
                }
            }
            TagEnd::TableRow => {
                if let Some(table) = self.table.as_mut() {
                    let row = std::mem::take(&mut table.row);
                    table.rows.push(row);
                }
            }
            TagEnd::Table => self.finish_table(range.end),
            _ => {}
        }
    }

    fn field_allowed(&self) -> bool {
        self.table.is_none()
            && self.heading.is_none()
            && (self.container_depth == 0
                || (self.owner == Owner::Preamble && self.quote_depth > 0))
    }

    fn text_event(&mut self, text: &str, range: std::ops::Range<usize>) {
        if self.code_depth > 0 {
            return;
        }
        self.inline_text(text, &range);
        if self.link_depth == 0 {
            self.prose = match self.prose {
                Some((start, end)) if end == range.start => Some((start, range.end)),
                Some(_) => {
                    self.flush_prose();
                    Some((range.start, range.end))
                }
                None => Some((range.start, range.end)),
            };
        }
    }

    /// Records inline text for the heading, cell or field label being built.
    fn inline_text(&mut self, text: &str, range: &std::ops::Range<usize>) {
        if let Some(heading) = self.heading.as_mut() {
            heading.text.push_str(text);
            heading.text_start.get_or_insert(range.start);
            heading.text_end = range.end;
        }
        if let Some(cell) = self.table.as_mut().and_then(|t| t.cell.as_mut()) {
            cell.text.push_str(text);
            cell.content_start.get_or_insert(range.start);
        }
        if let Some(field) = self.field.as_mut() {
            field.label.push_str(text);
        }
    }

    fn flush_prose(&mut self) {
        let Some((start, end)) = self.prose.take() else {
            return;
        };
        for token in placeholder::prose_tokens(self.text, start, end) {
            self.tree.placeholders.push(token);
        }
    }

    fn html(&mut self, range: &std::ops::Range<usize>) {
        let source = &self.text[range.clone()];
        let mut from = 0;
        while let Some(open) = source[from..].find("<!--") {
            let start = from + open;
            let Some(close) = source[start + 4..].find("-->") else {
                break;
            };
            let end = start + 4 + close + 3;
            self.tree
                .comments
                .push(TextRange::new(range.start + start, range.start + end));
            from = end;
        }
    }

    fn note_block(&mut self, range: &std::ops::Range<usize>) {
        if self.container_depth > 0 || self.table.is_some() {
            return;
        }
        let trimmed = trim_end(self.text, range.start, range.end);
        let body = self.body_mut();
        if body.first_block.is_none() {
            body.first_block = Some(trimmed);
        }
    }

    fn body_mut(&mut self) -> &mut Body {
        match self.owner {
            Owner::Subsection => {
                if let Some(sub) = self
                    .tree
                    .sections
                    .last_mut()
                    .and_then(|s| s.subsections.last_mut())
                {
                    return &mut sub.body;
                }
            }
            Owner::Section => {
                if let Some(section) = self.tree.sections.last_mut() {
                    return &mut section.body;
                }
            }
            Owner::Preamble => {}
        }
        // Content before the first section has no body of its own; it is
        // collected in a scratch body that is dropped.
        &mut self.preamble_body
    }

    fn finish_heading(&mut self) {
        let Some(built) = self.heading.take() else {
            return;
        };
        let range = trim_end(self.text, built.start, built.end);
        let text_range = match built.text_start {
            Some(start) => TextRange::new(start, built.text_end.max(start)),
            None => TextRange::empty(range.end as usize),
        };
        let heading = Heading {
            level: built.level,
            range,
            text: built.text.trim().to_owned(),
            text_range,
            struck: built.struck,
        };
        match heading.level {
            1 if self.tree.title.is_none() && self.tree.sections.is_empty() => {
                self.tree.title = Some(heading);
            }
            2 => {
                self.tree.sections.push(Section {
                    range: heading.range,
                    heading,
                    ..Section::default()
                });
                self.owner = Owner::Section;
            }
            3 => {
                let Some(section) = self.tree.sections.last_mut() else {
                    return;
                };
                let counter = parse_counter(self.text, heading.text_range);
                section.subsections.push(Subsection {
                    range: heading.range,
                    heading,
                    counter,
                    body: Body::default(),
                });
                self.owner = Owner::Subsection;
            }
            _ => {}
        }
    }

    fn finish_field_label(&mut self, strong_end: usize) {
        let Some(field) = self.field.take() else {
            return;
        };
        let line_end = self.text[strong_end..]
            .find(['\n', '\r'])
            .map_or(self.text.len(), |i| strong_end + i);
        let rest = &self.text[strong_end..line_end];
        let qualifier = rest.find(':').map_or("", |colon| &rest[..colon]);
        let label = field
            .label
            .trim()
            .trim_end_matches(':')
            .trim_end()
            .to_owned();
        if label.is_empty() {
            return;
        }
        let built = Field {
            label,
            range: TextRange::new(field.strong_start, strong_end),
            qualifier: qualifier.trim().to_owned(),
            line: TextRange::new(field.para_start, line_end),
        };
        if self.owner == Owner::Preamble {
            if self.quote_depth > 0 {
                self.tree.preamble.push(built);
            }
            return;
        }
        self.body_mut().fields.push(built);
    }

    fn finish_cell(&mut self) {
        let Some(table) = self.table.as_mut() else {
            return;
        };
        let Some(cell) = table.cell.take() else {
            return;
        };
        let (start, end) = trim_cell(self.text, cell.start, cell.end);
        let range = match cell.content_start {
            Some(_) => TextRange::new(start, end),
            None => TextRange::empty(start),
        };
        table.row.push(Cell {
            range,
            text: cell.text.trim().to_owned(),
            bold: cell.bold,
        });
    }

    fn finish_table(&mut self, end: usize) {
        let Some(built) = self.table.take() else {
            return;
        };
        let table = Table {
            range: trim_end(self.text, built.start, end),
            header: built.header,
            rows: built.rows,
        };
        if self.container_depth == 0 {
            self.body_mut().tables.push(table);
        }
    }

    fn code_block(&mut self, kind: &CodeBlockKind<'_>, range: &std::ops::Range<usize>) {
        let whole = trim_end(self.text, range.start, range.end);
        let block = match kind {
            CodeBlockKind::Fenced(info) => fenced_block(self.text, whole, info),
            CodeBlockKind::Indented => CodeBlock {
                lang: String::new(),
                range: whole,
                content: whole,
                fenced: false,
                closed: true,
            },
        };
        let index = self.tree.code_blocks.len();
        self.tree.code_blocks.push(block);
        self.body_mut().code_blocks.push(index);
    }

    fn finish(mut self) -> PlanTree {
        set_ranges(self.text, &mut self.tree.sections, self.text.len());
        self.tree
    }
}

/// Sets the ranges of `sections` and their subsections: each section runs
/// to the next one's heading, the last one to `end`, all trimmed.
pub fn set_ranges(text: &str, sections: &mut [Section], end: usize) {
    let starts: Vec<usize> = sections
        .iter()
        .skip(1)
        .map(|s| s.heading.range.start as usize)
        .chain(std::iter::once(end))
        .collect();
    for (section, next) in sections.iter_mut().zip(starts) {
        let start = section.heading.range.start as usize;
        section.range = trim_end(text, start, next);
        let section_end = section.range.end as usize;
        let sub_starts: Vec<usize> = section
            .subsections
            .iter()
            .skip(1)
            .map(|s| s.heading.range.start as usize)
            .chain(std::iter::once(section_end))
            .collect();
        for (sub, sub_next) in section.subsections.iter_mut().zip(sub_starts) {
            sub.range = trim_end(text, sub.heading.range.start as usize, sub_next);
        }
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// `start..end` without trailing white space and line breaks.
fn trim_end(text: &str, start: usize, end: usize) -> TextRange {
    let end = end.min(text.len());
    let start = start.min(end);
    let trimmed = text[start..end].trim_end();
    TextRange::new(start, start + trimmed.len())
}

/// The content of a table cell source range, without pipes and spaces.
fn trim_cell(text: &str, start: usize, end: usize) -> (usize, usize) {
    let end = end.min(text.len());
    let source = &text[start..end];
    let lead = source.len() - source.trim_start_matches(['|', ' ', '\t']).len();
    let body = source[lead..].trim_end_matches(['|', ' ', '\t', '\r', '\n']);
    (start + lead, start + lead + body.len())
}

/// The range of an inline code span's content, between its backticks.
fn code_content(text: &str, range: &std::ops::Range<usize>) -> TextRange {
    let source = &text[range.clone()];
    let ticks = source.len() - source.trim_start_matches('`').len();
    let inner_end = source.len() - (source.len() - source.trim_end_matches('`').len());
    if ticks >= inner_end {
        return TextRange::new(range.start, range.end);
    }
    TextRange::new(range.start + ticks, range.start + inner_end)
}

/// Builds a fenced code block from its source range and info string.
fn fenced_block(text: &str, whole: TextRange, info: &str) -> CodeBlock {
    let source = &text[whole.as_usize()];
    let first_line_len = source.find('\n').map_or(source.len(), |i| i + 1);
    let opening = strip_container_prefix(&source[..first_line_len]);
    let fence_char = opening.chars().next().unwrap_or('`');
    let fence_len = opening.len() - opening.trim_start_matches(fence_char).len();
    let last_line_start = source.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let has_more_lines = last_line_start >= first_line_len && last_line_start > 0;
    let closing = strip_container_prefix(&source[last_line_start..]).trim_end();
    let closed = has_more_lines
        && closing.len() >= fence_len
        && !closing.is_empty()
        && closing.chars().all(|c| c == fence_char);
    let content_start = whole.start as usize + first_line_len.min(source.len());
    let content_end = if closed {
        whole.start as usize + last_line_start
    } else {
        whole.end as usize
    };
    CodeBlock {
        lang: info.split_whitespace().next().unwrap_or("").to_owned(),
        range: whole,
        content: TextRange::new(content_start.min(content_end), content_end),
        fenced: true,
        closed,
    }
}

/// A line without leading indentation and block-quote markers.
fn strip_container_prefix(line: &str) -> &str {
    line.trim_start_matches([' ', '\t', '>'])
}

/// Reads `Step 4b:` or `2.` at the start of a heading's content.
fn parse_counter(text: &str, content: TextRange) -> Option<Counter> {
    let source = &text[content.as_usize()];
    let base = content.start as usize;
    let markup = |c: char| matches!(c, '~' | '*' | '_' | ' ' | '\t');
    let lead = source.len() - source.trim_start_matches(markup).len();
    let rest = &source[lead..];
    let prefix_len = rest
        .find(|c: char| !(c.is_alphabetic() || c == ' '))
        .unwrap_or(rest.len());
    let prefix = &rest[..prefix_len];
    let after_prefix = &rest[prefix_len..];
    let number_len = if after_prefix.starts_with('[') {
        after_prefix.find(']').map(|i| i + 1)?
    } else {
        after_prefix
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after_prefix.len())
    };
    if number_len == 0 || (!prefix.is_empty() && !prefix.ends_with(' ')) {
        return None;
    }
    let token = &after_prefix[..number_len];
    let number = if token.starts_with('[') {
        None
    } else {
        Some(token.parse::<u32>().ok()?)
    };
    let tail = &after_prefix[number_len..];
    let suffix_len = tail
        .find(|c: char| !c.is_ascii_lowercase())
        .unwrap_or(tail.len());
    if suffix_len > 2 {
        return None;
    }
    let suffix = &tail[..suffix_len];
    let after = tail[suffix_len..].trim_start_matches(['~', '*', '_']);
    let separator = after.chars().next();
    let well_ended = match separator {
        None => true,
        Some(c) => matches!(
            c,
            ':' | '.' | ')' | ' ' | '\t' | '-' | '\u{2013}' | '\u{2014}'
        ),
    };
    if !well_ended || (prefix.is_empty() && !matches!(separator, Some('.' | ')'))) {
        return None;
    }
    let start = base + lead + prefix_len;
    Some(Counter {
        prefix: prefix.trim().to_owned(),
        number,
        suffix: suffix.to_owned(),
        range: TextRange::new(start, start + number_len + suffix_len),
        separator: separator.filter(|c| matches!(c, ':' | '.' | ')')),
    })
}
