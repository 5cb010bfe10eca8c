//! Lowering of one KIR function to Cranelift IR.
//!
//! Consumes a [`kir::Function`]; produces the body of a Cranelift function
//! in a `Context`, ready for `Module::define_function`. This file holds the
//! function frame (prologue, locals, the shared exit), control flow, calls
//! and the ownership rule for heap values; operators live in `expr.rs` and
//! built-ins in `intrinsics.rs`.
//!
//! **Ownership (the rule in `ir/kir.rs`):** every expression yields an owned
//! reference. Reading a local retains it; `Let`/`Assign` consume their value
//! and release the local's previous value (heap locals start as null, and
//! releasing null is a no-op); arguments of owned parameters are moved into
//! the callee, while borrowed parameters (`ir/borrows.rs`) are lent in place
//! or as a temporary the caller releases after the call; every heap local is
//! released once, in the shared exit block that every `return` jumps to,
//! unless its block released it first (`release_scoped`) or it is a
//! borrowed local, which holds no reference; a discarded value and an
//! operand that a runtime function only borrows are released after use.
//! String literals are immortal, so releasing one is skipped statically.
//! Composite values follow the same rule (see `composite.rs`, which also
//! borrows operands that are read in place instead of retaining them, and
//! `places.rs`, which spares repeated copy-on-write checks).
//!
//! **Unreachable code:** an expression of type never (`return`, `break`,
//! `continue`, a noreturn call, a `loop` without `break`) ends the current
//! block. Lowering then continues in a fresh block with no predecessors and
//! uses dummy values where a value is needed, so no other code needs a
//! special case; Cranelift deletes those blocks. A `Block` stops lowering its
//! remaining statements once the code has become unreachable.

use std::collections::{HashMap, HashSet};

use cranelift_codegen::ir::{
    condcodes::IntCC, types, BlockArg, FuncRef, GlobalValue, Inst, InstBuilder, MemFlagsData,
    SourceLoc, TrapCode, Type as ClifType, Value,
};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{DataId, FuncId as ClifFuncId, Module};
use kriti_runtime::abi::panic_kind;
use kriti_runtime::ctx::STACK_LIMIT_OFFSET;
use kriti_runtime::InlinedCall;

use super::composite::Borrowed;
use super::descs::DescPool;
use super::imports::Imports;
use super::locations::LocationTable;
use super::places::PlaceCache;
use super::strings::StringPool;
use super::{clif_type, ice, receiver_type};
use crate::ir::borrows::{mention_counts, Borrows};
use crate::ir::kir::{self, Expr, ExprKind, LocalId};
use crate::ir::types::Type;
use crate::span::Span;

/// The trap that follows every noreturn call. It is never reached: the
/// runtime function ends the task first.
pub(crate) const UNREACHABLE: TrapCode = TrapCode::unwrap_user(1);

pub(crate) type R<T> = Result<T, String>;

/// State shared by all functions of one program.
pub(crate) struct Shared<'p> {
    pub program: &'p kir::Program,
    pub imports: Imports,
    /// The Cranelift function of each KIR function, by [`kir::FuncId`].
    pub funcs: Vec<ClifFuncId>,
    pub strings: StringPool,
    pub descs: DescPool,
    pub locations: LocationTable<'p>,
    pub pointer: ClifType,
    /// The inlined bodies met so far; scope `program.functions.len() + j`
    /// is `inlined[j]`.
    pub inlined: Vec<InlinedCall>,
    /// The spawn entries declared so far, by the function they start
    /// (defined after every function; see `tasks.rs`).
    pub spawn_entries: Vec<(kir::FuncId, ClifFuncId)>,
    /// The closure entries declared so far: (function, number of captured
    /// values, entry); see `closures.rs`.
    pub closure_entries: Vec<(kir::FuncId, usize, ClifFuncId)>,
    /// The comparison entries of `sort_by` declared so far, by element
    /// type; see `closures.rs`.
    pub compare_entries: Vec<(Type, ClifFuncId)>,
    /// The borrowed parameters and locals of each function, by
    /// [`kir::FuncId`] (`ir/borrows.rs`).
    pub borrows: Vec<Borrows>,
}

/// Where `break` and `continue` go in the innermost loop.
#[derive(Clone, Copy)]
struct LoopTargets {
    break_to: cranelift_codegen::ir::Block,
    continue_to: cranelift_codegen::ir::Block,
}

/// Lowers `f`, the function with index `index` in the program, into
/// `ctx.func`, whose signature and name the caller has set.
///
/// If the uniqueness that the place cache hoisted out of a loop turns out
/// to be disturbed inside it (`places.rs`; the analysis that chose it
/// should prevent this), the function is lowered again without hoisting.
pub(crate) fn lower<'p, M: Module>(
    module: &mut M,
    shared: &mut Shared<'p>,
    builder_ctx: &mut FunctionBuilderContext,
    ctx: &mut Context,
    f: &'p kir::Function,
    index: usize,
) -> R<()> {
    let inlined = shared.inlined.len();
    if !lower_once(module, shared, builder_ctx, ctx, f, index, true)? {
        return Ok(());
    }
    shared.inlined.truncate(inlined);
    let name = ctx.func.name.clone();
    let sig = ctx.func.signature.clone();
    ctx.func = cranelift_codegen::ir::Function::with_name_signature(name, sig);
    lower_once(module, shared, builder_ctx, ctx, f, index, false)?;
    Ok(())
}

/// [`lower`] with hoisting on or off; true when hoisting was violated.
fn lower_once<'p, M: Module>(
    module: &mut M,
    shared: &mut Shared<'p>,
    builder_ctx: &mut FunctionBuilderContext,
    ctx: &mut Context,
    f: &'p kir::Function,
    index: usize,
    hoisting: bool,
) -> R<bool> {
    let mut b = FunctionBuilder::new(&mut ctx.func, builder_ctx);
    let frontend_config = module.target_config();
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let task_ctx = b.block_params(entry)[0];
    let params = b.block_params(entry)[1..].to_vec();
    let exit = b.create_block();
    let mut lowerer = Lowerer {
        b,
        module,
        shared,
        func: f,
        scopes: vec![u32::try_from(index).map_err(|_| ice("too many functions"))?],
        vars: Vec::new(),
        heap_locals: Vec::new(),
        ctx: task_ctx,
        exit,
        loops: Vec::new(),
        loop_temps: Vec::new(),
        func_refs: HashMap::new(),
        data_refs: HashMap::new(),
        reachable: true,
        immortal: HashSet::new(),
        borrowed: HashSet::new(),
        places: PlaceCache::default(),
        stable: HashSet::new(),
        ranges: HashMap::new(),
        local_ranges: HashMap::new(),
        len_locals: HashMap::new(),
        in_bounds: HashMap::new(),
        mentions: HashMap::new(),
        null: None,
    };
    mention_counts(&f.body, &mut lowerer.mentions);
    lowerer.borrowed = lowerer
        .shared
        .borrows
        .get(index)
        .map(|b| b.locals.clone())
        .unwrap_or_default();
    lowerer.stable = lowerer
        .shared
        .borrows
        .get(index)
        .map(|b| b.stable.clone())
        .unwrap_or_default();
    lowerer.places.hoisting = hoisting;
    lowerer.body(&params)?;
    lowerer.b.seal_all_blocks();
    lowerer.b.finalize(frontend_config);
    Ok(lowerer.places.violated)
}

/// The state of lowering one function.
pub(crate) struct Lowerer<'a, 's, 'p, M: Module> {
    pub b: FunctionBuilder<'a>,
    pub(crate) module: &'a mut M,
    pub shared: &'s mut Shared<'p>,
    func: &'p kir::Function,
    /// The scopes the code being lowered is in, innermost last: `func`'s
    /// index in the program, then each inlined body entered. The innermost
    /// is the `func` argument of runtime functions that can panic, and the
    /// scope of calls, which name it in stack traces.
    scopes: Vec<u32>,
    /// The variable of each local, by [`LocalId`]; `None` for locals of a
    /// type without representation.
    vars: Vec<Option<Variable>>,
    /// Variables of heap locals (parameters included), released at exit.
    heap_locals: Vec<Variable>,
    /// The task context, the function's hidden first parameter.
    pub ctx: Value,
    /// The shared exit block; its parameter is the return value, if any.
    exit: cranelift_codegen::ir::Block,
    loops: Vec<LoopTargets>,
    /// Owned temporaries that enclosing loops hold while their body runs
    /// (the array of a `for x in xs`): a `return` from the body releases
    /// them, since the loop's own exit, which releases them otherwise, is
    /// skipped.
    pub loop_temps: Vec<Value>,
    func_refs: HashMap<ClifFuncId, FuncRef>,
    data_refs: HashMap<DataId, GlobalValue>,
    /// False after a terminator, while lowering code no path reaches.
    reachable: bool,
    /// Values known to be immortal static objects (string literals,
    /// payload-less variants): retaining or releasing them is a no-op, so
    /// we emit no call.
    immortal: HashSet<Value>,
    /// Heap locals holding a borrowed reference (`ir/borrows.rs`): they
    /// are bound without a retain and never released.
    borrowed: HashSet<LocalId>,
    /// Objects at paths inside locals, known in the current straight run
    /// of code (`places.rs`).
    pub places: PlaceCache,
    /// Locals whose values never change in this function
    /// (`ir/borrows.rs`): loads from them are marked read-only.
    pub stable: HashSet<LocalId>,
    /// Known bounds (inclusive) of integer values: lengths, loop counters
    /// and arithmetic on them (`expr.rs`), so that operations that cannot
    /// overflow are not checked.
    pub ranges: HashMap<Value, (i64, i64)>,
    /// Known bounds of integer locals that keep one value while in scope
    /// (a stable `let`, or a loop counter the body does not assign): a
    /// read of the local inside a loop may be a new SSA value (a block
    /// parameter), which gets the bounds from here.
    local_ranges: HashMap<LocalId, (i64, i64)>,
    /// `n -> xs` for a stable `let n = xs.len()` of a stable array local
    /// `xs`, whose length therefore never changes.
    len_locals: HashMap<LocalId, LocalId>,
    /// `i -> xs` for the counter of `for i in a..n` (`a >= 0`, `n` the
    /// length of the stable array `xs`, `i` not assigned in the body):
    /// `xs[i]` needs no bounds check.
    pub in_bounds: HashMap<LocalId, LocalId>,
    /// How many times each local is named in the function
    /// (`borrows::mention_counts`), to find the locals used only inside
    /// one block.
    mentions: HashMap<LocalId, usize>,
    /// The null pointer that heap locals start as and are reset to when
    /// their block releases them: one value, so that where every path
    /// holds it the release at exit is seen to be a no-op.
    null: Option<Value>,
}

impl<'p, M: Module> Lowerer<'_, '_, 'p, M> {
    /// Lowers the whole function; the builder is in the entry block, whose
    /// parameters after the task context are `params`.
    fn body(&mut self, params: &[Value]) -> R<()> {
        let f = self.func;
        let pointer = self.shared.pointer;
        self.stack_check(f.span)?;
        self.preempt_poll()?;

        // Locals become variables. Parameters start as the block parameters
        // (the callee owns them); heap locals start as null so that the
        // release at exit (or at their first `Let`) is a no-op.
        // The null pointer is made here, in the entry block, so that it
        // dominates every block that resets a local to it.
        self.null_pointer();
        // The machine parameters follow `f.params`, whose locals need not
        // come in table order (a closure's captures come first).
        let mut machine = params.iter().copied();
        let mut param_values = HashMap::new();
        for id in &f.params {
            let local = f
                .locals
                .get(id.0 as usize)
                .ok_or_else(|| ice("a parameter is not a local"))?;
            if clif_type(&local.ty, pointer).is_some() {
                let v = machine
                    .next()
                    .ok_or_else(|| ice("a parameter is missing from the signature"))?;
                param_values.insert(*id, v);
            }
        }
        for (i, local) in f.locals.iter().enumerate() {
            let Some(t) = clif_type(&local.ty, pointer) else {
                self.vars.push(None);
                continue;
            };
            let var = self.b.declare_var(t);
            let init = if let Some(&v) = param_values.get(&LocalId(i as u32)) {
                v
            } else if local.ty.is_heap() {
                self.null_pointer()
            } else {
                self.dummy(t)
            };
            self.b.def_var(var, init);
            if local.ty.is_heap() && !self.borrowed.contains(&LocalId(i as u32)) {
                self.heap_locals.push(var);
            }
            self.vars.push(Some(var));
        }

        let ret = clif_type(&f.ret, pointer);
        if let Some(t) = ret {
            self.b.append_block_param(self.exit, t);
        }
        // A `var self` method also returns its receiver's final value: the
        // parameter's variable is moved out at exit instead of released.
        let receiver = match receiver_type(f, pointer) {
            Some(_) => {
                let id = f
                    .params
                    .first()
                    .ok_or_else(|| ice("a `returns_self` function without parameters"))?;
                self.var(*id)?
            }
            None => None,
        };

        let result = self.value(&f.body, &f.ret)?;
        self.jump(self.exit, result);

        // Every `return` has been lowered, so the exit's predecessors are
        // known; sealing before reading the locals lets a local that holds
        // a literal on every path be seen as one (and its release dropped).
        self.b.seal_block(self.exit);
        self.switch_to(self.exit);
        let mut results: Vec<Value> = ret
            .map(|_| self.b.block_params(self.exit)[0])
            .into_iter()
            .collect();
        if let Some(var) = receiver {
            results.push(self.b.use_var(var));
        }
        for var in self.heap_locals.clone() {
            if Some(var) == receiver {
                continue;
            }
            let v = self.b.use_var(var);
            self.release(v)?;
        }
        self.b.ins().return_(&results);
        Ok(())
    }

    /// The prologue's stack check: below the task's stack limit, panic with
    /// "stack overflow" instead of running off the end of the stack. The
    /// runtime leaves headroom under the limit for this call.
    fn stack_check(&mut self, span: Span) -> R<()> {
        let pointer = self.shared.pointer;
        let sp = self.b.ins().get_stack_pointer(pointer);
        let limit = self.b.ins().load(
            pointer,
            MemFlagsData::trusted(),
            self.ctx,
            STACK_LIMIT_OFFSET,
        );
        let overflow = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
        let loc = self.shared.locations.loc(span);
        self.panic_if(overflow, panic_kind::STACK_OVERFLOW, None, loc)
    }

    // ---- Expressions ----------------------------------------------------

    /// Lowers `e`. The result is `Some` exactly when `e.ty` has a machine
    /// representation; it is an owned reference when `e.ty` is a heap type.
    pub fn expr(&mut self, e: &Expr) -> R<Option<Value>> {
        let v = self.kind(e)?;
        if e.ty == Type::Never && self.reachable {
            // A noreturn expression whose lowering did not already end the
            // block (e.g. a `loop` without `break`, or an `if` whose arms
            // both return): nothing can follow it.
            self.b.ins().trap(UNREACHABLE);
            self.start_unreachable();
        }
        match (clif_type(&e.ty, self.shared.pointer), v) {
            (Some(_), Some(v)) => Ok(Some(v)),
            // Unreachable code may produce no value where the type wants
            // one; reachable code that does is a KIR type error.
            (Some(t), None) if !self.reachable => Ok(Some(self.dummy(t))),
            (Some(_), None) => Err(ice(format_args!("a `{}` expression has no value", e.ty))),
            (None, _) => Ok(None),
        }
    }

    /// Lowers `e` where a value of type `want` is expected: a never-typed
    /// `e` gives a dummy (the code is unreachable), and a heap value that
    /// the context discards (`want` is unit) is released.
    pub fn value(&mut self, e: &Expr, want: &Type) -> R<Option<Value>> {
        let v = self.expr(e)?;
        match clif_type(want, self.shared.pointer) {
            Some(t) => match v {
                Some(v) => {
                    let got = self.b.func.dfg.value_type(v);
                    if got != t {
                        return Err(ice(format_args!(
                            "a `{}` expression where `{want}` is expected",
                            e.ty
                        )));
                    }
                    Ok(Some(v))
                }
                // Only unreachable code may lack a value.
                None if self.reachable && e.ty != Type::Never => Err(ice(format_args!(
                    "a `{}` expression where `{want}` is expected",
                    e.ty
                ))),
                None => Ok(Some(self.dummy(t))),
            },
            None => {
                self.discard(v, &e.ty)?;
                Ok(None)
            }
        }
    }

    /// Lowers `e` where a value is required (an operand): the value, or an
    /// internal error if `want` has no representation.
    pub fn operand(&mut self, e: &Expr, want: &Type) -> R<Value> {
        self.value(e, want)?
            .ok_or_else(|| ice(format_args!("an operand of type `{want}`")))
    }

    fn kind(&mut self, e: &Expr) -> R<Option<Value>> {
        Ok(match &e.kind {
            ExprKind::Int(n) => Some(self.b.ins().iconst(types::I64, *n)),
            ExprKind::Float(x) => Some(self.b.ins().f64const(*x)),
            ExprKind::Bool(v) => Some(self.b.ins().iconst(types::I8, i64::from(*v))),
            ExprKind::Str(text) => Some(self.literal(text)?),
            ExprKind::Unit => None,
            ExprKind::Local(id) => match self.var(*id)? {
                Some(var) => {
                    let v = self.b.use_var(var);
                    if self.local_ty(*id)?.is_heap() {
                        self.retain(v)?;
                        self.places.shared(*id);
                    }
                    if let Some(&range) = self.local_ranges.get(id) {
                        self.set_range(v, range);
                    }
                    Some(v)
                }
                None => None,
            },
            ExprKind::Assign(id, value) if self.moved_arg(*id, value).is_some() => {
                self.assign_moving(*id, value)?;
                None
            }
            ExprKind::Assign(id, value) if self.appended(*id, value).is_some() => {
                self.assign_append(*id, value)?;
                None
            }
            ExprKind::Let(id, value) | ExprKind::Assign(id, value) => {
                self.store_local(*id, value)?;
                None
            }
            ExprKind::Block(es) => self.block(es, &e.ty)?,
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => self.if_else(cond, then, otherwise, &e.ty)?,
            ExprKind::While { cond, body } => {
                self.while_loop(cond, body)?;
                None
            }
            ExprKind::Loop(body) => {
                self.loop_forever(body)?;
                None
            }
            ExprKind::ForRange {
                var,
                start,
                end,
                inclusive,
                body,
            } => {
                self.for_range(*var, start, end, *inclusive, body)?;
                None
            }
            ExprKind::Break | ExprKind::Continue => {
                let targets = *self
                    .loops
                    .last()
                    .ok_or_else(|| ice("`break` or `continue` outside a loop"))?;
                let to = if matches!(e.kind, ExprKind::Break) {
                    targets.break_to
                } else {
                    targets.continue_to
                };
                self.b.ins().jump(to, &[]);
                self.start_unreachable();
                None
            }
            ExprKind::Return(value) => {
                let func = self.func;
                let ret = &func.ret;
                let v = self.value(value, ret)?;
                for temp in self.loop_temps.clone() {
                    self.release(temp)?;
                }
                self.jump(self.exit, v);
                self.start_unreachable();
                None
            }
            ExprKind::Binary(op, l, r) => self.binary(e, *op, l, r)?,
            ExprKind::Unary(op, operand) => self.unary(e, *op, operand)?,
            ExprKind::Call(callee, args) => self.call(e.span, *callee, args)?,
            ExprKind::Intrinsic(which, args) => self.intrinsic(e, *which, args)?,
            ExprKind::Interpolate(parts) => Some(self.interpolate(parts)?),
            ExprKind::Inlined { callee, body } => self.inlined(e, *callee, body)?,
            ExprKind::ArrayLit(items) => Some(self.array_lit(e, items)?),
            ExprKind::ArrayRepeat(value, count) => Some(self.array_repeat(e, value, count)?),
            ExprKind::TupleLit(items) | ExprKind::StructLit(_, items) => {
                Some(self.record_lit(e, items)?)
            }
            ExprKind::Field(base, index) => self.field(e, base, *index)?,
            ExprKind::Index(base, index) => self.index(e, base, index)?,
            ExprKind::Slice { base, start, end } => Some(self.slice(e, base, start, end)?),
            ExprKind::AssignPlace(place, value) => {
                self.assign_place(place, value)?;
                // A scalar written into a field or element replaces no
                // object: what the cache knows of the path stays true.
                if place.path.is_empty() || value.ty.is_heap() {
                    self.places.invalidate(place.root);
                }
                None
            }
            ExprKind::MutIntrinsic(place, which, args) => {
                let v = self.mut_intrinsic(e, place, *which, args)?;
                self.places.invalidate(place.root);
                v
            }
            ExprKind::CallMut(callee, place, args) => {
                let v = self.call_mut(e, *callee, place, args)?;
                self.places.invalidate(place.root);
                v
            }
            ExprKind::ForArray { var, array, body } => {
                self.for_array(*var, array, body)?;
                None
            }
            ExprKind::Variant { tag, payload } => Some(self.variant(e, *tag, payload)?),
            ExprKind::Spawn { entry, args } => Some(self.spawn(e, *entry, args)?),
            ExprKind::Select(s) => self.select(e, s)?,
            ExprKind::Closure { func, captures } => Some(self.closure(*func, captures)?),
            ExprKind::FnRef(func) => Some(self.closure(*func, &[])?),
            ExprKind::CallValue(callee, args) => self.call_value(e, callee, args)?,
            ExprKind::Tag(base) => Some(self.tag(base)?),
            ExprKind::Payload(base, index) => self.payload(e, base, *index)?,
        })
    }

    /// The body of a function inlined here (`ExprKind::Inlined`, whose
    /// span is the call's): it is lowered in a scope of its own, numbered
    /// after the functions' own scopes, so that stack traces show the
    /// inlined call as a frame.
    fn inlined(&mut self, e: &Expr, callee: kir::FuncId, body: &Expr) -> R<Option<Value>> {
        if callee.0 as usize >= self.shared.program.functions.len() {
            return Err(ice("an inlined body of an unknown function"));
        }
        let caller = *self.scopes.last().ok_or_else(|| ice("no scope"))?;
        let scope = self.shared.program.functions.len() + self.shared.inlined.len();
        let scope = u32::try_from(scope).map_err(|_| ice("too many inlined calls"))?;
        let loc = self.loc(e.span);
        self.shared.inlined.push(InlinedCall {
            callee: callee.0,
            caller,
            loc: u32::try_from(loc).map_err(|_| ice("location index out of range"))?,
        });
        self.scopes.push(scope);
        let v = self.value(body, &e.ty);
        self.scopes.pop();
        v
    }

    /// The innermost scope (see `scopes`).
    pub(crate) fn scope(&self) -> u32 {
        self.scopes.last().copied().unwrap_or(u32::MAX)
    }

    /// `Let` and `Assign`: the new value is computed first (it may read the
    /// local), then the old value is released and replaced.
    fn store_local(&mut self, id: LocalId, value: &Expr) -> R<()> {
        let stored = self.store_local_value(id, value);
        self.places.invalidate(id);
        if self.stable.contains(&id) {
            if let ExprKind::Intrinsic(kir::Intrinsic::ArrayLen, args) = &value.kind {
                if let [Expr {
                    kind: ExprKind::Local(xs),
                    ..
                }] = args.as_slice()
                {
                    if self.stable.contains(xs) {
                        self.len_locals.insert(id, *xs);
                    }
                }
            }
            let range = match self.var(id)? {
                Some(var) if value.ty == Type::Int => {
                    let v = self.b.use_var(var);
                    self.range_of(v)
                }
                _ => None,
            };
            if let Some(range) = range {
                self.local_ranges.insert(id, range);
            }
        }
        if let ExprKind::Local(original) = value.kind {
            if value.ty == Type::Int {
                self.places.alias(id, original);
            }
        }
        stored
    }

    fn store_local_value(&mut self, id: LocalId, value: &Expr) -> R<()> {
        let ty = self.local_ty(id)?.clone();
        if self.borrowed.contains(&id) {
            // A borrowed local points into the value of a root that
            // outlives it: no retain now, no release later.
            let v = self.read_in_place(value)?;
            if let (Some(var), Some(v)) = (self.var(id)?, v) {
                self.b.def_var(var, v);
            }
            return Ok(());
        }
        let v = self.value(value, &ty)?;
        if let (Some(var), Some(v)) = (self.var(id)?, v) {
            if ty.is_heap() {
                let old = self.b.use_var(var);
                self.release(old)?;
            }
            self.b.def_var(var, v);
        }
        Ok(())
    }

    /// A block: its items in order; its value is the last one's.
    fn block(&mut self, es: &[Expr], ty: &Type) -> R<Option<Value>> {
        let Some((last, init)) = es.split_last() else {
            return Ok(None);
        };
        for e in init {
            let v = self.expr(e)?;
            self.discard(v, &e.ty)?;
            if !self.reachable {
                // The rest is dead code; the block's value is a dummy.
                return Ok(None);
            }
        }
        let v = self.value(last, ty)?;
        if self.reachable {
            self.release_scoped(es)?;
        }
        Ok(v)
    }

    /// Releases the owned heap locals that a `let` among `es` bound and
    /// nothing outside `es` names: their scope ends with the block, so
    /// their values are freed here rather than when the function returns
    /// (which matters for a large temporary such as a tree built for one
    /// call). The local is reset to null, so that a later release (at
    /// exit, or by its `let` running again in a loop) does nothing; a
    /// `break` or `return` that leaves the block early skips this and
    /// leaves the value to those releases.
    fn release_scoped(&mut self, es: &[Expr]) -> R<()> {
        let candidates: Vec<LocalId> = es
            .iter()
            .filter_map(|e| match e.kind {
                ExprKind::Let(id, _) => Some(id),
                _ => None,
            })
            .filter(|id| !self.borrowed.contains(id))
            .filter(|&id| self.local_ty(id).is_ok_and(|t| t.is_heap()))
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        let mut inside = HashMap::new();
        for e in es {
            mention_counts(e, &mut inside);
        }
        for id in candidates {
            if inside.get(&id) != self.mentions.get(&id) {
                continue;
            }
            let Some(var) = self.var(id)? else {
                continue;
            };
            let v = self.b.use_var(var);
            self.release(v)?;
            let null = self.null_pointer();
            self.b.def_var(var, null);
            self.places.invalidate(id);
        }
        Ok(())
    }

    /// The null pointer (one value for the function, made in the entry
    /// block, which dominates every use).
    fn null_pointer(&mut self) -> Value {
        match self.null {
            Some(v) => v,
            None => {
                let v = self.b.ins().iconst(self.shared.pointer, 0);
                self.null = Some(v);
                v
            }
        }
    }

    fn if_else(
        &mut self,
        cond: &Expr,
        then: &Expr,
        otherwise: &Expr,
        ty: &Type,
    ) -> R<Option<Value>> {
        let c = self.operand(cond, &Type::Bool)?;
        let then_block = self.b.create_block();
        let else_block = self.b.create_block();
        let merge = self.b.create_block();
        let result_ty = clif_type(ty, self.shared.pointer);
        if let Some(t) = result_ty {
            self.b.append_block_param(merge, t);
        }
        self.b.ins().brif(c, then_block, &[], else_block, &[]);
        self.b.seal_block(then_block);
        self.b.seal_block(else_block);

        self.switch_to(then_block);
        let v = self.value(then, ty)?;
        self.jump(merge, v);

        self.switch_to(else_block);
        let v = self.value(otherwise, ty)?;
        self.jump(merge, v);

        self.b.seal_block(merge);
        self.switch_to(merge);
        Ok(result_ty.map(|_| self.b.block_params(merge)[0]))
    }

    fn while_loop(&mut self, cond: &Expr, body: &Expr) -> R<()> {
        let mark = self.hoist_unique(&[cond, body])?;
        let header = self.b.create_block();
        let body_block = self.b.create_block();
        let exit = self.b.create_block();
        self.b.ins().jump(header, &[]);

        self.switch_to(header);
        self.preempt_poll()?;
        let c = self.operand(cond, &Type::Bool)?;
        self.b.ins().brif(c, body_block, &[], exit, &[]);
        self.b.seal_block(body_block);

        self.switch_to(body_block);
        self.loop_body(body, exit, header)?;
        self.b.ins().jump(header, &[]);
        self.b.seal_block(header);
        self.b.seal_block(exit);
        self.end_hoist(mark);
        self.switch_to(exit);
        Ok(())
    }

    fn loop_forever(&mut self, body: &Expr) -> R<()> {
        let mark = self.hoist_unique(&[body])?;
        let body_block = self.b.create_block();
        let exit = self.b.create_block();
        self.b.ins().jump(body_block, &[]);
        self.switch_to(body_block);
        self.preempt_poll()?;
        self.loop_body(body, exit, body_block)?;
        self.b.ins().jump(body_block, &[]);
        self.b.seal_block(body_block);
        self.b.seal_block(exit);
        self.end_hoist(mark);
        self.switch_to(exit);
        Ok(())
    }

    /// `for var in start..end` / `start..=end`. A hidden counter drives the
    /// loop so that the body cannot disturb it; `end` is evaluated once. The
    /// inclusive form tests `i == end` before incrementing, so `..=i64::MAX`
    /// ends instead of overflowing.
    fn for_range(
        &mut self,
        var: LocalId,
        start: &Expr,
        end: &Expr,
        inclusive: bool,
        body: &Expr,
    ) -> R<()> {
        let s = self.operand(start, &Type::Int)?;
        let e = self.operand(end, &Type::Int)?;
        let mark = self.hoist_unique(&[body])?;
        let counter = self.b.declare_var(types::I64);
        self.b.def_var(counter, s);
        let body_block = self.b.create_block();
        let latch = self.b.create_block();
        let exit = self.b.create_block();

        // The exclusive form tests at a header on every iteration; the
        // inclusive one tests once up front and then at the latch.
        let header = if inclusive {
            let go = self.b.ins().icmp(IntCC::SignedLessThanOrEqual, s, e);
            self.b.ins().brif(go, body_block, &[], exit, &[]);
            None
        } else {
            let header = self.b.create_block();
            self.b.ins().jump(header, &[]);
            self.switch_to(header);
            let i = self.b.use_var(counter);
            let go = self.b.ins().icmp(IntCC::SignedLessThan, i, e);
            self.b.ins().brif(go, body_block, &[], exit, &[]);
            Some(header)
        };

        self.switch_to(body_block);
        let i = self.b.use_var(counter);
        // The counter runs from `s` up to `e` at most (or stays at `s`).
        if let (Some(rs), Some(re)) = (self.range_of(s), self.range_of(e)) {
            let range = (rs.0.min(re.0), rs.1.max(re.1));
            self.set_range(i, range);
            if !super::composite::writes_local(body, var) {
                self.local_ranges.insert(var, range);
                let array = match &end.kind {
                    ExprKind::Local(n) => self.len_locals.get(n).copied(),
                    ExprKind::Intrinsic(kir::Intrinsic::ArrayLen, args) => match args.as_slice() {
                        [Expr {
                            kind: ExprKind::Local(xs),
                            ..
                        }] if self.stable.contains(xs) => Some(*xs),
                        _ => None,
                    },
                    _ => None,
                };
                if let (Some(xs), false, true) = (array, inclusive, rs.0 >= 0) {
                    self.in_bounds.insert(var, xs);
                }
            }
        }
        if let Some(v) = self.var(var)? {
            self.b.def_var(v, i);
        }
        self.loop_body(body, exit, latch)?;
        self.b.ins().jump(latch, &[]);
        self.b.seal_block(latch);

        let i = self.latch_step(latch, counter)?;
        match header {
            Some(header) => {
                self.b.ins().jump(header, &[]);
                self.b.seal_block(header);
            }
            None => {
                // `next` wraps when `i == i64::MAX`, but then we leave.
                let last = self.b.ins().icmp(IntCC::Equal, i, e);
                self.b.ins().brif(last, exit, &[], body_block, &[]);
            }
        }
        self.b.seal_block(body_block);
        self.b.seal_block(exit);
        self.end_hoist(mark);
        self.switch_to(exit);
        Ok(())
    }

    /// Lowers the latch of a counted loop (`for` over a range or an
    /// array): polls for preemption and adds one to `counter`. Returns the
    /// counter's value before the increment.
    pub(crate) fn latch_step(
        &mut self,
        latch: cranelift_codegen::ir::Block,
        counter: Variable,
    ) -> R<Value> {
        self.switch_to(latch);
        self.preempt_poll()?;
        let i = self.b.use_var(counter);
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.def_var(counter, next);
        Ok(i)
    }

    /// Lowers a loop body with `break`/`continue` targets; its value (if
    /// any) is discarded.
    pub(crate) fn loop_body(
        &mut self,
        body: &Expr,
        break_to: cranelift_codegen::ir::Block,
        continue_to: cranelift_codegen::ir::Block,
    ) -> R<()> {
        self.loops.push(LoopTargets {
            break_to,
            continue_to,
        });
        let v = self.expr(body);
        self.loops.pop();
        let v = v?;
        self.discard(v, &body.ty)
    }

    /// A call of a user function: arguments are moved into the callee.
    /// The call instruction carries the call's location (`span`) as its
    /// source location, which stack traces show for this frame.
    fn call(&mut self, span: Span, callee: kir::FuncId, args: &[Expr]) -> R<Option<Value>> {
        self.call_moving(span, callee, args, None)
    }

    /// The argument of `x = f(.., x, ..)` that may move `x`'s value into
    /// the call instead of copying it (its last use before the
    /// assignment replaces it): `x` itself, passed to a parameter the
    /// callee owns, named by no other argument, and followed only by
    /// arguments that are plain values (so nothing can leave between the
    /// move and the call, nor read `x`).
    fn moved_arg(&self, x: LocalId, value: &Expr) -> Option<usize> {
        let ExprKind::Call(callee, args) = &value.kind else {
            return None;
        };
        if !self.local_ty(x).is_ok_and(|t| t.is_heap()) || self.borrowed.contains(&x) {
            return None;
        }
        let k = args
            .iter()
            .position(|a| matches!(a.kind, ExprKind::Local(id) if id == x))?;
        let simple = |a: &Expr| {
            matches!(
                a.kind,
                ExprKind::Int(_)
                    | ExprKind::Float(_)
                    | ExprKind::Bool(_)
                    | ExprKind::Str(_)
                    | ExprKind::Unit
                    | ExprKind::Local(_)
            )
        };
        let named_elsewhere = args
            .iter()
            .enumerate()
            .any(|(i, a)| i != k && super::composite::mentions_local(a, x));
        let borrowed = self
            .shared
            .borrows
            .get(callee.0 as usize)
            .is_some_and(|b| b.param(k));
        (!named_elsewhere && !borrowed && args[k + 1..].iter().all(simple)).then_some(k)
    }

    /// `x = x + e` (or `x += e`) on a string `x` that owns its value and
    /// that `e` does not read: `e`, which [`Lowerer::assign_append`]
    /// appends to `x` in place when it can.
    fn appended<'e>(&self, x: LocalId, value: &'e Expr) -> Option<&'e Expr> {
        let ExprKind::Binary(kir::BinOp::Add, lhs, rhs) = &value.kind else {
            return None;
        };
        let own = value.ty == Type::Str && !self.borrowed.contains(&x);
        let reads_x = super::composite::mentions_local(rhs, x);
        (own && matches!(lhs.kind, ExprKind::Local(l) if l == x) && !reads_x).then_some(&**rhs)
    }

    /// `x = x + e` as `x = kr_str_append(x, e)`: the variable's reference
    /// moves into the runtime, which reuses the string when it is the only
    /// one (see `kr_str_append`). `e` is evaluated first; it cannot change
    /// `x`, and if it panics `x` is untouched.
    fn assign_append(&mut self, x: LocalId, value: &Expr) -> R<()> {
        let rhs = self
            .appended(x, value)
            .ok_or_else(|| ice("an appending assignment that is not one"))?;
        let tail = self.operand(rhs, &Type::Str)?;
        let var = self
            .var(x)?
            .ok_or_else(|| ice("a string local without a variable"))?;
        let old = self.b.use_var(var);
        let new = self.call_rt_value("kr_str_append", &[old, tail])?;
        self.release(tail)?;
        self.b.def_var(var, new);
        self.places.invalidate(x);
        Ok(())
    }

    /// `x = f(.., x, ..)` with `x` moved into the call ([`Lowerer::moved_arg`]):
    /// `x` holds null from the move until the result is stored, so there
    /// is no retain for the argument and no release of the old value.
    fn assign_moving(&mut self, x: LocalId, value: &Expr) -> R<()> {
        let (ExprKind::Call(callee, args), Some(k)) = (&value.kind, self.moved_arg(x, value))
        else {
            return Err(ice("a moving assignment that is not one"));
        };
        let v = self.call_moving(value.span, *callee, args, Some(k))?;
        if let (Some(var), Some(v)) = (self.var(x)?, v) {
            self.b.def_var(var, v);
        }
        self.places.invalidate(x);
        Ok(())
    }

    /// A call whose argument `moved` (a local) is moved into the callee.
    fn call_moving(
        &mut self,
        span: Span,
        callee: kir::FuncId,
        args: &[Expr],
        moved: Option<usize>,
    ) -> R<Option<Value>> {
        let program = self.shared.program;
        let f = program
            .functions
            .get(callee.0 as usize)
            .ok_or_else(|| ice("a call of an unknown function"))?;
        if f.params.len() != args.len() {
            return Err(ice(format_args!(
                "wrong number of arguments to `{}`",
                f.name
            )));
        }
        let mut values = vec![self.ctx];
        let temps = self.call_args(callee, 0, args, None, moved, &mut values)?;
        let inst = self.emit_call(span, callee, &values)?;
        let result = self.b.inst_results(inst).first().copied();
        for t in temps {
            self.end_borrow(t)?;
        }
        Ok(result)
    }

    /// Lowers `args`, the arguments of the parameters of `callee` from
    /// position `first` on, and appends those with a representation to
    /// `values`. An owned parameter receives an owned value (moved into the
    /// callee); a borrowed one (`ir/borrows.rs`) receives a value read in
    /// place when that is safe, else an owned temporary. The borrows are
    /// returned for the caller to end after the call. No argument is read
    /// in place from the local `avoid` (the receiver a `var self` call
    /// moves into the callee, which may change it). Argument `moved`, a
    /// local, is moved: passed without a retain, the local left null.
    pub(crate) fn call_args(
        &mut self,
        callee: kir::FuncId,
        first: usize,
        args: &[Expr],
        avoid: Option<LocalId>,
        moved: Option<usize>,
        values: &mut Vec<Value>,
    ) -> R<Vec<Borrowed>> {
        let program = self.shared.program;
        let f = program
            .functions
            .get(callee.0 as usize)
            .ok_or_else(|| ice("a call of an unknown function"))?;
        let params = f.params.get(first..).unwrap_or_default();
        let mut temps = Vec::new();
        for (k, (param, arg)) in params.iter().zip(args).enumerate() {
            let ty = &f
                .locals
                .get(param.0 as usize)
                .ok_or_else(|| ice("a parameter is not a local"))?
                .ty;
            let borrowed = self
                .shared
                .borrows
                .get(callee.0 as usize)
                .is_some_and(|b| b.param(first + k));
            if let (Some(m), ExprKind::Local(x)) = (moved, &arg.kind) {
                if m == k {
                    let var = self
                        .var(*x)?
                        .ok_or_else(|| ice("moving a local without a value"))?;
                    values.push(self.b.use_var(var));
                    let null = self.null_pointer();
                    self.b.def_var(var, null);
                    self.places.invalidate(*x);
                    continue;
                }
            }
            if borrowed {
                let later: Vec<&Expr> = args.iter().skip(k + 1).collect();
                let b = self.borrow_avoiding(arg, ty, &later, avoid)?;
                if clif_type(ty, self.shared.pointer).is_some() {
                    values.push(b.value);
                }
                temps.push(b);
            } else if let Some(v) = self.value(arg, ty)? {
                values.push(v);
            }
        }
        Ok(temps)
    }

    /// Emits the call of the user function `callee` with the machine
    /// arguments `values` (the task context first), marked with the call's
    /// location for stack traces.
    pub(crate) fn emit_call(
        &mut self,
        span: Span,
        callee: kir::FuncId,
        values: &[Value],
    ) -> R<Inst> {
        let id = *self
            .shared
            .funcs
            .get(callee.0 as usize)
            .ok_or_else(|| ice("a call of an undeclared function"))?;
        let func_ref = self.func_ref(id);
        let loc = self.loc(span);
        let srcloc = self.shared.locations.call_srcloc(self.scope(), loc);
        self.b.set_srcloc(srcloc);
        let inst = self.b.ins().call(func_ref, values);
        self.b.set_srcloc(SourceLoc::default());
        Ok(inst)
    }

    // ---- Helpers shared with expr.rs and intrinsics.rs -------------------

    /// Calls the runtime function `name`. A noreturn function ends the
    /// block (an unreachable trap follows the call).
    pub fn call_rt(&mut self, name: &str, args: &[Value]) -> R<Option<Value>> {
        let (inst, noreturn) = self.emit_call_rt(name, args)?;
        if noreturn {
            self.start_unreachable();
            return Ok(None);
        }
        Ok(self.b.inst_results(inst).first().copied())
    }

    /// Emits the call of a runtime function (and, for a noreturn one, the
    /// unreachable trap after it, which ends the block).
    fn emit_call_rt(&mut self, name: &str, args: &[Value]) -> R<(Inst, bool)> {
        let import = self.shared.imports.get(name)?;
        let func_ref = self.func_ref(import.id);
        let inst = self.b.ins().call(func_ref, args);
        if import.noreturn {
            self.b.ins().trap(UNREACHABLE);
        }
        Ok((inst, import.noreturn))
    }

    /// Calls a runtime function that returns a value.
    pub fn call_rt_value(&mut self, name: &str, args: &[Value]) -> R<Value> {
        self.call_rt(name, args)?
            .ok_or_else(|| ice(format_args!("`{name}` returns no value")))
    }

    /// Branches on `cond` (true means failure) to a new cold block and
    /// continues lowering there; returns the block where the normal path
    /// goes on, for the caller to switch to once the failure path ends.
    pub fn enter_cold_if(&mut self, cond: Value) -> cranelift_codegen::ir::Block {
        let cold = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(cold);
        self.b.ins().brif(cond, cold, &[], cont, &[]);
        self.b.seal_block(cold);
        self.b.seal_block(cont);
        self.continue_in(cold);
        cont
    }

    /// Branches to a cold block that calls `kr_panic_kind(ctx, kind, value,
    /// loc, func, frame)` when `cond` is true, and continues in a fresh
    /// block otherwise.
    pub fn panic_if(&mut self, cond: Value, kind: i64, value: Option<Value>, loc: i64) -> R<()> {
        let cont = self.enter_cold_if(cond);
        let kind = self.b.ins().iconst(types::I64, kind);
        let value = match value {
            Some(v) => v,
            None => self.b.ins().iconst(types::I64, 0),
        };
        let [loc, func, frame] = self.panic_site(loc);
        let (_, noreturn) =
            self.emit_call_rt("kr_panic_kind", &[self.ctx, kind, value, loc, func, frame])?;
        if !noreturn {
            return Err(ice("`kr_panic_kind` returns"));
        }
        self.continue_in(cont);
        Ok(())
    }

    /// The last three arguments of a runtime function that can panic at
    /// location `loc` (an index from [`Lowerer::loc`]): `loc`, the current
    /// scope and this function's frame pointer, where the runtime starts
    /// the stack trace.
    pub fn panic_site(&mut self, loc: i64) -> [Value; 3] {
        let loc = self.b.ins().iconst(types::I64, loc);
        let scope = i64::from(self.scope());
        let func = self.b.ins().iconst(types::I64, scope);
        let frame = self.b.ins().get_frame_pointer(self.shared.pointer);
        [loc, func, frame]
    }

    /// A literal string: the address of its immortal static object.
    pub fn literal(&mut self, text: &str) -> R<Value> {
        let id = self.shared.strings.data_for(self.module, text)?;
        let v = self.data_addr(id);
        self.immortal.insert(v);
        Ok(v)
    }

    /// The address of the type descriptor of `ty` (static data).
    pub fn desc(&mut self, ty: &Type) -> R<Value> {
        let shared = &mut *self.shared;
        let id = shared
            .descs
            .data_for(self.module, &mut shared.strings, shared.program, ty)?;
        Ok(self.data_addr(id))
    }

    /// The static immortal object of the payload-less variant `tag` of the
    /// enum type `ty` (an owned reference, as a literal is).
    pub fn unit_variant(&mut self, ty: &Type, tag: u32) -> R<Value> {
        let shared = &mut *self.shared;
        let id =
            shared
                .descs
                .unit_variant(self.module, &mut shared.strings, shared.program, ty, tag)?;
        let v = self.data_addr(id);
        self.immortal.insert(v);
        Ok(v)
    }

    /// The address of the data object `id`.
    pub(crate) fn data_addr(&mut self, id: DataId) -> Value {
        let gv = match self.data_refs.get(&id) {
            Some(&gv) => gv,
            None => {
                let gv = self.module.declare_data_in_func(id, self.b.func);
                self.data_refs.insert(id, gv);
                gv
            }
        };
        self.b.ins().symbol_value(self.shared.pointer, gv)
    }

    /// Adds one reference to a heap value (nothing for literals).
    pub fn retain(&mut self, v: Value) -> R<()> {
        if !self.is_immortal(v) {
            self.call_rt("kr_retain", &[v])?;
        }
        Ok(())
    }

    /// Drops one reference to a heap value. Nothing is emitted for a
    /// literal, nor for the null a heap local starts as (its first `Let`,
    /// or the exit of a function that never set it).
    pub fn release(&mut self, v: Value) -> R<()> {
        if !self.is_immortal(v) && self.const_of(v) != Some(0) {
            self.call_rt("kr_release", &[v])?;
        }
        Ok(())
    }

    /// True when `v` is certainly a string literal. (`use_var` may hand
    /// back an alias of the value a literal defined.)
    fn is_immortal(&self, v: Value) -> bool {
        self.immortal.contains(&self.b.func.dfg.resolve_aliases(v))
    }

    /// Throws away the value of an expression of type `ty`.
    pub fn discard(&mut self, v: Option<Value>, ty: &Type) -> R<()> {
        match v {
            Some(v) if ty.is_heap() => self.release(v),
            _ => Ok(()),
        }
    }

    /// A placeholder of type `t` for unreachable code (and the initial
    /// value of locals: 0, 0.0, false, null).
    pub fn dummy(&mut self, t: ClifType) -> Value {
        if t == types::F64 {
            self.b.ins().f64const(0.0)
        } else {
            self.b.ins().iconst(t, 0)
        }
    }

    /// Jumps to `block`, passing `arg` if there is one.
    pub(crate) fn jump(&mut self, block: cranelift_codegen::ir::Block, arg: Option<Value>) {
        match arg {
            Some(v) => self.b.ins().jump(block, &[BlockArg::Value(v)]),
            None => self.b.ins().jump(block, &[]),
        };
    }

    /// Switches to `block`, which some branch reaches.
    /// This is a new block of KIR control flow (an `if` arm, a loop body,
    /// a merge), so the place cache is emptied.
    pub fn switch_to(&mut self, block: cranelift_codegen::ir::Block) {
        self.places.clear();
        self.continue_in(block);
    }

    /// Switches to `block`, a block of the same straight run of code: the
    /// cold path of a check (which ends in a panic, or, for copy-on-write,
    /// lowers no KIR) or the block where the code goes on after it. The
    /// place cache is kept: its values dominate `block`.
    pub fn continue_in(&mut self, block: cranelift_codegen::ir::Block) {
        self.b.switch_to_block(block);
        self.reachable = true;
    }

    /// False while lowering code that no path reaches.
    pub fn reachable(&self) -> bool {
        self.reachable
    }

    /// Continues in a fresh block that nothing branches to; the current
    /// block must already be terminated.
    pub fn start_unreachable(&mut self) {
        // The place cache is kept: a cold failure path ends here and the
        // code goes on in a block it dominates (`continue_in`); after a
        // `return` or `break`, the code that follows is dead.
        let block = self.b.create_block();
        self.b.seal_block(block);
        self.b.switch_to_block(block);
        self.reachable = false;
    }

    pub(crate) fn func_ref(&mut self, id: ClifFuncId) -> FuncRef {
        if let Some(&r) = self.func_refs.get(&id) {
            return r;
        }
        let r = self.module.declare_func_in_func(id, self.b.func);
        self.func_refs.insert(id, r);
        r
    }

    pub(crate) fn var(&self, id: LocalId) -> R<Option<Variable>> {
        self.vars
            .get(id.0 as usize)
            .copied()
            .ok_or_else(|| ice(format_args!("unknown local {}", id.0)))
    }

    pub(crate) fn local_ty(&self, id: LocalId) -> R<&'p Type> {
        self.func
            .locals
            .get(id.0 as usize)
            .map(|l| &l.ty)
            .ok_or_else(|| ice(format_args!("unknown local {}", id.0)))
    }

    /// The index in the location table of `span`.
    pub fn loc(&mut self, span: Span) -> i64 {
        self.shared.locations.loc(span)
    }
}
