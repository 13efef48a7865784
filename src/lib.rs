//! plan-lsp: a language server and checker for markdown implementation plans.
//!
//! Modules in reading order: the pure core (`plan`), the bridge to protocol
//! positions (`convert`), open documents (`document`), the server
//! (`server`, with its shared `state`) behind its wire guards (`transport`) and the command line (`cli`).

pub mod plan;

pub mod config;
pub mod convert;
pub mod document;
pub mod server;
mod state;
pub mod transport;

pub mod cli;
