//! Function values: closures (`|x| x * 2`), named functions used as
//! values, calls of function values, and `xs.par_map(f)`, the one native
//! array method that takes a function (`map`, `filter`, `fold`, `any`,
//! `all` are the stdlib's, `stdlib/array.kr`).
//!
//! A closure is lifted to a function of its captures and its parameters
//! (see `tasks.rs`, which does the same for `spawn`); `par_map` is lowered
//! here to tasks that each map a chunk with the stdlib's `map`.

use super::enums::{block, let_, read};
use super::expr::arity_error;
use super::items::{compatible, error_expr, has_error};
use super::scope::FnScope;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, ExprKind, FuncId, Intrinsic, LocalId, Place};
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast::{self, BinOp};

fn expr(kind: ExprKind, ty: Type, span: Span) -> kir::Expr {
    kir::Expr { kind, ty, span }
}

impl Checker {
    /// `|params| body` or `|params| -> R { body }`. Parameter types come
    /// from annotations or from the function type the context expects.
    pub(super) fn check_closure(
        &mut self,
        scope: &mut FnScope,
        params: &[ast::ClosureParam],
        ret: Option<&ast::TypeExpr>,
        body: &ast::Expr,
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let (hint_params, hint_ret) = match expected {
            Some(Type::Fn(ps, r)) if ps.len() == params.len() => (Some(ps.clone()), Some(&**r)),
            _ => (None, None),
        };
        let mut ok = true;
        let mut types = Vec::with_capacity(params.len());
        for (i, p) in params.iter().enumerate() {
            let t = match (&p.ty, &hint_params) {
                (Some(t), _) => self.resolve_type(t),
                (None, Some(hs)) if !has_error(&hs[i]) => hs[i].clone(),
                (None, _) => {
                    self.error(
                        Diagnostic::error(
                            "E0304",
                            format!("cannot infer the type of `{}`", p.name.name),
                            p.name.span,
                            "this parameter needs a type",
                        )
                        .with_help(format!("write it as `|{}: int|`", p.name.name)),
                    );
                    ok = false;
                    Type::Error
                }
            };
            types.push(t);
        }
        let declared = match ret {
            Some(t) => Some(self.resolve_type(t)),
            None => hint_ret.filter(|r| !has_error(r)).cloned(),
        };
        // A partly known result (`Result<_, str>` for `r.and_then(f)`)
        // does not fix the closure's type but tells its body what the
        // context knows, as an expected type does.
        let body_hint = declared.clone().or_else(|| {
            hint_ret
                .filter(|r| **r != Type::Error && has_error(r))
                .cloned()
        });
        let lifted = self.lift(scope, declared.clone(), "closure", span, |this, inner| {
            let ids: Vec<LocalId> = params
                .iter()
                .zip(&types)
                .map(|(p, t)| inner.declare(&p.name.name, t.clone(), false, p.name.span))
                .collect();
            let value = match &body.kind {
                ast::ExprKind::Block(b) => {
                    this.check_body_block(inner, b, body_hint.as_ref(), true)
                }
                _ => this.check_expr(inner, body, body_hint.as_ref()),
            };
            match (&declared, inner.ret_fixed_at) {
                (Some(r), _) if *r != Type::Unit => {
                    this.expect_type(&value, r);
                }
                (None, Some(at)) => this.check_tail_after_return(body, &value, &inner.ret, at),
                _ => {}
            }
            (ids, value)
        });
        let Some((func, captures, param_types, ret)) = lifted.filter(|_| ok) else {
            return error_expr(span);
        };
        expr(
            ExprKind::Closure { func, captures },
            Type::Fn(param_types, Box::new(ret)),
            span,
        )
    }

    /// The value of a closure whose result type its first `return` (at
    /// `at`) fixed must have that type.
    fn check_tail_after_return(
        &mut self,
        body: &ast::Expr,
        value: &kir::Expr,
        ret: &Type,
        at: Span,
    ) {
        if *ret == Type::Unit || compatible(&value.ty, ret) {
            return;
        }
        let tail = match &body.kind {
            ast::ExprKind::Block(b) => match b.stmts.last().map(|s| &s.kind) {
                Some(ast::StmtKind::Expr(e)) => e.span,
                _ => b.span,
            },
            _ => body.span,
        };
        self.error(
            Diagnostic::error(
                "E0301",
                "mismatched types",
                tail,
                format!("expected `{ret}`, found `{}`", value.ty),
            )
            .with_label(
                at,
                format!("this `return` makes the closure return `{ret}`"),
            ),
        );
    }

    /// A named function used as a value (`xs.map(double)`).
    pub(super) fn fn_value(&mut self, id: FuncId, span: Span) -> kir::Expr {
        let sig = &self.functions[id.0 as usize];
        if sig.self_param.is_some() {
            let name = sig.name.clone();
            self.error(
                Diagnostic::error(
                    "E0305",
                    format!("the method `{name}` cannot be used as a value"),
                    span,
                    "only functions without `self` are values",
                )
                .with_help("wrap it in a closure, as in `|p| p.method()`"),
            );
            return error_expr(span);
        }
        let params = sig.params.iter().map(|p| p.ty.clone()).collect();
        let ty = Type::Fn(params, Box::new(sig.ret.clone()));
        expr(ExprKind::FnRef(id), ty, span)
    }

    /// `callee(args)` where `callee` is a function value.
    pub(super) fn call_value(
        &mut self,
        scope: &mut FnScope,
        callee: kir::Expr,
        args: &[ast::Expr],
        span: Span,
    ) -> kir::Expr {
        let Type::Fn(params, ret) = callee.ty.clone() else {
            return error_expr(span);
        };
        let mut out = Vec::with_capacity(args.len());
        let mut ok = true;
        for (i, a) in args.iter().enumerate() {
            let v = self.check_expr(scope, a, params.get(i));
            if let Some(t) = params.get(i) {
                ok &= self.expect_type(&v, t);
            }
            out.push(v);
        }
        if args.len() != params.len() {
            let name = match &callee.kind {
                ExprKind::Local(id) => scope.local(*id).name.clone(),
                _ => "this function".to_string(),
            };
            self.error(arity_error(&name, params.len(), args.len(), span));
            return error_expr(span);
        }
        if !ok {
            return error_expr(span);
        }
        expr(ExprKind::CallValue(Box::new(callee), out), *ret, span)
    }

    /// `xs.par_map(f)` on an array `recv` (native: it spawns tasks).
    pub(super) fn check_par_map(
        &mut self,
        scope: &mut FnScope,
        recv: kir::Expr,
        args: &[ast::Expr],
        span: Span,
    ) -> kir::Expr {
        let Type::Array(elem) = recv.ty.clone() else {
            return error_expr(span);
        };
        let elem = *elem;
        let [f_ast] = args else {
            for a in args {
                let _ = self.check_expr(scope, a, None);
            }
            self.error(arity_error("par_map", 1, args.len(), span));
            return error_expr(span);
        };
        let hint = Type::Fn(vec![elem.clone()], Box::new(Type::Error));
        let f = self.check_expr(scope, f_ast, Some(&hint));
        if has_error(&f.ty) {
            return error_expr(span);
        }
        match &f.ty {
            Type::Fn(ps, r) if ps.len() == 1 && ps[0] == elem => {
                let ret = (**r).clone();
                self.lower_par_map(scope, recv, elem, f, ret, span)
            }
            _ => {
                self.error(Diagnostic::error(
                    "E0301",
                    "mismatched types",
                    f.span,
                    format!("expected `{}`, found `{}`", show_hint(&hint), f.ty),
                ));
                error_expr(span)
            }
        }
    }

    /// `xs.par_map(f)`: one task per worker maps a contiguous chunk of
    /// `xs` (a lifted function `chunk(xs, f, lo, hi) = xs[lo..hi].map(f)`),
    /// and the chunks' results are joined in order.
    fn lower_par_map(
        &mut self,
        scope: &mut FnScope,
        recv: kir::Expr,
        elem: Type,
        f: kir::Expr,
        ret: Type,
        span: Span,
    ) -> kir::Expr {
        let xs_ty = recv.ty.clone();
        let f_ty = f.ty.clone();
        let out_ty = Type::Array(Box::new(ret.clone()));
        let int = |v: i64| expr(ExprKind::Int(v), Type::Int, span);
        let bin = |op: BinOp, a: kir::Expr, b: kir::Expr| {
            expr(
                ExprKind::Binary(op, Box::new(a), Box::new(b)),
                Type::Int,
                span,
            )
        };
        let min = |a: kir::Expr, b: kir::Expr| {
            expr(
                ExprKind::Intrinsic(Intrinsic::Min, vec![a, b]),
                Type::Int,
                span,
            )
        };

        // The chunk function.
        let mut fs = FnScope::new(out_ty.clone());
        let p_xs = fs.declare("xs", xs_ty.clone(), false, span);
        let p_f = fs.declare("f", f_ty.clone(), false, span);
        let p_lo = fs.declare("lo", Type::Int, false, span);
        let p_hi = fs.declare("hi", Type::Int, false, span);
        let slice = expr(
            ExprKind::Slice {
                base: Box::new(read(p_xs, xs_ty.clone(), span)),
                start: Box::new(read(p_lo, Type::Int, span)),
                end: Box::new(read(p_hi, Type::Int, span)),
            },
            xs_ty.clone(),
            span,
        );
        let f_read = read(p_f, f_ty.clone(), span);
        // The chunk maps with the stdlib's `map`, which inlining folds in.
        let map = self
            .generic_method(&xs_ty, "map")
            .filter(|_| !self.generics.def_pass)
            .and_then(|g| self.instantiate_fn(g, vec![elem, ret], span));
        let Some(map) = map else {
            return error_expr(span);
        };
        let body = expr(
            ExprKind::Call(map, vec![slice, f_read]),
            out_ty.clone(),
            span,
        );
        let chunk_fn = FuncId((self.functions.len() + self.lifted.len()) as u32);
        self.lifted.push(kir::Function {
            name: format!("{}::{{par_map}}", self.current_fn),
            params: vec![p_xs, p_f, p_lo, p_hi],
            ret: out_ty.clone(),
            locals: fs.locals,
            body,
            span,
            returns_self: false,
        });

        // The split, the spawns and the joins.
        let xs = scope.declare_hidden(xs_ty.clone(), span);
        let fv = scope.declare_hidden(f_ty.clone(), span);
        let n = scope.declare_hidden(Type::Int, span);
        let w = scope.declare_hidden(Type::Int, span);
        let chunk = scope.declare_hidden(Type::Int, span);
        let k = scope.declare_hidden(Type::Int, span);
        let lo = scope.declare_hidden(Type::Int, span);
        let hi = scope.declare_hidden(Type::Int, span);
        let task_ty = Type::Task(Box::new(out_ty.clone()));
        let tasks_ty = Type::Array(Box::new(task_ty.clone()));
        let tasks = scope.declare_hidden(tasks_ty.clone(), span);
        let t = scope.declare_hidden(task_ty.clone(), span);
        let out = scope.declare_hidden(out_ty.clone(), span);
        scope.locals[tasks.0 as usize].mutable = true;
        scope.locals[out.0 as usize].mutable = true;
        let r = |id: LocalId, ty: &Type| read(id, ty.clone(), span);
        let spawn_one = block(
            vec![
                let_(
                    lo,
                    min(
                        bin(BinOp::Mul, r(k, &Type::Int), r(chunk, &Type::Int)),
                        r(n, &Type::Int),
                    ),
                    span,
                ),
                let_(
                    hi,
                    min(
                        bin(BinOp::Add, r(lo, &Type::Int), r(chunk, &Type::Int)),
                        r(n, &Type::Int),
                    ),
                    span,
                ),
                expr(
                    ExprKind::MutIntrinsic(
                        Place {
                            root: tasks,
                            path: Vec::new(),
                            span,
                        },
                        Intrinsic::ArrayPush,
                        vec![expr(
                            ExprKind::Spawn {
                                entry: chunk_fn,
                                args: vec![
                                    r(xs, &xs_ty),
                                    r(fv, &f_ty),
                                    r(lo, &Type::Int),
                                    r(hi, &Type::Int),
                                ],
                            },
                            task_ty.clone(),
                            span,
                        )],
                    ),
                    Type::Unit,
                    span,
                ),
            ],
            span,
        );
        let join_one = expr(
            ExprKind::Assign(
                out,
                Box::new(expr(
                    ExprKind::Binary(
                        BinOp::Add,
                        Box::new(r(out, &out_ty)),
                        Box::new(expr(
                            ExprKind::Intrinsic(Intrinsic::TaskJoin, vec![r(t, &task_ty)]),
                            out_ty.clone(),
                            span,
                        )),
                    ),
                    out_ty.clone(),
                    span,
                )),
            ),
            Type::Unit,
            span,
        );
        let items = vec![
            let_(xs, recv, span),
            let_(fv, f, span),
            let_(
                n,
                expr(
                    ExprKind::Intrinsic(Intrinsic::ArrayLen, vec![r(xs, &xs_ty)]),
                    Type::Int,
                    span,
                ),
                span,
            ),
            let_(
                w,
                expr(
                    ExprKind::Intrinsic(Intrinsic::WorkerCount, Vec::new()),
                    Type::Int,
                    span,
                ),
                span,
            ),
            // ceil(n / w), computed as (n + w - 1) / w.
            let_(
                chunk,
                bin(
                    BinOp::Div,
                    bin(
                        BinOp::Sub,
                        bin(BinOp::Add, r(n, &Type::Int), r(w, &Type::Int)),
                        int(1),
                    ),
                    r(w, &Type::Int),
                ),
                span,
            ),
            let_(
                tasks,
                expr(ExprKind::ArrayLit(Vec::new()), tasks_ty.clone(), span),
                span,
            ),
            expr(
                ExprKind::ForRange {
                    var: k,
                    start: Box::new(int(0)),
                    end: Box::new(r(w, &Type::Int)),
                    inclusive: false,
                    body: Box::new(spawn_one),
                },
                Type::Unit,
                span,
            ),
            let_(
                out,
                expr(ExprKind::ArrayLit(Vec::new()), out_ty.clone(), span),
                span,
            ),
            expr(
                ExprKind::ForArray {
                    var: t,
                    array: Box::new(r(tasks, &tasks_ty)),
                    body: Box::new(join_one),
                },
                Type::Unit,
                span,
            ),
            r(out, &out_ty),
        ];
        let mut b = block(items, span);
        b.ty = out_ty;
        b
    }
}

/// A function type as the user would write it, with `_` for an unknown
/// result.
pub(super) fn show_hint(t: &Type) -> String {
    match t {
        Type::Fn(ps, r) if has_error(r) => {
            let ps: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
            format!("fn({}) -> _", ps.join(", "))
        }
        t => t.to_string(),
    }
}
