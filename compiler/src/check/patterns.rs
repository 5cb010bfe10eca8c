//! Patterns and `match`.
//!
//! A pattern is checked against the type of the value it matches and
//! lowered to two things: a *test*, a `bool` KIR expression over reads of
//! the value (`tag(v) == 1 && payload(v, 0) == 5`, `v.0 >= 1 && v.0 <= 9`,
//! nothing for a pattern that always matches), and the `Let`s of its
//! bindings, which read the parts they bind (`let x = payload(v, 0)`).
//! Reads are `Field`, `Payload` and `Tag` chains from the matched value,
//! which codegen reads in place. An or-pattern whose alternatives bind
//! names embeds each alternative's `Let`s in its test
//! (`(t1 && { lets1; true }) || (t2 && { lets2; true })`), so the same
//! locals get the values of whichever alternative matched.
//!
//! `match v { p1 if g1 => e1, p2 => e2, ... }` becomes a decision chain
//! over a hidden local holding the scrutinee (or the scrutinee's own local,
//! when no guard could change it):
//!
//! ```text
//! { let m = v; if t1 && { lets1; g1 } { e1 } else if t2 { lets2; e2 } else ... }
//! ```
//!
//! The last arm without a guard needs no test: the exhaustiveness check
//! (`exhaustive.rs`) has made sure that a value no earlier arm took
//! matches it. Arms after one that always matches are checked but not
//! lowered.
//!
//! `let` and `for` patterns use the same lowering and must have no test
//! (be irrefutable).

use std::collections::HashSet;

use super::enums::{block, expr, if_, is_builtin_variant, let_, panic_with, payload, read, tag_is};
use super::exhaustive::{Coverage, Ctor, Pat};
use super::items::{compatible, error_expr, has_error};
use super::scope::FnScope;
use super::stmt::discard;
use super::suggest::closest;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, ExprKind, LocalId, ERR_TAG, NONE_TAG, OK_TAG, SOME_TAG};
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast::{self, BinOp, PatternKind, UnOp};

/// A pattern, lowered.
struct Lowered {
    /// The test, `None` when the pattern always matches.
    test: Option<kir::Expr>,
    /// `Let`s binding the pattern's names (run after the test passed).
    binds: Vec<kir::Expr>,
    /// The pattern as exhaustiveness sees it.
    pat: Pat,
}

impl Lowered {
    fn always(binds: Vec<kir::Expr>) -> Lowered {
        Lowered {
            test: None,
            binds,
            pat: Pat::Wild,
        }
    }
}

/// The names one pattern binds, shared by the alternatives of its
/// or-patterns.
struct Binder {
    /// Every name the pattern binds, with its local, type and first
    /// binding.
    all: Vec<(String, LocalId, Type, Span)>,
    /// The names bound in the alternative being lowered.
    current: Vec<String>,
    /// Bindings of `var` (in `var (a, b) = ...`).
    mutable: bool,
    /// In a `match` (a name of a constant is a constant pattern there).
    in_match: bool,
}

/// `a && b`, where either may be absent (always true).
fn and(a: Option<kir::Expr>, b: Option<kir::Expr>) -> Option<kir::Expr> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => {
            let span = a.span.to(b.span);
            Some(expr(
                ExprKind::Binary(BinOp::And, Box::new(a), Box::new(b)),
                Type::Bool,
                span,
            ))
        }
    }
}

fn binary(op: BinOp, a: kir::Expr, b: kir::Expr, span: Span) -> kir::Expr {
    expr(
        ExprKind::Binary(op, Box::new(a), Box::new(b)),
        Type::Bool,
        span,
    )
}

fn int(v: i64, span: Span) -> kir::Expr {
    expr(ExprKind::Int(v), Type::Int, span)
}

/// `{ lets; value }`, a `bool` block.
fn with_binds(mut binds: Vec<kir::Expr>, value: kir::Expr) -> kir::Expr {
    if binds.is_empty() {
        return value;
    }
    let span = value.span;
    binds.push(value);
    expr(ExprKind::Block(binds), Type::Bool, span)
}

impl Checker {
    /// `match scrutinee { arms }`.
    pub(super) fn check_match(
        &mut self,
        scope: &mut FnScope,
        scrutinee: &ast::Expr,
        arms: &[ast::MatchArm],
        expected: Option<&Type>,
        span: Span,
    ) -> kir::Expr {
        let s = self.check_expr(scope, scrutinee, None);
        let sty = s.ty.clone();
        // A scrutinee of unknown type (already reported) or one that
        // never exists: patterns are checked against anything, quietly.
        let poisoned = has_error(&sty) || sty == Type::Never;
        let pat_ty = if poisoned { Type::Error } else { sty.clone() };
        let sspan = s.span;
        let reuse = match s.kind {
            ExprKind::Local(id) if arms.iter().all(|a| a.guard.is_none()) => Some(id),
            _ => None,
        };
        let (setup, m) = match reuse {
            Some(id) => (None, id),
            None => {
                let m = scope.declare_hidden(sty.clone(), sspan);
                (Some(let_(m, s, sspan)), m)
            }
        };
        let discarding = expected == Some(&Type::Unit);
        let mut arm_types = ArmTypes::new(expected);
        let mut result_error = false;
        let mut rows = Vec::new();
        let mut pattern_errors = false;
        // (test, binds, guard, body) of each arm.
        let mut lowered = Vec::with_capacity(arms.len());
        for arm in arms {
            scope.push();
            let mark = self.diags.len();
            let mut binder = Binder {
                all: Vec::new(),
                current: Vec::new(),
                mutable: false,
                in_match: true,
            };
            let value = read(m, sty.clone(), arm.pattern.span);
            let low = self.lower_pattern(scope, &arm.pattern, value, &pat_ty, &mut binder);
            pattern_errors |= self.diags.len() > mark;
            let guard = arm
                .guard
                .as_ref()
                .map(|g| self.check_condition(scope, g, "a guard must be a `bool`"));
            if guard.is_none() {
                rows.push(low.pat.clone());
            }
            let body = self.check_expr(scope, &arm.body, arm_types.hint.as_ref());
            scope.pop();
            let body = if discarding { discard(body) } else { body };
            result_error |= !self.join_arm_type(&mut arm_types, &body, "match");
            lowered.push((low.test, low.binds, guard, body));
        }
        if !poisoned && !pattern_errors {
            let coverage = self.missing_case(&rows, &sty);
            if let Coverage::TooComplex = coverage {
                self.error(
                    Diagnostic::error(
                        "E0408",
                        "this `match` is too complex to check for missing cases",
                        sspan,
                        "too many combinations of patterns",
                    )
                    .with_help("add a `_ =>` arm"),
                );
                result_error = true;
            }
            if let Coverage::Missing(missing) = coverage {
                let help = if missing == "_" {
                    "add a `_ =>` arm".to_string()
                } else {
                    format!("add an arm for `{missing}`, or a `_ =>` arm")
                };
                self.error(
                    Diagnostic::error(
                        "E0408",
                        format!("non-exhaustive match: `{missing}` not covered"),
                        sspan,
                        format!("pattern `{missing}` not covered"),
                    )
                    .with_help(help),
                );
                result_error = true;
            }
        }
        let ty = match arm_types.first {
            _ if result_error => Type::Error,
            None => Type::Never,
            Some(_) if discarding => Type::Unit,
            Some((t, _)) => t,
        };
        // A scrutinee that never produces a value: the arms never run, and
        // the `match` is the diverging scrutinee itself.
        let setup = match setup {
            Some(kir::Expr {
                kind: ExprKind::Let(_, value),
                ..
            }) if sty == Type::Never && !result_error => return *value,
            other => other,
        };
        if has_error(&ty) || poisoned {
            return error_expr(span);
        }
        // The chain, built from the last arm back.
        let mut chain = panic_with(
            expr(
                ExprKind::Str("internal error: no `match` arm matched".into()),
                Type::Str,
                span,
            ),
            span,
        );
        let mut tail = true;
        for (test, binds, guard, body) in lowered.into_iter().rev() {
            let bspan = body.span;
            chain = match (test, guard) {
                // The last arm without a guard, or one that always
                // matches: no test.
                (test, None) if tail || test.is_none() => {
                    let mut items = binds;
                    items.push(body);
                    block(items, bspan)
                }
                (test, None) => {
                    let cond =
                        test.unwrap_or_else(|| expr(ExprKind::Bool(true), Type::Bool, bspan));
                    let mut items = binds;
                    items.push(body);
                    if_(cond, block(items, bspan), chain, bspan)
                }
                (test, Some(g)) => {
                    let cond = and(test, Some(with_binds(binds, g)))
                        .unwrap_or_else(|| expr(ExprKind::Bool(true), Type::Bool, bspan));
                    if_(cond, body, chain, bspan)
                }
            };
            tail = false;
        }
        let mut items: Vec<kir::Expr> = setup.into_iter().collect();
        items.push(chain);
        let mut out = block(items, span);
        out.span = span;
        out
    }

    /// Declares the locals a `let` or `for` pattern binds for a value of
    /// type `ty`. Returns the local that receives the whole value and the
    /// `Let`s that take it apart. The pattern must always match.
    pub(super) fn bind_pattern(
        &mut self,
        scope: &mut FnScope,
        pattern: &ast::Pattern,
        ty: &Type,
        mutable: bool,
    ) -> (LocalId, Vec<kir::Expr>) {
        match &pattern.kind {
            PatternKind::Binding(id) if !is_builtin_variant(&id.name) => {
                return (
                    scope.declare(&id.name, ty.clone(), mutable, id.span),
                    Vec::new(),
                )
            }
            PatternKind::Wildcard | PatternKind::Error => {
                return (scope.declare_hidden(ty.clone(), pattern.span), Vec::new())
            }
            _ => {}
        }
        let whole = scope.declare_hidden(ty.clone(), pattern.span);
        let mut binder = Binder {
            all: Vec::new(),
            current: Vec::new(),
            mutable,
            in_match: false,
        };
        let mark = self.diags.len();
        let value = read(whole, ty.clone(), pattern.span);
        let low = self.lower_pattern(scope, pattern, value, ty, &mut binder);
        if low.test.is_some() && self.diags.len() == mark && !has_error(ty) {
            let missing = match self.missing_case(&[low.pat], ty) {
                Coverage::Missing(m) => m,
                _ => "_".to_string(),
            };
            self.error(
                Diagnostic::error(
                    "E0411",
                    "this pattern can fail to match",
                    pattern.span,
                    format!("`{missing}` is not matched"),
                )
                .with_help("`let` and `for` need a pattern that always matches: use `match` to test the value"),
            );
        }
        (whole, low.binds)
    }

    /// Checks `pattern` against a value of type `ty` that `value` reads,
    /// and lowers it.
    fn lower_pattern(
        &mut self,
        scope: &mut FnScope,
        pattern: &ast::Pattern,
        value: kir::Expr,
        ty: &Type,
        binder: &mut Binder,
    ) -> Lowered {
        stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || {
            self.lower_pattern_inner(scope, pattern, value, ty, binder)
        })
    }

    fn lower_pattern_inner(
        &mut self,
        scope: &mut FnScope,
        pattern: &ast::Pattern,
        value: kir::Expr,
        ty: &Type,
        binder: &mut Binder,
    ) -> Lowered {
        let span = pattern.span;
        match &pattern.kind {
            PatternKind::Wildcard | PatternKind::Error => Lowered::always(Vec::new()),
            PatternKind::Binding(id) if is_builtin_variant(&id.name) => {
                self.lower_variant(scope, None, None, id, None, value, ty, binder, span)
            }
            PatternKind::Binding(id) => {
                if binder.in_match {
                    if let Some(low) = self.constant_pattern(id, value.clone(), ty) {
                        return low;
                    }
                    if let Some(tag) = self.variant_index(ty, &id.name) {
                        let _ = tag;
                        self.error(
                            Diagnostic::error(
                                "E0205",
                                format!("`{}` is a variant of `{ty}`, not a new name", id.name),
                                id.span,
                                "this would bind any value to a new name",
                            )
                            .with_help(format!("write `{ty}::{}` to match the variant", id.name)),
                        );
                        return Lowered::always(Vec::new());
                    }
                }
                let local = self.bind_name(scope, id, ty, binder);
                Lowered::always(vec![let_(local, value, id.span)])
            }
            PatternKind::Int(n) => self.literal_pattern(
                value,
                ty,
                &Type::Int,
                expr(ExprKind::Int(*n), Type::Int, span),
                span,
            ),
            PatternKind::Float(x) => self.literal_pattern(
                value,
                ty,
                &Type::Float,
                expr(ExprKind::Float(*x), Type::Float, span),
                span,
            ),
            PatternKind::Str(s) => self.literal_pattern(
                value,
                ty,
                &Type::Str,
                expr(ExprKind::Str(s.clone()), Type::Str, span),
                span,
            ),
            PatternKind::Bool(b) => {
                if !self.pattern_fits(ty, &Type::Bool, span) {
                    return Lowered::always(Vec::new());
                }
                let test = if *b {
                    value
                } else {
                    expr(
                        ExprKind::Unary(UnOp::Not, Box::new(value)),
                        Type::Bool,
                        span,
                    )
                };
                Lowered {
                    test: Some(test),
                    binds: Vec::new(),
                    pat: Pat::Ctor(Ctor::Bool(*b), Vec::new()),
                }
            }
            PatternKind::Unit => {
                self.pattern_fits(ty, &Type::Unit, span);
                Lowered::always(Vec::new())
            }
            PatternKind::Range {
                start,
                end,
                inclusive,
            } => {
                if !self.pattern_fits(ty, &Type::Int, span) {
                    return Lowered::always(Vec::new());
                }
                let empty = if *inclusive {
                    start > end
                } else {
                    start >= end
                };
                if empty {
                    self.error(Diagnostic::error(
                        "E0413",
                        "this range pattern matches nothing",
                        span,
                        format!(
                            "no `int` is in {start}{}{end}",
                            if *inclusive { "..=" } else { ".." }
                        ),
                    ));
                    return Lowered::always(Vec::new());
                }
                let lo = binary(BinOp::Ge, value.clone(), int(*start, span), span);
                let op = if *inclusive { BinOp::Le } else { BinOp::Lt };
                let hi = binary(op, value, int(*end, span), span);
                Lowered {
                    test: and(Some(lo), Some(hi)),
                    binds: Vec::new(),
                    pat: Pat::Lit,
                }
            }
            PatternKind::Tuple(items) => {
                let elems: Vec<Type> = match ty {
                    Type::Tuple(ts) if ts.len() == items.len() => ts.clone(),
                    Type::Error => vec![Type::Error; items.len()],
                    other => {
                        self.error(Diagnostic::error(
                            "E0301",
                            "mismatched types",
                            span,
                            format!(
                                "this pattern expects a tuple of {} elements, found `{other}`",
                                items.len()
                            ),
                        ));
                        vec![Type::Error; items.len()]
                    }
                };
                let fields = items
                    .iter()
                    .zip(elems)
                    .enumerate()
                    .map(|(i, (p, t))| {
                        let read = expr(
                            ExprKind::Field(Box::new(value.clone()), i as u32),
                            t.clone(),
                            p.span,
                        );
                        (p, read, t)
                    })
                    .collect();
                self.lower_fields(scope, fields, Ctor::Single, binder)
            }
            PatternKind::Variant {
                module,
                enum_name,
                name,
                args,
            } => self.lower_variant(
                scope,
                module.as_ref(),
                enum_name.as_ref(),
                name,
                Some(args),
                value,
                ty,
                binder,
                span,
            ),
            PatternKind::Struct {
                module,
                name,
                fields,
            } => self.lower_struct(
                scope,
                module.as_ref(),
                name,
                fields,
                value,
                ty,
                binder,
                span,
            ),
            PatternKind::Or(alts) => self.lower_or(scope, alts, value, ty, binder),
        }
    }

    /// A name bound by a pattern: a new local, or the local the same name
    /// got in an earlier alternative of the pattern.
    fn bind_name(
        &mut self,
        scope: &mut FnScope,
        id: &ast::Ident,
        ty: &Type,
        binder: &mut Binder,
    ) -> LocalId {
        if binder.current.contains(&id.name) {
            self.error(Diagnostic::error(
                "E0202",
                format!("`{}` is bound more than once in this pattern", id.name),
                id.span,
                "bound again here",
            ));
        } else {
            binder.current.push(id.name.clone());
        }
        if let Some((_, local, t, first)) = binder.all.iter().find(|(n, ..)| *n == id.name) {
            if !compatible(ty, t) && !compatible(t, ty) {
                let (t, first) = (t.clone(), *first);
                self.error(
                    Diagnostic::error(
                        "E0301",
                        format!("`{}` has different types in the alternatives", id.name),
                        id.span,
                        format!("this is `{ty}`"),
                    )
                    .with_label(first, format!("here it is `{t}`")),
                );
            }
            return *local;
        }
        let local = scope.declare(&id.name, ty.clone(), binder.mutable, id.span);
        binder
            .all
            .push((id.name.clone(), local, ty.clone(), id.span));
        local
    }

    /// Reports a literal or range pattern of type `pat` against a value of
    /// type `ty`; returns whether it fits.
    fn pattern_fits(&mut self, ty: &Type, pat: &Type, span: Span) -> bool {
        if *ty == Type::Error {
            return false;
        }
        if ty == pat {
            return true;
        }
        let mut d = Diagnostic::error(
            "E0301",
            "mismatched types",
            span,
            format!("this pattern is `{pat}`, but the value is `{ty}`"),
        );
        if (ty, pat) == (&Type::Float, &Type::Int) {
            d = d.with_help("write a float literal such as `1.0`");
        }
        self.error(d);
        false
    }

    /// `1`, `2.5`, `"s"`: equality with the literal.
    fn literal_pattern(
        &mut self,
        value: kir::Expr,
        ty: &Type,
        lit_ty: &Type,
        lit: kir::Expr,
        span: Span,
    ) -> Lowered {
        if !self.pattern_fits(ty, lit_ty, span) {
            return Lowered::always(Vec::new());
        }
        Lowered {
            test: Some(binary(BinOp::Eq, value, lit, span)),
            binds: Vec::new(),
            pat: Pat::Lit,
        }
    }

    /// A name that is a constant: equality with its value.
    fn constant_pattern(
        &mut self,
        id: &ast::Ident,
        value: kir::Expr,
        ty: &Type,
    ) -> Option<Lowered> {
        let super::names::Resolved::Const(key) = self.resolve_item(None, id) else {
            return None;
        };
        let mut c = self.const_value(&key, id.span)?;
        c.span = id.span;
        let cty = c.ty.clone();
        if cty == Type::Error || !self.pattern_fits(ty, &cty, id.span) {
            return Some(Lowered::always(Vec::new()));
        }
        let pat = if cty == Type::Bool {
            match c.kind {
                ExprKind::Bool(b) => Pat::Ctor(Ctor::Bool(b), Vec::new()),
                _ => Pat::Lit,
            }
        } else {
            Pat::Lit
        };
        Some(Lowered {
            test: Some(binary(BinOp::Eq, value, c, id.span)),
            binds: Vec::new(),
            pat,
        })
    }

    /// The sub-patterns of a tuple, struct or variant, each with the read
    /// of its part and its type: the test is theirs joined with `&&`.
    fn lower_fields(
        &mut self,
        scope: &mut FnScope,
        fields: Vec<(&ast::Pattern, kir::Expr, Type)>,
        ctor: Ctor,
        binder: &mut Binder,
    ) -> Lowered {
        let mut test = None;
        let mut binds = Vec::new();
        let mut pats = Vec::with_capacity(fields.len());
        for (p, read, t) in fields {
            let low = self.lower_pattern(scope, p, read, &t, binder);
            test = and(test, low.test);
            binds.extend(low.binds);
            pats.push(low.pat);
        }
        Lowered {
            test,
            binds,
            pat: Pat::Ctor(ctor, pats),
        }
    }

    /// `Shape::Circle(r)`, `Some(x)`, `None`, `Ok(v)`, `Err(e)`
    /// (`args` is `None` for a bare name).
    #[allow(clippy::too_many_arguments)]
    fn lower_variant(
        &mut self,
        scope: &mut FnScope,
        module: Option<&ast::Ident>,
        enum_name: Option<&ast::Ident>,
        name: &ast::Ident,
        args: Option<&Vec<ast::Pattern>>,
        value: kir::Expr,
        ty: &Type,
        binder: &mut Binder,
        span: Span,
    ) -> Lowered {
        let no_args: Vec<ast::Pattern> = Vec::new();
        let args = args.unwrap_or(&no_args);
        // The enum type the pattern names, and the variant's tag.
        let resolved: Option<(Type, u32)> = match enum_name {
            Some(e) if module.is_none() && (e.name == "Option" || e.name == "Result") => {
                self.builtin_variant_pattern(e.name.as_str(), name, ty, span)
            }
            None if module.is_some() => {
                let m = module.map_or("", |m| m.name.as_str());
                self.error(
                    Diagnostic::error(
                        "E0201",
                        format!("`{m}.{}` is not a variant", name.name),
                        name.span,
                        "a variant is named with its enum",
                    )
                    .with_help(format!("write `{m}.Enum::{}`", name.name)),
                );
                None
            }
            None if is_builtin_variant(&name.name) => {
                let family = if matches!(name.name.as_str(), "Some" | "None") {
                    "Option"
                } else {
                    "Result"
                };
                self.builtin_variant_pattern(family, name, ty, span)
            }
            Some(e) => match self.pattern_owner(module, e, ty, span) {
                Some(Type::Error) => None,
                Some(t @ Type::Enum(..)) => match self.variant_index(&t, &name.name) {
                    Some(tag) => {
                        if *ty != Type::Error && *ty != t {
                            self.error(Diagnostic::error(
                                "E0301",
                                "mismatched types",
                                span,
                                format!("this pattern is `{t}`, but the value is `{ty}`"),
                            ));
                            None
                        } else {
                            Some((t, tag))
                        }
                    }
                    None => {
                        self.report_unknown_variant(&t, name);
                        None
                    }
                },
                Some(other) => {
                    self.error(Diagnostic::error(
                        "E0203",
                        format!("`{other}` is not an enum"),
                        e.span,
                        "only enums have variants",
                    ));
                    None
                }
                None => {
                    self.report_unknown_type(e);
                    None
                }
            },
            None => {
                let mut d = Diagnostic::error(
                    "E0201",
                    format!("cannot find the variant `{}`", name.name),
                    name.span,
                    "not a variant in scope",
                );
                if let Type::Enum(..) = ty {
                    let ename = self.written_name(ty);
                    if self.variant_index(ty, &name.name).is_some() {
                        d = d.with_help(format!("write `{ename}::{}`", name.name));
                    }
                } else if let Some(s) = closest(&name.name, ["Some", "None", "Ok", "Err"]) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.error(d);
                None
            }
        };
        let Some((enum_ty, tag)) = resolved else {
            // Bind the names anyway, so that the arm's body can be checked.
            for p in args {
                let _ = self.lower_pattern(scope, p, error_expr(p.span), &Type::Error, binder);
            }
            return Lowered::always(Vec::new());
        };
        if enum_ty == Type::Error {
            for p in args {
                let _ = self.lower_pattern(scope, p, error_expr(p.span), &Type::Error, binder);
            }
            return Lowered::always(Vec::new());
        }
        let variants = self.variants(&enum_ty).unwrap_or_default();
        let payload_tys = variants
            .get(tag as usize)
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        if args.len() != payload_tys.len() {
            let shown = match &enum_ty {
                Type::Enum(..) => format!("{}::{}", self.written_name(&enum_ty), name.name),
                _ => name.name.clone(),
            };
            let mut d = Diagnostic::error(
                "E0302",
                format!(
                    "this pattern has {}, but `{shown}` holds {}",
                    super::expr::plural(args.len(), "field"),
                    super::expr::plural(payload_tys.len(), "value")
                ),
                span,
                format!(
                    "expected {}",
                    super::expr::plural(payload_tys.len(), "field")
                ),
            );
            if payload_tys.is_empty() {
                d = d.with_help(format!("write `{shown}` without parentheses"));
            } else {
                let blanks = vec!["_"; payload_tys.len()].join(", ");
                d = d.with_help(format!("write `{shown}({blanks})`"));
            }
            self.error(d);
            for p in args {
                let _ = self.lower_pattern(scope, p, error_expr(p.span), &Type::Error, binder);
            }
            return Lowered::always(Vec::new());
        }
        let fields = args
            .iter()
            .zip(payload_tys)
            .enumerate()
            .map(|(i, (p, t))| (p, payload(value.clone(), i as u32, t.clone(), p.span), t))
            .collect();
        let mut low = self.lower_fields(scope, fields, Ctor::Variant(tag), binder);
        if variants.len() > 1 {
            low.test = and(Some(tag_is(value, tag, span)), low.test);
        }
        low
    }

    /// The type and tag of `Some`/`None` (`family` "Option") or `Ok`/`Err`
    /// ("Result") in a pattern matching a value of type `ty`.
    fn builtin_variant_pattern(
        &mut self,
        family: &str,
        name: &ast::Ident,
        ty: &Type,
        span: Span,
    ) -> Option<(Type, u32)> {
        let tag = match (family, name.name.as_str()) {
            ("Option", "None") => NONE_TAG,
            ("Option", "Some") => SOME_TAG,
            ("Result", "Ok") => OK_TAG,
            ("Result", "Err") => ERR_TAG,
            _ => {
                let known: &[&str] = if family == "Option" {
                    &["Some", "None"]
                } else {
                    &["Ok", "Err"]
                };
                let mut d = Diagnostic::error(
                    "E0204",
                    format!("no variant `{}` in `{family}`", name.name),
                    name.span,
                    "unknown variant",
                );
                if let Some(s) = closest(&name.name, known.iter().copied()) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.error(d);
                return None;
            }
        };
        match (family, ty) {
            (_, Type::Error) => Some((Type::Error, tag)),
            ("Option", Type::Option(_)) | ("Result", Type::Result(..)) => Some((ty.clone(), tag)),
            _ => {
                let article = if family == "Option" { "an" } else { "a" };
                self.error(Diagnostic::error(
                    "E0301",
                    "mismatched types",
                    span,
                    format!("this pattern matches {article} `{family}`, but the value is `{ty}`"),
                ));
                None
            }
        }
    }

    /// Reports `Enum::Nope`, suggesting the closest variant.
    fn report_unknown_variant(&mut self, ty: &Type, name: &ast::Ident) {
        let names: Vec<String> = self
            .variants(ty)
            .unwrap_or_default()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let mut d = Diagnostic::error(
            "E0204",
            format!("no variant `{}` in enum `{ty}`", name.name),
            name.span,
            "unknown variant",
        );
        if let Some(s) = closest(&name.name, names.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.error(d);
    }

    /// `Point { x, y: 0.0 }`; fields not named match anything.
    #[allow(clippy::too_many_arguments)]
    fn lower_struct(
        &mut self,
        scope: &mut FnScope,
        module: Option<&ast::Ident>,
        name: &ast::Ident,
        fields: &[(ast::Ident, Option<ast::Pattern>)],
        value: kir::Expr,
        ty: &Type,
        binder: &mut Binder,
        span: Span,
    ) -> Lowered {
        let owner = self.pattern_owner(module, name, ty, span);
        let info = match &owner {
            Some(Type::Error) => None,
            Some(Type::Struct(id, sname)) => {
                let t = Type::Struct(*id, sname.clone());
                if *ty != Type::Error && *ty != t {
                    self.error(Diagnostic::error(
                        "E0301",
                        "mismatched types",
                        span,
                        format!("this pattern is `{t}`, but the value is `{ty}`"),
                    ));
                    None
                } else {
                    self.structs.get(*id as usize).cloned()
                }
            }
            Some(other) => {
                self.error(Diagnostic::error(
                    "E0203",
                    format!("`{other}` is not a struct"),
                    name.span,
                    "only structs have named fields",
                ));
                None
            }
            None => {
                self.report_unknown_type(name);
                None
            }
        };
        let bind_field = |f: &ast::Ident, p: &Option<ast::Pattern>| -> ast::Pattern {
            p.clone().unwrap_or(ast::Pattern {
                kind: PatternKind::Binding(f.clone()),
                span: f.span,
            })
        };
        let Some(info) = info else {
            for (f, p) in fields {
                let p = bind_field(f, p);
                let _ = self.lower_pattern(scope, &p, error_expr(p.span), &Type::Error, binder);
            }
            return Lowered::always(Vec::new());
        };
        let mut by_field: Vec<Option<ast::Pattern>> = vec![None; info.fields.len()];
        let mut seen = HashSet::new();
        for (f, p) in fields {
            let Some(i) = info.fields.iter().position(|(n, _, _)| *n == f.name) else {
                let mut d = Diagnostic::error(
                    "E0204",
                    format!("struct `{}` has no field `{}`", info.name, f.name),
                    f.span,
                    "unknown field",
                );
                if let Some(s) = closest(&f.name, info.fields.iter().map(|(n, _, _)| n.as_str())) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.error(d);
                let p = bind_field(f, p);
                let _ = self.lower_pattern(scope, &p, error_expr(p.span), &Type::Error, binder);
                continue;
            };
            if !seen.insert(i) {
                self.error(Diagnostic::error(
                    "E0202",
                    format!("field `{}` is matched more than once", f.name),
                    f.span,
                    "matched again here",
                ));
                continue;
            }
            by_field[i] = Some(bind_field(f, p));
        }
        let wildcard = ast::Pattern {
            kind: PatternKind::Wildcard,
            span,
        };
        let pats: Vec<ast::Pattern> = by_field
            .into_iter()
            .map(|p| p.unwrap_or_else(|| wildcard.clone()))
            .collect();
        let parts = pats
            .iter()
            .zip(&info.fields)
            .enumerate()
            .map(|(i, (p, (_, t, _)))| {
                let read = expr(
                    ExprKind::Field(Box::new(value.clone()), i as u32),
                    t.clone(),
                    p.span,
                );
                (p, read, t.clone())
            })
            .collect();
        self.lower_fields(scope, parts, Ctor::Single, binder)
    }

    /// `a | b | c`: every alternative must bind the same names.
    fn lower_or(
        &mut self,
        scope: &mut FnScope,
        alts: &[ast::Pattern],
        value: kir::Expr,
        ty: &Type,
        binder: &mut Binder,
    ) -> Lowered {
        let before = binder.current.clone();
        let mut lows = Vec::with_capacity(alts.len());
        let mut names: Vec<Vec<String>> = Vec::with_capacity(alts.len());
        for alt in alts {
            binder.current = before.clone();
            let low = self.lower_pattern(scope, alt, value.clone(), ty, binder);
            let mut bound: Vec<String> = binder.current[before.len()..].to_vec();
            bound.sort();
            names.push(bound);
            lows.push(low);
        }
        if let Some(first) = names.first() {
            for (alt, bound) in alts.iter().zip(&names).skip(1) {
                for missing in first.iter().filter(|n| !bound.contains(n)) {
                    self.error(Diagnostic::error(
                        "E0410",
                        format!("`{missing}` is not bound in every alternative"),
                        alt.span,
                        format!("this alternative does not bind `{missing}`"),
                    ));
                }
                for extra in bound.iter().filter(|n| !first.contains(n)) {
                    self.error(Diagnostic::error(
                        "E0410",
                        format!("`{extra}` is not bound in every alternative"),
                        alts[0].span,
                        format!("this alternative does not bind `{extra}`"),
                    ));
                }
            }
        }
        let mut current = before;
        current.extend(names.first().cloned().unwrap_or_default());
        binder.current = current;
        let pat = Pat::Or(lows.iter().map(|l| l.pat.clone()).collect());
        let has_binds = lows.iter().any(|l| !l.binds.is_empty());
        if !has_binds && lows.iter().any(|l| l.test.is_none()) {
            // An alternative always matches, so the whole pattern does.
            return Lowered {
                test: None,
                binds: Vec::new(),
                pat,
            };
        }
        let mut test: Option<kir::Expr> = None;
        for low in lows {
            let this = if has_binds {
                let t = with_binds(
                    low.binds,
                    expr(ExprKind::Bool(true), Type::Bool, value.span),
                );
                and(low.test, Some(t))
            } else {
                low.test
            };
            let Some(this) = this else {
                continue;
            };
            test = Some(match test {
                None => this,
                Some(t) => {
                    let span = t.span.to(this.span);
                    binary(BinOp::Or, t, this, span)
                }
            });
        }
        Lowered {
            test,
            binds: Vec::new(),
            pat,
        }
    }
}

/// The type of a `match` or `select` as its arms are checked: the first arm
/// that has a type sets it (never-typed arms fit anything).
pub(super) struct ArmTypes {
    /// The type expected of the next arm, if known.
    pub hint: Option<Type>,
    /// The first arm with a type, and its span for "incompatible" labels.
    pub first: Option<(Type, Span)>,
}

impl ArmTypes {
    pub fn new(expected: Option<&Type>) -> ArmTypes {
        ArmTypes {
            hint: expected.cloned(),
            first: None,
        }
    }
}

impl Checker {
    /// Adds the type of an arm's `body` to `arms`; reports an arm whose
    /// type differs from the first one's and returns false for it.
    pub(super) fn join_arm_type(
        &mut self,
        arms: &mut ArmTypes,
        body: &kir::Expr,
        what: &str,
    ) -> bool {
        if matches!(body.ty, Type::Never) {
            return true;
        }
        let Some((t, tspan)) = &arms.first else {
            arms.first = Some((body.ty.clone(), body.span));
            if arms.hint.is_none() && !has_error(&body.ty) {
                arms.hint = Some(body.ty.clone());
            }
            return true;
        };
        if compatible(&body.ty, t) || compatible(t, &body.ty) {
            return true;
        }
        let diag = Diagnostic::error(
            "E0301",
            format!("`{what}` arms have incompatible types"),
            body.span,
            format!("expected `{t}`, found `{}`", body.ty),
        )
        .with_label(*tspan, format!("this arm has type `{t}`"));
        self.error(diag);
        false
    }
}
