//! The rules, one file each: the check, its typed finding, its fixes, its
//! tests.
//!
//! Every rule reads the `PlanTree` and the `Schema`; none knows the default
//! template's sections by name. A rule records what it found as a `Finding`;
//! its fixes read that finding (never the message) and the current analysis.
//!
//! A fix is *safe* when its result is fully determined by the document and
//! its file name: no choice between alternatives, no clock, no template text
//! left for the user to fill in; applying it again changes nothing.
//! `source.fixAll` and `plan-lsp check --fix` apply exactly the safe fixes.

#![cfg_attr(
    test,
    allow(
        clippy::needless_raw_string_hashes,
        reason = "expect-test writes its snapshots as r#\"...\"# literals"
    )
)]

mod ambiguous_items;
mod fence_closes_early;
mod invalid_config;
mod invalid_value;
mod missing_field;
mod missing_file;
mod missing_section;
mod missing_title;
mod section_order;
mod single_value_enum;
mod step_numbering;
mod step_without_tests;
mod unclosed_fence;
mod unfilled_placeholder;

#[cfg(test)]
mod test_support;

use super::finding::Finding;
use super::parse::{Cell, CodeBlock, PlanTree, Section, Subsection, Table};
use super::placeholder;
use super::skeleton::{self, Names};
use super::template::{ItemSpec, Schema, SectionSpec, TableSpec};
use super::{Analysis, Diagnostic, TextEdit, TextRange};

pub use invalid_config::{config_note, unknown_rule};
pub use missing_file::missing_files;
pub use missing_section::insert_all_sections;
pub use missing_title::title_edits;
pub use step_numbering::renumber;

/// What the caller adds for fixes: the clock and the document's file name.
#[derive(Clone, Debug, Default)]
pub struct FixContext {
    /// The current time, formatted like the template's timestamps.
    pub now: String,
    pub file_name: Option<String>,
}

impl FixContext {
    /// The values a fix may fill in from the file name.
    #[must_use]
    pub fn names(&self) -> Names {
        Names {
            slug: self.file_name.as_deref().and_then(skeleton::file_slug),
            item_name: None,
        }
    }
}

/// One fix for one finding: a title and the edits, with whether it is safe
/// (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<TextEdit>,
    pub safe: bool,
}

impl Fix {
    fn new(title: String, edits: Vec<TextEdit>, safe: bool) -> Self {
        Self { title, edits, safe }
    }
}

/// What every check reads.
struct Cx<'a> {
    text: &'a str,
    tree: &'a PlanTree,
    schema: &'a Schema,
    /// Where the plan's structure breaks: the start of an unclosed fence,
    /// which swallows the rest, or a fence that closes early. Findings that
    /// depend on the outline after it are left out.
    fence: Option<u32>,
    /// For each section of the tree, the index of its template section.
    matched: Vec<Option<usize>>,
    code_placeholders: &'a [TextRange],
}

impl<'a> Cx<'a> {
    /// The sections that match a template section, with its spec.
    fn sections(&self) -> impl Iterator<Item = (&'a Section, &'a SectionSpec)> + '_ {
        self.tree
            .sections
            .iter()
            .zip(&self.matched)
            .filter_map(|(section, index)| index.map(|i| (section, &self.schema.sections[i])))
    }

    /// The sections with numbered items, with their item spec.
    fn item_sections(&self) -> impl Iterator<Item = (&'a Section, &'a ItemSpec)> + '_ {
        self.sections()
            .filter_map(|(section, spec)| spec.items.as_ref().map(|items| (section, items)))
    }

    /// The document's tables that are template tables, with their specs.
    fn template_tables(
        &self,
    ) -> impl Iterator<Item = (&'a Section, &'a Table, &'a TableSpec)> + '_ {
        self.sections().flat_map(|(section, spec)| {
            section
                .tables()
                .filter_map(move |table| spec.table_spec(table).map(|t| (section, table, t)))
        })
    }

    /// Whether a cell holds a bracketed placeholder (reported as such).
    fn holds_placeholder(&self, cell: &Cell) -> bool {
        self.tree
            .placeholders
            .iter()
            .any(|p| cell.range.start <= p.start && p.end <= cell.range.end)
    }

    /// Whether an item's fields are checked: not struck through, not a
    /// `...` stand-in, and not swallowed by an unclosed fence.
    fn checks_fields_of(&self, sub: &Subsection) -> bool {
        let swallowed = self
            .fence
            .is_some_and(|f| sub.range.contains(f) || f < sub.range.start);
        !swallowed && ItemSpec::is_checked_instance(self.text, sub)
    }
}

/// Runs every rule and returns the findings sorted by position.
#[must_use]
pub fn run(text: &str, tree: &PlanTree, schema: &Schema) -> Vec<Diagnostic> {
    let tokens = code_placeholders(text, &tree.code_blocks, &tree.inline_code, schema);
    run_with_code_placeholders(text, tree, schema, &tokens)
}

/// The template placeholders left in code blocks and inline code: the
/// text-scanning part of the rules, which incremental reanalysis keeps for
/// the code it did not reparse.
#[must_use]
pub fn code_placeholders(
    text: &str,
    blocks: &[CodeBlock],
    inline_code: &[TextRange],
    schema: &Schema,
) -> Vec<TextRange> {
    let mut tokens = Vec::new();
    for block in blocks {
        tokens.extend(placeholder::code_tokens(
            text,
            block.content,
            &schema.code_tokens,
        ));
    }
    for code in inline_code {
        tokens.extend(placeholder::code_tokens(text, *code, &schema.code_tokens));
    }
    tokens
}

/// `run`, given the result of `code_placeholders` for the whole tree.
#[must_use]
pub fn run_with_code_placeholders(
    text: &str,
    tree: &PlanTree,
    schema: &Schema,
    code_placeholders: &[TextRange],
) -> Vec<Diagnostic> {
    let cx = Cx {
        text,
        tree,
        schema,
        fence: tree
            .unclosed_fence()
            .map(|block| block.range.start)
            .into_iter()
            .chain(fence_closes_early::first_break(text, &tree.code_blocks))
            .min(),
        matched: tree
            .sections
            .iter()
            .map(|section| schema.section_index(&section.heading.text))
            .collect(),
        code_placeholders,
    };
    let mut out = Vec::new();
    unclosed_fence::check(&cx, &mut out);
    fence_closes_early::check(&cx, &mut out);
    missing_title::check(&cx, &mut out);
    section_order::check(&cx, &mut out);
    missing_section::check(&cx, &mut out);
    unfilled_placeholder::check(&cx, &mut out);
    missing_field::check(&cx, &mut out);
    invalid_value::check(&cx, &mut out);
    step_numbering::check(&cx, &mut out);
    step_without_tests::check(&cx, &mut out);
    out.sort_by_key(|d| (d.range, d.code));
    out.dedup();
    out
}

/// Problems deriving a schema from a template (the rules that check a
/// template rather than a plan).
#[must_use]
pub fn template_problems(text: &str, tree: &PlanTree) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    ambiguous_items::check(tree, &mut out);
    single_value_enum::check(text, tree, &mut out);
    out.sort_by_key(|d| (d.range, d.code));
    out
}

/// What a fix reads: the document, its analysis, the caller's context and
/// the diagnostic it fixes.
struct FixCx<'a> {
    text: &'a str,
    analysis: &'a Analysis,
    ctx: &'a FixContext,
    diagnostic: &'a Diagnostic,
}

/// The row of `table` whose first cell is the bold key `key`.
fn find_row<'t>(table: &'t Table, key: &str) -> Option<&'t [Cell]> {
    table
        .rows
        .iter()
        .find(|row| {
            row.first()
                .is_some_and(|c| placeholder::clean_value(&c.text).eq_ignore_ascii_case(key))
        })
        .map(Vec::as_slice)
}

impl<'a> FixCx<'a> {
    /// The table row one of whose cells is at `range`, with its table and
    /// the table's template spec.
    fn row_at(&self, range: TextRange) -> Option<(&'a Table, &'a [Cell], &'a TableSpec)> {
        for section in &self.tree().sections {
            for table in section.tables() {
                let Some(row) = table
                    .rows
                    .iter()
                    .find(|row| row.iter().any(|c| c.range == range))
                else {
                    continue;
                };
                let spec = self
                    .schema()
                    .section_spec(&section.heading.text)
                    .and_then(|s| s.table_spec(table))?;
                return Some((table, row, spec));
            }
        }
        None
    }

    fn schema(&self) -> &'a Schema {
        &self.analysis.schema
    }

    fn tree(&self) -> &'a PlanTree {
        &self.analysis.tree
    }

    /// The item whose heading the diagnostic sits on, with its spec.
    fn item(&self) -> Option<(&'a Subsection, &'a ItemSpec)> {
        let range = self.diagnostic.range;
        let section = super::edit::section_at(self.tree(), range.start)?;
        let spec = self.schema().item_spec(&section.heading.text)?;
        let sub = section
            .subsections
            .iter()
            .find(|s| s.heading.range == range)?;
        Some((sub, spec))
    }

    /// Template text for the item `sub`: known names filled in.
    fn render_for_item(&self, sub: &Subsection, body: &str) -> String {
        let item_name = skeleton::item_name(&sub.heading.text);
        let names = Names {
            item_name: Some(item_name.clone()),
            ..self.ctx.names()
        };
        let with_file = skeleton::name_test_file(body, &item_name);
        skeleton::render(&with_file, self.schema(), &names, false)
    }
}

/// The fixes for diagnostic number `index` of `analysis`, best first.
#[must_use]
pub fn fixes(text: &str, analysis: &Analysis, index: usize, ctx: &FixContext) -> Vec<Fix> {
    let Some(diagnostic) = analysis.diagnostics.get(index) else {
        return Vec::new();
    };
    let cx = FixCx {
        text,
        analysis,
        ctx,
        diagnostic,
    };
    match &diagnostic.finding {
        Finding::UnclosedFence { fence } => unclosed_fence::fixes(&cx, fence),
        Finding::FenceClosesEarly { .. } => fence_closes_early::fixes(&cx),
        Finding::MissingTitle { .. } => missing_title::fixes(&cx),
        Finding::MissingSection { index, .. } => missing_section::fixes(&cx, *index),
        Finding::UnfilledPlaceholder { written, kind } => {
            unfilled_placeholder::fixes(&cx, written, kind)
        }
        Finding::MissingItemField { label, .. } => missing_field::item_field_fixes(&cx, label),
        Finding::MissingRow { key, .. } => missing_field::row_fixes(&cx, key),
        Finding::EmptyValue { kind, .. } => missing_field::empty_value_fixes(&cx, kind),
        Finding::InvalidValue { expected, .. } => invalid_value::fixes(&cx, expected),
        Finding::SeveralChoices { choices, .. } => invalid_value::choice_fixes(&cx, choices),
        Finding::StepNumbering { .. } => step_numbering::fixes(&cx),
        Finding::StepWithoutTests { .. } => step_without_tests::fixes(&cx),
        Finding::SectionOrder { .. }
        | Finding::MissingFile { .. }
        | Finding::UnknownRule { .. }
        | Finding::Config { .. }
        | Finding::AmbiguousItems { .. }
        | Finding::SingleValueEnum { .. } => Vec::new(),
    }
}

/// The choices a kind of value offers as fixes: the current time for a
/// timestamp, each alternative of an enum. `pad` is text to put around the
/// value (spaces and a closing `|` for a cell still being typed).
fn value_fixes(
    kind: &placeholder::PlaceholderKind,
    range: TextRange,
    pad: (&str, &str),
    ctx: &FixContext,
) -> Vec<Fix> {
    use placeholder::PlaceholderKind;
    let (lead, trail) = pad;
    match kind {
        PlaceholderKind::Timestamp if !ctx.now.is_empty() => vec![Fix::new(
            format!("Fill in the current time `{}`", ctx.now),
            vec![TextEdit::replace(
                range,
                format!("{lead}{}{trail}", ctx.now),
            )],
            false,
        )],
        PlaceholderKind::Enum(alternatives) => alternatives
            .iter()
            .map(|alt| {
                Fix::new(
                    format!("Use `{alt}`"),
                    vec![TextEdit::replace(range, format!("{lead}{alt}{trail}"))],
                    false,
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}
