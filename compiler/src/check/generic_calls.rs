//! Calls of generic functions: inferring the type arguments of a call
//! (or of a generic function used as a value) from the arguments and the
//! expected type, then checking the arguments against the instance.
//!
//! Arguments are checked in order, each against its parameter's type as
//! far as it is known; arguments that need a type from context (closures,
//! `None`, `[]`, unit variants, generic functions as values) go last. The
//! expected type only fills in what the arguments leave open.

use super::generics::GenericFn;
use super::infer::{has_unknown, Infer};
use super::items::error_expr;
use super::scope::FnScope;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, ExprKind, FuncId};
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast::{self, TypeExpr, TypeExprKind};

impl Checker {
    /// The parameter types as written of generic function `g`, `self`'s
    /// included (as the `impl` target).
    pub(super) fn param_exprs(g: &GenericFn) -> Vec<TypeExpr> {
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

    pub(super) fn ret_expr(g: &GenericFn) -> TypeExpr {
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
            // A stdlib method is reported as a native one: by its bare
            // name, with no label in the stdlib's source.
            let d = if self.is_std_fn(&g) {
                super::expr::arity_error(&g.decl.name.name, rest.len(), args.len(), span)
            } else {
                super::expr::arity_error(&g.name, rest.len(), args.len(), span)
                    .with_label(g.decl.name.span, format!("`{}` is defined here", g.name))
            };
            self.error(d);
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
        let values = self.infer_args(
            scope,
            &mut inf,
            Some(&hint),
            (g.module, g.owner.as_ref()),
            rest,
            args,
        );
        inf.fill_from(&hint);
        if self.is_std_fn(&g)
            && !self.std_fn_args_ok(&inf, (g.module, g.owner.as_ref()), rest, &values)
        {
            return None;
        }
        let owner_type = match &g.owner {
            Some(TypeExpr {
                kind: TypeExprKind::Named { name, .. },
                ..
            }) => self.generic_type_in(g.module, &name.name),
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

    /// Whether `g` is a method of the stdlib (`crate::stdlib`).
    pub(super) fn is_std_fn(&self, g: &GenericFn) -> bool {
        self.modules.get(g.module).is_some_and(|m| m.is_std)
    }

    /// A stdlib method's function arguments must be functions; anything
    /// else is reported as the native methods did (`expected `fn(int) ->
    /// ...`, found `int``) rather than as an uninferable type parameter.
    fn std_fn_args_ok(
        &mut self,
        inf: &Infer,
        home: (usize, Option<&TypeExpr>),
        params: &[TypeExpr],
        values: &[kir::Expr],
    ) -> bool {
        let (module, owner) = home;
        for (te, v) in params.iter().zip(values) {
            let TypeExprKind::Fn {
                params: fn_params, ..
            } = &te.kind
            else {
                continue;
            };
            if !matches!(v.ty, Type::Fn(..)) && !super::items::has_error(&v.ty) {
                let shown: Vec<String> = fn_params
                    .iter()
                    .map(|p| self.resolve_in(module, inf.env(), owner, p).to_string())
                    .collect();
                self.error(Diagnostic::error(
                    "E0301",
                    "mismatched types",
                    v.span,
                    format!(
                        "expected `fn({}) -> ...`, found `{}`",
                        shown.join(", "),
                        v.ty
                    ),
                ));
                return false;
            }
        }
        true
    }

    /// Checks `args` against the parameter types `params` as far as `inf`
    /// knows them, learning from each; arguments that need a type from
    /// context are checked last. Returns them in order. `params` are
    /// written in module `home.0`, inside the `impl` of `home.1` if any:
    /// a generic item is resolved where it is defined, whoever uses it.
    pub(super) fn infer_args(
        &mut self,
        scope: &mut FnScope,
        inf: &mut Infer,
        hint: Option<&Infer>,
        home: (usize, Option<&TypeExpr>),
        params: &[TypeExpr],
        args: &[ast::Expr],
    ) -> Vec<kir::Expr> {
        let (module, owner) = home;
        let late: Vec<bool> = args
            .iter()
            .map(|e| needs_context(e) || self.names_generic_fn(scope, e))
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
            let want = self.resolve_in(module, known.env(), owner, te);
            // A partly known type would leak its unknown part into the
            // value's type (`[1]` against `[?]` is typed `[?]`); only a
            // closure, a generic function or a prelude function (`abs`)
            // can use one, for its parameter types.
            let closure = matches!(a.kind, ast::ExprKind::Closure { .. })
                || self.names_generic_fn(scope, a)
                || matches!(&a.kind, ast::ExprKind::Name(n) if super::builtins::is_builtin_fn(&n.name));
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
            TypeExprKind::Named { module, name, args } => {
                let local = module.is_none();
                if local && args.is_empty() && inf.index(&name.name).is_some() {
                    inf.set(&name.name, ty);
                    return;
                }
                match (name.name.as_str(), ty, args.as_slice()) {
                    ("Option", Type::Option(a), [x])
                    | ("chan", Type::Chan(a), [x])
                    | ("task", Type::Task(a), [x])
                        if local =>
                    {
                        self.bind(inf, owner, x, a)
                    }
                    ("Result", Type::Result(a, b), [x, y]) | ("Map", Type::Map(a, b), [x, y])
                        if local =>
                    {
                        self.bind(inf, owner, x, a);
                        self.bind(inf, owner, y, b);
                    }
                    (n, Type::Struct(..) | Type::Enum(..), _) => {
                        if let Some((g, targs)) = self.generics.instance_of.get(ty) {
                            // `n` is written without its module's name (`Pair`
                            // in `geometry` itself, `geometry.Pair` elsewhere);
                            // a wrong guess shows up as a type mismatch later.
                            let key = &self.generics.types[*g].name;
                            let written = key.rsplit('.').next().unwrap_or(key);
                            if written == n && targs.len() == args.len() {
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
            TypeExprKind::Error => {}
        }
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

    /// Whether `e` names a generic function, `f` or `module.f` (a value
    /// whose type arguments come from the function type expected).
    fn names_generic_fn(&self, scope: &mut FnScope, e: &ast::Expr) -> bool {
        match &e.kind {
            ast::ExprKind::Name(n) => self.generic_fn_named(&n.name).is_some(),
            ast::ExprKind::Field(base, f) => self
                .module_of(scope, base)
                .is_some_and(|m| self.imported_generic_fn(&m.name, &f.name).is_some()),
            _ => false,
        }
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
