//! Incremental compilation for the REPL: one `JITModule` for a whole
//! session, to which each input adds only its new functions.
//!
//! cranelift-jit lets a module define more functions after it has been
//! finalized and finalize again; code already compiled keeps its address,
//! so new code calls earlier functions directly. What the lowering shares
//! between functions (the runtime imports, the Cranelift function of every
//! KIR function, string literals, type descriptors, the location table and
//! the generated entries) is kept here between inputs and lent to each
//! input's lowering, so indices baked into earlier code stay valid.

use std::sync::Arc;

use cranelift_codegen::ir::{types, AbiParam};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{FuncId as ClifFuncId, Linkage, Module};
use kriti_runtime::{FunctionInfo, HostFns, ProgramInfo, SpawnEntry};

use super::descs::DescPool;
use super::function::Shared;
use super::imports::{self, Imports};
use super::jit::{new_module, OwnedModule};
use super::locations::{LocationParts, LocationTable};
use super::strings::StringPool;
use super::{catch_ice, closures, ice, lower_functions, signature, tasks, LoweredFunction};
use crate::ir::borrows::{self, Borrows};
use crate::ir::kir;
use crate::span::SourceMap;

/// The native code of a REPL session so far.
pub struct JitSession {
    imports: Option<Imports>,
    funcs: Vec<ClifFuncId>,
    strings: StringPool,
    descs: DescPool,
    locations: LocationParts,
    spawn_entries: Vec<(kir::FuncId, ClifFuncId)>,
    closure_entries: Vec<(kir::FuncId, usize, ClifFuncId)>,
    compare_entries: Vec<(crate::ir::types::Type, ClifFuncId)>,
    borrows: Vec<Borrows>,
    /// What stack traces need of every compiled function, by KIR index.
    infos: Vec<FunctionInfo>,
    /// Declared last: the code is freed when the session is dropped.
    module: OwnedModule,
}

// SAFETY: the module is only touched through `&mut self`; the code it
// holds is immutable once finalized and may run on any thread.
unsafe impl Send for JitSession {}

impl JitSession {
    /// An empty session.
    pub fn new() -> Result<JitSession, String> {
        catch_ice(|| {
            let mut module = new_module()?;
            let imports = imports::declare(&mut module)?;
            Ok(JitSession {
                imports: Some(imports),
                funcs: Vec::new(),
                strings: StringPool::default(),
                descs: DescPool::default(),
                locations: LocationParts::default(),
                spawn_entries: Vec::new(),
                closure_entries: Vec::new(),
                compare_entries: Vec::new(),
                borrows: Vec::new(),
                infos: Vec::new(),
                module: OwnedModule {
                    module: Some(module),
                    functions: 0,
                },
            })
        })
    }

    /// The number of functions compiled so far.
    pub fn compiled(&self) -> usize {
        self.funcs.len()
    }

    /// Compiles the functions of `program` that are not compiled yet
    /// (every function from [`JitSession::compiled`] on; `program` holds
    /// all of the session's functions, by id) and returns the call entry
    /// of `entry` (see `host.rs`), when asked for one.
    pub fn compile(
        &mut self,
        program: &kir::Program,
        sources: &SourceMap,
        entry: Option<kir::FuncId>,
    ) -> Result<Option<SpawnEntry>, String> {
        catch_ice(|| self.compile_new(program, sources, entry))
    }

    fn compile_new(
        &mut self,
        program: &kir::Program,
        sources: &SourceMap,
        entry: Option<kir::FuncId>,
    ) -> Result<Option<SpawnEntry>, String> {
        let first = self.funcs.len();
        let module = self
            .module
            .module
            .as_mut()
            .ok_or_else(|| ice("the JIT module is gone"))?;
        let pointer = module.target_config().pointer_type();
        for (index, f) in program.functions.iter().enumerate().skip(first) {
            let sig = signature(module, f, pointer);
            let name = format!("kriti_{index}_{}", f.name);
            let id = module
                .declare_function(&name, Linkage::Local, &sig)
                .map_err(|e| ice(format_args!("declaring `{}`: {e}", f.name)))?;
            self.funcs.push(id);
            self.borrows.push(borrows::analyse(f));
        }
        let mut shared = Shared {
            program,
            imports: self
                .imports
                .take()
                .ok_or_else(|| ice("the runtime imports are gone"))?,
            funcs: std::mem::take(&mut self.funcs),
            strings: std::mem::take(&mut self.strings),
            descs: std::mem::take(&mut self.descs),
            locations: LocationTable::resume(sources, std::mem::take(&mut self.locations)),
            pointer,
            inlined: Vec::new(),
            spawn_entries: std::mem::take(&mut self.spawn_entries),
            closure_entries: std::mem::take(&mut self.closure_entries),
            compare_entries: std::mem::take(&mut self.compare_entries),
            borrows: std::mem::take(&mut self.borrows),
        };
        let result = lower_new(module, &mut shared, first, entry);
        // Everything goes back, whatever happened, so the session stays
        // consistent for the next input.
        let Shared {
            imports,
            funcs,
            strings,
            descs,
            locations,
            spawn_entries,
            closure_entries,
            compare_entries,
            borrows,
            ..
        } = shared;
        self.imports = Some(imports);
        self.funcs = funcs;
        self.strings = strings;
        self.descs = descs;
        self.locations = locations.into_parts();
        self.spawn_entries = spawn_entries;
        self.closure_entries = closure_entries;
        self.compare_entries = compare_entries;
        self.borrows = borrows;
        let (lowered, call_entry) = result?;
        module
            .finalize_definitions()
            .map_err(|e| ice(format_args!("finalizing: {e}")))?;
        self.module.functions = self.funcs.len();
        for f in lowered {
            self.infos.push(FunctionInfo {
                name: Arc::from(f.name),
                code_start: module.get_finalized_function(f.id) as usize,
                code_len: f.code_len,
                call_sites: f.call_sites,
            });
        }
        Ok(call_entry.map(|id| {
            let code = module.get_finalized_function(id);
            // SAFETY: call entries are declared as `extern "C" fn(ctx,
            // env) -> i64` (`lower_new`), and the code lives as long as
            // the session.
            unsafe { std::mem::transmute::<*const u8, SpawnEntry>(code) }
        }))
    }

    /// What the runtime needs to report panics in the code so far.
    pub fn info(&self) -> Arc<ProgramInfo> {
        Arc::new(ProgramInfo {
            locations: self.locations.locations.clone(),
            functions: self.infos.clone(),
            inlined: Vec::new(),
            args: Vec::new(),
            host: HostFns::new(),
        })
    }
}

/// Lowers and defines the functions from `first` on, the entries they
/// need, and the call entry of `entry`.
fn lower_new<M: Module>(
    module: &mut M,
    shared: &mut Shared<'_>,
    first: usize,
    entry: Option<kir::FuncId>,
) -> Result<(Vec<LoweredFunction>, Option<ClifFuncId>), String> {
    let spawn_before = shared.spawn_entries.len();
    let closure_before = shared.closure_entries.len();
    let compare_before = shared.compare_entries.len();
    let mut ctx = module.make_context();
    let mut builder_ctx = FunctionBuilderContext::new();
    let out = lower_functions(module, shared, &mut ctx, &mut builder_ctx, first)?;
    let call_entry = match entry {
        Some(f) => Some(match shared.spawn_entries.iter().find(|(g, _)| *g == f) {
            Some((_, e)) => *e,
            None => {
                let mut sig = module.make_signature();
                sig.params.push(AbiParam::new(shared.pointer));
                sig.params.push(AbiParam::new(shared.pointer));
                sig.returns.push(AbiParam::new(types::I64));
                let name = format!("kriti_spawn_{}", f.0);
                let e = module
                    .declare_function(&name, Linkage::Local, &sig)
                    .map_err(|e| ice(format_args!("declaring `{name}`: {e}")))?;
                shared.spawn_entries.push((f, e));
                e
            }
        }),
        None => None,
    };
    // Only the entries this input declared are defined now; the earlier
    // ones are already in the module.
    let old_spawn: Vec<_> = shared.spawn_entries.drain(..spawn_before).collect();
    let old_closure: Vec<_> = shared.closure_entries.drain(..closure_before).collect();
    let old_compare: Vec<_> = shared.compare_entries.drain(..compare_before).collect();
    let defined =
        tasks::define_spawn_entries(module, shared, &mut ctx, &mut builder_ctx).and_then(|()| {
            closures::define_closure_entries(module, shared, &mut ctx, &mut builder_ctx)
        });
    shared.spawn_entries.splice(0..0, old_spawn);
    shared.closure_entries.splice(0..0, old_closure);
    shared.compare_entries.splice(0..0, old_compare);
    defined?;
    Ok((out, call_entry))
}
