//! Enum values: constructing variants (`Shape::Circle(1.5)`, `Some(x)`,
//! `None`, `Ok(v)`, `Err(e)`), the methods of `Option` and `Result`, and
//! the `?` operator.
//!
//! Everything here lowers to the three enum nodes of KIR (`Variant`, `Tag`,
//! `Payload`) and ordinary control flow: `x.unwrap()` is
//! `{ let t = x; if tag(t) == 1 { payload(t, 0) } else { panic(..) } }`,
//! and `e?` is the same with `return None` (or `return Err(..)`) in place of
//! the panic. `None`, `Ok(v)` and `Err(e)` take the types they lack from the
//! type the context expects (bidirectional checking), as `[]` does.

use super::items::{error_expr, has_error, same};
use super::scope::FnScope;
use super::suggest::closest;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, ExprKind, Intrinsic, LocalId, ERR_TAG, NONE_TAG, OK_TAG, SOME_TAG};
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast::{self, BinOp};

pub(super) fn expr(kind: ExprKind, ty: Type, span: Span) -> kir::Expr {
    kir::Expr { kind, ty, span }
}

/// `tag(e) == tag`.
pub(super) fn tag_is(e: kir::Expr, tag: u32, span: Span) -> kir::Expr {
    let t = expr(ExprKind::Tag(Box::new(e)), Type::Int, span);
    let k = expr(ExprKind::Int(i64::from(tag)), Type::Int, span);
    expr(
        ExprKind::Binary(BinOp::Eq, Box::new(t), Box::new(k)),
        Type::Bool,
        span,
    )
}

/// Payload value `i` (of type `ty`) of the enum value `e`.
pub(super) fn payload(e: kir::Expr, i: u32, ty: Type, span: Span) -> kir::Expr {
    expr(ExprKind::Payload(Box::new(e), i), ty, span)
}

pub(super) fn read(id: LocalId, ty: Type, span: Span) -> kir::Expr {
    expr(ExprKind::Local(id), ty, span)
}

pub(super) fn let_(id: LocalId, value: kir::Expr, span: Span) -> kir::Expr {
    let ty = if value.ty == Type::Never {
        Type::Never
    } else {
        Type::Unit
    };
    expr(ExprKind::Let(id, Box::new(value)), ty, span)
}

pub(super) fn if_(cond: kir::Expr, then: kir::Expr, otherwise: kir::Expr, span: Span) -> kir::Expr {
    let ty = if then.ty == Type::Never {
        otherwise.ty.clone()
    } else {
        then.ty.clone()
    };
    expr(
        ExprKind::If {
            cond: Box::new(cond),
            then: Box::new(then),
            otherwise: Box::new(otherwise),
        },
        ty,
        span,
    )
}

/// A block of `items`, whose type is the last one's (never if any item
/// diverges).
pub(super) fn block(items: Vec<kir::Expr>, span: Span) -> kir::Expr {
    if items.len() == 1 {
        if let Some(only) = items.into_iter().next() {
            return only;
        }
        return error_expr(span);
    }
    let ty = if items.iter().any(|e| e.ty == Type::Never) {
        Type::Never
    } else {
        items.last().map_or(Type::Unit, |e| e.ty.clone())
    };
    expr(ExprKind::Block(items), ty, span)
}

/// `panic(message)` at `span`.
pub(super) fn panic_with(message: kir::Expr, span: Span) -> kir::Expr {
    expr(
        ExprKind::Intrinsic(Intrinsic::Panic, vec![message]),
        Type::Never,
        span,
    )
}

pub(super) fn variant(ty: Type, tag: u32, payload: Vec<kir::Expr>, span: Span) -> kir::Expr {
    expr(ExprKind::Variant { tag, payload }, ty, span)
}

/// True for an expression that has no effect and is cheap to evaluate
/// where it is needed instead of up front (a literal, a local, a
/// payload-less variant).
fn is_pure(e: &kir::Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Str(_)
        | ExprKind::Unit
        | ExprKind::Local(_) => true,
        ExprKind::Variant { payload, .. } => payload.is_empty(),
        _ => false,
    }
}

/// The names of the built-in variants.
const BUILTIN_VARIANTS: &[&str] = &["Some", "None", "Ok", "Err"];

pub(super) fn is_builtin_variant(name: &str) -> bool {
    BUILTIN_VARIANTS.contains(&name)
}

impl Checker {
    /// Evaluates `e` once into a hidden local, unless it is a local
    /// already (and not `copy`: something evaluated before its last read
    /// might assign that local): returns the `Let` (if any) and an
    /// expression that reads the value (again and again).
    fn hold(scope: &mut FnScope, e: kir::Expr, copy: bool) -> (Option<kir::Expr>, kir::Expr) {
        let span = e.span;
        if !copy && matches!(e.kind, ExprKind::Local(_)) {
            return (None, e);
        }
        let ty = e.ty.clone();
        let t = scope.declare_hidden(ty.clone(), span);
        (Some(let_(t, e, span)), read(t, ty, span))
    }

    /// `Enum::Variant(args)` (`args` is `None` for `Enum::Variant` written
    /// without parentheses): a value of variant `tag` of the enum `ty`.
    pub(super) fn check_variant_ctor(
        &mut self,
        scope: &mut FnScope,
        ty: Type,
        tag: u32,
        name: &str,
        args: Option<&[ast::Expr]>,
        span: Span,
    ) -> kir::Expr {
        let payload_tys = self
            .variants(&ty)
            .and_then(|vs| vs.get(tag as usize).map(|(_, p)| p.clone()))
            .unwrap_or_default();
        let full = match &ty {
            Type::Enum(..) => format!("{}::{name}", self.written_name(&ty)),
            _ => name.to_string(),
        };
        let Some(args) = args else {
            if payload_tys.is_empty() {
                return variant(ty, tag, Vec::new(), span);
            }
            self.error(
                Diagnostic::error(
                    "E0302",
                    format!(
                        "`{full}` holds {}",
                        super::expr::plural(payload_tys.len(), "value")
                    ),
                    span,
                    "the variant's values are missing",
                )
                .with_help(format!(
                    "write `{full}({})`",
                    placeholders(payload_tys.len())
                )),
            );
            return error_expr(span);
        };
        let mut values = Vec::with_capacity(args.len());
        let mut ok = true;
        for (i, a) in args.iter().enumerate() {
            let want = payload_tys.get(i);
            let v = self.check_expr(scope, a, want);
            if let Some(t) = want {
                ok &= self.expect_type(&v, t);
            }
            values.push(v);
        }
        if args.len() != payload_tys.len() {
            let mut d = Diagnostic::error(
                "E0302",
                format!(
                    "`{full}` holds {} but {} {} given",
                    super::expr::plural(payload_tys.len(), "value"),
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
                span,
                format!(
                    "expected {}",
                    super::expr::plural(payload_tys.len(), "value")
                ),
            );
            if payload_tys.is_empty() {
                d = d.with_help(format!("write `{full}` without parentheses"));
            }
            self.error(d);
            return error_expr(span);
        }
        if !ok || values.iter().any(|v| has_error(&v.ty)) {
            return error_expr(span);
        }
        variant(ty, tag, values, span)
    }

    /// `Some(x)`, `None`, `Ok(v)`, `Err(e)` (`args` is `None` for a bare
    /// name); `None` when `name` is not a built-in variant.
    pub(super) fn check_builtin_variant(
        &mut self,
        scope: &mut FnScope,
        name: &ast::Ident,
        args: Option<&[ast::Expr]>,
        expected: Option<&Type>,
        span: Span,
    ) -> Option<kir::Expr> {
        let n = name.name.as_str();
        if !is_builtin_variant(n) {
            return None;
        }
        let wanted = usize::from(n != "None");
        let given = args.map_or(0, <[ast::Expr]>::len);
        if args.is_some() != (wanted == 1) || given != wanted {
            for a in args.unwrap_or(&[]) {
                let _ = self.check_expr(scope, a, None);
            }
            let (message, help) = if wanted == 0 {
                (
                    "`None` holds no value".to_string(),
                    "write `None`".to_string(),
                )
            } else {
                (
                    format!("`{n}` holds 1 value but {given} were given"),
                    format!("write `{n}(value)`"),
                )
            };
            self.error(
                Diagnostic::error("E0302", message, span, "wrong number of values").with_help(help),
            );
            return Some(error_expr(span));
        }
        let arg = args.and_then(|a| a.first());
        // The type the context wants, when it is one this variant can be.
        let want = match (n, expected) {
            ("Some" | "None", Some(t @ Type::Option(_))) => Some(t.clone()),
            ("Ok" | "Err", Some(t @ Type::Result(..))) => Some(t.clone()),
            (_, Some(Type::Error)) => Some(Type::Error),
            _ => None,
        };
        Some(match (n, want, arg) {
            ("None", Some(Type::Error), _) => error_expr(span),
            ("None", Some(t), _) => variant(t, NONE_TAG, Vec::new(), span),
            ("None", None, _) => {
                match expected {
                    Some(other) if *other != Type::Unit => {
                        self.report_variant_mismatch(span, other, "Option<_>")
                    }
                    _ => self.error(
                        Diagnostic::error(
                            "E0304",
                            "cannot infer the type of `None`",
                            span,
                            "the type of this `None` is not known here",
                        )
                        .with_help("annotate it: `let x: Option<int> = None`"),
                    ),
                }
                error_expr(span)
            }
            (_, _, None) => error_expr(span),
            ("Some", want, Some(a)) => {
                let inner = match &want {
                    Some(Type::Option(t)) => Some((**t).clone()),
                    _ => None,
                };
                let v = self.check_expr(scope, a, inner.as_ref());
                if let Some(t) = &inner {
                    if !self.expect_type(&v, t) {
                        return Some(error_expr(span));
                    }
                }
                let t = match inner {
                    Some(t) => t,
                    None if v.ty == Type::Never => {
                        self.error(
                            Diagnostic::error(
                                "E0304",
                                "cannot infer the type of this `Option`",
                                span,
                                "its value never exists",
                            )
                            .with_help("annotate it: `let x: Option<int> = ...`"),
                        );
                        return Some(error_expr(span));
                    }
                    None => v.ty.clone(),
                };
                if has_error(&t) {
                    return Some(error_expr(span));
                }
                variant(Type::Option(Box::new(t)), SOME_TAG, vec![v], span)
            }
            (_, Some(Type::Error), Some(a)) => {
                let _ = self.check_expr(scope, a, None);
                error_expr(span)
            }
            (_, Some(Type::Result(mut t, mut e)), Some(a)) => {
                let (tag, inner) = if n == "Ok" {
                    (OK_TAG, &mut t)
                } else {
                    (ERR_TAG, &mut e)
                };
                // A context that knows only the other side (a closure
                // passed to `r.and_then(..)`) leaves this one to the value.
                let known = **inner != Type::Error;
                let v = self.check_expr(scope, a, known.then_some(&**inner));
                if known && !self.expect_type(&v, inner) || has_error(&v.ty) {
                    return Some(error_expr(span));
                }
                if !known {
                    **inner = v.ty.clone();
                }
                variant(Type::Result(t, e), tag, vec![v], span)
            }
            (_, _, Some(a)) => {
                let v = self.check_expr(scope, a, None);
                if has_error(&v.ty) {
                    return Some(error_expr(span));
                }
                let shown = if n == "Ok" {
                    format!("Result<{}, _>", v.ty)
                } else {
                    format!("Result<_, {}>", v.ty)
                };
                match expected {
                    Some(other) if *other != Type::Unit => {
                        self.report_variant_mismatch(span, other, &shown)
                    }
                    _ => {
                        let (what, example) = if n == "Ok" {
                            ("error type", format!("Result<{}, str>", v.ty))
                        } else {
                            ("value type", format!("Result<int, {}>", v.ty))
                        };
                        self.error(
                            Diagnostic::error(
                                "E0304",
                                format!("cannot infer the {what} of this `Result`"),
                                span,
                                format!("this is a `{shown}`"),
                            )
                            .with_help(format!(
                                "annotate it, e.g. `let r: {example} = ...`, or use it where a \
                                 `Result` type is known"
                            )),
                        )
                    }
                }
                error_expr(span)
            }
        })
    }

    fn report_variant_mismatch(&mut self, span: Span, expected: &Type, found: &str) {
        self.error(Diagnostic::error(
            "E0301",
            "mismatched types",
            span,
            format!("expected `{expected}`, found `{found}`"),
        ));
    }

    /// `Shape::Empty` (a path used as a value): a payload-less variant of
    /// a user enum, or `Option::None`.
    pub(super) fn check_path_value(
        &mut self,
        scope: &mut FnScope,
        module: Option<&ast::Ident>,
        ty: &ast::Ident,
        name: &ast::Ident,
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        if module.is_none() && (ty.name == "Option" || ty.name == "Result") {
            if let Some(e) = self.check_builtin_variant(scope, name, None, expected, span) {
                return e;
            }
        }
        if let Some(gt) = self.generic_type_at(module, ty) {
            return self.check_generic_path(scope, gt, name, None, expected, span);
        }
        let owner = self.path_owner(module, ty);
        match owner {
            Some(Type::Error) => error_expr(span),
            Some(t @ Type::Enum(..)) => match self.variant_index(&t, &name.name) {
                Some(tag) => self.check_variant_ctor(scope, t, tag, &name.name, None, span),
                None => {
                    self.report_unknown_method(&t, name);
                    error_expr(span)
                }
            },
            Some(t) => {
                if self.methods.contains_key(&(t.clone(), name.name.clone())) {
                    self.unsupported(span, "functions as values");
                } else {
                    self.report_unknown_method(&t, name);
                }
                error_expr(span)
            }
            None => {
                self.report_unknown_type(ty);
                error_expr(span)
            }
        }
    }

    pub(super) fn report_unknown_type(&mut self, ty: &ast::Ident) {
        let mut d = Diagnostic::error(
            "E0203",
            format!("unknown type `{}`", ty.name),
            ty.span,
            "no struct or enum with this name",
        );
        let types = self.visible_keys(
            self.struct_ids
                .keys()
                .chain(self.enum_ids.keys())
                .chain(self.generics.type_names.keys()),
        );
        let names: Vec<&str> = types
            .iter()
            .map(String::as_str)
            .chain(["Option", "Result"])
            .collect();
        if let Some(s) = closest(&ty.name, names) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.error(d);
    }

    /// The tag of the variant `name` of the enum type `ty`.
    pub(super) fn variant_index(&self, ty: &Type, name: &str) -> Option<u32> {
        let variants = self.variants(ty)?;
        variants
            .iter()
            .position(|(n, _)| n == name)
            .map(|i| i as u32)
    }

    /// `recv.name(args)` where `recv` is an `Option` or a `Result`.
    pub(super) fn check_enum_method(
        &mut self,
        scope: &mut FnScope,
        recv: kir::Expr,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> kir::Expr {
        let (is_option, value_ty, err_ty) = match &recv.ty {
            Type::Option(t) => (true, (**t).clone(), None),
            Type::Result(t, e) => (false, (**t).clone(), Some((**e).clone())),
            _ => return error_expr(span),
        };
        let ok_tag = if is_option { SOME_TAG } else { OK_TAG };
        let m = name.name.as_str();
        // The parameter types of each method.
        let params: Option<Vec<Type>> = match m {
            "unwrap" => Some(Vec::new()),
            "expect" => Some(vec![Type::Str]),
            _ => None,
        };
        let Some(params) = params else {
            for a in args {
                let _ = self.check_expr(scope, a, None);
            }
            // The native methods, then the stdlib's (`stdlib/option.kr`).
            let mut known: Vec<&str> = super::builtins::method_names(&recv.ty).to_vec();
            known.extend(self.generic_method_names(&recv.ty));
            known.sort_unstable();
            let mut d = Diagnostic::error(
                "E0204",
                format!("no method `{m}` on type `{}`", recv.ty),
                name.span,
                "method not found",
            );
            if let Some(s) = closest(m, known) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            self.error(d);
            return error_expr(span);
        };
        let mut checked = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let want = params.get(i).filter(|t| **t != Type::Error);
            checked.push(self.check_expr(scope, a, want));
        }
        if args.len() != params.len() {
            self.error(super::expr::arity_error(m, params.len(), args.len(), span));
            return error_expr(span);
        }
        let mut ok = true;
        for (v, t) in checked.iter().zip(&params) {
            if *t != Type::Error {
                ok &= self.expect_type(v, t);
            }
        }
        if !ok || checked.iter().any(|v| has_error(&v.ty)) || has_error(&recv.ty) {
            return error_expr(span);
        }
        // The arguments run after the receiver and before it is tested.
        let copy = !checked.iter().all(is_pure);
        let (setup, value) = Self::hold(scope, recv, copy);
        let mut items: Vec<kir::Expr> = setup.into_iter().collect();
        let is_ok = tag_is(value.clone(), ok_tag, span);
        let inner = payload(value.clone(), 0, value_ty.clone(), span);
        let result = match m {
            "unwrap" | "expect" => {
                let failure = match (m, &err_ty) {
                    ("unwrap", None) => expr(
                        ExprKind::Str("called `unwrap` on `None`".into()),
                        Type::Str,
                        span,
                    ),
                    ("unwrap", Some(e)) => expr(
                        ExprKind::Interpolate(vec![
                            expr(
                                ExprKind::Str("called `unwrap` on `Err`: ".into()),
                                Type::Str,
                                span,
                            ),
                            payload(value.clone(), 0, e.clone(), span),
                        ]),
                        Type::Str,
                        span,
                    ),
                    (_, err) => {
                        let msg = checked.pop().unwrap_or_else(|| error_expr(span));
                        let msg = if err.is_some() || !is_pure(&msg) {
                            let t = scope.declare_hidden(Type::Str, span);
                            items.push(let_(t, msg, span));
                            read(t, Type::Str, span)
                        } else {
                            msg
                        };
                        match err {
                            None => msg,
                            Some(e) => expr(
                                ExprKind::Interpolate(vec![
                                    msg,
                                    expr(ExprKind::Str(": ".into()), Type::Str, span),
                                    payload(value.clone(), 0, e.clone(), span),
                                ]),
                                Type::Str,
                                span,
                            ),
                        }
                    }
                };
                if_(is_ok, inner, panic_with(failure, span), span)
            }
            _ => error_expr(span),
        };
        items.push(result);
        block(items, span)
    }

    /// `inner?`: the payload of `Some`/`Ok`; on `None`/`Err(e)`, returns
    /// `None`/`Err(e)` from the enclosing function.
    pub(super) fn check_try(
        &mut self,
        scope: &mut FnScope,
        inner: &ast::Expr,
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        if self.report_return_in_spawn(scope, "?", span) {
            let _ = self.check_expr(scope, inner, None);
            return error_expr(span);
        }
        let ret = scope.ret.clone();
        // A hint for constructors inside (`Some(x)?` is pointless, but a
        // call's result type needs none).
        let hint = match (&ret, expected) {
            (Type::Option(_), Some(t)) => Some(Type::Option(Box::new(t.clone()))),
            (Type::Result(_, e), Some(t)) => Some(Type::Result(Box::new(t.clone()), e.clone())),
            _ => None,
        };
        let v = self.check_expr(scope, inner, hint.as_ref());
        let (value_ty, err_ty, is_option) = match &v.ty {
            Type::Error => return error_expr(span),
            Type::Never => return v,
            Type::Option(t) => ((**t).clone(), None, true),
            Type::Result(t, e) => ((**t).clone(), Some((**e).clone()), false),
            other => {
                self.error(
                    Diagnostic::error(
                        "E0303",
                        "the `?` operator needs an `Option` or a `Result`",
                        span,
                        format!("this is `{other}`"),
                    )
                    .with_help("`?` takes the value out of `Some(x)` or `Ok(x)` and returns early otherwise"),
                );
                return error_expr(span);
            }
        };
        let what = if is_option {
            "an `Option`"
        } else {
            "a `Result`"
        };
        let fits = match (&ret, &err_ty) {
            (Type::Error, _) => return error_expr(span),
            (Type::Option(_), None) => true,
            (Type::Result(_, e2), Some(e)) if same(e, e2) => true,
            (Type::Result(_, e2), Some(e)) => {
                self.error(
                    Diagnostic::error(
                        "E0301",
                        "mismatched error types",
                        span,
                        format!("this `?` returns `Err` with a `{e}`"),
                    )
                    .with_help(format!(
                        "the function returns `{ret}`, whose errors are `{e2}`: convert the \
                         error with `match` first"
                    )),
                );
                false
            }
            (Type::Result(..), None) => {
                self.error(
                    Diagnostic::error(
                        "E0409",
                        format!("`?` on {what} in a function that returns `{ret}`"),
                        span,
                        "this is an `Option`",
                    )
                    .with_help("turn it into a `Result` first: `.ok_or(error)?`"),
                );
                false
            }
            (Type::Option(_), Some(_)) => {
                self.error(
                    Diagnostic::error(
                        "E0409",
                        format!("`?` on {what} in a function that returns `{ret}`"),
                        span,
                        "this is a `Result`",
                    )
                    .with_help("turn it into an `Option` first: `.ok()?`"),
                );
                false
            }
            _ => {
                let returns = if ret == Type::Unit {
                    "returns nothing".to_string()
                } else {
                    format!("returns `{ret}`")
                };
                self.error(
                    Diagnostic::error(
                        "E0409",
                        "the `?` operator can only be used in a function that returns `Option` \
                         or `Result`",
                        span,
                        format!("`?` returns early from this function, which {returns}"),
                    )
                    .with_help(
                        "declare the function `-> Option<...>` or `-> Result<..., ...>`, or \
                         handle the value with `match` or `unwrap_or`",
                    ),
                );
                false
            }
        };
        if !fits || has_error(&v.ty) {
            return error_expr(span);
        }
        let (setup, value) = Self::hold(scope, v, false);
        let mut items: Vec<kir::Expr> = setup.into_iter().collect();
        let ok_tag = if is_option { SOME_TAG } else { OK_TAG };
        let is_ok = tag_is(value.clone(), ok_tag, span);
        let inner_value = payload(value.clone(), 0, value_ty, span);
        let early = match err_ty {
            None => variant(ret.clone(), NONE_TAG, Vec::new(), span),
            Some(e) => variant(
                ret.clone(),
                ERR_TAG,
                vec![payload(value.clone(), 0, e, span)],
                span,
            ),
        };
        let early = expr(ExprKind::Return(Box::new(early)), Type::Never, span);
        items.push(if_(is_ok, inner_value, early, span));
        block(items, span)
    }
}

/// `a, b` for a variant with `n` values, as in a help text.
fn placeholders(n: usize) -> String {
    ["a", "b", "c", "d", "e", "f"]
        .iter()
        .cycle()
        .take(n)
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}
