//! The prelude's functions and the built-in methods of scalar types and
//! `str`: their names, argument types and the intrinsic each becomes.

use super::expr::plural;
use super::items::error_expr;
use super::scope::FnScope;
use super::suggest::closest;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, Intrinsic};
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast;

/// Every prelude function name, for lookups and suggestions.
pub(super) const BUILTIN_FNS: &[&str] = &[
    "print",
    "println",
    "eprintln",
    "str",
    "float",
    "int",
    "abs",
    "min",
    "max",
    "sqrt",
    "floor",
    "ceil",
    "round",
    "pow",
    "sin",
    "cos",
    "tan",
    "atan2",
    "exp",
    "ln",
    "clock",
    "exit",
    "panic",
    "assert",
    "assert_eq",
];

/// Prelude functions that need types this compiler does not support yet.
const LATER_FNS: &[&str] = &[
    "read_line",
    "args",
    "read_file",
    "write_file",
    "random",
    "random_int",
    "parse_int",
    "parse_float",
    "sleep",
    "yield_now",
    "atomic",
    "after",
];

pub(super) fn is_builtin_fn(name: &str) -> bool {
    BUILTIN_FNS.contains(&name)
}

/// How a prelude function's arguments are typed.
enum Shape {
    /// Any one value (printed or converted through its display form).
    AnyToStr,
    /// Exactly these argument types.
    Fixed(&'static [Type]),
    /// One or two arguments of the same numeric type (`abs`, `min`, `max`).
    Numeric(usize),
}

fn builtin(name: &str) -> Option<(Intrinsic, Shape, Type)> {
    use Intrinsic as I;
    use Shape::*;
    const F: &[Type] = &[Type::Float];
    const FF: &[Type] = &[Type::Float, Type::Float];
    Some(match name {
        "print" => (I::Print, AnyToStr, Type::Unit),
        "println" => (I::Println, AnyToStr, Type::Unit),
        "eprintln" => (I::Eprintln, AnyToStr, Type::Unit),
        "str" => (I::ToStr, AnyToStr, Type::Str),
        "panic" => (I::Panic, AnyToStr, Type::Never),
        "float" => (I::ToFloat, Numeric(1), Type::Float),
        "int" => (I::ToInt, Numeric(1), Type::Int),
        "abs" => (I::Abs, Numeric(1), Type::Error),
        "min" => (I::Min, Numeric(2), Type::Error),
        "max" => (I::Max, Numeric(2), Type::Error),
        "sqrt" => (I::Sqrt, Fixed(F), Type::Float),
        "floor" => (I::Floor, Fixed(F), Type::Float),
        "ceil" => (I::Ceil, Fixed(F), Type::Float),
        "round" => (I::Round, Fixed(F), Type::Float),
        "sin" => (I::Sin, Fixed(F), Type::Float),
        "cos" => (I::Cos, Fixed(F), Type::Float),
        "tan" => (I::Tan, Fixed(F), Type::Float),
        "exp" => (I::Exp, Fixed(F), Type::Float),
        "ln" => (I::Ln, Fixed(F), Type::Float),
        "pow" => (I::Pow, Fixed(FF), Type::Float),
        "atan2" => (I::Atan2, Fixed(FF), Type::Float),
        "clock" => (I::Clock, Fixed(&[]), Type::Float),
        "exit" => (I::Exit, Fixed(&[Type::Int]), Type::Never),
        "assert" => (I::Assert, Fixed(&[Type::Bool]), Type::Unit),
        "assert_eq" => (I::AssertEq, Numeric(0), Type::Unit),
        _ => return None,
    })
}

impl Checker {
    /// Checks a call to a prelude function; `None` when `name` is not one.
    pub(super) fn check_builtin_call(
        &mut self,
        scope: &mut FnScope,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<kir::Expr> {
        let Some((op, shape, ret)) = builtin(&name.name) else {
            if LATER_FNS.contains(&name.name.as_str()) {
                for a in args {
                    let _ = self.check_expr(scope, a, None);
                }
                self.unsupported(name.span, &format!("the prelude function `{}`", name.name));
                return Some(error_expr(span));
            }
            return None;
        };
        let arity = match (&shape, op) {
            (Shape::AnyToStr, Intrinsic::Println) if args.is_empty() => {
                let empty = kir::Expr {
                    kind: kir::ExprKind::Str(String::new()),
                    ty: Type::Str,
                    span,
                };
                return Some(Self::intrinsic(op, vec![empty], Type::Unit, span));
            }
            (Shape::AnyToStr, _) => 1,
            (Shape::Fixed(tys), _) => tys.len(),
            (Shape::Numeric(_), Intrinsic::AssertEq) => 2,
            (Shape::Numeric(n), _) => *n,
        };
        let mut checked = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let expected = match &shape {
                Shape::Fixed(tys) => tys.get(i).cloned(),
                _ => checked.first().map(|e: &kir::Expr| e.ty.clone()),
            };
            let v = self.check_expr(scope, a, expected.as_ref());
            checked.push(v);
        }
        if args.len() != arity {
            self.error(Diagnostic::error(
                "E0302",
                format!(
                    "`{}` takes {} but {} {} given",
                    name.name,
                    plural(arity, "argument"),
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
                span,
                format!("expected {}", plural(arity, "argument")),
            ));
            return Some(error_expr(span));
        }
        // Every argument is checked, so all mismatches are reported at once.
        let mut ok = true;
        match &shape {
            Shape::AnyToStr => {}
            Shape::Fixed(tys) => {
                for (v, t) in checked.iter().zip(tys.iter()) {
                    ok &= self.expect_type(v, t);
                }
            }
            Shape::Numeric(_) if op == Intrinsic::AssertEq => {
                let first = checked[0].ty.clone();
                ok &= self.expect_type(&checked[1], &first);
            }
            Shape::Numeric(_) => {
                let first = checked[0].ty.clone();
                if matches!(first, Type::Int | Type::Float | Type::Error | Type::Never) {
                    for v in &checked[1..] {
                        ok &= self.expect_type(v, &first);
                    }
                } else {
                    self.error(Diagnostic::error(
                        "E0301",
                        format!("`{}` needs an `int` or a `float`", name.name),
                        checked[0].span,
                        format!("this is `{first}`"),
                    ));
                    ok = false;
                }
            }
        }
        if !ok {
            return Some(error_expr(span));
        }
        let ret = match op {
            Intrinsic::Abs | Intrinsic::Min | Intrinsic::Max => checked[0].ty.clone(),
            _ => ret,
        };
        if matches!(
            op,
            Intrinsic::Print | Intrinsic::Println | Intrinsic::Eprintln | Intrinsic::Panic
        ) {
            let arg = checked.pop().map(to_str);
            return Some(Self::intrinsic(op, arg.into_iter().collect(), ret, span));
        }
        if checked.iter().any(|a| a.ty == Type::Error) {
            return Some(error_expr(span));
        }
        Some(Self::intrinsic(op, checked, ret, span))
    }

    /// Checks `recv.name(args)` on the built-in types.
    pub(super) fn check_method(
        &mut self,
        scope: &mut FnScope,
        recv: &ast::Expr,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> kir::Expr {
        let r = self.check_expr(scope, recv, None);
        let mut checked = vec![r];
        for a in args {
            checked.push(self.check_expr(scope, a, None));
        }
        let recv_ty = checked[0].ty.clone();
        if recv_ty == Type::Error {
            return error_expr(span);
        }
        let (op, params, ret): (Intrinsic, &[Type], Type) = match (&recv_ty, name.name.as_str()) {
            (Type::Str, "len") => (Intrinsic::StrLen, &[], Type::Int),
            (Type::Float, "fixed") => (Intrinsic::Fixed, &[Type::Int], Type::Str),
            (Type::Str, m) if STR_LATER.contains(&m) => {
                self.unsupported(name.span, &format!("the `str` method `{m}`"));
                return error_expr(span);
            }
            _ => {
                let methods: &[&str] = match recv_ty {
                    Type::Str => &["len"],
                    Type::Float => &["fixed"],
                    _ => &[],
                };
                let mut d = Diagnostic::error(
                    "E0204",
                    format!("no method `{}` on type `{recv_ty}`", name.name),
                    name.span,
                    "method not found",
                );
                if let Some(s) = closest(
                    &name.name,
                    methods.iter().copied().chain(STR_LATER.iter().copied()),
                ) {
                    if methods.contains(&s) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                }
                self.error(d);
                return error_expr(span);
            }
        };
        if args.len() != params.len() {
            self.error(Diagnostic::error(
                "E0302",
                format!(
                    "`{}` takes {} but {} {} given",
                    name.name,
                    plural(params.len(), "argument"),
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
                span,
                format!("expected {}", plural(params.len(), "argument")),
            ));
            return error_expr(span);
        }
        let mut ok = true;
        for (v, t) in checked[1..].iter().zip(params) {
            ok &= self.expect_type(v, t);
        }
        if !ok {
            return error_expr(span);
        }
        Self::intrinsic(op, checked, ret, span)
    }
}

/// `str` methods of the contract that arrive with arrays and options.
const STR_LATER: &[&str] = &[
    "chars",
    "bytes",
    "contains",
    "starts_with",
    "ends_with",
    "find",
    "split",
    "lines",
    "trim",
    "to_upper",
    "to_lower",
    "replace",
    "repeat",
];

/// Converts a value to its display string (identity on `str`).
fn to_str(e: kir::Expr) -> kir::Expr {
    if matches!(e.ty, Type::Str | Type::Error | Type::Never) {
        return e;
    }
    let span = e.span;
    Checker::intrinsic(Intrinsic::ToStr, vec![e], Type::Str, span)
}
