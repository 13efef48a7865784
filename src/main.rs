//! The `plan-lsp` binary: parses the command line, sets up logging on
//! stderr, and dispatches to the language server or the checker.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use plan_lsp::cli::{self, Format};

/// A language server and checker for markdown implementation plans.
#[derive(Parser)]
#[command(name = "plan-lsp", version, about)]
struct Cli {
    /// Accepted and ignored: the server always speaks on stdin/stdout.
    #[arg(long, global = true)]
    stdio: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Speak the Language Server Protocol on stdin/stdout (the default).
    Serve,
    /// Check plan files and print findings; exit 1 when any is an error.
    Check {
        /// Files or directories (walked for plans, honouring .gitignore).
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Apply the safe fixes (those of `source.fixAll`) and write the
        /// files back atomically, then report what remains.
        #[arg(long)]
        fix: bool,
        /// Print the schema derived for FILE (a plan, a template, or a
        /// directory; default the current one) and where its template
        /// comes from, instead of checking.
        #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = ".")]
        print_schema: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        None | Some(Command::Serve) => plan_lsp::server::run_stdio(),
        Some(Command::Check {
            print_schema: Some(file),
            ..
        }) => cli::print_schema(&file),
        Some(Command::Check {
            paths, format, fix, ..
        }) => cli::check_with(&paths, format, fix),
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PLAN_LSP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}
