//! `module.name` in expressions: a constant or function (generic or not)
//! of an imported module used as a value (`geometry.PI2`,
//! `xs.map(geometry.area)`) or called (`geometry.area(s)`,
//! `containers.first(xs)`). The parser cannot tell these from a field
//! access or a method call; a local of the same name as the module shadows
//! it, so they are module members only when the name is no local.

use super::items::error_expr;
use super::names::Resolved;
use super::scope::FnScope;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir;
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast;

impl Checker {
    /// The module `e` names when it is a bare name of an imported module
    /// that no local shadows.
    pub(super) fn module_of<'e>(
        &self,
        scope: &mut FnScope,
        e: &'e ast::Expr,
    ) -> Option<&'e ast::Ident> {
        match &e.kind {
            ast::ExprKind::Name(m)
                if scope.lookup(&m.name).is_none() && self.is_module(&m.name) =>
            {
                Some(m)
            }
            _ => None,
        }
    }

    /// After checking `x.y` or `x.f(..)`: when `x` was reported as a name
    /// found nowhere (among the diagnostics from `before` on) and nothing
    /// close was suggested, hints that it may be a module not imported.
    pub(super) fn hint_import(&mut self, before: usize, base: &ast::Expr) {
        let ast::ExprKind::Name(n) = &base.kind else {
            return;
        };
        let unknown = self.diags.get_mut(before..).and_then(|new| {
            new.iter_mut()
                .find(|d| d.code == "E0201" && d.primary.span == n.span)
        });
        if let Some(d) = unknown {
            if d.help.is_none() {
                d.help = Some(format!(
                    "if `{}` is a module, add `import {}` at the top of this file",
                    n.name, n.name
                ));
            }
        }
    }

    /// `m.name` as a value: a constant or a function value (a generic one
    /// takes its type arguments from the `expected` function type).
    pub(super) fn check_module_value(
        &mut self,
        m: &ast::Ident,
        name: &ast::Ident,
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        match self.resolve_item(Some(m), name) {
            Resolved::Const(key) => match self.const_value(&key, span) {
                Some(mut value) => {
                    super::expr::relocate(&mut value, span);
                    value
                }
                None => error_expr(span),
            },
            Resolved::Fn(id) => self.fn_value(id, span),
            Resolved::GenericFn(g) => self.generic_fn_value(g, expected, span),
            Resolved::Type(t) => {
                let is_enum = matches!(t, Type::Enum(..));
                self.report_type_as_value(m, name, is_enum, span);
                error_expr(span)
            }
            Resolved::GenericType(gt) => {
                let is_enum = self.generic_kind(gt) == "enum";
                self.report_type_as_value(m, name, is_enum, span);
                error_expr(span)
            }
            Resolved::Missing | Resolved::Reported => error_expr(span),
        }
    }

    /// E0201: `m.Type` where a value is wanted.
    fn report_type_as_value(
        &mut self,
        m: &ast::Ident,
        name: &ast::Ident,
        is_enum: bool,
        span: Span,
    ) {
        let t = format!("{}.{}", m.name, name.name);
        self.error(
            Diagnostic::error(
                "E0201",
                format!("`{t}` is a type, not a value"),
                span,
                "a type",
            )
            .with_help(if is_enum {
                format!("name one of its variants: `{t}::Variant`")
            } else {
                format!("build a value with `{t} {{ .. }}`")
            }),
        );
    }

    /// `m.name(args)`: a call of a function of module `m` (a generic one
    /// may take type arguments from the `expected` result type).
    pub(super) fn check_module_call(
        &mut self,
        scope: &mut FnScope,
        m: &ast::Ident,
        name: &ast::Ident,
        args: &[ast::Expr],
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        match self.resolve_item(Some(m), name) {
            Resolved::Fn(id) => return self.call_user_fn(scope, id, Vec::new(), args, span),
            Resolved::GenericFn(g) => {
                return match self.call_generic(scope, g, &[], args, expected, None, span) {
                    Some((id, values, ret)) => kir::Expr {
                        kind: kir::ExprKind::Call(id, values),
                        ty: ret,
                        span,
                    },
                    None => error_expr(span),
                };
            }
            Resolved::Const(_) => {
                self.error(Diagnostic::error(
                    "E0305",
                    format!("`{}.{}` is not a function", m.name, name.name),
                    name.span,
                    "a constant",
                ));
            }
            Resolved::Type(_) | Resolved::GenericType(_) => {
                let t = format!("{}.{}", m.name, name.name);
                self.error(
                    Diagnostic::error(
                        "E0305",
                        format!("`{t}` is not a function"),
                        name.span,
                        "a type",
                    )
                    .with_help(format!("call an associated function: `{t}::name(..)`")),
                );
            }
            Resolved::Missing | Resolved::Reported => {}
        }
        for a in args {
            let _ = self.check_expr(scope, a, None);
        }
        error_expr(span)
    }
}
