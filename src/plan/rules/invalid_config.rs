//! `invalid-config`: a problem in configuration that concerns a document: an
//! unknown rule named in a `plan-lsp-disable` comment (found here), or a
//! `plan-lsp.toml` key, editor setting or template that configuration could
//! not use (found by the configuration layer, which hands its message in).

use crate::plan::{Diagnostic, Finding, TextRange};

/// The finding for an unknown rule `word` in the comment at `comment`.
#[must_use]
pub fn unknown_rule(text: &str, comment: TextRange, word: &str) -> Diagnostic {
    let raw = &text[comment.as_usize()];
    let at = raw
        .find(word)
        .map_or(comment.start as usize, |i| comment.start as usize + i);
    Diagnostic::new(
        TextRange::new(at, at + word.len()),
        Finding::UnknownRule {
            word: word.to_owned(),
        },
    )
}

/// A finding the configuration layer makes about a document.
#[must_use]
pub fn config_note(range: TextRange, message: String) -> Diagnostic {
    Diagnostic::new(range, Finding::Config { message })
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::test_support::check_diagnostics;
    use crate::plan::Code;

    #[test]
    fn unknown_rules_in_disable_comments() {
        check_diagnostics(
            Code::InvalidConfig,
            "# x Plan\n\n<!-- plan-lsp-disable no-such-rule step-numbering -->\n",
            &expect![[r#"
                3:23 warning invalid-config: Unknown rule `no-such-rule`; the rules are missing-title, missing-section, section-order, unfilled-placeholder, missing-field, invalid-value, step-numbering, step-without-tests, unclosed-fence, fence-closes-early, missing-file, invalid-config, ambiguous-items, single-value-enum
            "#]],
        );
    }

    #[test]
    fn notes_keep_the_configuration_message() {
        let note = super::config_note(crate::plan::TextRange::new(0, 3), "bad key".to_owned());
        assert_eq!(note.code, Code::InvalidConfig);
        assert_eq!(note.message, "bad key");
    }
}
