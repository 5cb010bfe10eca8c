//! The Kriti compiler.
//!
//! ```text
//! source ─lexer─▶ tokens ─parser─▶ AST ─check─▶ KIR ─codegen─▶ Cranelift ─▶ native code
//! ```
//!
//! Each stage is one module with one entry point; data flows one way.
//! [`session`] runs the same stages one REPL input at a time.
//! Before lexing, [`modules`] follows a program's `import`s to its other
//! files, through a [`Loader`] the caller supplies (the compiler does no
//! IO).

pub mod check;
pub mod codegen;
pub mod diagnostics;
pub mod ir;
pub mod modules;
pub mod session;
pub mod span;
pub mod stdlib;
pub mod syntax;

use diagnostics::Diagnostic;
pub use modules::Loader;
use span::{FileId, SourceMap};

/// The result of running the front end (load, parse and check) on a
/// program: its main file and the files it imports.
pub struct Frontend {
    /// Every file of the program; the main file is the first.
    pub sources: SourceMap,
    /// Every error found, in source order. Empty exactly when `program` is
    /// `Some`.
    pub diagnostics: Vec<Diagnostic>,
    pub program: Option<ir::kir::Program>,
}

/// What an embedding host changes in [`frontend_with`]; the default is the
/// CLI's (no host functions, everything allowed, `main` required).
#[derive(Clone, Debug, Default)]
pub struct FrontendOptions {
    /// The host's functions and the prelude functions it denies.
    pub host: check::host::HostEnv,
    /// A program without `fn main()` is fine (a library of functions the
    /// host calls).
    pub main_optional: bool,
}

/// Parses and checks the one-file program `path` whose contents are
/// `bytes`; an `import` in it is an error. The compiler does no IO: the
/// caller reads the file.
pub fn frontend(path: &str, bytes: &[u8]) -> Frontend {
    frontend_with_loader(path, bytes, &mut modules::NoImports)
}

/// Loads, parses and checks the program whose main file is `path` with
/// contents `bytes`; `loader` supplies the files it imports.
pub fn frontend_with_loader(path: &str, bytes: &[u8], loader: &mut dyn Loader) -> Frontend {
    frontend_with(path, bytes, &FrontendOptions::default(), loader)
}

/// [`frontend_with_loader`] as an embedding host asks (`options`).
pub fn frontend_with(
    path: &str,
    bytes: &[u8],
    options: &FrontendOptions,
    loader: &mut dyn Loader,
) -> Frontend {
    let mut sources = SourceMap::new();
    let loaded = modules::load(path, bytes, loader, &mut sources);
    let main_file = FileId(0);
    if !loaded.diagnostics.is_empty() {
        // Checking partly parsed (or missing) files would report names and
        // items the syntax errors hid; the syntax and load errors alone are
        // the useful report.
        let mut diagnostics = loaded.diagnostics;
        diagnostics.sort_by_key(|d| (d.primary.span.file, d.primary.span.start));
        return Frontend {
            sources,
            diagnostics,
            program: None,
        };
    }
    // The stdlib's files come after the program's, so the main file stays
    // the first and the user's files keep their ids. Only the ones the
    // program may use are parsed; diagnostics come from a check with all
    // of them, so that they suggest every method.
    let texts: Vec<&str> = loaded
        .modules
        .iter()
        .map(|m| sources.file(m.file).text.as_str())
        .collect();
    let wanted = stdlib::wanted(&texts);
    let std_files = stdlib::add_files(&mut sources);
    let std_module = stdlib::module(&std_files, &wanted);
    let (mut program, mut diagnostics) =
        check::check_modules_with_stdlib(&std_module, &loaded.modules, &options.host);
    if !diagnostics.is_empty() && wanted.contains(&false) {
        let std_module = stdlib::module(&std_files, &[true; stdlib::FILES.len()]);
        (program, diagnostics) =
            check::check_modules_with_stdlib(&std_module, &loaded.modules, &options.host);
    }
    if let Some(p) = &program {
        if p.main.is_none() && !options.main_optional {
            diagnostics.push(
                Diagnostic::error(
                    "E0404",
                    "this program has no `fn main()`",
                    span::Span::new(main_file, 0, 0),
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
    if let Some(p) = &mut program {
        // The checked program is optimised before anyone sees it, so
        // `--emit ir` shows what codegen compiles.
        // Known closures become direct calls, then are inlined; inlining a
        // function that takes a closure exposes more, so a second round.
        for _ in 0..2 {
            ir::devirt::devirtualize_program(p);
            ir::inline::inline_program(p);
        }
        // Closures whose every call was inlined are no longer made.
        ir::dead_closures::remove_dead_closures(p);
    }
    Frontend {
        sources,
        diagnostics,
        program,
    }
}
