//! The JIT driver: compiles a program into executable memory and runs it.
//!
//! Consumes a checked program; produces a [`JitProgram`] that owns the
//! `JITModule` (its code and data) and the [`ProgramInfo`] the runtime needs
//! to report panics. This is the only file that knows about `JITModule`;
//! the lowering itself is generic over `cranelift_module::Module`.

use std::collections::HashMap;
use std::sync::Arc;

use cranelift_jit::{ArenaMemoryProvider, JITBuilder, JITModule};
use kriti_runtime::abi;
use kriti_runtime::ctx::TaskCtx;
use kriti_runtime::{FunctionInfo, HostFns, Outcome, ProgramInfo, RunConfig, SpawnEntry};

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
    main: Option<unsafe extern "C" fn(*mut TaskCtx)>,
    /// The call entries (embedding only), by KIR function index.
    entries: HashMap<u32, SpawnEntry>,
    info: Arc<ProgramInfo>,
    module: OwnedModule,
}

// SAFETY: after `compile` the module is never touched again except by
// `Drop` (which needs `&mut self`): shared references only read the entry
// addresses and the `Arc<ProgramInfo>` (itself `Send + Sync`), and the code
// they point to is immutable and may run on any thread.
unsafe impl Send for JitProgram {}
// SAFETY: as above.
unsafe impl Sync for JitProgram {}

impl JitProgram {
    /// Runs the program's `fn main()` on the runtime (an internal error
    /// outcome if it has none, which only a host's program can lack).
    pub fn run_main(&self) -> Outcome {
        self.run_main_with(RunConfig::default())
    }

    /// [`JitProgram::run_main`] as `config` says (limits, output).
    pub fn run_main_with(&self, config: RunConfig) -> Outcome {
        match self.main {
            Some(main) => kriti_runtime::run_main_with(Arc::clone(&self.info), main, config),
            None => Outcome::panicked("the program has no `fn main()`", None),
        }
    }

    /// True when the program has a `fn main()`.
    pub fn has_main(&self) -> bool {
        self.main.is_some()
    }

    /// The call entry of KIR function `f`, when the program was compiled
    /// with [`super::compile_jit_for_host`] and the host may call `f`.
    pub fn call_entry(&self, f: kir::FuncId) -> Option<SpawnEntry> {
        self.entries.get(&f.0).copied()
    }

    /// Runs one call at `entry` with the arguments in `env`; see
    /// [`kriti_runtime::run_call`].
    ///
    /// # Safety
    /// `entry` came from [`JitProgram::call_entry`] of this program, and
    /// `env` is null (no parameters) or an owned record of the function's
    /// parameter types, in order.
    pub unsafe fn run_call(
        &self,
        entry: SpawnEntry,
        env: *mut kriti_runtime::value::Obj,
        config: RunConfig,
    ) -> (Outcome, u64) {
        // SAFETY: forwarded from our caller; the code lives as long as
        // `self`, which the call borrows.
        unsafe { kriti_runtime::run_call(Arc::clone(&self.info), entry, env, config) }
    }

    /// Sets the host functions the program calls (embedding), in the order
    /// the checker numbered them.
    pub fn set_host(&mut self, host: HostFns) {
        Arc::make_mut(&mut self.info).host = host;
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
pub(super) struct OwnedModule {
    pub(super) module: Option<JITModule>,
    pub(super) functions: usize,
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
/// With `for_host`, also the call entries, and `main` is optional.
pub(crate) fn compile(
    program: &kir::Program,
    sources: &SourceMap,
    for_host: bool,
) -> Result<JitProgram, String> {
    catch_ice(|| {
        let mut owned = OwnedModule {
            module: Some(new_module()?),
            functions: program.functions.len(),
        };
        let module = owned
            .module
            .as_mut()
            .ok_or_else(|| ice("the JIT module is gone"))?;
        let lowered = lower_program(module, program, sources, for_host)?;
        module
            .finalize_definitions()
            .map_err(|e| ice(format_args!("finalizing: {e}")))?;
        if lowered.main.is_none() && !for_host {
            return Err(ice("the program has no `main` function"));
        }
        let main = lowered.main.map(|main| {
            let code = module.get_finalized_function(main);
            // SAFETY: `main` was declared with the signature of
            // `extern "C" fn(*mut TaskCtx)` (the default call convention,
            // one pointer parameter, no result: see `signature`), and its
            // code lives as long as `owned`, which the `JitProgram` keeps.
            unsafe { std::mem::transmute::<*const u8, unsafe extern "C" fn(*mut TaskCtx)>(code) }
        });
        let entries = lowered
            .call_entries
            .iter()
            .map(|&(f, id)| {
                let code = module.get_finalized_function(id);
                // SAFETY: call entries are spawn entries, declared as
                // `extern "C" fn(ctx, env) -> i64` (`host.rs`); the code
                // lives as long as `owned`.
                let entry = unsafe { std::mem::transmute::<*const u8, SpawnEntry>(code) };
                (f.0, entry)
            })
            .collect();
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
            // An embedding host sets them with `JitProgram::set_host`.
            host: HostFns::new(),
        };
        Ok(JitProgram {
            main,
            entries,
            info: Arc::new(info),
            module: owned,
        })
    })
}

/// A new, empty JIT module whose imports resolve to the runtime's
/// functions (the REPL's session keeps one and adds to it).
pub(super) fn new_module() -> Result<JITModule, String> {
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
    Ok(JITModule::new(builder))
}
