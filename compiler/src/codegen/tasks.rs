//! Tasks, channels, `select`, atomics and preemption polls.
//!
//! Consumes `Spawn`, `Select` and the task, channel and atomic intrinsics;
//! produces calls into the runtime's scheduler (`runtime/src/sched`).
//! `task<T>`, `chan<T>` and `Atomic` values are shared handles: they are
//! retained and released like any heap value but never copied on write.
//!
//! A task starts in a *spawn entry*, a small function this module defines
//! per spawned KIR function, with the one signature the runtime calls:
//! `extern "C" fn(ctx, env) -> i64`. `env` is a record holding the
//! arguments (evaluated and copied by the spawning task); the entry reads
//! them out, releases `env`, calls the function and returns its result in
//! slot encoding, which `join` decodes.

use cranelift_codegen::ir::{condcodes::IntCC, types, AbiParam, InstBuilder, MemFlagsData};
use cranelift_codegen::ir::{StackSlotData, StackSlotKind, Value};
use cranelift_codegen::Context;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{FuncId as ClifFuncId, Linkage, Module};
use kriti_runtime::ctx::PREEMPT_OFFSET;

use super::entries::{callee, define_entry, encode, load_args, param_types};
use super::function::{Lowerer, Shared, R};
use super::{clif_type, ice};
use crate::ir::kir::{self, Expr, Intrinsic, Select, SelectOp};
use crate::ir::types::Type;

/// Size of one `SelectOp` record that `kr_select` reads:
/// `{ chan, kind (0 recv, 1 send), value, opt_desc }`, 8 bytes each.
const SELECT_OP_SIZE: u32 = 32;
/// `kr_select`'s result when the `after` arm fired.
const SELECT_TIMEOUT: i64 = -1;
/// `kr_select`'s result when nothing was ready and there is a `_` arm.
const SELECT_DEFAULT: i64 = -2;

impl<M: Module> Lowerer<'_, '_, '_, M> {
    /// Polls the task's preemption flag (one load and a branch): when the
    /// scheduler has raised it, yield to other tasks. At function entries
    /// and loop back-edges, so no task can run forever without yielding.
    pub(crate) fn preempt_poll(&mut self) -> R<()> {
        let flag = self.b.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            self.ctx,
            PREEMPT_OFFSET,
        );
        let cont = self.enter_cold_if(flag);
        // A preserve_all call: the values live across the loop stay in
        // registers instead of being spilled around the cold call.
        self.call_rt("kr_preempt_preserve_all", &[self.ctx])?;
        self.b.ins().jump(cont, &[]);
        self.switch_to(cont);
        Ok(())
    }

    /// `spawn entry(args)`: packs the arguments into an env record and
    /// starts a task at `entry`'s spawn entry. Returns the task handle.
    pub(crate) fn spawn(&mut self, e: &Expr, entry: kir::FuncId, args: &[Expr]) -> R<Value> {
        let f = self
            .shared
            .program
            .functions
            .get(entry.0 as usize)
            .ok_or_else(|| ice("spawn of an unknown function"))?;
        let env = if args.is_empty() {
            self.b.ins().iconst(self.shared.pointer, 0)
        } else {
            let tys = param_types(f)?;
            let env = Expr {
                kind: kir::ExprKind::TupleLit(Vec::new()),
                ty: Type::Tuple(tys),
                span: e.span,
            };
            self.record_lit(&env, args)?
        };
        let trampoline = self.spawn_entry(entry)?;
        let func_ref = self.func_ref(trampoline);
        let addr = self.b.ins().func_addr(self.shared.pointer, func_ref);
        let result = match &f.ret {
            Type::Never => Type::Unit,
            t => t.clone(),
        };
        let desc = self.desc(&result)?;
        let [loc, func, frame] = self.site(e);
        self.call_rt_value("kr_spawn", &[self.ctx, addr, env, desc, loc, func, frame])
    }

    /// The spawn entry of `entry`, declared on first use (and defined by
    /// [`define_spawn_entries`] once every function is lowered).
    fn spawn_entry(&mut self, entry: kir::FuncId) -> R<ClifFuncId> {
        if let Some((_, id)) = self.shared.spawn_entries.iter().find(|(f, _)| *f == entry) {
            return Ok(*id);
        }
        let pointer = self.shared.pointer;
        let mut sig = self.module.make_signature();
        sig.params.push(AbiParam::new(pointer));
        sig.params.push(AbiParam::new(pointer));
        sig.returns.push(AbiParam::new(types::I64));
        let name = format!("kriti_spawn_{}", entry.0);
        let id = self
            .module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| ice(format_args!("declaring `{name}`: {e}")))?;
        self.shared.spawn_entries.push((entry, id));
        Ok(id)
    }

    /// The task, channel and atomic intrinsics.
    pub(crate) fn task_intrinsic(
        &mut self,
        e: &Expr,
        which: Intrinsic,
        args: &[Expr],
    ) -> R<Option<Value>> {
        let arg = |i: usize| {
            args.get(i)
                .ok_or_else(|| ice(format_args!("`{}` is missing an argument", which.name())))
        };
        let elem = |ty: &Type| match ty {
            Type::Chan(t) | Type::Task(t) => Ok((**t).clone()),
            other => Err(ice(format_args!("`{}` on a `{other}`", which.name()))),
        };
        Ok(match which {
            Intrinsic::ChanNew => {
                let cap = self.operand(arg(0)?, &Type::Int)?;
                let desc = self.desc(&elem(&e.ty)?)?;
                let [loc, func, frame] = self.site(e);
                Some(self.call_rt_value("kr_chan_new", &[self.ctx, cap, desc, loc, func, frame])?)
            }
            Intrinsic::AtomicNew => {
                let v = self.operand(arg(0)?, &Type::Int)?;
                Some(self.call_rt_value("kr_atomic_new", &[v])?)
            }
            Intrinsic::Sleep => {
                let ms = self.operand(arg(0)?, &Type::Int)?;
                self.call_rt("kr_sleep", &[self.ctx, ms])?;
                None
            }
            Intrinsic::YieldNow => {
                self.call_rt("kr_yield_now", &[self.ctx])?;
                None
            }
            Intrinsic::WorkerCount => Some(self.call_rt_value("kr_worker_count", &[self.ctx])?),
            _ => {
                // A method: the handle is borrowed for the call.
                let recv = arg(0)?;
                let rest: Vec<&Expr> = args[1..].iter().collect();
                let h = self.borrow(recv, &recv.ty, &rest)?;
                let v = self.handle_method(e, which, h.value, &recv.ty, &args[1..])?;
                self.end_borrow(h)?;
                v
            }
        })
    }

    /// A method of a task, channel or atomic handle `h` (of type `ty`).
    fn handle_method(
        &mut self,
        e: &Expr,
        which: Intrinsic,
        h: Value,
        ty: &Type,
        args: &[Expr],
    ) -> R<Option<Value>> {
        let ctx = self.ctx;
        let mut operands = Vec::with_capacity(args.len());
        for a in args {
            let v = self.value(a, &a.ty)?;
            // Values handed to a channel are moved into it, in slots.
            operands.push(self.encode_slot(v, &a.ty)?);
        }
        let operand = |i: usize| {
            operands
                .get(i)
                .copied()
                .ok_or_else(|| ice(format_args!("`{}` is missing an argument", which.name())))
        };
        Ok(match which {
            Intrinsic::TaskJoin => {
                let [loc, func, frame] = self.site(e);
                let raw = self.call_rt_value("kr_task_join", &[ctx, h, loc, func, frame])?;
                self.decode_slot(raw, &e.ty)
            }
            Intrinsic::ChanSend => {
                let [loc, func, frame] = self.site(e);
                let v = operand(0)?;
                self.call_rt("kr_chan_send", &[ctx, h, v, loc, func, frame])?;
                None
            }
            Intrinsic::ChanTrySend => {
                let [loc, func, frame] = self.site(e);
                let v = operand(0)?;
                Some(self.call_rt_value("kr_chan_try_send", &[ctx, h, v, loc, func, frame])?)
            }
            Intrinsic::ChanRecv => {
                let desc = self.desc(&e.ty)?;
                let [loc, func, frame] = self.site(e);
                Some(self.call_rt_value("kr_chan_recv", &[ctx, h, desc, loc, func, frame])?)
            }
            Intrinsic::ChanTryRecv => {
                let desc = self.desc(&e.ty)?;
                Some(self.call_rt_value("kr_chan_try_recv", &[h, desc])?)
            }
            Intrinsic::ChanClose => {
                let [loc, func, frame] = self.site(e);
                self.call_rt("kr_chan_close", &[ctx, h, loc, func, frame])?;
                None
            }
            Intrinsic::ChanLen => Some(self.call_rt_value("kr_chan_len", &[h])?),
            Intrinsic::AtomicAdd => {
                let [loc, func, frame] = self.site(e);
                let k = operand(0)?;
                Some(self.call_rt_value("kr_atomic_add", &[ctx, h, k, loc, func, frame])?)
            }
            Intrinsic::AtomicGet => Some(self.call_rt_value("kr_atomic_get", &[h])?),
            Intrinsic::AtomicSet => {
                self.call_rt("kr_atomic_set", &[h, operand(0)?])?;
                None
            }
            Intrinsic::AtomicCas => {
                Some(self.call_rt_value("kr_atomic_cas", &[h, operand(0)?, operand(1)?])?)
            }
            other => {
                return Err(ice(format_args!(
                    "`{}` is not a method of `{ty}`",
                    other.name()
                )))
            }
        })
    }

    /// The `(loc, func, frame)` of a runtime call made for `e`.
    fn site(&mut self, e: &Expr) -> [Value; 3] {
        let loc = self.loc(e.span);
        self.panic_site(loc)
    }

    /// `select { ... }`: evaluates every arm's channel (and value to send)
    /// into an array of `SelectOp` records on the stack, lets `kr_select`
    /// pick a ready arm, and runs that arm's body.
    pub(crate) fn select(&mut self, e: &Expr, s: &Select) -> R<Option<Value>> {
        let pointer = self.shared.pointer;
        let n = u32::try_from(s.arms.len()).map_err(|_| ice("too many select arms"))?;
        let ops = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            SELECT_OP_SIZE * n.max(1),
            3,
        ));
        let mut chans = Vec::with_capacity(s.arms.len());
        for (i, arm) in s.arms.iter().enumerate() {
            let at = i32::try_from(i as u32 * SELECT_OP_SIZE).map_err(|_| ice("select"))?;
            let chan = self.operand(&arm.chan, &arm.chan.ty)?;
            chans.push(chan);
            self.b.ins().stack_store(pointer, chan, ops, at);
            let (kind, value, desc) = match &arm.op {
                SelectOp::Send(v) => {
                    let raw = self.value(v, &v.ty)?;
                    let raw = self.encode_slot(raw, &v.ty)?;
                    let null = self.b.ins().iconst(pointer, 0);
                    (1, raw, null)
                }
                SelectOp::Recv(_) => {
                    let elem = match &arm.chan.ty {
                        Type::Chan(t) => (**t).clone(),
                        other => return Err(ice(format_args!("select on a `{other}`"))),
                    };
                    let desc = self.desc(&Type::Option(Box::new(elem)))?;
                    (0, self.b.ins().iconst(types::I64, 0), desc)
                }
            };
            let kind = self.b.ins().iconst(types::I64, kind);
            self.b.ins().stack_store(pointer, kind, ops, at + 8);
            self.b.ins().stack_store(pointer, value, ops, at + 16);
            self.b.ins().stack_store(pointer, desc, ops, at + 24);
        }
        let timeout = match &s.after {
            Some((ms, _)) => {
                let ms = self.operand(ms, &Type::Int)?;
                // A negative timeout means "now", not "no timeout".
                let zero = self.b.ins().iconst(types::I64, 0);
                self.b.ins().smax(ms, zero)
            }
            None => self.b.ins().iconst(types::I64, -1),
        };
        let has_default = self
            .b
            .ins()
            .iconst(types::I8, i64::from(s.default.is_some()));
        let ops_addr = self.b.ins().stack_addr(pointer, ops, 0);
        let count = self.b.ins().iconst(types::I64, i64::from(n));
        let [loc, func, frame] = self.site(e);
        let chosen = self.call_rt_value(
            "kr_select",
            &[
                self.ctx,
                ops_addr,
                count,
                timeout,
                has_default,
                loc,
                func,
                frame,
            ],
        )?;
        for chan in chans {
            self.release(chan)?;
        }

        let result_ty = clif_type(&e.ty, pointer);
        let merge = self.b.create_block();
        if let Some(t) = result_ty {
            self.b.append_block_param(merge, t);
        }
        let mut bodies: Vec<(i64, &Expr, Option<&kir::SelectArm>)> = s
            .arms
            .iter()
            .enumerate()
            .map(|(i, arm)| (i as i64, &arm.body, Some(arm)))
            .collect();
        if let Some((_, body)) = &s.after {
            bodies.push((SELECT_TIMEOUT, body, None));
        }
        if let Some(body) = &s.default {
            bodies.push((SELECT_DEFAULT, body, None));
        }
        let last = bodies.len().saturating_sub(1);
        for (k, (index, body, arm)) in bodies.into_iter().enumerate() {
            // The last arm needs no test: `kr_select` returns one of them.
            let next = (k < last).then(|| {
                let this = self.b.create_block();
                let next = self.b.create_block();
                let is = self.b.ins().icmp_imm_s(IntCC::Equal, chosen, index);
                self.b.ins().brif(is, this, &[], next, &[]);
                self.b.seal_block(this);
                self.b.seal_block(next);
                self.switch_to(this);
                next
            });
            if let Some(arm) = arm {
                if let SelectOp::Recv(bind) = &arm.op {
                    let at = i32::try_from(index as u32 * SELECT_OP_SIZE + 16)
                        .map_err(|_| ice("select"))?;
                    let received = self.b.ins().stack_load(pointer, pointer, ops, at);
                    self.bind_received(*bind, received)?;
                }
            }
            let v = self.value(body, &e.ty)?;
            self.jump(merge, v);
            if let Some(next) = next {
                self.switch_to(next);
            }
        }
        if s.arms.is_empty() && s.after.is_none() && s.default.is_none() {
            // `select {}` waits forever (the runtime reports the deadlock).
            self.b.ins().jump(merge, &[]);
        }
        self.b.seal_block(merge);
        self.switch_to(merge);
        Ok(result_ty.map(|_| self.b.block_params(merge)[0]))
    }

    /// Stores the `Option<T>` a select arm received into its `let` local
    /// (releasing what the local held, as `Let` does), or drops it.
    fn bind_received(&mut self, bind: Option<kir::LocalId>, received: Value) -> R<()> {
        match bind.map(|id| self.var(id)).transpose()?.flatten() {
            Some(var) => {
                let old = self.b.use_var(var);
                self.release(old)?;
                self.b.def_var(var, received);
                Ok(())
            }
            None => self.release(received),
        }
    }
}

/// Defines the spawn entry of every function that some `spawn` starts:
/// `extern "C" fn(ctx, env) -> i64` reads the arguments out of `env`,
/// calls the function, releases `env` and returns the result in slot
/// encoding. A heap argument the function owns is retained first; one it
/// only borrows (`ir/borrows.rs`) is kept alive by `env` during the call.
pub(crate) fn define_spawn_entries<M: Module>(
    module: &mut M,
    shared: &Shared<'_>,
    ctx: &mut Context,
    builder_ctx: &mut FunctionBuilderContext,
) -> R<()> {
    let pointer = shared.pointer;
    let retain = shared.imports.get("kr_retain")?;
    let release = shared.imports.get("kr_release")?;
    for &(entry, id) in &shared.spawn_entries {
        let (f, target, borrows) = callee(shared, entry)?;
        let mut sig = module.make_signature();
        sig.params.push(AbiParam::new(pointer));
        sig.params.push(AbiParam::new(pointer));
        sig.returns.push(AbiParam::new(types::I64));
        let what = format!("spawn entry of `{}`", f.name);
        define_entry(
            module,
            ctx,
            builder_ctx,
            id,
            sig,
            &what,
            |module, b, params| {
                let (task_ctx, env) = (params[0], params[1]);
                let retain = module.declare_func_in_func(retain.id, b.func);
                let release = module.declare_func_in_func(release.id, b.func);
                let mut args = vec![task_ctx];
                load_args(
                    b,
                    retain,
                    env,
                    0,
                    0,
                    &param_types(f)?,
                    borrows,
                    pointer,
                    &mut args,
                )?;
                let callee = module.declare_func_in_func(target, b.func);
                let call = b.ins().call(callee, &args);
                let result = match b.inst_results(call).first().copied() {
                    Some(v) => encode(b, v),
                    None => b.ins().iconst(types::I64, 0),
                };
                if !f.params.is_empty() {
                    b.ins().call(release, &[env]);
                }
                Ok(vec![result])
            },
        )?;
    }
    Ok(())
}
