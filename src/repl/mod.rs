//! The interactive REPL (`kriti`, `kriti repl`).
//!
//! - `eval.rs`: the session, running inputs, the bindings' values.
//! - `input.rs`: when an input needs more lines.
//! - `commands.rs`: `:help`, `:type`, `:load`, `:reset`, `:quit`.
//! - `editor.rs`: the terminal front end on rustyline (history,
//!   completion, highlighting, hints, Ctrl-C).
//! - `printer.rs`: task output that keeps the prompt line whole.
//!
//! With stdin not a terminal it reads lines with no prompts or colours,
//! so it can be scripted (`printf '1 + 2\n' | kriti repl`).

mod commands;
mod editor;
mod eval;
mod helper;
mod input;
mod printer;

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use eval::{Evaluator, Flow};

/// Runs the REPL until `:quit`, end of input or `exit(n)`.
pub fn main() -> ExitCode {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let color = interactive && std::env::var_os("NO_COLOR").is_none();
    let mut eval = match Evaluator::new(color) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let flow = if interactive {
        editor::run(&mut eval)
    } else {
        piped(&mut eval)
    };
    match flow {
        Flow::Exit(code) => ExitCode::from(code as u8),
        Flow::Continue => ExitCode::SUCCESS,
    }
}

/// Handles one complete input (a command or code).
fn handle(eval: &mut Evaluator, text: &str) -> Flow {
    if text.trim().is_empty() {
        return Flow::Continue;
    }
    if text.trim_start().starts_with(':') {
        return commands::run(eval, text);
    }
    eval.eval(text)
}

/// Reads stdin line by line: no prompts, no colours.
fn piped(eval: &mut Evaluator) -> Flow {
    let stdin = std::io::stdin();
    let mut pending = String::new();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if pending.is_empty() && line.trim_start().starts_with(':') {
            if let Flow::Exit(code) = handle(eval, &line) {
                return Flow::Exit(code);
            }
            continue;
        }
        if !pending.is_empty() {
            pending.push('\n');
        }
        pending.push_str(&line);
        if input::needs_more(&pending) {
            continue;
        }
        let text = std::mem::take(&mut pending);
        if let Flow::Exit(code) = handle(eval, &text) {
            return Flow::Exit(code);
        }
    }
    if !pending.is_empty() {
        // End of input inside an open bracket: compile it for its errors.
        return handle(eval, &pending);
    }
    Flow::Continue
}
