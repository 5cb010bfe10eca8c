//! Composite values: array, tuple and struct literals, field access,
//! indexing and slicing, places (`a[i].x = v`), and `for` over arrays.

use super::items::{error_expr, has_error};
use super::scope::FnScope;
use super::suggest::{closest, did_you_mean};
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, ExprKind, LocalId, Place, PlaceStep, StructId};
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast;

fn expr(kind: ExprKind, ty: Type, span: Span) -> kir::Expr {
    kir::Expr { kind, ty, span }
}

impl Checker {
    pub(super) fn check_array_lit(
        &mut self,
        scope: &mut FnScope,
        items: &[ast::Expr],
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let mut elem = match expected {
            Some(Type::Array(e)) => Some((**e).clone()),
            _ => None,
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let v = self.check_expr(scope, item, elem.as_ref());
            match &elem {
                Some(t) => {
                    self.expect_type(&v, t);
                }
                None if !matches!(v.ty, Type::Never) => elem = Some(v.ty.clone()),
                None => {}
            }
            out.push(v);
        }
        let Some(elem) = elem else {
            self.error(
                Diagnostic::error(
                    "E0304",
                    "cannot infer the element type of this array",
                    span,
                    "the type of `[]` is not known here",
                )
                .with_help("annotate it: `let xs: [int] = []`"),
            );
            return error_expr(span);
        };
        expr(ExprKind::ArrayLit(out), Type::Array(Box::new(elem)), span)
    }

    /// `["a": 1, "b": 2]` and `[:]`: lowered to a new map in a temporary
    /// and one insert per pair, in order (a repeated key keeps the last
    /// value).
    pub(super) fn check_map_lit(
        &mut self,
        scope: &mut FnScope,
        pairs: &[(ast::Expr, ast::Expr)],
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let (mut key, mut value) = match expected {
            Some(Type::Map(k, v)) => (Some((**k).clone()), Some((**v).clone())),
            _ => (None, None),
        };
        let mut out = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            let k = self.check_expr(scope, k, key.as_ref());
            let v = self.check_expr(scope, v, value.as_ref());
            for (e, t) in [(&k, &mut key), (&v, &mut value)] {
                match t {
                    Some(t) => {
                        self.expect_type(e, t);
                    }
                    None if !matches!(e.ty, Type::Never) => *t = Some(e.ty.clone()),
                    None => {}
                }
            }
            out.push((k, v));
        }
        let (Some(key), Some(value)) = (key, value) else {
            self.error(
                Diagnostic::error(
                    "E0304",
                    "cannot infer the key and value types of this map",
                    span,
                    "the type of `[:]` is not known here",
                )
                .with_help("annotate it: `let m: Map<str, int> = [:]`"),
            );
            return error_expr(span);
        };
        if expected.is_none_or(|t| !matches!(t, Type::Map(..))) {
            let kspan = out.first().map_or(span, |(k, _)| k.span);
            if !self.check_map_key(&key, kspan) {
                return error_expr(span);
            }
        }
        let ty = Type::Map(Box::new(key), Box::new(value));
        if has_error(&ty)
            || out
                .iter()
                .any(|(k, v)| has_error(&k.ty) || has_error(&v.ty))
        {
            return error_expr(span);
        }
        let t = scope.declare_hidden(ty.clone(), span);
        scope.locals[t.0 as usize].mutable = true;
        let new = Self::intrinsic(kir::Intrinsic::MapNew, Vec::new(), ty.clone(), span);
        let mut items = vec![expr(ExprKind::Let(t, Box::new(new)), Type::Unit, span)];
        for (k, v) in out {
            let s = k.span;
            let place = Place {
                root: t,
                path: Vec::new(),
                span: s,
            };
            items.push(expr(
                ExprKind::MutIntrinsic(place, kir::Intrinsic::MapInsert, vec![k, v]),
                Type::Unit,
                s,
            ));
        }
        items.push(expr(ExprKind::Local(t), ty.clone(), span));
        expr(ExprKind::Block(items), ty, span)
    }

    pub(super) fn check_array_repeat(
        &mut self,
        scope: &mut FnScope,
        value: &ast::Expr,
        count: &ast::Expr,
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let elem = match expected {
            Some(Type::Array(e)) => Some((**e).clone()),
            _ => None,
        };
        let v = self.check_expr(scope, value, elem.as_ref());
        let n = self.check_expr(scope, count, Some(&Type::Int));
        self.expect_type(&n, &Type::Int);
        let ty = Type::Array(Box::new(v.ty.clone()));
        expr(ExprKind::ArrayRepeat(Box::new(v), Box::new(n)), ty, span)
    }

    pub(super) fn check_tuple(
        &mut self,
        scope: &mut FnScope,
        items: &[ast::Expr],
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let hints: Vec<Type> = match expected {
            Some(Type::Tuple(ts)) if ts.len() == items.len() => ts.clone(),
            _ => Vec::new(),
        };
        let out: Vec<kir::Expr> = items
            .iter()
            .enumerate()
            .map(|(i, e)| self.check_expr(scope, e, hints.get(i)))
            .collect();
        let ty = Type::Tuple(out.iter().map(|e| e.ty.clone()).collect());
        expr(ExprKind::TupleLit(out), ty, span)
    }

    /// The struct a name in a literal refers to (`Self`, `Point` or
    /// `geometry.Point`); reports a name that names none.
    fn struct_named(&mut self, module: Option<&ast::Ident>, name: &ast::Ident) -> Option<u32> {
        match self.path_owner(module, name) {
            Some(Type::Struct(id, _)) => return Some(id),
            Some(Type::Error) => return None,
            _ => {}
        }
        let d = Diagnostic::error(
            "E0203",
            format!("unknown struct `{}`", name.name),
            name.span,
            "no struct with this name",
        );
        let names = self.visible_keys(self.struct_ids.keys());
        self.error(did_you_mean(
            d,
            &name.name,
            names.iter().map(String::as_str),
        ));
        None
    }

    /// `Name { field: value, .. }`, `module.Name { .. }` or `Self { .. }`.
    pub(super) fn check_struct_lit(
        &mut self,
        scope: &mut FnScope,
        module: Option<&ast::Ident>,
        name: &ast::Ident,
        fields: &[(ast::Ident, Option<ast::Expr>)],
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        if let Some(gt) = self.generic_type_at(module, name) {
            return self.check_generic_struct_lit(scope, gt, fields, expected, span);
        }
        let Some(id) = self.struct_named(module, name) else {
            for (_, v) in fields {
                if let Some(v) = v {
                    let _ = self.check_expr(scope, v, None);
                }
            }
            return error_expr(span);
        };
        let info = self.structs[id as usize].clone();
        let names: Vec<&str> = info.fields.iter().map(|(n, _, _)| n.as_str()).collect();
        let Some((order, exprs)) = self.literal_fields(scope, &info.name, &names, fields, span)
        else {
            return error_expr(span);
        };
        let values = order
            .iter()
            .zip(&exprs)
            .map(|(&i, e)| self.check_expr(scope, e, Some(&info.fields[i].1)))
            .collect();
        self.struct_value(scope, id, &order, values, span)
    }

    /// Matches the fields a struct literal gives against the declared
    /// field `names` of struct `what`: the index of each, in source order,
    /// and its value as written (a field without one is its own name).
    /// Reports unknown fields, fields given twice and missing ones, and
    /// returns `None` then (the values of the first two are checked alone).
    pub(super) fn literal_fields(
        &mut self,
        scope: &mut FnScope,
        what: &str,
        names: &[&str],
        fields: &[(ast::Ident, Option<ast::Expr>)],
        span: Span,
    ) -> Option<(Vec<usize>, Vec<ast::Expr>)> {
        let mut ok = true;
        let mut order: Vec<usize> = Vec::with_capacity(fields.len());
        let mut exprs = Vec::with_capacity(fields.len());
        for (fname, value) in fields {
            let index = names.iter().position(|n| *n == fname.name);
            let d = match index {
                None => {
                    let d = Diagnostic::error(
                        "E0204",
                        format!("struct `{what}` has no field `{}`", fname.name),
                        fname.span,
                        "unknown field",
                    );
                    did_you_mean(d, &fname.name, names.iter().copied())
                }
                Some(i) if order.contains(&i) => Diagnostic::error(
                    "E0202",
                    format!("field `{}` is given more than once", fname.name),
                    fname.span,
                    "given again here",
                ),
                Some(i) => {
                    order.push(i);
                    exprs.push(value.clone().unwrap_or(ast::Expr {
                        kind: ast::ExprKind::Name(fname.clone()),
                        span: fname.span,
                    }));
                    continue;
                }
            };
            self.error(d);
            if let Some(v) = value {
                let _ = self.check_expr(scope, v, None);
            }
            ok = false;
        }
        let missing: Vec<String> = (0..names.len())
            .filter(|i| !order.contains(i))
            .map(|i| format!("`{}`", names[i]))
            .collect();
        if ok && !missing.is_empty() {
            self.error(Diagnostic::error(
                "E0305",
                format!(
                    "missing field{} {} in `{what}`",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", "),
                ),
                span,
                "every field needs a value",
            ));
            ok = false;
        }
        ok.then_some((order, exprs))
    }

    /// The value of struct `id` from the values of a literal, in source
    /// order (`values[k]` is field `order[k]`; every field is given once).
    /// Reports a value of the wrong type.
    pub(super) fn struct_value(
        &mut self,
        scope: &mut FnScope,
        id: u32,
        order: &[usize],
        values: Vec<kir::Expr>,
        span: Span,
    ) -> kir::Expr {
        let info = self.structs[id as usize].clone();
        let mut ok = values.len() == info.fields.len();
        for (v, &i) in values.iter().zip(order) {
            ok &= info
                .fields
                .get(i)
                .is_some_and(|(_, t, _)| self.expect_type(v, t));
        }
        if !ok {
            return error_expr(span);
        }
        let ty = Type::Struct(id, info.name.clone());
        // Fields are evaluated in source order; when that differs from the
        // declaration order, bind them to temporaries first.
        if order.windows(2).all(|w| w[0] < w[1]) {
            return expr(ExprKind::StructLit(StructId(id), values), ty, span);
        }
        let mut temps = vec![LocalId(0); values.len()];
        let mut items = Vec::with_capacity(values.len() + 1);
        for (v, &index) in values.into_iter().zip(order) {
            let t = scope.declare_hidden(v.ty.clone(), v.span);
            temps[index] = t;
            items.push(expr(ExprKind::Let(t, Box::new(v)), Type::Unit, span));
        }
        let reads = temps
            .iter()
            .zip(&info.fields)
            .map(|(t, (_, fty, _))| expr(ExprKind::Local(*t), fty.clone(), span))
            .collect();
        items.push(expr(
            ExprKind::StructLit(StructId(id), reads),
            ty.clone(),
            span,
        ));
        expr(ExprKind::Block(items), ty, span)
    }

    /// `base.name`: a struct field.
    pub(super) fn check_field(
        &mut self,
        base: kir::Expr,
        name: &ast::Ident,
        span: Span,
    ) -> kir::Expr {
        match self.field_index(&base.ty, name) {
            Some((i, ty)) => expr(ExprKind::Field(Box::new(base), i), ty, span),
            None => error_expr(span),
        }
    }

    /// The slot and type of field `name` of a value of type `ty`; reports
    /// and returns `None` when there is none.
    fn field_index(&mut self, ty: &Type, name: &ast::Ident) -> Option<(u32, Type)> {
        match ty {
            Type::Error => None,
            Type::Struct(id, sname) => {
                let info = &self.structs[*id as usize];
                if let Some(i) = info.fields.iter().position(|(n, _, _)| *n == name.name) {
                    return Some((i as u32, info.fields[i].1.clone()));
                }
                let is_method = self.methods.contains_key(&(ty.clone(), name.name.clone()));
                let mut d = Diagnostic::error(
                    "E0204",
                    format!("no field `{}` on type `{sname}`", name.name),
                    name.span,
                    "unknown field",
                );
                if is_method {
                    d = d.with_help(format!(
                        "`{}` is a method: call it with `.{}()`",
                        name.name, name.name
                    ));
                } else if let Some(s) =
                    closest(&name.name, info.fields.iter().map(|(n, _, _)| n.as_str()))
                {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.error(d);
                None
            }
            other => {
                self.error(Diagnostic::error(
                    "E0204",
                    format!("no field `{}` on type `{other}`", name.name),
                    name.span,
                    "unknown field",
                ));
                None
            }
        }
    }

    /// `base.0`: a tuple element.
    pub(super) fn tuple_index(&mut self, ty: &Type, index: u32, span: Span) -> Option<Type> {
        match ty {
            Type::Error => None,
            Type::Tuple(ts) => match ts.get(index as usize) {
                Some(t) => Some(t.clone()),
                None => {
                    self.error(Diagnostic::error(
                        "E0204",
                        format!("no field `{index}` on type `{ty}`"),
                        span,
                        format!("this tuple has {} elements", ts.len()),
                    ));
                    None
                }
            },
            other => {
                self.error(Diagnostic::error(
                    "E0204",
                    format!("no field `{index}` on type `{other}`"),
                    span,
                    "only tuples have numbered fields",
                ));
                None
            }
        }
    }

    /// `base[index]` and `base[a..b]`.
    pub(super) fn check_index(
        &mut self,
        scope: &mut FnScope,
        base: &ast::Expr,
        index: &ast::Expr,
        span: Span,
    ) -> kir::Expr {
        let b = self.check_expr(scope, base, None);
        if let ast::ExprKind::Range {
            start,
            end,
            inclusive,
        } = &index.kind
        {
            let start = self.check_expr(scope, start, Some(&Type::Int));
            let mut end = self.check_expr(scope, end, Some(&Type::Int));
            let ok = self.expect_type(&start, &Type::Int) & self.expect_type(&end, &Type::Int);
            if *inclusive {
                let one = expr(ExprKind::Int(1), Type::Int, end.span);
                let s = end.span;
                end = expr(
                    ExprKind::Binary(ast::BinOp::Add, Box::new(end), Box::new(one)),
                    Type::Int,
                    s,
                );
            }
            let ty = match &b.ty {
                Type::Array(_) | Type::Str => b.ty.clone(),
                Type::Error => return error_expr(span),
                other => {
                    self.error(Diagnostic::error(
                        "E0303",
                        format!("cannot slice a value of type `{other}`"),
                        b.span,
                        "only arrays and strings can be sliced",
                    ));
                    return error_expr(span);
                }
            };
            if !ok {
                return error_expr(span);
            }
            return expr(
                ExprKind::Slice {
                    base: Box::new(b),
                    start: Box::new(start),
                    end: Box::new(end),
                },
                ty,
                span,
            );
        }
        if let Type::Map(k, v) = &b.ty {
            let (k, v) = ((**k).clone(), (**v).clone());
            let key = self.check_expr(scope, index, Some(&k));
            if !self.expect_type(&key, &k) {
                return error_expr(span);
            }
            return Self::intrinsic(kir::Intrinsic::MapIndex, vec![b, key], v, span);
        }
        let i = self.check_expr(scope, index, Some(&Type::Int));
        match &b.ty {
            Type::Array(elem) => {
                let elem = (**elem).clone();
                if !self.expect_type(&i, &Type::Int) {
                    return error_expr(span);
                }
                expr(ExprKind::Index(Box::new(b), Box::new(i)), elem, span)
            }
            Type::Error => error_expr(span),
            Type::Str => {
                self.error(
                    Diagnostic::error(
                        "E0303",
                        "strings cannot be indexed by position",
                        span,
                        "`str` is UTF-8 text, not an array",
                    )
                    .with_help("take a byte range `s[a..b]`, or use `s.chars()[i]`"),
                );
                error_expr(span)
            }
            other => {
                self.error(Diagnostic::error(
                    "E0303",
                    format!("cannot index a value of type `{other}`"),
                    b.span,
                    "only arrays can be indexed",
                ));
                error_expr(span)
            }
        }
    }

    /// The place an assignment or mutating call writes to: a `var` local
    /// followed by fields and indexes. Reports and returns `None` when the
    /// expression is no place or its root is not mutable; `what` says what
    /// the write is, for the message.
    pub(super) fn place_of(
        &mut self,
        scope: &mut FnScope,
        e: &ast::Expr,
        what: &str,
    ) -> Option<(Place, Type)> {
        let mut steps = Vec::new();
        let mut cur = e;
        loop {
            match &cur.kind {
                ast::ExprKind::Field(base, name) => {
                    steps.push(Step::Field(name));
                    cur = base;
                }
                ast::ExprKind::TupleField(base, i, span) => {
                    steps.push(Step::Tuple(*i, *span));
                    cur = base;
                }
                ast::ExprKind::Index(base, index) => {
                    steps.push(Step::Index(index));
                    cur = base;
                }
                _ => break,
            }
        }
        let root = match &cur.kind {
            ast::ExprKind::Name(id) => id,
            ast::ExprKind::Error => return None,
            _ => {
                self.error(
                    Diagnostic::error(
                        "E0403",
                        format!("cannot {what} a temporary value"),
                        cur.span,
                        "this value is not stored in a variable",
                    )
                    .with_help("store it in a `var` first"),
                );
                return None;
            }
        };
        let Some(local) = scope.lookup(&root.name) else {
            if self.is_module(&root.name) {
                self.error(Diagnostic::error(
                    "E0401",
                    format!("cannot {what} an item of module `{}`", root.name),
                    e.span,
                    "functions and constants of a module are not variables",
                ));
            } else {
                self.report_unknown_name(scope, root);
            }
            return None;
        };
        let info = scope.local(local).clone();
        if self.report_captured_write(scope, local, &root.name, e.span) {
            return None;
        }
        if !info.mutable {
            let decl = scope.local_spans[local.0 as usize];
            let (label, help) = if root.name == "self" {
                (
                    "`self` is not mutable here".to_string(),
                    "declare the method with `var self` to let it change the value".to_string(),
                )
            } else {
                (
                    format!("`{}` is declared here with `let`", root.name),
                    format!("declare it with `var {}` to make it mutable", root.name),
                )
            };
            self.error(
                Diagnostic::error(
                    "E0401",
                    format!("cannot {what} `{}`: it is not mutable", root.name),
                    e.span,
                    "this is part of an immutable value",
                )
                .with_label(decl, label)
                .with_help(help),
            );
            return None;
        }
        let mut ty = info.ty.clone();
        let mut path = Vec::with_capacity(steps.len());
        for step in steps.into_iter().rev() {
            match step {
                Step::Field(name) => {
                    let (i, t) = self.field_index(&ty, name)?;
                    path.push(PlaceStep::Field(i));
                    ty = t;
                }
                Step::Tuple(i, span) => {
                    ty = self.tuple_index(&ty, i, span)?;
                    path.push(PlaceStep::Field(i));
                }
                Step::Index(index) => {
                    let Type::Array(elem) = &ty else {
                        if let Type::Map(..) = ty {
                            self.error(
                                Diagnostic::error(
                                    "E0499",
                                    "not supported yet: writing through a map element",
                                    index.span,
                                    "this reads a map element",
                                )
                                .with_help(
                                    "read the value into a `var`, change it, and store it back with `m[k] = v`",
                                ),
                            );
                        } else if ty != Type::Error {
                            self.error(Diagnostic::error(
                                "E0303",
                                format!("cannot index a value of type `{ty}`"),
                                index.span,
                                "only array elements can be assigned by index",
                            ));
                        }
                        return None;
                    };
                    let elem = (**elem).clone();
                    let i = self.check_expr(scope, index, Some(&Type::Int));
                    if !self.expect_type(&i, &Type::Int) {
                        return None;
                    }
                    path.push(PlaceStep::Index(i));
                    ty = elem;
                }
            }
        }
        if has_error(&ty) {
            return None;
        }
        Some((
            Place {
                root: local,
                path,
                span: e.span,
            },
            ty,
        ))
    }

    /// `for pattern in array { body }`.
    pub(super) fn check_for_array(
        &mut self,
        scope: &mut FnScope,
        pattern: &ast::Pattern,
        array: kir::Expr,
        body: &ast::Block,
        span: Span,
    ) -> kir::Expr {
        let Type::Array(elem) = array.ty.clone() else {
            if array.ty != Type::Error {
                self.error(Diagnostic::error(
                    "E0303",
                    format!("cannot loop over a value of type `{}`", array.ty),
                    array.span,
                    "`for` works on ranges, arrays, maps and channels",
                ));
            }
            return error_expr(span);
        };
        scope.push();
        let (var, binds) = self.bind_pattern(scope, pattern, &elem, false);
        scope.loops.push(false);
        let mut body = self.check_block(scope, body, Some(&Type::Unit));
        scope.loops.pop();
        scope.pop();
        if !binds.is_empty() {
            let bspan = body.span;
            let mut items = binds;
            items.push(body);
            body = expr(ExprKind::Block(items), Type::Unit, bspan);
        }
        expr(
            ExprKind::ForArray {
                var,
                array: Box::new(array),
                body: Box::new(body),
            },
            Type::Unit,
            span,
        )
    }
}

/// One step of a place as written, outermost last.
enum Step<'a> {
    Field(&'a ast::Ident),
    Tuple(u32, Span),
    Index(&'a ast::Expr),
}
