//! The `:` commands of the REPL.

use std::io::Write;

use super::eval::{Evaluator, Flow};

/// Every command, with its arguments and what it does (for `:help` and
/// completion).
pub const COMMANDS: &[(&str, &str, &str)] = &[
    (":help", "", "show this help"),
    (":type", " EXPR", "show the type of EXPR without running it"),
    (
        ":load",
        " FILE",
        "define the items of FILE (its `main` is not run)",
    ),
    (":reset", "", "forget every definition and binding"),
    (":quit", "", "leave the REPL (also Ctrl-D)"),
];

/// Runs the command line `line` (which starts with `:`).
pub fn run(eval: &mut Evaluator, line: &str) -> Flow {
    let line = line.trim();
    let (name, arg) = match line.find(char::is_whitespace) {
        Some(i) => (&line[..i], line[i..].trim()),
        None => (line, ""),
    };
    match name {
        ":help" | ":h" | ":?" => help(),
        ":quit" | ":q" | ":exit" => return Flow::Exit(0),
        ":type" | ":t" if !arg.is_empty() => match eval.type_of(arg) {
            Ok(ty) => println!("{arg} : {ty}"),
            Err(e) => eval.report(&e),
        },
        ":load" | ":l" if !arg.is_empty() => match std::fs::read_to_string(arg) {
            Ok(text) => return eval.eval_named(Some(arg), &text),
            Err(e) => eprintln!("error: cannot read `{arg}`: {e}"),
        },
        ":reset" => {
            if let Err(e) = eval.reset() {
                eprintln!("{e}");
            }
        }
        ":type" | ":t" | ":load" | ":l" => {
            let usage = COMMANDS
                .iter()
                .find(|(c, _, _)| c.starts_with(name))
                .map_or("", |(_, a, _)| a);
            eprintln!("error: usage: {name}{usage}");
        }
        _ => eprintln!("error: unknown command `{name}` (`:help` lists the commands)"),
    }
    let _ = std::io::stdout().flush();
    Flow::Continue
}

fn help() {
    println!("Type Kriti code: items (fn, struct, enum, impl, const) define things,");
    println!("`let`/`var` bindings stay for later lines, and an expression prints");
    println!("its value and its type. Open brackets or a trailing operator continue");
    println!("the input on the next line.");
    println!();
    for (name, arg, what) in COMMANDS {
        println!("  {:<14}{what}", format!("{name}{arg}"));
    }
}
