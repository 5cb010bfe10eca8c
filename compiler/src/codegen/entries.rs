//! Generated entry functions: small functions with a fixed machine
//! signature that the runtime or generated code calls, which read their
//! inputs out of a record (a spawn's env, a closure object) and call a
//! compiled KIR function. `tasks.rs` and `closures.rs` define them with
//! the helpers here.

use cranelift_codegen::ir::{
    types, FuncRef, InstBuilder, MemFlagsData, Signature, Type as ClifType, Value,
};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{FuncId as ClifFuncId, Module};
use kriti_runtime::value::record::RECORD_SLOTS_OFFSET;

use super::function::{Shared, R};
use super::{clif_type, ice};
use crate::ir::borrows::Borrows;
use crate::ir::kir;
use crate::ir::types::Type;

/// The KIR function `id` that an entry calls, its compiled function and
/// its borrows.
pub(super) fn callee<'s, 'p>(
    shared: &'s Shared<'p>,
    id: kir::FuncId,
) -> R<(&'p kir::Function, ClifFuncId, Option<&'s Borrows>)> {
    let index = id.0 as usize;
    let f = shared
        .program
        .functions
        .get(index)
        .ok_or_else(|| ice("an entry of an unknown function"))?;
    let compiled = *shared
        .funcs
        .get(index)
        .ok_or_else(|| ice("an entry of an undeclared function"))?;
    Ok((f, compiled, shared.borrows.get(index)))
}

/// Offset of slot `i` in a record.
pub(super) fn record_slot(i: usize) -> R<i32> {
    i32::try_from(RECORD_SLOTS_OFFSET + 8 * i).map_err(|_| ice("a record with too many slots"))
}

/// The types of `f`'s parameters, in order.
pub(super) fn param_types(f: &kir::Function) -> R<Vec<Type>> {
    f.params
        .iter()
        .map(|p| {
            f.locals
                .get(p.0 as usize)
                .map(|l| l.ty.clone())
                .ok_or_else(|| ice("a parameter is not a local"))
        })
        .collect()
}

/// The value of machine type `t` held in the slot encoding `raw`.
pub(super) fn decode(b: &mut FunctionBuilder, raw: Value, t: ClifType) -> Value {
    match t {
        types::F64 => b.ins().bitcast(types::F64, MemFlagsData::new(), raw),
        types::I8 => b.ins().ireduce(types::I8, raw),
        _ => raw,
    }
}

/// The slot encoding of `v`.
pub(super) fn encode(b: &mut FunctionBuilder, v: Value) -> Value {
    match b.func.dfg.value_type(v) {
        types::F64 => b.ins().bitcast(types::I64, MemFlagsData::new(), v),
        types::I8 => b.ins().uextend(types::I64, v),
        _ => v,
    }
}

/// Defines the generated function `id` with signature `sig`: `body` fills
/// its one block, given the block's parameters, and returns the values to
/// return. `what` names it in internal errors.
pub(super) fn define_entry<M: Module>(
    module: &mut M,
    ctx: &mut Context,
    builder_ctx: &mut FunctionBuilderContext,
    id: ClifFuncId,
    sig: Signature,
    what: &str,
    body: impl FnOnce(&mut M, &mut FunctionBuilder, &[Value]) -> R<Vec<Value>>,
) -> R<()> {
    ctx.func.signature = sig;
    ctx.func.name = cranelift_codegen::ir::UserFuncName::user(0, id.as_u32());
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, builder_ctx);
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        b.seal_block(block);
        let params = b.block_params(block).to_vec();
        let results = body(module, &mut b, &params)?;
        b.ins().return_(&results);
        b.finalize(module.target_config());
    }
    module
        .define_function(id, ctx)
        .map_err(|e| ice(format_args!("{what}: {e:?}")))?;
    module.clear_context(ctx);
    Ok(())
}

/// Reads the values of the parameters `first..first + types.len()` of a
/// function (whose borrows are `borrows`) out of the slots of `record`,
/// starting at slot `slot`, as arguments for a call of it: a heap value
/// the function owns is retained (the record keeps its own reference); one
/// it borrows is passed as it is, and the record must outlive the call.
#[allow(clippy::too_many_arguments)]
pub(super) fn load_args(
    b: &mut FunctionBuilder,
    retain: FuncRef,
    record: Value,
    slot: usize,
    first: usize,
    types: &[Type],
    borrows: Option<&Borrows>,
    pointer: ClifType,
    args: &mut Vec<Value>,
) -> R<()> {
    for (k, ty) in types.iter().enumerate() {
        let raw = b.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            record,
            record_slot(slot + k)?,
        );
        if ty.is_heap() && !borrows.is_some_and(|bs| bs.param(first + k)) {
            b.ins().call(retain, &[raw]);
        }
        if let Some(t) = clif_type(ty, pointer) {
            args.push(decode(b, raw, t));
        }
    }
    Ok(())
}
