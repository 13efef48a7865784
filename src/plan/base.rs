//! The base types of the core: byte ranges, severities, rule codes,
//! findings as diagnostics, text edits, and what configuration says about a
//! document. Everything else in `plan/` builds on these; they import nothing
//! from it but the typed findings.

use std::fmt;

use super::finding::Finding;

/// A half-open UTF-8 byte range `start..end` into a document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    #[must_use]
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "inverted range {start}..{end}");
        Self {
            start: start as u32,
            end: end as u32,
        }
    }

    #[must_use]
    pub fn empty(at: usize) -> Self {
        Self::new(at, at)
    }

    #[must_use]
    pub fn len(self) -> u32 {
        self.end - self.start
    }

    #[must_use]
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    #[must_use]
    pub fn contains(self, offset: u32) -> bool {
        self.start <= offset && offset < self.end
    }

    /// Whether `offset` lies inside the range or exactly at its end.
    #[must_use]
    pub fn touches(self, offset: u32) -> bool {
        self.start <= offset && offset <= self.end
    }

    #[must_use]
    pub fn as_usize(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl fmt::Display for TextRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// How serious a finding is. The order is from most to least severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }
}

/// The stable identifier of a rule, shown to users as the diagnostic code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    MissingTitle,
    MissingSection,
    SectionOrder,
    UnfilledPlaceholder,
    MissingField,
    InvalidValue,
    StepNumbering,
    StepWithoutTests,
    UnclosedFence,
    /// A fence closed by a fence line of an example nested inside it.
    FenceClosesEarly,
    MissingFile,
    /// A problem in `plan-lsp.toml`, an editor setting or a template
    /// directive: an unknown key, an invalid value, an unreadable template.
    InvalidConfig,
    /// A template whose numbered `###` headings form two equally large
    /// groups, so which one is the repeatable item is a guess.
    AmbiguousItems,
    /// A template placeholder that offers one value as an enum.
    SingleValueEnum,
}

impl Code {
    pub const ALL: [Code; 14] = [
        Code::MissingTitle,
        Code::MissingSection,
        Code::SectionOrder,
        Code::UnfilledPlaceholder,
        Code::MissingField,
        Code::InvalidValue,
        Code::StepNumbering,
        Code::StepWithoutTests,
        Code::UnclosedFence,
        Code::FenceClosesEarly,
        Code::MissingFile,
        Code::InvalidConfig,
        Code::AmbiguousItems,
        Code::SingleValueEnum,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MissingTitle => "missing-title",
            Code::MissingSection => "missing-section",
            Code::SectionOrder => "section-order",
            Code::UnfilledPlaceholder => "unfilled-placeholder",
            Code::MissingField => "missing-field",
            Code::InvalidValue => "invalid-value",
            Code::StepNumbering => "step-numbering",
            Code::StepWithoutTests => "step-without-tests",
            Code::UnclosedFence => "unclosed-fence",
            Code::FenceClosesEarly => "fence-closes-early",
            Code::MissingFile => "missing-file",
            Code::InvalidConfig => "invalid-config",
            Code::AmbiguousItems => "ambiguous-items",
            Code::SingleValueEnum => "single-value-enum",
        }
    }

    #[must_use]
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|code| code.as_str() == name)
    }

    /// The severity a rule has unless configuration says otherwise.
    #[must_use]
    pub fn default_severity(self) -> Severity {
        match self {
            Code::UnclosedFence | Code::FenceClosesEarly => Severity::Error,
            Code::MissingFile => Severity::Hint,
            _ => Severity::Warning,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding, anchored to a focused byte range.
///
/// `finding` holds the facts the rule found, as data; `code` and `message`
/// are rendered from it once, in `Diagnostic::new` (`Finding::code`,
/// `Finding::message`). Fixes and hover read `finding`, never `message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub range: TextRange,
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub finding: Finding,
}

impl Diagnostic {
    /// The diagnostic for `finding` at `range`, at its rule's default
    /// severity.
    #[must_use]
    pub fn new(range: TextRange, finding: Finding) -> Self {
        let code = finding.code();
        Self {
            range,
            severity: code.default_severity(),
            code,
            message: finding.message(),
            finding,
        }
    }
}

/// A replacement of `range` with `new_text`: the core's form of an edit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TextEdit {
    pub range: TextRange,
    pub new_text: String,
}

impl TextEdit {
    #[must_use]
    pub fn replace(range: TextRange, new_text: impl Into<String>) -> Self {
        Self {
            range,
            new_text: new_text.into(),
        }
    }

    #[must_use]
    pub fn insert(at: u32, new_text: impl Into<String>) -> Self {
        Self::replace(TextRange { start: at, end: at }, new_text)
    }
}

/// Applies non-overlapping `edits` to `text`. Edits are sorted first; an edit
/// that overlaps an earlier one, or lies outside the text or off a character
/// boundary, is skipped.
#[must_use]
pub fn apply_edits(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for edit in sorted {
        let (start, end) = (edit.range.start as usize, edit.range.end as usize);
        if start < at
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(&edit.new_text);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// What a document is, as configuration decides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    /// The core rule decides whether it is a plan (see `is_plan`).
    #[default]
    Auto,
    /// A plan, whatever its name and content (a `files` glob matched, or
    /// it names its template in a directive).
    Plan,
    /// Not a plan (configured `files` globs exist and none matched).
    NotPlan,
    /// A template: checked for problems deriving its schema, never as a plan.
    Template,
    /// A configuration file: only the configuration's own findings (`notes`).
    Config,
}

/// What configuration makes of a rule: its severity, or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

impl Level {
    /// Reads `"error" | "warning" | "info" | "hint" | "off"`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Level> {
        Some(match name {
            "error" => Level::On(Severity::Error),
            "warning" => Level::On(Severity::Warning),
            "info" => Level::On(Severity::Info),
            "hint" => Level::On(Severity::Hint),
            "off" => Level::Off,
            _ => return None,
        })
    }
}

/// Rule levels set by configuration; a rule not named keeps its default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    levels: Vec<(Code, Level)>,
}

impl Rules {
    /// Sets the level of `code`, replacing an earlier one.
    pub fn set(&mut self, code: Code, level: Level) {
        self.levels.retain(|(c, _)| *c != code);
        self.levels.push((code, level));
    }

    /// `self` with the levels of `later` on top.
    #[must_use]
    pub fn merged(&self, later: &Rules) -> Rules {
        let mut out = self.clone();
        for &(code, level) in &later.levels {
            out.set(code, level);
        }
        out
    }

    /// The severity of `code`, `None` when it is off.
    #[must_use]
    pub fn severity(&self, code: Code) -> Option<Severity> {
        match self.levels.iter().find(|(c, _)| *c == code) {
            Some((_, Level::Off)) => None,
            Some((_, Level::On(severity))) => Some(*severity),
            None => Some(code.default_severity()),
        }
    }
}

/// What the analysis needs to know about a document besides its text.
#[derive(Clone, Debug, Default)]
pub struct DocContext {
    /// The file name (last path segment) when the document has one.
    pub file_name: Option<String>,
    /// What configuration says the document is.
    pub role: Role,
    /// Rule levels from configuration.
    pub rules: Rules,
    /// Findings about this document that configuration made (a template
    /// that cannot be read, a `plan-lsp.toml` key that is unknown), in
    /// byte ranges of the document's text.
    pub notes: Vec<Diagnostic>,
    /// Whether the document lies in a `templates` folder, where a document
    /// that looks like a template is one whatever its name.
    pub in_templates_dir: bool,
}

impl DocContext {
    #[must_use]
    pub fn named(file_name: &str) -> Self {
        Self {
            file_name: Some(file_name.to_owned()),
            ..Self::default()
        }
    }
}
