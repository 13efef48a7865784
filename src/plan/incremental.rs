//! Incremental reanalysis: after an edit, reparse only the affected region
//! and reuse the rest of the previous analysis.
//!
//! A `##` or `###` ATX heading at the start of a line is a point where the
//! markdown parser holds no state but the enclosing section: every block
//! before it is closed (a heading interrupts paragraphs, lists, quotes and
//! tables), unless a fenced code block or an HTML block is still open, and
//! then the line is no heading at all. So the text between two such headings
//! parses the same alone as inside the whole document.
//!
//! `reanalyze` reparses from the last such heading of the old tree before
//! the edit to the first one after it, checked by parsing the region
//! together with that heading's line: when the heading does not come out as
//! a heading (a fence or HTML block opened by the edit runs past it), the
//! region grows to a later heading, up to the end of the document. The old
//! tree's parts before and after the region are reused, shifted by the
//! edit's length change. The rules then run on the spliced tree, except the
//! scan of code for placeholders, which is redone for the region only.
//!
//! Invariant: `reanalyze(old, text, edit)` equals `analyze(text)` (same
//! tree, diagnostics and outline). Link reference definitions act on the
//! whole document, so any such definition makes it fall back to `analyze`.
//! `tests/incremental.rs` checks the invariant with random edits.

use std::sync::{Arc, OnceLock};

use super::analysis::{check, finish};
use super::parse::{self, Body, CodeBlock, Heading, PlanTree, Section, Subsection};
use super::{Analysis, DocContext, Role, Schema, TextRange, is_plan, rules};

/// One replacement in byte offsets: the old text's `start..old_end` became
/// the new text's `start..new_end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edit {
    pub start: u32,
    pub old_end: u32,
    pub new_end: u32,
}

impl Edit {
    /// The edit that replaces `range` with `new_len` bytes.
    #[must_use]
    pub fn replace(range: std::ops::Range<usize>, new_len: usize) -> Self {
        Self {
            start: range.start as u32,
            old_end: range.end as u32,
            new_end: (range.start + new_len) as u32,
        }
    }

    /// One edit covering `self` followed by `next` (whose offsets are in the
    /// text after `self`).
    #[must_use]
    pub fn then(self, next: Edit) -> Edit {
        let start = self.start.min(next.start);
        // The changed span in the text between the two edits.
        let mid_end = self.new_end.max(next.old_end);
        Edit {
            start,
            old_end: self.old_end + (mid_end - self.new_end),
            new_end: next.new_end + (mid_end - next.old_end),
        }
    }

    fn delta(self) -> i64 {
        i64::from(self.new_end) - i64::from(self.old_end)
    }
}

/// The analysis of `text`, which is `old`'s text changed by `edit`.
#[must_use]
pub fn reanalyze(
    old: &Analysis,
    text: &str,
    edit: Edit,
    schema: &Arc<Schema>,
    ctx: &DocContext,
) -> Analysis {
    let owned = Analysis {
        tree: old.tree.clone(),
        schema: Arc::clone(&old.schema),
        is_plan: old.is_plan,
        diagnostics: Vec::new(),
        outline: OnceLock::new(),
        code_placeholders: old.code_placeholders.clone(),
        rules: old.rules.clone(),
    };
    reanalyze_owned(owned, text, edit, schema, ctx)
}

/// `reanalyze`, reusing the old analysis's tree without copying it.
#[must_use]
pub fn reanalyze_owned(
    old: Analysis,
    text: &str,
    edit: Edit,
    schema: &Arc<Schema>,
    ctx: &DocContext,
) -> Analysis {
    if !Arc::ptr_eq(&old.schema, schema) || ctx.role == Role::Config {
        return super::analyze(text, schema, ctx);
    }
    let Some(plan) = plan_region(&old.tree, text, edit) else {
        return super::analyze(text, schema, ctx);
    };
    let old_is_plan = old.is_plan;
    let old_tokens = old.code_placeholders;
    let spliced = splice(old.tree, text, plan);
    let tree = spliced.tree;
    if !is_plan(text, &tree, schema, ctx) || !old_is_plan {
        return check(text, tree, schema, ctx);
    }
    let region = spliced.region;
    let blocks = &tree.code_blocks[spliced.blocks.clone()];
    let inline: Vec<TextRange> = tree
        .inline_code
        .iter()
        .filter(|r| region.contains(r.start))
        .copied()
        .collect();
    let mut tokens: Vec<TextRange> = old_tokens
        .iter()
        .filter(|r| r.start < region.start)
        .copied()
        .collect();
    tokens.extend(rules::code_placeholders(text, blocks, &inline, schema));
    tokens.extend(
        old_tokens
            .iter()
            .filter(|r| r.start >= spliced.old_region_end)
            .map(|&r| shift(r, spliced.delta)),
    );
    finish(text, tree, schema, ctx, Role::Plan, tokens)
}

/// The region `reanalyze` would reparse (in the new text), or `None` when
/// it would analyse the whole text; for tests.
#[must_use]
pub fn reparsed_region(old: &Analysis, text: &str, edit: Edit) -> Option<TextRange> {
    plan_region(&old.tree, text, edit).map(|plan| TextRange {
        start: plan.from,
        end: plan.to,
    })
}

/// A tree spliced from the old one and a reparsed region.
struct Spliced {
    tree: PlanTree,
    /// The reparsed region in the new text.
    region: TextRange,
    /// Where the region ended in the old text.
    old_region_end: u32,
    delta: i64,
    /// The indices of the region's code blocks in `tree.code_blocks`.
    blocks: std::ops::Range<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Section,
    Subsection,
}

impl Level {
    fn hashes(self) -> usize {
        match self {
            Level::Section => 2,
            Level::Subsection => 3,
        }
    }
}

/// A heading of the old tree: its start offset and level.
#[derive(Clone, Copy, Debug)]
struct Boundary {
    at: u32,
    level: Level,
}

fn boundaries(tree: &PlanTree) -> Vec<Boundary> {
    let mut out = Vec::new();
    for section in &tree.sections {
        out.push(Boundary {
            at: section.heading.range.start,
            level: Level::Section,
        });
        for sub in &section.subsections {
            out.push(Boundary {
                at: sub.heading.range.start,
                level: Level::Subsection,
            });
        }
    }
    out
}

/// Whether an ATX heading of `level` starts a line at `at`.
fn is_atx(text: &str, at: usize, level: Level) -> bool {
    let bytes = text.as_bytes();
    if at > 0 && !matches!(bytes.get(at - 1), Some(b'\n' | b'\r')) {
        return false;
    }
    let hashes = level.hashes();
    let Some(marks) = bytes.get(at..at + hashes) else {
        return false;
    };
    marks.iter().all(|&b| b == b'#')
        && matches!(
            bytes.get(at + hashes),
            None | Some(b' ' | b'\t' | b'\n' | b'\r')
        )
}

fn shift_u32(offset: u32, delta: i64) -> u32 {
    u32::try_from(i64::from(offset) + delta).unwrap_or(0)
}

fn plan_region(old: &PlanTree, text: &str, edit: Edit) -> Option<RegionPlan> {
    let delta = edit.delta();
    let consistent = edit.start <= edit.old_end
        && edit.start <= edit.new_end
        && edit.old_end <= old.len
        && i64::try_from(text.len()).ok() == Some(i64::from(old.len) + delta);
    if !consistent || !old.link_definitions.is_empty() {
        return None;
    }
    let bounds = boundaries(old);
    // The last heading before the edit whose `## ` marker the edit leaves
    // alone; offset 0 when there is none.
    let start = bounds
        .iter()
        .rev()
        .find(|b| {
            b.at as usize + b.level.hashes() < edit.start as usize
                && is_atx(text, b.at as usize, b.level)
        })
        .copied();
    // Headings after the edit that are still headings of the same level.
    let ends: Vec<Boundary> = bounds
        .iter()
        .filter(|b| b.at > edit.old_end && is_atx(text, shift_u32(b.at, delta) as usize, b.level))
        .copied()
        .collect();
    let mut next = 0;
    let mut step = 1;
    loop {
        let end = ends.get(next).copied();
        if let Some(plan) = try_region(text, start, end, delta) {
            return Some(plan);
        }
        end?;
        next += step;
        step *= 2;
        if next >= ends.len() && next < ends.len() + step {
            next = ends.len();
        }
    }
}

/// A reparsed region and where it goes.
struct RegionPlan {
    region: PlanTree,
    from: u32,
    to: u32,
    start: Option<Boundary>,
    end: Option<Boundary>,
    delta: i64,
}

/// Reparses from `start` to `end` (old boundaries), or `None` when the
/// heading at `end` does not line up.
fn try_region(
    text: &str,
    start: Option<Boundary>,
    end: Option<Boundary>,
    delta: i64,
) -> Option<RegionPlan> {
    let from = start.map_or(0, |b| b.at as usize);
    let to = end.map_or(text.len(), |b| shift_u32(b.at, delta) as usize);
    let stop = match end {
        Some(_) => text[to..].find(['\n', '\r']).map_or(text.len(), |i| to + i),
        None => text.len(),
    };
    let slice = &text[from..stop];
    let in_section = start.is_some_and(|b| b.level == Level::Subsection);
    let mut region = if in_section {
        parse::parse_in_section(slice)
    } else {
        parse::parse(slice)
    };
    if !region.link_definitions.is_empty() {
        return None;
    }
    if let Some(end) = end {
        let rel = (to - from) as u32;
        let lined_up = match end.level {
            Level::Section => region
                .sections
                .last()
                .is_some_and(|s| s.heading.range.start == rel && s.subsections.is_empty()),
            Level::Subsection => region
                .sections
                .last()
                .and_then(|s| s.subsections.last())
                .is_some_and(|sub| sub.heading.range.start == rel),
        };
        if !lined_up {
            return None;
        }
        match end.level {
            Level::Section => {
                region.sections.pop();
            }
            Level::Subsection => {
                region.sections.last_mut()?.subsections.pop();
            }
        }
        region.placeholders.retain(|r| r.start < rel);
        region.inline_code.retain(|r| r.start < rel);
        region.comments.retain(|r| r.start < rel);
        if region.code_blocks.iter().any(|b| b.range.start >= rel) {
            return None;
        }
    }
    Some(RegionPlan {
        region,
        from: from as u32,
        to: to as u32,
        start,
        end,
        delta,
    })
}

fn splice(old: PlanTree, text: &str, plan: RegionPlan) -> Spliced {
    let RegionPlan {
        mut region,
        from,
        to,
        start,
        end,
        delta,
    } = plan;
    let old_end = end.map_or(old.len, |b| b.at);
    let from_sub = start.is_some_and(|b| b.level == Level::Subsection);
    let PlanTree {
        title,
        preamble,
        mut sections,
        code_blocks: mut blocks,
        inline_code,
        placeholders,
        comments,
        ..
    } = old;
    let old_lists = PlanTree {
        inline_code,
        placeholders,
        comments,
        ..PlanTree::default()
    };
    let prefix_blocks = blocks.partition_point(|b| b.range.start < from);
    let suffix_blocks = blocks.partition_point(|b| b.range.start < old_end);
    shift_tree(&mut region, i64::from(from), prefix_blocks);
    let region_blocks = region.code_blocks.len();
    let remap = |i: usize| i - suffix_blocks + prefix_blocks + region_blocks;
    let mut suffix = blocks.split_off(suffix_blocks);
    blocks.truncate(prefix_blocks);
    for block in &mut suffix {
        shift_block(block, delta);
    }
    blocks.append(&mut region.code_blocks);
    blocks.append(&mut suffix);
    let mut tree = PlanTree {
        len: text.len() as u32,
        code_blocks: blocks,
        ..PlanTree::default()
    };
    if start.is_some() {
        tree.title = title;
        tree.preamble = preamble;
    } else {
        tree.title = region.title.take();
        tree.preamble = std::mem::take(&mut region.preamble);
    }
    splice_lists(&old_lists, &mut region, &mut tree, from, old_end, delta);
    // Split the old sections: those after the region, the subsections after
    // it of the section it ends in, and those before it.
    let first_after = sections.partition_point(|s| s.heading.range.start < old_end);
    let mut suffix_sections = sections.split_off(first_after);
    let mut suffix_subs = match (end, sections.last_mut()) {
        (Some(b), Some(cut)) if b.level == Level::Subsection => {
            let at = cut
                .subsections
                .partition_point(|s| s.heading.range.start < old_end);
            cut.subsections.split_off(at)
        }
        _ => Vec::new(),
    };
    let prefix = sections.partition_point(|s| s.heading.range.start < from);
    sections.truncate(prefix);
    let mut region_sections = std::mem::take(&mut region.sections).into_iter();
    if from_sub {
        let continued = region_sections.next().unwrap_or_default();
        if let Some(last) = sections.last_mut() {
            last.subsections.retain(|s| s.heading.range.start < from);
            last.subsections.extend(continued.subsections);
        }
    }
    // The untouched sections before the region keep their ranges; the one
    // cut at the region and everything up to the suffix get new ones.
    let seam_from = prefix.saturating_sub(usize::from(from_sub));
    sections.extend(region_sections);
    for sub in &mut suffix_subs {
        shift_subsection(sub, delta, &remap);
    }
    if let Some(last) = sections.last_mut() {
        last.subsections.append(&mut suffix_subs);
    }
    let seam_to = sections.len();
    let seam_end = suffix_sections.first().map_or(text.len(), |s| {
        shift_u32(s.heading.range.start, delta) as usize
    });
    parse::set_ranges(text, &mut sections[seam_from..seam_to], seam_end);
    for section in &mut suffix_sections {
        shift_section(section, delta, &remap);
    }
    sections.append(&mut suffix_sections);
    tree.sections = sections;
    Spliced {
        tree,
        region: TextRange {
            start: from,
            end: to,
        },
        old_region_end: old_end,
        delta,
        blocks: prefix_blocks..prefix_blocks + region_blocks,
    }
}

/// Splices the position-ordered range lists of the tree.
fn splice_lists(
    old: &PlanTree,
    region: &mut PlanTree,
    tree: &mut PlanTree,
    from: u32,
    old_end: u32,
    delta: i64,
) {
    let lists = [
        (
            &old.inline_code,
            &mut region.inline_code,
            &mut tree.inline_code,
        ),
        (
            &old.placeholders,
            &mut region.placeholders,
            &mut tree.placeholders,
        ),
        (&old.comments, &mut region.comments, &mut tree.comments),
    ];
    for (old_list, region_list, out) in lists {
        out.extend(old_list.iter().filter(|r| r.start < from).copied());
        out.append(region_list);
        out.extend(
            old_list
                .iter()
                .filter(|r| r.start >= old_end)
                .map(|&r| shift(r, delta)),
        );
    }
}

fn shift(range: TextRange, delta: i64) -> TextRange {
    TextRange {
        start: shift_u32(range.start, delta),
        end: shift_u32(range.end, delta),
    }
}

fn shift_heading(heading: &mut Heading, delta: i64) {
    heading.range = shift(heading.range, delta);
    heading.text_range = shift(heading.text_range, delta);
}

fn shift_body(body: &mut Body, delta: i64, remap: &impl Fn(usize) -> usize) {
    for field in &mut body.fields {
        field.range = shift(field.range, delta);
        field.line = shift(field.line, delta);
    }
    for table in &mut body.tables {
        table.range = shift(table.range, delta);
        for cell in table
            .header
            .iter_mut()
            .chain(table.rows.iter_mut().flatten())
        {
            cell.range = shift(cell.range, delta);
        }
    }
    for task in &mut body.tasks {
        task.marker = shift(task.marker, delta);
    }
    for index in &mut body.code_blocks {
        *index = remap(*index);
    }
    body.first_block = body.first_block.map(|r| shift(r, delta));
}

fn shift_subsection(sub: &mut Subsection, delta: i64, remap: &impl Fn(usize) -> usize) {
    shift_heading(&mut sub.heading, delta);
    sub.range = shift(sub.range, delta);
    if let Some(counter) = sub.counter.as_mut() {
        counter.range = shift(counter.range, delta);
    }
    shift_body(&mut sub.body, delta, remap);
}

fn shift_section(section: &mut Section, delta: i64, remap: &impl Fn(usize) -> usize) {
    shift_heading(&mut section.heading, delta);
    section.range = shift(section.range, delta);
    shift_body(&mut section.body, delta, remap);
    for sub in &mut section.subsections {
        shift_subsection(sub, delta, remap);
    }
}

fn shift_block(block: &mut CodeBlock, delta: i64) {
    block.range = shift(block.range, delta);
    block.content = shift(block.content, delta);
}

/// Moves a tree parsed from a slice to the slice's offset in the document,
/// with `blocks` code blocks before it.
fn shift_tree(tree: &mut PlanTree, delta: i64, blocks: usize) {
    if let Some(title) = tree.title.as_mut() {
        shift_heading(title, delta);
    }
    for field in &mut tree.preamble {
        field.range = shift(field.range, delta);
        field.line = shift(field.line, delta);
    }
    for section in &mut tree.sections {
        shift_section(section, delta, &|i| i + blocks);
    }
    for block in &mut tree.code_blocks {
        shift_block(block, delta);
    }
    for list in [
        &mut tree.inline_code,
        &mut tree.placeholders,
        &mut tree.comments,
        &mut tree.link_definitions,
    ] {
        for range in list.iter_mut() {
            *range = shift(*range, delta);
        }
    }
    tree.len = shift_u32(tree.len, delta);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_compose() {
        // "abcdef": replace "bc" with "XYZ" -> "aXYZdef"; then delete "Zd"
        // -> "aXYef". One edit: "bcd" (1..4) became "XY" (1..3).
        let first = Edit::replace(1..3, 3);
        let second = Edit::replace(3..5, 0);
        assert_eq!(
            first.then(second),
            Edit {
                start: 1,
                old_end: 4,
                new_end: 3
            }
        );
        // An edit before the first one: "abcdef" -> "abXdef" (2..3 -> "X"),
        // then insert "Q" at 0 -> "QabXdef": 0..3 became 0..4.
        let first = Edit::replace(2..3, 1);
        let second = Edit::replace(0..0, 1);
        assert_eq!(
            first.then(second),
            Edit {
                start: 0,
                old_end: 3,
                new_end: 4
            }
        );
    }
}
