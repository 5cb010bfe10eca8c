//! The Kriti compiler.
//!
//! ```text
//! source ─lexer─▶ tokens ─parser─▶ AST ─check─▶ KIR ─codegen─▶ Cranelift ─▶ native code
//! ```
//!
//! Each stage is one module with one entry point; data flows one way.

pub mod check;
pub mod codegen;
pub mod diagnostics;
pub mod ir;
pub mod span;
pub mod syntax;

use diagnostics::Diagnostic;
use span::{FileId, SourceMap};

/// The result of running the front end (parse and check) on one file.
pub struct Frontend {
    pub sources: SourceMap,
    /// Every error found, in source order. Empty exactly when `program` is
    /// `Some`.
    pub diagnostics: Vec<Diagnostic>,
    pub program: Option<ir::kir::Program>,
}

/// Parses and checks the file `path` whose contents are `bytes`. The
/// compiler does no IO: the caller reads the file.
pub fn frontend(path: &str, bytes: &[u8]) -> Frontend {
    let mut sources = SourceMap::new();
    let (text, utf8_error) = match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(e) => (
            String::from_utf8_lossy(bytes).into_owned(),
            Some(e.valid_up_to()),
        ),
    };
    let file = sources.add(path, text);
    if let Some(at) = utf8_error {
        let diag = invalid_utf8(file, &sources, at);
        return Frontend {
            sources,
            diagnostics: vec![diag],
            program: None,
        };
    }
    let (module, mut diagnostics) = syntax::parser::parse(file, &sources.file(file).text);
    if !diagnostics.is_empty() {
        // Checking a partly parsed file would report names and items the
        // syntax errors hid; the syntax errors alone are the useful report.
        return Frontend {
            sources,
            diagnostics,
            program: None,
        };
    }
    let (program, check_diags) = check::check(&module);
    diagnostics.extend(check_diags);
    if let Some(p) = &program {
        if p.main.is_none() {
            diagnostics.push(
                Diagnostic::error(
                    "E0404",
                    "this program has no `fn main()`",
                    span::Span::new(file, 0, 0),
                    "the program starts at `fn main()`",
                )
                .with_help("add `fn main() { ... }`"),
            );
            return Frontend {
                sources,
                diagnostics,
                program: None,
            };
        }
    }
    let mut program = program;
    if let Some(p) = &mut program {
        // The checked program is optimised before anyone sees it, so
        // `--emit ir` shows what codegen compiles.
        // Known closures become direct calls, then are inlined; inlining a
        // function that takes a closure exposes more, so a second round.
        for _ in 0..2 {
            ir::devirt::devirtualize_program(p);
            ir::inline::inline_program(p);
        }
    }
    Frontend {
        sources,
        diagnostics,
        program,
    }
}

fn invalid_utf8(file: FileId, sources: &SourceMap, valid_up_to: usize) -> Diagnostic {
    // The lossy text has the same bytes up to the first invalid one.
    let at = valid_up_to.min(sources.file(file).text.len());
    Diagnostic::error(
        "E0100",
        "source file is not valid UTF-8",
        span::Span::new(file, at, at),
        format!("invalid UTF-8 at byte {valid_up_to}"),
    )
}
