//! The `run` and `check` commands: read the file (and the files it
//! imports, for the compiler's loader), run the pipeline, print
//! diagnostics or run the program, and choose the exit status.
//!
//! Exit statuses: 0 success, 1 compile errors (or an unreadable file),
//! 101 a runtime panic, 102 a deadlock, and whatever the program passes to
//! `exit(code)`.

use crate::Emit;
use kriti_compiler::{codegen, diagnostics, frontend_with_loader, ir, syntax, Frontend};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Exit status for compile errors.
const COMPILE_ERROR: u8 = 1;
/// Exit status for a runtime panic (also one in a task that no `join`
/// observed).
const PANIC: u8 = 101;
/// Exit status when every task is blocked for good.
const DEADLOCK: u8 = 102;

fn read(path: &str) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|e| {
        eprintln!("error: cannot read `{path}`: {e}");
        ExitCode::from(COMPILE_ERROR)
    })
}

/// Runs the front end on the program whose main file is `path`, reading
/// the files it imports from disk.
fn frontend(path: &str, bytes: &[u8]) -> Frontend {
    let mut read_import = |p: &str| {
        std::fs::read(p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        })
    };
    frontend_with_loader(path, bytes, &mut read_import)
}

fn use_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// `kriti check FILE`
pub fn check(path: &str) -> ExitCode {
    let bytes = match read(path) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let fe = frontend(path, &bytes);
    if fe.program.is_none() {
        report(&fe);
        return ExitCode::from(COMPILE_ERROR);
    }
    ExitCode::SUCCESS
}

fn report(fe: &Frontend) {
    let text = diagnostics::render(&fe.diagnostics, &fe.sources, use_color());
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let n = fe.diagnostics.len();
    // The main file is the first one loaded.
    let _ = writeln!(
        err,
        "error: could not compile `{}` due to {} error{}",
        fe.sources
            .files()
            .next()
            .map_or("", |(_, f)| f.path.as_str()),
        n,
        if n == 1 { "" } else { "s" }
    );
}

/// `kriti run FILE [ARGS...]`
pub fn run(path: &str, emit: Option<Emit>, args: &[String]) -> ExitCode {
    let bytes = match read(path) {
        Ok(b) => b,
        Err(code) => return code,
    };
    if let Some(Emit::Tokens | Emit::Ast) = emit {
        return emit_syntax(path, &bytes, emit);
    }
    let fe = frontend(path, &bytes);
    let Some(program) = &fe.program else {
        report(&fe);
        return ExitCode::from(COMPILE_ERROR);
    };
    match emit {
        Some(Emit::Ir) => {
            print!("{}", ir::print::print_program(program));
            return ExitCode::SUCCESS;
        }
        Some(Emit::Clif) => {
            return match codegen::emit_clif(program, &fe.sources) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => internal_error(&e),
            };
        }
        _ => {}
    }
    let mut jit = match codegen::compile_jit(program, &fe.sources) {
        Ok(jit) => jit,
        Err(e) => return internal_error(&e),
    };
    jit.set_args(args.to_vec());
    let outcome = jit.run_main();
    match outcome {
        kriti_runtime::Outcome::Returned => ExitCode::SUCCESS,
        kriti_runtime::Outcome::Exited(code) => ExitCode::from(code as u8),
        kriti_runtime::Outcome::Panicked { .. } => {
            if let Some(text) = outcome.report() {
                eprintln!("{text}");
            }
            ExitCode::from(PANIC)
        }
        // Already reported on stderr by the runtime, when it happened.
        kriti_runtime::Outcome::TaskPanicked => ExitCode::from(PANIC),
        kriti_runtime::Outcome::Deadlock { .. } => ExitCode::from(DEADLOCK),
        // The CLI sets no deadline and no interrupt.
        kriti_runtime::Outcome::TimedOut | kriti_runtime::Outcome::Interrupted => {
            internal_error("the run was ended by a limit the CLI never sets")
        }
    }
}

fn emit_syntax(path: &str, bytes: &[u8], emit: Option<Emit>) -> ExitCode {
    let text = String::from_utf8_lossy(bytes);
    let file = kriti_compiler::span::FileId(0);
    match emit {
        Some(Emit::Tokens) => {
            let (tokens, _) = syntax::lexer::lex(file, &text);
            print!("{}", syntax::lexer::dump_tokens(&tokens));
        }
        _ => {
            let (module, diags) = syntax::parser::parse(file, &text);
            print!("{}", syntax::parser::dump_ast(&module));
            if !diags.is_empty() {
                let mut sources = kriti_compiler::span::SourceMap::new();
                sources.add(path, text.into_owned());
                eprint!("{}", diagnostics::render(&diags, &sources, use_color()));
                return ExitCode::from(COMPILE_ERROR);
            }
        }
    }
    ExitCode::SUCCESS
}

fn internal_error(message: &str) -> ExitCode {
    eprintln!("internal compiler error: {message}");
    eprintln!("note: this is a bug in Kriti; please report it with the program that caused it");
    ExitCode::from(COMPILE_ERROR)
}
