//! `missing-file`: a file named by a preamble field (the `Track Progress`
//! results document, the `Design` document) does not exist. A hint, made
//! after the analysis, because only the caller can answer whether a path
//! exists (the core never touches the file system).

use crate::plan::links::paths;
use crate::plan::{Analysis, Diagnostic, Finding, directives};

/// A `missing-file` hint for each file named by a preamble field for which
/// `exists` says no. Nothing for documents that are not plans. The same
/// comments and rule levels apply as to the analysis's own findings.
#[must_use]
pub fn missing_files(
    text: &str,
    analysis: &Analysis,
    exists: impl Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    if !analysis.is_plan {
        return Vec::new();
    }
    let hints = paths(text, &analysis.tree)
        .into_iter()
        .filter_map(|p| {
            let field = p.field?;
            (!exists(&p.path)).then(|| {
                Diagnostic::new(
                    p.range,
                    Finding::MissingFile {
                        field,
                        path: p.path,
                    },
                )
            })
        })
        .collect();
    directives::apply_quietly(text, &analysis.tree.comments, hints, &analysis.rules)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use expect_test::expect;

    use super::*;
    use crate::plan::{Code, DocContext, Schema, analyze};

    fn render(text: &str, exists: &[&str]) -> String {
        let analysis = analyze(text, &Schema::builtin(), &DocContext::named("x-plan.md"));
        let mut out = String::new();
        for d in missing_files(text, &analysis, |p| exists.contains(&p)) {
            let _ = writeln!(
                out,
                "{} {} {}: {}",
                d.range,
                d.severity.as_str(),
                d.code,
                d.message
            );
        }
        out
    }

    #[test]
    fn names_the_field_and_the_path() {
        let text = "# x Plan\n\n> **Design**: `docs/x-design.md`\n>\n> **Track Progress**: See `docs/x-results.md`.\n";
        expect![[r#"
            25..41 hint missing-file: Design: `docs/x-design.md` does not exist yet
            72..89 hint missing-file: Track Progress: `docs/x-results.md` does not exist yet
        "#]]
        .assert_eq(&render(text, &[]));
        expect![[r#"
            72..89 hint missing-file: Track Progress: `docs/x-results.md` does not exist yet
        "#]]
        .assert_eq(&render(text, &["docs/x-design.md"]));
    }

    #[test]
    fn missing_file_hints_follow_rule_levels_and_disable_comments() {
        use crate::plan::{DocContext, Level, Rules, Schema, analyze};
        let text = "# x Plan\n\n> **Track Progress**: See `docs/x-results.md`.\n";
        let hints = |text: &str, rules: Rules| {
            let ctx = DocContext {
                rules,
                ..DocContext::named("x-plan.md")
            };
            let analysis = analyze(text, &Schema::builtin(), &ctx);
            missing_files(text, &analysis, |_| false)
                .into_iter()
                .map(|d| d.severity)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            hints(text, Rules::default()),
            vec![crate::plan::Severity::Hint]
        );
        let mut warn = Rules::default();
        warn.set(Code::MissingFile, Level::On(crate::plan::Severity::Warning));
        assert_eq!(hints(text, warn), vec![crate::plan::Severity::Warning]);
        let mut off = Rules::default();
        off.set(Code::MissingFile, Level::Off);
        assert!(hints(text, off).is_empty());
        let silenced = format!("<!-- plan-lsp-disable missing-file -->\n{text}");
        assert!(hints(&silenced, Rules::default()).is_empty());
    }
}
