//! Writes a generated plan to stdout.
//!
//! `cargo run --release --example gen_plan -- --steps 100 > plan.md`

use std::io::Write as _;
use std::process::ExitCode;

#[path = "support/plan_gen.rs"]
mod plan_gen;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut steps = 100usize;
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--steps" => args.next(),
            _ => arg.strip_prefix("--steps=").map(str::to_owned),
        };
        match value.and_then(|v| v.parse().ok()) {
            Some(n) => steps = n,
            None => {
                eprintln!("usage: gen_plan [--steps N]");
                return ExitCode::from(2);
            }
        }
    }
    let plan = plan_gen::generate(steps);
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(plan.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
