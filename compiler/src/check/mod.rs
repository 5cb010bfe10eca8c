//! The checker: resolves names, checks types and lowers the AST to KIR.
//!
//! Consumes one parsed [`ast::Module`]; produces a [`kir::Program`] when the
//! program is well typed, and diagnostics for every error it finds. It does
//! not stop at the first error: an expression it cannot type gets
//! [`Type::Error`], which fits everywhere silently, so one mistake is
//! reported once and does not cascade.
//!
//! Checking is bidirectional: each expression is checked against the type
//! its context expects, when there is one, which is how `if` branches and
//! blocks whose value is discarded are typed.

mod builtins;
mod composite;
mod expr;
mod items;
mod scope;
mod stmt;
mod suggest;
mod types;

use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, FuncId};
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast;
use std::collections::HashMap;

/// Checks a module and lowers it to KIR. The program is `Some` exactly when
/// there are no diagnostics.
pub fn check(module: &ast::Module) -> (Option<kir::Program>, Vec<Diagnostic>) {
    let mut checker = Checker::default();
    let program = checker.check_module(module);
    if checker.diags.is_empty() {
        (Some(program), checker.diags)
    } else {
        checker
            .diags
            .sort_by_key(|d| (d.primary.span.file, d.primary.span.start));
        (None, checker.diags)
    }
}

/// The signature of a user function.
#[derive(Clone, Debug)]
struct FnSig {
    name: String,
    params: Vec<ParamSig>,
    ret: Type,
    /// The function's name in its declaration.
    span: Span,
    /// For methods: `Some(true)` for `var self`, `Some(false)` for `self`.
    self_param: Option<bool>,
    /// The struct whose `impl` declares this function.
    owner: Option<u32>,
}

#[derive(Clone, Debug)]
struct ParamSig {
    name: String,
    ty: Type,
    mutable: bool,
    span: Span,
}

/// Where a constant is in its checking.
#[derive(Clone, Debug)]
enum ConstState {
    Unchecked,
    /// Being checked: meeting it again means a cycle.
    InProgress,
    Done(kir::Expr),
}

#[derive(Clone, Debug)]
struct ConstInfo {
    decl: ast::ConstDecl,
    state: ConstState,
}

#[derive(Default)]
struct Checker {
    diags: Vec<Diagnostic>,
    functions: Vec<FnSig>,
    fn_ids: HashMap<String, FuncId>,
    consts: HashMap<String, ConstInfo>,
    structs: Vec<StructInfo>,
    struct_ids: HashMap<String, u32>,
    /// Functions of `impl` blocks, by (struct id, name).
    methods: HashMap<(u32, String), FuncId>,
    /// The type `Self` names inside the `impl` being checked.
    self_type: Option<Type>,
}

/// A user struct as the checker knows it.
#[derive(Clone, Debug)]
struct StructInfo {
    name: String,
    /// Field names, types and declaration spans, in declaration order.
    fields: Vec<(String, Type, Span)>,
}

impl Checker {
    fn error(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }
}
