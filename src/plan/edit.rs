//! Where text goes: the placement helpers that fixes and completions share,
//! so that inserted text lands at its template position and keeps the
//! markdown around it intact.

use super::parse::{PlanTree, Section, Subsection};
use super::skeleton;
use super::template::ItemSpec;
use super::{TextEdit, TextRange};

/// The byte offset of the end of the line holding `at` (before its line
/// break), or the end of the text.
#[must_use]
pub fn line_end(text: &str, at: usize) -> usize {
    text[at..].find(['\n', '\r']).map_or(text.len(), |i| at + i)
}

/// The byte offset of the start of the line holding `at`.
#[must_use]
pub fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// A line break to add after text inserted at `at` so that a blank line
/// still separates it from a following non-blank line (which could
/// otherwise continue it, or turn it into a heading with `---`).
#[must_use]
pub fn blank_after(text: &str, at: u32) -> &'static str {
    let rest = &text[at as usize..];
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix(['\n', '\r']));
    match rest {
        Some(next) if !next.starts_with(['\n', '\r']) && !next.is_empty() => "\n",
        _ => "",
    }
}

/// The `##` section holding `offset` (the last one starting before it).
#[must_use]
pub fn section_at(tree: &PlanTree, offset: u32) -> Option<&Section> {
    tree.sections
        .iter()
        .rev()
        .find(|s| s.heading.range.start <= offset)
}

/// The subsection of `section` containing `offset`, if any.
#[must_use]
pub fn subsection_at(section: &Section, offset: u32) -> Option<&Subsection> {
    section.subsections.iter().find(|s| s.range.touches(offset))
}

/// Where a field with template position `field_index` goes in `sub`: before
/// the first present field that comes later in the template, else at the
/// end of the item's content (before a closing `---`). The flag says
/// whether the text goes after existing content.
#[must_use]
pub fn field_anchor(
    text: &str,
    sub: &Subsection,
    spec: &ItemSpec,
    field_index: usize,
) -> (u32, bool) {
    let later = sub
        .body
        .fields
        .iter()
        .find(|f| spec.field_index(&f.label).is_some_and(|i| i > field_index));
    match later {
        Some(field) => (field.line.start, false),
        None => {
            let end = skeleton::trim_block(text, sub.range.start as usize, sub.range.end as usize);
            (end.end, true)
        }
    }
}

/// The edit inserting `body` (a field's block, label line first) into `sub`
/// at the template position of the field `label`.
#[must_use]
pub fn insert_field(
    text: &str,
    sub: &Subsection,
    spec: &ItemSpec,
    label: &str,
    body: &str,
) -> Option<TextEdit> {
    let field_index = spec.field_index(label)?;
    let (at, after) = field_anchor(text, sub, spec, field_index);
    let new_text = if after {
        format!("\n\n{body}{}", blank_after(text, at))
    } else {
        format!("{body}\n\n")
    };
    Some(TextEdit::insert(at, new_text))
}

/// Whether `range` lies inside a code block or inline code of `tree`.
#[must_use]
pub fn in_code(tree: &PlanTree, range: TextRange) -> bool {
    tree.code_blocks
        .iter()
        .map(|b| b.range)
        .chain(tree.inline_code.iter().copied())
        .any(|r| r.start <= range.start && range.end <= r.end)
}
