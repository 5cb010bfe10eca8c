//! Known-closure calls: a KIR → KIR pass that turns calls of function
//! values whose function is known into direct calls, which the inliner
//! can then inline.
//!
//! **Consumes** a checked [`Program`]; **produces** the same program with
//! some `CallValue`s replaced by `Call`s. It runs before inlining and again
//! after it (see `frontend` in `lib.rs`): inlining a function that takes a
//! function value (`apply(|x| x + n, 3)`) leaves `let f' = <closure>` and
//! `f'(x')` side by side in the caller, and this pass connects them.
//!
//! **The rewrite.** In a block, `let f = |..| ..` (a [`ExprKind::Closure`]
//! of function `func` with captures `c1..cn`) becomes
//! `let k1 = c1; ..; let kn = cn; let f = Closure(func, [k1..kn])` in the
//! same block, where `ki` are fresh immutable locals; then every
//! `f(args)` becomes `func(k1, .., kn, args)`. The captures are still
//! evaluated once, where the closure is made, so a closure keeps the values
//! it captured (value semantics) even if the variables change later. The
//! fresh locals live in the closure's block, like `f` itself, so they are
//! alive wherever `f` can be called. `let f = named_fn` (a
//! [`ExprKind::FnRef`]) needs no captures, `let g = f` of a known `f`
//! calls the same, and `(|x| ..)(a)` is rewritten in place.
//!
//! Only locals bound by at most one `let` and never assigned (`let`, not
//! `var`) are followed, so `f` always holds the closure the rewrite saw; a
//! capture that is such a local is read again at each call instead of
//! being copied into a fresh one. The closure itself is still made where
//! its `let` is (one allocation), even when no use of it is left.

use std::collections::HashMap;

use super::kir::{Expr, ExprKind, FuncId, Local, LocalId, Program};
use super::types::Type;
use super::visit::{for_each_child, for_each_child_mut};

/// Rewrites the calls of known function values in every function of
/// `program`.
pub fn devirtualize_program(program: &mut Program) {
    for f in &mut program.functions {
        let lets = count_lets(&f.body);
        let mut pass = Devirt {
            locals: &mut f.locals,
            lets,
            known: HashMap::new(),
        };
        pass.visit(&mut f.body);
    }
}

/// What calling a known local does: call `func` with `captures` (fixed
/// locals) before the arguments.
#[derive(Clone)]
struct Known {
    func: FuncId,
    captures: Vec<LocalId>,
}

struct Devirt<'f> {
    locals: &'f mut Vec<Local>,
    /// How many `let`s bind each local.
    lets: HashMap<LocalId, usize>,
    known: HashMap<LocalId, Known>,
}

impl Devirt<'_> {
    fn visit(&mut self, e: &mut Expr) {
        // KIR can nest deeply; as in the other passes.
        stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || self.visit_inner(e));
    }

    /// Children first, in evaluation order, so a closure's `let` is seen
    /// before the calls that follow it in its block.
    fn visit_inner(&mut self, e: &mut Expr) {
        if let ExprKind::Block(items) = &mut e.kind {
            self.hoist_captures(items);
        }
        for_each_child_mut(e, &mut |c| self.visit(c));
        let ExprKind::CallValue(callee, args) = &mut e.kind else {
            return;
        };
        let (func, mut direct) = match &mut callee.kind {
            ExprKind::Local(id) => match self.known.get(id) {
                Some(k) => (k.func, self.reads(&k.captures, callee.span)),
                None => return,
            },
            ExprKind::FnRef(func) => (*func, Vec::new()),
            ExprKind::Closure { func, captures } => (*func, std::mem::take(captures)),
            _ => return,
        };
        direct.append(args);
        e.kind = ExprKind::Call(func, direct);
    }

    /// Binds the captures of each `let f = <closure>` in `items` to fresh
    /// locals just before it, and records `f` as known.
    fn hoist_captures(&mut self, items: &mut Vec<Expr>) {
        let mut no_captures = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let ExprKind::Let(id, value) = &mut items[i].kind else {
                i += 1;
                continue;
            };
            let id = *id;
            if !self.is_fixed(id) {
                i += 1;
                continue;
            }
            let (func, captures) = match &mut value.kind {
                ExprKind::FnRef(func) => (*func, &mut no_captures),
                ExprKind::Closure { func, captures } => (*func, captures),
                // `let g = f` of a known `f` (as inlining a call binds a
                // parameter): `g` calls what `f` calls.
                ExprKind::Local(f) if self.known.contains_key(f) => {
                    let alias = self.known[f].clone();
                    self.known.insert(id, alias);
                    i += 1;
                    continue;
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            let mut lets = Vec::new();
            let mut fixed = Vec::with_capacity(captures.len());
            for c in captures.iter_mut() {
                // A capture of a fixed local is read again at each call;
                // anything else is evaluated once, here, into a fresh one.
                if let ExprKind::Local(x) = c.kind {
                    if self.is_fixed(x) {
                        fixed.push(x);
                        continue;
                    }
                }
                let k = LocalId(self.locals.len() as u32);
                self.locals.push(Local {
                    name: format!("$capture{}", k.0),
                    ty: c.ty.clone(),
                    mutable: false,
                });
                let read = Expr {
                    kind: ExprKind::Local(k),
                    ty: c.ty.clone(),
                    span: c.span,
                };
                let value = std::mem::replace(c, read);
                let span = value.span;
                lets.push(Expr {
                    kind: ExprKind::Let(k, Box::new(value)),
                    ty: Type::Unit,
                    span,
                });
                fixed.push(k);
            }
            self.known.insert(
                id,
                Known {
                    func,
                    captures: fixed,
                },
            );
            let n = lets.len();
            items.splice(i..i, lets);
            i += n + 1;
        }
    }

    /// True when local `id` holds one value wherever it is in scope: it is
    /// not a `var` and at most one `let` binds it (none: a parameter).
    fn is_fixed(&self, id: LocalId) -> bool {
        let immutable = self.locals.get(id.0 as usize).is_some_and(|l| !l.mutable);
        immutable && self.lets.get(&id).copied().unwrap_or(0) <= 1
    }

    fn reads(&self, ids: &[LocalId], span: crate::span::Span) -> Vec<Expr> {
        ids.iter()
            .map(|&k| Expr {
                kind: ExprKind::Local(k),
                ty: self.locals[k.0 as usize].ty.clone(),
                span,
            })
            .collect()
    }
}

/// How many `let`s bind each local of `body`.
fn count_lets(body: &Expr) -> HashMap<LocalId, usize> {
    let mut counts = HashMap::new();
    let mut work = vec![body];
    while let Some(e) = work.pop() {
        if let ExprKind::Let(id, _) = &e.kind {
            *counts.entry(*id).or_insert(0) += 1;
        }
        for_each_child(e, &mut |c| work.push(c));
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    /// The checked program of `src`, devirtualized (not inlined).
    fn devirtualized(src: &str) -> Program {
        let (module, diags) = crate::syntax::parser::parse(FileId(0), src);
        assert!(diags.is_empty(), "syntax errors: {diags:?}");
        let (program, diags) = crate::check::check(&module);
        assert!(diags.is_empty(), "check errors: {diags:?}");
        let mut p = program.expect("a program");
        devirtualize_program(&mut p);
        p
    }

    fn count(e: &Expr, pred: &impl Fn(&Expr) -> bool) -> usize {
        let mut n = usize::from(pred(e));
        for_each_child(e, &mut |c| n += count(c, pred));
        n
    }

    fn call_values(p: &Program, name: &str) -> usize {
        let f = p
            .functions
            .iter()
            .find(|f| f.name == name)
            .expect("the function");
        count(&f.body, &|e| matches!(e.kind, ExprKind::CallValue(..)))
    }

    #[test]
    fn calls_of_let_bound_closures_and_functions_become_direct() {
        let p = devirtualized(
            "fn twice(x: int) -> int { x * 2 }\n\
             fn main() {\n\
                 let n = 3\n\
                 let add = |x: int| x + n\n\
                 let t = twice\n\
                 let alias = add\n\
                 println(add(1) + t(2) + alias(3) + (|x: int| x)(4))\n\
             }\n",
        );
        assert_eq!(call_values(&p, "main"), 0);
    }

    #[test]
    fn vars_and_parameters_stay_indirect() {
        let p = devirtualized(
            "fn apply(f: fn(int) -> int, x: int) -> int { f(x) }\n\
             fn main() {\n\
                 var f = |x: int| x + 1\n\
                 f = |x: int| x + 2\n\
                 println(f(1) + apply(f, 2))\n\
             }\n",
        );
        assert_eq!(call_values(&p, "main"), 1);
        assert_eq!(call_values(&p, "apply"), 1);
    }

    #[test]
    fn a_captured_var_is_copied_where_the_closure_is_made() {
        let p = devirtualized(
            "fn main() {\n\
                 var m = 1\n\
                 let add = |x: int| x + m\n\
                 m = 5\n\
                 println(add(1))\n\
             }\n",
        );
        let main = p.functions.iter().find(|f| f.name == "main").expect("main");
        let copies = count(
            &main.body,
            &|e| matches!(&e.kind, ExprKind::Let(k, _) if main.locals[k.0 as usize].name.starts_with("$capture")),
        );
        assert_eq!(copies, 1);
        assert_eq!(call_values(&p, "main"), 0);
    }
}
