//! A compact, readable rendering of the AST (`--emit ast`).
//!
//! Consumes a [`Module`] (or one expression, pattern or type) and
//! produces S-expression-like text: operators and calls in prefix form with
//! explicit parentheses, so precedence is visible, and statements of a
//! block on their own indented lines. Spans are not shown. It does not
//! round-trip to source.

use std::fmt::Write;

use super::ast::*;

/// Renders a whole module, one item after another.
pub fn module(m: &Module) -> String {
    let mut p = Printer::default();
    for item in &m.items {
        p.item(item);
        p.out.push('\n');
    }
    p.out
}

/// Renders one expression on one line (blocks included).
pub fn expr(e: &Expr) -> String {
    let mut p = Printer {
        flat: true,
        ..Printer::default()
    };
    p.expr(e);
    p.out
}

/// Renders one pattern.
pub fn pattern(pat: &Pattern) -> String {
    let mut p = Printer::default();
    p.pattern(pat);
    p.out
}

/// Renders one type.
pub fn type_expr(t: &TypeExpr) -> String {
    let mut p = Printer::default();
    p.ty(t);
    p.out
}

/// Renders one statement on one line.
pub fn stmt(s: &Stmt) -> String {
    let mut p = Printer {
        flat: true,
        ..Printer::default()
    };
    p.stmt(s);
    p.out
}

#[derive(Default)]
struct Printer {
    out: String,
    indent: usize,
    /// Blocks on one line (`{a; b}`) instead of indented lines.
    flat: bool,
}

impl Printer {
    fn w(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
    }

    fn list<T>(&mut self, items: &[T], sep: &str, mut f: impl FnMut(&mut Self, &T)) {
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                self.w(sep);
            }
            f(self, x);
        }
    }

    fn item(&mut self, item: &Item) {
        if let Some(doc) = &item.doc {
            for line in doc.lines() {
                self.w("/// ");
                self.w(line);
                self.newline();
            }
        }
        if item.is_pub {
            self.w("pub ");
        }
        match &item.kind {
            ItemKind::Fn(f) => {
                self.w("fn ");
                self.w(&f.name.name);
                self.generics(&f.generics);
                self.w("(");
                let mut first = true;
                if let Some(s) = &f.self_param {
                    self.w(if s.mutable { "var self" } else { "self" });
                    first = false;
                }
                for p in &f.params {
                    if !first {
                        self.w(", ");
                    }
                    first = false;
                    if p.mutable {
                        self.w("var ");
                    }
                    self.w(&p.name.name);
                    self.w(": ");
                    self.ty(&p.ty);
                }
                self.w(")");
                if let Some(r) = &f.ret {
                    self.w(" -> ");
                    self.ty(r);
                }
                self.w(" ");
                self.block(&f.body);
            }
            ItemKind::Const(c) => {
                self.w("const ");
                self.w(&c.name.name);
                if let Some(t) = &c.ty {
                    self.w(": ");
                    self.ty(t);
                }
                self.w(" = ");
                self.expr(&c.value);
            }
            ItemKind::Struct(s) => {
                self.w("struct ");
                self.w(&s.name.name);
                self.generics(&s.generics);
                self.w(" {");
                self.list(&s.fields, ",", |p, f| {
                    p.w(" ");
                    p.w(&f.name.name);
                    p.w(": ");
                    p.ty(&f.ty);
                });
                self.w(" }");
            }
            ItemKind::Enum(e) => {
                self.w("enum ");
                self.w(&e.name.name);
                self.generics(&e.generics);
                self.w(" {");
                self.list(&e.variants, ",", |p, v| {
                    p.w(" ");
                    p.w(&v.name.name);
                    if !v.fields.is_empty() {
                        p.w("(");
                        p.list(&v.fields, ", ", |p, t| p.ty(t));
                        p.w(")");
                    }
                });
                self.w(" }");
            }
            ItemKind::Impl(i) => {
                self.w("impl");
                self.generics(&i.generics);
                self.w(" ");
                if i.is_array() {
                    self.w("[");
                    self.list(&i.target_args, ", ", |p, t| p.ty(t));
                    self.w("]");
                } else {
                    self.w(&i.target.name);
                }
                if !i.target_args.is_empty() && !i.is_array() {
                    self.w("<");
                    self.list(&i.target_args, ", ", |p, t| p.ty(t));
                    self.w(">");
                }
                self.w(" {");
                self.indent += 1;
                for it in &i.items {
                    self.newline();
                    self.item(it);
                }
                self.indent -= 1;
                self.newline();
                self.w("}");
            }
            ItemKind::Import(name) => {
                self.w("import ");
                self.w(&name.name);
            }
            ItemKind::Error => self.w("<error>"),
        }
    }

    fn generics(&mut self, g: &[Ident]) {
        if !g.is_empty() {
            self.w("<");
            self.list(g, ", ", |p, i| p.w(&i.name));
            self.w(">");
        }
    }

    fn block(&mut self, b: &Block) {
        if self.flat {
            self.w("{");
            self.list(&b.stmts, "; ", |p, s| p.stmt(s));
            self.w("}");
            return;
        }
        self.w("{");
        self.indent += 1;
        for s in &b.stmts {
            self.newline();
            self.stmt(s);
        }
        self.indent -= 1;
        if !b.stmts.is_empty() {
            self.newline();
        }
        self.w("}");
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let {
                pattern,
                mutable,
                ty,
                value,
            } => {
                self.w(if *mutable { "(var " } else { "(let " });
                self.pattern(pattern);
                if let Some(t) = ty {
                    self.w(": ");
                    self.ty(t);
                }
                self.w(" ");
                self.expr(value);
                self.w(")");
            }
            StmtKind::Assign { target, op, value } => {
                self.w("(");
                if let Some(op) = op {
                    self.w(op.symbol());
                }
                self.w("= ");
                self.expr(target);
                self.w(" ");
                self.expr(value);
                self.w(")");
            }
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Item(i) => self.item(i),
            StmtKind::Error => self.w("<error>"),
        }
    }

    fn head(&mut self, name: &str, args: &[&Expr]) {
        self.w("(");
        self.w(name);
        for a in args {
            self.w(" ");
            self.expr(a);
        }
        self.w(")");
    }

    fn expr(&mut self, e: &Expr) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expr_inner(e));
    }

    fn expr_inner(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int(n) => {
                let _ = write!(self.out, "{n}");
            }
            ExprKind::Float(x) => {
                let _ = write!(self.out, "{x:?}");
            }
            ExprKind::Bool(b) => {
                let _ = write!(self.out, "{b}");
            }
            ExprKind::Str(parts) => match parts.as_slice() {
                [StrPart::Lit(s)] => {
                    let _ = write!(self.out, "{s:?}");
                }
                parts => {
                    self.w("(str");
                    for p in parts {
                        self.w(" ");
                        match p {
                            StrPart::Lit(s) => {
                                let _ = write!(self.out, "{s:?}");
                            }
                            StrPart::Expr(x) => self.expr(x),
                        }
                    }
                    self.w(")");
                }
            },
            ExprKind::Unit => self.w("()"),
            ExprKind::Name(i) => self.w(&i.name),
            ExprKind::Path(m, a, b) => {
                if let Some(m) = m {
                    self.w(&m.name);
                    self.w(".");
                }
                self.w(&a.name);
                self.w("::");
                self.w(&b.name);
            }
            ExprKind::Field(x, name) => {
                self.w("(. ");
                self.expr(x);
                self.w(" ");
                self.w(&name.name);
                self.w(")");
            }
            ExprKind::TupleField(x, n, _) => {
                self.w("(. ");
                self.expr(x);
                let _ = write!(self.out, " {n})");
            }
            ExprKind::Call(f, args) => {
                self.w("(call ");
                self.expr(f);
                for a in args {
                    self.w(" ");
                    self.expr(a);
                }
                self.w(")");
            }
            ExprKind::MethodCall(r, name, args) => {
                self.w("(.");
                self.w(&name.name);
                self.w(" ");
                self.expr(r);
                for a in args {
                    self.w(" ");
                    self.expr(a);
                }
                self.w(")");
            }
            ExprKind::Index(a, i) => self.head("index", &[a, i]),
            ExprKind::Unary(op, x) => self.head(
                match op {
                    UnOp::Neg => "-",
                    UnOp::Not => "!",
                },
                &[x],
            ),
            ExprKind::Binary(op, a, b) => self.head(op.symbol(), &[a, b]),
            ExprKind::Range {
                start,
                end,
                inclusive,
            } => self.head(if *inclusive { "..=" } else { ".." }, &[start, end]),
            ExprKind::Try(x) => self.head("?", &[x]),
            ExprKind::Array(items) => {
                self.w("[");
                self.list(items, " ", |p, x| p.expr(x));
                self.w("]");
            }
            ExprKind::ArrayRepeat(v, n) => self.head("repeat", &[v, n]),
            ExprKind::Map(pairs) => {
                self.w("(map");
                for (k, v) in pairs {
                    self.w(" (");
                    self.expr(k);
                    self.w(" ");
                    self.expr(v);
                    self.w(")");
                }
                self.w(")");
            }
            ExprKind::Tuple(items) => {
                self.w("(tuple");
                for x in items {
                    self.w(" ");
                    self.expr(x);
                }
                self.w(")");
            }
            ExprKind::StructLit {
                module,
                name,
                fields,
            } => {
                self.w("(new ");
                if let Some(m) = module {
                    self.w(&m.name);
                    self.w(".");
                }
                self.w(&name.name);
                for (f, v) in fields {
                    self.w(" (");
                    self.w(&f.name);
                    if let Some(v) = v {
                        self.w(" ");
                        self.expr(v);
                    }
                    self.w(")");
                }
                self.w(")");
            }
            ExprKind::Block(b) => self.block(b),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.w("(if ");
                self.expr(cond);
                self.w(" ");
                self.block(then);
                if let Some(o) = otherwise {
                    self.w(" ");
                    self.expr(o);
                }
                self.w(")");
            }
            ExprKind::While { cond, body } => {
                self.w("(while ");
                self.expr(cond);
                self.w(" ");
                self.block(body);
                self.w(")");
            }
            ExprKind::Loop(b) => {
                self.w("(loop ");
                self.block(b);
                self.w(")");
            }
            ExprKind::For {
                pattern,
                iter,
                body,
            } => {
                self.w("(for ");
                self.pattern(pattern);
                self.w(" ");
                self.expr(iter);
                self.w(" ");
                self.block(body);
                self.w(")");
            }
            ExprKind::Match { scrutinee, arms } => {
                self.w("(match ");
                self.expr(scrutinee);
                for a in arms {
                    self.w(" (");
                    self.pattern(&a.pattern);
                    if let Some(g) = &a.guard {
                        self.w(" if ");
                        self.expr(g);
                    }
                    self.w(" => ");
                    self.expr(&a.body);
                    self.w(")");
                }
                self.w(")");
            }
            ExprKind::Closure { params, ret, body } => {
                self.w("(closure |");
                self.list(params, ", ", |p, c| {
                    p.w(&c.name.name);
                    if let Some(t) = &c.ty {
                        p.w(": ");
                        p.ty(t);
                    }
                });
                self.w("|");
                if let Some(r) = ret {
                    self.w(" -> ");
                    self.ty(r);
                }
                self.w(" ");
                self.expr(body);
                self.w(")");
            }
            ExprKind::Break => self.w("break"),
            ExprKind::Continue => self.w("continue"),
            ExprKind::Return(None) => self.w("(return)"),
            ExprKind::Return(Some(x)) => self.head("return", &[x]),
            ExprKind::Spawn(x) => self.head("spawn", &[x]),
            ExprKind::Chan { elem, capacity } => {
                self.w("(chan ");
                self.ty(elem);
                if let Some(c) = capacity {
                    self.w(" ");
                    self.expr(c);
                }
                self.w(")");
            }
            ExprKind::Select(arms) => {
                self.w("(select");
                for a in arms {
                    self.w(" (");
                    match &a.op {
                        SelectOp::Let(p, x) => {
                            self.w("let ");
                            self.pattern(p);
                            self.w(" = ");
                            self.expr(x);
                        }
                        SelectOp::Expr(x) => self.expr(x),
                        SelectOp::Default => self.w("_"),
                    }
                    self.w(" => ");
                    self.expr(&a.body);
                    self.w(")");
                }
                self.w(")");
            }
            ExprKind::Error => self.w("<error>"),
        }
    }

    fn pattern(&mut self, p: &Pattern) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.pattern_inner(p));
    }

    fn pattern_inner(&mut self, p: &Pattern) {
        match &p.kind {
            PatternKind::Wildcard => self.w("_"),
            PatternKind::Binding(i) => self.w(&i.name),
            PatternKind::Int(n) => {
                let _ = write!(self.out, "{n}");
            }
            PatternKind::Float(x) => {
                let _ = write!(self.out, "{x:?}");
            }
            PatternKind::Str(s) => {
                let _ = write!(self.out, "{s:?}");
            }
            PatternKind::Bool(b) => {
                let _ = write!(self.out, "{b}");
            }
            PatternKind::Unit => self.w("()"),
            PatternKind::Range {
                start,
                end,
                inclusive,
            } => {
                let op = if *inclusive { "..=" } else { ".." };
                let _ = write!(self.out, "{start}{op}{end}");
            }
            PatternKind::Tuple(ps) => {
                self.w("(");
                self.list(ps, ", ", |p, q| p.pattern(q));
                self.w(")");
            }
            PatternKind::Variant {
                module,
                enum_name,
                name,
                args,
            } => {
                if let Some(m) = module {
                    self.w(&m.name);
                    self.w(".");
                }
                if let Some(e) = enum_name {
                    self.w(&e.name);
                    self.w("::");
                }
                self.w(&name.name);
                if !args.is_empty() {
                    self.w("(");
                    self.list(args, ", ", |p, q| p.pattern(q));
                    self.w(")");
                }
            }
            PatternKind::Struct {
                module,
                name,
                fields,
            } => {
                if let Some(m) = module {
                    self.w(&m.name);
                    self.w(".");
                }
                self.w(&name.name);
                self.w(" {");
                self.list(fields, ",", |p, (f, q)| {
                    p.w(" ");
                    p.w(&f.name);
                    if let Some(q) = q {
                        p.w(": ");
                        p.pattern(q);
                    }
                });
                self.w(" }");
            }
            PatternKind::Or(ps) => {
                self.w("(");
                self.list(ps, " | ", |p, q| p.pattern(q));
                self.w(")");
            }
            PatternKind::Error => self.w("<error>"),
        }
    }

    fn ty(&mut self, t: &TypeExpr) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.ty_inner(t));
    }

    fn ty_inner(&mut self, t: &TypeExpr) {
        match &t.kind {
            TypeExprKind::Named { module, name, args } => {
                if let Some(m) = module {
                    self.w(&m.name);
                    self.w(".");
                }
                self.w(&name.name);
                if !args.is_empty() {
                    self.w("<");
                    self.list(args, ", ", |p, a| p.ty(a));
                    self.w(">");
                }
            }
            TypeExprKind::Array(a) => {
                self.w("[");
                self.ty(a);
                self.w("]");
            }
            TypeExprKind::Tuple(ts) => {
                self.w("(");
                self.list(ts, ", ", |p, a| p.ty(a));
                self.w(")");
            }
            TypeExprKind::Fn { params, ret } => {
                self.w("fn(");
                self.list(params, ", ", |p, a| p.ty(a));
                self.w(")");
                if let Some(r) = ret {
                    self.w(" -> ");
                    self.ty(r);
                }
            }
            TypeExprKind::SelfType => self.w("Self"),
            TypeExprKind::Error => self.w("<error>"),
        }
    }
}
