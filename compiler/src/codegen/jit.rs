//! The JIT driver: compiles a program into executable memory and runs it.
//!
//! Consumes a checked program; produces a [`JitProgram`] that owns the
//! `JITModule` (its code and data) and the [`ProgramInfo`] the runtime needs
//! to report panics. This is the only file that knows about `JITModule`;
//! the lowering itself is generic over `cranelift_module::Module`.

use std::sync::Arc;

use cranelift_jit::{ArenaMemoryProvider, JITBuilder, JITModule};
use kriti_runtime::abi;
use kriti_runtime::ctx::TaskCtx;
use kriti_runtime::{FunctionInfo, Outcome, ProgramInfo};

use super::{catch_ice, host_isa, ice, lower_program};
use crate::ir::kir;
use crate::span::SourceMap;

/// Address space reserved for one program's code and data. 1 GiB keeps every
/// PC-relative reference in range (±2 GiB) and is far more than any program
/// needs (a function is a few hundred bytes); only the pages used are ever
/// committed.
const JIT_ARENA_SIZE: usize = 1 << 30;

/// A program compiled to native code in memory.
pub struct JitProgram {
    /// Declared before `module`: nothing may refer to the code once it is
    /// freed, and fields drop in order.
    main: unsafe extern "C" fn(*mut TaskCtx),
    info: Arc<ProgramInfo>,
    module: OwnedModule,
}

impl JitProgram {
    /// Runs the program's `fn main()` on the runtime.
    pub fn run_main(&self) -> Outcome {
        kriti_runtime::run_main(Arc::clone(&self.info), self.main)
    }

    /// Sets the arguments `args()` returns (the command line after the
    /// program's file name); none by default.
    pub fn set_args(&mut self, args: Vec<String>) {
        Arc::make_mut(&mut self.info).args = args;
    }

    /// The program's information for the runtime (the location table, the
    /// functions' code ranges and call sites).
    pub fn info(&self) -> &Arc<ProgramInfo> {
        &self.info
    }
}

impl std::fmt::Debug for JitProgram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitProgram")
            .field("locations", &self.info.locations.len())
            .field("functions", &self.module.functions)
            .finish()
    }
}

/// A `JITModule` whose memory is freed when it is dropped (a `JITModule`
/// alone leaks its code and data).
struct OwnedModule {
    module: Option<JITModule>,
    functions: usize,
}

impl Drop for OwnedModule {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the module's code runs only inside `run_main`, which
            // borrows the `JitProgram`, so no call into it is in progress
            // and no pointer to it survives this drop.
            unsafe { module.free_memory() };
        }
    }
}

/// Compiles `program` into executable memory.
pub(crate) fn compile(program: &kir::Program, sources: &SourceMap) -> Result<JitProgram, String> {
    catch_ice(|| {
        let isa = host_isa(false)?;
        let mut builder = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
        // Runtime functions resolve to their addresses in this process,
        // from the same list the imports were declared from.
        for symbol in abi::symbols() {
            builder.symbol(symbol.name, symbol.addr);
        }
        // Calls between our functions and references to literals are
        // PC-relative with a 32-bit offset, so all code and data must sit
        // within 2 GiB of each other: allocate them from one reserved region
        // (address space only; pages are committed as they are used).
        let arena = ArenaMemoryProvider::new_with_size(JIT_ARENA_SIZE)
            .map_err(|e| ice(format_args!("reserving JIT memory: {e}")))?;
        builder.memory_provider(Box::new(arena));
        let mut owned = OwnedModule {
            module: Some(JITModule::new(builder)),
            functions: program.functions.len(),
        };
        let module = owned
            .module
            .as_mut()
            .ok_or_else(|| ice("the JIT module is gone"))?;
        let lowered = lower_program(module, program, sources)?;
        module
            .finalize_definitions()
            .map_err(|e| ice(format_args!("finalizing: {e}")))?;
        let main = lowered
            .main
            .ok_or_else(|| ice("the program has no `main` function"))?;
        let code = module.get_finalized_function(main);
        // SAFETY: `main` was declared with the signature of
        // `extern "C" fn(*mut TaskCtx)` (the default call convention, one
        // pointer parameter, no result: see `signature`), and its code
        // lives as long as `owned`, which the `JitProgram` keeps.
        let main =
            unsafe { std::mem::transmute::<*const u8, unsafe extern "C" fn(*mut TaskCtx)>(code) };
        // Every function's code now has its final address: stack traces
        // map return addresses to functions through it.
        let functions = lowered
            .functions
            .into_iter()
            .map(|f| FunctionInfo {
                name: Arc::from(f.name),
                code_start: module.get_finalized_function(f.id) as usize,
                code_len: f.code_len,
                call_sites: f.call_sites,
            })
            .collect();
        // Every field is spelled out: when the runtime adds one, codegen is
        // where it must be filled in.
        let info = ProgramInfo {
            locations: lowered.locations,
            functions,
            inlined: lowered.inlined,
            // The CLI sets them with `JitProgram::set_args`.
            args: Vec::new(),
        };
        Ok(JitProgram {
            main,
            info: Arc::new(info),
            module: owned,
        })
    })
}
