//! The `kriti` command: run, check and inspect Kriti programs.

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

mod cli;
mod repl;

/// Kriti: a statically typed language with expressive syntax and lightweight tasks.
#[derive(Parser)]
#[command(name = "kriti", version, about, long_about = None)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Compile and run a program
    Run {
        /// The program's `.kr` file
        file: String,
        /// Print an intermediate form instead of running
        #[arg(long, value_enum)]
        emit: Option<Emit>,
        /// Arguments passed to the program (`args()`)
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Check a program for errors without running it
    Check {
        /// The program's `.kr` file
        file: String,
    },
    /// Start the interactive REPL (also `kriti` with no arguments)
    Repl,
}

/// What `--emit` prints.
#[derive(Clone, Copy, ValueEnum)]
pub enum Emit {
    /// The tokens after the newline rule
    Tokens,
    /// The syntax tree
    Ast,
    /// The typed intermediate representation (KIR)
    Ir,
    /// The Cranelift IR of every function
    Clif,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.command {
        Some(Command::Run { file, emit, args }) => cli::run(&file, emit, &args),
        Some(Command::Check { file }) => cli::check(&file),
        Some(Command::Repl) | None => repl::main(),
    }
}
