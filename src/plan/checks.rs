//! The rules. One small function per rule, each with a stable `Code`.
//!
//! Every rule reads the `PlanTree` and the `Schema`; none knows the default
//! template's sections by name.

use super::parse::{Cell, CodeBlock, Counter, PlanTree, Section, Subsection, Table};
use super::placeholder::{self, PlaceholderKind};
use super::template::{ItemSpec, Schema, SectionSpec, TableSpec};
use super::{Code, Diagnostic, TextRange};

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
    let mut out = Vec::new();
    let fence = tree.unclosed_fence().map(|block| block.range.start);
    unclosed_fence(text, tree, &mut out);
    missing_title(tree, schema, &mut out);
    let matched = match_sections(tree, schema);
    section_order(tree, schema, &matched, &mut out);
    if fence.is_none() {
        missing_sections(tree, schema, &matched, &mut out);
    }
    unfilled_placeholders(text, tree, code_placeholders, &mut out);
    for (section, index) in tree.sections.iter().zip(&matched) {
        let Some(spec) = index.map(|i| &schema.sections[i]) else {
            continue;
        };
        tables(text, tree, section, spec, &mut out);
        if let Some(items) = &spec.items {
            items_rules(text, section, items, fence, &mut out);
        }
    }
    out.sort_by_key(|d| (d.range, d.code));
    out.dedup();
    out
}

fn diag(range: TextRange, code: Code, message: String) -> Diagnostic {
    Diagnostic {
        range,
        severity: code.default_severity(),
        code,
        message,
    }
}

/// `unclosed-fence`: a fenced code block whose closing fence is missing.
fn unclosed_fence(text: &str, tree: &PlanTree, out: &mut Vec<Diagnostic>) {
    let Some(block) = tree.unclosed_fence() else {
        return;
    };
    let start = block.range.start as usize;
    let line_end = text[start..block.range.end as usize]
        .find(['\n', '\r'])
        .map_or(block.range.end as usize, |i| start + i);
    let opening = text[start..line_end].trim_start_matches([' ', '\t', '>']);
    let fence_char = opening.chars().next().unwrap_or('`');
    let count = opening.chars().take_while(|&c| c == fence_char).count();
    let fence = format!(
        "{count} {}",
        if fence_char == '~' {
            "tildes"
        } else {
            "backticks"
        }
    );
    out.push(diag(
        TextRange::new(start, line_end),
        Code::UnclosedFence,
        format!(
            "This code block is never closed: add a closing fence line ({fence}); everything after it reads as code"
        ),
    ));
}

/// `missing-title`: a plan needs an H1 when its template has one.
fn missing_title(tree: &PlanTree, schema: &Schema, out: &mut Vec<Diagnostic>) {
    let Some(title) = &schema.title else {
        return;
    };
    if tree.title.is_some() {
        return;
    }
    out.push(diag(
        TextRange::empty(0),
        Code::MissingTitle,
        format!(
            "The plan has no `#` title; the template starts with `# {}`",
            title.text
        ),
    ));
}

/// For each section of the document, the index of the template section it
/// is, if any.
fn match_sections(tree: &PlanTree, schema: &Schema) -> Vec<Option<usize>> {
    tree.sections
        .iter()
        .map(|section| schema.section_index(&section.heading.text))
        .collect()
}

/// `section-order`: sections outside the longest run in template order.
fn section_order(
    tree: &PlanTree,
    schema: &Schema,
    matched: &[Option<usize>],
    out: &mut Vec<Diagnostic>,
) {
    let known: Vec<(usize, usize)> = matched
        .iter()
        .enumerate()
        .filter_map(|(pos, index)| index.map(|i| (pos, i)))
        .collect();
    let keep = longest_increasing(&known.iter().map(|&(_, i)| i).collect::<Vec<_>>());
    for (k, &(pos, index)) in known.iter().enumerate() {
        if keep[k] {
            continue;
        }
        let section = &tree.sections[pos];
        // Place it relative to the sections that are in order.
        let kept = || {
            known
                .iter()
                .zip(&keep)
                .filter(|(_, kept)| **kept)
                .map(|((_, i), _)| *i)
        };
        let where_ = match kept().filter(|&i| i > index).min() {
            Some(i) => format!("before `## {}`", schema.sections[i].name),
            None => match kept().filter(|&i| i < index).max() {
                Some(i) => format!("after `## {}`", schema.sections[i].name),
                None => "elsewhere".to_owned(),
            },
        };
        out.push(diag(
            section.heading.range,
            Code::SectionOrder,
            format!(
                "Section `## {}` is out of template order; it belongs {where_}",
                section.heading.text
            ),
        ));
    }
}

/// Marks the members of one longest strictly increasing subsequence.
fn longest_increasing(values: &[usize]) -> Vec<bool> {
    let n = values.len();
    let mut length = vec![1usize; n];
    let mut prev = vec![usize::MAX; n];
    for i in 0..n {
        for j in 0..i {
            if values[j] < values[i] && length[j] + 1 > length[i] {
                length[i] = length[j] + 1;
                prev[i] = j;
            }
        }
    }
    let mut keep = vec![false; n];
    let Some(mut at) = (0..n).max_by_key(|&i| (length[i], std::cmp::Reverse(i))) else {
        return keep;
    };
    loop {
        keep[at] = true;
        if prev[at] == usize::MAX {
            break;
        }
        at = prev[at];
    }
    keep
}

/// `missing-section`: required template sections the plan does not have.
fn missing_sections(
    tree: &PlanTree,
    schema: &Schema,
    matched: &[Option<usize>],
    out: &mut Vec<Diagnostic>,
) {
    let anchor = tree
        .title
        .as_ref()
        .map(|title| title.range)
        .or_else(|| tree.sections.first().map(|s| s.heading.range))
        .unwrap_or_default();
    for (index, spec) in schema.sections.iter().enumerate() {
        if spec.optional || matched.contains(&Some(index)) {
            continue;
        }
        let place = match index.checked_sub(1).map(|i| &schema.sections[i]) {
            Some(previous) => format!("in the template it follows `## {}`", previous.name),
            None => "in the template it comes first".to_owned(),
        };
        out.push(diag(
            anchor,
            Code::MissingSection,
            format!("Missing section `## {}`; {place}", spec.name),
        ));
    }
}

/// `unfilled-placeholder`: template placeholders left in the text.
fn unfilled_placeholders(
    text: &str,
    tree: &PlanTree,
    code_placeholders: &[TextRange],
    out: &mut Vec<Diagnostic>,
) {
    for &token in tree.placeholders.iter().chain(code_placeholders) {
        let written = &text[token.as_usize()];
        let inner = &written[1..written.len() - 1];
        let message = match PlaceholderKind::classify(inner) {
            PlaceholderKind::Text => {
                format!("Unfilled placeholder `{written}`: replace it with real content")
            }
            kind => format!(
                "Unfilled placeholder `{written}`: replace it with {}",
                kind.describe()
            ),
        };
        out.push(diag(token, Code::UnfilledPlaceholder, message));
    }
}

/// Required rows, value kinds and column enums of the section's tables.
fn tables(
    text: &str,
    tree: &PlanTree,
    section: &Section,
    spec: &SectionSpec,
    out: &mut Vec<Diagnostic>,
) {
    for table in section.tables() {
        let Some(table_spec) = matching_table(table, &spec.tables) else {
            continue;
        };
        required_rows(text, tree, section, table, table_spec, out);
        column_values(text, tree, table, table_spec, out);
    }
}

/// The template table with the same first column name.
fn matching_table<'s>(table: &Table, specs: &'s [TableSpec]) -> Option<&'s TableSpec> {
    let first = table.header.first()?.text.trim();
    specs.iter().find(|spec| {
        spec.columns
            .first()
            .is_some_and(|c| c.name.trim().eq_ignore_ascii_case(first))
    })
}

fn is_placeholder(tree: &PlanTree, cell: &Cell) -> bool {
    tree.placeholders
        .iter()
        .any(|p| cell.range.start <= p.start && p.end <= cell.range.end)
}

fn required_rows(
    text: &str,
    tree: &PlanTree,
    section: &Section,
    table: &Table,
    spec: &TableSpec,
    out: &mut Vec<Diagnostic>,
) {
    let header = header_range(table);
    for row_spec in &spec.rows {
        let row = table.rows.iter().find(|row| {
            row.first().is_some_and(|c| {
                placeholder::clean_value(&c.text).eq_ignore_ascii_case(&row_spec.key)
            })
        });
        let Some(row) = row else {
            out.push(diag(
                header,
                Code::MissingField,
                format!(
                    "The {} table has no `**{}**` row{}",
                    section.heading.text,
                    row_spec.key,
                    guidance_suffix(&row_spec.guidance)
                ),
            ));
            continue;
        };
        let Some(value) = row.get(1) else {
            continue;
        };
        if value.text.trim().is_empty() {
            out.push(diag(
                row[0].range,
                Code::MissingField,
                format!(
                    "`{}` has no value{}",
                    row_spec.key,
                    guidance_suffix(&row_spec.guidance)
                ),
            ));
            continue;
        }
        if is_placeholder(tree, value) || row_spec.kind.accepts(&text[value.range.as_usize()]) {
            continue;
        }
        out.push(diag(
            value.range,
            Code::InvalidValue,
            format!(
                "`{}` must be {}, not `{}`",
                row_spec.key,
                row_spec.kind.describe(),
                value.text.trim()
            ),
        ));
    }
}

fn guidance_suffix(guidance: &str) -> String {
    if guidance.is_empty() {
        String::new()
    } else {
        format!(" ({guidance})")
    }
}

/// The header row of a table: from the table start to the end of its line.
fn header_range(table: &Table) -> TextRange {
    let end = table.header.last().map_or(table.range.end, |c| c.range.end);
    TextRange {
        start: table.range.start,
        end: end.max(table.range.start),
    }
}

fn column_values(
    text: &str,
    tree: &PlanTree,
    table: &Table,
    spec: &TableSpec,
    out: &mut Vec<Diagnostic>,
) {
    for column in spec.columns.iter().filter(|c| c.closed) {
        let Some(index) = table
            .header
            .iter()
            .position(|h| h.text.trim().eq_ignore_ascii_case(column.name.trim()))
        else {
            continue;
        };
        for row in &table.rows {
            let Some(cell) = row.get(index) else {
                continue;
            };
            let value = cell.text.trim();
            if value.is_empty() || is_placeholder(tree, cell) {
                continue;
            }
            if column.placeholder.as_deref() == Some(value) {
                out.push(diag(
                    cell.range,
                    Code::UnfilledPlaceholder,
                    format!(
                        "Unfilled placeholder `{value}`: replace it with one of {}",
                        column.values.join(", ")
                    ),
                ));
                continue;
            }
            let kind = PlaceholderKind::Enum(column.values.clone());
            if !kind.accepts(&text[cell.range.as_usize()]) {
                out.push(diag(
                    cell.range,
                    Code::InvalidValue,
                    format!(
                        "`{}` must be {}, not `{value}`",
                        column.name.trim(),
                        kind.describe()
                    ),
                ));
            }
        }
    }
}

/// The subsections of a section that are instances of its item spec.
pub fn items<'t>(
    section: &'t Section,
    spec: &ItemSpec,
) -> impl Iterator<Item = (&'t Subsection, &'t Counter)> {
    section.subsections.iter().filter_map(move |sub| {
        let counter = sub.counter.as_ref()?;
        counter
            .prefix
            .eq_ignore_ascii_case(&spec.prefix)
            .then_some((sub, counter))
    })
}

fn item_name(spec: &ItemSpec, number: u32, suffix: &str) -> String {
    if spec.prefix.is_empty() {
        format!("{number}{suffix}")
    } else {
        format!("{} {number}{suffix}", spec.prefix)
    }
}

fn items_rules(
    text: &str,
    section: &Section,
    spec: &ItemSpec,
    fence: Option<u32>,
    out: &mut Vec<Diagnostic>,
) {
    numbering(section, spec, out);
    for (sub, counter) in items(section, spec) {
        // Struck-through items, items swallowed by an unclosed fence, and
        // `...` placeholders for "more like the above" (as in the template)
        // have no fields to check.
        if sub.heading.struck
            || fence.is_some_and(|f| sub.range.contains(f) || f < sub.range.start)
            || super::template::is_ellipsis(text, sub)
        {
            continue;
        }
        // Names are built only for the items that get a finding.
        // `Step 3` names a step; an item without a word before its number
        // (`### 1. Identify Affected Tests`) is named by its heading.
        let name = || match counter.number {
            Some(n) if !spec.prefix.is_empty() => item_name(spec, n, &counter.suffix),
            _ => format!("`{}`", sub.heading.text),
        };
        missing_fields(sub, spec, &name, out);
        without_tests(sub, spec, counter, &name, out);
    }
}

/// `step-numbering`: gaps, duplicates and backward steps.
fn numbering(section: &Section, spec: &ItemSpec, out: &mut Vec<Diagnostic>) {
    let mut prev: Option<(u32, &str)> = None;
    for (_, counter) in items(section, spec) {
        let Some(n) = counter.number else {
            continue;
        };
        let here = || item_name(spec, n, &counter.suffix);
        let problem = match prev {
            None if n != spec.start && counter.suffix.is_empty() => Some(format!(
                "Numbering starts at {}; expected {} here, found {}",
                spec.start,
                item_name(spec, spec.start, ""),
                here()
            )),
            None => None,
            Some((p, psuf)) => step_problem(spec, (p, psuf), (n, &counter.suffix), &here),
        };
        if let Some(message) = problem {
            out.push(diag(counter.range, Code::StepNumbering, message));
        }
        prev = Some((n, counter.suffix.as_str()));
    }
}

fn step_problem(
    spec: &ItemSpec,
    prev: (u32, &str),
    here_n: (u32, &str),
    here: &dyn Fn() -> String,
) -> Option<String> {
    let (p, psuf) = prev;
    let (n, suffix) = here_n;
    if n == p + 1 {
        return None;
    }
    let before = item_name(spec, p, psuf);
    let here = here();
    if n == p {
        if !suffix.is_empty() && suffix > psuf {
            return None;
        }
        return Some(format!(
            "Duplicate {here}: it repeats the number of {before}"
        ));
    }
    if n < p {
        return Some(format!("{here} comes after {before}; numbers must go up"));
    }
    Some(format!(
        "Numbering skips from {before} to {here}; expected {}",
        item_name(spec, p + 1, "")
    ))
}

fn has_field(sub: &Subsection, label: &str) -> bool {
    sub.body
        .fields
        .iter()
        .any(|f| f.label.eq_ignore_ascii_case(label))
}

/// `missing-field`: expected fields absent from an item.
fn missing_fields(
    sub: &Subsection,
    spec: &ItemSpec,
    name: &dyn Fn() -> String,
    out: &mut Vec<Diagnostic>,
) {
    for field in spec.fields.iter().filter(|f| f.expected) {
        if has_field(sub, &field.label) {
            continue;
        }
        out.push(diag(
            sub.heading.range,
            Code::MissingField,
            format!(
                "{} has no `**{}**` field{}",
                name(),
                field.label,
                guidance_suffix(&field.guidance)
            ),
        ));
    }
}

/// `step-without-tests`: an item after the first with code but no tests,
/// when the template's items have both Code and Tests fields.
fn without_tests(
    sub: &Subsection,
    spec: &ItemSpec,
    counter: &Counter,
    name: &dyn Fn() -> String,
    out: &mut Vec<Diagnostic>,
) {
    let template_has = |label: &str| {
        spec.fields
            .iter()
            .any(|f| f.label.eq_ignore_ascii_case(label))
    };
    if !(template_has("Code") && template_has("Tests")) {
        return;
    }
    if counter.number.is_none_or(|n| n <= spec.start) {
        return;
    }
    let code_fields: Vec<_> = sub
        .body
        .fields
        .iter()
        .filter(|f| f.label.eq_ignore_ascii_case("Code"))
        .collect();
    if code_fields.is_empty() {
        return;
    }
    let has_tests = sub.body.fields.iter().any(|f| {
        f.label
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("test"))
    });
    // `**Code** (create `tests/test_x.py`)` is itself the tests.
    let code_is_tests = code_fields.iter().any(|f| {
        f.qualifier
            .as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b"test"))
    });
    if has_tests || code_is_tests {
        return;
    }
    out.push(diag(
        sub.heading.range,
        Code::StepWithoutTests,
        format!(
            "{} has a `**Code**` block but no `**Tests**` block; each step includes its tests",
            name()
        ),
    ));
}
