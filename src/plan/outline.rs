//! The outline (document symbols) and folding ranges of a plan.

use super::TextRange;
use super::parse::{Body, PlanTree, Section};
use super::template::Schema;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    /// The `#` title.
    Title,
    /// A `##` section.
    Section,
    /// An instance of a section's repeatable item (a step, a prerequisite).
    Item,
    /// Any other `###` heading.
    Heading,
}

/// One entry of the outline. `selection` (the heading) lies inside `range`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// Never empty.
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    pub range: TextRange,
    pub selection: TextRange,
    pub children: Vec<Symbol>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoldKind {
    Region,
    Code,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fold {
    pub range: TextRange,
    pub kind: FoldKind,
}

fn name_or(text: &str, fallback: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        fallback.to_owned()
    } else {
        text.to_owned()
    }
}

/// `3/5 done` for a body with a checklist.
fn progress(body: &Body) -> Option<String> {
    if body.tasks.is_empty() {
        return None;
    }
    let done = body.tasks.iter().filter(|t| t.checked).count();
    Some(format!("{done}/{} done", body.tasks.len()))
}

/// The outline: the title, then each section with its `###` headings.
#[must_use]
pub fn symbols(tree: &PlanTree, schema: &Schema) -> Vec<Symbol> {
    let mut out = Vec::new();
    if let Some(title) = &tree.title {
        out.push(Symbol {
            name: name_or(&title.text, "(untitled plan)"),
            detail: Some("plan".to_owned()),
            kind: SymbolKind::Title,
            range: title.range,
            selection: title.range,
            children: Vec::new(),
        });
    }
    for section in &tree.sections {
        out.push(section_symbol(section, schema));
    }
    out
}

fn section_symbol(section: &Section, schema: &Schema) -> Symbol {
    let items = schema.item_spec(&section.heading.text);
    let children = section
        .subsections
        .iter()
        .map(|sub| {
            let is_item = items.is_some_and(|spec| {
                sub.counter
                    .as_ref()
                    .is_some_and(|c| c.prefix.eq_ignore_ascii_case(&spec.prefix))
            });
            Symbol {
                name: name_or(&sub.heading.text, "(empty heading)"),
                detail: progress(&sub.body),
                kind: if is_item {
                    SymbolKind::Item
                } else {
                    SymbolKind::Heading
                },
                range: sub.range,
                selection: sub.heading.range,
                children: Vec::new(),
            }
        })
        .collect();
    let detail = match items {
        Some(spec) => {
            let count = spec.instances(section).count();
            Some(format!(
                "{count} {}",
                if count == 1 { "item" } else { "items" }
            ))
        }
        None => progress(&section.body),
    };
    Symbol {
        name: name_or(&section.heading.text, "(empty heading)"),
        detail,
        kind: SymbolKind::Section,
        range: section.range,
        selection: section.heading.range,
        children,
    }
}

/// Folding ranges for sections, `###` subsections and code blocks.
#[must_use]
pub fn folds(tree: &PlanTree) -> Vec<Fold> {
    let mut out = Vec::new();
    for section in &tree.sections {
        out.push(Fold {
            range: section.range,
            kind: FoldKind::Region,
        });
        for sub in &section.subsections {
            out.push(Fold {
                range: sub.range,
                kind: FoldKind::Region,
            });
        }
    }
    for block in &tree.code_blocks {
        out.push(Fold {
            range: block.range,
            kind: FoldKind::Code,
        });
    }
    out.sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end)));
    out
}
