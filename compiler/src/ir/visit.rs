//! Generic walks over KIR: the direct children of an expression, in
//! evaluation order, and the locals an expression names. Passes use these
//! so that a new kind of expression is taught to every pass in one place.

use super::kir::{Expr, ExprKind, LocalId, Place, PlaceStep, Select, SelectArm, SelectOp};

/// Generates a walk over the direct children of an expression, in
/// evaluation order, for shared (`()`) or mutable (`(mut)`) trees, so the
/// two walks cannot disagree.
macro_rules! children {
    ($(#[$doc:meta])* $name:ident, $indexes:ident, ($($mut_:tt)?), $iter:ident) => {
        $(#[$doc])*
        pub fn $name<'a>(e: &'a $($mut_)? Expr, f: &mut impl FnMut(&'a $($mut_)? Expr)) {
            match & $($mut_)? e.kind {
                ExprKind::Int(_)
                | ExprKind::Float(_)
                | ExprKind::Bool(_)
                | ExprKind::Str(_)
                | ExprKind::Unit
                | ExprKind::Local(_)
                | ExprKind::Break
                | ExprKind::Continue
                | ExprKind::FnRef(_) => {}
                ExprKind::Let(_, v)
                | ExprKind::Assign(_, v)
                | ExprKind::Return(v)
                | ExprKind::Unary(_, v)
                | ExprKind::Loop(v)
                | ExprKind::Field(v, _)
                | ExprKind::Tag(v)
                | ExprKind::Payload(v, _)
                | ExprKind::Inlined { body: v, .. } => f(v),
                ExprKind::Block(es)
                | ExprKind::Call(_, es)
                | ExprKind::Intrinsic(_, es)
                | ExprKind::Interpolate(es)
                | ExprKind::ArrayLit(es)
                | ExprKind::TupleLit(es)
                | ExprKind::StructLit(_, es)
                | ExprKind::Variant { payload: es, .. }
                | ExprKind::Spawn { args: es, .. }
                | ExprKind::Closure { captures: es, .. } => es.$iter().for_each(f),
                ExprKind::CallValue(callee, args) => {
                    f(callee);
                    args.$iter().for_each(f);
                }
                ExprKind::Select(s) => {
                    // Operands first (evaluated before the select waits),
                    // then the bodies, one of which runs.
                    let Select { arms, after, default } = & $($mut_)? **s;
                    let mut bodies = Vec::with_capacity(arms.len() + 2);
                    for SelectArm { chan, op, body } in arms.$iter() {
                        f(chan);
                        if let SelectOp::Send(v) = op {
                            f(v);
                        }
                        bodies.push(body);
                    }
                    if let Some((ms, body)) = after {
                        f(ms);
                        bodies.push(body);
                    }
                    if let Some(body) = default {
                        bodies.push(body);
                    }
                    bodies.into_iter().for_each(f);
                }
                ExprKind::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    f(cond);
                    f(then);
                    f(otherwise);
                }
                ExprKind::While { cond: a, body: b }
                | ExprKind::ForArray {
                    array: a, body: b, ..
                }
                | ExprKind::Binary(_, a, b)
                | ExprKind::ArrayRepeat(a, b)
                | ExprKind::Index(a, b) => {
                    f(a);
                    f(b);
                }
                ExprKind::ForRange {
                    start: a,
                    end: b,
                    body: c,
                    ..
                }
                | ExprKind::Slice {
                    base: a,
                    start: b,
                    end: c,
                } => {
                    f(a);
                    f(b);
                    f(c);
                }
                ExprKind::AssignPlace(place, v) => {
                    $indexes(place).for_each(&mut *f);
                    f(v);
                }
                ExprKind::MutIntrinsic(place, _, args) | ExprKind::CallMut(_, place, args) => {
                    $indexes(place).for_each(&mut *f);
                    args.$iter().for_each(f);
                }
            }
        }
    };
}

children!(
    /// Calls `f` on each direct child of `e`, in evaluation order.
    for_each_child, place_indexes, (), iter
);
children!(
    /// [`for_each_child`] for a mutable tree.
    for_each_child_mut, place_indexes_mut, (mut), iter_mut
);

fn place_indexes(place: &Place) -> impl Iterator<Item = &Expr> {
    place.path.iter().filter_map(|s| match s {
        PlaceStep::Index(e) => Some(e),
        PlaceStep::Field(_) => None,
    })
}

fn place_indexes_mut(place: &mut Place) -> impl Iterator<Item = &mut Expr> {
    place.path.iter_mut().filter_map(|s| match s {
        PlaceStep::Index(e) => Some(e),
        PlaceStep::Field(_) => None,
    })
}

/// Generates a call of `f` on every local that an expression itself names
/// (not its children's), for shared or mutable trees, so the two cannot
/// disagree. A new kind of expression that binds, reads or writes a local
/// must be added here: the ownership analyses (`borrows.rs`) and the block
/// scope of codegen rely on this list to know where a local is named.
macro_rules! own_locals {
    ($(#[$doc:meta])* $name:ident, ($($mut_:tt)?), $iter:ident) => {
        $(#[$doc])*
        pub fn $name(e: & $($mut_)? Expr, f: &mut impl FnMut(& $($mut_)? LocalId)) {
            match & $($mut_)? e.kind {
                ExprKind::Local(id)
                | ExprKind::Let(id, _)
                | ExprKind::Assign(id, _)
                | ExprKind::ForRange { var: id, .. }
                | ExprKind::ForArray { var: id, .. } => f(id),
                ExprKind::AssignPlace(place, _)
                | ExprKind::MutIntrinsic(place, _, _)
                | ExprKind::CallMut(_, place, _) => f(& $($mut_)? place.root),
                // A `select` binds the locals of its `let v = ch.recv()` arms.
                ExprKind::Select(s) => {
                    for arm in s.arms.$iter() {
                        if let SelectOp::Recv(Some(id)) = & $($mut_)? arm.op {
                            f(id);
                        }
                    }
                }
                _ => {}
            }
        }
    };
}

own_locals!(
    /// Calls `f` on every local that `e` itself names (not its children's).
    own_locals, (), iter
);
own_locals!(
    /// [`own_locals`] for a mutable tree.
    own_locals_mut, (mut), iter_mut
);
