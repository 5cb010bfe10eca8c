//! Inlining: a KIR → KIR pass that replaces calls of small functions by
//! their bodies.
//!
//! **Consumes** a checked [`Program`]; **produces** the same program with
//! some `Call`s replaced in place. Every function is kept (none is removed,
//! even if no call of it remains) and keeps its signature, so codegen and
//! `--emit ir` see an ordinary KIR program. It runs once, after checking
//! (see `frontend` in `lib.rs`).
//!
//! **The rewrite.** `Call(f, args)` becomes
//! `Block[Let(p1', arg1), .., Let(pn', argn), body']` with the call's type
//! and span, where `body'` is `f`'s body with every [`LocalId`] renumbered
//! into fresh locals appended to the caller's `locals` (parameters keep
//! their `var`-ness, so an assigned parameter stays mutable). Arguments are
//! evaluated once each, left to right, before the body, exactly as for a
//! call. Every expression of the inlined body keeps its own span, so a
//! panic inside it still reports the callee's `line:col`; only the function
//! name of a stack frame may disappear.
//!
//! **Ownership** (the rule in `kir.rs`) needs no change: a `Let` consumes
//! its value just as a call moves its arguments into the callee, and the
//! callee's locals, now the caller's, are released at the caller's exit
//! (or when the `Let` runs again, in a loop). The one difference is that a
//! heap value held by an inlined parameter or local lives until the caller
//! returns instead of until the callee does. That is accepted; a loop still
//! holds at most one value per local.
//!
//! **What is inlined.** A function is a candidate when its body has at most
//! [`MAX_INLINE_SIZE`] KIR nodes and has no `return`, or only `return`s that
//! [`rewrite_returns`] can turn into plain values (in tail position, or an
//! early `if c { return x }` followed by the rest of a block). Calls inside
//! an inlined body are considered in turn, so inlining nests, bounded by
//! [`MAX_INLINE_DEPTH`]. A function unrolls its own recursion: its
//! recursive calls get at most [`RECURSIVE_UNROLL`] nested copies of its
//! body, and where unrolling stops, a trivial base case (`if n < 2 { n }
//! else { .. }`) is tested at the call site so that only calls that recurse
//! are made ([`Inliner::inline_guard`]). Any other function is inlined at
//! most once per chain of inlined bodies, so a recursive callee's own
//! recursive calls stay calls and mutual recursion ends. [`growth_budget`]
//! caps how many nodes one function may gain, which keeps compile time
//! proportional to the program's size.
//!
//! **Stack traces** find inlined bodies by the [`ExprKind::Inlined`]
//! marker that wraps each one, with the call's span. A guarded call is no inlined body: its base case cannot panic, and its
//! call is an ordinary call with the original span.
//!
//! **What it does not do:** inline bodies whose `return`s are elsewhere
//! (inside loops, operands or `let` values), remove functions that became
//! unused, propagate constants or simplify (Cranelift's own optimiser
//! folds the constants an inlined argument exposes), or move last uses of
//! heap values.

use std::mem;

use super::kir::{BinOp, Expr, ExprKind, FuncId, Function, Local, LocalId, Program, UnOp};
use super::types::Type;
use super::visit::{for_each_child, for_each_child_mut, own_locals_mut};

/// The largest body (in KIR nodes, see [`size`]) that is inlined. A call
/// costs a fixed price (moving arguments, the call and return, the
/// prologue's stack check, values spilled around the call) of roughly a
/// dozen instructions, and a KIR node lowers to one to three Cranelift
/// instructions. Up to about 40 nodes that fixed price is a noticeable part
/// of the callee's run time (accessors, one-line predicates, `clamp`, naive
/// `fib` at 16 nodes all qualify), while larger bodies gain little
/// relatively and multiply code size, and so compile time, at every call
/// site. (gcc -O2 auto-inlines bodies of up to 15 GIMPLE statements, each
/// worth a few KIR nodes: the same range.)
pub const MAX_INLINE_SIZE: usize = 40;

/// How many nested copies of its own body a recursive function gets at
/// each of its recursive call sites. With 2, naive fib inlines its two
/// recursive calls and their four (6 copies, ~100 nodes); the eight calls
/// left then test fib's base case inline (see [`Inliner::inline_guard`])
/// and call only when it fails, so a real call covers up to 15 nodes of
/// the call tree instead of one.
///
/// Measured on `bench/fib` (fib(35); CPU time of the whole process, median
/// of 25; 78 ms without inlining, gcc -O2 19 ms): with base-case guards,
/// 1 level 38.7 ms, 2 levels 35.0 ms, 3 levels 34.7 ms; without guards, 3
/// levels 38.1 ms and 4 levels ~37 ms. Each level doubles the copies, and
/// Cranelift spends ~0.15 ms compiling each copy of fib: a third level
/// (8 more copies, ~1.2 ms) would cost more than the 0.3 ms it gains.
pub const RECURSIVE_UNROLL: usize = 2;

/// How deeply inlined bodies may nest (a call inside an inlined body inside
/// an inlined body ...). With [`MAX_INLINE_SIZE`] this bounds the nesting
/// that inlining adds to a tree, so later stages, which recurse, stay
/// within their stack.
pub const MAX_INLINE_DEPTH: usize = 4;

/// The largest base case (condition and value, in KIR nodes) that
/// [`Inliner::inline_guard`] copies to a recursive call site.
pub const GUARD_SIZE: usize = 12;

/// How many KIR nodes inlining may add to a function whose body has `size`
/// nodes: as many as it has (so a function at most doubles), and at least
/// 160 so that small functions (a `main` that calls a few helpers, fib
/// unrolled with its guards, ~140 nodes) are not starved. Cranelift's
/// compile time is roughly linear in the code, so this bounds what
/// inlining adds to it: at most the program's own size plus 160 nodes for
/// each small function that calls many small functions. (Measured on a
/// 6,000-line program of 800 functions that each call four helpers:
/// KIR grows from 28.7k to 49.8k nodes, `kriti run` from ~265 to ~325 ms,
/// of which the pass itself is ~1%.)
pub fn growth_budget(size: usize) -> usize {
    size.max(160)
}

/// Inlines calls of small functions throughout `program`.
pub fn inline_program(program: &mut Program) {
    let templates: Vec<Option<Template>> = program.functions.iter().map(template).collect();
    if templates.iter().all(Option::is_none) {
        return;
    }
    for (i, f) in program.functions.iter_mut().enumerate() {
        let span = f.body.span;
        let mut body = mem::replace(&mut f.body, placeholder(span));
        let mut inliner = Inliner {
            templates: &templates,
            root: FuncId(i as u32),
            locals: mem::take(&mut f.locals),
            stack: Vec::new(),
            budget: growth_budget(size(&body, usize::MAX)),
        };
        inliner.visit(&mut body);
        f.locals = inliner.locals;
        f.body = body;
    }
}

/// What inlining a function needs: its parameters and locals as declared,
/// and its body with `return`s rewritten away.
struct Template {
    params: Vec<LocalId>,
    locals: Vec<Local>,
    body: Expr,
    size: usize,
    /// The base case, when the body is `if cond { base } else { .. }` (or
    /// the other way round) with a trivial `cond` and `base`.
    guard: Option<Guard>,
}

/// The base case of a recursive function: `if cond { base } else { call }`
/// (`base_is_then`) or `if cond { call } else { base }`. `cond` and `base`
/// read only parameters and cannot panic (see [`trivial`]).
struct Guard {
    cond: Expr,
    base: Expr,
    base_is_then: bool,
}

/// The template of `f`, or `None` when `f` is not a candidate.
fn template(f: &Function) -> Option<Template> {
    let n = size(&f.body, MAX_INLINE_SIZE);
    if n > MAX_INLINE_SIZE {
        return None;
    }
    let mut body = f.body.clone();
    if contains_return(&body) && !rewrite_returns(&mut body) {
        return None;
    }
    let guard = guard(&body, f);
    Some(Template {
        params: f.params.clone(),
        locals: f.locals.clone(),
        body,
        size: n,
        guard,
    })
}

/// The [`Guard`] of `f` whose body (returns rewritten) is `body`, if it has
/// one.
fn guard(body: &Expr, f: &Function) -> Option<Guard> {
    let mut e = body;
    while let ExprKind::Block(items) = &e.kind {
        match items.as_slice() {
            [only] => e = only,
            _ => return None,
        }
    }
    let ExprKind::If {
        cond,
        then,
        otherwise,
    } = &e.kind
    else {
        return None;
    };
    if !trivial(cond) {
        return None;
    }
    let (base, base_is_then) = if trivial(then) {
        (then, true)
    } else if trivial(otherwise) {
        (otherwise, false)
    } else {
        return None;
    };
    if base.ty != f.ret
        || size(cond, GUARD_SIZE) + size(base, GUARD_SIZE) > GUARD_SIZE
        || !reads_only(cond, &f.params)
        || !reads_only(base, &f.params)
    {
        return None;
    }
    Some(Guard {
        cond: (**cond).clone(),
        base: (**base).clone(),
        base_is_then,
    })
}

/// True when every local that `e` reads is one of `params`.
fn reads_only(e: &Expr, params: &[LocalId]) -> bool {
    let mut work = vec![e];
    while let Some(e) = work.pop() {
        if let ExprKind::Local(id) = e.kind {
            if !params.contains(&id) {
                return false;
            }
        }
        for_each_child(e, &mut |c| work.push(c));
    }
    true
}

/// True when `e` only reads locals and literals and compares them: it
/// declares nothing, calls nothing and cannot panic (string comparison
/// and literals allocate nothing), so it can be copied into a caller
/// without changing behaviour or panic locations.
fn trivial(e: &Expr) -> bool {
    let mut work = vec![e];
    while let Some(e) = work.pop() {
        let ok = match &e.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::Str(_)
            | ExprKind::Unit
            | ExprKind::Local(_)
            | ExprKind::Block(_)
            | ExprKind::Unary(UnOp::Not, _) => true,
            ExprKind::Binary(op, _, _) => matches!(
                op,
                BinOp::Eq
                    | BinOp::Ne
                    | BinOp::Lt
                    | BinOp::Le
                    | BinOp::Gt
                    | BinOp::Ge
                    | BinOp::And
                    | BinOp::Or
                    | BinOp::BitAnd
                    | BinOp::BitOr
                    | BinOp::BitXor
            ),
            _ => false,
        };
        if !ok || e.ty == Type::Never {
            return false;
        }
        for_each_child(e, &mut |c| work.push(c));
    }
    true
}

/// The inlining state of one caller (the root function).
struct Inliner<'t> {
    templates: &'t [Option<Template>],
    root: FuncId,
    /// The root's locals, to which inlined locals are appended.
    locals: Vec<Local>,
    /// The functions whose bodies enclose the expression being visited,
    /// innermost last.
    stack: Vec<FuncId>,
    /// Nodes the root may still gain.
    budget: usize,
}

impl Inliner<'_> {
    fn visit(&mut self, e: &mut Expr) {
        // Deeply nested expressions must not overflow the stack, as in the
        // checker.
        stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || self.visit_inner(e));
    }

    /// Visits the children first, so that arguments are inlined in the
    /// caller's context, then inlines `e` itself if it is a suitable call.
    fn visit_inner(&mut self, e: &mut Expr) {
        for_each_child_mut(e, &mut |c| self.visit(c));
        let ExprKind::Call(callee, _) = e.kind else {
            return;
        };
        if self.should_inline(callee) {
            self.inline(e, callee);
        } else if callee == self.root {
            self.inline_guard(e, callee);
        }
    }

    fn should_inline(&self, callee: FuncId) -> bool {
        let Some(Some(t)) = self.templates.get(callee.0 as usize) else {
            return false;
        };
        if t.size > self.budget || self.stack.len() >= MAX_INLINE_DEPTH {
            return false;
        }
        if callee == self.root {
            // The caller unrolls its own recursion: at most
            // RECURSIVE_UNROLL copies of its body nest at one call site.
            let copies = self.stack.iter().filter(|&&f| f == callee).count();
            copies < RECURSIVE_UNROLL
        } else {
            // Any other function is inlined once per chain: a recursive
            // callee's own recursive calls stay calls, and mutual
            // recursion ends.
            !self.stack.contains(&callee)
        }
    }

    /// At a recursive call that is not unrolled further, tests the
    /// callee's base case here and calls only when it does not hold:
    /// `{ let p' = arg; if cond' { base' } else { callee(p') } }`. Half the
    /// calls of a function like fib are of its base case, so this saves
    /// them for a few nodes of code.
    fn inline_guard(&mut self, e: &mut Expr, callee: FuncId) {
        let Some(Some(t)) = self.templates.get(callee.0 as usize) else {
            return;
        };
        let Some(g) = &t.guard else {
            return;
        };
        let guard_size = size(&g.cond, GUARD_SIZE) + size(&g.base, GUARD_SIZE);
        if guard_size > self.budget {
            return;
        }
        let ExprKind::Call(_, args) = mem::replace(&mut e.kind, ExprKind::Unit) else {
            return;
        };
        self.budget -= guard_size;
        // Only the parameters are needed: `cond` and `base` declare nothing.
        let base = self.locals.len() as u32;
        let mut items = Vec::with_capacity(args.len() + 1);
        let mut reads = Vec::with_capacity(args.len());
        for (i, (param, arg)) in t.params.iter().zip(args).enumerate() {
            let local = t.locals[param.0 as usize].clone();
            let id = LocalId(base + i as u32);
            reads.push(Expr {
                kind: ExprKind::Local(id),
                ty: local.ty.clone(),
                span: arg.span,
            });
            self.locals.push(local);
            let ty = if arg.ty == Type::Never {
                Type::Never
            } else {
                Type::Unit
            };
            let span = arg.span;
            items.push(Expr {
                kind: ExprKind::Let(id, Box::new(arg)),
                ty,
                span,
            });
        }
        let params = &t.params;
        // `guard` made sure that `cond` and `base` read only parameters.
        let map = |id: LocalId| {
            let i = params.iter().position(|&p| p == id).unwrap_or(0);
            LocalId(base + i as u32)
        };
        let mut cond = g.cond.clone();
        let mut base_case = g.base.clone();
        renumber_with(&mut cond, &map);
        renumber_with(&mut base_case, &map);
        let call = Expr {
            kind: ExprKind::Call(callee, reads),
            ty: e.ty.clone(),
            span: e.span,
        };
        let (then, otherwise) = if g.base_is_then {
            (base_case, call)
        } else {
            (call, base_case)
        };
        let span = e.span;
        items.push(Expr {
            kind: ExprKind::If {
                cond: Box::new(cond),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
            ty: e.ty.clone(),
            span,
        });
        e.kind = ExprKind::Block(items);
    }

    /// Replaces the call `e` (whose arguments are already visited) by the
    /// body of `callee`.
    fn inline(&mut self, e: &mut Expr, callee: FuncId) {
        let ExprKind::Call(_, args) = mem::replace(&mut e.kind, ExprKind::Unit) else {
            return;
        };
        let Some(Some(t)) = self.templates.get(callee.0 as usize) else {
            return;
        };
        let base = self.locals.len() as u32;
        self.locals.extend(t.locals.iter().cloned());
        let mut items = Vec::with_capacity(args.len() + 1);
        for (param, arg) in t.params.iter().zip(args) {
            let ty = if arg.ty == Type::Never {
                Type::Never
            } else {
                Type::Unit
            };
            let span = arg.span;
            items.push(Expr {
                kind: ExprKind::Let(LocalId(base + param.0), Box::new(arg)),
                ty,
                span,
            });
        }
        let mut body = t.body.clone();
        renumber(&mut body, base);
        self.budget -= t.size;
        self.stack.push(callee);
        self.visit(&mut body);
        self.stack.pop();
        // The marker keeps the call's span (stack traces show the call);
        // the body keeps its own spans (panics point into the callee).
        items.push(Expr {
            ty: body.ty.clone(),
            kind: ExprKind::Inlined {
                callee,
                body: Box::new(body),
            },
            span: e.span,
        });
        // The block keeps the call's type and span.
        e.kind = ExprKind::Block(items);
    }
}

/// Rewrites a function body so that it has no `return`, when every
/// `return` is in tail position or is an early exit of the form
/// `{ ..; if c { ..; return x }; rest }`, which becomes
/// `{ ..; if c { ..; x } else { rest } }` (and likewise with the branches
/// swapped). Returns false, leaving `body` in an unspecified state, when
/// some `return` cannot be rewritten.
pub fn rewrite_returns(body: &mut Expr) -> bool {
    rewrite_tail(body) && !contains_return(body)
}

/// Rewrites the `return`s of `e`, whose value is the function's result.
fn rewrite_tail(e: &mut Expr) -> bool {
    stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || rewrite_tail_inner(e))
}

fn rewrite_tail_inner(e: &mut Expr) -> bool {
    match &mut e.kind {
        ExprKind::Return(_) => {
            let ExprKind::Return(value) = mem::replace(&mut e.kind, ExprKind::Unit) else {
                return false;
            };
            // The value keeps its own span (panics in it point at it).
            *e = *value;
            !contains_return(e)
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => {
            if contains_return(cond) || !rewrite_tail(then) || !rewrite_tail(otherwise) {
                return false;
            }
            e.ty = if_type(then, otherwise);
            true
        }
        ExprKind::Block(items) => {
            let Some(last) = items.len().checked_sub(1) else {
                return true;
            };
            if let Some(i) = items[..last].iter().position(contains_return) {
                if !lift_early_exit(items, i) {
                    return false;
                }
            }
            let Some(tail) = items.last_mut() else {
                return false;
            };
            if !rewrite_tail(tail) {
                return false;
            }
            e.ty = block_type(items);
            true
        }
        _ => !contains_return(e),
    }
}

/// `items[i]`, which contains a `return`, is an `if` one of whose branches
/// never falls through: moves the items after it into its other branch, so
/// that the `if` becomes the block's tail. False if `items[i]` is not such
/// an `if`.
fn lift_early_exit(items: &mut Vec<Expr>, i: usize) -> bool {
    let rest: Vec<Expr> = items.drain(i + 1..).collect();
    let Some(stmt) = items.last_mut() else {
        return false;
    };
    let ExprKind::If {
        cond,
        then,
        otherwise,
    } = &mut stmt.kind
    else {
        return false;
    };
    if contains_return(cond) {
        return false;
    }
    // The branch that falls through continues with the rest; its own
    // value was discarded (the `if` was a statement), and still is.
    let falls_through = if then.ty == Type::Never {
        otherwise
    } else if otherwise.ty == Type::Never {
        then
    } else {
        return false;
    };
    let span = rest
        .iter()
        .fold(falls_through.span, |s, item| s.to(item.span));
    let first = mem::replace(&mut **falls_through, placeholder(span));
    let mut block = Vec::with_capacity(rest.len() + 1);
    block.push(first);
    block.extend(rest);
    let ty = block_type(&block);
    **falls_through = Expr {
        kind: ExprKind::Block(block),
        ty,
        span,
    };
    true
}

/// The type of a block with these items, by the checker's rule: never if
/// any item diverges, else the last item's type.
fn block_type(items: &[Expr]) -> Type {
    if items.iter().any(|e| e.ty == Type::Never) {
        return Type::Never;
    }
    items.last().map_or(Type::Unit, |e| e.ty.clone())
}

/// The type of an `if` with these branches: never only if both diverge.
fn if_type(then: &Expr, otherwise: &Expr) -> Type {
    if then.ty == Type::Never {
        otherwise.ty.clone()
    } else {
        then.ty.clone()
    }
}

/// Renumbers every local of `e` by adding `base`.
fn renumber(e: &mut Expr, base: u32) {
    renumber_with(e, &|id| LocalId(id.0 + base));
}

/// Renumbers every local of `e` by `map`.
fn renumber_with(e: &mut Expr, map: &impl Fn(LocalId) -> LocalId) {
    let mut work = vec![e];
    while let Some(e) = work.pop() {
        own_locals_mut(e, &mut |id| *id = map(*id));
        for_each_child_mut(e, &mut |c| work.push(c));
    }
}

/// The number of nodes of `e`, counting stops once it exceeds `limit`.
pub fn size(e: &Expr, limit: usize) -> usize {
    let mut n = 0;
    let mut work = vec![e];
    while let Some(e) = work.pop() {
        n += 1;
        if n > limit {
            break;
        }
        for_each_child(e, &mut |c| work.push(c));
    }
    n
}

fn contains_return(e: &Expr) -> bool {
    let mut work = vec![e];
    while let Some(e) = work.pop() {
        if matches!(e.kind, ExprKind::Return(_)) {
            return true;
        }
        for_each_child(e, &mut |c| work.push(c));
    }
    false
}

/// A unit expression that holds a place while its owner is taken apart.
fn placeholder(span: crate::span::Span) -> Expr {
    Expr {
        kind: ExprKind::Unit,
        ty: Type::Unit,
        span,
    }
}
