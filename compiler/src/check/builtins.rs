//! The prelude's functions and the built-in methods of scalar types and
//! `str`: their names, argument types and the intrinsic each becomes.

use super::closures::show_hint;
use super::expr::arity_error;
use super::items::{compatible, error_expr, has_error};
use super::scope::FnScope;
use super::suggest::closest;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, Intrinsic};
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast;

/// Every prelude function name, for lookups and suggestions.
pub const BUILTIN_FNS: &[&str] = &[
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
    "parse_int",
    "parse_float",
    "sleep",
    "yield_now",
    "atomic",
    "args",
    "read_line",
    "read_file",
    "write_file",
    "random",
    "random_int",
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

/// `Option<int>`, `Option<float>`.
fn option_of(t: Type) -> Type {
    Type::Option(Box::new(t))
}

/// `Result<T, str>`: the result of a file operation.
fn result_of(t: Type) -> Type {
    Type::Result(Box::new(t), Box::new(Type::Str))
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
        "parse_int" => (I::ParseInt, Fixed(&[Type::Str]), option_of(Type::Int)),
        "parse_float" => (I::ParseFloat, Fixed(&[Type::Str]), option_of(Type::Float)),
        "sleep" => (I::Sleep, Fixed(&[Type::Int]), Type::Unit),
        "yield_now" => (I::YieldNow, Fixed(&[]), Type::Unit),
        "atomic" => (I::AtomicNew, Fixed(&[Type::Int]), Type::Atomic),
        "args" => (I::Args, Fixed(&[]), Type::Array(Box::new(Type::Str))),
        "read_line" => (I::ReadLine, Fixed(&[]), option_of(Type::Str)),
        "read_file" => (I::ReadFile, Fixed(&[Type::Str]), result_of(Type::Str)),
        "write_file" => (
            I::WriteFile,
            Fixed(&[Type::Str, Type::Str]),
            result_of(Type::Unit),
        ),
        "random" => (I::Random, Fixed(&[]), Type::Float),
        "random_int" => (I::RandomInt, Fixed(&[Type::Int, Type::Int]), Type::Int),
        _ => return None,
    })
}

impl Checker {
    /// A prelude function used as a value (`xs.map(sqrt)`): a closure that
    /// calls it, `|a, b| name(a, b)`, typed by the function type the
    /// context expects or, for a function with one signature, by that.
    pub(super) fn builtin_value(
        &mut self,
        scope: &mut FnScope,
        name: &ast::Ident,
        expected: Option<&Type>,
    ) -> kir::Expr {
        let span = name.span;
        let Some((_, shape, ret)) = builtin(&name.name) else {
            return error_expr(span);
        };
        let ty = match (expected, shape) {
            (Some(Type::Fn(ps, _)), Shape::Fixed(params))
                if ps.len() != params.len()
                    || ps.iter().zip(params).any(|(p, q)| !compatible(p, q)) =>
            {
                let found = Type::Fn(params.to_vec(), Box::new(ret));
                self.error(Diagnostic::error(
                    "E0301",
                    "mismatched types",
                    span,
                    format!(
                        "expected `{}`, found `{found}`",
                        show_hint(expected.unwrap_or(&Type::Error))
                    ),
                ));
                return error_expr(span);
            }
            (Some(t @ Type::Fn(..)), _) => t.clone(),
            (_, Shape::Fixed(params)) => Type::Fn(params.to_vec(), Box::new(ret)),
            (_, shape) => {
                // `assert_eq` is `Numeric(0)` but takes two values.
                let arity = match shape {
                    Shape::Numeric(0) => 2,
                    Shape::Numeric(n) => n,
                    _ => 1,
                };
                let ret = if ret == Type::Error { Type::Int } else { ret };
                let example = Type::Fn(vec![Type::Int; arity], Box::new(ret));
                self.error(
                    Diagnostic::error(
                        "E0304",
                        format!("cannot infer which `{}` is meant here", name.name),
                        span,
                        "it takes arguments of more than one type",
                    )
                    .with_help(format!(
                        "give the value a function type, as in `let f: {example} = {}`",
                        name.name
                    )),
                );
                return error_expr(span);
            }
        };
        let Type::Fn(params, _) = &ty else {
            return error_expr(span);
        };
        let ident = |i: usize| ast::Ident {
            name: format!("${i}"),
            span,
        };
        let name_expr = |kind| ast::Expr { kind, span };
        let closure_params: Vec<ast::ClosureParam> = (0..params.len())
            .map(|i| ast::ClosureParam {
                name: ident(i),
                ty: None,
            })
            .collect();
        let args = (0..params.len())
            .map(|i| name_expr(ast::ExprKind::Name(ident(i))))
            .collect();
        let callee = name_expr(ast::ExprKind::Name(name.clone()));
        let body = name_expr(ast::ExprKind::Call(Box::new(callee), args));
        self.check_closure(scope, &closure_params, None, &body, Some(&ty), span)
    }

    /// Checks a call to a prelude function; `None` when `name` is not one.
    pub(super) fn check_builtin_call(
        &mut self,
        scope: &mut FnScope,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<kir::Expr> {
        let Some((op, shape, ret)) = builtin(&name.name) else {
            if name.name == "after" {
                for a in args {
                    let _ = self.check_expr(scope, a, None);
                }
                self.after_outside_select(span);
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
            self.error(arity_error(&name.name, arity, args.len(), span));
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

    /// Checks `recv.name(args)`: a user method, or a built-in method of
    /// `str`, `float` or arrays.
    pub(super) fn check_method(
        &mut self,
        scope: &mut FnScope,
        recv: &ast::Expr,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> kir::Expr {
        // The receiver's type decides what the method is. A mutating method
        // needs the receiver as a place instead of a value, so the probe's
        // diagnostics are dropped then and the place reports its own.
        let mark = self.diags.len();
        let probe = self.check_expr(scope, recv, None);
        let probe_diags: Vec<Diagnostic> = self.diags.drain(mark..).collect();
        let recv_ty = probe.ty.clone();
        let mutating = match (&recv_ty, name.name.as_str()) {
            (Type::Struct(..) | Type::Enum(..), m) => {
                self.methods
                    .get(&(recv_ty.clone(), m.to_string()))
                    .is_some_and(|id| self.functions[id.0 as usize].self_param == Some(true))
                    || self.generic_method_mutates(&recv_ty, m)
            }
            (t, m) => self.builtin_method(t, m).is_some_and(|m| m.mutating),
        };
        if !mutating || has_error(&recv_ty) {
            self.diags.extend(probe_diags);
        }
        if has_error(&recv_ty) {
            for a in args {
                let _ = self.check_expr(scope, a, None);
            }
            return error_expr(span);
        }
        if matches!(recv_ty, Type::Option(_) | Type::Result(..)) {
            // The stdlib's methods (`stdlib/option.kr`), then the native
            // ones (`unwrap`, `expect`).
            if let Some(g) = self.generic_method(&recv_ty, &name.name) {
                return self.call_generic_method(scope, g, recv, probe, name, args, span);
            }
            return self.check_enum_method(scope, probe, name, args, span);
        }
        if let Type::Array(_) = recv_ty {
            // `par_map` stays native; the other methods that take a
            // function are the stdlib's (`stdlib/array.kr`).
            if name.name == "par_map" {
                return self.check_par_map(scope, probe, args, span);
            }
            // The stdlib's `contains` and `index_of` compare with `==`,
            // which values holding a function lack.
            let needs_eq = matches!(name.name.as_str(), "contains" | "index_of");
            if let (true, Type::Array(elem)) = (needs_eq, &recv_ty) {
                if let Some(f) = self.fn_inside(elem) {
                    for a in args {
                        let _ = self.check_expr(scope, a, None);
                    }
                    self.error(
                        Diagnostic::error(
                            "E0303",
                            format!("`{}` needs `==` on `{elem}`", name.name),
                            name.span,
                            format!("`{elem}` has no `==`"),
                        )
                        .with_help(super::expr::no_eq_hint(&f)),
                    );
                    return error_expr(span);
                }
            }
            if let Some(g) = self.generic_method(&recv_ty, &name.name) {
                return self.call_generic_method(scope, g, recv, probe, name, args, span);
            }
        }
        if let Type::Struct(..) | Type::Enum(..) = &recv_ty {
            let Some(&id) = self.methods.get(&(recv_ty.clone(), name.name.clone())) else {
                if let Some(g) = self.generic_method(&recv_ty, &name.name) {
                    return self.call_generic_method(scope, g, recv, probe, name, args, span);
                }
                for a in args {
                    let _ = self.check_expr(scope, a, None);
                }
                self.report_unknown_method(&recv_ty, name);
                return error_expr(span);
            };
            if !self.check_fn_visible(id, name.span) {
                for a in args {
                    let _ = self.check_expr(scope, a, None);
                }
                return error_expr(span);
            }
            match self.functions[id.0 as usize].self_param {
                Some(false) => return self.call_user_fn(scope, id, vec![probe], args, span),
                Some(true) => {
                    let Some((place, _)) = self.place_of(scope, recv, "change") else {
                        for a in args {
                            let _ = self.check_expr(scope, a, None);
                        }
                        return error_expr(span);
                    };
                    let Some((out, ret)) = self.check_call_args(scope, id, 1, args, span) else {
                        return error_expr(span);
                    };
                    return kir::Expr {
                        kind: kir::ExprKind::CallMut(id, place, out),
                        ty: ret,
                        span,
                    };
                }
                None => {
                    let fname = self.functions[id.0 as usize].name.clone();
                    self.error(
                        Diagnostic::error(
                            "E0305",
                            format!("`{fname}` is not a method"),
                            name.span,
                            "it takes no `self`",
                        )
                        .with_help(format!("call it as `{fname}(...)`")),
                    );
                    return error_expr(span);
                }
            }
        }
        let Some(m) = self.builtin_method(&recv_ty, &name.name) else {
            for a in args {
                let _ = self.check_expr(scope, a, None);
            }
            let known = method_names(&recv_ty);
            let mut d = Diagnostic::error(
                "E0204",
                format!("no method `{}` on type `{recv_ty}`", name.name),
                name.span,
                "method not found",
            );
            if let Some(s) = closest(&name.name, known.iter().copied()) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            self.error(d);
            return error_expr(span);
        };
        if let Some(problem) = m.requirement {
            for a in args {
                let _ = self.check_expr(scope, a, None);
            }
            self.error(Diagnostic::error(
                "E0303",
                format!("`{}` needs {problem}", name.name),
                span,
                format!("this is `{recv_ty}`"),
            ));
            return error_expr(span);
        }
        let mut checked = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            checked.push(self.check_expr(scope, a, m.params.get(i)));
        }
        if args.len() != m.params.len() {
            self.error(arity_error(&name.name, m.params.len(), args.len(), span));
            return error_expr(span);
        }
        let mut ok = true;
        for (v, t) in checked.iter().zip(&m.params) {
            ok &= self.expect_type(v, t);
        }
        if !ok {
            return error_expr(span);
        }
        if m.mutating {
            let Some((place, _)) = self.place_of(scope, recv, "change") else {
                return error_expr(span);
            };
            return kir::Expr {
                kind: kir::ExprKind::MutIntrinsic(place, m.op, checked),
                ty: m.ret,
                span,
            };
        }
        let mut all = vec![probe];
        all.extend(checked);
        Self::intrinsic(m.op, all, m.ret, span)
    }

    /// Whether the code being checked is the stdlib's (`crate::stdlib`).
    pub(super) fn in_stdlib(&self) -> bool {
        self.modules.get(self.module).is_some_and(|m| m.is_std)
    }

    /// The built-in method `name` of `recv`, as the current module sees
    /// it: `reserve` exists for the stdlib only.
    fn builtin_method(&self, recv: &Type, name: &str) -> Option<Method> {
        let m = builtin_method(recv, name)?;
        let std_only = m.op == Intrinsic::ArrayReserve;
        (!std_only || self.in_stdlib()).then_some(m)
    }
}

/// A built-in method, resolved for one receiver type.
struct Method {
    op: Intrinsic,
    params: Vec<Type>,
    ret: Type,
    /// Changes the receiver, which must then be a place in a `var`.
    mutating: bool,
    /// Set when the receiver's element type does not support the method.
    requirement: Option<&'static str>,
}

fn builtin_method(recv: &Type, name: &str) -> Option<Method> {
    use Intrinsic as I;
    let m = |op, params: Vec<Type>, ret: Type| Method {
        op,
        params,
        ret,
        mutating: false,
        requirement: None,
    };
    let strs = Type::Array(Box::new(Type::Str));
    Some(match (recv, name) {
        (Type::Str, "len") => m(I::StrLen, vec![], Type::Int),
        (Type::Str, "chars") => m(I::StrChars, vec![], strs),
        (Type::Str, "bytes") => m(I::StrBytes, vec![], Type::Array(Box::new(Type::Int))),
        (Type::Str, "contains") => m(I::StrContains, vec![Type::Str], Type::Bool),
        (Type::Str, "starts_with") => m(I::StrStartsWith, vec![Type::Str], Type::Bool),
        (Type::Str, "ends_with") => m(I::StrEndsWith, vec![Type::Str], Type::Bool),
        (Type::Str, "split") => m(I::StrSplit, vec![Type::Str], strs),
        (Type::Str, "lines") => m(I::StrLines, vec![], strs),
        (Type::Str, "trim") => m(I::StrTrim, vec![], Type::Str),
        (Type::Str, "to_upper") => m(I::StrToUpper, vec![], Type::Str),
        (Type::Str, "to_lower") => m(I::StrToLower, vec![], Type::Str),
        (Type::Str, "replace") => m(I::StrReplace, vec![Type::Str, Type::Str], Type::Str),
        (Type::Str, "repeat") => m(I::StrRepeat, vec![Type::Int], Type::Str),
        (Type::Str, "find") => m(I::StrFind, vec![Type::Str], option_of(Type::Int)),
        (Type::Float, "fixed") => m(I::Fixed, vec![Type::Int], Type::Str),
        (Type::Task(t), "join") => m(I::TaskJoin, vec![], (**t).clone()),
        (Type::Chan(t), _) => {
            let t = (**t).clone();
            match name {
                "send" => m(I::ChanSend, vec![t], Type::Unit),
                "recv" => m(I::ChanRecv, vec![], option_of(t)),
                "try_send" => m(I::ChanTrySend, vec![t], Type::Bool),
                "try_recv" => m(I::ChanTryRecv, vec![], option_of(t)),
                "close" => m(I::ChanClose, vec![], Type::Unit),
                "len" => m(I::ChanLen, vec![], Type::Int),
                _ => return None,
            }
        }
        (Type::Atomic, "add") => m(I::AtomicAdd, vec![Type::Int], Type::Int),
        (Type::Atomic, "get") => m(I::AtomicGet, vec![], Type::Int),
        (Type::Atomic, "set") => m(I::AtomicSet, vec![Type::Int], Type::Unit),
        (Type::Atomic, "cas") => m(I::AtomicCas, vec![Type::Int, Type::Int], Type::Bool),
        (Type::Map(k, v), _) => {
            let (k, v) = ((**k).clone(), (**v).clone());
            let mut method = match name {
                "len" => m(I::MapLen, vec![], Type::Int),
                "get" => m(I::MapGet, vec![k], option_of(v)),
                "insert" => m(I::MapInsert, vec![k, v], Type::Unit),
                "remove" => m(I::MapRemove, vec![k], option_of(v)),
                "contains" => m(I::MapContains, vec![k], Type::Bool),
                "keys" => m(I::MapKeys, vec![], Type::Array(Box::new(k))),
                "values" => m(I::MapValues, vec![], Type::Array(Box::new(v))),
                _ => return None,
            };
            method.mutating = matches!(method.op, I::MapInsert | I::MapRemove);
            method
        }
        (Type::Array(elem), _) => {
            let t = (**elem).clone();
            let mut method = match name {
                "len" => m(I::ArrayLen, vec![], Type::Int),
                "push" => m(I::ArrayPush, vec![t.clone()], Type::Unit),
                "insert" => m(I::ArrayInsert, vec![Type::Int, t.clone()], Type::Unit),
                "remove" => m(I::ArrayRemove, vec![Type::Int], t.clone()),
                "clear" => m(I::ArrayClear, vec![], Type::Unit),
                "reserve" => m(I::ArrayReserve, vec![Type::Int], Type::Unit),
                "reverse" => m(I::ArrayReverse, vec![], Type::Unit),
                "sort" => m(I::ArraySort, vec![], Type::Unit),
                "sort_by" => m(
                    I::ArraySortBy,
                    vec![Type::Fn(vec![t.clone(), t.clone()], Box::new(Type::Bool))],
                    Type::Unit,
                ),
                "join" => m(I::ArrayJoin, vec![Type::Str], Type::Str),
                "sum" => m(I::ArraySum, vec![], t.clone()),
                "enumerate" => m(
                    I::ArrayEnumerate,
                    vec![],
                    Type::Array(Box::new(Type::Tuple(vec![Type::Int, t.clone()]))),
                ),
                "pop" => m(I::ArrayPop, vec![], option_of(t.clone())),
                "min" => m(I::ArrayMin, vec![], option_of(t.clone())),
                "max" => m(I::ArrayMax, vec![], option_of(t.clone())),
                _ => return None,
            };
            method.mutating = matches!(
                method.op,
                I::ArrayPush
                    | I::ArrayInsert
                    | I::ArrayRemove
                    | I::ArrayClear
                    | I::ArrayReserve
                    | I::ArrayReverse
                    | I::ArraySort
                    | I::ArraySortBy
                    | I::ArrayPop
            );
            method.requirement = match method.op {
                I::ArraySort | I::ArrayMin | I::ArrayMax
                    if !matches!(t, Type::Int | Type::Float | Type::Str) =>
                {
                    Some("an array of `int`, `float` or `str`")
                }
                I::ArrayJoin if t != Type::Str => Some("an array of `str`"),
                I::ArraySum if !matches!(t, Type::Int | Type::Float) => {
                    Some("an array of `int` or `float`")
                }
                _ => None,
            };
            method
        }
        _ => return None,
    })
}

/// The native method names of a type, for suggestions and completion
/// (the stdlib's are [`Checker::generic_method_names`]).
pub(super) fn method_names(t: &Type) -> &'static [&'static str] {
    match t {
        Type::Option(_) | Type::Result(..) => &["unwrap", "expect"],
        Type::Str => &[
            "len",
            "chars",
            "bytes",
            "contains",
            "starts_with",
            "ends_with",
            "split",
            "lines",
            "trim",
            "to_upper",
            "to_lower",
            "replace",
            "repeat",
            "find",
        ],
        Type::Float => &["fixed"],
        Type::Task(_) => &["join"],
        Type::Chan(_) => &["send", "recv", "try_send", "try_recv", "close", "len"],
        Type::Atomic => &["add", "get", "set", "cas"],
        Type::Map(..) => &[
            "len", "get", "insert", "remove", "contains", "keys", "values",
        ],
        Type::Array(_) => &[
            "len",
            "push",
            "insert",
            "remove",
            "clear",
            "reverse",
            "sort",
            "contains",
            "join",
            "sum",
            "enumerate",
            "pop",
            "index_of",
            "min",
            "max",
            "map",
            "filter",
            "fold",
            "any",
            "all",
            "sort_by",
            "par_map",
        ],
        _ => &[],
    }
}

/// Converts a value to its display string (identity on `str`).
fn to_str(e: kir::Expr) -> kir::Expr {
    if matches!(e.ty, Type::Str | Type::Error | Type::Never) {
        return e;
    }
    let span = e.span;
    Checker::intrinsic(Intrinsic::ToStr, vec![e], Type::Str, span)
}
