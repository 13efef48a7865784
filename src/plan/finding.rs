//! Typed findings: what each rule found, as data.
//!
//! A rule records its facts here (the step, the section, the placeholder's
//! kind, the expected value); the diagnostic's message is rendered from them
//! in one place (`Finding::message`), and fixes, hover and action titles read
//! the same data. Nothing parses a message back.

use std::fmt::Write as _;

use super::base::Code;
use super::placeholder::PlaceholderKind;

/// Where a section that is out of order belongs, relative to the sections
/// that are in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Placement {
    Before(String),
    After(String),
    Elsewhere,
}

/// What is wrong with an item's number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NumberingProblem {
    /// The first item is not numbered from the template's start.
    Start { start: u32, expected: String },
    /// The item repeats the number of the one before.
    Duplicate { before: String },
    /// The item's number is lower than the one before.
    Backward { before: String },
    /// Numbers were skipped between the item before and this one.
    Skip { before: String, expected: String },
}

/// The facts of one finding. Every variant belongs to exactly one rule
/// (`Finding::code`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Finding {
    /// `unclosed-fence`: the opening fence (`` ``` ``, `~~~~`) never closes.
    UnclosedFence { fence: String },
    /// `fence-closes-early`: the block opened with `fence` (and `lang`) on
    /// line `opened_line` holds fences of its own, and one of them closes
    /// it; the author meant line `meant_line` to.
    FenceClosesEarly {
        fence: String,
        lang: String,
        opened_line: usize,
        meant_line: usize,
    },
    /// `missing-title`: no `#` title; the template's title as written.
    MissingTitle { template_title: String },
    /// `section-order`: the section (as written) and where it belongs.
    SectionOrder { section: String, belongs: Placement },
    /// `missing-section`: template section number `index` is absent;
    /// `follows` names the template section before it.
    MissingSection {
        index: usize,
        name: String,
        follows: Option<String>,
    },
    /// `unfilled-placeholder`: a template placeholder left as written, and
    /// the kind of value it stands for.
    UnfilledPlaceholder {
        written: String,
        kind: PlaceholderKind,
    },
    /// `missing-field`: an item lacks an expected field.
    MissingItemField {
        section: String,
        item: String,
        label: String,
        guidance: String,
    },
    /// `missing-field`: a table lacks a required `**Key**` row.
    MissingRow {
        section: String,
        key: String,
        guidance: String,
    },
    /// `missing-field`: a required row has an empty value cell.
    EmptyValue {
        key: String,
        kind: PlaceholderKind,
        guidance: String,
    },
    /// `invalid-value`: a value that is not of the kind the template asks
    /// for (a row's value kind or a column's choices).
    InvalidValue {
        key: String,
        expected: PlaceholderKind,
        found: String,
    },
    /// `invalid-value`: a value that names several of the choices
    /// (`Feature or Issue`, `Low/Medium`): the author has not chosen.
    SeveralChoices { key: String, choices: Vec<String> },
    /// `step-numbering`: the item named `item` in section `section`.
    StepNumbering {
        section: String,
        item: String,
        problem: NumberingProblem,
    },
    /// `step-without-tests`: the item has code but no tests.
    StepWithoutTests { section: String, item: String },
    /// `missing-file`: a file named by a preamble field does not exist.
    MissingFile { field: String, path: String },
    /// `invalid-config`: a directive names a rule that does not exist.
    UnknownRule { word: String },
    /// `invalid-config`: a problem configuration reported about the
    /// document (a key, a value, a template that cannot be read). The text
    /// is the configuration layer's; no fix reads it.
    Config { message: String },
    /// `ambiguous-items`: equally large groups of numbered headings.
    AmbiguousItems {
        section: String,
        names: Vec<String>,
        count: usize,
        chosen: String,
    },
    /// `single-value-enum`: a choice placeholder with one value.
    SingleValueEnum { inner: String, value: String },
}

impl Finding {
    /// The rule this finding belongs to.
    #[must_use]
    pub fn code(&self) -> Code {
        match self {
            Finding::UnclosedFence { .. } => Code::UnclosedFence,
            Finding::FenceClosesEarly { .. } => Code::FenceClosesEarly,
            Finding::MissingTitle { .. } => Code::MissingTitle,
            Finding::SectionOrder { .. } => Code::SectionOrder,
            Finding::MissingSection { .. } => Code::MissingSection,
            Finding::UnfilledPlaceholder { .. } => Code::UnfilledPlaceholder,
            Finding::MissingItemField { .. }
            | Finding::MissingRow { .. }
            | Finding::EmptyValue { .. } => Code::MissingField,
            Finding::InvalidValue { .. } | Finding::SeveralChoices { .. } => Code::InvalidValue,
            Finding::StepNumbering { .. } => Code::StepNumbering,
            Finding::StepWithoutTests { .. } => Code::StepWithoutTests,
            Finding::MissingFile { .. } => Code::MissingFile,
            Finding::UnknownRule { .. } | Finding::Config { .. } => Code::InvalidConfig,
            Finding::AmbiguousItems { .. } => Code::AmbiguousItems,
            Finding::SingleValueEnum { .. } => Code::SingleValueEnum,
        }
    }

    /// What a finding is about, for telling whether a fix removed exactly
    /// its own finding: the finding itself, except that numbering findings
    /// are about their whole section (renumbering fixes all of them).
    #[must_use]
    pub fn subject(&self) -> Finding {
        match self {
            Finding::StepNumbering { section, .. } => Finding::StepNumbering {
                section: section.clone(),
                item: String::new(),
                problem: NumberingProblem::Start {
                    start: 0,
                    expected: String::new(),
                },
            },
            other => other.clone(),
        }
    }

    /// The message shown to users, rendered from the facts.
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Finding::UnclosedFence { fence } => {
                let count = fence.chars().count();
                let what = if fence.starts_with('~') {
                    "tildes"
                } else {
                    "backticks"
                };
                format!(
                    "This code block is never closed: add a closing fence line ({count} {what}); everything after it reads as code"
                )
            }
            Finding::FenceClosesEarly {
                fence,
                lang,
                opened_line,
                meant_line,
            } => fence_message(fence, lang, *opened_line, *meant_line),
            Finding::MissingTitle { template_title } => {
                format!("The plan has no `#` title; the template starts with `# {template_title}`")
            }
            Finding::SectionOrder { section, belongs } => {
                let where_ = match belongs {
                    Placement::Before(name) => format!("before `## {name}`"),
                    Placement::After(name) => format!("after `## {name}`"),
                    Placement::Elsewhere => "elsewhere".to_owned(),
                };
                format!("Section `## {section}` is out of template order; it belongs {where_}")
            }
            Finding::MissingSection { name, follows, .. } => {
                let place = match follows {
                    Some(previous) => format!("in the template it follows `## {previous}`"),
                    None => "in the template it comes first".to_owned(),
                };
                format!("Missing section `## {name}`; {place}")
            }
            Finding::UnfilledPlaceholder { written, kind } => {
                let wanted = match kind {
                    PlaceholderKind::Text => "real content".to_owned(),
                    kind => kind.describe(),
                };
                format!("Unfilled placeholder `{written}`: replace it with {wanted}")
            }
            Finding::MissingItemField {
                item,
                label,
                guidance,
                ..
            } => format!("{item} has no `**{label}**` field{}", suffix(guidance)),
            Finding::MissingRow {
                section,
                key,
                guidance,
            } => format!(
                "The {section} table has no `**{key}**` row{}",
                suffix(guidance)
            ),
            Finding::EmptyValue { key, guidance, .. } => {
                format!("`{key}` has no value{}", suffix(guidance))
            }
            Finding::InvalidValue {
                key,
                expected,
                found,
            } => format!("`{key}` must be {}, not `{found}`", expected.describe()),
            Finding::SeveralChoices { key, choices } => {
                format!(
                    "`{key}` names several choices ({}): pick one",
                    choices.join(", ")
                )
            }
            Finding::StepNumbering { item, problem, .. } => problem.message(item),
            Finding::StepWithoutTests { item, .. } => format!(
                "{item} has a `**Code**` block but no `**Tests**` block; each step includes its tests"
            ),
            Finding::MissingFile { field, path } => {
                format!("{field}: `{path}` does not exist yet")
            }
            Finding::UnknownRule { word } => {
                let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
                format!("Unknown rule `{word}`; the rules are {}", known.join(", "))
            }
            Finding::Config { message } => message.clone(),
            Finding::AmbiguousItems {
                section,
                names,
                count,
                chosen,
            } => ambiguous_message(section, names, *count, chosen),
            Finding::SingleValueEnum { inner, value } => format!(
                "The placeholder `[{inner}]` offers one value, `{value}`, as a choice: write the value itself, or add the alternatives"
            ),
        }
    }
}

impl NumberingProblem {
    fn message(&self, item: &str) -> String {
        match self {
            NumberingProblem::Start { start, expected } => {
                let next = start + 1;
                format!(
                    "Numbering starts at {start} or {next}; expected {expected} here, found {item}"
                )
            }
            NumberingProblem::Duplicate { before } => {
                format!("Duplicate {item}: it repeats the number of {before}")
            }
            NumberingProblem::Backward { before } => {
                format!("{item} comes after {before}; numbers must go up")
            }
            NumberingProblem::Skip { before, expected } => {
                format!("Numbering skips from {before} to {item}; expected {expected}")
            }
        }
    }
}

fn ambiguous_message(section: &str, names: &[String], count: usize, chosen: &str) -> String {
    let mut listed = String::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            listed.push_str(" and ");
        }
        let _ = write!(listed, "`{name}`");
    }
    format!(
        "Section `## {section}` repeats {listed} equally often ({count} times each), so which one is the numbered item is a guess: `{chosen}` is used. Give the item one more instance, or number the others differently"
    )
}

fn fence_message(fence: &str, lang: &str, opened_line: usize, meant_line: usize) -> String {
    format!(
        "This line closes the `` {fence}{lang} `` block opened on line {opened_line}, not the block inside it: everything up to line {meant_line} renders outside the block. Use a longer fence for the outer block"
    )
}

fn suffix(guidance: &str) -> String {
    if guidance.is_empty() {
        String::new()
    } else {
        format!(" ({guidance})")
    }
}
