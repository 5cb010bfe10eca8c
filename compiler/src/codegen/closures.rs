//! Function values: closures, named functions used as values, and calls of
//! function values.
//!
//! A function value is an immutable record object whose descriptor has
//! kind FN: slot 0 holds the address of its *closure entry*, the other
//! slots its captured values. Every function value of type
//! `fn(A, B) -> R` is called the same way, `entry(ctx, closure, a, b)`
//! (`call_indirect`), whatever it captured. The entry of a lifted function
//! `f(captures.., params..)` reads the captures out of the closure object,
//! calls `f` and returns its result; a named function's entry captures
//! nothing.
//!
//! Ownership: the caller passes the arguments owned and the closure
//! borrowed; the entry passes `f` an owned reference for each parameter
//! `f` owns, and releases after the call the arguments `f` only borrows.

use cranelift_codegen::ir::{types, AbiParam, InstBuilder, MemFlagsData, Signature, Value};
use cranelift_codegen::Context;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{FuncId as ClifFuncId, Linkage, Module};

use super::entries::{callee, decode, define_entry, load_args, param_types, record_slot};
use super::function::{Lowerer, Shared, R};
use super::{clif_type, ice};
use crate::ir::kir::{self, Expr};
use crate::ir::types::Type;

impl<M: Module> Lowerer<'_, '_, '_, M> {
    /// A function value of `func` holding `captures` (none for a named
    /// function): a new closure object.
    pub(crate) fn closure(&mut self, func: kir::FuncId, captures: &[Expr]) -> R<Value> {
        let mut slots = Vec::with_capacity(captures.len() + 1);
        let entry = self.closure_entry(func, captures.len())?;
        let func_ref = self.func_ref(entry);
        slots.push(self.b.ins().func_addr(self.shared.pointer, func_ref));
        let mut types = Vec::with_capacity(captures.len());
        for c in captures {
            let v = self.value(c, &c.ty)?;
            slots.push(self.encode_slot(v, &c.ty)?);
            types.push(c.ty.clone());
        }
        let shared = &mut *self.shared;
        let desc_id = shared.descs.closure_data_for(
            &mut *self.module,
            &mut shared.strings,
            shared.program,
            &types,
        )?;
        let desc = self.data_addr(desc_id);
        let obj = self.call_rt_value("kr_record_new", &[desc])?;
        for (i, slot) in slots.into_iter().enumerate() {
            self.b
                .ins()
                .store(MemFlagsData::trusted(), slot, obj, record_slot(i)?);
        }
        Ok(obj)
    }

    /// The closure entry of `func` whose first `captured` parameters come
    /// from the closure object, declared on first use.
    fn closure_entry(&mut self, func: kir::FuncId, captured: usize) -> R<ClifFuncId> {
        let known = self.shared.closure_entries.iter();
        if let Some((_, _, id)) = known.clone().find(|(f, n, _)| *f == func && *n == captured) {
            return Ok(*id);
        }
        let f = self
            .shared
            .program
            .functions
            .get(func.0 as usize)
            .ok_or_else(|| ice("a function value of an unknown function"))?;
        let sig = entry_signature(self.module, f, captured, self.shared.pointer)?;
        let name = format!("kriti_closure_{}_{captured}", func.0);
        let id = self
            .module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| ice(format_args!("declaring `{name}`: {e}")))?;
        self.shared.closure_entries.push((func, captured, id));
        Ok(id)
    }

    /// The comparison entry of `sort_by` on `[elem]`, declared on first
    /// use: `extern "C" fn(ctx, closure, a, b) -> bool` takes two elements
    /// in slot encoding (borrowed from the array) and calls the closure.
    pub(crate) fn compare_entry(&mut self, elem: &Type) -> R<ClifFuncId> {
        if let Some((_, id)) = self.shared.compare_entries.iter().find(|(t, _)| t == elem) {
            return Ok(*id);
        }
        let sig = compare_signature(self.module, self.shared.pointer);
        let name = format!("kriti_compare_{}", self.shared.compare_entries.len());
        let id = self
            .module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| ice(format_args!("declaring `{name}`: {e}")))?;
        self.shared.compare_entries.push((elem.clone(), id));
        Ok(id)
    }

    /// `callee(args)` for a function value: the arguments are owned by the
    /// call, the closure is borrowed.
    pub(crate) fn call_value(
        &mut self,
        e: &Expr,
        callee: &Expr,
        args: &[Expr],
    ) -> R<Option<Value>> {
        let Type::Fn(params, ret) = &callee.ty else {
            return Err(ice(format_args!("a call of a `{}`", callee.ty)));
        };
        let pointer = self.shared.pointer;
        let later: Vec<&Expr> = args.iter().collect();
        let c = self.borrow(callee, &callee.ty, &later)?;
        let mut values = vec![self.ctx, c.value];
        for (arg, ty) in args.iter().zip(params) {
            if let Some(v) = self.value(arg, ty)? {
                values.push(v);
            }
        }
        let mut sig = self.module.make_signature();
        sig.params.push(AbiParam::new(pointer));
        sig.params.push(AbiParam::new(pointer));
        for t in params {
            if let Some(t) = clif_type(t, pointer) {
                sig.params.push(AbiParam::new(t));
            }
        }
        if let Some(t) = clif_type(ret, pointer) {
            sig.returns.push(AbiParam::new(t));
        }
        let sig_ref = self.b.import_signature(sig);
        let code = self
            .b
            .ins()
            .load(pointer, MemFlagsData::trusted(), c.value, record_slot(0)?);
        let loc = self.loc(e.span);
        let srcloc = self.shared.locations.call_srcloc(self.scope(), loc);
        self.b.set_srcloc(srcloc);
        let inst = self.b.ins().call_indirect(sig_ref, code, &values);
        self.b.set_srcloc(Default::default());
        let result = self.b.inst_results(inst).first().copied();
        self.end_borrow(c)?;
        Ok(result)
    }
}

/// The signature every function value of `f`'s type is called with:
/// `(ctx, closure, params after the first `captured`) -> result`.
fn entry_signature<M: Module>(
    module: &M,
    f: &kir::Function,
    captured: usize,
    pointer: types::Type,
) -> R<Signature> {
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(pointer));
    sig.params.push(AbiParam::new(pointer));
    for t in param_types(f)?.iter().skip(captured) {
        if let Some(t) = clif_type(t, pointer) {
            sig.params.push(AbiParam::new(t));
        }
    }
    if let Some(t) = clif_type(&f.ret, pointer) {
        sig.returns.push(AbiParam::new(t));
    }
    Ok(sig)
}

/// Defines the comparison entries of `sort_by`: each retains the two
/// elements (a call owns its arguments) and calls the closure's entry.
fn define_compare_entries<M: Module>(
    module: &mut M,
    shared: &Shared<'_>,
    ctx: &mut Context,
    builder_ctx: &mut FunctionBuilderContext,
) -> R<()> {
    let pointer = shared.pointer;
    let retain = shared.imports.get("kr_retain")?;
    for (elem, id) in &shared.compare_entries {
        let sig = compare_signature(module, pointer);
        let what = "a `sort_by` comparison entry";
        define_entry(
            module,
            ctx,
            builder_ctx,
            *id,
            sig,
            what,
            |module, b, params| {
                let retain = module.declare_func_in_func(retain.id, b.func);
                let mut args = vec![params[0], params[1]];
                let mut call_sig = module.make_signature();
                call_sig.params.push(AbiParam::new(pointer));
                call_sig.params.push(AbiParam::new(pointer));
                for &raw in &params[2..4] {
                    if elem.is_heap() {
                        b.ins().call(retain, &[raw]);
                    }
                    if let Some(t) = clif_type(elem, pointer) {
                        args.push(decode(b, raw, t));
                        call_sig.params.push(AbiParam::new(t));
                    }
                }
                call_sig.returns.push(AbiParam::new(types::I8));
                let sig_ref = b.import_signature(call_sig);
                let code =
                    b.ins()
                        .load(pointer, MemFlagsData::trusted(), params[1], record_slot(0)?);
                let call = b.ins().call_indirect(sig_ref, code, &args);
                Ok(vec![b.inst_results(call)[0]])
            },
        )?;
    }
    Ok(())
}

/// The signature of a `sort_by` comparison entry:
/// `(ctx, closure, a: i64, b: i64) -> bool`.
fn compare_signature<M: Module>(module: &M, pointer: types::Type) -> Signature {
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(pointer));
    sig.params.push(AbiParam::new(pointer));
    sig.params.push(AbiParam::new(types::I64));
    sig.params.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I8));
    sig
}

/// Defines every closure entry declared while lowering the functions.
pub(crate) fn define_closure_entries<M: Module>(
    module: &mut M,
    shared: &Shared<'_>,
    ctx: &mut Context,
    builder_ctx: &mut FunctionBuilderContext,
) -> R<()> {
    define_compare_entries(module, shared, ctx, builder_ctx)?;
    let pointer = shared.pointer;
    let retain = shared.imports.get("kr_retain")?;
    let release = shared.imports.get("kr_release")?;
    for &(func, captured, id) in &shared.closure_entries {
        let (f, target, borrows) = callee(shared, func)?;
        let sig = entry_signature(module, f, captured, pointer)?;
        let what = format!("closure entry of `{}`", f.name);
        define_entry(
            module,
            ctx,
            builder_ctx,
            id,
            sig,
            &what,
            |module, b, params| {
                let retain = module.declare_func_in_func(retain.id, b.func);
                let release = module.declare_func_in_func(release.id, b.func);
                let types = param_types(f)?;
                let (captures, own) = types.split_at(captured.min(types.len()));
                // The captures: the closure keeps them alive during the call.
                let mut args = vec![params[0]];
                load_args(
                    b, retain, params[1], 1, 0, captures, borrows, pointer, &mut args,
                )?;
                // The arguments: owned here; released after the call when `f`
                // only borrows them.
                let mut given = params[2..].iter().copied();
                let mut to_release = Vec::new();
                for (k, ty) in own.iter().enumerate() {
                    if clif_type(ty, pointer).is_none() {
                        continue;
                    }
                    let v = given
                        .next()
                        .ok_or_else(|| ice("a closure entry is missing an argument"))?;
                    if ty.is_heap() && borrows.is_some_and(|bs| bs.param(captured + k)) {
                        to_release.push(v);
                    }
                    args.push(v);
                }
                let callee = module.declare_func_in_func(target, b.func);
                let call = b.ins().call(callee, &args);
                let results = b.inst_results(call).to_vec();
                for v in to_release {
                    b.ins().call(release, &[v]);
                }
                Ok(results)
            },
        )?;
    }
    Ok(())
}
