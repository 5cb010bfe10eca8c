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
//! blocks whose value is discarded are typed, and how `[]`, `None`, `Ok(v)`
//! and `Err(e)` get the types they do not say.
//!
//! `match`, `?` and the methods of `Option` and `Result` are lowered here
//! (`patterns.rs`, `enums.rs`) to plain KIR control flow over the three
//! enum nodes (`Variant`, `Tag`, `Payload`); `exhaustive.rs` checks that a
//! `match` covers every value.
//!
//! Generic items are monomorphized here (`generics.rs`): each use with
//! concrete type arguments makes an instance, a plain struct, enum or
//! function, so KIR never holds a type parameter.
//!
//! | code | error |
//! |---|---|
//! | E0201 | a name (or variant) that is not in scope |
//! | E0202 | something defined, declared or bound twice |
//! | E0203 | an unknown type, or a type used wrongly (`Option<int, int>`) |
//! | E0204 | no such field, method or variant |
//! | E0205 | a pattern binds a name that is a variant of the matched enum |
//! | E0301 | mismatched types |
//! | E0302 | wrong number of arguments, payload values or pattern fields |
//! | E0303 | an operator or operation the type does not support |
//! | E0304 | a type that cannot be inferred (`[]`, `None`, `Ok(v)` alone) |
//! | E0305 | not a function / missing fields / a `var self` method misused |
//! | E0401 | writing through something immutable |
//! | E0402 | `break` or `continue` outside a loop |
//! | E0403 | an invalid assignment target |
//! | E0404 | no `fn main()` |
//! | E0405 | `main` with parameters or a result |
//! | E0406 | a constant that is not a constant expression, or a cycle |
//! | E0407 | a range used as a value; `self` outside `impl` |
//! | E0408 | a `match` that does not cover every value (names a missing case) |
//! | E0409 | `?` in a function whose return type cannot take its early return |
//! | E0410 | alternatives of an or-pattern that bind different names |
//! | E0411 | a `let` or `for` pattern that can fail to match |
//! | E0413 | a range pattern that matches nothing |
//! | E0414 | a `spawn` body or a closure changing a value it captured |
//! | E0415 | an invalid `select` arm, or `after` outside `select` |
//! | E0416 | `return` or `?` inside `spawn`, or a closure of unknown result type |
//! | E0417 | a generic type with the wrong number of type arguments (`Pair<int>`) |
//! | E0418 | a type parameter that shadows a type or is declared twice |
//! | E0419 | generic instances nested too deep, too big or too many (a type argument that keeps growing) |
//! | E0499 | a construct this version does not support yet |

mod builtins;
mod closures;
mod composite;
mod enums;
mod exhaustive;
mod expr;
mod generic_calls;
mod generic_values;
mod generics;
#[cfg(test)]
mod generics_tests;
mod infer;
mod instances;
mod items;
mod patterns;
mod scope;
mod stmt;
mod suggest;
mod tasks;
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
    /// The struct or enum type whose `impl` declares this function.
    owner: Option<Type>,
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
    enums: Vec<EnumInfo>,
    enum_ids: HashMap<String, u32>,
    /// Functions of `impl` blocks, by (struct or enum type, name).
    methods: HashMap<(Type, String), FuncId>,
    /// The type `Self` names inside the `impl` being checked.
    self_type: Option<Type>,
    /// The name of the function being checked (lifted functions are named
    /// after it).
    current_fn: String,
    /// The bodies of `spawn`s, lifted to functions; function `i` of the
    /// program is `lifted[i - functions.len()]` beyond the user's.
    /// Instances of generic functions are numbered here too.
    lifted: Vec<kir::Function>,
    /// Generic items and their instances (`generics.rs`).
    generics: generics::Generics,
}

/// A user struct as the checker knows it.
#[derive(Clone, Debug)]
struct StructInfo {
    name: String,
    /// Field names, types and declaration spans, in declaration order.
    fields: Vec<(String, Type, Span)>,
}

/// A user enum as the checker knows it.
#[derive(Clone, Debug)]
struct EnumInfo {
    name: String,
    /// The variants in declaration order (variant `i` has tag `i`).
    variants: Vec<VariantInfo>,
}

#[derive(Clone, Debug)]
struct VariantInfo {
    name: String,
    payload: Vec<Type>,
    span: Span,
}

impl Checker {
    fn error(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    /// The user struct or enum type called `name`, if there is one.
    fn named_type(&self, name: &str) -> Option<Type> {
        if let Some(&id) = self.struct_ids.get(name) {
            return Some(Type::Struct(id, name.to_string()));
        }
        self.enum_ids
            .get(name)
            .map(|&id| Type::Enum(id, name.to_string()))
    }

    /// The variants (name, payload types) of an enum type (user enum,
    /// `Option`, `Result`), in tag order.
    fn variants(&self, ty: &Type) -> Option<Vec<(String, Vec<Type>)>> {
        match ty {
            Type::Enum(id, _) => self.enums.get(*id as usize).map(|e| {
                e.variants
                    .iter()
                    .map(|v| (v.name.clone(), v.payload.clone()))
                    .collect()
            }),
            _ => kir::variants_of(&[], ty),
        }
    }
}
