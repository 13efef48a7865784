//! The pure analysis core: text in, values with byte ranges out.
//!
//! Nothing in this module tree knows about the Language Server Protocol, the
//! async runtime, ropes, the file system, the clock or logging. Every range is
//! a UTF-8 byte range into the analysed text (see `TextRange`). The protocol
//! layer (`crate::convert`) is the only place that turns these into LSP
//! positions.

mod analysis;
mod base;
pub mod finding;

pub mod actions;
pub mod complete;
pub mod directives;
pub mod edit;
pub mod fuzzy;
pub mod hover;
pub mod incremental;
pub mod links;
pub mod outline;
pub mod parse;
pub mod placeholder;
pub mod progress;
pub mod rules;
pub mod skeleton;
pub mod template;

pub use analysis::{Analysis, analyze, is_plan, role_of};
pub use base::{
    Code, Diagnostic, DocContext, Level, Role, Rules, Severity, TextEdit, TextRange, apply_edits,
};
pub use finding::Finding;
pub use outline::{Fold, FoldKind, Symbol, SymbolKind};
pub use parse::PlanTree;
pub use template::Schema;
