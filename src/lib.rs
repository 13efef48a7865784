//! plan-lsp: a language server and checker for markdown implementation plans.
//!
//! Modules in reading order: the pure core (`plan`), the wall clock
//! (`clock`), configuration (`config`), the bridge to protocol positions
//! (`convert`), open documents (`document`), file lookups under the
//! workspace roots (`files`); then the server's parts: request cancellation
//! (`cancel`), what it knows of the workspace's files (`index`), the
//! client's features and folders (`session`), the shared `state`, the
//! `workspace` features; the server (`server`) behind its wire guards
//! (`transport`); and the command line (`cli`).

pub mod plan;

pub mod clock;
pub mod config;
pub mod convert;
pub mod document;
pub mod files;

mod cancel;
mod index;
mod session;
mod state;
mod workspace;

pub mod server;
pub mod transport;

pub mod cli;
