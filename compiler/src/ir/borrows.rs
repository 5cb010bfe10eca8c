//! Borrow analysis: which heap locals and parameters hold a *borrowed*
//! reference instead of an owned one, so codegen emits no retain and no
//! release for them.
//!
//! **Consumes** a checked (and inlined) [`Program`]; **produces** a
//! [`Borrows`] per function. It changes no KIR.
//!
//! **Borrowed parameters.** A heap parameter that its function never
//! writes (no `Assign`, no write through a place rooted at it, not the
//! receiver of a `var self` method) is borrowed: the caller keeps its
//! reference alive for the whole call and the callee does not release the
//! parameter when it returns. The caller passes a local (or a field,
//! payload or element path in one) in place, without a retain, when nothing
//! evaluated after it can write that local; any other argument is an owned
//! temporary that the caller releases after the call. Reading a borrowed
//! parameter as a value still retains it, as reading any local does, so a
//! callee that keeps it (returns it, stores it) owns what it keeps.
//!
//! **Borrowed locals.** A heap local `x` whose only binding is one
//! `let x = chain` is borrowed when `chain` is a path (a local, then fields,
//! payloads and elements) whose root local `r` is never written in the
//! function (no `Assign`, no place write rooted at `r`, not a loop
//! variable, bound at most once). `x` then points into the value `r`
//! holds, which stays alive and unchanged as long as `r` does: nothing can
//! replace `r`'s value, and a write through another copy of that value
//! copies first (copy-on-write). `r` lives until the function returns, or
//! until its own `let` runs again, which (each `let` binding a fresh local
//! in KIR) only happens when a loop starts the scope of both `r` and `x`
//! again. This makes `match t { Node(l, r) => .. }` (lowered to
//! `let l = payload(t, 0)`) and the parameter bindings of inlined bodies
//! free of reference counting.
//!
//! **What it does not do:** move last uses, or borrow the element variable
//! of `for x in xs`.

use std::collections::{HashMap, HashSet};

use super::kir::{Expr, ExprKind, Function, LocalId, Program, Select, SelectOp};
use super::types::Type;
use super::visit::{for_each_child, own_locals};

/// The borrowed parameters and locals of one function.
#[derive(Clone, Debug, Default)]
pub struct Borrows {
    /// By parameter position: true when that parameter is borrowed.
    pub params: Vec<bool>,
    /// Every borrowed local, parameters included.
    pub locals: HashSet<LocalId>,
    /// The locals whose value never changes while they are in scope: a
    /// parameter that is never written, or a local bound by one `let` and
    /// never written. Nothing inside such a local's value changes either
    /// (a write through another copy copies first), so codegen may load
    /// from it as from read-only memory.
    pub stable: HashSet<LocalId>,
}

impl Borrows {
    /// True when parameter `i` is borrowed from the caller.
    pub fn param(&self, i: usize) -> bool {
        self.params.get(i).copied().unwrap_or(false)
    }
}

/// The borrows of every function of `program`, by function index.
pub fn analyse_program(program: &Program) -> Vec<Borrows> {
    program.functions.iter().map(analyse).collect()
}

/// The borrows of one function.
pub fn analyse(f: &Function) -> Borrows {
    let mut facts = Facts::default();
    facts.walk(&f.body);
    let is_heap = |id: LocalId| f.locals.get(id.0 as usize).is_some_and(|l| l.ty.is_heap());
    let params: Vec<bool> = f
        .params
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            is_heap(p)
                && !(f.returns_self && i == 0)
                && !facts.written.contains(&p)
                && facts.lets(p) == 0
        })
        .collect();
    let mut locals: HashSet<LocalId> = f
        .params
        .iter()
        .zip(&params)
        .filter(|(_, &b)| b)
        .map(|(&p, _)| p)
        .collect();
    // A root is stable when nothing replaces its value while it is in
    // scope: a parameter or a local bound once, and never written.
    let param_set: HashSet<LocalId> = f.params.iter().copied().collect();
    let stable = |r: LocalId| {
        !facts.written.contains(&r)
            && if param_set.contains(&r) {
                facts.lets(r) == 0
            } else {
                facts.lets(r) == 1
            }
    };
    let stable_set: HashSet<LocalId> = f
        .params
        .iter()
        .copied()
        .chain(facts.let_inits.iter().map(|(x, _)| *x))
        .filter(|&x| stable(x))
        .collect();
    for (x, root) in &facts.let_inits {
        if param_set.contains(x) || !is_heap(*x) || !stable(*x) {
            continue;
        }
        if root.is_some_and(|r| r != *x && stable(r)) {
            locals.insert(*x);
        }
    }
    Borrows {
        params,
        locals,
        stable: stable_set,
    }
}

/// The local that `e` reads in place: `e` is a local or a chain of fields,
/// payloads and elements of one. Codegen's own `chain_root` accepts the
/// same shapes (it also requires that index expressions not write the root,
/// which holds for a root that is never written).
pub fn chain_root(e: &Expr) -> Option<LocalId> {
    match &e.kind {
        ExprKind::Local(id) => Some(*id),
        ExprKind::Field(base, _) if matches!(base.ty, Type::Tuple(_) | Type::Struct(..)) => {
            chain_root(base)
        }
        ExprKind::Payload(base, _) if base.ty.is_enum() => chain_root(base),
        ExprKind::Index(base, _) if matches!(base.ty, Type::Array(_)) => chain_root(base),
        _ => None,
    }
}

/// How many times each local is named in `e` (read, bound, assigned,
/// written through a place, or bound by a loop). A `let` in a block whose
/// local is named as often in the block as in the whole function is used
/// only inside that block, so codegen may release it when the block ends.
pub fn mention_counts(e: &Expr, counts: &mut HashMap<LocalId, usize>) {
    own_locals(e, &mut |id| *counts.entry(*id).or_default() += 1);
    for_each_child(e, &mut |c| mention_counts(c, counts));
}

/// The locals the `let v = ch.recv()` arms of a `select` bind.
fn select_binds(s: &Select) -> impl Iterator<Item = LocalId> + '_ {
    s.arms.iter().filter_map(|a| match a.op {
        SelectOp::Recv(bind) => bind,
        SelectOp::Send(_) => None,
    })
}

/// What a walk over a function body records.
#[derive(Default)]
struct Facts {
    /// Locals assigned, written through a place, or bound by a loop.
    written: HashSet<LocalId>,
    /// Each `let` in the body: the local and the root of its value, if
    /// the value is a chain ([`chain_root`]).
    let_inits: Vec<(LocalId, Option<LocalId>)>,
    /// How many `let`s bind each local.
    let_counts: HashMap<LocalId, usize>,
}

impl Facts {
    /// How many `let`s bind `id`.
    fn lets(&self, id: LocalId) -> usize {
        self.let_counts.get(&id).copied().unwrap_or(0)
    }

    /// Records `e`'s bindings and writes. (A new kind of expression that
    /// binds or writes a local must be added here, as in
    /// `visit::own_locals`.)
    fn walk(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Let(id, init) => {
                self.let_inits.push((*id, chain_root(init)));
                *self.let_counts.entry(*id).or_default() += 1;
            }
            ExprKind::Assign(id, _)
            | ExprKind::ForRange { var: id, .. }
            | ExprKind::ForArray { var: id, .. } => {
                self.written.insert(*id);
            }
            ExprKind::AssignPlace(place, _)
            | ExprKind::MutIntrinsic(place, _, _)
            | ExprKind::CallMut(_, place, _) => {
                self.written.insert(place.root);
            }
            ExprKind::Select(s) => self.written.extend(select_binds(s)),
            _ => {}
        }
        for_each_child(e, &mut |c| self.walk(c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::kir::{Local, Place, PlaceStep};
    use crate::span::Span;

    fn ex(kind: ExprKind, ty: Type) -> Expr {
        Expr {
            kind,
            ty,
            span: Span::default(),
        }
    }

    fn local(id: u32) -> Expr {
        ex(ExprKind::Local(LocalId(id)), Type::Str)
    }

    fn func(params: Vec<u32>, n: usize, body: Vec<Expr>) -> Function {
        Function {
            name: "f".into(),
            params: params.into_iter().map(LocalId).collect(),
            ret: Type::Unit,
            locals: (0..n)
                .map(|i| Local {
                    name: format!("l{i}"),
                    ty: if i == n - 1 { Type::Int } else { Type::Str },
                    mutable: true,
                })
                .collect(),
            body: ex(ExprKind::Block(body), Type::Unit),
            span: Span::default(),
            returns_self: false,
        }
    }

    #[test]
    fn unwritten_params_and_their_aliases_are_borrowed() {
        // fn f(a, b) { let c = a; b = c; let d = b }
        let f = func(
            vec![0, 1],
            5,
            vec![
                ex(ExprKind::Let(LocalId(2), Box::new(local(0))), Type::Unit),
                ex(ExprKind::Assign(LocalId(1), Box::new(local(2))), Type::Unit),
                ex(ExprKind::Let(LocalId(3), Box::new(local(1))), Type::Unit),
            ],
        );
        let b = analyse(&f);
        assert_eq!(b.params, vec![true, false]);
        assert!(b.locals.contains(&LocalId(0)));
        assert!(b.locals.contains(&LocalId(2)), "an alias of a stable root");
        assert!(!b.locals.contains(&LocalId(1)), "an assigned parameter");
        assert!(
            !b.locals.contains(&LocalId(3)),
            "an alias of a written root"
        );
    }

    #[test]
    fn a_root_written_through_a_place_or_bound_twice_lends_nothing() {
        // fn f(a) { let c = a; a[0] = ..; let d = ..; let d = ..; let e = d }
        let place = Place {
            root: LocalId(0),
            path: vec![PlaceStep::Field(0)],
            span: Span::default(),
        };
        let f = func(
            vec![0],
            5,
            vec![
                ex(ExprKind::Let(LocalId(1), Box::new(local(0))), Type::Unit),
                ex(
                    ExprKind::AssignPlace(place, Box::new(ex(ExprKind::Int(1), Type::Int))),
                    Type::Unit,
                ),
                ex(
                    ExprKind::Let(
                        LocalId(2),
                        Box::new(ex(ExprKind::Str("x".into()), Type::Str)),
                    ),
                    Type::Unit,
                ),
                ex(
                    ExprKind::Let(
                        LocalId(2),
                        Box::new(ex(ExprKind::Str("y".into()), Type::Str)),
                    ),
                    Type::Unit,
                ),
                ex(ExprKind::Let(LocalId(3), Box::new(local(2))), Type::Unit),
            ],
        );
        let b = analyse(&f);
        assert_eq!(b.params, vec![false]);
        assert!(b.locals.is_empty(), "{:?}", b.locals);
    }
}
