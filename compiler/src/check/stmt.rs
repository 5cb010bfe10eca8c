//! Blocks and statements: `let`/`var`, assignment, expression statements.

use super::items::{compatible, error_expr};
use super::scope::FnScope;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, ExprKind, Intrinsic, PlaceStep};
use crate::ir::types::Type;
use crate::syntax::ast::{self, PatternKind, StmtKind};

impl Checker {
    /// Checks a block in its own scope. When the context expects `()`, the
    /// value of the last expression is discarded (a function or loop body
    /// may end with a call whose result is unused).
    pub(super) fn check_block(
        &mut self,
        scope: &mut FnScope,
        block: &ast::Block,
        expected: Option<&Type>,
    ) -> kir::Expr {
        self.check_body_block(scope, block, expected, false)
    }

    /// Checks a block; with `returns_fix_tail` (the body of a closure of
    /// unknown result type), a `return` before the last expression gives
    /// the last expression its expected type, so `return Some(x)` then
    /// `None` types the `None`.
    pub(super) fn check_body_block(
        &mut self,
        scope: &mut FnScope,
        block: &ast::Block,
        expected: Option<&Type>,
        returns_fix_tail: bool,
    ) -> kir::Expr {
        scope.push();
        let mut items = Vec::with_capacity(block.stmts.len());
        let mut diverges = false;
        let last = block.stmts.len().checked_sub(1);
        for (i, stmt) in block.stmts.iter().enumerate() {
            let is_tail = Some(i) == last;
            let e = match &stmt.kind {
                StmtKind::Expr(e) if is_tail => {
                    let fixed = (returns_fix_tail && expected.is_none() && !scope.infer_ret)
                        .then(|| scope.ret.clone());
                    let value = self.check_expr(scope, e, expected.or(fixed.as_ref()));
                    if expected == Some(&Type::Unit) {
                        discard(value)
                    } else {
                        value
                    }
                }
                StmtKind::Expr(e) => discard(self.check_expr(scope, e, Some(&Type::Unit))),
                _ => self.check_stmt(scope, stmt),
            };
            diverges |= e.ty == Type::Never;
            match (&stmt.kind, e.kind) {
                // A destructuring `let` binds several locals; they belong
                // to this block (which releases them at its end), not to
                // a block of their own.
                (StmtKind::Let { .. }, ExprKind::Block(mut lets)) => {
                    lets.pop(); // the group's `()`
                    items.append(&mut lets);
                }
                (_, kind) => items.push(kir::Expr { kind, ..e }),
            }
        }
        scope.pop();
        let tail_is_value = matches!(block.stmts.last().map(|s| &s.kind), Some(StmtKind::Expr(_)));
        let ty = match items.last() {
            _ if diverges => Type::Never,
            Some(e) if tail_is_value => e.ty.clone(),
            _ => Type::Unit,
        };
        if !tail_is_value && !diverges {
            items.push(unit(block.span));
        }
        kir::Expr {
            kind: ExprKind::Block(items),
            ty,
            span: block.span,
        }
    }

    pub(super) fn check_stmt(&mut self, scope: &mut FnScope, stmt: &ast::Stmt) -> kir::Expr {
        match &stmt.kind {
            StmtKind::Let {
                pattern,
                mutable,
                ty,
                value,
            } => self.check_let(scope, pattern, *mutable, ty.as_ref(), value, stmt),
            StmtKind::Assign { target, op, value } => {
                self.check_assign(scope, target, *op, value, stmt)
            }
            StmtKind::Expr(e) => discard(self.check_expr(scope, e, Some(&Type::Unit))),
            StmtKind::Item(item) => {
                self.unsupported(item.span, "items inside function bodies");
                error_expr(stmt.span)
            }
            StmtKind::Error => error_expr(stmt.span),
        }
    }

    fn check_let(
        &mut self,
        scope: &mut FnScope,
        pattern: &ast::Pattern,
        mutable: bool,
        ty: Option<&ast::TypeExpr>,
        value: &ast::Expr,
        stmt: &ast::Stmt,
    ) -> kir::Expr {
        let annotated = ty.map(|t| self.resolve_type(t));
        let value = self.check_expr(scope, value, annotated.as_ref());
        if let Some(t) = &annotated {
            self.expect_type(&value, t);
        }
        let ty = match annotated {
            Some(t) => t,
            None if value.ty == Type::Never => Type::Unit,
            None => value.ty.clone(),
        };
        match &pattern.kind {
            PatternKind::Wildcard => return discard(value),
            PatternKind::Error => return error_expr(stmt.span),
            _ => {}
        }
        let diverges = value.ty == Type::Never;
        let (local, binds) = self.bind_pattern(scope, pattern, &ty, mutable);
        let ty = if diverges { Type::Never } else { Type::Unit };
        let binding = kir::Expr {
            kind: ExprKind::Let(local, Box::new(value)),
            ty: ty.clone(),
            span: stmt.span,
        };
        if binds.is_empty() {
            return binding;
        }
        let mut items = vec![binding];
        items.extend(binds);
        items.push(unit(stmt.span));
        kir::Expr {
            kind: ExprKind::Block(items),
            ty,
            span: stmt.span,
        }
    }

    fn check_assign(
        &mut self,
        scope: &mut FnScope,
        target: &ast::Expr,
        op: Option<ast::BinOp>,
        value: &ast::Expr,
        stmt: &ast::Stmt,
    ) -> kir::Expr {
        let ident = match &target.kind {
            ast::ExprKind::Name(id) => id,
            ast::ExprKind::Index(..) | ast::ExprKind::Field(..) | ast::ExprKind::TupleField(..) => {
                return self.check_assign_place(scope, target, op, value, stmt);
            }
            ast::ExprKind::Error => return error_expr(stmt.span),
            _ => {
                self.error(
                    Diagnostic::error(
                        "E0403",
                        "invalid left-hand side of assignment",
                        target.span,
                        "cannot assign to this expression",
                    )
                    .with_help("assign to a `var` binding, an element `a[i]` or a field `p.x`"),
                );
                let _ = self.check_expr(scope, value, None);
                return error_expr(stmt.span);
            }
        };
        let Some(local) = scope.lookup(&ident.name) else {
            let _ = self.check_expr(scope, value, None);
            self.report_unknown_name(scope, ident);
            return error_expr(stmt.span);
        };
        let info = scope.local(local).clone();
        if self.report_captured_write(scope, local, &ident.name, ident.span) {
        } else if !info.mutable {
            let decl = scope.local_spans[local.0 as usize];
            self.error(
                Diagnostic::error(
                    "E0401",
                    format!("cannot assign twice to immutable binding `{}`", ident.name),
                    ident.span,
                    "cannot assign to a `let` binding",
                )
                .with_label(
                    decl,
                    format!("`{}` is declared here with `let`", ident.name),
                )
                .with_help(format!(
                    "declare it with `var {}` to make it mutable",
                    ident.name
                )),
            );
        }
        let current = kir::Expr {
            kind: ExprKind::Local(local),
            ty: info.ty.clone(),
            span: ident.span,
        };
        let value = match op {
            None => {
                let v = self.check_expr(scope, value, Some(&info.ty));
                self.expect_type(&v, &info.ty);
                v
            }
            Some(op) => {
                let rhs = self.check_expr(scope, value, Some(&info.ty));
                self.binary(op, current, rhs, stmt.span)
            }
        };
        if !compatible(&value.ty, &info.ty) {
            return error_expr(stmt.span);
        }
        let ty = if value.ty == Type::Never {
            Type::Never
        } else {
            Type::Unit
        };
        kir::Expr {
            kind: ExprKind::Assign(local, Box::new(value)),
            ty,
            span: stmt.span,
        }
    }
}

impl Checker {
    /// `a[i].x = v` and `a[i].x += v`: writes into a place in a `var`.
    fn check_assign_place(
        &mut self,
        scope: &mut FnScope,
        target: &ast::Expr,
        op: Option<ast::BinOp>,
        value: &ast::Expr,
        stmt: &ast::Stmt,
    ) -> kir::Expr {
        if let ast::ExprKind::Index(base, key) = &target.kind {
            // `m[k] = v` and `m[k] += v` on a map: an insert.
            let mark = self.diags.len();
            let probe = self.check_expr(scope, base, None);
            let probe_diags: Vec<Diagnostic> = self.diags.drain(mark..).collect();
            if let Type::Map(..) = probe.ty {
                return self.check_assign_map(scope, base, probe, key, op, value, stmt);
            }
            drop(probe_diags);
        }
        let Some((mut place, ty)) = self.place_of(scope, target, "assign to") else {
            let _ = self.check_expr(scope, value, None);
            return error_expr(stmt.span);
        };
        let v = self.check_expr(scope, value, Some(&ty));
        let mut items = Vec::new();
        let v = match op {
            None => {
                if !self.expect_type(&v, &ty) {
                    return error_expr(stmt.span);
                }
                v
            }
            Some(op) => {
                // Index expressions are evaluated once: bind them first,
                // then read the place's current value through the same
                // temporaries.
                let mut read = kir::Expr {
                    kind: ExprKind::Local(place.root),
                    ty: scope.local(place.root).ty.clone(),
                    span: place.span,
                };
                for step in &mut place.path {
                    let elem_ty = match (&read.ty, &*step) {
                        (Type::Array(e), PlaceStep::Index(_)) => (**e).clone(),
                        (Type::Tuple(ts), PlaceStep::Field(i)) => ts[*i as usize].clone(),
                        (Type::Struct(id, _), PlaceStep::Field(i)) => {
                            self.structs[*id as usize].fields[*i as usize].1.clone()
                        }
                        _ => Type::Error,
                    };
                    let span = read.span;
                    read = match step {
                        PlaceStep::Field(i) => kir::Expr {
                            kind: ExprKind::Field(Box::new(read), *i),
                            ty: elem_ty,
                            span,
                        },
                        PlaceStep::Index(index) => {
                            let t = scope.declare_hidden(Type::Int, index.span);
                            let e = std::mem::replace(
                                index,
                                kir::Expr {
                                    kind: ExprKind::Local(t),
                                    ty: Type::Int,
                                    span: index.span,
                                },
                            );
                            items.push(kir::Expr {
                                kind: ExprKind::Let(t, Box::new(e)),
                                ty: Type::Unit,
                                span: index.span,
                            });
                            kir::Expr {
                                kind: ExprKind::Index(Box::new(read), Box::new(index.clone())),
                                ty: elem_ty,
                                span,
                            }
                        }
                    };
                }
                let combined = self.binary(op, read, v, stmt.span);
                if !compatible(&combined.ty, &ty) || combined.ty == Type::Error {
                    if combined.ty != Type::Error {
                        self.expect_type(&combined, &ty);
                    }
                    return error_expr(stmt.span);
                }
                combined
            }
        };
        let assign = kir::Expr {
            kind: ExprKind::AssignPlace(place, Box::new(v)),
            ty: Type::Unit,
            span: stmt.span,
        };
        if items.is_empty() {
            return assign;
        }
        items.push(assign);
        kir::Expr {
            kind: ExprKind::Block(items),
            ty: Type::Unit,
            span: stmt.span,
        }
    }
}

impl Checker {
    /// `m[k] = v` (an insert) and `m[k] op= v` (the current value, which
    /// must exist, combined with `v`, then inserted) on a map in a place.
    #[allow(clippy::too_many_arguments)]
    fn check_assign_map(
        &mut self,
        scope: &mut FnScope,
        base: &ast::Expr,
        probe: kir::Expr,
        key: &ast::Expr,
        op: Option<ast::BinOp>,
        value: &ast::Expr,
        stmt: &ast::Stmt,
    ) -> kir::Expr {
        let Type::Map(kt, vt) = probe.ty.clone() else {
            return error_expr(stmt.span);
        };
        let (kt, vt) = (*kt, *vt);
        let Some((place, _)) = self.place_of(scope, base, "assign to") else {
            let _ = self.check_expr(scope, key, None);
            let _ = self.check_expr(scope, value, None);
            return error_expr(stmt.span);
        };
        let k = self.check_expr(scope, key, Some(&kt));
        let v = self.check_expr(scope, value, Some(&vt));
        if !self.expect_type(&k, &kt) {
            return error_expr(stmt.span);
        }
        let span = stmt.span;
        let has_index = place.path.iter().any(|s| matches!(s, PlaceStep::Index(_)));
        let insert = |k: kir::Expr, v: kir::Expr| kir::Expr {
            kind: ExprKind::MutIntrinsic(place, Intrinsic::MapInsert, vec![k, v]),
            ty: Type::Unit,
            span,
        };
        let Some(op) = op else {
            if !self.expect_type(&v, &vt) {
                return error_expr(span);
            }
            return insert(k, v);
        };
        if has_index {
            self.unsupported(span, "compound assignment to a map inside an array");
            return error_expr(span);
        }
        // The key is evaluated once, into a temporary; the map is read
        // through the (index-free) place expression again.
        let t = scope.declare_hidden(kt.clone(), k.span);
        let kspan = k.span;
        let let_key = kir::Expr {
            kind: ExprKind::Let(t, Box::new(k)),
            ty: Type::Unit,
            span: kspan,
        };
        let key_read = || kir::Expr {
            kind: ExprKind::Local(t),
            ty: kt.clone(),
            span: kspan,
        };
        let current = Self::intrinsic(
            Intrinsic::MapIndex,
            vec![probe, key_read()],
            vt.clone(),
            span,
        );
        let combined = self.binary(op, current, v, span);
        if !compatible(&combined.ty, &vt) || combined.ty == Type::Error {
            if combined.ty != Type::Error {
                self.expect_type(&combined, &vt);
            }
            return error_expr(span);
        }
        kir::Expr {
            kind: ExprKind::Block(vec![let_key, insert(key_read(), combined)]),
            ty: Type::Unit,
            span,
        }
    }
}

/// Wraps an expression whose value is not used so the result is `()`.
pub(super) fn discard(e: kir::Expr) -> kir::Expr {
    if matches!(e.ty, Type::Unit | Type::Never | Type::Error) {
        return e;
    }
    let span = e.span;
    kir::Expr {
        kind: ExprKind::Block(vec![e, unit(span)]),
        ty: Type::Unit,
        span,
    }
}

pub(super) fn unit(span: crate::span::Span) -> kir::Expr {
    kir::Expr {
        kind: ExprKind::Unit,
        ty: Type::Unit,
        span,
    }
}
