//! What codegen does for an embedding host: calls of host functions, and
//! the *call entries* through which the host calls Kriti functions.
//!
//! A host function call (`Intrinsic::Host(i)`) packs its arguments into a
//! record (one slot each, owned by the record, exactly as a `spawn` packs
//! its env), calls the runtime's one trampoline `kr_host_call(ctx, i,
//! args, loc, func, frame)`, releases the record, and decodes the slot it
//! returns as the call's value (owned).
//!
//! A call entry is the spawn entry of a top-level function
//! (`tasks::define_spawn_entries` defines both): `extern "C" fn(ctx, env)
//! -> i64` reading the arguments out of the record `env`. The runtime
//! starts a host's call at it as the first task of a run
//! (`kriti_runtime::run_call`), so calls from the host reuse the one
//! calling convention generated code already has for entering Kriti code.
//! They are generated only when the JIT is asked for them (embedding):
//! the CLI never pays for them.

use cranelift_codegen::ir::{types, AbiParam, InstBuilder, Value};
use cranelift_module::{FuncId as ClifFuncId, Linkage, Module};

use super::entries::decode;
use super::function::{Lowerer, Shared, R};
use super::{clif_type, ice};
use crate::ir::kir::{self, Expr};
use crate::ir::types::Type;

impl<M: Module> Lowerer<'_, '_, '_, M> {
    /// A call of host function `index` with `args`.
    pub(crate) fn host_call(&mut self, e: &Expr, index: u32, args: &[Expr]) -> R<Option<Value>> {
        let env = if args.is_empty() {
            None
        } else {
            let record = Expr {
                kind: kir::ExprKind::TupleLit(Vec::new()),
                ty: Type::Tuple(args.iter().map(|a| a.ty.clone()).collect()),
                span: e.span,
            };
            Some(self.record_lit(&record, args)?)
        };
        let null = self.b.ins().iconst(self.shared.pointer, 0);
        let index = self.b.ins().iconst(types::I64, i64::from(index));
        let loc = self.loc(e.span);
        let [loc, func, frame] = self.panic_site(loc);
        let raw = self.call_rt_value(
            "kr_host_call",
            &[self.ctx, index, env.unwrap_or(null), loc, func, frame],
        )?;
        if let Some(env) = env {
            self.call_rt("kr_release", &[env])?;
        }
        Ok(clif_type(&e.ty, self.shared.pointer).map(|t| decode(&mut self.b, raw, t)))
    }
}

/// True when the host may call `f` by name: a top-level function (methods
/// are named `Type::name`, lifted bodies `f::{spawn}`).
pub fn is_callable_by_name(f: &kir::Function) -> bool {
    !f.name.is_empty()
        && f.name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Declares the call entry of every function the host may call by name
/// (reusing a spawn entry a `spawn` already declared); returns them by
/// KIR function. `tasks::define_spawn_entries` defines them.
pub(crate) fn declare_call_entries<M: Module>(
    module: &mut M,
    shared: &mut Shared<'_>,
) -> R<Vec<(kir::FuncId, ClifFuncId)>> {
    let mut entries = Vec::new();
    for (index, f) in shared.program.functions.iter().enumerate() {
        if !is_callable_by_name(f) {
            continue;
        }
        let id = kir::FuncId(u32::try_from(index).map_err(|_| ice("too many functions"))?);
        if let Some((_, entry)) = shared.spawn_entries.iter().find(|(g, _)| *g == id) {
            entries.push((id, *entry));
            continue;
        }
        let mut sig = module.make_signature();
        sig.params.push(AbiParam::new(shared.pointer));
        sig.params.push(AbiParam::new(shared.pointer));
        sig.returns.push(AbiParam::new(types::I64));
        let name = format!("kriti_spawn_{index}");
        let entry = module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| ice(format_args!("declaring `{name}`: {e}")))?;
        shared.spawn_entries.push((id, entry));
        entries.push((id, entry));
    }
    Ok(entries)
}
