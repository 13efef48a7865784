//! Directives written in a plan as HTML comments, and rule levels.
//!
//! - `<!-- plan-lsp: template=path -->` before the first `##` section names
//!   the template of this file (read by the configuration layer, which does
//!   the IO; this module only finds it);
//! - `<!-- plan-lsp-disable code ... -->` and `<!-- plan-lsp-enable code ... -->`
//!   silence rules between them (to the end of the document when no enable
//!   follows); without codes they act on every rule;
//! - `<!-- plan-lsp-disable-next-line code ... -->` silences rules on the
//!   line after the comment.
//!
//! A finding is silenced when its range starts inside a silenced region.
//! Findings about the whole plan (a missing section) sit on the title line,
//! so a file-wide `plan-lsp-disable` goes before the title.

use super::{Code, Diagnostic, Rules, TextRange};

/// A `<!-- plan-lsp: template=path -->` directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateDirective {
    /// The path as written (relative to the plan's directory).
    pub path: String,
    /// Where the path is written, for findings about it.
    pub range: TextRange,
}

/// The template directive before the first `##` heading, if any. Only
/// comments on one line are read.
#[must_use]
pub fn template_directive(text: &str) -> Option<TemplateDirective> {
    let mut at = 0usize;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        if line.starts_with("## ") || line.starts_with("```") {
            return None;
        }
        let Some(open) = line.find("<!--") else {
            continue;
        };
        let Some(close) = line[open..].find("-->").map(|c| open + c) else {
            continue;
        };
        let inner = &line[open + 4..close];
        let Some(rest) = inner.trim_start().strip_prefix("plan-lsp:") else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(value) = rest.strip_prefix("template") else {
            continue;
        };
        let Some(value) = value.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim();
        let path = value.trim_matches(['"', '\'']);
        if path.is_empty() {
            continue;
        }
        // `inner` is a slice of `line`, itself a slice of `text`.
        let offset = start + (path.as_ptr() as usize - line.as_ptr() as usize);
        return Some(TemplateDirective {
            path: path.to_owned(),
            range: TextRange::new(offset, offset + path.len()),
        });
    }
    None
}

/// A silenced region: which rules (all when `codes` is empty), where.
#[derive(Clone, Debug)]
struct Silence {
    codes: Vec<Code>,
    range: TextRange,
}

enum Command {
    Disable,
    Enable,
    DisableNextLine,
}

/// Silences findings by the document's comments, applies the rule levels,
/// and adds a finding for each unknown rule a comment names.
#[must_use]
pub fn apply(
    text: &str,
    comments: &[TextRange],
    diagnostics: Vec<Diagnostic>,
    rules: &Rules,
) -> Vec<Diagnostic> {
    let (silences, mut unknown) = silences(text, comments);
    let mut kept = silence(&silences, diagnostics);
    kept.append(&mut unknown);
    let mut out = apply_rules(kept, rules);
    out.sort_by_key(|d| (d.range, d.code));
    out
}

/// `apply` for findings made after the analysis (which already reported
/// unknown rules in comments): silences and rule levels only.
#[must_use]
pub fn apply_quietly(
    text: &str,
    comments: &[TextRange],
    diagnostics: Vec<Diagnostic>,
    rules: &Rules,
) -> Vec<Diagnostic> {
    let (silences, _) = silences(text, comments);
    apply_rules(silence(&silences, diagnostics), rules)
}

fn silence(silences: &[Silence], diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .filter(|d| {
            !silences.iter().any(|s| {
                (s.codes.is_empty() || s.codes.contains(&d.code)) && s.range.touches(d.range.start)
            })
        })
        .collect()
}

/// Applies rule levels: drops the rules that are off, sets the severity of
/// the others.
#[must_use]
pub fn apply_rules(diagnostics: Vec<Diagnostic>, rules: &Rules) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .filter_map(|mut d| {
            d.severity = rules.severity(d.code)?;
            Some(d)
        })
        .collect()
}

fn silences(text: &str, comments: &[TextRange]) -> (Vec<Silence>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    // Open `disable` regions: the codes (empty: all) and where they start.
    let mut open: Vec<(Vec<Code>, u32)> = Vec::new();
    for &comment in comments {
        let Some(raw) = text.get(comment.as_usize()) else {
            continue;
        };
        let inner = raw
            .trim()
            .trim_start_matches("<!--")
            .trim_end_matches("-->")
            .trim();
        let mut words = inner.split(|c: char| c.is_whitespace() || c == ',');
        let command = match words.next() {
            Some("plan-lsp-disable") => Command::Disable,
            Some("plan-lsp-enable") => Command::Enable,
            Some("plan-lsp-disable-next-line") => Command::DisableNextLine,
            _ => continue,
        };
        let mut codes = Vec::new();
        for word in words.filter(|w| !w.is_empty()) {
            match Code::from_name(word) {
                Some(code) => codes.push(code),
                None => unknown.push(super::rules::unknown_rule(text, comment, word)),
            }
        }
        match command {
            Command::Disable => open.push((codes, comment.end)),
            Command::Enable => close(&mut open, &codes, comment.start, &mut out),
            Command::DisableNextLine => {
                let line_start = text[comment.end as usize..]
                    .find('\n')
                    .map_or(text.len(), |i| comment.end as usize + i + 1);
                let line_end = text[line_start..]
                    .find('\n')
                    .map_or(text.len(), |i| line_start + i);
                out.push(Silence {
                    codes,
                    range: TextRange::new(line_start, line_end),
                });
            }
        }
    }
    let end = text.len() as u32;
    for (codes, start) in open {
        out.push(Silence {
            codes,
            range: TextRange { start, end },
        });
    }
    (out, unknown)
}

/// Ends the open regions that an `enable` of `codes` (all when empty) ends.
fn close(open: &mut Vec<(Vec<Code>, u32)>, codes: &[Code], at: u32, out: &mut Vec<Silence>) {
    let mut still = Vec::new();
    for (mut region, start) in open.drain(..) {
        let range = TextRange { start, end: at };
        if codes.is_empty() {
            out.push(Silence {
                codes: region,
                range,
            });
            continue;
        }
        if region.is_empty() {
            // `enable x` inside a `disable` of everything: everything was
            // off up to here, everything but x stays off.
            out.push(Silence {
                codes: Vec::new(),
                range,
            });
            let rest = Code::ALL
                .into_iter()
                .filter(|c| !codes.contains(c))
                .collect();
            still.push((rest, at));
            continue;
        }
        let ended: Vec<Code> = region
            .iter()
            .copied()
            .filter(|c| codes.contains(c))
            .collect();
        if !ended.is_empty() {
            out.push(Silence {
                codes: ended,
                range,
            });
            region.retain(|c| !codes.contains(c));
        }
        if !region.is_empty() {
            still.push((region, start));
        }
    }
    *open = still;
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::plan::{Level, Severity, parse};

    fn diag(text: &str, needle: &str, code: Code) -> Diagnostic {
        let at = text.find(needle).unwrap();
        Diagnostic {
            range: TextRange::new(at, at + needle.len()),
            severity: Severity::Warning,
            code,
            message: String::new(),
            finding: crate::plan::Finding::Config {
                message: String::new(),
            },
        }
    }

    fn render(text: &str, diagnostics: &[Diagnostic]) -> String {
        let mut out = String::new();
        for d in diagnostics {
            let _ = writeln!(
                out,
                "{} {} {:?}",
                d.code,
                d.severity.as_str(),
                &text[d.range.as_usize()]
            );
        }
        out
    }

    #[test]
    fn template_directive_before_the_first_section() {
        let text = "# Plan\n<!-- plan-lsp: template=docs/t.md -->\n## Overview\n";
        let found = template_directive(text).unwrap();
        assert_eq!(found.path, "docs/t.md");
        assert_eq!(&text[found.range.as_usize()], "docs/t.md");
        let quoted = "<!-- plan-lsp: template = \"a b.md\" -->\n";
        assert_eq!(template_directive(quoted).unwrap().path, "a b.md");
        let late = "# Plan\n## Overview\n<!-- plan-lsp: template=t.md -->\n";
        assert_eq!(template_directive(late), None);
        assert_eq!(template_directive("<!-- plan-lsp: optional -->\n"), None);
    }

    #[test]
    fn disable_enable_and_next_line() {
        let text = "\
# T [a]
<!-- plan-lsp-disable unfilled-placeholder -->
[b] [c]
<!-- plan-lsp-enable unfilled-placeholder -->
[d]
<!-- plan-lsp-disable-next-line step-numbering, unfilled-placeholder -->
[e] step
[f] step
<!-- plan-lsp-disable -->
[g] step
";
        let tree = parse::parse(text);
        let all = vec![
            diag(text, "[a]", Code::UnfilledPlaceholder),
            diag(text, "[b]", Code::UnfilledPlaceholder),
            diag(text, "[c]", Code::UnfilledPlaceholder),
            diag(text, "[d]", Code::UnfilledPlaceholder),
            diag(text, "[e]", Code::UnfilledPlaceholder),
            diag(text, "[e] step", Code::StepNumbering),
            diag(text, "[f]", Code::UnfilledPlaceholder),
            diag(text, "[g]", Code::UnfilledPlaceholder),
        ];
        let kept = apply(text, &tree.comments, all, &Rules::default());
        assert_eq!(
            render(text, &kept),
            "unfilled-placeholder warning \"[a]\"\n\
             unfilled-placeholder warning \"[d]\"\n\
             unfilled-placeholder warning \"[f]\"\n"
        );
    }

    #[test]
    fn rule_levels_and_unknown_rules() {
        let text = "# T [a]\n<!-- plan-lsp-disable-next-line no-such-rule -->\n## Steps\n";
        let tree = parse::parse(text);
        let mut rules = Rules::default();
        rules.set(Code::UnfilledPlaceholder, Level::On(Severity::Hint));
        rules.set(Code::StepNumbering, Level::Off);
        let all = vec![
            diag(text, "[a]", Code::UnfilledPlaceholder),
            diag(text, "Steps", Code::StepNumbering),
        ];
        let kept = apply(text, &tree.comments, all, &rules);
        assert_eq!(
            render(text, &kept),
            "unfilled-placeholder hint \"[a]\"\ninvalid-config warning \"no-such-rule\"\n"
        );
    }
}
