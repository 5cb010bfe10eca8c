//! A guard on how deeply the syntax tree nests.
//!
//! Consumes a parsed [`Item`]; reports the first node nested deeper than
//! [`MAX_AST_DEPTH`] (counting expressions, patterns and types). The parser
//! replaces such an item by an error item, so later stages, which walk the
//! tree recursively, never see more than [`MAX_AST_DEPTH`] levels. The walk
//! itself stops at the limit, so it never recurses deeper than that. It does
//! not change the tree.

use super::ast::*;
use crate::span::Span;

/// The deepest nesting of expressions, patterns and types the parser hands
/// on to later stages.
pub const MAX_AST_DEPTH: usize = 2000;

/// The span of the first node (in walk order) deeper than [`MAX_AST_DEPTH`].
pub(crate) fn find_too_deep(item: &Item) -> Option<Span> {
    let mut w = Walker { found: None };
    w.item(item, 0);
    w.found
}

struct Walker {
    found: Option<Span>,
}

impl Walker {
    /// Enters a node at `depth`; false (and the node recorded) when it is
    /// too deep or a too-deep node was already found.
    fn enter(&mut self, depth: usize, span: Span) -> bool {
        if self.found.is_some() {
            return false;
        }
        if depth > MAX_AST_DEPTH {
            self.found = Some(span);
            return false;
        }
        true
    }

    fn item(&mut self, item: &Item, depth: usize) {
        if !self.enter(depth, item.span) {
            return;
        }
        match &item.kind {
            ItemKind::Fn(f) => {
                for p in &f.params {
                    self.ty(&p.ty, depth + 1);
                }
                if let Some(r) = &f.ret {
                    self.ty(r, depth + 1);
                }
                self.block(&f.body, depth + 1);
            }
            ItemKind::Const(c) => {
                if let Some(t) = &c.ty {
                    self.ty(t, depth + 1);
                }
                self.expr(&c.value, depth + 1);
            }
            ItemKind::Struct(s) => {
                for f in &s.fields {
                    self.ty(&f.ty, depth + 1);
                }
            }
            ItemKind::Enum(e) => {
                for v in &e.variants {
                    for t in &v.fields {
                        self.ty(t, depth + 1);
                    }
                }
            }
            ItemKind::Impl(i) => {
                for t in &i.target_args {
                    self.ty(t, depth + 1);
                }
                for it in &i.items {
                    self.item(it, depth + 1);
                }
            }
            ItemKind::Import(_) | ItemKind::Error => {}
        }
    }

    fn block(&mut self, b: &Block, depth: usize) {
        if !self.enter(depth, b.span) {
            return;
        }
        for s in &b.stmts {
            match &s.kind {
                StmtKind::Let {
                    pattern, ty, value, ..
                } => {
                    self.pattern(pattern, depth + 1);
                    if let Some(t) = ty {
                        self.ty(t, depth + 1);
                    }
                    self.expr(value, depth + 1);
                }
                StmtKind::Assign { target, value, .. } => {
                    self.expr(target, depth + 1);
                    self.expr(value, depth + 1);
                }
                StmtKind::Expr(e) => self.expr(e, depth + 1),
                StmtKind::Item(i) => self.item(i, depth + 1),
                StmtKind::Error => {}
            }
        }
    }

    fn expr(&mut self, e: &Expr, depth: usize) {
        if !self.enter(depth, e.span) {
            return;
        }
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            self.expr_kind(&e.kind, depth + 1)
        });
    }

    fn exprs(&mut self, es: &[Expr], depth: usize) {
        for e in es {
            self.expr(e, depth);
        }
    }

    fn expr_kind(&mut self, kind: &ExprKind, d: usize) {
        match kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::Unit
            | ExprKind::Name(_)
            | ExprKind::Path(..)
            | ExprKind::Break
            | ExprKind::Continue
            | ExprKind::Error => {}
            ExprKind::Str(parts) => {
                for p in parts {
                    if let StrPart::Expr(e) = p {
                        self.expr(e, d);
                    }
                }
            }
            ExprKind::Field(e, _) | ExprKind::TupleField(e, ..) | ExprKind::Try(e) => {
                self.expr(e, d)
            }
            ExprKind::Unary(_, e) | ExprKind::Spawn(e) => self.expr(e, d),
            ExprKind::Call(f, args) => {
                self.expr(f, d);
                self.exprs(args, d);
            }
            ExprKind::MethodCall(r, _, args) => {
                self.expr(r, d);
                self.exprs(args, d);
            }
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) | ExprKind::ArrayRepeat(a, b) => {
                self.expr(a, d);
                self.expr(b, d);
            }
            ExprKind::Range { start, end, .. } => {
                self.expr(start, d);
                self.expr(end, d);
            }
            ExprKind::Array(es) | ExprKind::Tuple(es) => self.exprs(es, d),
            ExprKind::Map(kvs) => {
                for (k, v) in kvs {
                    self.expr(k, d);
                    self.expr(v, d);
                }
            }
            ExprKind::StructLit { fields, .. } => {
                for (_, v) in fields {
                    if let Some(v) = v {
                        self.expr(v, d);
                    }
                }
            }
            ExprKind::Block(b) | ExprKind::Loop(b) => self.block(b, d),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond, d);
                self.block(then, d);
                if let Some(o) = otherwise {
                    self.expr(o, d);
                }
            }
            ExprKind::While { cond, body } => {
                self.expr(cond, d);
                self.block(body, d);
            }
            ExprKind::For {
                pattern,
                iter,
                body,
            } => {
                self.pattern(pattern, d);
                self.expr(iter, d);
                self.block(body, d);
            }
            ExprKind::Match { scrutinee, arms } => {
                self.expr(scrutinee, d);
                for a in arms {
                    self.pattern(&a.pattern, d);
                    if let Some(g) = &a.guard {
                        self.expr(g, d);
                    }
                    self.expr(&a.body, d);
                }
            }
            ExprKind::Closure { params, ret, body } => {
                for p in params {
                    if let Some(t) = &p.ty {
                        self.ty(t, d);
                    }
                }
                if let Some(t) = ret {
                    self.ty(t, d);
                }
                self.expr(body, d);
            }
            ExprKind::Return(e) => {
                if let Some(e) = e {
                    self.expr(e, d);
                }
            }
            ExprKind::Chan { elem, capacity } => {
                self.ty(elem, d);
                if let Some(c) = capacity {
                    self.expr(c, d);
                }
            }
            ExprKind::Select(arms) => {
                for a in arms {
                    match &a.op {
                        SelectOp::Let(p, e) => {
                            self.pattern(p, d);
                            self.expr(e, d);
                        }
                        SelectOp::Expr(e) => self.expr(e, d),
                        SelectOp::Default => {}
                    }
                    self.expr(&a.body, d);
                }
            }
        }
    }

    fn pattern(&mut self, p: &Pattern, depth: usize) {
        if !self.enter(depth, p.span) {
            return;
        }
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match &p.kind {
            PatternKind::Tuple(ps)
            | PatternKind::Or(ps)
            | PatternKind::Variant { args: ps, .. } => {
                for q in ps {
                    self.pattern(q, depth + 1);
                }
            }
            PatternKind::Struct { fields, .. } => {
                for (_, q) in fields {
                    if let Some(q) = q {
                        self.pattern(q, depth + 1);
                    }
                }
            }
            _ => {}
        });
    }

    fn ty(&mut self, t: &TypeExpr, depth: usize) {
        if !self.enter(depth, t.span) {
            return;
        }
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match &t.kind {
            TypeExprKind::Named { args, .. } => {
                for a in args {
                    self.ty(a, depth + 1);
                }
            }
            TypeExprKind::Array(a) => self.ty(a, depth + 1),
            TypeExprKind::Tuple(ts) => {
                for a in ts {
                    self.ty(a, depth + 1);
                }
            }
            TypeExprKind::Fn { params, ret } => {
                for a in params {
                    self.ty(a, depth + 1);
                }
                if let Some(r) = ret {
                    self.ty(r, depth + 1);
                }
            }
            TypeExprKind::SelfType | TypeExprKind::Error => {}
        });
    }
}

/// Drops a syntax tree of any depth without overflowing the stack (drop
/// glue recurses once per level). `size_hint` bounds the depth, e.g. the
/// number of tokens it was parsed from.
pub(crate) fn drop_deep<T>(value: T, size_hint: usize) {
    let stack = (size_hint.saturating_mul(1024)).clamp(1 << 20, 1 << 30);
    stacker::grow(stack, move || drop(value));
}
