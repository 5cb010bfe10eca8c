//! Tasks and channels: `spawn`, `chan<T>(n)`, `select` and `for v in ch`.
//!
//! A `spawn` becomes a function of its own (a *lifted* function) plus a
//! [`kir::ExprKind::Spawn`] that calls it on a new task with copies of
//! what it captures. `spawn { block }` captures every outer local the block
//! names (see `scope.rs`); `spawn f(a, b)` first evaluates its arguments
//! into hidden locals, in the spawning task, and then spawns `{ f(a, b) }`
//! over them, so both forms copy their inputs at the spawn.

use super::enums::{block, if_, let_, payload, read};
use super::expr::arity_error;
use super::items::{error_expr, has_error};
use super::patterns::ArmTypes;
use super::scope::FnScope;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, ExprKind, FuncId, Intrinsic, LocalId, NONE_TAG};
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast::{self, BinOp};

fn expr(kind: ExprKind, ty: Type, span: Span) -> kir::Expr {
    kir::Expr { kind, ty, span }
}

impl Checker {
    /// `spawn f(args)`, `spawn recv.m(args)` or `spawn { block }`.
    pub(super) fn check_spawn(
        &mut self,
        scope: &mut FnScope,
        operand: &ast::Expr,
        span: Span,
    ) -> kir::Expr {
        scope.push();
        let mut lets = Vec::new();
        let operand = match &operand.kind {
            ast::ExprKind::Call(callee, args) => {
                let args = self.spawn_args(scope, args, &mut lets);
                ast::Expr {
                    kind: ast::ExprKind::Call(callee.clone(), args),
                    span: operand.span,
                }
            }
            ast::ExprKind::MethodCall(recv, name, args) => {
                let mut all = self.spawn_args(scope, std::slice::from_ref(&**recv), &mut lets);
                all.extend(self.spawn_args(scope, args, &mut lets));
                let recv = all.remove(0);
                ast::Expr {
                    kind: ast::ExprKind::MethodCall(Box::new(recv), name.clone(), all),
                    span: operand.span,
                }
            }
            _ => operand.clone(),
        };

        let lifted = self.lift(scope, None, "spawn", span, |this, inner| {
            let body = match &operand.kind {
                ast::ExprKind::Block(b) => this.check_block(inner, b, None),
                _ => this.check_expr(inner, &operand, None),
            };
            (Vec::new(), body)
        });
        scope.pop();
        let Some((entry, args, _, ret)) = lifted else {
            return error_expr(span);
        };
        if lets.iter().any(|l: &kir::Expr| has_error(&l.ty)) {
            return error_expr(span);
        }
        let ty = Type::Task(Box::new(ret));
        lets.push(expr(ExprKind::Spawn { entry, args }, ty.clone(), span));
        let mut out = block(lets, span);
        out.ty = ty;
        out
    }

    /// Checks a body that becomes a function of its own (a `spawn` body or
    /// a closure): `check` declares the function's parameters in the
    /// nested scope and checks the body there, where outer locals it names
    /// are captured. `ret` is the declared result type, if any; `what`
    /// names the body in errors and the function (`main::{spawn}`).
    /// Returns the new function, the outer values to capture (in its
    /// first parameters), its own parameter types and its result type;
    /// `None` when the body has errors.
    pub(super) fn lift(
        &mut self,
        scope: &mut FnScope,
        ret: Option<Type>,
        what: &'static str,
        span: Span,
        check: impl FnOnce(&mut Self, &mut FnScope) -> (Vec<LocalId>, kir::Expr),
    ) -> Option<(FuncId, Vec<kir::Expr>, Vec<Type>, Type)> {
        let outer = std::mem::replace(scope, FnScope::new(Type::Unit));
        let mut inner = FnScope::nested(outer, ret.clone(), what);
        let (params, body) = check(self, &mut inner);
        *scope = *inner.enclosing.take()?;
        let ret = match (ret, &body.ty) {
            (Some(r), _) => r,
            // A closure's first `return` fixed it.
            (None, _) if inner.nested_in == Some("closure") && !inner.infer_ret => {
                inner.ret.clone()
            }
            (None, Type::Never) => Type::Unit,
            (None, t) => t.clone(),
        };
        let param_types: Vec<Type> = params.iter().map(|p| inner.local(*p).ty.clone()).collect();
        if has_error(&ret) || has_error(&body.ty) || param_types.iter().any(has_error) {
            return None;
        }
        let id = FuncId((self.functions.len() + self.lifted.len()) as u32);
        let captures = inner
            .captures
            .iter()
            .map(|(outer, _)| read(*outer, scope.local(*outer).ty.clone(), span))
            .collect();
        let mut all_params: Vec<LocalId> = inner.captures.iter().map(|(_, p)| *p).collect();
        all_params.extend(params);
        self.lifted.push(kir::Function {
            name: format!("{}::{{{what}}}", self.current_fn),
            params: all_params,
            ret: ret.clone(),
            locals: inner.locals,
            body,
            span,
            returns_self: false,
        });
        Some((id, captures, param_types, ret))
    }

    /// The arguments of a spawned call as the task will see them: values
    /// that cannot change between the spawn and the task's start (names,
    /// literals) stay as written, so they keep their type hints; anything
    /// else is evaluated now into a hidden local, named by its `$` name.
    fn spawn_args(
        &mut self,
        scope: &mut FnScope,
        args: &[ast::Expr],
        lets: &mut Vec<kir::Expr>,
    ) -> Vec<ast::Expr> {
        args.iter()
            .map(|a| {
                if is_stable(a) {
                    return a.clone();
                }
                let v = self.check_expr(scope, a, None);
                let name = format!("$spawn{}", scope.locals.len());
                let id = scope.declare(&name, v.ty.clone(), false, a.span);
                lets.push(let_(id, v, a.span));
                ast::Expr {
                    kind: ast::ExprKind::Name(ast::Ident { name, span: a.span }),
                    span: a.span,
                }
            })
            .collect()
    }

    /// `chan<T>()` or `chan<T>(capacity)`.
    pub(super) fn check_chan_new(
        &mut self,
        scope: &mut FnScope,
        elem: &ast::TypeExpr,
        capacity: Option<&ast::Expr>,
        span: Span,
    ) -> kir::Expr {
        let elem = self.resolve_type(elem);
        let cap = match capacity {
            Some(c) => {
                let c = self.check_expr(scope, c, Some(&Type::Int));
                if !self.expect_type(&c, &Type::Int) {
                    return error_expr(span);
                }
                c
            }
            None => expr(ExprKind::Int(0), Type::Int, span),
        };
        if has_error(&elem) {
            return error_expr(span);
        }
        Self::intrinsic(
            Intrinsic::ChanNew,
            vec![cap],
            Type::Chan(Box::new(elem)),
            span,
        )
    }

    /// `for pattern in ch { body }`: receives until the channel is closed
    /// and drained, as `loop { match ch.recv() { Some(v) => body, None =>
    /// break } }` would.
    pub(super) fn check_for_chan(
        &mut self,
        scope: &mut FnScope,
        pattern: &ast::Pattern,
        chan: kir::Expr,
        body: &ast::Block,
        span: Span,
    ) -> kir::Expr {
        let Type::Chan(elem) = chan.ty.clone() else {
            return error_expr(span);
        };
        let option = Type::Option(elem.clone());
        let cspan = chan.span;
        let ch = scope.declare_hidden(chan.ty.clone(), cspan);
        let received = scope.declare_hidden(option.clone(), cspan);
        scope.push();
        let (var, binds) = self.bind_pattern(scope, pattern, &elem, false);
        scope.loops.push(true);
        let body = self.check_block(scope, body, Some(&Type::Unit));
        scope.loops.pop();
        scope.pop();

        let recv = Self::intrinsic(
            Intrinsic::ChanRecv,
            vec![read(ch, chan.ty.clone(), cspan)],
            option.clone(),
            cspan,
        );
        let closed = expr(
            ExprKind::Binary(
                BinOp::Eq,
                Box::new(expr(
                    ExprKind::Tag(Box::new(read(received, option.clone(), cspan))),
                    Type::Int,
                    cspan,
                )),
                Box::new(expr(ExprKind::Int(i64::from(NONE_TAG)), Type::Int, cspan)),
            ),
            Type::Bool,
            cspan,
        );
        let mut items = vec![
            let_(received, recv, cspan),
            if_(
                closed,
                expr(ExprKind::Break, Type::Never, cspan),
                expr(ExprKind::Unit, Type::Unit, cspan),
                cspan,
            ),
            let_(
                var,
                payload(read(received, option, cspan), 0, (*elem).clone(), cspan),
                cspan,
            ),
        ];
        items.extend(binds);
        items.push(body);
        let looped = expr(
            ExprKind::Loop(Box::new(expr(ExprKind::Block(items), Type::Unit, span))),
            Type::Unit,
            span,
        );
        expr(
            ExprKind::Block(vec![let_(ch, chan, cspan), looped]),
            Type::Unit,
            span,
        )
    }

    /// `select { arms }`.
    pub(super) fn check_select(
        &mut self,
        scope: &mut FnScope,
        arms: &[ast::SelectArm],
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let mut select = kir::Select {
            arms: Vec::new(),
            after: None,
            default: None,
        };
        let mut arm_types = ArmTypes::new(expected);
        let mut ok = true;
        for arm in arms {
            scope.push();
            let op = self.check_select_op(scope, &arm.op, arm.span);
            let body = self.check_expr(scope, &arm.body, arm_types.hint.as_ref());
            scope.pop();
            ok &= self.join_arm_type(&mut arm_types, &body, "select");
            match op {
                Some(ArmOp::Chan(chan, op)) => select.arms.push(kir::SelectArm { chan, op, body }),
                Some(ArmOp::After(ms)) if select.after.is_none() => select.after = Some((ms, body)),
                Some(ArmOp::Default) if select.default.is_none() => select.default = Some(body),
                Some(_) => {
                    self.error(Diagnostic::error(
                        "E0415",
                        "a `select` can have only one `after` arm and one `_` arm",
                        arm.span,
                        "a second arm of this kind",
                    ));
                    ok = false;
                }
                None => ok = false,
            }
        }
        let ty = match arm_types.first {
            Some((t, _)) => t,
            None => Type::Never,
        };
        if !ok || has_error(&ty) {
            return error_expr(span);
        }
        expr(ExprKind::Select(Box::new(select)), ty, span)
    }

    /// The operation of one `select` arm; `None` when it was reported.
    fn check_select_op(
        &mut self,
        scope: &mut FnScope,
        op: &ast::SelectOp,
        arm_span: Span,
    ) -> Option<ArmOp> {
        let (bind, e) = match op {
            ast::SelectOp::Default => return Some(ArmOp::Default),
            ast::SelectOp::Let(pattern, e) => (Some(pattern), e),
            ast::SelectOp::Expr(e) => (None, e),
        };
        match &e.kind {
            ast::ExprKind::MethodCall(recv, name, args)
                if matches!(name.name.as_str(), "recv" | "send") =>
            {
                let chan = self.check_expr(scope, recv, None);
                let elem = match &chan.ty {
                    Type::Chan(t) => (**t).clone(),
                    t if has_error(t) => return None,
                    t => {
                        self.error(Diagnostic::error(
                            "E0303",
                            format!("`select` needs a channel here, but this is `{t}`"),
                            chan.span,
                            "not a `chan`",
                        ));
                        return None;
                    }
                };
                let want = if name.name == "recv" { 0 } else { 1 };
                if args.len() != want {
                    self.error(arity_error(&name.name, want, args.len(), e.span));
                    return None;
                }
                if name.name == "send" {
                    if let Some(p) = bind {
                        self.select_form_error(p.span, "a `send` arm binds nothing");
                        return None;
                    }
                    let v = self.check_expr(scope, &args[0], Some(&elem));
                    if !self.expect_type(&v, &elem) {
                        return None;
                    }
                    return Some(ArmOp::Chan(chan, kir::SelectOp::Send(v)));
                }
                let local = match bind {
                    Some(p) => {
                        if !matches!(
                            p.kind,
                            ast::PatternKind::Binding(_) | ast::PatternKind::Wildcard
                        ) {
                            self.select_form_error(
                                p.span,
                                "bind the received `Option` to a name, then `match` on it",
                            );
                            // Its names still exist, so the body reports nothing more.
                            self.bind_pattern(scope, p, &Type::Error, false);
                            return None;
                        }
                        let option = Type::Option(Box::new(elem));
                        Some(self.bind_pattern(scope, p, &option, false).0)
                    }
                    None => None,
                };
                Some(ArmOp::Chan(chan, kir::SelectOp::Recv(local)))
            }
            ast::ExprKind::Call(callee, args) if matches!(&callee.kind, ast::ExprKind::Name(id) if id.name == "after") =>
            {
                if let Some(p) = bind {
                    self.select_form_error(p.span, "an `after` arm binds nothing");
                    return None;
                }
                let [ms] = args.as_slice() else {
                    self.error(arity_error("after", 1, args.len(), e.span));
                    return None;
                };
                let ms = self.check_expr(scope, ms, Some(&Type::Int));
                self.expect_type(&ms, &Type::Int)
                    .then_some(ArmOp::After(ms))
            }
            _ => {
                let _ = self.check_expr(scope, e, None);
                self.select_form_error(
                    arm_span,
                    "each arm is `ch.recv()`, `let v = ch.recv()`, `ch.send(v)`, `after(ms)` or `_`",
                );
                None
            }
        }
    }

    fn select_form_error(&mut self, span: Span, help: &str) {
        self.error(
            Diagnostic::error(
                "E0415",
                "invalid `select` arm",
                span,
                "not a channel operation, `after` or `_`",
            )
            .with_help(help),
        );
    }

    /// `after(ms)` written outside a `select`.
    pub(super) fn after_outside_select(&mut self, span: Span) {
        self.error(
            Diagnostic::error(
                "E0415",
                "`after` outside of `select`",
                span,
                "`after(ms)` is only a `select` arm",
            )
            .with_help("use `sleep(ms)` to wait"),
        );
    }

    /// Reports a write to `local`, which a `spawn` body captured; returns
    /// false (and reports nothing) for any other local.
    pub(super) fn report_captured_write(
        &mut self,
        scope: &FnScope,
        local: LocalId,
        name: &str,
        span: Span,
    ) -> bool {
        if scope.captured(local).is_none() {
            return false;
        }
        let decl = scope.local_spans[local.0 as usize];
        let diag = if scope.nested_in == Some("spawn") {
            Diagnostic::error(
                "E0414",
                format!("cannot change `{name}` inside `spawn`"),
                span,
                "the task has its own copy of this value",
            )
            .with_label(decl, format!("`{name}` is declared outside the task here"))
            .with_help("make a `var` copy inside the task, or send results back over a channel")
        } else {
            Diagnostic::error(
                "E0414",
                format!("cannot change `{name}` inside a closure"),
                span,
                "the closure captured a copy of this value",
            )
            .with_label(
                decl,
                format!("`{name}` is declared outside the closure here"),
            )
            .with_help("return the new value from the closure instead")
        };
        self.error(diag);
        true
    }

    /// Reports `return` or `?` inside a `spawn` body, or `?` inside a
    /// closure whose result type is not known yet; returns whether it did.
    pub(super) fn report_return_in_spawn(
        &mut self,
        scope: &FnScope,
        what: &str,
        span: Span,
    ) -> bool {
        let diag = if scope.no_return {
            Diagnostic::error(
                "E0416",
                format!("`{what}` inside `spawn`"),
                span,
                "a task has no function to return from",
            )
            .with_help("the task's result is the value of its last expression")
        } else if scope.infer_ret && what == "?" {
            Diagnostic::error(
                "E0416",
                "`?` inside a closure without a result type",
                span,
                "the closure's result type is not known here",
            )
            .with_help("declare it, as in `|s: str| -> Option<int> { ... }`")
        } else {
            return false;
        };
        self.error(diag);
        true
    }
}

/// What a `select` arm does.
enum ArmOp {
    Chan(kir::Expr, kir::SelectOp),
    After(kir::Expr),
    Default,
}

/// True for an argument whose value cannot change between a spawn and the
/// task's start: a name (the task captures a copy of it) or a literal
/// made of such parts.
fn is_stable(e: &ast::Expr) -> bool {
    use ast::ExprKind as A;
    match &e.kind {
        A::Int(_) | A::Float(_) | A::Bool(_) | A::Unit | A::Name(_) | A::Path(..) => true,
        A::Str(parts) => parts.iter().all(|p| matches!(p, ast::StrPart::Lit(_))),
        A::Array(items) | A::Tuple(items) => items.iter().all(is_stable),
        A::Map(pairs) => pairs.iter().all(|(k, v)| is_stable(k) && is_stable(v)),
        _ => false,
    }
}
