//! plan-lsp: a language server and checker for markdown implementation plans.
//!
//! Modules in reading order: the pure core (`plan`), the bridge to protocol
//! positions (`convert`), open documents (`document`), file lookups under
//! the workspace roots (`files`), the server (`server`, with its shared
//! `state` and its `workspace` features) behind its wire guards
//! (`transport`) and the command line (`cli`).

pub mod plan;

pub mod config;
pub mod convert;
pub mod document;
pub mod files;
pub mod server;
mod state;
pub mod transport;
mod workspace;

pub mod cli;
