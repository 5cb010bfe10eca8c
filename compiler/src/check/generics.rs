//! Generic functions, structs, enums and `impl` blocks, monomorphized.
//!
//! A generic item is kept as its AST. Each distinct use with concrete type
//! arguments makes an *instance*: a struct or enum of its own (`Pair<int,
//! str>` is `Type::Struct` with a fresh index, so KIR and codegen never see
//! a type parameter), or a function of its own, checked and lowered once
//! with its type parameters bound to the arguments (`first<int>`). Both are
//! cached by (generic, type arguments).
//!
//! Type arguments are inferred at each use (`infer.rs`): from the type the
//! context expects, then from the arguments, in order, with closures and
//! other arguments that need a type from context (`None`, `[]`, unit
//! variants) checked last, so `apply([1, 2], |x| str(x))` types `x` as
//! `int`. There is no syntax to write them at a call.
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
//! kept from that pass: see [`DEFINITION_CODES`].

use super::infer::{has_unknown, Infer};
use super::items::error_expr;
use super::scope::FnScope;
use super::{Checker, EnumInfo, FnSig, StructInfo, VariantInfo};
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, ExprKind, FuncId};
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast::{self, TypeExpr, TypeExprKind};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// How many instances may be nested inside one another (an instance that
/// asks for another instance while it is being checked or resolved). Real
/// programs stay in single digits; a chain this long is a type argument
/// that grows at every level, which would never end.
const MAX_DEPTH: usize = 48;

/// The most parts (type constructors) the type arguments of one instance
/// may have. A hand-written type has a few dozen; a chain that doubles a
/// type at each level (`f((x, x))` inside `f<T>`) passes this long before
/// [`MAX_DEPTH`], and would otherwise build types of 2^48 parts.
const MAX_TYPE_SIZE: usize = 256;

/// The most instances (functions and types) a program may make: a
/// generic that makes two bigger instances of itself at each level stays
/// under [`MAX_DEPTH`] and [`MAX_TYPE_SIZE`] for a long while, yet makes
/// 2^depth instances.
const MAX_INSTANCES: usize = 20_000;

/// The key under which "too many instances" is reported, once.
const COUNT_KEY: usize = usize::MAX / 2;

/// The error codes a generic body checked without type arguments may
/// report: names, declarations and shapes that mean the same for every
/// instantiation. Everything else (types, fields, methods) waits for an
/// instance, because an unknown type parameter hides it.
const DEFINITION_CODES: &[&str] = &[
    "E0201", "E0202", "E0203", "E0402", "E0406", "E0407", "E0417", "E0418",
];

/// How many "instantiated here" labels an error in an instance carries.
const MAX_ORIGIN_LABELS: usize = 3;

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
    /// `first`, `Stack::push`: the name in errors.
    pub name: String,
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
    pub name: String,
    pub params: Vec<ast::Ident>,
    pub body: GenericBody,
}

/// A function instance whose body is still to be checked.
#[derive(Clone, Debug)]
struct Pending {
    id: FuncId,
    generic: usize,
    env: Vec<(String, Type)>,
    sig: FnSig,
    depth: usize,
    origin: Vec<(Span, String)>,
}

/// Everything the checker knows about generic items and their instances.
#[derive(Default)]
pub(super) struct Generics {
    pub fns: Vec<Rc<GenericFn>>,
    pub fn_names: HashMap<String, usize>,
    pub types: Vec<Rc<GenericType>>,
    pub type_names: HashMap<String, usize>,
    /// Generic functions of `impl` blocks, by (type name, function name).
    pub methods: HashMap<(String, String), usize>,
    fn_instances: HashMap<(usize, Vec<Type>), FuncId>,
    type_instances: HashMap<(usize, Vec<Type>), Type>,
    /// The generic type and arguments of every struct or enum instance.
    pub instance_of: HashMap<Type, (usize, Vec<Type>)>,
    /// Signatures of function instances (they are not in `functions`).
    sigs: HashMap<FuncId, FnSig>,
    pending: Vec<Pending>,
    /// The type parameters in scope and what they stand for.
    pub env: Vec<(String, Type)>,
    /// Nesting of the function instance being checked.
    depth: usize,
    /// Nesting of struct and enum instances being resolved.
    type_depth: usize,
    /// The calls that caused the instance being checked, innermost first.
    origin: Vec<(Span, String)>,
    /// True while checking generic bodies without type arguments.
    pub def_pass: bool,
    /// Generics already reported as nesting too deep.
    too_deep: HashSet<usize>,
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
fn bind_env(params: &[ast::Ident], args: &[Type]) -> Vec<(String, Type)> {
    params
        .iter()
        .zip(args)
        .map(|(p, t)| (p.name.clone(), t.clone()))
        .collect()
}

/// `Stack<T>` as a type expression, for the target of an `impl`.
pub(super) fn target_expr(imp: &ast::ImplDecl) -> TypeExpr {
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
        self.named_type(name).is_some() || self.generics.type_names.contains_key(name)
    }

    /// Registers a generic struct or enum (its members are resolved per
    /// instance; [`Checker::check_generic_types`] reports their errors).
    pub(super) fn register_generic_type(
        &mut self,
        name: &str,
        params: &[ast::Ident],
        body: GenericBody,
    ) {
        let id = self.generics.types.len();
        self.generics.type_names.insert(name.to_string(), id);
        self.generics.types.push(Rc::new(GenericType {
            name: name.to_string(),
            params: params.to_vec(),
            body,
        }));
    }

    /// Reports the errors in generic struct and enum declarations once,
    /// with every parameter unknown: bad parameter names, unknown types,
    /// repeated fields or variants.
    pub(super) fn check_generic_types(&mut self) {
        for g in self.generics.types.clone() {
            self.check_type_params(&g.params, &[]);
            let env = g
                .params
                .iter()
                .map(|p| (p.name.clone(), Type::Error))
                .collect();
            let saved = std::mem::replace(&mut self.generics.env, env);
            match &g.body {
                GenericBody::Struct(s) => {
                    let mut seen: HashMap<&str, Span> = HashMap::new();
                    for f in &s.fields {
                        if let Some(prev) = seen.get(f.name.name.as_str()) {
                            self.error(
                                Diagnostic::error(
                                    "E0202",
                                    format!("field `{}` is declared more than once", f.name.name),
                                    f.name.span,
                                    "declared again here",
                                )
                                .with_label(*prev, "first declared here"),
                            );
                        }
                        seen.insert(&f.name.name, f.name.span);
                        let _ = self.resolve_type(&f.ty);
                    }
                }
                GenericBody::Enum(e) => {
                    let mut seen: HashMap<&str, Span> = HashMap::new();
                    for v in &e.variants {
                        if let Some(prev) = seen.get(v.name.name.as_str()) {
                            self.error(
                                Diagnostic::error(
                                    "E0202",
                                    format!("variant `{}` is declared more than once", v.name.name),
                                    v.name.span,
                                    "declared again here",
                                )
                                .with_label(*prev, "first declared here"),
                            );
                        }
                        seen.insert(&v.name.name, v.name.span);
                        for t in &v.fields {
                            let _ = self.resolve_type(t);
                        }
                    }
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
    ) -> usize {
        let mut params = impl_params.to_vec();
        params.extend(f.generics.iter().cloned());
        let name = match &owner {
            Some(TypeExpr {
                kind: TypeExprKind::Named { name, .. },
                ..
            }) => format!("{}::{}", name.name, f.name.name),
            _ => f.name.name.clone(),
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
        }));
        id
    }

    /// Registers the functions of `impl<T> Stack<T> { .. }` (or of an
    /// `impl` of a generic type): every one is generic.
    pub(super) fn collect_generic_impl(&mut self, imp: &ast::ImplDecl) {
        let Some(&gt) = self.generics.type_names.get(&imp.target.name) else {
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
        self.check_type_params(&imp.generics, &[]);
        let owner = target_expr(imp);
        for item in &imp.items {
            let ast::ItemKind::Fn(f) = &item.kind else {
                continue;
            };
            self.check_type_params(&f.generics, &imp.generics);
            let key = (imp.target.name.clone(), f.name.name.clone());
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
            let id = self.register_generic_fn(f, &imp.generics, Some(owner.clone()));
            self.generics.methods.insert(key, id);
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
        let mark = self.diags.len();
        self.generics.type_depth += 1;
        match (&g.body, &ty) {
            (GenericBody::Struct(s), Type::Struct(id, _)) => {
                let mut fields: Vec<(String, Type, Span)> = Vec::new();
                for f in &s.fields {
                    if fields.iter().any(|(n, _, _)| *n == f.name.name) {
                        continue;
                    }
                    let t = self.resolve_type(&f.ty);
                    fields.push((f.name.name.clone(), t, f.name.span));
                }
                self.structs[*id as usize].fields = fields;
            }
            (GenericBody::Enum(e), Type::Enum(id, _)) => {
                let mut variants: Vec<VariantInfo> = Vec::new();
                for v in &e.variants {
                    if variants.iter().any(|p| p.name == v.name.name) {
                        continue;
                    }
                    let payload = v.fields.iter().map(|t| self.resolve_type(t)).collect();
                    variants.push(VariantInfo {
                        name: v.name.name.clone(),
                        payload,
                        span: v.name.span,
                    });
                }
                self.enums[*id as usize].variants = variants;
            }
            _ => {}
        }
        self.generics.type_depth -= 1;
        self.generics.env = saved_env;
        self.self_type = saved_self;
        self.keep_only_depth_errors(mark);
        ty
    }

    /// Drops the diagnostics after `mark` except "too deep" ones.
    fn keep_only_depth_errors(&mut self, mark: usize) {
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
    fn past_limits(&self, deep: bool, args: &[Type], name: &str) -> Option<(String, bool)> {
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
    fn too_deep(&mut self, key: usize, message: String, span: Span) {
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

    /// Resolves `te` with the type parameters `env` (and `Self` as the
    /// owner expression resolves under it), reporting nothing: the
    /// declaration's errors were reported when it was checked.
    pub(super) fn resolve_in(
        &mut self,
        env: Vec<(String, Type)>,
        owner: Option<&TypeExpr>,
        te: &TypeExpr,
    ) -> Type {
        let saved_env = std::mem::replace(&mut self.generics.env, env);
        let saved_self = self.self_type.clone();
        let mark = self.diags.len();
        if let Some(o) = owner {
            self.self_type = Some(self.resolve_type(o));
        }
        let t = self.resolve_type(te);
        self.keep_only_depth_errors(mark);
        self.generics.env = saved_env;
        self.self_type = saved_self;
        t
    }

    // ---- functions -----------------------------------------------------

    /// The parameter types as written of generic function `g`, `self`'s
    /// included (as the `impl` target).
    fn param_exprs(g: &GenericFn) -> Vec<TypeExpr> {
        let mut out = Vec::with_capacity(g.decl.params.len() + 1);
        if g.self_param.is_some() {
            out.push(g.owner.clone().unwrap_or(TypeExpr {
                kind: TypeExprKind::Error,
                span: g.decl.name.span,
            }));
        }
        out.extend(g.decl.params.iter().map(|p| p.ty.clone()));
        out
    }

    fn ret_expr(g: &GenericFn) -> TypeExpr {
        g.decl.ret.clone().unwrap_or(TypeExpr {
            kind: TypeExprKind::Tuple(Vec::new()),
            span: g.decl.name.span,
        })
    }

    /// Checks a call of generic function `gid`: infers its type arguments,
    /// makes the instance and checks the arguments against it. `leading`
    /// are the types of arguments already checked (a method's receiver);
    /// `owner` is the type a `Type::f(..)` call names, when it is known.
    /// Returns the instance, the other arguments and the result type, or
    /// `None` after reporting (or when an error was already reported).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn call_generic(
        &mut self,
        scope: &mut FnScope,
        gid: usize,
        leading: &[Type],
        args: &[ast::Expr],
        expected: Option<&Type>,
        owner: Option<&Type>,
        span: Span,
    ) -> Option<(FuncId, Vec<kir::Expr>, Type)> {
        let g = self.generics.fns[gid].clone();
        let mut inf = Infer::new(&g.params);
        let params = Self::param_exprs(&g);
        if let (Some(o), Some(t)) = (&g.owner, owner) {
            self.bind(&mut inf, g.owner.as_ref(), o, t);
        }
        for (te, t) in params.iter().zip(leading) {
            self.bind(&mut inf, g.owner.as_ref(), te, t);
        }
        let rest = params.get(leading.len()..).unwrap_or(&[]);
        if args.len() != rest.len() {
            for a in args {
                let _ = self.check_expr(scope, a, None);
            }
            self.error(
                super::expr::arity_error(&g.name, rest.len(), args.len(), span)
                    .with_label(g.decl.name.span, format!("`{}` is defined here", g.name)),
            );
            return None;
        }
        // The expected type only fills in what the arguments leave open
        // (so `id(5)` as a statement is `id<int>`, not `id<()>`), and
        // gives the arguments that need a type from context theirs.
        let mut hint = inf.clone();
        if let Some(t) = expected.filter(|t| Infer::usable(t)) {
            self.bind(&mut hint, g.owner.as_ref(), &Self::ret_expr(&g), t);
        }
        let mark = self.diags.len();
        let values = self.infer_args(scope, &mut inf, Some(&hint), g.owner.as_ref(), rest, args);
        inf.fill_from(&hint);
        let owner_type = match &g.owner {
            Some(TypeExpr {
                kind: TypeExprKind::Named { name, .. },
                ..
            }) => self.generic_type_named(&name.name),
            _ => None,
        };
        let help = match owner_type {
            Some(gt) => self.annotation_help(gt),
            None => "give the result a type where it is declared (`let x: [int] = ...`), \
                     or pass an argument whose type fixes it"
                .to_string(),
        };
        let targs = self.finish_inference(&inf, &g.name, &values, mark, span, &help, expected)?;
        if self.generics.def_pass {
            return None;
        }
        let id = self.instantiate_fn(gid, targs, span)?;
        let sig = self.generics.sigs.get(&id)?.clone();
        // An `impl Stack<int>` function called on another instance.
        for (t, p) in leading.iter().zip(&sig.params) {
            if *t != p.ty {
                self.error(Diagnostic::error(
                    "E0301",
                    "mismatched types",
                    span,
                    format!("`{}` is for `{}`, not `{t}`", sig.name, p.ty),
                ));
                return None;
            }
        }
        let mut ok = true;
        for (v, p) in values
            .iter()
            .zip(sig.params.get(leading.len()..).unwrap_or(&[]))
        {
            ok &= self.expect_type(v, &p.ty);
        }
        ok.then_some((id, values, sig.ret))
    }

    /// Checks `args` against the parameter types `params` as far as `inf`
    /// knows them, learning from each; arguments that need a type from
    /// context are checked last. Returns them in order.
    pub(super) fn infer_args(
        &mut self,
        scope: &mut FnScope,
        inf: &mut Infer,
        hint: Option<&Infer>,
        owner: Option<&TypeExpr>,
        params: &[TypeExpr],
        args: &[ast::Expr],
    ) -> Vec<kir::Expr> {
        let late: Vec<bool> = args
            .iter()
            .map(|e| needs_context(e) || self.names_generic_fn(e))
            .collect();
        let mut order: Vec<usize> = (0..args.len()).filter(|&i| !late[i]).collect();
        order.extend((0..args.len()).filter(|&i| late[i]));
        let mut out: Vec<Option<kir::Expr>> = vec![None; args.len()];
        for i in order {
            let (Some(a), Some(te)) = (args.get(i), params.get(i)) else {
                continue;
            };
            let known = match hint {
                Some(h) if late[i] => inf.merged(h),
                _ => inf.clone(),
            };
            let want = self.resolve_in(known.env(), owner, te);
            // A partly known type would leak its unknown part into the
            // value's type (`[1]` against `[?]` is typed `[?]`); only a
            // closure or a generic function can use one, for its
            // parameter types.
            let closure =
                matches!(a.kind, ast::ExprKind::Closure { .. }) || self.names_generic_fn(a);
            let hint = (closure || !has_unknown(&want)).then_some(want);
            let v = self.check_expr(scope, a, hint.as_ref());
            self.bind(inf, owner, te, &v.ty);
            out[i] = Some(v);
        }
        out.into_iter().flatten().collect()
    }

    /// The inferred type arguments, or `None` after reporting the first
    /// parameter nothing fixed (unless errors since `mark` explain it).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn finish_inference(
        &mut self,
        inf: &Infer,
        what: &str,
        values: &[kir::Expr],
        mark: usize,
        span: Span,
        help: &str,
        expected: Option<&Type>,
    ) -> Option<Vec<Type>> {
        // An unknown expected type is a mistake reported where it was made.
        let reported = self.diags.len() > mark
            || self.generics.def_pass
            || expected.is_some_and(|t| *t == Type::Error);
        let unknown_value = values.iter().any(|v| has_unknown(&v.ty));
        // After a limit stopped instantiation, unknown values are its echo.
        let reported = reported || (unknown_value && !self.generics.too_deep.is_empty());
        let missing = match inf.result() {
            Ok(targs) if !unknown_value && !targs.iter().any(has_unknown) => return Some(targs),
            Ok(_) => None,
            Err(param) => Some(param),
        };
        if !reported {
            let (message, label) = match &missing {
                Some(p) => (
                    format!("cannot infer the type parameter `{p}` of `{what}`"),
                    format!("nothing here fixes `{p}`"),
                ),
                None => (
                    format!("cannot infer the types of the arguments of `{what}`"),
                    "an argument here needs a type from context".to_string(),
                ),
            };
            self.error(Diagnostic::error("E0304", message, span, label).with_help(help));
        }
        None
    }

    /// Learns type arguments by matching the type expression `te` (in
    /// the generic's own terms) against the type `ty` a value has.
    pub(super) fn bind(&self, inf: &mut Infer, owner: Option<&TypeExpr>, te: &TypeExpr, ty: &Type) {
        if matches!(ty, Type::Error | Type::Never) {
            return;
        }
        match &te.kind {
            TypeExprKind::Named {
                module: None,
                name,
                args,
            } => {
                if args.is_empty() && inf.index(&name.name).is_some() {
                    inf.set(&name.name, ty);
                    return;
                }
                match (name.name.as_str(), ty, args.as_slice()) {
                    ("Option", Type::Option(a), [x])
                    | ("chan", Type::Chan(a), [x])
                    | ("task", Type::Task(a), [x]) => self.bind(inf, owner, x, a),
                    ("Result", Type::Result(a, b), [x, y]) | ("Map", Type::Map(a, b), [x, y]) => {
                        self.bind(inf, owner, x, a);
                        self.bind(inf, owner, y, b);
                    }
                    (n, Type::Struct(..) | Type::Enum(..), _) => {
                        if let Some((g, targs)) = self.generics.instance_of.get(ty) {
                            if self.generics.types[*g].name == n && targs.len() == args.len() {
                                for (x, a) in args.iter().zip(targs) {
                                    self.bind(inf, owner, x, a);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            TypeExprKind::Array(x) => {
                if let Type::Array(a) = ty {
                    self.bind(inf, owner, x, a);
                }
            }
            TypeExprKind::Tuple(items) if items.len() == 1 => self.bind(inf, owner, &items[0], ty),
            TypeExprKind::Tuple(items) => {
                if let Type::Tuple(ts) = ty {
                    if ts.len() == items.len() {
                        for (x, a) in items.iter().zip(ts) {
                            self.bind(inf, owner, x, a);
                        }
                    }
                }
            }
            TypeExprKind::Fn { params, ret } => {
                if let Type::Fn(ps, r) = ty {
                    if ps.len() == params.len() {
                        for (x, a) in params.iter().zip(ps) {
                            self.bind(inf, owner, x, a);
                        }
                    }
                    if let Some(x) = ret {
                        self.bind(inf, owner, x, r);
                    }
                }
            }
            TypeExprKind::SelfType => {
                if let Some(o) = owner {
                    self.bind(inf, None, o, ty);
                }
            }
            TypeExprKind::Named { .. } | TypeExprKind::Error => {}
        }
    }

    /// The instance of generic function `gid` for `targs`, made (and its
    /// body queued) on first use; `None` after a "too deep" error or when
    /// its signature does not resolve (already reported).
    fn instantiate_fn(&mut self, gid: usize, targs: Vec<Type>, span: Span) -> Option<FuncId> {
        let key = (gid, targs);
        if let Some(&id) = self.generics.fn_instances.get(&key) {
            return Some(id);
        }
        let (gid, targs) = key;
        let g = self.generics.fns[gid].clone();
        let depth = self.generics.depth + 1;
        if let Some((why, global)) = self.past_limits(depth > MAX_DEPTH, &targs, &g.name) {
            self.too_deep(if global { COUNT_KEY } else { usize::MAX - gid }, why, span);
            return None;
        }
        let env = bind_env(&g.params, &targs);
        let saved_env = std::mem::replace(&mut self.generics.env, env.clone());
        let saved_self = self.self_type.take();
        let mark = self.diags.len();
        let owner_ty = g.owner.as_ref().map(|o| self.resolve_type(o));
        self.self_type = owner_ty.clone();
        let mut sig = self.fn_signature(&g.decl, owner_ty.clone());
        self.keep_only_depth_errors(mark);
        self.generics.env = saved_env;
        self.self_type = saved_self;
        let own = targs
            .get(g.params.len() - g.decl.generics.len()..)
            .unwrap_or(&[]);
        let base = match &owner_ty {
            Some(o) => format!("{o}::{}", g.decl.name.name),
            None => g.decl.name.name.clone(),
        };
        sig.name = if own.is_empty() {
            base
        } else {
            format!("{base}<{}>", type_list(own))
        };
        if sig.params.iter().any(|p| has_unknown(&p.ty)) || has_unknown(&sig.ret) {
            return None;
        }
        let id = FuncId((self.functions.len() + self.lifted.len()) as u32);
        // A placeholder holds the instance's number until its body is
        // checked (`check_instances`).
        self.lifted.push(kir::Function {
            name: sig.name.clone(),
            params: Vec::new(),
            ret: sig.ret.clone(),
            locals: Vec::new(),
            body: error_expr(span),
            span: sig.span,
            returns_self: false,
        });
        let mut origin = vec![(span, sig.name.clone())];
        origin.extend(self.generics.origin.iter().cloned());
        self.generics.fn_instances.insert((gid, targs), id);
        self.generics.sigs.insert(id, sig.clone());
        self.generics.pending.push(Pending {
            id,
            generic: gid,
            env,
            sig,
            depth,
            origin,
        });
        Some(id)
    }

    /// Checks the bodies of every queued function instance (instances
    /// found while checking them are queued too).
    pub(super) fn check_instances(&mut self) {
        let mut next = 0;
        while let Some(p) = self.generics.pending.get(next).cloned() {
            next += 1;
            let g = self.generics.fns[p.generic].clone();
            let saved_env = std::mem::replace(&mut self.generics.env, p.env.clone());
            let saved_origin = std::mem::replace(&mut self.generics.origin, p.origin.clone());
            let saved_depth = std::mem::replace(&mut self.generics.depth, p.depth);
            self.self_type = p.sig.owner.clone();
            let mark = self.diags.len();
            let f = self.check_fn_with(&g.decl, p.sig.clone());
            self.generics.env = saved_env;
            self.generics.origin = saved_origin;
            self.generics.depth = saved_depth;
            self.self_type = None;
            self.attribute_errors(mark, &p.origin);
            let slot = (p.id.0 as usize).checked_sub(self.functions.len());
            if let Some(s) = slot.and_then(|i| self.lifted.get_mut(i)) {
                *s = f;
            }
        }
    }

    /// Errors found in an instance's body (after `mark`): one already
    /// reported is dropped; the others get a label at each call that
    /// caused the instance.
    fn attribute_errors(&mut self, mark: usize, origin: &[(Span, String)]) {
        let new: Vec<Diagnostic> = self.diags.drain(mark..).collect();
        for mut d in new {
            let seen = self.diags.iter().any(|e| {
                e.code == d.code && e.primary.span == d.primary.span && e.message == d.message
            });
            if seen {
                continue;
            }
            if d.code != "E0419" {
                for (s, n) in origin.iter().take(MAX_ORIGIN_LABELS) {
                    d = d.with_label(*s, format!("in `{n}`, instantiated here"));
                }
            }
            self.error(d);
        }
    }

    /// Checks every generic function's body once with its type parameters
    /// unknown, keeping the errors listed in [`DEFINITION_CODES`].
    pub(super) fn check_generic_defs(&mut self) {
        self.generics.def_pass = true;
        for g in self.generics.fns.clone() {
            if g.owner.is_none() {
                self.check_type_params(&g.params, &[]);
            }
            let env = g
                .params
                .iter()
                .map(|p| (p.name.clone(), Type::Error))
                .collect();
            let saved_env = std::mem::replace(&mut self.generics.env, env);
            let owner_ty = g.owner.as_ref().map(|o| self.resolve_type(o));
            self.self_type = owner_ty.clone();
            // Signature errors (unknown types) are reported here, once.
            let mut sig = self.fn_signature(&g.decl, owner_ty);
            sig.name = g.name.clone();
            let lifted = self.lifted.len();
            let mark = self.diags.len();
            let _ = self.check_fn_with(&g.decl, sig);
            let kept: Vec<Diagnostic> = self
                .diags
                .drain(mark..)
                .filter(|d| DEFINITION_CODES.contains(&d.code))
                .collect();
            self.diags.extend(kept);
            self.lifted.truncate(lifted);
            self.generics.env = saved_env;
            self.self_type = None;
        }
        self.generics.def_pass = false;
    }

    /// A generic function named where a value is wanted: the expected
    /// function type must fix its type arguments (`xs.map(identity)`).
    pub(super) fn generic_fn_value(
        &mut self,
        gid: usize,
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let g = self.generics.fns[gid].clone();
        let mut inf = Infer::new(&g.params);
        if let Some(Type::Fn(ps, r)) = expected {
            if ps.len() == g.decl.params.len() {
                for (p, t) in g.decl.params.iter().zip(ps) {
                    self.bind(&mut inf, None, &p.ty, t);
                }
            }
            self.bind(&mut inf, None, &Self::ret_expr(&g), r);
        }
        let targs = match inf.result() {
            Ok(t) if !t.iter().any(has_unknown) => t,
            _ => {
                if !self.generics.def_pass {
                    self.error(
                        Diagnostic::error(
                            "E0304",
                            format!("cannot infer the type arguments of `{}` here", g.name),
                            span,
                            "a generic function used as a value needs them from context",
                        )
                        .with_help(format!(
                            "pass it where the function type is known (`xs.map({0})`) or wrap the call in a closure: `|x| {0}(x)`",
                            g.name
                        )),
                    );
                }
                return error_expr(span);
            }
        };
        if self.generics.def_pass {
            return error_expr(span);
        }
        let Some(id) = self.instantiate_fn(gid, targs, span) else {
            return error_expr(span);
        };
        let Some(sig) = self.generics.sigs.get(&id) else {
            return error_expr(span);
        };
        let ty = Type::Fn(
            sig.params.iter().map(|p| p.ty.clone()).collect(),
            Box::new(sig.ret.clone()),
        );
        kir::Expr {
            kind: ExprKind::FnRef(id),
            ty,
            span,
        }
    }

    /// A struct or enum type's name as a pattern or path writes it: the
    /// generic's name for an instance (`Tree`, not `Tree<int>`).
    pub(super) fn written_name(&self, ty: &Type) -> String {
        self.generics
            .base_name(ty)
            .unwrap_or_else(|| ty.to_string())
    }

    /// Whether `e` is the bare name of a generic function (a value whose
    /// type arguments come from the function type expected).
    fn names_generic_fn(&self, e: &ast::Expr) -> bool {
        matches!(&e.kind, ast::ExprKind::Name(n) if self.generics.fn_names.contains_key(&n.name))
    }

    /// The generic function `name` of the struct or enum type `owner`.
    pub(super) fn generic_method(&self, owner: &Type, name: &str) -> Option<usize> {
        let base = match (self.generics.base_name(owner), owner) {
            (Some(b), _) => b,
            (None, Type::Struct(_, n) | Type::Enum(_, n)) => n.clone(),
            _ => return None,
        };
        self.generics
            .methods
            .get(&(base, name.to_string()))
            .copied()
    }

    /// Whether `owner.name(..)` is a generic `var self` method.
    pub(super) fn generic_method_mutates(&self, owner: &Type, name: &str) -> bool {
        self.generic_method(owner, name)
            .is_some_and(|g| self.generics.fns[g].self_param == Some(true))
    }
}

/// Arguments whose type should come from context, so they are checked
/// after the others: closures, `None`, `[]`, `[:]` and `Type::Variant`.
fn needs_context(e: &ast::Expr) -> bool {
    use ast::ExprKind as A;
    match &e.kind {
        A::Closure { .. } | A::Path(..) => true,
        A::Name(n) => n.name == "None",
        A::Array(items) => items.is_empty(),
        A::Map(pairs) => pairs.is_empty(),
        A::Call(callee, _) => {
            matches!(&callee.kind, A::Path(..))
                || matches!(&callee.kind, A::Name(n) if n.name == "Ok" || n.name == "Err")
        }
        _ => false,
    }
}
