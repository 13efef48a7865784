//! Template text made ready for insertion.
//!
//! Completions and code actions insert pieces of the template: a whole
//! section, a numbered item (a step, a prerequisite), a field of an item, a
//! Tests block. This module cuts those pieces out of the `Schema`'s template
//! source, fills the placeholders whose value is known (the slug from the
//! file name, the test class from the step name) and turns the others into
//! snippet tab stops (`${1:Name}`) or leaves them as they are.

use std::collections::BTreeSet;

use super::TextRange;
use super::parse::{self, PlanTree, Subsection};
use super::placeholder::{self, PlaceholderKind};
use super::template::{ItemSpec, Schema, is_tests_label};

/// Values known about the place a piece of template is inserted.
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// The plan's slug, from its file name (`core-hardening`).
    pub slug: Option<String>,
    /// The name of the step the text goes into (`Parse Config`).
    pub item_name: Option<String>,
}

/// The slug of a plan file name: `core-hardening-plan.md` gives
/// `core-hardening`; `visual-poc0-implementation.md` gives `visual-poc0`.
#[must_use]
pub fn file_slug(file_name: &str) -> Option<String> {
    let lower = file_name.to_ascii_lowercase();
    let stem = lower.strip_suffix(".md").unwrap_or(&lower);
    let stem = ["-implementation-plan", "-plan", ".plan", "-implementation"]
        .iter()
        .find_map(|suffix| stem.strip_suffix(suffix))
        .unwrap_or(stem);
    let valid = !stem.is_empty()
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    valid.then(|| stem.to_owned())
}

/// `Parse Config` as a class name: `ParseConfig`.
#[must_use]
pub fn camel_case(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

/// `Parse Config` as a file or function name: `parse_config`.
#[must_use]
pub fn snake_case(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// The name part of an item heading: `Step 2: Parse Config` gives
/// `Parse Config`, `3. Database` gives `Database`.
#[must_use]
pub fn item_name(heading: &str) -> String {
    let after = heading
        .split_once([':', '.'])
        .map_or(heading, |(_, after)| after);
    after.trim().trim_matches(['*', '_', '~']).trim().to_owned()
}

/// The value of a slug placeholder. Two slug placeholders joined by `-`
/// (`[Milestone-Slug]-[Task-Slug]`) split the slug at its first hyphen (a
/// slug without one fills the pair as a whole: see `joined_slug_end`).
/// Slugs are written as the file name writes them, in lower case, as plans
/// of this family do (`# core-cli-fix Plan`), whatever the placeholder's
/// case; next to `_` (a Python file name) the hyphens become underscores.
#[must_use]
pub fn slug_value(slug: &str, before: &str, after: &str) -> String {
    let joined_after = after.strip_prefix("-[").is_some_and(|rest| {
        rest.split_once(']')
            .is_some_and(|(next, _)| PlaceholderKind::classify(next) == PlaceholderKind::Slug)
    });
    let joined_before = before.strip_suffix("]-").is_some_and(|rest| {
        rest.rsplit_once('[')
            .is_some_and(|(_, prev)| PlaceholderKind::classify(prev) == PlaceholderKind::Slug)
    });
    let part = match slug.split_once('-') {
        Some((head, _)) if joined_after => head,
        Some((_, tail)) if joined_before => tail,
        _ => slug,
    };
    let mut value = part.to_owned();
    if before.ends_with('_') || after.starts_with('_') {
        value = value.replace('-', "_");
    }
    value
}

/// When the slug placeholder ending at `end` is joined by `-` to a second
/// one (`[Milestone-Slug]-[Task-Slug]`) and `slug` has no hyphen to split
/// at, the end of the second placeholder: the slug then fills the pair as a
/// whole, instead of being written twice (`search-search`).
#[must_use]
pub fn joined_slug_end(slug: &str, fragment: &str, end: usize) -> Option<usize> {
    if slug.contains('-') {
        return None;
    }
    let rest = fragment[end..].strip_prefix("-[")?;
    let (next, _) = rest.split_once(']')?;
    (PlaceholderKind::classify(next) == PlaceholderKind::Slug).then(|| end + 2 + next.len() + 1)
}

/// The known value for a placeholder, if any.
fn known_value(names: &Names, inner: &str, before: &str, after: &str) -> Option<String> {
    if before.ends_with("Test")
        && let Some(name) = names.item_name.as_deref()
    {
        let class = camel_case(name);
        if !class.is_empty() {
            return Some(class);
        }
    }
    if PlaceholderKind::classify(inner) == PlaceholderKind::Slug
        && let Some(slug) = names.slug.as_deref()
    {
        return Some(slug_value(slug, before, after));
    }
    None
}

/// Placeholder tokens in a piece of template text: bracketed tokens in prose
/// and the template's own tokens inside code.
fn tokens(fragment: &str, code_tokens: &BTreeSet<String>) -> Vec<TextRange> {
    let tree: PlanTree = parse::parse(fragment);
    let mut out = tree.placeholders.clone();
    // In template code every token the template uses in code is a
    // placeholder, even right after a word (`Test[ClassName]`).
    let code = tree
        .code_blocks
        .iter()
        .map(|block| block.content)
        .chain(tree.inline_code.iter().copied());
    for range in code {
        out.extend(
            placeholder::bracket_tokens(fragment, range)
                .into_iter()
                .filter(|t| {
                    code_tokens.contains(&fragment[t.start as usize + 1..t.end as usize - 1])
                }),
        );
    }
    out.sort();
    out.dedup();
    out
}

fn escape_snippet(text: &str, out: &mut String) {
    for c in text.chars() {
        if matches!(c, '$' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Renders template text for insertion: known placeholders filled, the rest
/// turned into numbered tab stops when `snippet` (the same placeholder inside
/// identifiers shares one tab stop), or kept as written otherwise.
#[must_use]
pub fn render(fragment: &str, schema: &Schema, names: &Names, snippet: bool) -> String {
    let mut out = String::with_capacity(fragment.len() + 32);
    let mut stops: Vec<(String, bool)> = Vec::new();
    let mut at = 0usize;
    for token in tokens(fragment, &schema.code_tokens) {
        let (start, end) = (token.start as usize, token.end as usize);
        if start < at {
            continue;
        }
        let text_before = &fragment[at..start];
        if snippet {
            escape_snippet(text_before, &mut out);
        } else {
            out.push_str(text_before);
        }
        at = end;
        let inner = &fragment[start + 1..end - 1];
        if PlaceholderKind::classify(inner) == PlaceholderKind::Slug
            && let Some(slug) = names.slug.as_deref()
            && let Some(pair_end) = joined_slug_end(slug, fragment, end)
        {
            let value = slug_value(slug, &fragment[..start], &fragment[pair_end..]);
            if snippet {
                escape_snippet(&value, &mut out);
            } else {
                out.push_str(&value);
            }
            at = pair_end;
            continue;
        }
        if let Some(value) = known_value(names, inner, &fragment[..start], &fragment[end..]) {
            if snippet {
                escape_snippet(&value, &mut out);
            } else {
                out.push_str(&value);
            }
            continue;
        }
        if !snippet {
            out.push_str(&fragment[start..end]);
            continue;
        }
        // A placeholder inside an identifier (`Test[ClassName]`,
        // `test_[name]`) names the same thing wherever it appears, so its
        // occurrences share a tab stop; one standing alone as prose
        // (`"""[Description]."""`) is new text each time.
        let in_identifier = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let mirrored = in_identifier(fragment[..start].chars().next_back())
            || in_identifier(fragment[end..].chars().next());
        let shared = stops.iter().position(|(s, m)| mirrored && *m && s == inner);
        let number = match shared {
            Some(i) => i + 1,
            None => {
                stops.push((inner.to_owned(), mirrored));
                stops.len()
            }
        };
        out.push_str("${");
        out.push_str(&number.to_string());
        out.push(':');
        escape_snippet(inner, &mut out);
        out.push('}');
    }
    if snippet {
        escape_snippet(&fragment[at..], &mut out);
    } else {
        out.push_str(&fragment[at..]);
    }
    out
}

/// Replaces the counter of an item heading (the first line of `fragment`)
/// with `number`: `### Step 1: [Name]` becomes `### Step 4: [Name]`.
#[must_use]
pub fn set_counter(fragment: &str, prefix: &str, number: u32) -> String {
    let line_end = fragment.find('\n').unwrap_or(fragment.len());
    let line = &fragment[..line_end];
    let lead = line.len()
        - line
            .trim_start_matches(['#', ' ', '\t', '*', '_', '~'])
            .len();
    let rest = &line[lead..];
    let after_prefix = if prefix.is_empty() {
        Some(rest)
    } else {
        rest.get(..prefix.len())
            .filter(|head| head.eq_ignore_ascii_case(prefix))
            .map(|_| rest[prefix.len()..].trim_start())
    };
    let Some(after_prefix) = after_prefix else {
        return fragment.to_owned();
    };
    let counter_start = line.len() - after_prefix.len();
    let counter_len = if after_prefix.starts_with('[') {
        after_prefix.find(']').map_or(0, |i| i + 1)
    } else {
        after_prefix
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after_prefix.len())
    };
    if counter_len == 0 {
        return fragment.to_owned();
    }
    format!(
        "{}{number}{}",
        &fragment[..counter_start],
        &fragment[counter_start + counter_len..]
    )
}

/// The template text of an item's skeleton with its counter set to
/// `number`.
#[must_use]
pub fn item_text(schema: &Schema, spec: &ItemSpec, number: u32) -> String {
    set_counter(schema.text(spec.skeleton), &spec.prefix, number)
}

/// `text[start..end]` without trailing white space and thematic breaks.
#[must_use]
pub fn trim_block(text: &str, start: usize, end: usize) -> TextRange {
    let mut end = start + text[start..end].trim_end().len();
    loop {
        let body = &text[start..end];
        let last_line_start = body.rfind('\n').map_or(0, |i| i + 1);
        let last = body[last_line_start..].trim();
        let is_break = last.len() >= 3
            && (last.chars().all(|c| c == '-')
                || last.chars().all(|c| c == '*')
                || last.chars().all(|c| c == '_'));
        if !is_break || last_line_start == 0 {
            return TextRange::new(start, end);
        }
        end = start + body[..last_line_start].trim_end().len();
    }
}

/// The fields of the template's skeleton instance of `spec`, each with the
/// template text of its block (label line to the next label).
#[must_use]
pub fn field_blocks(schema: &Schema, spec: &ItemSpec) -> Vec<(String, TextRange)> {
    let source: &str = &schema.source;
    let tree = parse::parse(source);
    let Some(sub) = tree
        .sections
        .iter()
        .flat_map(|s| &s.subsections)
        .find(|sub| sub.range == spec.skeleton)
    else {
        return Vec::new();
    };
    blocks_of(source, sub)
}

/// The blocks of a subsection's fields: from each label's line to the next.
#[must_use]
pub fn blocks_of(text: &str, sub: &Subsection) -> Vec<(String, TextRange)> {
    let fields = &sub.body.fields;
    fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let end = fields
                .get(i + 1)
                .map_or(sub.range.end, |next| next.line.start) as usize;
            (
                field.label.clone(),
                trim_block(text, field.line.start as usize, end),
            )
        })
        .collect()
}

/// The template's Tests block for an item, and the field after it when that
/// field refers to the same placeholders (the Verification whose command
/// names the test file and class) as (label, text). Plain template text.
#[must_use]
pub fn tests_parts(schema: &Schema, spec: &ItemSpec) -> Option<(String, Option<(String, String)>)> {
    let blocks = field_blocks(schema, spec);
    let at = blocks.iter().position(|(label, _)| is_tests_label(label))?;
    let tests = schema.text(blocks[at].1);
    let next = blocks.get(at + 1).and_then(|(label, range)| {
        let next = schema.text(*range);
        let shared = tokens(tests, &schema.code_tokens)
            .iter()
            .any(|t| next.contains(&tests[t.as_usize()]));
        shared.then(|| (label.clone(), next.to_owned()))
    });
    Some((tests.to_owned(), next))
}

/// Turns a `*` glob before a file extension (`tests/test_x_*.py`) into the
/// item's snake-case name, so that a command names one file.
#[must_use]
pub fn name_test_file(text: &str, item_name: &str) -> String {
    let snake = snake_case(item_name);
    if snake.is_empty() {
        return text.to_owned();
    }
    text.replace("_*.", &format!("_{snake}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_file_names() {
        assert_eq!(
            file_slug("core-hardening-plan.md").as_deref(),
            Some("core-hardening")
        );
        assert_eq!(
            file_slug("visual-poc0-implementation.md").as_deref(),
            Some("visual-poc0")
        );
        assert_eq!(file_slug("-plan.md"), None);
        assert_eq!(file_slug("Untitled-1"), Some("untitled-1".to_owned()));
    }

    #[test]
    fn slug_values_split_and_keep_the_file_names_case() {
        assert_eq!(
            slug_value("core-hardening", "# ", "-[Task-Slug] Plan"),
            "core"
        );
        assert_eq!(
            slug_value("core-hardening", "# [Milestone-Slug]-", " Plan"),
            "hardening"
        );
        assert_eq!(
            slug_value("core-hardening", "tests/test_", "_*.py"),
            "core_hardening"
        );
    }

    #[test]
    fn counters_and_names() {
        assert_eq!(
            set_counter("### Step 1: [Name]\nbody", "Step", 4),
            "### Step 4: [Name]\nbody"
        );
        assert_eq!(
            set_counter("### Step [N]: [Final]", "Step", 7),
            "### Step 7: [Final]"
        );
        assert_eq!(set_counter("### 2. [Prereq]", "", 3), "### 3. [Prereq]");
        assert_eq!(item_name("Step 2: Parse Config"), "Parse Config");
        assert_eq!(camel_case("Parse Config"), "ParseConfig");
        assert_eq!(snake_case("Parse Config!"), "parse_config");
    }

    #[test]
    fn render_snippets() {
        let schema = Schema::builtin();
        let names = Names::default();
        assert_eq!(
            render("a [Name] $x [Name] [Other]", &schema, &names, true),
            "a ${1:Name} \\$x ${2:Name} ${3:Other}"
        );
        assert_eq!(
            render(
                "```\nclass Test[ClassName]:\n    \"\"\"[Description].\"\"\"\nrun Test[ClassName]\n\"\"\"[Description].\"\"\"\n```",
                &schema,
                &names,
                true
            ),
            "```\nclass Test${1:ClassName}:\n    \"\"\"${2:Description}.\"\"\"\nrun Test${1:ClassName}\n\"\"\"${3:Description}.\"\"\"\n```"
        );
        assert_eq!(render("a [Name]", &schema, &names, false), "a [Name]");
    }
}
