//! Fuzzy matching of a query against symbol names, as in rust-analyzer's
//! workspace symbol search: the query's characters must appear in the name
//! in order (case-insensitively); a name that starts with the query ranks
//! first, then one where the query starts at a word (`config` in
//! `Step 2: Parse Config`) or matches word starts (`pc`), then any
//! subsequence. A query of several words matches when its words start
//! words of the name in order (`succ crit`), or as one run without spaces
//! (`step2` for `Step 2`).

/// How well a name matches; smaller is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchKind {
    Prefix,
    WordStart,
    Subsequence,
}

fn lower(text: &str) -> Vec<char> {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// Whether the char at `i` starts a word: the first char, one after a
/// non-alphanumeric char, or an upper-case letter after a lower-case one.
fn word_starts(name: &str) -> Vec<bool> {
    let chars: Vec<char> = name.chars().flat_map(char::to_lowercase).collect();
    let original: Vec<char> = name.chars().collect();
    // `to_lowercase` may expand a char; fall back to plain positions then.
    if chars.len() != original.len() {
        return (0..chars.len()).map(|i| i == 0).collect();
    }
    (0..original.len())
        .map(|i| {
            i == 0 || {
                let (before, at) = (original[i - 1], original[i]);
                at.is_alphanumeric()
                    && (!before.is_alphanumeric() || (before.is_lowercase() && at.is_uppercase()))
            }
        })
        .collect()
}

fn is_subsequence(query: &[char], name: &[char]) -> bool {
    let mut rest = name.iter();
    query.iter().all(|q| rest.any(|c| c == q))
}

/// Whether the query matches the word starts of the name in order.
fn is_acronym(query: &[char], name: &[char], starts: &[bool]) -> bool {
    let mut rest = name.iter().zip(starts).filter(|(_, start)| **start);
    query.iter().all(|q| rest.any(|(c, _)| c == q))
}

/// Where the query's words match at word starts of the name, in order,
/// each contiguously: the position of the first, or `None`.
fn words_at_starts(words: &[Vec<char>], name: &[char], starts: &[bool]) -> Option<usize> {
    let mut from = 0;
    let mut first = None;
    for word in words {
        let at = (from..name.len())
            .find(|&i| starts.get(i).copied().unwrap_or(false) && name[i..].starts_with(word))?;
        first.get_or_insert(at);
        from = at + word.len();
    }
    first
}

/// How `query` matches `name`, or `None` when it does not. An empty query
/// matches every name as a prefix.
#[must_use]
pub fn fuzzy_match(query: &str, name: &str) -> Option<MatchKind> {
    let words: Vec<Vec<char>> = query.split_whitespace().map(lower).collect();
    let compact_query: Vec<char> = words.concat();
    let lowered = lower(name);
    let compact: Vec<char> = lowered
        .iter()
        .copied()
        .filter(|c| !c.is_whitespace())
        .collect();
    let starts = word_starts(name);
    let at_words = words_at_starts(&words, &lowered, &starts);
    if compact.starts_with(&compact_query) || at_words == Some(0) {
        return Some(MatchKind::Prefix);
    }
    if !is_subsequence(&compact_query, &lowered) {
        return None;
    }
    if at_words.is_some() || is_acronym(&compact_query, &lowered, &starts) {
        return Some(MatchKind::WordStart);
    }
    Some(MatchKind::Subsequence)
}

/// The items whose name matches `query`, best first: by match kind, then
/// shorter names, then by name; at most `limit` of them.
#[must_use]
pub fn rank<T>(query: &str, items: Vec<T>, name: impl Fn(&T) -> &str, limit: usize) -> Vec<T> {
    let mut matched: Vec<(MatchKind, T)> = items
        .into_iter()
        .filter_map(|item| fuzzy_match(query, name(&item)).map(|kind| (kind, item)))
        .collect();
    matched.sort_by(|(ka, a), (kb, b)| {
        let (a, b) = (name(a), name(b));
        ka.cmp(kb)
            .then(a.chars().count().cmp(&b.chars().count()))
            .then(a.cmp(b))
    });
    matched.truncate(limit);
    matched.into_iter().map(|(_, item)| item).collect()
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use expect_test::{Expect, expect};

    use super::*;

    const NAMES: [&str; 9] = [
        "Step 0: Setup",
        "Step 1: Parse Config",
        "Step 2: Search Command",
        "Step 3: parseConfigFile",
        "Implementation Steps",
        "Success Criteria",
        "Overview",
        "Prerequisites",
        "Risks & Mitigations",
    ];

    fn check(query: &str, expect: &Expect) {
        let ranked = rank(query, NAMES.to_vec(), |n| n, 100);
        let mut out = String::new();
        for n in &ranked {
            let _ = writeln!(out, "{:?} {n}", fuzzy_match(query, n).unwrap());
        }
        expect.assert_eq(&out);
    }

    #[test]
    fn prefix_before_word_start_before_subsequence() {
        check(
            "s",
            &expect![[r"
                Prefix Step 0: Setup
                Prefix Success Criteria
                Prefix Step 1: Parse Config
                Prefix Step 2: Search Command
                Prefix Step 3: parseConfigFile
                WordStart Implementation Steps
                Subsequence Prerequisites
                Subsequence Risks & Mitigations
            "]],
        );
    }

    #[test]
    fn words_camel_case_and_acronyms() {
        check(
            "config",
            &expect![[r"
                WordStart Step 1: Parse Config
                WordStart Step 3: parseConfigFile
            "]],
        );
        check(
            "pc",
            &expect![[r"
                WordStart Step 1: Parse Config
                WordStart Step 3: parseConfigFile
                Subsequence Step 2: Search Command
            "]],
        );
    }

    #[test]
    fn several_words_and_any_case() {
        check(
            "STEP2",
            &expect![[r"
                Prefix Step 2: Search Command
            "]],
        );
        check(
            "succ crit",
            &expect![[r"
                Prefix Success Criteria
            "]],
        );
    }

    #[test]
    fn no_match_and_empty_query() {
        check("zzz", &expect![[""]]);
        assert_eq!(rank("", NAMES.to_vec(), |n| n, 3).len(), 3);
        assert_eq!(fuzzy_match("", "Overview"), Some(MatchKind::Prefix));
    }
}
