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
    let is_plan = is_plan(&tree, schema, ctx);
    let code_placeholders = if is_plan {
        rules::code_placeholders(text, &tree.code_blocks, &tree.inline_code, schema)
    } else {
        Vec::new()
    };
    finish(text, tree, schema, ctx, is_plan, code_placeholders)
}

/// Runs the rules given the placeholders in code, applies configuration and
/// directives, and builds the analysis.
pub(super) fn finish(
    text: &str,
    tree: PlanTree,
    schema: &Arc<Schema>,
    ctx: &DocContext,
    is_plan: bool,
    code_placeholders: Vec<TextRange>,
) -> Analysis {
    let mut diagnostics = if ctx.role == Role::Template {
        template::problems(text, &tree)
    } else if is_plan {
        rules::run_with_code_placeholders(text, &tree, schema, &code_placeholders)
    } else {
        Vec::new()
    };
    if is_plan || ctx.role == Role::Template {
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

/// Whether a document should be checked as a plan.
///
/// A document is a plan when its file name ends in `-plan.md` or `.plan.md`,
/// or when it has a title and at least three of the template's sections.
/// Results and design documents are never plans.
#[must_use]
pub fn is_plan(tree: &PlanTree, schema: &Schema, ctx: &DocContext) -> bool {
    match ctx.role {
        Role::Plan => return true,
        Role::NotPlan | Role::Template | Role::Config => return false,
        Role::Auto => {}
    }
    if let Some(name) = ctx.file_name.as_deref() {
        let name = name.to_ascii_lowercase();
        if name.ends_with("-results.md") || name.ends_with("-design.md") {
            return false;
        }
        if name.ends_with("-plan.md") || name.ends_with(".plan.md") {
            return true;
        }
    }
    if tree.title.is_none() {
        return false;
    }
    let known = tree
        .sections
        .iter()
        .filter(|section| schema.section_index(&section.heading.text).is_some())
        .count();
    known >= 3
}
