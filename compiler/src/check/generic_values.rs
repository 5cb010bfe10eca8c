//! Values of generic structs and enums: struct literals (`Pair { a: 1,
//! b: "x" }`), variant constructors (`Tree::Node(l, 1, r)`, `Tree::Leaf`),
//! `Type::f(..)` calls on a generic type (`Stack::new()`), and patterns
//! that name a generic type.
//!
//! Each infers the type arguments from the type the context expects and
//! from the values given (`generics.rs`), makes the instance, and then
//! lowers exactly as for a non-generic type: KIR only ever sees the
//! instance.

use super::generics::GenericBody;
use super::infer::Infer;
use super::items::error_expr;
use super::scope::FnScope;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir;
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast;

impl Checker {
    /// The generic type a name in an expression or pattern refers to (in
    /// the module being checked).
    pub(super) fn generic_type_named(&self, name: &str) -> Option<usize> {
        self.generic_type_in(self.module, name)
    }

    /// The generic type `name` of module `module`.
    pub(super) fn generic_type_in(&self, module: usize, name: &str) -> Option<usize> {
        self.generics
            .type_names
            .get(&self.key_in(module, name))
            .copied()
    }

    /// The generic function a name refers to (in the module being
    /// checked).
    pub(super) fn generic_fn_named(&self, name: &str) -> Option<usize> {
        self.generics.fn_names.get(&self.item_key(name)).copied()
    }

    /// How to fix an uninferable value of generic type `gt`.
    pub(super) fn annotation_help(&self, gt: usize) -> String {
        let g = &self.generics.types[gt];
        let params: Vec<&str> = g.params.iter().map(|p| p.name.as_str()).collect();
        format!(
            "give the value its type where it is declared: `let v: {}<{}> = ...`",
            g.name,
            params.join(", ")
        )
    }

    /// Whether `ty` is an instance of generic type `gt`.
    fn is_instance(&self, ty: &Type, gt: usize) -> bool {
        self.generics
            .instance_of
            .get(ty)
            .is_some_and(|(g, _)| *g == gt)
    }

    /// Type arguments of generic `gt` learnt from the type the context
    /// expects, when it is an instance of `gt`.
    fn infer_from_expected(&self, gt: usize, expected: Option<&Type>) -> Infer {
        let g = &self.generics.types[gt];
        let mut inf = Infer::new(&g.params);
        if let Some((_, args)) = expected.and_then(|t| self.generics.instance_of.get(t)) {
            if expected.is_some_and(|t| self.is_instance(t, gt)) {
                for (p, a) in g.params.iter().zip(args) {
                    inf.set(&p.name, a);
                }
            }
        }
        inf
    }

    /// `Name { field: value, .. }` where `Name` is the generic struct `gt`.
    pub(super) fn check_generic_struct_lit(
        &mut self,
        scope: &mut FnScope,
        gt: usize,
        fields: &[(ast::Ident, Option<ast::Expr>)],
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let g = self.generics.types[gt].clone();
        let GenericBody::Struct(decl) = &g.body else {
            self.error(Diagnostic::error(
                "E0203",
                format!("`{}` is not a struct", g.name),
                span,
                "only structs are written with `{ .. }`",
            ));
            return error_expr(span);
        };
        let names: Vec<&str> = decl.fields.iter().map(|f| f.name.name.as_str()).collect();
        let Some((order, exprs)) = self.literal_fields(scope, &g.name, &names, fields, span) else {
            return error_expr(span);
        };
        let tes: Vec<ast::TypeExpr> = order.iter().map(|&i| decl.fields[i].ty.clone()).collect();
        let mut inf = self.infer_from_expected(gt, expected);
        let mark = self.diags.len();
        let values = self.infer_args(scope, &mut inf, None, (g.module, None), &tes, &exprs);
        let help = self.annotation_help(gt);
        let Some(targs) =
            self.finish_inference(&inf, &g.name, &values, mark, span, &help, expected)
        else {
            return error_expr(span);
        };
        if self.generics.def_pass {
            return error_expr(span);
        }
        let Type::Struct(id, _) = self.instantiate_type(gt, targs, span) else {
            return error_expr(span);
        };
        self.struct_value(scope, id, &order, values, span)
    }

    /// `Name::item` or `Name::item(args)` where `Name` is generic type
    /// `gt`: a variant of a generic enum or a function of its `impl`.
    pub(super) fn check_generic_path(
        &mut self,
        scope: &mut FnScope,
        gt: usize,
        item: &ast::Ident,
        args: Option<&[ast::Expr]>,
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let g = self.generics.types[gt].clone();
        if let GenericBody::Enum(e) = &g.body {
            if let Some(tag) = e.variants.iter().position(|v| v.name.name == item.name) {
                return self.check_generic_variant(scope, gt, tag, args, expected, span);
            }
        }
        let method = self
            .generics
            .methods
            .get(&(g.name.clone(), item.name.clone()))
            .copied();
        let check_args = |this: &mut Checker, scope: &mut FnScope| {
            for a in args.unwrap_or(&[]) {
                let _ = this.check_expr(scope, a, None);
            }
        };
        let Some(gid) = method else {
            check_args(self, scope);
            let mut names: Vec<&str> = Vec::new();
            if let GenericBody::Enum(e) = &g.body {
                names.extend(e.variants.iter().map(|v| v.name.name.as_str()));
            }
            let fns: Vec<String> = self
                .generics
                .methods
                .keys()
                .filter(|(t, _)| *t == g.name)
                .map(|(_, f)| f.clone())
                .collect();
            names.extend(fns.iter().map(String::as_str));
            let d = Diagnostic::error(
                "E0204",
                format!(
                    "no variant, function or method `{}` on `{}`",
                    item.name, g.name
                ),
                item.span,
                "not a variant and not in its `impl`",
            );
            self.error(super::suggest::did_you_mean(d, &item.name, names));
            return error_expr(span);
        };
        let Some(args) = args else {
            self.unsupported(span, "functions as values");
            return error_expr(span);
        };
        self.check_generic_visible(gid, item.span);
        if self.generics.fns[gid].self_param == Some(true) {
            check_args(self, scope);
            self.error(
                Diagnostic::error(
                    "E0305",
                    format!("`{}::{}` changes its receiver", g.name, item.name),
                    span,
                    "a `var self` method must be called on a variable",
                )
                .with_help(format!(
                    "write `value.{}(...)` with a `var` value",
                    item.name
                )),
            );
            return error_expr(span);
        }
        match self.call_generic(scope, gid, &[], args, expected, None, span) {
            Some((id, values, ret)) => kir::Expr {
                kind: kir::ExprKind::Call(id, values),
                ty: ret,
                span,
            },
            None => error_expr(span),
        }
    }

    /// Variant `tag` of generic enum `gt`, with its payload `args`
    /// (`None`: written without parentheses).
    fn check_generic_variant(
        &mut self,
        scope: &mut FnScope,
        gt: usize,
        tag: usize,
        args: Option<&[ast::Expr]>,
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let g = self.generics.types[gt].clone();
        let GenericBody::Enum(decl) = &g.body else {
            return error_expr(span);
        };
        let Some(v) = decl.variants.get(tag) else {
            return error_expr(span);
        };
        let full = format!("{}::{}", g.name, v.name.name);
        if let Some(t) = expected.filter(|t| self.is_instance(t, gt)) {
            // The context fixes the instance: a plain enum from here on.
            let tag = self.variant_index(t, &v.name.name).unwrap_or(tag as u32);
            return self.check_variant_ctor(scope, t.clone(), tag, &v.name.name, args, span);
        }
        let given = args.map_or(0, <[ast::Expr]>::len);
        if given != v.fields.len() || (args.is_none() && !v.fields.is_empty()) {
            for a in args.unwrap_or(&[]) {
                let _ = self.check_expr(scope, a, None);
            }
            self.error(Diagnostic::error(
                "E0302",
                format!(
                    "`{full}` holds {} but {given} {} given",
                    super::expr::plural(v.fields.len(), "value"),
                    if given == 1 { "was" } else { "were" }
                ),
                span,
                format!("expected {}", super::expr::plural(v.fields.len(), "value")),
            ));
            return error_expr(span);
        }
        let mut inf = Infer::new(&g.params);
        let mark = self.diags.len();
        let home = (g.module, None);
        let values = self.infer_args(scope, &mut inf, None, home, &v.fields, args.unwrap_or(&[]));
        let help = self.annotation_help(gt);
        let Some(targs) = self.finish_inference(&inf, &full, &values, mark, span, &help, expected)
        else {
            return error_expr(span);
        };
        if self.generics.def_pass {
            return error_expr(span);
        }
        let ty = self.instantiate_type(gt, targs, span);
        let payload = self
            .variants(&ty)
            .and_then(|vs| vs.get(tag).map(|(_, p)| p.clone()))
            .unwrap_or_default();
        let mut ok = payload.len() == values.len();
        for (value, t) in values.iter().zip(&payload) {
            ok &= self.expect_type(value, t);
        }
        if !ok {
            return error_expr(span);
        }
        super::enums::variant(ty, tag as u32, values, span)
    }

    /// The type a pattern's `Name::Variant` or `Name { .. }` names when
    /// matched against a value of type `ty`: a generic type's name stands
    /// for the instance the value has. `Some(Type::Error)` when that is
    /// already reported (or unknown); `None` when `name` is no type.
    pub(super) fn pattern_owner(
        &mut self,
        module: Option<&ast::Ident>,
        name: &ast::Ident,
        ty: &Type,
        span: Span,
    ) -> Option<Type> {
        let Some(gt) = self.generic_type_at(module, name) else {
            return self.path_owner(module, name);
        };
        if self.is_instance(ty, gt) {
            return Some(ty.clone());
        }
        if !super::infer::has_unknown(ty) {
            self.error(Diagnostic::error(
                "E0301",
                "mismatched types",
                span,
                format!(
                    "this pattern is `{}`, but the value is `{ty}`",
                    self.generics.types[gt].name
                ),
            ));
        }
        Some(Type::Error)
    }

    /// `recv.name(args)` where `name` is generic function `gid` of the
    /// receiver's `impl`; `probe` is the receiver already checked.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn call_generic_method(
        &mut self,
        scope: &mut FnScope,
        gid: usize,
        recv: &ast::Expr,
        probe: kir::Expr,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> kir::Expr {
        let g = self.generics.fns[gid].clone();
        let recv_ty = probe.ty.clone();
        self.check_generic_visible(gid, name.span);
        match g.self_param {
            Some(false) => {
                match self.call_generic(scope, gid, &[recv_ty], args, None, None, span) {
                    Some((id, values, ret)) => {
                        let mut all = vec![probe];
                        all.extend(values);
                        kir::Expr {
                            kind: kir::ExprKind::Call(id, all),
                            ty: ret,
                            span,
                        }
                    }
                    None => error_expr(span),
                }
            }
            Some(true) => {
                let Some((place, _)) = self.place_of(scope, recv, "change") else {
                    for a in args {
                        let _ = self.check_expr(scope, a, None);
                    }
                    return error_expr(span);
                };
                match self.call_generic(scope, gid, &[recv_ty], args, None, None, span) {
                    Some((id, values, ret)) => kir::Expr {
                        kind: kir::ExprKind::CallMut(id, place, values),
                        ty: ret,
                        span,
                    },
                    None => error_expr(span),
                }
            }
            None => {
                for a in args {
                    let _ = self.check_expr(scope, a, None);
                }
                self.error(
                    Diagnostic::error(
                        "E0305",
                        format!("`{}` is not a method", g.name),
                        name.span,
                        "it takes no `self`",
                    )
                    .with_help(format!("call it as `{}(...)`", g.name)),
                );
                error_expr(span)
            }
        }
    }
}
