//! The analysis entry point: parse, decide whether the document is a plan,
//! run the rules, apply configuration. Incremental reanalysis
//! (`incremental.rs`) reuses `finish` after splicing a tree.

use std::sync::{Arc, OnceLock};

use super::outline::{self, Fold, Symbol};
use super::parse::{self, PlanTree};
use super::template::{self, Schema};
use super::{Diagnostic, DocContext, Role, Rules, TextRange, directives, rules};

/// Everything derived from one version of a document.
#[derive(Debug)]
pub struct Analysis {
    pub tree: PlanTree,
    pub schema: Arc<Schema>,
    pub is_plan: bool,
    pub diagnostics: Vec<Diagnostic>,
    pub(super) outline: OnceLock<Vec<Symbol>>,
    /// Placeholders found in code (see `rules::code_placeholders`), kept
    /// for incremental reanalysis; empty when the document is not a plan.
    pub(super) code_placeholders: Vec<TextRange>,
    /// The rule levels the analysis applied, for findings made later
    /// (`links::missing_files`).
    pub rules: Rules,
}

impl Analysis {
    /// The hierarchical outline, computed on first use.
    #[must_use]
    pub fn outline(&self) -> &[Symbol] {
        self.outline
            .get_or_init(|| outline::symbols(&self.tree, &self.schema))
    }

    /// Folding ranges for sections, steps and code blocks.
    #[must_use]
    pub fn folds(&self) -> Vec<Fold> {
        outline::folds(&self.tree)
    }
}

/// Parses and checks `text` against `schema`. Never fails, never panics.
#[must_use]
pub fn analyze(text: &str, schema: &Arc<Schema>, ctx: &DocContext) -> Analysis {
    if ctx.role == Role::Config {
        // Not markdown: no tree, only the configuration's findings.
        return Analysis {
            tree: PlanTree::default(),
            schema: Arc::clone(schema),
            is_plan: false,
            diagnostics: directives::apply_rules(ctx.notes.clone(), &ctx.rules),
            outline: OnceLock::new(),
            code_placeholders: Vec::new(),
            rules: ctx.rules.clone(),
        };
    }
    let tree = parse::parse(text);
    check(text, tree, schema, ctx)
}

/// Runs the rules on a parsed tree (the second half of `analyze`).
#[must_use]
pub fn check(text: &str, tree: PlanTree, schema: &Arc<Schema>, ctx: &DocContext) -> Analysis {
    let role = role_of(text, &tree, schema, ctx);
    let code_placeholders = if role == Role::Plan {
        rules::code_placeholders(text, &tree.code_blocks, &tree.inline_code, schema)
    } else {
        Vec::new()
    };
    finish(text, tree, schema, ctx, role, code_placeholders)
}

/// Runs the rules for the document's role (see `role_of`) given the
/// placeholders in code, applies configuration and directives, and builds
/// the analysis.
pub(super) fn finish(
    text: &str,
    tree: PlanTree,
    schema: &Arc<Schema>,
    ctx: &DocContext,
    role: Role,
    code_placeholders: Vec<TextRange>,
) -> Analysis {
    let is_plan = role == Role::Plan;
    let is_template = role == Role::Template;
    let mut diagnostics = if is_template {
        template::problems(text, &tree)
    } else if is_plan {
        rules::run_with_code_placeholders(text, &tree, schema, &code_placeholders)
    } else {
        Vec::new()
    };
    if is_plan || is_template {
        diagnostics.extend(ctx.notes.iter().cloned());
        diagnostics = directives::apply(text, &tree.comments, diagnostics, &ctx.rules);
    }
    Analysis {
        tree,
        schema: Arc::clone(schema),
        is_plan,
        diagnostics,
        outline: OnceLock::new(),
        code_placeholders,
        rules: ctx.rules.clone(),
    }
}

/// Whether a document should be checked as a plan (see `role_of`).
#[must_use]
pub fn is_plan(text: &str, tree: &PlanTree, schema: &Schema, ctx: &DocContext) -> bool {
    role_of(text, tree, schema, ctx) == Role::Plan
}

/// What a document is: configuration decides when it says; otherwise
/// (`Role::Auto`), one rule, the server's and the CLI's alike:
///
/// - a document that starts with YAML front matter (`---` ... `---`) is not
///   a plan (agent command files are written so);
/// - a document whose title still has its placeholders and whose template
///   table values are all placeholders is a template when it lies in a
///   `templates` folder or is not named as a plan (a fresh copy named
///   `docs/x-plan.md` is a plan to fill in, with fixes for its slug);
/// - results and design documents (`-results.md`, `-design.md`) are not
///   plans;
/// - a file named `-plan.md` or `.plan.md` is a plan;
/// - otherwise a document is a plan when it has a title, at least three of
///   the template's sections, and the plan's distinctive structure: a
///   required row of a template table (`**Created**`) or a numbered item
///   (`### Step 1`). Three headings alone (a README with Overview,
///   Architecture and Dependencies) do not make a plan.
#[must_use]
pub fn role_of(text: &str, tree: &PlanTree, schema: &Schema, ctx: &DocContext) -> Role {
    if ctx.role != Role::Auto {
        return ctx.role;
    }
    if has_front_matter(text) {
        return Role::NotPlan;
    }
    let template = looks_like_template(text, tree);
    if template && ctx.in_templates_dir {
        return Role::Template;
    }
    if let Some(name) = ctx.file_name.as_deref() {
        let name = name.to_ascii_lowercase();
        if name.ends_with("-results.md") || name.ends_with("-design.md") {
            return Role::NotPlan;
        }
        if name.ends_with("-plan.md") || name.ends_with(".plan.md") {
            return Role::Plan;
        }
    }
    if template {
        return Role::Template;
    }
    if tree.title.is_none() {
        return Role::NotPlan;
    }
    let known: Vec<(&parse::Section, &template::SectionSpec)> = tree
        .sections
        .iter()
        .filter_map(|section| {
            schema
                .section_spec(&section.heading.text)
                .map(|spec| (section, spec))
        })
        .collect();
    let distinctive = known.iter().any(|(section, spec)| {
        let rows = section.tables().any(|table| {
            spec.table_spec(table).is_some_and(|t| {
                t.rows.iter().any(|row| {
                    table.rows.iter().any(|r| {
                        r.first().is_some_and(|c| {
                            super::placeholder::clean_value(&c.text).eq_ignore_ascii_case(&row.key)
                        })
                    })
                })
            })
        });
        let items = spec
            .items
            .as_ref()
            .is_some_and(|items| items.instances(section).next().is_some());
        rows || items
    });
    if known.len() >= 3 && distinctive {
        Role::Plan
    } else {
        Role::NotPlan
    }
}

/// Whether the text starts with YAML front matter: a `---` line, then a
/// closing `---` or `...` line.
fn has_front_matter(text: &str) -> bool {
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("---") {
        return false;
    }
    lines.any(|line| matches!(line.trim_end(), "---" | "..."))
}

/// Whether a document is a template: its title holds a placeholder, and
/// it has bold-key table rows whose values are all placeholders.
fn looks_like_template(text: &str, tree: &PlanTree) -> bool {
    let Some(title) = &tree.title else {
        return false;
    };
    let title_placeholder = tree
        .placeholders
        .iter()
        .any(|p| title.range.start <= p.start && p.end <= title.range.end);
    if !title_placeholder {
        return false;
    }
    let mut values = tree
        .sections
        .iter()
        .flat_map(parse::Section::tables)
        .flat_map(|table| &table.rows)
        .filter(|row| row.first().is_some_and(|c| c.bold))
        .filter_map(|row| row.get(1))
        .peekable();
    values.peek().is_some()
        && values.all(|cell| text[cell.range.as_usize()].trim_start().starts_with('['))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::template::DEFAULT_TEMPLATE;

    fn role(name: &str, text: &str) -> Role {
        let tree = parse::parse(text);
        role_of(text, &tree, &Schema::builtin(), &DocContext::named(name))
    }

    fn role_in_templates(name: &str, text: &str) -> Role {
        let tree = parse::parse(text);
        let ctx = DocContext {
            in_templates_dir: true,
            ..DocContext::named(name)
        };
        role_of(text, &tree, &Schema::builtin(), &ctx)
    }

    #[test]
    fn a_template_is_a_template_in_a_templates_folder_or_when_not_named_as_a_plan() {
        for name in [
            "2-plan.md",
            "implementation-plan.md",
            "poc-plan.md",
            "plan-template.md",
        ] {
            assert_eq!(
                role_in_templates(name, DEFAULT_TEMPLATE),
                Role::Template,
                "{name}"
            );
        }
        assert_eq!(role("plan-template.md", DEFAULT_TEMPLATE), Role::Template);
        // A fresh copy named as a plan is a plan to fill in.
        assert_eq!(role("m1-search-plan.md", DEFAULT_TEMPLATE), Role::Plan);
        // Once the title or a value is filled in, it is a plan.
        let started = DEFAULT_TEMPLATE.replacen("[Milestone-Slug]-[Task-Slug]", "m1-search", 1);
        assert_eq!(role("m1-search-plan.md", &started), Role::Plan);
        let valued = DEFAULT_TEMPLATE.replacen("[Name]", "Search", 1);
        assert_eq!(role("m1-search-plan.md", &valued), Role::Plan);
    }

    #[test]
    fn front_matter_makes_a_command_file_not_a_plan() {
        let command = "---\ndescription: Write a plan\nallowed-tools: Read\n---\n\n# Dev Plan\n\n## Overview\n\n| Attribute | Value |\n|---|---|\n| **Created** | now |\n\n## Implementation Steps\n\n### Step 1: Read\n";
        assert_eq!(role("dev-plan.md", command), Role::NotPlan);
        assert_eq!(role("agent-dev-plan.md", command), Role::NotPlan);
        let configured = DocContext {
            role: Role::Plan,
            ..DocContext::named("dev-plan.md")
        };
        let tree = parse::parse(command);
        assert_eq!(
            role_of(command, &tree, &Schema::builtin(), &configured),
            Role::Plan
        );
    }

    #[test]
    fn a_readme_with_three_template_headings_is_not_a_plan() {
        let readme = "# searchy\n\nA search tool.\n\n## Overview\n\nIt searches.\n\n## Architecture\n\nOne crate.\n\n## Dependencies\n\nNone.\n";
        assert_eq!(role("README.md", readme), Role::NotPlan);
        // The plan's own structure makes it a plan, whatever its name.
        let with_table = readme.replacen(
            "It searches.",
            "| Attribute | Value |\n|---|---|\n| **Created** | 2026-01-01 |",
            1,
        );
        assert_eq!(role("notes.md", &with_table), Role::Plan);
        let with_steps = format!("{readme}\n## Implementation Steps\n\n### Step 0: Setup\n");
        assert_eq!(role("notes.md", &with_steps), Role::Plan);
    }

    #[test]
    fn results_and_design_documents_are_not_plans() {
        assert_eq!(role("x-results.md", "# x Results\n"), Role::NotPlan);
        assert_eq!(role("x-design.md", "# x Design\n"), Role::NotPlan);
        assert_eq!(role("x-plan.md", "# x Plan\n"), Role::Plan);
    }
}
