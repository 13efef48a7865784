//! Code actions: quick fixes, refactors and source actions as text edits.
//!
//! Each quick fix names the diagnostic it fixes and edits as little as it
//! can. Values come from the schema (template text, enum alternatives), the
//! document (step order, test functions in Tests blocks), its file name (the
//! slug) and the clock passed in by the caller; where none of these gives a
//! value, no fix is offered rather than a fake one.
//!
//! A fix is *safe* when its result is fully determined by the document and
//! its file name: no choice between alternatives, no clock, no template text
//! left for the user to fill in; applying it again changes nothing. Safe
//! fixes are: a slug placeholder filled from the file name, a test count
//! (`[X]`) filled from the test functions in the Tests blocks, a `Step [N]`
//! heading numbered from the step order, and renumbering items together with
//! the references to them. `source.fixAll` and `plan-lsp check --fix` apply
//! exactly these.

use super::parse::{Counter, PlanTree, Section, Subsection, Table};
use super::placeholder::{self, PlaceholderKind};
use super::skeleton::{self, Names};
use super::template::ItemSpec;
use super::{Analysis, Code, Diagnostic, TextEdit, TextRange, checks, complete};

/// What the caller adds: the clock and the document's file name.
#[derive(Clone, Debug, Default)]
pub struct FixContext {
    /// The current time, formatted like the template's timestamps.
    pub now: String,
    pub file_name: Option<String>,
}

impl FixContext {
    fn names(&self) -> Names {
        Names {
            slug: self.file_name.as_deref().and_then(skeleton::file_slug),
            item_name: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    QuickFix,
    RefactorRewrite,
    Source,
    SourceFixAll,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub title: String,
    pub kind: ActionKind,
    /// The index in `Analysis::diagnostics` of the diagnostic this fixes.
    pub fixes: Option<usize>,
    pub edits: Vec<TextEdit>,
    pub preferred: bool,
    /// See the module documentation.
    pub safe: bool,
}

fn quick(title: String, index: usize, edits: Vec<TextEdit>, safe: bool) -> Action {
    Action {
        title,
        kind: ActionKind::QuickFix,
        fixes: Some(index),
        edits,
        preferred: false,
        safe,
    }
}

/// Every action for the byte range `range`: quick fixes for the diagnostics
/// it touches, the renumbering refactor of the section it is in, inserting
/// all missing sections, and fixing everything safe.
#[must_use]
pub fn actions(text: &str, analysis: &Analysis, range: TextRange, ctx: &FixContext) -> Vec<Action> {
    if !analysis.is_plan {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (index, d) in analysis.diagnostics.iter().enumerate() {
        let touches = d.range.start <= range.end && range.start <= d.range.end;
        if touches {
            out.extend(fixes(text, analysis, index, ctx));
        }
    }
    if let Some(section) = section_at(&analysis.tree, range.start)
        && let Some(spec) = analysis.schema.item_spec(&section.heading.text)
    {
        let edits = renumber(text, &analysis.tree, section, spec);
        if !edits.is_empty() {
            out.push(Action {
                title: format!("Renumber the items of `## {}`", section.heading.text),
                kind: ActionKind::RefactorRewrite,
                fixes: None,
                edits,
                preferred: false,
                safe: true,
            });
        }
    }
    let missing = insert_all_sections(text, analysis, ctx);
    if !missing.is_empty() {
        out.push(Action {
            title: "Insert all missing sections from the template".to_owned(),
            kind: ActionKind::Source,
            fixes: None,
            edits: missing,
            preferred: false,
            safe: false,
        });
    }
    let all = fix_all(text, analysis, ctx);
    if !all.is_empty() {
        out.push(Action {
            title: "Fix all safe plan-lsp problems".to_owned(),
            kind: ActionKind::SourceFixAll,
            fixes: None,
            edits: all,
            preferred: false,
            safe: true,
        });
    }
    out
}

/// The edits of every safe fix, one per diagnostic, without overlaps.
#[must_use]
pub fn fix_all(text: &str, analysis: &Analysis, ctx: &FixContext) -> Vec<TextEdit> {
    if !analysis.is_plan {
        return Vec::new();
    }
    let mut edits: Vec<TextEdit> = Vec::new();
    for index in 0..analysis.diagnostics.len() {
        if let Some(fix) = fixes(text, analysis, index, ctx)
            .into_iter()
            .find(|a| a.safe)
        {
            edits.extend(fix.edits);
        }
    }
    edits.sort();
    edits.dedup();
    let mut out: Vec<TextEdit> = Vec::new();
    for edit in edits {
        let overlaps = out.last().is_some_and(|last| {
            edit.range.start < last.range.end
                || (edit.range.start == last.range.start && last.range.is_empty())
        });
        if !overlaps {
            out.push(edit);
        }
    }
    out
}

/// The quick fixes for diagnostic number `index`.
#[must_use]
pub fn fixes(text: &str, analysis: &Analysis, index: usize, ctx: &FixContext) -> Vec<Action> {
    let Some(d) = analysis.diagnostics.get(index) else {
        return Vec::new();
    };
    let mut out = match d.code {
        Code::UnfilledPlaceholder => placeholder_fixes(text, analysis, d, index, ctx),
        Code::MissingSection => missing_section_fix(text, analysis, d, index, ctx)
            .into_iter()
            .collect(),
        Code::StepNumbering => renumber_fix(text, analysis, d, index).into_iter().collect(),
        Code::StepWithoutTests => tests_fix(text, analysis, d, index, ctx)
            .into_iter()
            .collect(),
        Code::MissingField => missing_field_fixes(text, analysis, d, index, ctx),
        Code::InvalidValue => invalid_value_fixes(text, analysis, d, index, ctx),
        Code::MissingTitle => title_fix(analysis, index, ctx).into_iter().collect(),
        Code::UnclosedFence => fence_fix(text, &analysis.tree, d, index)
            .into_iter()
            .collect(),
        Code::SectionOrder
        | Code::MissingFile
        | Code::InvalidConfig
        | Code::AmbiguousItems
        | Code::SingleValueEnum => Vec::new(),
    };
    if let Some(first) = out.first_mut() {
        first.preferred = true;
    }
    out
}

fn section_at(tree: &PlanTree, offset: u32) -> Option<&Section> {
    tree.sections
        .iter()
        .rev()
        .find(|s| s.heading.range.start <= offset)
}

/// The subsection containing `offset`, if any.
fn subsection_at(section: &Section, offset: u32) -> Option<&Subsection> {
    section.subsections.iter().find(|s| s.range.touches(offset))
}

/// The text between the backticks after `marker` in a message.
fn quoted<'m>(message: &'m str, marker: &str) -> Option<&'m str> {
    let start = message.find(marker)? + marker.len();
    let end = message[start..].find('`')?;
    Some(&message[start..start + end])
}

// ---------------------------------------------------------------------------
// unfilled-placeholder

fn placeholder_fixes(
    text: &str,
    analysis: &Analysis,
    d: &Diagnostic,
    index: usize,
    ctx: &FixContext,
) -> Vec<Action> {
    let written = &text[d.range.as_usize()];
    let inner = written
        .strip_prefix('[')
        .and_then(|w| w.strip_suffix(']'))
        .unwrap_or(written);
    match PlaceholderKind::classify(inner) {
        PlaceholderKind::Timestamp => now_fix(d.range, index, ctx).into_iter().collect(),
        PlaceholderKind::Enum(alternatives) => alternatives
            .iter()
            .map(|alt| {
                quick(
                    format!("Replace `{written}` with `{alt}`"),
                    index,
                    vec![TextEdit::replace(d.range, alt.clone())],
                    false,
                )
            })
            .collect(),
        PlaceholderKind::Slug => {
            let Some(slug) = ctx.names().slug else {
                return Vec::new();
            };
            let start = d.range.start as usize;
            let end = d.range.end as usize;
            let value = skeleton::slug_value(&slug, inner, &text[..start], &text[end..]);
            vec![quick(
                format!("Fill `{written}` with `{value}` from the file name"),
                index,
                vec![TextEdit::replace(d.range, value)],
                true,
            )]
        }
        PlaceholderKind::Number => number_fix(text, analysis, d, index).into_iter().collect(),
        PlaceholderKind::Text => Vec::new(),
    }
}

fn now_fix(range: TextRange, index: usize, ctx: &FixContext) -> Option<Action> {
    (!ctx.now.is_empty()).then(|| {
        quick(
            format!("Fill in the current time `{}`", ctx.now),
            index,
            vec![TextEdit::replace(range, ctx.now.clone())],
            false,
        )
    })
}

/// `[N]` in an item heading gets the number after the previous item; `[X]`
/// elsewhere gets the number of test functions in the item's (or, outside
/// items, the plan's) Tests blocks.
fn number_fix(text: &str, analysis: &Analysis, d: &Diagnostic, index: usize) -> Option<Action> {
    let tree = &analysis.tree;
    let section = section_at(tree, d.range.start);
    let spec = section.and_then(|s| analysis.schema.item_spec(&s.heading.text));
    if let (Some(section), Some(spec)) = (section, spec)
        && let Some((_, n)) = new_numbers(section, spec)
            .into_iter()
            .find(|(counter, _)| counter.range == d.range)
    {
        return Some(quick(
            format!("Number this item {n} (after the one above)"),
            index,
            vec![TextEdit::replace(d.range, n.to_string())],
            true,
        ));
    }
    let (count, scope) = match section.and_then(|s| subsection_at(s, d.range.start)) {
        Some(sub) => (count_tests(text, tree, sub), "this item's"),
        None => {
            let all = tree
                .sections
                .iter()
                .flat_map(|s| &s.subsections)
                .map(|sub| count_tests(text, tree, sub))
                .sum();
            (all, "the plan's")
        }
    };
    (count > 0).then(|| {
        quick(
            format!("Fill with {count} (test functions in {scope} Tests blocks)"),
            index,
            vec![TextEdit::replace(d.range, count.to_string())],
            true,
        )
    })
}

/// Test functions in the code blocks that follow a Tests label.
fn count_tests(text: &str, tree: &PlanTree, sub: &Subsection) -> usize {
    let mut count = 0;
    for &i in &sub.body.code_blocks {
        let Some(block) = tree.code_blocks.get(i) else {
            continue;
        };
        let label = sub
            .body
            .fields
            .iter()
            .rev()
            .find(|f| f.line.start < block.range.start)
            .map(|f| f.label.as_str());
        if !label.is_some_and(skeleton::is_tests_label) {
            continue;
        }
        count += text[block.content.as_usize()]
            .lines()
            .map(str::trim_start)
            .filter(|l| {
                l.starts_with("def test")
                    || l.starts_with("async def test")
                    || l.starts_with("#[test]")
                    || l.starts_with("it(")
                    || l.starts_with("test(")
            })
            .count();
    }
    count
}

// ---------------------------------------------------------------------------
// missing-section

/// Where a missing template section goes: after the present section that
/// comes last before it in the template, else before the first present
/// section after it, else at the end.
fn section_anchor(text: &str, analysis: &Analysis, index: usize) -> (u32, bool) {
    let schema = &analysis.schema;
    let matched: Vec<(usize, &Section)> = analysis
        .tree
        .sections
        .iter()
        .filter_map(|s| schema.section_index(&s.heading.text).map(|i| (i, s)))
        .collect();
    let before = matched
        .iter()
        .filter(|(i, _)| *i < index)
        .max_by_key(|(i, s)| (*i, s.range.start));
    if let Some((_, section)) = before {
        return (section.range.end, true);
    }
    let after = matched
        .iter()
        .filter(|(i, _)| *i > index)
        .min_by_key(|(_, s)| s.range.start);
    match after {
        Some((_, section)) => (section.heading.range.start, false),
        None => (text.trim_end().len() as u32, true),
    }
}

/// A line break to add after text inserted at `at` so that a blank line
/// still separates it from a following non-blank line (which could
/// otherwise continue it, or turn it into a heading with `---`).
fn blank_after(text: &str, at: u32) -> &'static str {
    let rest = &text[at as usize..];
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix(['\n', '\r']));
    match rest {
        Some(next) if !next.starts_with(['\n', '\r']) && !next.is_empty() => "\n",
        _ => "",
    }
}

fn section_text(analysis: &Analysis, index: usize, ctx: &FixContext) -> String {
    let schema = &analysis.schema;
    let source = schema.text(schema.sections[index].skeleton);
    skeleton::render(source, schema, &ctx.names(), false)
}

/// Edits inserting the template sections `indices` (in template order).
fn insert_sections(
    text: &str,
    analysis: &Analysis,
    indices: &[usize],
    ctx: &FixContext,
) -> Vec<TextEdit> {
    let mut groups: Vec<((u32, bool), Vec<String>)> = Vec::new();
    for &index in indices {
        let anchor = section_anchor(text, analysis, index);
        let body = section_text(analysis, index, ctx);
        match groups.iter_mut().find(|(a, _)| *a == anchor) {
            Some((_, bodies)) => bodies.push(body),
            None => groups.push((anchor, vec![body])),
        }
    }
    groups
        .into_iter()
        .map(|((at, after), bodies)| {
            let joined = bodies.join("\n\n");
            let new_text = if after {
                let lead = if at == 0 { "" } else { "\n\n" };
                let trail = if at as usize == text.len() {
                    "\n"
                } else {
                    blank_after(text, at)
                };
                format!("{lead}{joined}{trail}")
            } else {
                format!("{joined}\n\n")
            };
            TextEdit::insert(at, new_text)
        })
        .collect()
}

fn missing_index(analysis: &Analysis, d: &Diagnostic) -> Option<usize> {
    let name = quoted(&d.message, "`## ")?;
    analysis.schema.sections.iter().position(|s| s.name == name)
}

fn missing_section_fix(
    text: &str,
    analysis: &Analysis,
    d: &Diagnostic,
    index: usize,
    ctx: &FixContext,
) -> Option<Action> {
    let section = missing_index(analysis, d)?;
    let name = &analysis.schema.sections[section].name;
    Some(quick(
        format!("Insert section `## {name}` from the template"),
        index,
        insert_sections(text, analysis, &[section], ctx),
        false,
    ))
}

/// Edits inserting every missing section at its template position.
#[must_use]
pub fn insert_all_sections(text: &str, analysis: &Analysis, ctx: &FixContext) -> Vec<TextEdit> {
    let mut indices: Vec<usize> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::MissingSection)
        .filter_map(|d| missing_index(analysis, d))
        .collect();
    indices.sort_unstable();
    indices.dedup();
    insert_sections(text, analysis, &indices, ctx)
}

// ---------------------------------------------------------------------------
// step-numbering

fn renumber_fix(text: &str, analysis: &Analysis, d: &Diagnostic, index: usize) -> Option<Action> {
    let section = section_at(&analysis.tree, d.range.start)?;
    let spec = analysis.schema.item_spec(&section.heading.text)?;
    let edits = renumber(text, &analysis.tree, section, spec);
    (!edits.is_empty()).then(|| {
        quick(
            format!(
                "Renumber the items of `## {}` (and references to them)",
                section.heading.text
            ),
            index,
            edits,
            true,
        )
    })
}

/// Edits that number a section's items in order from the template's start,
/// sub-items (`Step 4b`) following their main item, and rewrite references
/// (`Step 3`, `Proceed to Step 4`) outside code to the new numbers.
#[must_use]
pub fn renumber(text: &str, tree: &PlanTree, section: &Section, spec: &ItemSpec) -> Vec<TextEdit> {
    let mut edits = Vec::new();
    let mut mapping: Vec<(u32, u32)> = Vec::new();
    let mut counters: Vec<TextRange> = Vec::new();
    for (counter, new) in new_numbers(section, spec) {
        counters.push(counter.range);
        let Some(old) = counter.number else {
            continue;
        };
        if counter.suffix.is_empty() {
            mapping.push((old, new));
        }
        if new != old {
            edits.push(TextEdit::replace(
                counter.range,
                format!("{new}{}", counter.suffix),
            ));
        }
    }
    if edits.is_empty() || spec.prefix.is_empty() {
        return edits;
    }
    let unique = |old: u32| {
        let mut targets = mapping.iter().filter(|(o, _)| *o == old).map(|(_, n)| *n);
        let first = targets.next()?;
        targets.all(|n| n == first).then_some(first)
    };
    for (range, old) in references(text, tree, &spec.prefix) {
        if counters.iter().any(|c| c.start == range.start) {
            continue;
        }
        if let Some(new) = unique(old)
            && new != old
        {
            edits.push(TextEdit::replace(range, new.to_string()));
        }
    }
    edits.sort();
    edits
}

/// The number each item of a section gets when numbered in order from the
/// template's start: a sub-item (`Step 4b`) keeps its main item's number;
/// an item numbered by a placeholder (`Step [N]`) takes the next number.
fn new_numbers<'s>(section: &'s Section, spec: &ItemSpec) -> Vec<(&'s Counter, u32)> {
    let mut out = Vec::new();
    let mut prev: Option<(Option<u32>, u32)> = None;
    for (_, counter) in checks::items(section, spec) {
        let new = match prev {
            Some((prev_old, prev_new))
                if prev_old.is_some()
                    && prev_old == counter.number
                    && !counter.suffix.is_empty() =>
            {
                prev_new
            }
            Some((_, prev_new)) => prev_new + 1,
            None => spec.start,
        };
        out.push((counter, new));
        prev = Some((counter.number, new));
    }
    out
}

/// `Step 3` in prose: the range of the number and its value.
fn references(text: &str, tree: &PlanTree, prefix: &str) -> Vec<(TextRange, u32)> {
    let lower = text.to_ascii_lowercase();
    let needle = format!("{} ", prefix.to_ascii_lowercase());
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = lower[from..].find(&needle) {
        let at = from + found;
        from = at + needle.len();
        if text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let digits = bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 6 {
            continue;
        }
        let range = TextRange::new(from, from + digits);
        let in_code = tree
            .code_blocks
            .iter()
            .map(|b| b.range)
            .chain(tree.inline_code.iter().copied())
            .any(|r| r.start <= range.start && range.end <= r.end);
        if in_code {
            continue;
        }
        if let Ok(n) = text[range.as_usize()].parse() {
            out.push((range, n));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// step-without-tests and missing-field (item fields)

/// The item whose heading a diagnostic sits on, with its section and spec.
fn item_of<'a>(analysis: &'a Analysis, d: &Diagnostic) -> Option<(&'a Subsection, &'a ItemSpec)> {
    let section = section_at(&analysis.tree, d.range.start)?;
    let spec = analysis.schema.item_spec(&section.heading.text)?;
    let sub = section
        .subsections
        .iter()
        .find(|s| s.heading.range == d.range)?;
    Some((sub, spec))
}

/// Where a field with template position `field_index` goes in `sub`: before
/// the first present field that comes later in the template, else at the
/// end of the item's content (before a closing `---`).
fn field_anchor(text: &str, sub: &Subsection, spec: &ItemSpec, field_index: usize) -> (u32, bool) {
    let later = sub.body.fields.iter().find(|f| {
        spec.fields
            .iter()
            .position(|s| s.label.eq_ignore_ascii_case(&f.label))
            .is_some_and(|i| i > field_index)
    });
    match later {
        Some(field) => (field.line.start, false),
        None => {
            let end = skeleton::trim_block(text, sub.range.start as usize, sub.range.end as usize);
            (end.end, true)
        }
    }
}

fn insert_field(
    text: &str,
    sub: &Subsection,
    spec: &ItemSpec,
    label: &str,
    body: &str,
) -> Option<TextEdit> {
    let field_index = spec
        .fields
        .iter()
        .position(|f| f.label.eq_ignore_ascii_case(label))?;
    let (at, after) = field_anchor(text, sub, spec, field_index);
    let new_text = if after {
        format!("\n\n{body}{}", blank_after(text, at))
    } else {
        format!("{body}\n\n")
    };
    Some(TextEdit::insert(at, new_text))
}

fn item_names(sub: &Subsection, ctx: &FixContext) -> Names {
    Names {
        item_name: Some(skeleton::item_name(&sub.heading.text)),
        ..ctx.names()
    }
}

fn render_for_item(analysis: &Analysis, sub: &Subsection, body: &str, ctx: &FixContext) -> String {
    let names = item_names(sub, ctx);
    let with_file = skeleton::name_test_file(body, names.item_name.as_deref().unwrap_or(""));
    skeleton::render(&with_file, &analysis.schema, &names, false)
}

fn tests_fix(
    text: &str,
    analysis: &Analysis,
    d: &Diagnostic,
    index: usize,
    ctx: &FixContext,
) -> Option<Action> {
    let (sub, spec) = item_of(analysis, d)?;
    if complete::has_tests(sub) {
        return None;
    }
    let (tests, next) = skeleton::tests_parts(&analysis.schema, spec)?;
    let tests_label = spec
        .fields
        .iter()
        .find(|f| skeleton::is_tests_label(&f.label))?
        .label
        .clone();
    let mut edits = vec![insert_field(
        text,
        sub,
        spec,
        &tests_label,
        &render_for_item(analysis, sub, &tests, ctx),
    )?];
    if let Some((label, body)) = next {
        let has = sub
            .body
            .fields
            .iter()
            .any(|f| f.label.eq_ignore_ascii_case(&label));
        if !has
            && let Some(edit) = insert_field(
                text,
                sub,
                spec,
                &label,
                &render_for_item(analysis, sub, &body, ctx),
            )
        {
            match edits.iter_mut().find(|e| e.range == edit.range) {
                Some(same) => {
                    same.new_text = format!("{}{}", same.new_text, edit.new_text);
                }
                None => edits.push(edit),
            }
        }
    }
    Some(quick(
        format!(
            "Add a Tests block to `{}` (class Test{})",
            sub.heading.text,
            skeleton::camel_case(&skeleton::item_name(&sub.heading.text))
        ),
        index,
        edits,
        false,
    ))
}

fn missing_field_fixes(
    text: &str,
    analysis: &Analysis,
    d: &Diagnostic,
    index: usize,
    ctx: &FixContext,
) -> Vec<Action> {
    if let Some((sub, spec)) = item_of(analysis, d) {
        return item_field_fix(text, analysis, sub, spec, d, index, ctx)
            .into_iter()
            .collect();
    }
    if let Some(key) = quoted(&d.message, "has no `**") {
        let key = key.trim_end_matches("**");
        return row_fix(text, analysis, d, key, index).into_iter().collect();
    }
    empty_value_fixes(text, analysis, d, index, ctx)
}

fn item_field_fix(
    text: &str,
    analysis: &Analysis,
    sub: &Subsection,
    spec: &ItemSpec,
    d: &Diagnostic,
    index: usize,
    ctx: &FixContext,
) -> Option<Action> {
    let label = quoted(&d.message, "`**")?.trim_end_matches("**");
    let blocks = skeleton::field_blocks(&analysis.schema, spec);
    let (_, range) = blocks.iter().find(|(l, _)| l.eq_ignore_ascii_case(label))?;
    let body = render_for_item(analysis, sub, analysis.schema.text(*range), ctx);
    let edit = insert_field(text, sub, spec, label, &body)?;
    Some(quick(
        format!("Add the `**{label}**` field from the template"),
        index,
        vec![edit],
        false,
    ))
}

// ---------------------------------------------------------------------------
// missing-field and invalid-value (tables)

fn all_tables(tree: &PlanTree) -> impl Iterator<Item = (&Section, &Table)> {
    tree.sections
        .iter()
        .flat_map(|s| s.tables().map(move |t| (s, t)))
}

fn line_end(text: &str, at: usize) -> usize {
    text[at..].find(['\n', '\r']).map_or(text.len(), |i| at + i)
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// Inserts a missing `**Key**` row at its template position.
fn row_fix(
    text: &str,
    analysis: &Analysis,
    d: &Diagnostic,
    key: &str,
    index: usize,
) -> Option<Action> {
    let schema = &analysis.schema;
    let (section, table) =
        all_tables(&analysis.tree).find(|(_, t)| t.range.start == d.range.start)?;
    let spec = schema
        .section_spec(&section.heading.text)
        .and_then(|s| complete::table_spec(s, table))?;
    let row_index = spec.rows.iter().position(|r| r.key == key)?;
    let row_spec = &spec.rows[row_index];
    let mut cells = vec![format!("**{key}**")];
    if table.header.len() > 1 {
        cells.push(if row_spec.guidance.is_empty() {
            String::new()
        } else {
            format!("[{}]", row_spec.guidance)
        });
    }
    cells.extend((2..table.header.len()).map(|_| String::new()));
    let row_text = format!("| {} |", cells.join(" | "));
    let key_of = |row: &Vec<super::parse::Cell>| {
        row.first().and_then(|c| {
            let k = placeholder::clean_value(&c.text);
            spec.rows
                .iter()
                .position(|r| r.key.eq_ignore_ascii_case(&k))
        })
    };
    let before = table
        .rows
        .iter()
        .rev()
        .find(|row| key_of(row).is_some_and(|i| i < row_index));
    let edit = match before.and_then(|row| row.last()) {
        Some(cell) => TextEdit::insert(
            line_end(text, cell.range.end as usize) as u32,
            format!("\n{row_text}"),
        ),
        None => match table.rows.first().and_then(|row| row.first()) {
            Some(cell) => TextEdit::insert(
                line_start(text, cell.range.start as usize) as u32,
                format!("{row_text}\n"),
            ),
            None => TextEdit::insert(table.range.end, format!("\n{row_text}")),
        },
    };
    Some(quick(
        format!("Add the `**{key}**` row from the template"),
        index,
        vec![edit],
        false,
    ))
}

/// The table row whose first cell is at `range`, with its table's spec.
fn row_at(
    analysis: &Analysis,
    range: TextRange,
) -> Option<(
    &Table,
    &Vec<super::parse::Cell>,
    Option<&super::template::TableSpec>,
)> {
    let schema = &analysis.schema;
    for (section, table) in all_tables(&analysis.tree) {
        let Some(row) = table
            .rows
            .iter()
            .find(|row| row.iter().any(|c| c.range == range))
        else {
            continue;
        };
        let spec = schema
            .section_spec(&section.heading.text)
            .and_then(|s| complete::table_spec(s, table));
        return Some((table, row, spec));
    }
    None
}

/// The kind of value a row's value cell takes, from the template.
fn row_kind(
    row: &[super::parse::Cell],
    spec: &super::template::TableSpec,
) -> Option<PlaceholderKind> {
    let key = placeholder::clean_value(&row.first()?.text);
    spec.rows
        .iter()
        .find(|r| r.key.eq_ignore_ascii_case(&key))
        .map(|r| r.kind.clone())
}

fn value_fixes(
    kind: &PlaceholderKind,
    range: TextRange,
    pad: (&str, &str),
    index: usize,
    ctx: &FixContext,
) -> Vec<Action> {
    let (lead, trail) = pad;
    match kind {
        PlaceholderKind::Timestamp if !ctx.now.is_empty() => vec![quick(
            format!("Fill in the current time `{}`", ctx.now),
            index,
            vec![TextEdit::replace(
                range,
                format!("{lead}{}{trail}", ctx.now),
            )],
            false,
        )],
        PlaceholderKind::Enum(alternatives) => alternatives
            .iter()
            .map(|alt| {
                quick(
                    format!("Use `{alt}`"),
                    index,
                    vec![TextEdit::replace(range, format!("{lead}{alt}{trail}"))],
                    false,
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `Created` has no value: fill it by the row's kind.
fn empty_value_fixes(
    text: &str,
    analysis: &Analysis,
    d: &Diagnostic,
    index: usize,
    ctx: &FixContext,
) -> Vec<Action> {
    let Some((_, row, Some(spec))) = row_at(analysis, d.range) else {
        return Vec::new();
    };
    let (Some(kind), Some(value)) = (row_kind(row, spec), row.get(1)) else {
        return Vec::new();
    };
    let at = value.range.start as usize;
    let lead = if text[..at].ends_with([' ', '\t']) {
        ""
    } else {
        " "
    };
    let trail = if text[at..].starts_with('|') { " " } else { "" };
    value_fixes(&kind, TextRange::empty(at), (lead, trail), index, ctx)
}

fn invalid_value_fixes(
    text: &str,
    analysis: &Analysis,
    d: &Diagnostic,
    index: usize,
    ctx: &FixContext,
) -> Vec<Action> {
    let Some((table, row, Some(spec))) = row_at(analysis, d.range) else {
        return Vec::new();
    };
    let _ = text;
    let column = row.iter().position(|c| c.range == d.range).unwrap_or(0);
    let header = table.header.get(column).map(|c| c.text.trim().to_owned());
    let closed = header.as_deref().and_then(|h| {
        spec.columns
            .iter()
            .find(|c| c.closed && c.name.trim().eq_ignore_ascii_case(h))
    });
    let kind = match closed {
        Some(col) => PlaceholderKind::Enum(col.values.clone()),
        None if column == 1 => match row_kind(row, spec) {
            Some(kind) => kind,
            None => return Vec::new(),
        },
        None => return Vec::new(),
    };
    value_fixes(&kind, d.range, ("", ""), index, ctx)
}

// ---------------------------------------------------------------------------
// missing-title and unclosed-fence

fn title_fix(analysis: &Analysis, index: usize, ctx: &FixContext) -> Option<Action> {
    let title = analysis.schema.title.as_ref()?;
    let source = analysis.schema.text(title.range);
    let rendered = skeleton::render(source, &analysis.schema, &ctx.names(), false);
    Some(quick(
        "Insert the template's title".to_owned(),
        index,
        vec![TextEdit::insert(0, format!("{rendered}\n\n"))],
        false,
    ))
}

/// Closes an unclosed fence where its block ends: at the end of the list
/// item or quote that holds it, or at the end of the document.
fn fence_fix(text: &str, tree: &PlanTree, d: &Diagnostic, index: usize) -> Option<Action> {
    let block = tree
        .code_blocks
        .iter()
        .find(|b| b.range.start == d.range.start)?;
    let line = line_start(text, d.range.start as usize);
    let opening = &text[line..d.range.end as usize];
    let indent_len = opening.find(['`', '~'])?;
    let indent = &opening[..indent_len];
    let fence: String = opening[indent_len..]
        .chars()
        .take_while(|c| matches!(c, '`' | '~'))
        .collect();
    let at = block.range.end as usize;
    let trail = if at == text.len() { "\n" } else { "" };
    let place = if at == text.len() {
        "at the end of the document"
    } else {
        "where its block ends"
    };
    Some(quick(
        format!("Close the code block {place}"),
        index,
        vec![TextEdit::insert(
            at as u32,
            format!("\n{indent}{fence}{trail}"),
        )],
        false,
    ))
}

#[cfg(test)]
#[allow(
    clippy::needless_raw_string_hashes,
    reason = "expect-test writes its snapshots as r#\"...\"# literals"
)]
mod tests {
    use std::fmt::Write as _;

    use expect_test::{Expect, expect};

    use super::*;
    use crate::plan::{DocContext, Schema, analyze, apply_edits};

    /// Lists the actions at the `$0` cursor, each with the lines its edits
    /// change in the result.
    fn check(fixture: &str, expect: &Expect) {
        let offset = fixture.find("$0").expect("fixture has a $0 cursor");
        let text = fixture.replace("$0", "");
        let name = "core-hardening-plan.md";
        let analysis = analyze(&text, &Schema::builtin(), &DocContext::named(name));
        let ctx = FixContext {
            now: "2026-01-16T13:47:18-0800".to_owned(),
            file_name: Some(name.to_owned()),
        };
        let mut out = String::new();
        for action in actions(&text, &analysis, TextRange::empty(offset), &ctx) {
            let fixes = action
                .fixes
                .map(|i| format!(" fixes {}", analysis.diagnostics[i].code))
                .unwrap_or_default();
            let safe = if action.safe { " (safe)" } else { "" };
            let _ = writeln!(out, "{:?}{fixes}{safe}: {}", action.kind, action.title);
            let after = apply_edits(&text, &action.edits);
            let before: Vec<&str> = text.lines().collect();
            for line in after.lines().filter(|l| !before.contains(l)).take(6) {
                let _ = writeln!(out, "    + {line}");
            }
        }
        expect.assert_eq(&out);
    }

    const OVERVIEW: &str = "# [Milestone-Slug]-[Task-Slug] Plan

## Overview

| Attribute | Value |
|-----------|-------|
| **Created** | [YYYY-MM-DDTHH:MM:SS-TZ] |
| **Type** | [PoC or Feature or Issue or Refactor] |
";

    #[test]
    fn title_slugs_from_the_file_name() {
        check(
            &OVERVIEW.replacen("[Task", "[$0Task", 1),
            &expect![[r#"
                QuickFix fixes missing-section: Insert section `## Deliverables` from the template
                    + ## Deliverables
                    + Concrete capabilities this task delivers:
                    + - [Deliverable 1]
                    + - [Deliverable 2]
                    + - [Deliverable 3]
                    + - [Deliverable 4]
                QuickFix fixes missing-section: Insert section `## Prerequisites` from the template
                    + ## Prerequisites
                    + Complete these BEFORE starting implementation steps.
                    + ### 1. Identify Affected Tests
                    + **Why Needed**: Run only affected tests during implementation (not full suite)
                    + **Affected test files**:
                    + - `tests/test_[affected1].py` - [What it tests]
                QuickFix fixes missing-section: Insert section `## Success Criteria` from the template
                    + ## Success Criteria
                    + From `docs/[source-doc].md`:
                    + - [ ] [Criterion 1 - specific, measurable]
                    + - [ ] [Criterion 2 - specific, measurable]
                    + - [ ] [Criterion 3 - specific, measurable]
                    + - [ ] [Criterion 4 - specific, measurable]
                QuickFix fixes missing-section: Insert section `## Architecture` from the template
                    + ## Architecture
                    + ### File Structure
                    + ```
                    + [project-root]/
                    + ├── [new-folder]/
                    + │   ├── __init__.py           # [Purpose]
                QuickFix fixes missing-section: Insert section `## Implementation Steps` from the template
                    + ## Implementation Steps
                    + **Approach**: [Brief description of implementation strategy - e.g., "Build bottom-up", "Test each layer independently", etc.]
                    + > ⚠️ **Each step includes its tests.** Write code, write tests, run tests, verify all pass—then move on. Never separate code and tests into different steps.
                    + ### Step 0: [Setup/Infrastructure]
                    + **Goal**: [What this step accomplishes]
                    + - [ ] [Setup item 1]
                QuickFix fixes missing-section: Insert section `## Test Summary` from the template
                    + ## Test Summary
                    + ### Affected Tests (Run These)
                    + | Test File | Tests | What It Covers |
                    + |-----------|-------|----------------|
                    + | `tests/test_[affected1].py` | ~X | [Description] |
                    + | `tests/test_[affected2].py` | ~X | [Description] |
                QuickFix fixes missing-section: Insert section `## Production-Grade Checklist` from the template
                    + ## Production-Grade Checklist
                    + Before marking task complete, verify:
                    + - [ ] **OOP Design**: Classes with single responsibility and clear interfaces
                    + - [ ] **Pydantic Models**: All data structures use Pydantic (no raw dicts for structured data)
                    + - [ ] **Strong Typing**: Type hints on all functions, methods, and class attributes
                    + - [ ] **No mock data**: All data comes from real sources (DB, API, files)
                QuickFix fixes missing-section: Insert section `## What "Done" Looks Like` from the template
                    + ## What "Done" Looks Like
                    + ```bash
                    + # 1. Affected tests pass
                    + cd [directory] && uv run pytest tests/test_[affected1].py tests/test_[affected2].py -v --tb=short
                    + # Expected: All pass
                    + # 2. (Optional) Full suite - only if time permits
                QuickFix fixes missing-section: Insert section `## Files to Create/Modify` from the template
                    + ## Files to Create/Modify
                    + | File | Action | Status |
                    + |------|--------|--------|
                    + | `[path/to/new-file.py]` | Create | Pending: [purpose] |
                    + | `[path/to/existing-file.py]` | Modify | Pending: [what changes] |
                    + | `tests/test_core_hardening_*.py` | Create | Pending: all tests |
                QuickFix fixes missing-section: Insert section `## Dependencies` from the template
                    + ## Dependencies
                    + Update `[path/to/pyproject.toml]`:
                    + ```toml
                    + dependencies = [
                    +     "[existing-dep]>=X.Y.Z",
                    +     "[new-dep]>=X.Y.Z",  # Add for [reason]
                QuickFix fixes missing-section: Insert section `## Risks & Mitigations` from the template
                    + ## Risks & Mitigations
                    + | Risk | Likelihood | Mitigation |
                    + |------|------------|------------|
                    + | [Risk 1] | H/M/L | [Strategy] |
                    + | [Risk 2] | H/M/L | [Strategy] |
                    + ---
                QuickFix fixes missing-section: Insert section `## Next Steps After Completion` from the template
                    + ## Next Steps After Completion
                    + 1. ✅ Verify affected tests pass (~X tests)
                    + 2. ✅ Verify [specific success criteria]
                    + 3. → Proceed to next task: [Next task]
                QuickFix fixes unfilled-placeholder (safe): Fill `[Task-Slug]` with `Hardening` from the file name
                    + # [Milestone-Slug]-Hardening Plan
                Source: Insert all missing sections from the template
                    + ## Deliverables
                    + Concrete capabilities this task delivers:
                    + - [Deliverable 1]
                    + - [Deliverable 2]
                    + - [Deliverable 3]
                    + - [Deliverable 4]
                SourceFixAll (safe): Fix all safe plan-lsp problems
                    + # Core-Hardening Plan
            "#]],
        );
    }

    #[test]
    fn timestamp_and_enum() {
        check(
            &OVERVIEW.replacen("[YYYY", "[$0YYYY", 1),
            &expect![[r#"
                QuickFix fixes unfilled-placeholder: Fill in the current time `2026-01-16T13:47:18-0800`
                    + | **Created** | 2026-01-16T13:47:18-0800 |
                Source: Insert all missing sections from the template
                    + ## Deliverables
                    + Concrete capabilities this task delivers:
                    + - [Deliverable 1]
                    + - [Deliverable 2]
                    + - [Deliverable 3]
                    + - [Deliverable 4]
                SourceFixAll (safe): Fix all safe plan-lsp problems
                    + # Core-Hardening Plan
            "#]],
        );
    }

    const STEPS: &str = "# Core-Hardening Plan

## Implementation Steps

See Step 3 below, then Step 2.

### Step 0: Setup

**Goal**: a

### Step 1: Load

**Goal**: b

### Step 3: Parse Config

**Goal**: c

**Code**:
```python
x = 1
```

**Verification**:
```bash
pytest
```

**Output**: [X]/[X] tests passing

### Step [N]: Final
";

    #[test]
    fn renumber_steps_and_references() {
        check(
            &STEPS.replacen("Step 3:", "Step $03:", 1),
            &expect![[r#"
                QuickFix fixes step-without-tests: Add a Tests block to `Step 3: Parse Config` (class TestParseConfig)
                    + **Tests** (add to `tests/test_core_hardening_parse_config.py`):
                    + """Tests for [what this step does]."""
                    + class TestParseConfig:
                    +     """Tests for [component]."""
                    +     def test_[what_it_tests](self):
                    +         """[Description]."""
                QuickFix fixes step-numbering (safe): Renumber the items of `## Implementation Steps` (and references to them)
                    + See Step 2 below, then Step 2.
                    + ### Step 2: Parse Config
                RefactorRewrite (safe): Renumber the items of `## Implementation Steps`
                    + See Step 2 below, then Step 2.
                    + ### Step 2: Parse Config
                Source: Insert all missing sections from the template
                    + ## Overview
                    + | Attribute | Value |
                    + |-----------|-------|
                    + | **Created** | [YYYY-MM-DDTHH:MM:SS-TZ] |
                    + | **Name** | [Name] |
                    + | **Type** | [PoC or Feature or Issue or Refactor] |
                SourceFixAll (safe): Fix all safe plan-lsp problems
                    + See Step 2 below, then Step 2.
                    + ### Step 2: Parse Config
                    + ### Step 3: Final
            "#]],
        );
    }

    #[test]
    fn tests_block_for_a_step_without_tests() {
        check(
            &STEPS.replacen("### Step 3", "$0### Step 3", 1),
            &expect![[r#"
                QuickFix fixes step-without-tests: Add a Tests block to `Step 3: Parse Config` (class TestParseConfig)
                    + **Tests** (add to `tests/test_core_hardening_parse_config.py`):
                    + """Tests for [what this step does]."""
                    + class TestParseConfig:
                    +     """Tests for [component]."""
                    +     def test_[what_it_tests](self):
                    +         """[Description]."""
                RefactorRewrite (safe): Renumber the items of `## Implementation Steps`
                    + See Step 2 below, then Step 2.
                    + ### Step 2: Parse Config
                Source: Insert all missing sections from the template
                    + ## Overview
                    + | Attribute | Value |
                    + |-----------|-------|
                    + | **Created** | [YYYY-MM-DDTHH:MM:SS-TZ] |
                    + | **Name** | [Name] |
                    + | **Type** | [PoC or Feature or Issue or Refactor] |
                SourceFixAll (safe): Fix all safe plan-lsp problems
                    + See Step 2 below, then Step 2.
                    + ### Step 2: Parse Config
                    + ### Step 3: Final
            "#]],
        );
    }
}
