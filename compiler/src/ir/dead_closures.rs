//! Dead closures: a KIR → KIR pass that removes `let f = <closure>` when
//! nothing reads `f` any more.
//!
//! **Consumes** a devirtualized and inlined [`Program`]; **produces** the
//! same program without those `let`s. After `devirt` has turned every call
//! of a known closure into a direct call and `inline` has inlined it, the
//! closure value is often never used (`xs.map(|x| x * k)` through the
//! stdlib's `map`, `opt.map(..)`), yet making it allocates, once per
//! evaluation of its `let` (in a loop, once per iteration). This pass
//! makes the stdlib's methods cost what the hand lowering cost.
//!
//! Only a closure whose captures are reads of locals (as `devirt` leaves
//! them) or a function reference is removed: nothing else runs when it
//! is made, so removing it changes no behaviour. The local stays declared
//! and unbound; a heap local starts as null, so its release at the
//! function's exit is a no-op (see `codegen/function.rs`).

use std::collections::HashSet;

use super::kir::{Expr, ExprKind, LocalId, Program};
use super::visit::{for_each_child, for_each_child_mut};

/// Removes the unread closure `let`s of every function of `program`.
pub fn remove_dead_closures(program: &mut Program) {
    for f in &mut program.functions {
        let mut read = HashSet::new();
        reads(&f.body, &mut read);
        drop_unread(&mut f.body, &read);
    }
}

/// Every local `e` reads (anywhere: a `Let` only binds).
fn reads(e: &Expr, out: &mut HashSet<LocalId>) {
    let mut work = vec![e];
    while let Some(e) = work.pop() {
        if let ExprKind::Local(id) = e.kind {
            out.insert(id);
        }
        for_each_child(e, &mut |c| work.push(c));
    }
}

/// Whether `value`, bound to a local nobody reads, can go: making it has
/// no effect but the allocation.
fn is_dead_closure(value: &Expr) -> bool {
    match &value.kind {
        ExprKind::FnRef(_) => true,
        ExprKind::Closure { captures, .. } => captures
            .iter()
            .all(|c| matches!(c.kind, ExprKind::Local(_))),
        _ => false,
    }
}

fn drop_unread(e: &mut Expr, read: &HashSet<LocalId>) {
    // KIR can nest deeply; as in the other passes.
    stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || {
        if let ExprKind::Let(id, value) = &e.kind {
            if !read.contains(id) && is_dead_closure(value) {
                // A `let` has type `()`, as `Unit` has.
                e.kind = ExprKind::Unit;
                return;
            }
        }
        for_each_child_mut(e, &mut |c| drop_unread(c, read));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn closures_in(e: &Expr) -> usize {
        let mut n = usize::from(matches!(e.kind, ExprKind::Closure { .. }));
        for_each_child(e, &mut |c| n += closures_in(c));
        n
    }

    fn main_closures(src: &str) -> usize {
        let (module, diags) = crate::syntax::parser::parse(FileId(0), src);
        assert!(diags.is_empty(), "{diags:?}");
        let (program, diags) = crate::check::check(&module);
        assert!(diags.is_empty(), "{diags:?}");
        let mut p = program.expect("a program");
        for _ in 0..2 {
            crate::ir::devirt::devirtualize_program(&mut p);
            crate::ir::inline::inline_program(&mut p);
        }
        remove_dead_closures(&mut p);
        let main = p.functions.iter().find(|f| f.name == "main").expect("main");
        closures_in(&main.body)
    }

    #[test]
    fn an_inlined_closure_is_not_made() {
        let src = "fn main() {\n\
                   let k = 3\n\
                   let o: Option<int> = Some(2)\n\
                   println(o.map(|x| x * k).unwrap_or(0))\n\
                   }\n";
        assert_eq!(main_closures(src), 0);
    }

    #[test]
    fn a_closure_still_used_stays() {
        let src = "fn main() {\n\
                   let k = 3\n\
                   let f = |x: int| x * k\n\
                   let g = [f]\n\
                   println(g.len())\n\
                   }\n";
        assert_eq!(main_closures(src), 1);
    }
}
