//! The incremental-compilation entry point, for the REPL: a [`Session`]
//! compiles one input at a time against everything defined before it.
//!
//! Each input goes through the usual stages (lexer, parser, checker,
//! codegen) but only its own code is checked and compiled:
//!
//! - the source map gets one file per input, named `<repl:N>`, so
//!   diagnostics and panic locations point at the text typed;
//! - the checker's item tables live on in a [`ReplChecker`]; an input is
//!   checked into a scratch copy, which replaces the session's only when
//!   the input has no errors (a mistake leaves every earlier definition);
//! - the KIR functions of all inputs form one growing program, and the
//!   [`JitSession`] compiles the new ones into the session's one JIT
//!   module, where earlier code keeps its address.
//!
//! The statements of an input become one function whose parameters are
//! the session's bindings and whose result carries the bindings after it
//! and the display form of a trailing expression (`check/repl.rs`); the
//! caller runs it and keeps the bindings ([`Session::set_bindings`]).
//! The KIR inliner is not run: an input's functions may be called by
//! later inputs, and compile time matters more here than speed.

use std::sync::Arc;

use crate::check::repl::{Binding, ReplChecker};
use crate::codegen::session::JitSession;
use crate::diagnostics::Diagnostic;
use crate::ir::kir;
use crate::ir::types::Type;
use crate::modules::{load, Loader};
use crate::span::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, ItemKind};
use crate::syntax::parser::{parse_repl_input, REPL_BODY};
use kriti_runtime::{ProgramInfo, SpawnEntry};

/// A REPL session's compiler state.
pub struct Session {
    sources: SourceMap,
    checker: ReplChecker,
    program: kir::Program,
    jit: JitSession,
    bindings: Vec<Binding>,
    /// Inputs numbered so far (for `<repl:N>`).
    inputs: usize,
}

/// One input, compiled and ready to run.
pub struct Compiled {
    /// The call entry of the input's statements, when it has any. Its
    /// parameters are the session's bindings (in the order
    /// [`Session::bindings`] lists them), passed in one record; its result
    /// is described by [`Compiled::result`].
    pub entry: Option<SpawnEntry>,
    /// What the runtime needs for panics in any code so far.
    pub info: Arc<ProgramInfo>,
    /// The bindings after the input, when it runs to the end.
    pub bindings: Vec<Binding>,
    /// The type of the trailing expression whose display form the input
    /// shows, if any.
    pub shown: Option<Type>,
    /// The layout of the entry's result.
    pub result: ResultShape,
    /// The items the input defined, as `fn name`, `struct Name`, ...
    pub defined: Vec<String>,
}

/// How the result of an input's entry is laid out (slot encoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultShape {
    /// A `str`: the display form (empty when nothing is shown).
    Text,
    /// A tuple `(str, (bindings...))`: the display form and the record of
    /// the bindings after the input.
    TextAndBindings,
}

/// Why an input was not compiled.
#[derive(Debug)]
pub enum InputError {
    /// Syntax or type errors; render them against [`Session::sources`].
    Diagnostics(Vec<Diagnostic>),
    /// An internal compiler error (the text to print).
    Internal(String),
}

impl Session {
    /// An empty session.
    pub fn new() -> Result<Session, String> {
        // The stdlib's files are the session's first, as a program's last.
        let mut sources = SourceMap::new();
        let checker = ReplChecker::new(&crate::stdlib::add_to(&mut sources));
        Ok(Session {
            sources,
            checker,
            program: kir::Program::default(),
            jit: JitSession::new()?,
            bindings: Vec::new(),
            inputs: 0,
        })
    }

    /// Every input so far, one file each.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// The session's bindings, in the order an input's entry takes them.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// Records the bindings after an input ran to its end.
    pub fn set_bindings(&mut self, bindings: Vec<Binding>) {
        self.bindings = bindings;
    }

    /// Functions, constants and types in scope (for completion).
    pub fn item_names(&self) -> Vec<String> {
        self.checker.item_names()
    }

    /// Fields and methods of values of type `ty` (for completion).
    pub fn members(&self, ty: &Type) -> Vec<String> {
        self.checker.members(ty)
    }

    /// The fields of struct type `ty` with their types (for completion).
    pub fn fields(&self, ty: &Type) -> Vec<(String, Type)> {
        self.checker.fields(ty)
    }

    /// The number of functions compiled so far.
    pub fn compiled_functions(&self) -> usize {
        self.jit.compiled()
    }

    fn parse(
        &mut self,
        name: Option<&str>,
        text: &str,
    ) -> Result<(FileId, ast::Block), InputError> {
        self.inputs += 1;
        let name = name.map_or_else(|| format!("<repl:{}>", self.inputs), str::to_string);
        let file = self.sources.add(name, text.to_string());
        let (module, diags) = parse_repl_input(file, text);
        if !diags.is_empty() {
            return Err(InputError::Diagnostics(diags));
        }
        match module.items.into_iter().next().map(|i| i.kind) {
            Some(ItemKind::Fn(f)) if f.name.name == REPL_BODY => Ok((file, f.body)),
            _ => Err(InputError::Internal(
                "internal compiler error: a REPL input did not parse as a block".to_string(),
            )),
        }
    }

    /// The type of `text` (an expression, or statements ending in one)
    /// without running it; unit when it has no value.
    pub fn type_of(&mut self, text: &str) -> Result<Type, InputError> {
        let (_, body) = self.parse(None, text)?;
        self.checker
            .type_of(&body, &self.bindings)
            .map_err(InputError::Diagnostics)
    }

    /// Checks and compiles one input. On success the session's items are
    /// updated (new definitions replace old ones); the bindings change
    /// only when the caller has run the entry ([`Session::set_bindings`]).
    /// On error nothing changes.
    pub fn compile(&mut self, text: &str) -> Result<Compiled, InputError> {
        self.compile_named(None, text, &mut crate::modules::NoImports)
    }

    /// [`Session::compile`], naming the source `name` (a file's path, for
    /// `:load`) instead of `<repl:N>`.
    /// `loader` reads the files an `import` names (beside `name`, or in
    /// the current directory for a typed input).
    pub fn compile_named(
        &mut self,
        name: Option<&str>,
        text: &str,
        loader: &mut dyn Loader,
    ) -> Result<Compiled, InputError> {
        let (file, body) = self.parse(name, text)?;
        let defined = defined_items(&body);
        let mut scratch = self.checker.clone();
        let imports: Vec<Span> = body
            .stmts
            .iter()
            .filter_map(|s| match &s.kind {
                ast::StmtKind::Item(i) if matches!(i.kind, ItemKind::Import(_)) => Some(i.span),
                _ => None,
            })
            .collect();
        if !imports.is_empty() {
            // The module loader reads a main file of the imports alone:
            // the input with everything else blanked out, so the imports'
            // spans (and the loader's errors) point where they were typed.
            let only_imports: String = text
                .char_indices()
                .map(|(i, c)| {
                    let keep = c == '\n'
                        || imports
                            .iter()
                            .any(|s| s.start as usize <= i && i < s.end as usize);
                    if keep {
                        c
                    } else {
                        ' '
                    }
                })
                .collect();
            let path = self.sources.file(file).path.clone();
            let loaded = load(&path, only_imports.as_bytes(), loader, &mut self.sources);
            if !loaded.diagnostics.is_empty() {
                return Err(InputError::Diagnostics(loaded.diagnostics));
            }
            scratch
                .import_modules(&loaded.modules)
                .map_err(InputError::Diagnostics)?;
        }
        let checked = scratch
            .check_input(&body, &self.bindings)
            .map_err(InputError::Diagnostics)?;
        let before = self.program.functions.len();
        if checked.first.0 as usize != before {
            return Err(InputError::Internal(format!(
                "internal compiler error: function numbering is off ({} != {before})",
                checked.first.0
            )));
        }
        self.program.functions.extend(checked.functions);
        self.program.structs = checked.structs;
        self.program.enums = checked.enums;
        let entry = match self.jit.compile(&self.program, &self.sources, checked.body) {
            Ok(entry) => entry,
            Err(e) => {
                self.program.functions.truncate(self.jit.compiled());
                return Err(InputError::Internal(e));
            }
        };
        self.checker = scratch;
        let result = if checked.bindings.is_empty() {
            ResultShape::Text
        } else {
            ResultShape::TextAndBindings
        };
        Ok(Compiled {
            entry,
            info: self.jit.info(),
            bindings: checked.bindings,
            shown: checked.shown,
            result,
            defined,
        })
    }
}

/// What the items of an input define, for the REPL to confirm.
fn defined_items(body: &ast::Block) -> Vec<String> {
    body.stmts
        .iter()
        .filter_map(|s| match &s.kind {
            ast::StmtKind::Item(item) => match &item.kind {
                ItemKind::Fn(f) => Some(format!("fn {}", f.name.name)),
                ItemKind::Struct(s) => Some(format!("struct {}", s.name.name)),
                ItemKind::Enum(e) => Some(format!("enum {}", e.name.name)),
                ItemKind::Const(c) => Some(format!("const {}", c.name.name)),
                ItemKind::Impl(i) => Some(format!("impl {}", i.target.name)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}
