//! Expressions: literals, names, operators, calls and control flow.

use super::items::{compatible, error_expr, has_error};
use super::scope::FnScope;
use super::stmt::unit;
use super::suggest::closest;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, ExprKind, FuncId, Intrinsic};
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast::{self, BinOp, UnOp};

fn expr(kind: ExprKind, ty: Type, span: Span) -> kir::Expr {
    kir::Expr { kind, ty, span }
}

impl Checker {
    /// Checks `e`, using `expected` (the type the context wants, if known)
    /// as a hint. Mismatches against `expected` are reported by the caller,
    /// through [`Checker::expect_type`], which knows what to say.
    pub(super) fn check_expr(
        &mut self,
        scope: &mut FnScope,
        e: &ast::Expr,
        expected: Option<&Type>,
    ) -> kir::Expr {
        // Deeply nested expressions (a 50,000-term sum is 50,000 levels
        // deep) must not overflow the stack: grow it on demand.
        stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || {
            self.check_expr_inner(scope, e, expected)
        })
    }

    fn check_expr_inner(
        &mut self,
        scope: &mut FnScope,
        e: &ast::Expr,
        expected: Option<&Type>,
    ) -> kir::Expr {
        use ast::ExprKind as A;
        let span = e.span;
        match &e.kind {
            A::Int(v) => expr(ExprKind::Int(*v), Type::Int, span),
            A::Float(v) => expr(ExprKind::Float(*v), Type::Float, span),
            A::Bool(v) => expr(ExprKind::Bool(*v), Type::Bool, span),
            A::Unit => unit(span),
            A::Str(parts) => self.check_string(scope, parts, span),
            A::Name(id)
                if super::enums::is_builtin_variant(&id.name)
                    && scope.lookup(&id.name).is_none() =>
            {
                self.check_builtin_variant(scope, id, None, expected, span)
                    .unwrap_or_else(|| error_expr(span))
            }
            A::Name(id)
                if scope.lookup(&id.name).is_none()
                    && !self.consts.contains_key(&self.item_key(&id.name)) =>
            {
                match self.generic_fn_named(&id.name) {
                    Some(g) => self.generic_fn_value(g, expected, span),
                    None => self.check_name(scope, id, expected),
                }
            }
            A::Name(id) => self.check_name(scope, id, expected),
            A::Binary(op, a, b) => {
                let a = self.check_expr(scope, a, None);
                let b = self.check_expr(scope, b, Some(&a.ty));
                self.binary(*op, a, b, span)
            }
            A::Unary(op, a) => {
                let a = self.check_expr(scope, a, expected);
                self.unary(*op, a, span)
            }
            A::Call(callee, args) => self.check_call(scope, callee, args, expected, span),
            A::MethodCall(recv, name, args) => match self.module_of(scope, recv) {
                Some(m) => self.check_module_call(scope, m, name, args, expected, span),
                None => {
                    let before = self.diags.len();
                    let e = self.check_method(scope, recv, name, args, span);
                    self.hint_import(before, recv);
                    e
                }
            },
            A::Block(b) => self.check_block(scope, b, expected),
            A::If {
                cond,
                then,
                otherwise,
            } => self.check_if(scope, cond, then, otherwise.as_deref(), expected, span),
            A::While { cond, body } => {
                let cond = self.check_condition(scope, cond, CONDITION_HELP);
                scope.loops.push(false);
                let body = self.check_block(scope, body, Some(&Type::Unit));
                scope.loops.pop();
                expr(
                    ExprKind::While {
                        cond: Box::new(cond),
                        body: Box::new(body),
                    },
                    Type::Unit,
                    span,
                )
            }
            A::Loop(body) => {
                scope.loops.push(false);
                let body = self.check_block(scope, body, Some(&Type::Unit));
                let has_break = scope.loops.pop().unwrap_or(true);
                let ty = if has_break { Type::Unit } else { Type::Never };
                expr(ExprKind::Loop(Box::new(body)), ty, span)
            }
            A::For {
                pattern,
                iter,
                body,
            } => self.check_for(scope, pattern, iter, body, span),
            A::Break | A::Continue => {
                let is_break = matches!(e.kind, A::Break);
                match scope.loops.last_mut() {
                    Some(has_break) => {
                        *has_break |= is_break;
                        let kind = if is_break {
                            ExprKind::Break
                        } else {
                            ExprKind::Continue
                        };
                        expr(kind, Type::Never, span)
                    }
                    None => {
                        let word = if is_break { "break" } else { "continue" };
                        self.error(Diagnostic::error(
                            "E0402",
                            format!("`{word}` outside of a loop"),
                            span,
                            format!("`{word}` can only be used inside `while`, `loop` or `for`"),
                        ));
                        error_expr(span)
                    }
                }
            }
            A::Return(value) => self.check_return(scope, value.as_deref(), span),
            A::Range { .. } => {
                self.error(
                    Diagnostic::error(
                        "E0407",
                        "a range is not a value",
                        span,
                        "ranges can only be used in `for` loops, slices and patterns",
                    )
                    .with_help("write `for i in a..b { ... }`"),
                );
                error_expr(span)
            }
            A::Error => error_expr(span),
            A::Path(module, ty, name) => {
                self.check_path_value(scope, module.as_ref(), ty, name, expected, span)
            }
            A::Field(base, name) => match self.module_of(scope, base) {
                Some(m) => self.check_module_value(m, name, expected, span),
                None => {
                    let before = self.diags.len();
                    let b = self.check_expr(scope, base, None);
                    self.hint_import(before, base);
                    self.check_field(b, name, span)
                }
            },
            A::TupleField(base, i, ispan) => {
                let b = self.check_expr(scope, base, None);
                match self.tuple_index(&b.ty, *i, *ispan) {
                    Some(t) => expr(ExprKind::Field(Box::new(b), *i), t, span),
                    None => error_expr(span),
                }
            }
            A::Index(base, index) => self.check_index(scope, base, index, span),
            A::Try(inner) => self.check_try(scope, inner, expected, span),
            A::Array(items) => self.check_array_lit(scope, items, expected, span),
            A::ArrayRepeat(v, n) => self.check_array_repeat(scope, v, n, expected, span),
            A::Map(pairs) => self.check_map_lit(scope, pairs, expected, span),
            A::Tuple(items) => self.check_tuple(scope, items, expected, span),
            A::StructLit {
                module,
                name,
                fields,
            } => self.check_struct_lit(scope, module.as_ref(), name, fields, expected, span),
            A::Match { scrutinee, arms } => {
                self.check_match(scope, scrutinee, arms, expected, span)
            }
            A::Closure { params, ret, body } => {
                self.check_closure(scope, params, ret.as_ref(), body, expected, span)
            }
            A::Spawn(operand) => self.check_spawn(scope, operand, span),
            A::Chan { elem, capacity } => {
                self.check_chan_new(scope, elem, capacity.as_deref(), span)
            }
            A::Select(arms) => self.check_select(scope, arms, expected, span),
        }
    }

    /// Reports a mismatch between an expression's type and the type its
    /// context requires. Returns whether the types fit.
    pub(super) fn expect_type(&mut self, e: &kir::Expr, expected: &Type) -> bool {
        if compatible(&e.ty, expected) {
            return true;
        }
        let mut d = Diagnostic::error(
            "E0301",
            "mismatched types",
            e.span,
            format!("expected `{expected}`, found `{}`", e.ty),
        );
        if let Some(help) = conversion_hint(&e.ty, expected) {
            d = d.with_help(help);
        }
        self.error(d);
        false
    }

    fn check_string(
        &mut self,
        scope: &mut FnScope,
        parts: &[ast::StrPart],
        span: Span,
    ) -> kir::Expr {
        if let [ast::StrPart::Lit(s)] = parts {
            return expr(ExprKind::Str(s.clone()), Type::Str, span);
        }
        if parts.is_empty() {
            return expr(ExprKind::Str(String::new()), Type::Str, span);
        }
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            match p {
                ast::StrPart::Lit(s) if s.is_empty() => {}
                ast::StrPart::Lit(s) => out.push(expr(ExprKind::Str(s.clone()), Type::Str, span)),
                ast::StrPart::Expr(e) => out.push(self.check_expr(scope, e, None)),
            }
        }
        expr(ExprKind::Interpolate(out), Type::Str, span)
    }

    /// A name used as a value; `expected` types a prelude function used as
    /// a function value.
    pub(super) fn check_name(
        &mut self,
        scope: &mut FnScope,
        id: &ast::Ident,
        expected: Option<&Type>,
    ) -> kir::Expr {
        if let Some(local) = scope.lookup(&id.name) {
            let ty = scope.local(local).ty.clone();
            return expr(ExprKind::Local(local), ty, id.span);
        }
        let item = self.resolve_item(None, id);
        if let super::names::Resolved::Const(key) = &item {
            if let Some(mut value) = self.const_value(key, id.span) {
                relocate(&mut value, id.span);
                return value;
            }
        }
        match id.name.as_str() {
            "PI" => return expr(ExprKind::Float(std::f64::consts::PI), Type::Float, id.span),
            "E" => return expr(ExprKind::Float(std::f64::consts::E), Type::Float, id.span),
            _ => {}
        }
        if let super::names::Resolved::Fn(f) = item {
            return self.fn_value(f, id.span);
        }
        if self.is_module(&id.name) {
            self.error(
                Diagnostic::error(
                    "E0201",
                    format!("module `{}` is not a value", id.name),
                    id.span,
                    "a module",
                )
                .with_help(format!("use one of its items: `{}.name`", id.name)),
            );
            return error_expr(id.span);
        }
        if let Some(e) = self.check_host_value(id) {
            return e;
        }
        if super::builtins::is_builtin_fn(&id.name) {
            return self.builtin_value(scope, id, expected);
        }
        self.report_unknown_name(scope, id);
        error_expr(id.span)
    }

    pub(super) fn report_unknown_name(&mut self, scope: &FnScope, id: &ast::Ident) {
        let items = self.visible_keys(
            self.fn_ids
                .keys()
                .chain(self.consts.keys())
                .chain(self.generics.fn_names.keys()),
        );
        let candidates: Vec<&str> = scope
            .visible_names()
            .chain(items.iter().map(String::as_str))
            .chain(super::builtins::BUILTIN_FNS.iter().copied())
            .chain(self.host.fns.iter().map(|h| h.name.as_str()))
            .collect();
        let mut d = Diagnostic::error(
            "E0201",
            format!("cannot find `{}` in this scope", id.name),
            id.span,
            "not found in this scope",
        );
        if let Some(s) = closest(&id.name, candidates) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.error(d);
    }

    /// Checks a condition (`if`, `while`, a match guard): it must be a
    /// `bool`; `help` says so in the words of the construct.
    pub(super) fn check_condition(
        &mut self,
        scope: &mut FnScope,
        cond: &ast::Expr,
        help: &str,
    ) -> kir::Expr {
        let c = self.check_expr(scope, cond, Some(&Type::Bool));
        if !compatible(&c.ty, &Type::Bool) {
            self.error(
                Diagnostic::error(
                    "E0301",
                    "mismatched types",
                    c.span,
                    format!("expected `bool`, found `{}`", c.ty),
                )
                .with_help(help),
            );
        }
        c
    }

    fn check_if(
        &mut self,
        scope: &mut FnScope,
        cond: &ast::Expr,
        then: &ast::Block,
        otherwise: Option<&ast::Expr>,
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let cond = self.check_condition(scope, cond, CONDITION_HELP);
        let Some(otherwise) = otherwise else {
            let then = self.check_block(scope, then, Some(&Type::Unit));
            return expr(
                ExprKind::If {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise: Box::new(unit(span)),
                },
                Type::Unit,
                span,
            );
        };
        let then = self.check_block(scope, then, expected);
        // A partly known expected type (`Result<_, str>`) gives way to
        // the `then` branch's type, which may know more.
        let other_hint = match expected {
            Some(t)
                if *t != Type::Error
                    && has_error(t)
                    && !has_error(&then.ty)
                    && then.ty != Type::Never =>
            {
                Some(&then.ty)
            }
            e => e.or(Some(&then.ty)),
        };
        let other = self.check_expr(scope, otherwise, other_hint);
        let ty = match (&then.ty, &other.ty) {
            (Type::Never, t) | (t, Type::Never) => t.clone(),
            (Type::Error, _) | (_, Type::Error) => Type::Error,
            (a, b) if a == b => a.clone(),
            (a, b) => {
                self.error(
                    Diagnostic::error(
                        "E0301",
                        "`if` and `else` have incompatible types",
                        other.span,
                        format!("expected `{a}`, found `{b}`"),
                    )
                    .with_label(then.span, format!("this branch has type `{a}`")),
                );
                Type::Error
            }
        };
        expr(
            ExprKind::If {
                cond: Box::new(cond),
                then: Box::new(then),
                otherwise: Box::new(other),
            },
            ty,
            span,
        )
    }

    fn check_for(
        &mut self,
        scope: &mut FnScope,
        pattern: &ast::Pattern,
        iter: &ast::Expr,
        body: &ast::Block,
        span: Span,
    ) -> kir::Expr {
        let ast::ExprKind::Range {
            start,
            end,
            inclusive,
        } = &iter.kind
        else {
            let mut it = self.check_expr(scope, iter, None);
            if let Type::Chan(_) = &it.ty {
                return self.check_for_chan(scope, pattern, it, body, span);
            }
            if let Type::Map(k, v) = &it.ty {
                // `for (k, v) in m` loops over the entries, in order.
                let ty = Type::Array(Box::new(Type::Tuple(vec![(**k).clone(), (**v).clone()])));
                let s = it.span;
                it = Self::intrinsic(Intrinsic::MapEntries, vec![it], ty, s);
            }
            return self.check_for_array(scope, pattern, it, body, span);
        };
        let start = self.check_expr(scope, start, Some(&Type::Int));
        self.expect_type(&start, &Type::Int);
        let end = self.check_expr(scope, end, Some(&Type::Int));
        self.expect_type(&end, &Type::Int);
        scope.push();
        let var = match &pattern.kind {
            ast::PatternKind::Binding(id) => scope.declare(&id.name, Type::Int, false, id.span),
            ast::PatternKind::Wildcard => scope.declare("_", Type::Int, false, pattern.span),
            ast::PatternKind::Error => scope.declare("_", Type::Int, false, pattern.span),
            _ => {
                self.unsupported(pattern.span, "destructuring in `for` over a range");
                scope.declare("_", Type::Int, false, pattern.span)
            }
        };
        scope.loops.push(false);
        let body = self.check_block(scope, body, Some(&Type::Unit));
        scope.loops.pop();
        scope.pop();
        expr(
            ExprKind::ForRange {
                var,
                start: Box::new(start),
                end: Box::new(end),
                inclusive: *inclusive,
                body: Box::new(body),
            },
            Type::Unit,
            span,
        )
    }

    fn check_return(
        &mut self,
        scope: &mut FnScope,
        value: Option<&ast::Expr>,
        span: Span,
    ) -> kir::Expr {
        if self.report_return_in_spawn(scope, "return", span) {
            if let Some(v) = value {
                let _ = self.check_expr(scope, v, None);
            }
            return error_expr(span);
        }
        if scope.infer_ret {
            // The first `return` of a closure whose result type is not
            // known fixes it, as `let` fixes a local's type.
            let value = match value {
                Some(v) => self.check_expr(scope, v, None),
                None => unit(span),
            };
            if !matches!(value.ty, Type::Never | Type::Error) {
                scope.ret = value.ty.clone();
                scope.infer_ret = false;
                scope.ret_fixed_at = Some(span);
            }
            return expr(ExprKind::Return(Box::new(value)), Type::Never, span);
        }
        let ret = scope.ret.clone();
        let value = match value {
            Some(v) => {
                let v = self.check_expr(scope, v, Some(&ret));
                if ret == Type::Unit && !matches!(v.ty, Type::Unit | Type::Never | Type::Error) {
                    self.error(
                        Diagnostic::error(
                            "E0301",
                            "mismatched types",
                            v.span,
                            format!("this function returns nothing, but this is `{}`", v.ty),
                        )
                        .with_help("declare a return type with `-> T`, or write `return` alone"),
                    );
                } else {
                    self.expect_type(&v, &ret);
                }
                v
            }
            None => {
                if !matches!(ret, Type::Unit | Type::Error) {
                    self.error(Diagnostic::error(
                        "E0301",
                        format!("`return` needs a value of type `{ret}`"),
                        span,
                        "returns nothing",
                    ));
                }
                unit(span)
            }
        };
        expr(ExprKind::Return(Box::new(value)), Type::Never, span)
    }

    /// Types a binary operator applied to checked operands.
    pub(super) fn binary(
        &mut self,
        op: BinOp,
        a: kir::Expr,
        b: kir::Expr,
        span: Span,
    ) -> kir::Expr {
        use BinOp::*;
        if has_error(&a.ty) || has_error(&b.ty) {
            return error_expr(span);
        }
        let same = a.ty == b.ty || (a.ty == Type::Never) || (b.ty == Type::Never);
        let operand = if a.ty == Type::Never {
            b.ty.clone()
        } else {
            a.ty.clone()
        };
        let result = match op {
            Add if same && matches!(operand, Type::Array(_)) => Some(operand.clone()),
            Add if same && matches!(operand, Type::Int | Type::Float | Type::Str) => {
                Some(operand.clone())
            }
            Sub | Mul | Div if same && matches!(operand, Type::Int | Type::Float) => {
                Some(operand.clone())
            }
            Rem if same && operand == Type::Int => Some(Type::Int),
            Eq | Ne if same && self.fn_inside(&operand).is_some() => None,
            Eq | Ne if same => Some(Type::Bool),
            Lt | Le | Gt | Ge if same && matches!(operand, Type::Int | Type::Float | Type::Str) => {
                Some(Type::Bool)
            }
            And | Or if same && operand == Type::Bool => Some(Type::Bool),
            BitAnd | BitOr | BitXor if same && matches!(operand, Type::Int | Type::Bool) => {
                Some(operand.clone())
            }
            Shl | Shr if same && operand == Type::Int => Some(Type::Int),
            _ => None,
        };
        let Some(ty) = result else {
            // The operator sits between its operands.
            let op_span = if a.span.end <= b.span.start {
                Span {
                    start: a.span.end,
                    end: b.span.start,
                    ..span
                }
            } else {
                span
            };
            let mut d = Diagnostic::error(
                "E0303",
                format!(
                    "cannot apply `{}` to `{}` and `{}`",
                    op.symbol(),
                    a.ty,
                    b.ty
                ),
                op_span,
                format!("`{}` is not defined for these types", op.symbol()),
            )
            .with_label(a.span, format!("this is `{}`", a.ty))
            .with_label(b.span, format!("this is `{}`", b.ty));
            let no_eq = matches!(op, Eq | Ne)
                .then(|| self.fn_inside(&a.ty))
                .flatten();
            d = d.with_help(match no_eq {
                Some(f) => no_eq_hint(&f),
                None => operator_hint(op, &a.ty, &b.ty),
            });
            self.error(d);
            return error_expr(span);
        };
        expr(ExprKind::Binary(op, Box::new(a), Box::new(b)), ty, span)
    }

    fn unary(&mut self, op: UnOp, a: kir::Expr, span: Span) -> kir::Expr {
        // Fold negative literals, so `-5` is a constant and not a checked
        // negation at run time.
        match (op, &a.kind) {
            (UnOp::Neg, ExprKind::Int(v)) => {
                return expr(ExprKind::Int(v.wrapping_neg()), Type::Int, span)
            }
            (UnOp::Neg, ExprKind::Float(v)) => return expr(ExprKind::Float(-v), Type::Float, span),
            _ => {}
        }
        let ok = match op {
            UnOp::Neg => matches!(a.ty, Type::Int | Type::Float),
            UnOp::Not => a.ty == Type::Bool,
        };
        if a.ty == Type::Error || a.ty == Type::Never {
            return expr(ExprKind::Unary(op, Box::new(a.clone())), a.ty, span);
        }
        if !ok {
            let sym = if op == UnOp::Neg { "-" } else { "!" };
            self.error(Diagnostic::error(
                "E0303",
                format!("cannot apply unary `{sym}` to `{}`", a.ty),
                span,
                format!("this is `{}`", a.ty),
            ));
            return error_expr(span);
        }
        let ty = a.ty.clone();
        expr(ExprKind::Unary(op, Box::new(a)), ty, span)
    }

    fn check_call(
        &mut self,
        scope: &mut FnScope,
        callee: &ast::Expr,
        args: &[ast::Expr],
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let ast::ExprKind::Name(name) = &callee.kind else {
            if let ast::ExprKind::Path(module, ty, name) = &callee.kind {
                return self.check_path_call(
                    scope,
                    module.as_ref(),
                    ty,
                    name,
                    args,
                    expected,
                    span,
                );
            }
            let c = self.check_expr(scope, callee, None);
            if let Type::Fn(..) = c.ty {
                return self.call_value(scope, c, args, span);
            }
            for a in args {
                let _ = self.check_expr(scope, a, None);
            }
            if c.ty != Type::Error {
                self.error(Diagnostic::error(
                    "E0305",
                    "this expression is not a function",
                    callee.span,
                    format!("this has type `{}`", c.ty),
                ));
            }
            return error_expr(span);
        };
        if let Some(local) = scope.lookup(&name.name) {
            let ty = scope.local(local).ty.clone();
            if let Type::Fn(..) = ty {
                let callee = expr(ExprKind::Local(local), ty, name.span);
                return self.call_value(scope, callee, args, span);
            }
            self.error(Diagnostic::error(
                "E0305",
                format!("`{}` is not a function", name.name),
                name.span,
                format!("`{}` is a local of type `{ty}`", name.name),
            ));
            return error_expr(span);
        }
        if let super::names::Resolved::Fn(id) = self.resolve_item(None, name) {
            return self.call_user_fn(scope, id, Vec::new(), args, span);
        }
        if let Some(g) = self.generic_fn_named(&name.name) {
            return match self.call_generic(scope, g, &[], args, expected, None, span) {
                Some((id, values, ret)) => expr(ExprKind::Call(id, values), ret, span),
                None => error_expr(span),
            };
        }
        if let Some(e) = self.check_host_call(scope, name, args, span) {
            return e;
        }
        if let Some(e) = self.check_builtin_variant(scope, name, Some(args), expected, span) {
            return e;
        }
        if let Some(e) = self.check_builtin_call(scope, name, args, span) {
            return e;
        }
        for a in args {
            let _ = self.check_expr(scope, a, None);
        }
        self.report_unknown_name(scope, name);
        error_expr(span)
    }

    /// Checks the arguments of a call to user function `id` whose first
    /// arguments (`leading`, e.g. a method's receiver) are already checked.
    pub(super) fn call_user_fn(
        &mut self,
        scope: &mut FnScope,
        id: FuncId,
        leading: Vec<kir::Expr>,
        args: &[ast::Expr],
        span: Span,
    ) -> kir::Expr {
        let (out, ret) = match self.check_call_args(scope, id, leading.len(), args, span) {
            Some(r) => r,
            None => return error_expr(span),
        };
        let mut all = leading;
        all.extend(out);
        expr(ExprKind::Call(id, all), ret, span)
    }

    /// Checks `args` against the parameters of `id` after the first `skip`
    /// (a receiver); returns them and the return type, or `None` after
    /// reporting a wrong count.
    pub(super) fn check_call_args(
        &mut self,
        scope: &mut FnScope,
        id: FuncId,
        skip: usize,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<(Vec<kir::Expr>, Type)> {
        let sig = self.functions[id.0 as usize].clone();
        let params = sig.params.get(skip..).unwrap_or(&[]);
        if args.len() != params.len() {
            self.error(
                arity_error(&sig.name, params.len(), args.len(), span)
                    .with_label(sig.span, format!("`{}` is defined here", sig.name)),
            );
        }
        let mut out = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let expected = params.get(i).map(|p| p.ty.clone());
            let v = self.check_expr(scope, a, expected.as_ref());
            if let Some(t) = &expected {
                self.expect_type(&v, t);
            }
            out.push(v);
        }
        if args.len() != params.len() {
            return None;
        }
        Some((out, sig.ret.clone()))
    }

    /// `Type::name(args)`: a variant of an enum (`Shape::Circle(1.5)`,
    /// `Option::Some(x)`), an associated function, or a method called with
    /// its receiver as the first argument.
    #[allow(clippy::too_many_arguments)]
    fn check_path_call(
        &mut self,
        scope: &mut FnScope,
        module: Option<&ast::Ident>,
        ty: &ast::Ident,
        name: &ast::Ident,
        args: &[ast::Expr],
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        if module.is_none() && (ty.name == "Option" || ty.name == "Result") {
            if let Some(e) = self.check_builtin_variant(scope, name, Some(args), expected, span) {
                return e;
            }
        }
        if let Some(gt) = self.generic_type_at(module, ty) {
            return self.check_generic_path(scope, gt, name, Some(args), expected, span);
        }
        let owner = self.path_owner(module, ty);
        let Some(owner) = owner.clone().filter(|t| *t != Type::Error) else {
            for a in args {
                let _ = self.check_expr(scope, a, None);
            }
            if owner.is_none() {
                self.report_unknown_type(ty);
            }
            return error_expr(span);
        };
        if let Some(tag) = self.variant_index(&owner, &name.name) {
            return self.check_variant_ctor(scope, owner, tag, &name.name, Some(args), span);
        }
        let Some(&id) = self.methods.get(&(owner.clone(), name.name.clone())) else {
            if let Some(g) = self.generic_method(&owner, &name.name) {
                if self.generics.fns[g].self_param != Some(true) {
                    self.check_generic_visible(g, name.span);
                    let call = self.call_generic(scope, g, &[], args, expected, Some(&owner), span);
                    return match call {
                        Some((id, values, ret)) => expr(ExprKind::Call(id, values), ret, span),
                        None => error_expr(span),
                    };
                }
            }
            for a in args {
                let _ = self.check_expr(scope, a, None);
            }
            self.report_unknown_method(&owner, name);
            return error_expr(span);
        };
        if !self.check_fn_visible(id, name.span) {
            for a in args {
                let _ = self.check_expr(scope, a, None);
            }
            return error_expr(span);
        }
        if self.functions[id.0 as usize].self_param == Some(true) {
            self.error(
                Diagnostic::error(
                    "E0305",
                    format!(
                        "`{}` changes its receiver",
                        self.functions[id.0 as usize].name
                    ),
                    span,
                    "a `var self` method must be called on a variable",
                )
                .with_help(format!(
                    "write `value.{}(...)` with a `var` value",
                    name.name
                )),
            );
            return error_expr(span);
        }
        self.call_user_fn(scope, id, Vec::new(), args, span)
    }

    /// Reports `Type::name` or `value.name` naming nothing on a struct or
    /// enum type, suggesting its functions and (for an enum) variants.
    pub(super) fn report_unknown_method(&mut self, owner: &Type, name: &ast::Ident) {
        // Suggest only what this file may call.
        let mut candidates: Vec<String> = self
            .methods
            .iter()
            .filter(|((o, _), id)| o == owner && self.fn_visible(**id))
            .map(|((_, n), _)| n.clone())
            .collect();
        let base = self.written_name(owner);
        candidates.extend(
            self.generics
                .methods
                .keys()
                .filter(|(t, _)| *t == base)
                .map(|(_, n)| n.clone()),
        );
        let is_enum = matches!(owner, Type::Enum(..));
        if let Some(vs) = self.variants(owner) {
            candidates.extend(vs.into_iter().map(|(n, _)| n));
        }
        let (what, label) = if is_enum {
            (
                "variant, function or method",
                "not a variant and not in its `impl`",
            )
        } else {
            ("function or method", "not found in its `impl`")
        };
        let mut d = Diagnostic::error(
            "E0204",
            format!("no {what} `{}` on `{owner}`", name.name),
            name.span,
            label,
        );
        if let Some(s) = closest(&name.name, candidates.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.error(d);
    }

    /// Builds an intrinsic call expression.
    pub(super) fn intrinsic(
        op: Intrinsic,
        args: Vec<kir::Expr>,
        ty: Type,
        span: Span,
    ) -> kir::Expr {
        expr(ExprKind::Intrinsic(op, args), ty, span)
    }
}

/// The hint for a non-`bool` condition of `if` or `while`.
const CONDITION_HELP: &str = "a condition must be a `bool`; there is no truthiness";

/// E0302 for a call of `name` with `given` arguments instead of `wanted`.
pub(super) fn arity_error(name: &str, wanted: usize, given: usize, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E0302",
        format!(
            "`{name}` takes {} but {given} {} given",
            plural(wanted, "argument"),
            if given == 1 { "was" } else { "were" }
        ),
        span,
        format!("expected {}", plural(wanted, "argument")),
    )
}

/// "1 argument", "2 arguments".
pub(super) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Moves a constant's inlined value to the place it is used, so runtime
/// errors in it (an overflow) point at the use.
pub(super) fn relocate(e: &mut kir::Expr, span: Span) {
    e.span = span;
    match &mut e.kind {
        ExprKind::Binary(_, a, b) => {
            relocate(a, span);
            relocate(b, span);
        }
        ExprKind::Unary(_, a) => relocate(a, span),
        _ => {}
    }
}

fn conversion_hint(found: &Type, expected: &Type) -> Option<String> {
    match (found, expected) {
        (Type::Int, Type::Float) => {
            Some("convert with `float(...)`: there are no implicit conversions".into())
        }
        (Type::Float, Type::Int) => {
            Some("convert with `int(...)` (it truncates toward zero)".into())
        }
        (_, Type::Str) if *found != Type::Unit => {
            Some("convert with `str(...)` or interpolate: \"{x}\"".into())
        }
        _ => None,
    }
}

/// Why values holding the function type `f` have no `==`.
pub(super) fn no_eq_hint(f: &Type) -> String {
    format!("functions cannot be compared, so neither can values that hold one (`{f}`)")
}

fn operator_hint(op: BinOp, a: &Type, b: &Type) -> String {
    match (op, a, b) {
        (_, Type::Int, Type::Float) => {
            "there are no implicit conversions: write `float(x)` to use the int as a float".into()
        }
        (_, Type::Float, Type::Int) => {
            "there are no implicit conversions: write `float(x)` to use the int as a float".into()
        }
        (BinOp::Add, Type::Str, _) | (BinOp::Add, _, Type::Str) => {
            "only two strings can be joined with `+`; interpolate other values: \"{x}\"".into()
        }
        (BinOp::Rem, Type::Float, Type::Float) => {
            "`%` works on ints; for floats compute `a - b * floor(a / b)`".into()
        }
        (BinOp::And | BinOp::Or, _, _) => {
            "`&&` and `||` need `bool` operands; there is no truthiness".into()
        }
        _ => format!(
            "both operands of `{}` must have the same type, one it supports",
            op.symbol()
        ),
    }
}
