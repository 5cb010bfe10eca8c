//! The checker: resolves names, checks types and lowers the AST to KIR.
//!
//! Consumes the parsed modules of a program (`names.rs` keeps each file's
//! names apart); produces a [`kir::Program`] when the
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
//! `match`, `?` and the native methods of `Option` and `Result`
//! (`unwrap`, `expect`) are lowered here (`patterns.rs`, `enums.rs`) to
//! plain KIR control flow over the three enum nodes (`Variant`, `Tag`,
//! `Payload`); `exhaustive.rs` checks that a `match` covers every value.
//! Their other methods come from the stdlib (`crate::stdlib`), checked
//! first as module 0, as generic methods of the built-in types.
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
//! | E0416 | `return` or `?` inside `spawn`; `?` in a closure of unknown result type |
//! | E0417 | a generic type with the wrong number of type arguments (`Pair<int>`) |
//! | E0418 | a type parameter that shadows a type or is declared twice |
//! | E0419 | generic instances nested too deep, too big or too many (a type argument that keeps growing) |
//! | E0420 | an imported file that cannot be loaded (reported by [`crate::modules`]) |
//! | E0421 | an item of another file that is not `pub` |
//! | E0422 | `module.name` where the module has no such item |
//! | E0423 | an import cycle (reported by [`crate::modules`]) |
//! | E0424 | a module imported twice in one file, or imported and defined |
//! | E0425 | a host function whose name is a prelude function's or the program's |
//! | E0426 | a prelude function the embedding host did not allow (`read_file`, `args`, ...) |
//! | E0427 | a host function used as a value |
//! | E0428, E0429 | reserved for the embedding API (unused so far) |
//! | E0430 | an `impl` of a built-in type outside the stdlib (`impl Option<int>`) |
//! | E0499 | a construct this version does not support yet |

mod builtins;
pub use builtins::BUILTIN_FNS;
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
pub mod host;
mod infer;
mod instances;
mod items;
mod members;
mod names;
mod patterns;
pub mod repl;
mod scope;
mod stmt;
mod suggest;
mod tasks;
mod types;

use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, FuncId};
use crate::ir::types::Type;
use crate::modules::ParsedModule;
use crate::span::Span;
use crate::syntax::ast;
use std::collections::HashMap;

/// Checks a one-file program and lowers it to KIR. The program is `Some`
/// exactly when there are no diagnostics.
pub fn check(module: &ast::Module) -> (Option<kir::Program>, Vec<Diagnostic>) {
    let file = module
        .items
        .first()
        .map_or(Default::default(), |i| i.span.file);
    let parsed = ParsedModule {
        name: String::new(),
        file,
        ast: module.clone(),
        imports: Vec::new(),
    };
    check_modules(std::slice::from_ref(&parsed), &host::HostEnv::default())
}

/// [`check_modules_with_stdlib`] with the stdlib parsed here: its spans
/// name a file no source map holds (shown as `<unknown>`; correct programs
/// never show one).
pub fn check_modules(
    modules: &[ParsedModule],
    host: &host::HostEnv,
) -> (Option<kir::Program>, Vec<Diagnostic>) {
    let files: Vec<_> = (0..crate::stdlib::FILES.len())
        .map(|i| crate::span::FileId(u32::MAX - i as u32))
        .collect();
    let std_module = crate::stdlib::module(&files, &[true; crate::stdlib::FILES.len()]);
    check_modules_with_stdlib(&std_module, modules, host)
}

/// Checks the modules of a program, dependencies first and the main file
/// last (as [`crate::modules::load`] lists them), with an embedding host's
/// functions and denied prelude functions (`host`), and lowers them to one
/// KIR program. `std_module` is the stdlib ([`crate::stdlib::module`]),
/// checked first. The program is `Some` exactly when there are no
/// diagnostics.
pub fn check_modules_with_stdlib(
    std_module: &ParsedModule,
    modules: &[ParsedModule],
    host: &host::HostEnv,
) -> (Option<kir::Program>, Vec<Diagnostic>) {
    let mut checker = Checker {
        host: host.clone(),
        ..Checker::default()
    };
    let all: Vec<&ParsedModule> = std::iter::once(std_module).chain(modules).collect();
    let program = checker.check_program(&all);
    if !checker.host.fns.is_empty() {
        let main_file = modules.last().map_or(Default::default(), |m| m.file);
        checker.check_host_names(main_file);
    }
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

#[derive(Clone, Default)]
struct Checker {
    diags: Vec<Diagnostic>,
    functions: Vec<FnSig>,
    /// Free functions, constants, structs and enums by key: the qualified
    /// name of `names.rs` (`area`, `geometry.area`).
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
    /// The modules of the program, in checking order (`names.rs`).
    modules: Vec<names::ModuleNames>,
    /// The module whose code is being checked (an index in `modules`).
    module: usize,
    /// Where each item is defined, by key, and whether it is `pub`.
    item_defs: HashMap<String, names::ItemDef>,
    /// Where each user function is defined, and whether it is `pub`.
    fn_defs: HashMap<FuncId, names::ItemDef>,
    /// The bodies of `spawn`s, lifted to functions; function `i` of the
    /// program is `lifted[i - functions.len()]` beyond the user's.
    /// Instances of generic functions are numbered here too.
    lifted: Vec<kir::Function>,
    /// The embedding host's functions and denied prelude functions (none
    /// for the CLI).
    host: host::HostEnv,
    /// Generic items and their instances (`generics.rs`).
    generics: generics::Generics,
    /// REPL only: the functions of modules an input imported, checked
    /// before the input (`repl.rs`).
    imported: Vec<(FuncId, kir::Function)>,
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

    /// The user struct or enum type called `name` in the module being
    /// checked, if there is one (see `names.rs`).
    fn named_type(&self, name: &str) -> Option<Type> {
        let key = self.item_key(name);
        if let Some(&id) = self.struct_ids.get(&key) {
            return Some(Type::Struct(id, key));
        }
        self.enum_ids.get(&key).map(|&id| Type::Enum(id, key))
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
