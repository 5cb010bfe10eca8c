//! Generic functions, structs, enums and `impl` blocks, monomorphized.
//!
//! A generic item is kept as its AST. Each distinct use with concrete type
//! arguments makes an *instance*: a struct or enum of its own (`Pair<int,
//! str>` is `Type::Struct` with a fresh index, so KIR and codegen never see
//! a type parameter), or a function of its own, checked and lowered once
//! with its type parameters bound to the arguments (`first<int>`). Both are
//! cached by (generic, type arguments).
//!
//! Type arguments are inferred at each use (`generic_calls.rs`,
//! `infer.rs`): from the arguments, in order, with closures and other
//! arguments that need a type from context (`None`, `[]`, unit variants)
//! checked last, so `apply([1, 2], |x| str(x))` types `x` as `int`; the
//! type the context expects fills in the rest. There is no syntax to write
//! them at a call. `generic_values.rs` does the same for literals,
//! variants and patterns of generic types.
//!
//! This file holds the generic items, their declarations and the
//! instances of generic types; `instances.rs` makes function instances
//! and checks their bodies.
//!
//! Function instances are numbered like lifted functions (after every user
//! function) and their bodies are checked after the user's functions, from
//! a work list, so checking one never happens inside another. An instance
//! remembers the chain of calls that caused it; an error in its body is
//! reported at the generic definition with a label at each of those calls
//! ("in `largest<bool>`, instantiated here"), and an error already reported
//! (by another instance, or by the definition pass) is not reported again.
//! Instances that keep asking for new, deeper instances (polymorphic
//! recursion, `struct S<T> { next: S<[T]> }`) stop at [`MAX_DEPTH`] with
//! E0419.
//!
//! A generic function that is never called is still checked once, with
//! every type parameter unknown (`Type::Error`, which fits everything
//! silently). Only the errors that cannot depend on the type arguments are
//! kept from that pass (`instances.rs`: `DEFINITION_CODES`).

use super::infer::has_unknown;
use super::{Checker, EnumInfo, FnSig, StructInfo};
use crate::diagnostics::Diagnostic;
use crate::ir::kir::FuncId;
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast::{self, TypeExpr, TypeExprKind};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// How many instances may be nested inside one another (an instance that
/// asks for another instance while it is being checked or resolved). Real
/// programs stay in single digits; a chain this long is a type argument
/// that grows at every level, which would never end.
pub(super) const MAX_DEPTH: usize = 48;

/// The most parts (type constructors) the type arguments of one instance
/// may have. A hand-written type has a few dozen; a chain that doubles a
/// type at each level (`f((x, x))` inside `f<T>`) passes this long before
/// [`MAX_DEPTH`], and would otherwise build types of 2^48 parts.
const MAX_TYPE_SIZE: usize = 256;

/// The most instances (functions and types) a program may make: a
/// generic that makes two bigger instances of itself at each level stays
/// under [`MAX_DEPTH`] and [`MAX_TYPE_SIZE`] for a long while, yet makes
/// 2^depth instances. Real programs stay far below (a 7,200-line test
/// program with about 5,000 generic calls makes 128), and hitting the limit
/// costs about 0.2 s.
const MAX_INSTANCES: usize = 5_000;

/// The key under which "too many instances" is reported, once.
pub(super) const COUNT_KEY: usize = usize::MAX / 2;

/// A generic function: a free function with type parameters, or any
/// function of a generic `impl` (or a function with its own type
/// parameters in a plain one).
#[derive(Debug)]
pub(super) struct GenericFn {
    pub decl: ast::FnDecl,
    /// The type parameters: the `impl`'s first, then the function's own.
    pub params: Vec<ast::Ident>,
    /// For a function of an `impl`: the target as written (`Stack<T>`),
    /// which `Self` and `self` stand for.
    pub owner: Option<TypeExpr>,
    /// Some(true) for `var self`, Some(false) for `self`.
    pub self_param: Option<bool>,
    /// `first`, `Stack::push`: the name in errors (`geometry.first` in
    /// module `geometry`).
    pub name: String,
    /// The module that declares it (its names are that module's).
    pub module: usize,
    /// Whether other modules may call it.
    pub is_pub: bool,
}

/// The declaration of a generic struct or enum.
#[derive(Debug)]
pub(super) enum GenericBody {
    Struct(ast::StructDecl),
    Enum(ast::EnumDecl),
}

/// A generic struct or enum.
#[derive(Debug)]
pub(super) struct GenericType {
    /// Its key (`Pair`, `geometry.Pair` in module `geometry`).
    pub name: String,
    /// The module that declares it.
    pub module: usize,
    pub params: Vec<ast::Ident>,
    pub body: GenericBody,
}

/// A function instance whose body is still to be checked.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    /// The instance's number, and the generic function it is made from.
    pub id: FuncId,
    pub generic: usize,
    /// The type parameters bound to the instance's arguments.
    pub env: Vec<(String, Type)>,
    pub sig: FnSig,
    /// How deep in other instances it was made.
    pub depth: usize,
    /// The calls that made it, innermost first, with the instance names.
    pub origin: Vec<(Span, String)>,
}

/// Everything the checker knows about generic items and their instances.
#[derive(Clone, Default)]
pub(super) struct Generics {
    /// Every generic function, and the free ones by name.
    pub fns: Vec<Rc<GenericFn>>,
    pub fn_names: HashMap<String, usize>,
    /// Every generic struct and enum, and their names.
    pub types: Vec<Rc<GenericType>>,
    pub type_names: HashMap<String, usize>,
    /// Generic functions of `impl` blocks, by (type name, function name).
    pub methods: HashMap<(String, String), usize>,
    /// Instances made so far, by (generic, type arguments).
    pub fn_instances: HashMap<(usize, Vec<Type>), FuncId>,
    pub type_instances: HashMap<(usize, Vec<Type>), Type>,
    /// The generic type and arguments of every struct or enum instance.
    pub instance_of: HashMap<Type, (usize, Vec<Type>)>,
    /// Signatures of function instances (they are not in `functions`).
    pub sigs: HashMap<FuncId, FnSig>,
    /// Function instances in the order they were made; bodies are
    /// checked in that order (`instances.rs`).
    pub pending: Vec<Pending>,
    /// The type parameters in scope and what they stand for.
    pub env: Vec<(String, Type)>,
    /// Nesting of the function instance being checked.
    pub depth: usize,
    /// Nesting of struct and enum instances being resolved.
    pub type_depth: usize,
    /// The calls that caused the instance being checked, innermost first.
    pub origin: Vec<(Span, String)>,
    /// True while checking generic bodies without type arguments.
    pub def_pass: bool,
    /// Generics already reported as nesting too deep.
    pub too_deep: HashSet<usize>,
}

impl Generics {
    /// What the type parameter `name` stands for here, if it is one.
    pub fn param(&self, name: &str) -> Option<Type> {
        self.env
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
    }

    /// The name KIR gives an instance type: the generic's own (`Pair`), so
    /// values display as `Pair { a: 1 }`; `None` for other types.
    pub fn base_name(&self, ty: &Type) -> Option<String> {
        let (g, _) = self.instance_of.get(ty)?;
        self.types.get(*g).map(|t| t.name.clone())
    }
}

/// Display of a list of types: `int, str`.
pub(super) fn type_list(ts: &[Type]) -> String {
    ts.iter()
        .map(Type::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many type constructors a type is made of (an instance of a generic
/// type counts as one: its arguments were counted when it was made).
fn type_size(t: &Type) -> usize {
    1 + match t {
        Type::Array(e) | Type::Option(e) | Type::Task(e) | Type::Chan(e) => type_size(e),
        Type::Result(a, b) | Type::Map(a, b) => type_size(a) + type_size(b),
        Type::Tuple(ts) => ts.iter().map(type_size).sum(),
        Type::Fn(ps, r) => ps.iter().map(type_size).sum::<usize>() + type_size(r),
        _ => 0,
    }
}

/// `T: U` pairs of a parameter list and the types bound to it.
pub(super) fn bind_env(params: &[ast::Ident], args: &[Type]) -> Vec<(String, Type)> {
    params
        .iter()
        .zip(args)
        .map(|(p, t)| (p.name.clone(), t.clone()))
        .collect()
}

/// Every parameter of a list bound to `Type::Error` (unknown, fits
/// everything): how a generic declaration is checked once without type
/// arguments.
pub(super) fn unknown_env(params: &[ast::Ident]) -> Vec<(String, Type)> {
    params
        .iter()
        .map(|p| (p.name.clone(), Type::Error))
        .collect()
}

/// The target of an `impl` as its messages name it: `Option`, `[T]`.
pub(super) fn target_name(imp: &ast::ImplDecl) -> String {
    match imp.is_array() {
        true => crate::syntax::printer::type_expr(&target_expr(imp)),
        false => imp.target.name.clone(),
    }
}

/// `Stack<T>` (or the stdlib's `[T]`) as a type expression, for the
/// target of an `impl`.
pub(super) fn target_expr(imp: &ast::ImplDecl) -> TypeExpr {
    if let (true, [elem]) = (imp.is_array(), imp.target_args.as_slice()) {
        return TypeExpr {
            kind: TypeExprKind::Array(Box::new(elem.clone())),
            span: imp.target.span,
        };
    }
    TypeExpr {
        kind: TypeExprKind::Named {
            module: None,
            name: imp.target.clone(),
            args: imp.target_args.clone(),
        },
        span: imp.target.span,
    }
}

impl Checker {
    // ---- declarations ------------------------------------------------

    /// True when `name` is a struct or enum, generic or not.
    pub(super) fn type_declared(&self, name: &str) -> bool {
        self.named_type(name).is_some() || self.generic_type_named(name).is_some()
    }

    /// Registers a generic struct or enum (its members are resolved per
    /// instance; [`Checker::check_generic_types`] reports their errors).
    pub(super) fn register_generic_type(
        &mut self,
        name: &ast::Ident,
        params: &[ast::Ident],
        body: GenericBody,
        is_pub: bool,
    ) {
        let id = self.generics.types.len();
        let key = self.item_key(&name.name);
        self.define_item(key.clone(), is_pub, name.span);
        self.generics.type_names.insert(key.clone(), id);
        self.generics.types.push(Rc::new(GenericType {
            name: key,
            module: self.module,
            params: params.to_vec(),
            body,
        }));
    }

    /// Reports the errors in generic struct and enum declarations once,
    /// with every parameter unknown: bad parameter names, unknown types,
    /// repeated fields or variants.
    pub(super) fn check_generic_types(&mut self) {
        for g in self.generics.types.clone() {
            self.module = g.module;
            self.check_type_params(&g.params, &[]);
            let env = unknown_env(&g.params);
            let saved = std::mem::replace(&mut self.generics.env, env);
            match &g.body {
                GenericBody::Struct(s) => {
                    let _ = self.resolve_fields(s);
                }
                GenericBody::Enum(e) => {
                    let _ = self.resolve_variants(e);
                }
            }
            self.generics.env = saved;
        }
    }

    /// Reports type parameters that shadow a type or repeat a name
    /// (`outer` holds the parameters of the enclosing `impl`).
    pub(super) fn check_type_params(&mut self, params: &[ast::Ident], outer: &[ast::Ident]) {
        for (i, p) in params.iter().enumerate() {
            let earlier = outer.iter().chain(&params[..i]).find(|q| q.name == p.name);
            if let Some(prev) = earlier {
                self.error(
                    Diagnostic::error(
                        "E0418",
                        format!("type parameter `{}` is declared twice", p.name),
                        p.span,
                        "declared again here",
                    )
                    .with_label(prev.span, "first declared here"),
                );
            } else if super::types::TYPE_NAMES.contains(&p.name.as_str())
                || self.type_declared(&p.name)
            {
                self.error(
                    Diagnostic::error(
                        "E0418",
                        format!("type parameter `{}` shadows a type", p.name),
                        p.span,
                        format!("`{}` is already a type", p.name),
                    )
                    .with_help("give the parameter a name of its own, such as `T`"),
                );
            }
        }
    }

    /// Registers a generic function: a free one (`owner` is `None`) or one
    /// of an `impl` whose type parameters are `impl_params`.
    pub(super) fn register_generic_fn(
        &mut self,
        f: &ast::FnDecl,
        impl_params: &[ast::Ident],
        owner: Option<TypeExpr>,
        is_pub: bool,
    ) -> usize {
        let mut params = impl_params.to_vec();
        params.extend(f.generics.iter().cloned());
        let name = match &owner {
            Some(TypeExpr {
                kind: TypeExprKind::Named { name, .. },
                ..
            }) => self.item_key(&format!("{}::{}", name.name, f.name.name)),
            _ => self.item_key(&f.name.name),
        };
        if f.name.name == "main" && owner.is_none() {
            self.error(Diagnostic::error(
                "E0405",
                "`main` cannot be generic",
                f.generics.first().map_or(f.name.span, |g| g.span),
                "`main` takes no type parameters",
            ));
        }
        let id = self.generics.fns.len();
        self.generics.fns.push(Rc::new(GenericFn {
            decl: f.clone(),
            params,
            owner,
            self_param: f.self_param.as_ref().map(|s| s.mutable),
            name,
            module: self.module,
            is_pub,
        }));
        id
    }

    /// Registers the functions of `impl<T> Stack<T> { .. }` (or of an
    /// `impl` of a generic type): every one is generic.
    pub(super) fn collect_generic_impl(&mut self, imp: &ast::ImplDecl) {
        if self.modules.get(self.module).is_some_and(|m| m.is_std) {
            // The stdlib's `impl<T> Option<T>`: only `collect_impl` sends
            // it here, for a built-in type.
            return self.register_impl_methods(imp, true);
        }
        let Some(gt) = self.generic_type_named(&imp.target.name) else {
            if imp.target_args.is_empty() && self.named_type(&imp.target.name).is_some() {
                let at = imp.generics.first().map_or(imp.target.span, |g| g.span);
                self.error(
                    Diagnostic::error(
                        "E0417",
                        format!("`{}` is not generic", imp.target.name),
                        at,
                        "an `impl` of a type without parameters takes none",
                    )
                    .with_help("give the parameter to the functions that use it: `fn f<T>(..)`"),
                );
                return;
            }
            let (what, label) = if self.named_type(&imp.target.name).is_some() {
                ("E0417", format!("`{}` is not generic", imp.target.name))
            } else {
                (
                    "E0203",
                    "not a struct or enum declared in this file".to_string(),
                )
            };
            let msg = if what == "E0417" {
                format!(
                    "`{}` takes no type arguments but {} {} given",
                    imp.target.name,
                    imp.target_args.len(),
                    if imp.target_args.len() == 1 {
                        "was"
                    } else {
                        "were"
                    }
                )
            } else {
                format!("unknown type `{}`", imp.target.name)
            };
            self.error(Diagnostic::error(what, msg, imp.target.span, label));
            return;
        };
        let wanted = self.generics.types[gt].params.len();
        if imp.target_args.len() != wanted {
            let t = target_expr(imp);
            self.type_args_error(&imp.target.name, gt, imp.target_args.len(), t.span);
            return;
        }
        self.register_impl_methods(imp, false);
    }

    /// Registers the functions of a generic `impl` as generic methods. Those
    /// of the stdlib's `impl`s of built-in types (`builtin`) are keyed by
    /// the type's bare name, as [`Checker::generic_method`] looks them up,
    /// and named as the user sees them (`Option::map`, `[T]::map`) in
    /// `--emit ir` and stack traces.
    fn register_impl_methods(&mut self, imp: &ast::ImplDecl, builtin: bool) {
        self.check_type_params(&imp.generics, &[]);
        let owner = target_expr(imp);
        for item in &imp.items {
            let ast::ItemKind::Fn(f) = &item.kind else {
                continue;
            };
            self.check_type_params(&f.generics, &imp.generics);
            let target = match builtin {
                true => imp.target.name.clone(),
                false => self.item_key(&imp.target.name),
            };
            let key = (target, f.name.name.clone());
            if let Some(&prev) = self.generics.methods.get(&key) {
                let prev = self.generics.fns[prev].decl.name.span;
                self.error(
                    Diagnostic::error(
                        "E0202",
                        format!("`{}::{}` is defined more than once", key.0, key.1),
                        f.name.span,
                        "redefined here",
                    )
                    .with_label(prev, "first defined here"),
                );
                continue;
            }
            let id = self.register_generic_fn(f, &imp.generics, Some(owner.clone()), item.is_pub);
            if builtin {
                if let Some(g) = self.generics.fns.get_mut(id).and_then(Rc::get_mut) {
                    g.name = format!("{}::{}", target_name(imp), f.name.name);
                }
            }
            self.generics.methods.insert(key, id);
        }
    }

    /// What generic type `gt` is, in messages: `struct` or `enum`.
    pub(super) fn generic_kind(&self, gt: usize) -> &'static str {
        match self.generics.types[gt].body {
            GenericBody::Struct(_) => "struct",
            GenericBody::Enum(_) => "enum",
        }
    }

    /// E0417: `Pair<int>` for a generic type of another arity.
    pub(super) fn type_args_error(&mut self, name: &str, gt: usize, given: usize, span: Span) {
        let params: Vec<String> = self.generics.types[gt]
            .params
            .iter()
            .map(|p| p.name.clone())
            .collect();
        let wanted = params.len();
        self.error(
            Diagnostic::error(
                "E0417",
                format!(
                    "`{name}` takes {} but {given} {} given",
                    super::expr::plural(wanted, "type argument"),
                    if given == 1 { "was" } else { "were" }
                ),
                span,
                format!("expected {}", super::expr::plural(wanted, "type argument")),
            )
            .with_help(format!(
                "write `{name}<{}>` with a type for each parameter",
                params.join(", ")
            )),
        );
    }

    // ---- types ---------------------------------------------------------

    /// `Pair<int, str>` as written: checks the count and makes (or finds)
    /// the instance.
    pub(super) fn resolve_generic_type(
        &mut self,
        gt: usize,
        args: &[TypeExpr],
        t: &TypeExpr,
    ) -> Type {
        let name = self.generics.types[gt].name.clone();
        if args.len() != self.generics.types[gt].params.len() {
            self.type_args_error(&name, gt, args.len(), t.span);
            return Type::Error;
        }
        let args: Vec<Type> = args.iter().map(|a| self.resolve_type(a)).collect();
        if args.iter().any(has_unknown) {
            return Type::Error;
        }
        self.instantiate_type(gt, args, t.span)
    }

    /// The instance of generic struct or enum `gt` for `args`, made on
    /// first use. Its fields or variants are resolved after it is
    /// registered, so they may name the instance itself (`Tree<T>` inside
    /// `Tree<T>`).
    pub(super) fn instantiate_type(&mut self, gt: usize, args: Vec<Type>, span: Span) -> Type {
        let key = (gt, args);
        if let Some(t) = self.generics.type_instances.get(&key) {
            return t.clone();
        }
        let (gt, args) = key;
        let g = self.generics.types[gt].clone();
        let deep = self.generics.type_depth >= MAX_DEPTH;
        if let Some((why, global)) = self.past_limits(deep, &args, &g.name) {
            self.too_deep(if global { COUNT_KEY } else { gt }, why, span);
            return Type::Error;
        }
        let display = format!("{}<{}>", g.name, type_list(&args));
        let ty = match &g.body {
            GenericBody::Struct(_) => {
                let id = self.structs.len() as u32;
                self.structs.push(StructInfo {
                    name: display.clone(),
                    fields: Vec::new(),
                });
                Type::Struct(id, display)
            }
            GenericBody::Enum(_) => {
                let id = self.enums.len() as u32;
                self.enums.push(EnumInfo {
                    name: display.clone(),
                    variants: Vec::new(),
                });
                Type::Enum(id, display)
            }
        };
        self.generics
            .type_instances
            .insert((gt, args.clone()), ty.clone());
        self.generics
            .instance_of
            .insert(ty.clone(), (gt, args.clone()));
        // The declaration's own errors were reported once; resolving it
        // again only adds "too deep".
        let saved_env = std::mem::replace(&mut self.generics.env, bind_env(&g.params, &args));
        let saved_self = self.self_type.take();
        let saved_module = std::mem::replace(&mut self.module, g.module);
        let mark = self.diags.len();
        self.generics.type_depth += 1;
        match (&g.body, &ty) {
            (GenericBody::Struct(s), Type::Struct(id, _)) => {
                self.structs[*id as usize].fields = self.resolve_fields(s);
            }
            (GenericBody::Enum(e), Type::Enum(id, _)) => {
                self.enums[*id as usize].variants = self.resolve_variants(e);
            }
            _ => {}
        }
        self.generics.type_depth -= 1;
        self.generics.env = saved_env;
        self.self_type = saved_self;
        self.module = saved_module;
        self.keep_only_depth_errors(mark);
        ty
    }

    /// Drops the diagnostics after `mark` except "too deep" ones.
    pub(super) fn keep_only_depth_errors(&mut self, mark: usize) {
        let late: Vec<Diagnostic> = self
            .diags
            .drain(mark..)
            .filter(|d| d.code == "E0419")
            .collect();
        self.diags.extend(late);
    }

    /// Why a new instance of `name` for `args` would pass a limit, if it
    /// would (`deep`: it would nest more than [`MAX_DEPTH`] deep), and
    /// whether the limit is the program's rather than this generic's.
    pub(super) fn past_limits(
        &self,
        deep: bool,
        args: &[Type],
        name: &str,
    ) -> Option<(String, bool)> {
        let count = self.generics.fn_instances.len() + self.generics.type_instances.len();
        if deep {
            Some((
                format!("instantiating `{name}` nests more than {MAX_DEPTH} levels deep"),
                false,
            ))
        } else if args.iter().map(type_size).sum::<usize>() > MAX_TYPE_SIZE {
            Some((
                format!(
                    "instantiating `{name}` needs type arguments of more than {MAX_TYPE_SIZE} parts"
                ),
                false,
            ))
        } else if count >= MAX_INSTANCES {
            Some((
                format!(
                    "the program needs more than {MAX_INSTANCES} generic instances (at `{name}`)"
                ),
                true,
            ))
        } else {
            None
        }
    }

    /// E0419, once per generic.
    pub(super) fn too_deep(&mut self, key: usize, message: String, span: Span) {
        if !self.generics.too_deep.insert(key) {
            return;
        }
        let mut d = Diagnostic::error(
            "E0419",
            message,
            span,
            "each level needs a new instance here",
        )
        .with_help(
            "a generic that uses itself with a bigger type argument (`f([x])` inside `f<T>`, \
             `S<[T]>` inside `S<T>`) never runs out of new instances; keep the type argument the same",
        );
        // The chain repeats one call with ever bigger types: show where it
        // started, in code that is not generic.
        if let Some((s, n)) = self.generics.origin.last() {
            d = d.with_label(*s, format!("the first instance, `{n}`, is made here"));
        }
        self.error(d);
    }

    /// Resolves `te`, written in module `module`, with the type parameters
    /// `env` (and `Self` as the owner expression resolves under it),
    /// reporting nothing: the declaration's errors were reported when it
    /// was checked.
    pub(super) fn resolve_in(
        &mut self,
        module: usize,
        env: Vec<(String, Type)>,
        owner: Option<&TypeExpr>,
        te: &TypeExpr,
    ) -> Type {
        let saved_env = std::mem::replace(&mut self.generics.env, env);
        let saved_self = self.self_type.clone();
        let saved_module = std::mem::replace(&mut self.module, module);
        let mark = self.diags.len();
        if let Some(o) = owner {
            self.self_type = Some(self.resolve_type(o));
        }
        let t = self.resolve_type(te);
        self.keep_only_depth_errors(mark);
        self.generics.env = saved_env;
        self.self_type = saved_self;
        self.module = saved_module;
        t
    }

    /// A struct or enum type's name as a pattern or path writes it: the
    /// generic's name for an instance (`Tree`, not `Tree<int>`).
    pub(super) fn written_name(&self, ty: &Type) -> String {
        self.generics
            .base_name(ty)
            .unwrap_or_else(|| ty.to_string())
    }

    /// The generic function `name` of the struct or enum type `owner`.
    pub(super) fn generic_method(&self, owner: &Type, name: &str) -> Option<usize> {
        let base = self.method_base(owner)?;
        self.generics
            .methods
            .get(&(base, name.to_string()))
            .copied()
    }

    /// The names of the generic methods of `owner` (its own `impl<T>`, or
    /// the stdlib's for a built-in type).
    pub(super) fn generic_method_names(&self, owner: &Type) -> Vec<&str> {
        let Some(base) = self.method_base(owner) else {
            return Vec::new();
        };
        self.generics
            .methods
            .keys()
            .filter(|(t, _)| *t == base)
            .map(|(_, n)| n.as_str())
            .collect()
    }

    /// The key generic methods of `owner` are registered under.
    fn method_base(&self, owner: &Type) -> Option<String> {
        Some(match (self.generics.base_name(owner), owner) {
            (Some(b), _) => b,
            (None, Type::Struct(_, n) | Type::Enum(_, n)) => n.clone(),
            // Methods of the stdlib (`stdlib/*.kr`).
            (None, Type::Option(_)) => "Option".to_string(),
            (None, Type::Result(..)) => "Result".to_string(),
            (None, Type::Array(_)) => ast::ARRAY_TARGET.to_string(),
            _ => return None,
        })
    }

    /// Whether `owner.name(..)` is a generic `var self` method.
    pub(super) fn generic_method_mutates(&self, owner: &Type, name: &str) -> bool {
        self.generic_method(owner, name)
            .is_some_and(|g| self.generics.fns[g].self_param == Some(true))
    }
}
