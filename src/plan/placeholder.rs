//! Placeholders: finding bracketed tokens, telling what kind of value they
//! stand for, and checking a filled-in value against that kind.

use std::collections::BTreeSet;

use super::TextRange;

/// What a template placeholder stands for, read from its text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PlaceholderKind {
    /// `[YYYY-MM-DDTHH:MM:SS-TZ]`: an ISO-8601 timestamp.
    Timestamp,
    /// `[PoC or Feature or Issue or Refactor]` or `H/M/L`: one of these.
    Enum(Vec<String>),
    /// `[X]`, `[N]`: a number.
    Number,
    /// `[Milestone-Slug]`, `[task-slug]`: a slug.
    Slug,
    /// Anything else: free text.
    Text,
}

impl PlaceholderKind {
    /// Reads the kind from a placeholder's inner text (without brackets).
    #[must_use]
    pub fn classify(inner: &str) -> PlaceholderKind {
        let inner = inner.trim();
        if inner.contains("YYYY") {
            return PlaceholderKind::Timestamp;
        }
        if let Some(alternatives) = word_alternatives(inner) {
            return PlaceholderKind::Enum(alternatives);
        }
        if let Some(letters) = letter_alternatives(inner) {
            return PlaceholderKind::Enum(letters);
        }
        if matches!(inner, "X" | "N" | "~X" | "#") {
            return PlaceholderKind::Number;
        }
        if inner.to_ascii_lowercase().contains("slug") {
            return PlaceholderKind::Slug;
        }
        PlaceholderKind::Text
    }

    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            PlaceholderKind::Timestamp => "an ISO-8601 timestamp".to_owned(),
            PlaceholderKind::Enum(alternatives) => format!("one of {}", alternatives.join(", ")),
            PlaceholderKind::Number => "a number".to_owned(),
            PlaceholderKind::Slug => "a slug".to_owned(),
            PlaceholderKind::Text => "text".to_owned(),
        }
    }

    /// Whether `value` is acceptable for this kind. Free text and numbers are
    /// not validated.
    #[must_use]
    pub fn accepts(&self, value: &str) -> bool {
        match self {
            PlaceholderKind::Timestamp => is_timestamp(value),
            PlaceholderKind::Enum(alternatives) => enum_matches(alternatives, value),
            PlaceholderKind::Number | PlaceholderKind::Slug | PlaceholderKind::Text => true,
        }
    }
}

/// The alternatives of a choice written as words: `PoC or Feature or
/// Issue`, `PoC / Feature / Issue` (slashes with spaces around them) or
/// `A | B` (`A \\| B` inside a table cell). A list that ends in `...` is
/// open (any value will do), and so gives no closed choice.
fn word_alternatives(inner: &str) -> Option<Vec<String>> {
    let unescaped = inner.replace("\\|", "|");
    let separator = [" or ", " / ", " | "]
        .into_iter()
        .find(|sep| unescaped.contains(sep))?;
    let parts: Vec<String> = unescaped
        .split(separator)
        .map(|p| p.trim().to_owned())
        .collect();
    let plausible = parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.split_whitespace().count() <= 3);
    let open = parts.iter().any(|p| p == "..." || p == "\u{2026}");
    (plausible && !open).then_some(parts)
}

/// The alternatives of a choice written as short upper-case words joined by
/// slashes: `H/M/L`, `HIGH/MED/LOW`.
#[must_use]
pub fn letter_alternatives(cell: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = cell.trim().split('/').collect();
    let plausible = parts.len() >= 2
        && parts
            .iter()
            .all(|p| (1..=6).contains(&p.len()) && p.chars().all(|c| c.is_ascii_uppercase()));
    plausible.then(|| parts.iter().map(|p| (*p).to_owned()).collect())
}

/// The spelled-out forms of a high/medium/low scale, which templates write
/// as `H/M/L` or `HIGH/MED/LOW` and plans write either way: the meaning of
/// the abbreviations, not a template's content.
const SCALE: [&[&str]; 3] = [&["h", "high"], &["m", "med", "medium"], &["l", "low"]];

/// Which step of the scale a word names, if the alternatives are a scale.
fn scale_step(word: &str) -> Option<usize> {
    let word = word.to_ascii_lowercase();
    SCALE
        .iter()
        .position(|forms| forms.contains(&word.as_str()))
}

/// The alternatives that `value` names, in order: each choice written in
/// the value as a whole word (case-insensitive), or, when the alternatives
/// are a high/medium/low scale, in any of its spellings.
fn named_choices(alternatives: &[String], value: &str) -> Vec<usize> {
    let scale = alternatives.iter().all(|a| scale_step(a).is_some());
    let mut out = Vec::new();
    for word in value
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
    {
        let found = alternatives.iter().position(|a| {
            a.eq_ignore_ascii_case(word)
                || (scale && scale_step(a).is_some() && scale_step(a) == scale_step(word))
        });
        if let Some(i) = found
            && !out.contains(&i)
        {
            out.push(i);
        }
    }
    out
}

/// The part of a value that states it, without a trailing remark in
/// parentheses (`Refactor (internal only)`).
fn stated(value: &str) -> &str {
    value.split(" (").next().unwrap_or(value).trim()
}

/// Whether `value` is exactly one of `alternatives`: equal to it apart from
/// case (a high/medium/low scale also in its spelled-out forms: `Medium` for
/// `M`), optionally followed by a remark in parentheses. A prefix is not a
/// choice (`LOWISH`, `Maybe`), and neither is a value that names several
/// (`Feature or Issue`, see `several_choices`).
#[must_use]
pub fn enum_matches(alternatives: &[String], value: &str) -> bool {
    let value = clean_value(value);
    let stated = stated(&value);
    if stated.is_empty() {
        return false;
    }
    let scale = alternatives.iter().all(|a| scale_step(a).is_some());
    alternatives
        .iter()
        .any(|a| a.eq_ignore_ascii_case(stated) || (scale && scale_step(a) == scale_step(stated)))
}

/// The alternatives a value lists when it names more than one
/// (`Feature or Issue`, `Low/Medium`): the author has not chosen.
#[must_use]
pub fn several_choices(alternatives: &[String], value: &str) -> Option<Vec<String>> {
    let value = clean_value(value);
    let named = named_choices(alternatives, stated(&value));
    (named.len() >= 2).then(|| named.iter().map(|&i| alternatives[i].clone()).collect())
}

/// A cell value without emphasis and code markup.
#[must_use]
pub fn clean_value(value: &str) -> String {
    value
        .trim()
        .trim_matches(|c| matches!(c, '*' | '_' | '`'))
        .trim()
        .to_owned()
}

/// Whether `value` is an ISO-8601 date or date-time (`2026-01-16`,
/// `2026-01-16T13:47:18-0800`, `2026-01-16T13:47:18-08:00`, `...Z`).
#[must_use]
pub fn is_timestamp(value: &str) -> bool {
    let value = clean_value(value);
    let bytes = value.as_bytes();
    let Some(rest) = date(bytes) else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let Some((&sep, rest)) = rest.split_first() else {
        return false;
    };
    if sep != b'T' && sep != b' ' {
        return false;
    }
    let Some(rest) = time(rest) else {
        return false;
    };
    offset(rest)
}

fn digits(bytes: &[u8], n: usize, max: u32) -> Option<(u32, &[u8])> {
    let head = bytes.get(..n)?;
    if !head.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = head
        .iter()
        .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    (value <= max).then_some((value, &bytes[n..]))
}

fn expect(bytes: &[u8], byte: u8) -> Option<&[u8]> {
    (bytes.first() == Some(&byte)).then(|| &bytes[1..])
}

fn date(bytes: &[u8]) -> Option<&[u8]> {
    let (_, rest) = digits(bytes, 4, 9999)?;
    let (month, rest) = digits(expect(rest, b'-')?, 2, 12)?;
    let (day, rest) = digits(expect(rest, b'-')?, 2, 31)?;
    (month >= 1 && day >= 1).then_some(rest)
}

fn time(bytes: &[u8]) -> Option<&[u8]> {
    let (_, rest) = digits(bytes, 2, 23)?;
    let (_, mut rest) = digits(expect(rest, b':')?, 2, 59)?;
    if let Some(after) = expect(rest, b':') {
        let (_, after) = digits(after, 2, 60)?;
        rest = after;
        if let Some(fraction) = expect(rest, b'.') {
            let count = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
            if count == 0 {
                return None;
            }
            rest = &fraction[count..];
        }
    }
    Some(rest)
}

fn offset(bytes: &[u8]) -> bool {
    match bytes.split_first() {
        None => true,
        Some((b'Z', rest)) => rest.is_empty(),
        Some((b'+' | b'-', rest)) => {
            let Some((_, rest)) = digits(rest, 2, 23) else {
                return false;
            };
            let rest = expect(rest, b':').unwrap_or(rest);
            rest.is_empty() || digits(rest, 2, 59).is_some_and(|(_, r)| r.is_empty())
        }
        Some(_) => false,
    }
}

/// Bracketed tokens in a run of prose `text[start..end]`.
///
/// A token is `[` + text + `]` on one line, not preceded by a letter, digit,
/// `!` or backslash (so `list[int]` and escapes are not tokens), not followed
/// by `(` or `[` (link syntax), and not a footnote (`[^1]`) or a number
/// (`[1]`).
#[must_use]
pub fn prose_tokens(text: &str, start: usize, end: usize) -> Vec<TextRange> {
    let mut tokens = Vec::new();
    let bytes = text.as_bytes();
    let mut i = start;
    while i < end {
        if bytes[i] != b'[' {
            i += 1;
            continue;
        }
        let Some(close) = token_end(bytes, i, end) else {
            i += 1;
            continue;
        };
        let inner = &text[i + 1..close];
        let before = text[..i].chars().next_back();
        let after = bytes.get(close + 1).copied();
        let bad_before =
            before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '\\' || c == '!');
        let bad_after = matches!(after, Some(b'(' | b'['));
        let trimmed = inner.trim();
        let bad_inner = trimmed.is_empty()
            || trimmed.starts_with('^')
            || trimmed.chars().all(|c| c.is_ascii_digit())
            || inner.len() > 160;
        if !(bad_before || bad_after || bad_inner) {
            tokens.push(TextRange::new(i, close + 1));
        }
        i = close + 1;
    }
    tokens
}

/// The index of the `]` that closes the `[` at `open`, on the same line and
/// with no nested `[`.
fn token_end(bytes: &[u8], open: usize, end: usize) -> Option<usize> {
    bytes[open + 1..end]
        .iter()
        .position(|&b| matches!(b, b']' | b'[' | b'\n' | b'\r'))
        .map(|p| open + 1 + p)
        .filter(|&p| bytes[p] == b']')
}

/// Every bracketed token on one line in `text[range]`, wherever it stands.
#[must_use]
pub fn bracket_tokens(text: &str, range: TextRange) -> Vec<TextRange> {
    let bytes = text.as_bytes();
    let (start, end) = (range.start as usize, range.end as usize);
    let mut tokens = Vec::new();
    let mut i = start;
    while i < end {
        match (bytes[i] == b'[')
            .then(|| token_end(bytes, i, end))
            .flatten()
        {
            Some(close) => {
                if close > i + 1 {
                    tokens.push(TextRange::new(i, close + 1));
                }
                i = close + 1;
            }
            None => i += 1,
        }
    }
    tokens
}

/// Occurrences of the known template tokens (`[directory]`) inside code.
///
/// In code a bracket is usually code (`list[int]`, `x[i]`), so only tokens
/// the template itself uses are flagged, and only when the `[` does not
/// follow a letter or digit.
#[must_use]
pub fn code_tokens(text: &str, range: TextRange, known: &BTreeSet<String>) -> Vec<TextRange> {
    let mut tokens = Vec::new();
    if known.is_empty() {
        return tokens;
    }
    let bytes = text.as_bytes();
    let (start, end) = (range.start as usize, range.end as usize);
    let mut i = start;
    while i < end {
        if bytes[i] != b'[' {
            i += 1;
            continue;
        }
        let Some(close) = token_end(bytes, i, end) else {
            i += 1;
            continue;
        };
        let before = text[..i].chars().next_back();
        let bad_before = before.is_some_and(|c| c.is_alphanumeric() || matches!(c, ']' | ')'));
        if !bad_before && known.contains(&text[i + 1..close]) {
            tokens.push(TextRange::new(i, close + 1));
        }
        i = close + 1;
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<&str> {
        prose_tokens(text, 0, text.len())
            .into_iter()
            .map(|r| &text[r.as_usize()])
            .collect()
    }

    #[test]
    fn prose_tokens_skip_code_like_and_links() {
        assert_eq!(
            tokens("[Name] and list[int] and \\[x\\] and [^1] and [1] and [a](b) [X]/[X]"),
            vec!["[Name]", "[X]", "[X]"]
        );
    }

    #[test]
    fn classify_reads_kinds() {
        assert_eq!(
            PlaceholderKind::classify("YYYY-MM-DDTHH:MM:SS-TZ"),
            PlaceholderKind::Timestamp
        );
        assert_eq!(
            PlaceholderKind::classify("PoC or Feature or Issue or Refactor"),
            PlaceholderKind::Enum(vec![
                "PoC".into(),
                "Feature".into(),
                "Issue".into(),
                "Refactor".into()
            ])
        );
        assert_eq!(
            PlaceholderKind::classify("H/M/L"),
            PlaceholderKind::Enum(vec!["H".into(), "M".into(), "L".into()])
        );
        assert_eq!(PlaceholderKind::classify("X"), PlaceholderKind::Number);
        assert_eq!(
            PlaceholderKind::classify("Milestone-Slug"),
            PlaceholderKind::Slug
        );
        assert_eq!(PlaceholderKind::classify("Name"), PlaceholderKind::Text);
    }

    #[test]
    fn timestamps() {
        for ok in [
            "2026-01-16T13:47:18-0800",
            "2026-03-12T01:05:11-07:00",
            "2026-03-12",
            "2026-03-12T01:05Z",
            "2026-03-12 01:05:11.123+05:30",
        ] {
            assert!(is_timestamp(ok), "{ok}");
        }
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-03-12T25:00",
            "2026-03-12T01:05:11 PST",
        ] {
            assert!(!is_timestamp(bad), "{bad}");
        }
    }

    #[test]
    fn likelihood_spellings() {
        let hml: Vec<String> = vec!["H".into(), "M".into(), "L".into()];
        for ok in ["H", "Low", "MED", "medium", "Medium (rare)", "**High**"] {
            assert!(enum_matches(&hml, ok), "{ok}");
        }
        for bad in [
            "Unknown",
            "",
            "??",
            "42",
            "Maybe",
            "LOWISH",
            "Low/Medium",
            "L-M",
        ] {
            assert!(!enum_matches(&hml, bad), "{bad}");
        }
        let words: Vec<String> = vec!["HIGH".into(), "MED".into(), "LOW".into()];
        assert!(enum_matches(&words, "Medium"));
        assert!(enum_matches(&words, "l"));
        let types: Vec<String> = vec!["PoC".into(), "Feature".into(), "Issue".into()];
        assert!(enum_matches(&types, "feature"));
        assert!(enum_matches(&types, "PoC (spike)"));
        assert!(!enum_matches(&types, "Features"));
        assert!(!enum_matches(&types, "Feature or Issue"));
        assert!(!enum_matches(&types, "Spike"));
    }

    #[test]
    fn several_choices_are_not_a_choice() {
        let hml: Vec<String> = vec!["H".into(), "M".into(), "L".into()];
        assert_eq!(
            several_choices(&hml, "Low/Medium"),
            Some(vec!["L".to_owned(), "M".to_owned()])
        );
        let types: Vec<String> = vec!["PoC".into(), "Feature".into(), "Issue".into()];
        assert_eq!(
            several_choices(&types, "Feature or Issue"),
            Some(vec!["Feature".to_owned(), "Issue".to_owned()])
        );
        assert_eq!(several_choices(&types, "Feature"), None);
    }

    #[test]
    fn choices_written_with_slashes_and_pipes() {
        let choice = |inner: &str| match PlaceholderKind::classify(inner) {
            PlaceholderKind::Enum(values) => values.join(","),
            other => format!("{other:?}"),
        };
        assert_eq!(
            choice("PoC / Feature / Issue / Refactor"),
            "PoC,Feature,Issue,Refactor"
        );
        assert_eq!(choice("HIGH/MED/LOW"), "HIGH,MED,LOW");
        assert_eq!(choice("H/M/L"), "H,M,L");
        assert_eq!(choice("Critical \\| Standard"), "Critical,Standard");
        assert_eq!(choice("A or B"), "A,B");
        assert_eq!(choice("Python / Web / Unity / ..."), "Text");
        assert_eq!(choice("path/to/new-file.py"), "Text");
    }
}
