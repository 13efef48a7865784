//! The template is the schema: a template markdown file in, a `Schema` out.
//!
//! - each `##` heading is a section, in template order; a section whose body
//!   starts with `_(Optional ...)_` is optional;
//! - `###` headings that repeat with a counter (`### Step 1: [Name]`,
//!   `### 2. [Prerequisite Name]`) form a repeatable item with a numbering
//!   rule; bold labels at line start in them are fields, and a field present
//!   in every instance is expected;
//! - a table's header row gives its columns, bold first-column keys give
//!   required rows, and placeholders in cells give value kinds and enums;
//! - bracketed tokens are placeholders; the ones inside code are remembered
//!   so that the same tokens left in a plan's code can be found.
//!
//! Nothing here knows the default template: any template works.

use std::collections::BTreeSet;
use std::sync::Arc;

use std::fmt::Write as _;

use super::TextRange;
use super::parse::{self, Counter, PlanTree, Subsection, Table};
use super::placeholder::{self, PlaceholderKind};

/// The built-in default template, the seed template of the plan family.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/plan-template.md");

/// The expected structure of a plan, derived from a template.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Where the template came from (`built-in` or a path), for messages.
    pub origin: String,
    /// The template's text; skeleton ranges point into it.
    pub source: Arc<str>,
    /// The template's title line, when it has one.
    pub title: Option<TitleSpec>,
    pub sections: Vec<SectionSpec>,
    /// Placeholder texts (without brackets) that the template uses inside
    /// code blocks and inline code.
    pub code_tokens: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub struct TitleSpec {
    /// The title text as written in the template.
    pub text: String,
    pub range: TextRange,
}

#[derive(Debug, Clone)]
pub struct SectionSpec {
    /// The heading text as written in the template.
    pub name: String,
    pattern: Pattern,
    pub optional: bool,
    /// The section in the template source, heading included.
    pub skeleton: TextRange,
    /// The first paragraph of the section, as guidance.
    pub guidance: String,
    pub items: Option<ItemSpec>,
    pub tables: Vec<TableSpec>,
}

/// A repeatable numbered `###` item such as `Step N` or `N.`.
#[derive(Debug, Clone)]
pub struct ItemSpec {
    /// The word before the number (`Step`), empty for `1.`-style items.
    pub prefix: String,
    /// The number of the first instance in the template.
    pub start: u32,
    /// The character after the number in the template (`:` or `.`).
    pub separator: Option<char>,
    pub fields: Vec<FieldSpec>,
    /// The fullest instance in the template, used as the skeleton.
    pub skeleton: TextRange,
}

#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub label: String,
    /// Present in every instance of the template, hence expected.
    pub expected: bool,
    /// The template's guidance text after the label.
    pub guidance: String,
}

#[derive(Debug, Clone)]
pub struct TableSpec {
    pub columns: Vec<ColumnSpec>,
    /// Rows whose first cell is a bold key (`**Created**`): required.
    pub rows: Vec<RowSpec>,
}

#[derive(Debug, Clone)]
pub struct ColumnSpec {
    pub name: String,
    /// Values the template offers in this column.
    pub values: Vec<String>,
    /// Whether the values are the only ones allowed (an enum placeholder
    /// such as `H/M/L`), or merely suggestions (`Create`, `Modify`).
    pub closed: bool,
    /// The placeholder text of a closed column (`H/M/L`), itself unfilled.
    pub placeholder: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RowSpec {
    pub key: String,
    pub kind: PlaceholderKind,
    pub guidance: String,
}

/// A heading pattern: literal pieces with placeholder wildcards between.
#[derive(Debug, Clone)]
struct Pattern {
    pieces: Vec<String>,
    /// Whether the heading had placeholders at all.
    wild: bool,
}

impl Pattern {
    fn new(heading: &str) -> Self {
        let mut pieces = vec![String::new()];
        let mut wild = false;
        let mut rest = heading;
        while let Some(open) = rest.find('[') {
            let Some(close) = rest[open..].find(']') else {
                break;
            };
            if let Some(last) = pieces.last_mut() {
                last.push_str(&rest[..open]);
            }
            pieces.push(String::new());
            wild = true;
            rest = &rest[open + close + 1..];
        }
        if let Some(last) = pieces.last_mut() {
            last.push_str(rest);
        }
        let pieces = pieces.iter().map(|p| normalize(p)).collect();
        Self { pieces, wild }
    }

    fn matches(&self, heading: &str) -> bool {
        let heading = normalize(heading);
        if !self.wild {
            return heading == self.pieces[0];
        }
        let mut rest = heading.as_str();
        let last = self.pieces.len() - 1;
        for (i, piece) in self.pieces.iter().enumerate() {
            if i == 0 {
                let Some(after) = rest.strip_prefix(piece.as_str()) else {
                    return false;
                };
                rest = after;
            } else if i == last {
                return rest.len() > piece.len() && rest.ends_with(piece.as_str());
            } else {
                let Some(at) = rest.get(1..).and_then(|r| r.find(piece.as_str())) else {
                    return false;
                };
                rest = &rest[1 + at + piece.len()..];
            }
        }
        true
    }
}

/// Heading text for comparison: lower case, straight quotes, single spaces,
/// no trailing colon.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.trim_end_matches(':')
        .to_lowercase()
        .replace(['\u{201c}', '\u{201d}'], "\"")
        .replace(['\u{2018}', '\u{2019}'], "'")
}

impl Schema {
    /// The schema of the built-in default template.
    #[must_use]
    pub fn builtin() -> Arc<Schema> {
        static BUILTIN: std::sync::OnceLock<Arc<Schema>> = std::sync::OnceLock::new();
        Arc::clone(
            BUILTIN.get_or_init(|| Arc::new(Schema::from_template(DEFAULT_TEMPLATE, "built-in"))),
        )
    }

    /// Derives a schema from a template's markdown. Never fails; a template
    /// without sections gives a schema that expects nothing.
    #[must_use]
    pub fn from_template(text: &str, origin: &str) -> Schema {
        let tree = parse::parse(text);
        let title = tree.title.as_ref().map(|t| TitleSpec {
            text: t.text.clone(),
            range: t.range,
        });
        let sections = tree
            .sections
            .iter()
            .map(|section| section_spec(text, &tree, section))
            .collect();
        Schema {
            origin: origin.to_owned(),
            source: Arc::from(text),
            title,
            sections,
            code_tokens: code_tokens(text, &tree),
        }
    }

    /// The template section that a heading names.
    #[must_use]
    pub fn section_spec(&self, heading: &str) -> Option<&SectionSpec> {
        self.section_index(heading).map(|i| &self.sections[i])
    }

    /// The repeatable item of the template section that a heading names.
    #[must_use]
    pub fn item_spec(&self, heading: &str) -> Option<&ItemSpec> {
        self.section_spec(heading)?.items.as_ref()
    }

    /// The index of the template section that a heading names.
    #[must_use]
    pub fn section_index(&self, heading: &str) -> Option<usize> {
        self.sections
            .iter()
            .position(|spec| spec.pattern.matches(heading))
    }

    /// The template text of a range.
    #[must_use]
    pub fn text(&self, range: TextRange) -> &str {
        &self.source[range.as_usize()]
    }
}

impl SectionSpec {
    /// The template table that a document table is, by its first column's
    /// name.
    #[must_use]
    pub fn table_spec(&self, table: &Table) -> Option<&TableSpec> {
        let first = table.header.first()?.text.trim();
        self.tables.iter().find(|spec| {
            spec.columns
                .first()
                .is_some_and(|c| c.name.trim().eq_ignore_ascii_case(first))
        })
    }
}

impl ItemSpec {
    /// The subsections of a section that are instances of this item.
    pub fn instances<'t>(
        &self,
        section: &'t parse::Section,
    ) -> impl Iterator<Item = (&'t Subsection, &'t Counter)> {
        section.subsections.iter().filter_map(move |sub| {
            let counter = sub.counter.as_ref()?;
            counter
                .prefix
                .eq_ignore_ascii_case(&self.prefix)
                .then_some((sub, counter))
        })
    }

    /// The position of the field `label` in template order.
    #[must_use]
    pub fn field_index(&self, label: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.label.eq_ignore_ascii_case(label))
    }

    /// The template's Tests field, if its items have one.
    #[must_use]
    pub fn tests_field(&self) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| is_tests_label(&f.label))
    }

    /// Whether `step-without-tests` applies: the template's items have both
    /// a Code and a Tests field.
    #[must_use]
    pub fn checks_tests(&self) -> bool {
        self.field_index("Code").is_some() && self.tests_field().is_some()
    }

    /// Whether an item has tests: a Tests field, or a Code field that
    /// creates a test file (`**Code** (create tests/test_x.py)`). This is
    /// the one definition the rules, completion, hover and fixes share.
    #[must_use]
    pub fn has_tests(sub: &Subsection) -> bool {
        sub.body.fields.iter().any(|f| {
            is_tests_label(&f.label)
                || (f.label.eq_ignore_ascii_case("Code")
                    && f.qualifier.to_ascii_lowercase().contains("test"))
        })
    }

    /// Whether an item instance is one the rules check: not struck
    /// through, and not a `...` stand-in for "more like the above".
    #[must_use]
    pub fn is_checked_instance(text: &str, sub: &Subsection) -> bool {
        !sub.heading.struck && !is_ellipsis(text, sub)
    }

    /// `Step 3`, `Step 4b`, or `3` for items without a word before the
    /// number.
    #[must_use]
    pub fn name(&self, number: u32, suffix: &str) -> String {
        if self.prefix.is_empty() {
            format!("{number}{suffix}")
        } else {
            format!("{} {number}{suffix}", self.prefix)
        }
    }

    /// How findings name an instance: `Step 3`, or the heading in backticks
    /// for items without a word before their number.
    #[must_use]
    pub fn instance_name(&self, sub: &Subsection, counter: &Counter) -> String {
        match counter.number {
            Some(n) if !self.prefix.is_empty() => self.name(n, &counter.suffix),
            _ => format!("`{}`", sub.heading.text),
        }
    }
}

/// Whether a field label names tests (`Tests`, `Test`, `Tests (unit)`).
#[must_use]
pub fn is_tests_label(label: &str) -> bool {
    label.to_ascii_lowercase().starts_with("test")
}

fn section_spec(text: &str, tree: &PlanTree, section: &parse::Section) -> SectionSpec {
    let first = section
        .body
        .first_block
        .map_or("", |range| &text[range.as_usize()]);
    let optional = first
        .trim_start_matches(['_', '*'])
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("(optional");
    let tables: Vec<&Table> = section.tables().collect();
    SectionSpec {
        name: section.heading.text.clone(),
        pattern: Pattern::new(&section.heading.text),
        optional,
        skeleton: section.range,
        guidance: guidance_text(first),
        items: item_spec(text, tree, &section.subsections),
        tables: tables.into_iter().map(|t| table_spec(text, t)).collect(),
    }
}

/// A paragraph as one line of guidance, without emphasis markers.
fn guidance_text(paragraph: &str) -> String {
    if paragraph.starts_with(['|', '`', '#', '-']) {
        return String::new();
    }
    let joined = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
    // Emphasis that wraps the whole paragraph (`_(Optional ...)_`) goes;
    // markers that open or close only a part (`**Approach**: ...`) stay.
    let mut inner = joined.as_str();
    for marker in ["**", "__", "*", "_"] {
        if let Some(unwrapped) = inner
            .strip_prefix(marker)
            .and_then(|rest| rest.strip_suffix(marker))
            .filter(|rest| !rest.contains(marker))
        {
            inner = unwrapped;
            break;
        }
    }
    inner.to_owned()
}

/// Numbered subsections grouped by their prefix (lower case), in order of
/// first appearance.
pub(crate) fn numbered_groups(subsections: &[Subsection]) -> Vec<(String, Vec<&Subsection>)> {
    let mut groups: Vec<(String, Vec<&Subsection>)> = Vec::new();
    for sub in subsections {
        let Some(counter) = &sub.counter else {
            continue;
        };
        let key = counter.prefix.to_lowercase();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(sub),
            None => groups.push((key, vec![sub])),
        }
    }
    groups
}

fn item_spec(text: &str, _tree: &PlanTree, subsections: &[Subsection]) -> Option<ItemSpec> {
    // The largest group of two or more numbered subsections with the same
    // prefix is the repeatable item (the last of equally large ones; a
    // template that has such a tie gets an `ambiguous-items` finding).
    let (_, members) = numbered_groups(subsections)
        .into_iter()
        .filter(|(_, members)| members.len() >= 2)
        .max_by_key(|(_, members)| members.len())?;
    let first = members[0].counter.as_ref()?;
    let start = members
        .iter()
        .filter_map(|m| m.counter.as_ref().and_then(|c| c.number))
        .min()
        .unwrap_or(1);
    let instances: Vec<&Subsection> = members
        .iter()
        .copied()
        .filter(|m| !is_elided(text, m))
        .collect();
    let mut fields: Vec<FieldSpec> = Vec::new();
    for instance in &instances {
        // A field new to the spec goes right after the field before it in
        // this instance, so that fields met in different instances keep the
        // order the template writes them in (Code, Tests, Verification,
        // Output, even when the first instance has no Tests).
        let mut after: Option<usize> = None;
        for field in &instance.body.fields {
            if let Some(at) = fields
                .iter()
                .position(|f| f.label.eq_ignore_ascii_case(&field.label))
            {
                after = Some(at);
                continue;
            }
            let count = instances
                .iter()
                .filter(|other| {
                    other
                        .body
                        .fields
                        .iter()
                        .any(|f| f.label.eq_ignore_ascii_case(&field.label))
                })
                .count();
            let at = after.map_or(0, |i| i + 1);
            fields.insert(
                at,
                FieldSpec {
                    label: field.label.clone(),
                    expected: count == instances.len(),
                    guidance: field_guidance(text, &instances, &field.label),
                },
            );
            after = Some(at);
        }
    }
    let skeleton = instances
        .iter()
        .max_by_key(|m| (m.body.fields.len(), std::cmp::Reverse(m.range.start)))
        .map_or(members[0].range, |m| m.range);
    Some(ItemSpec {
        prefix: first.prefix.clone(),
        start,
        separator: first.separator,
        fields,
        skeleton,
    })
}

/// An instance whose body is only `...` stands for "more like the above".
/// An instance with no content stands for nothing to learn from.
fn is_elided(text: &str, sub: &Subsection) -> bool {
    content_lines(text, sub).next().is_none() || is_ellipsis(text, sub)
}

/// An instance whose only content is `...` stands for "more like the
/// above". Thematic breaks (`---`) between instances are not content.
pub(crate) fn is_ellipsis(text: &str, sub: &Subsection) -> bool {
    let mut lines = content_lines(text, sub);
    match (lines.next(), lines.next()) {
        (Some(only), None) => only == "..." || only == "\u{2026}",
        _ => false,
    }
}

fn content_lines<'t>(text: &'t str, sub: &Subsection) -> impl Iterator<Item = &'t str> {
    let body = &text[sub.heading.range.end as usize..sub.range.end as usize];
    body.lines().map(str::trim).filter(|line| {
        let thematic_break = line.len() >= 3
            && ['-', '*', '_']
                .iter()
                .any(|&c| line.chars().all(|x| x == c || x == ' '));
        !line.is_empty() && !thematic_break
    })
}

/// The text after a field's label in the instance that explains it best:
/// a lone placeholder (`[Why this task requires it]`) when there is one.
fn field_guidance(text: &str, instances: &[&Subsection], label: &str) -> String {
    let mut fallback = String::new();
    for instance in instances {
        for field in &instance.body.fields {
            if !field.label.eq_ignore_ascii_case(label) {
                continue;
            }
            let rest = &text[field.range.end as usize..field.line.end as usize];
            let after = rest.split_once(':').map_or(rest, |(_, after)| after).trim();
            if after.is_empty() {
                continue;
            }
            if after.starts_with('[') && after.ends_with(']') && after.len() > 2 {
                return after[1..after.len() - 1].to_owned();
            }
            if fallback.is_empty() {
                after.clone_into(&mut fallback);
            }
        }
    }
    fallback
}

fn table_spec(text: &str, table: &Table) -> TableSpec {
    let columns = table
        .header
        .iter()
        .enumerate()
        .map(|(index, header)| column_spec(header.text.clone(), index, table))
        .collect();
    let rows = table
        .rows
        .iter()
        .filter(|row| row.first().is_some_and(|cell| cell.bold))
        .map(|row| {
            let value = row.get(1).map_or("", |cell| &text[cell.range.as_usize()]);
            // `[Python / Web / ...] — see the guide`: the placeholder is the
            // bracketed token the cell starts with.
            let value = value.trim();
            let inner = match value.strip_prefix('[').and_then(|v| v.split_once(']')) {
                Some((inner, _)) => inner,
                None => value,
            };
            RowSpec {
                key: placeholder::clean_value(&row[0].text),
                kind: PlaceholderKind::classify(inner),
                guidance: inner.to_owned(),
            }
        })
        .collect();
    TableSpec { columns, rows }
}

fn column_spec(name: String, index: usize, table: &Table) -> ColumnSpec {
    let cells: Vec<&str> = table
        .rows
        .iter()
        .filter_map(|row| row.get(index).map(|cell| cell.text.as_str()))
        .collect();
    // A column is an enum when every row offers the same enum placeholder
    // (`H/M/L` in each risk row); one enum cell in a column of mixed values
    // (the Type row of an attribute table) is a row's kind, not a column's.
    let enums: Vec<Option<Vec<String>>> = cells
        .iter()
        .map(|cell| {
            let inner = cell.trim().trim_start_matches('[').trim_end_matches(']');
            match PlaceholderKind::classify(inner) {
                PlaceholderKind::Enum(values) => Some(values),
                _ => None,
            }
        })
        .collect();
    if let Some(Some(values)) = enums.first()
        && enums.iter().all(|e| e.as_ref() == Some(values))
    {
        return ColumnSpec {
            name,
            values: values.clone(),
            closed: true,
            placeholder: Some(cells[0].to_owned()),
        };
    }
    let words = cells.len() >= 2
        && cells.iter().all(|cell| {
            !cell.is_empty()
                && cell.chars().all(char::is_alphabetic)
                && cell.chars().next().is_some_and(char::is_uppercase)
        });
    let mut values: Vec<String> = Vec::new();
    if words {
        for cell in cells {
            if !values.iter().any(|v| v == cell) {
                values.push(cell.to_owned());
            }
        }
    }
    ColumnSpec {
        name,
        values,
        closed: false,
        placeholder: None,
    }
}

/// Problems deriving a schema from a template (see `rules::template_problems`).
#[must_use]
pub fn problems(text: &str, tree: &PlanTree) -> Vec<super::Diagnostic> {
    super::rules::template_problems(text, tree)
}

/// How an item heading starts: `Step N` or `N.`.
pub(crate) fn item_label(sub: &Subsection) -> String {
    let Some(counter) = &sub.counter else {
        return sub.heading.text.clone();
    };
    let prefix = counter.prefix.trim();
    if prefix.is_empty() {
        "N.".to_owned()
    } else {
        format!("{prefix} N")
    }
}

impl Schema {
    /// The schema as text, for `plan-lsp check --print-schema`: sections in
    /// order with their optional flag, numbered items with their fields,
    /// tables with their columns, enums and required rows.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "template: {}", self.origin);
        match &self.title {
            Some(title) => {
                let _ = writeln!(out, "title: # {}", title.text);
            }
            None => out.push_str("title: none\n"),
        }
        let _ = writeln!(out, "sections ({}, in order):", self.sections.len());
        for section in &self.sections {
            let flag = if section.optional { " (optional)" } else { "" };
            let _ = writeln!(out, "  ## {}{flag}", section.name);
            if let Some(items) = &section.items {
                describe_items(&mut out, items);
            }
            for table in &section.tables {
                describe_table(&mut out, table);
            }
        }
        if !self.code_tokens.is_empty() {
            let tokens: Vec<String> = self.code_tokens.iter().map(|t| format!("[{t}]")).collect();
            let _ = writeln!(out, "placeholders in code: {}", tokens.join(" "));
        }
        out
    }
}

fn describe_items(out: &mut String, items: &ItemSpec) {
    let prefix = if items.prefix.is_empty() {
        String::new()
    } else {
        format!("{} ", items.prefix)
    };
    let separator = items.separator.map(String::from).unwrap_or_default();
    let _ = writeln!(
        out,
        "    items: ### {prefix}N{separator} (numbered from {}, contiguous)",
        items.start
    );
    for field in &items.fields {
        let flag = if field.expected {
            "expected"
        } else {
            "optional"
        };
        let _ = writeln!(out, "      **{}** ({flag})", field.label);
    }
}

fn describe_table(out: &mut String, table: &TableSpec) {
    let columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    let _ = writeln!(out, "    table: | {} |", columns.join(" | "));
    for column in &table.columns {
        if column.values.is_empty() {
            continue;
        }
        let kind = if column.closed { "one of" } else { "suggested" };
        let _ = writeln!(
            out,
            "      column {}: {kind} {}",
            column.name,
            column.values.join(", ")
        );
    }
    for row in &table.rows {
        let _ = writeln!(out, "      row **{}**: {}", row.key, row.kind.describe());
    }
}

/// The placeholder tokens the template writes inside code.
fn code_tokens(text: &str, tree: &PlanTree) -> BTreeSet<String> {
    let ranges = tree
        .code_blocks
        .iter()
        .map(|block| block.content)
        .chain(tree.inline_code.iter().copied());
    let mut tokens = BTreeSet::new();
    for range in ranges {
        for token in placeholder::bracket_tokens(text, range) {
            let inner = &text[token.start as usize + 1..token.end as usize - 1];
            if inner.chars().any(char::is_alphabetic) && !inner.contains(['"', '\'']) {
                tokens.insert(inner.to_owned());
            }
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_problems() {
        let text = "\
# [Name] Plan

## Steps

### Step 1: [A]

### Step 2: [B]

### Phase 1: [C]

### Phase 2: [D]

| Attribute | Value |
|-----------|-------|
| **Type** | [Feature or feature] |
| **Kind** | [PoC or Feature] |
";
        let tree = parse::parse(text);
        let found: Vec<String> = problems(text, &tree)
            .iter()
            .map(|d| format!("{} {:?}: {}", d.code, &text[d.range.as_usize()], d.message))
            .collect();
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].starts_with("ambiguous-items \"### Step 1: [A]\""),
            "{found:#?}"
        );
        assert!(found[0].contains("`Phase N` is used"), "{found:#?}");
        assert!(
            found[1].starts_with("single-value-enum \"[Feature or feature]\""),
            "{found:#?}"
        );
        let builtin = parse::parse(DEFAULT_TEMPLATE);
        assert_eq!(problems(DEFAULT_TEMPLATE, &builtin), Vec::new());
    }

    #[test]
    fn pattern_with_placeholders() {
        let pattern = Pattern::new("Next Steps After PoC [N]");
        assert!(pattern.matches("Next Steps After PoC 3"));
        assert!(!pattern.matches("Next Steps After PoC"));
        assert!(
            Pattern::new("What \"Done\" Looks Like")
                .matches("What \u{201c}Done\u{201d} looks like:")
        );
    }

    /// The built-in template's schema, as `--print-schema` shows it: a
    /// snapshot that needs nothing outside the repository.
    #[test]
    fn builtin_schema_snapshot() {
        expect_test::expect_file!["../../tests/fixtures/builtin-schema.txt"]
            .assert_eq(&Schema::builtin().describe());
    }
}
