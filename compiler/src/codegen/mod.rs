//! Codegen: KIR → Cranelift IR → native code.
//!
//! Consumes a checked [`kir::Program`] (fully typed, names resolved) and the
//! [`SourceMap`] it came from. Produces either a [`JitProgram`], native code
//! in memory that runs on the Rust runtime, or the Cranelift IR text of every
//! function ([`emit_clif`]).
//!
//! The lowering is written once, generic over [`cranelift_module::Module`]
//! ([`lower_program`]), so an ahead-of-time backend (cranelift-object) can
//! reuse it; only `jit.rs` knows about `JITModule`.
//!
//! Files, one job each:
//! - `imports.rs`: declares the runtime functions from `kriti_runtime::abi`.
//! - `strings.rs`: string literals as static, immortal string objects.
//! - `descs.rs`: type descriptors as static data, which the runtime reads
//!   to drop, copy, compare and display composite values.
//! - `locations.rs`: the table of source locations that runtime panics name,
//!   and the call sites that stack traces name (read from the machine code).
//! - `function.rs`: one function: locals, control flow, ownership, calls.
//! - `expr.rs`: operators (checked integer arithmetic, comparisons).
//! - `composite.rs`: arrays, tuples, structs and enum values: literals,
//!   reading fields, elements, tags and payloads, writing through places
//!   (copy-on-write), `for x in xs`.
//! - `intrinsics.rs`: built-in functions and string interpolation.
//! - `host.rs`: calls of an embedding host's functions, and the call
//!   entries through which a host calls Kriti functions.
//! - `jit.rs`: the JIT driver and [`JitProgram`].
//! - `session.rs`: the REPL's JIT module, to which each input adds its
//!   new functions ([`session::JitSession`]).
//! - `clif.rs`: a `Module` that records IR text instead of compiling.
//!
//! **Stack traces:** generated code keeps frame pointers, every runtime
//! function that can panic receives the caller's scope and frame pointer
//! (`func`, `frame`) besides `loc`, and every call of a Kriti function
//! carries its scope and location as a Cranelift source location, so the
//! runtime can map each return address on the stack to a function and a
//! line (`kriti_runtime::trace`). A scope is a function's own body or a
//! body the inliner copied into it: the lowering numbers each inlined body
//! it meets (`ExprKind::Inlined`) as a new scope, so traces show inlined
//! calls too.
//!
//! **Values:** `int`, `float` and `bool` live in registers; every heap
//! value (`str`, arrays, tuples, structs, enums) is one pointer. Composite values
//! keep their fields and elements in 8-byte slots (see `composite.rs`) and
//! point to their type's descriptor, so the runtime can drop, copy,
//! compare and display them; writes make every object on the written path
//! unique first (copy-on-write), which gives value semantics.
//!
//! **Invariant:** every language error (overflow, division by zero, stack
//! overflow, ...) is an explicit call to a noreturn runtime function, never a
//! Cranelift trap, so the process needs no signal handler. The `trap`
//! instructions we emit only follow those calls and are never reached.
//!
//! This stage does not check types or infer anything (KIR is fully typed; a
//! mismatch is an internal error), does not optimise KIR, and never panics:
//! Cranelift and verifier errors become `Err("internal compiler error in
//! codegen: ...")`.

mod clif;
mod closures;
mod composite;
mod descs;
mod entries;
mod expr;
mod function;
pub mod host;
mod imports;
mod intrinsics;
mod jit;
mod locations;
mod places;
pub mod session;
mod strings;
mod tasks;
#[cfg(test)]
mod tests;

use cranelift_codegen::ir::{types, AbiParam, Signature, Type as ClifType};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{FuncId as ClifFuncId, Linkage, Module};
use kriti_runtime::{CallSite, InlinedCall, SourceLoc};

use crate::ir::kir;
use crate::ir::types::Type;
use crate::span::SourceMap;

pub use jit::JitProgram;

/// Compiles a checked program to native code in memory.
///
/// The error is the text of an internal compiler error, naming the stage.
pub fn compile_jit(program: &kir::Program, sources: &SourceMap) -> Result<JitProgram, String> {
    jit::compile(program, sources, false)
}

/// [`compile_jit`] for an embedding host: also generates a call entry for
/// every function the host may call by name ([`host::is_callable_by_name`];
/// see [`JitProgram::call_entry`]), and accepts a program without `main`.
pub fn compile_jit_for_host(
    program: &kir::Program,
    sources: &SourceMap,
) -> Result<JitProgram, String> {
    jit::compile(program, sources, true)
}

/// Cranelift IR text of every function, for `kriti run --emit clif`.
///
/// This is the IR as codegen builds it, before Cranelift optimises it.
pub fn emit_clif(program: &kir::Program, sources: &SourceMap) -> Result<String, String> {
    clif::emit(program, sources)
}

/// Formats an internal compiler error of this stage.
pub(crate) fn ice(what: impl std::fmt::Display) -> String {
    format!("internal compiler error in codegen: {what}")
}

/// The Cranelift type of a value of `ty`, or `None` when the type has no
/// runtime representation (unit, never).
pub(crate) fn clif_type(ty: &Type, pointer: ClifType) -> Option<ClifType> {
    match ty {
        Type::Int => Some(types::I64),
        Type::Float => Some(types::F64),
        Type::Bool => Some(types::I8),
        Type::Str
        | Type::Array(_)
        | Type::Tuple(_)
        | Type::Struct(..)
        | Type::Enum(..)
        | Type::Option(_)
        | Type::Result(..)
        | Type::Map(..)
        | Type::Task(_)
        | Type::Chan(_)
        | Type::Atomic
        | Type::Fn(..) => Some(pointer),
        Type::Unit | Type::Never | Type::Error => None,
    }
}

/// The host ISA with our flags. `pic` is false for the JIT (cranelift-jit
/// requires it) and would be true for an object file.
pub(crate) fn host_isa(pic: bool) -> Result<OwnedTargetIsa, String> {
    let mut flags = settings::builder();
    let set = |flags: &mut settings::Builder, name: &str, value: &str| {
        flags
            .set(name, value)
            .map_err(|e| ice(format_args!("setting {name}={value}: {e}")))
    };
    set(&mut flags, "opt_level", "speed")?;
    set(&mut flags, "is_pic", if pic { "true" } else { "false" })?;
    // The JIT places code anywhere in the address space, so calls to
    // libcalls (e.g. `floor` on a CPU without SSE4.1) must use long-range
    // relocations.
    set(&mut flags, "use_colocated_libcalls", "false")?;
    // Every function keeps a frame record (saved frame pointer, return
    // address), even a leaf, so that a panic can walk the Kriti call stack;
    // it also allows `get_frame_pointer`, which passes the walk its start.
    // (x86-64 sets up a frame in every function anyway.)
    set(&mut flags, "preserve_frame_pointers", "true")?;
    // Verifying every function costs compile time; a debug build keeps it so
    // that a lowering bug is an error message rather than bad code.
    let verify = if cfg!(debug_assertions) {
        "true"
    } else {
        "false"
    };
    set(&mut flags, "enable_verifier", verify)?;
    let isa = cranelift_native::builder().map_err(|e| ice(format_args!("host ISA: {e}")))?;
    isa.finish(settings::Flags::new(flags))
        .map_err(|e| ice(format_args!("host ISA: {e}")))
}

/// What [`lower_program`] leaves behind besides the code in the module.
pub(crate) struct Lowered {
    /// The user's `fn main()`.
    pub main: Option<ClifFuncId>,
    /// The location table (`loc` arguments index into it).
    pub locations: Vec<SourceLoc>,
    /// What stack traces need of each function, by KIR function index
    /// (its scope).
    pub functions: Vec<LoweredFunction>,
    /// The inlined bodies: scope `functions.len() + j` is `inlined[j]`.
    pub inlined: Vec<InlinedCall>,
    /// The call entries, when asked for (embedding), by KIR function.
    pub call_entries: Vec<(kir::FuncId, ClifFuncId)>,
}

/// One function as stack traces see it, before its code has an address.
pub(crate) struct LoweredFunction {
    pub id: ClifFuncId,
    /// The name traces show.
    pub name: String,
    /// The length of its machine code (0 when the module compiles nothing,
    /// as for `--emit clif`).
    pub code_len: usize,
    /// Its calls of Kriti functions, by code offset.
    pub call_sites: Vec<CallSite>,
}

/// Lowers and defines the functions of `shared.program` from index
/// `first` on (a REPL input adds functions to a module that has the
/// earlier ones).
pub(crate) fn lower_functions<M: Module>(
    module: &mut M,
    shared: &mut function::Shared<'_>,
    ctx: &mut cranelift_codegen::Context,
    builder_ctx: &mut FunctionBuilderContext,
    first: usize,
) -> Result<Vec<LoweredFunction>, String> {
    let program = shared.program;
    let mut functions = Vec::with_capacity(program.functions.len().saturating_sub(first));
    for (index, f) in program.functions.iter().enumerate().skip(first) {
        let id = shared.funcs[index];
        ctx.func.signature = signature(module, f, shared.pointer);
        ctx.func.name = cranelift_codegen::ir::UserFuncName::user(0, id.as_u32());
        function::lower(module, shared, builder_ctx, ctx, f, index)
            .map_err(|e| with_function(e, f))?;
        define(module, id, ctx).map_err(|e| with_function(e, f))?;
        let (code_len, call_sites) = match ctx.compiled_code() {
            Some(code) => (
                code.code_buffer().len(),
                shared
                    .locations
                    .call_sites(code.buffer.get_srclocs_sorted()),
            ),
            None => (0, Vec::new()),
        };
        functions.push(LoweredFunction {
            id,
            name: f.name.clone(),
            code_len,
            call_sites,
        });
        module.clear_context(ctx);
    }
    Ok(functions)
}

/// Declares and defines every function of `program` in `module`.
/// With `call_entries`, also the call entries of the functions a host may
/// call ([`host`]).
pub(crate) fn lower_program<M: Module>(
    module: &mut M,
    program: &kir::Program,
    sources: &SourceMap,
    call_entries: bool,
) -> Result<Lowered, String> {
    let pointer = module.target_config().pointer_type();
    let imports = imports::declare(module)?;

    let mut funcs = Vec::with_capacity(program.functions.len());
    for (index, f) in program.functions.iter().enumerate() {
        let sig = signature(module, f, pointer);
        let is_main = program.main.map(|m| m.0 as usize) == Some(index);
        // The index keeps names unique (monomorphized copies share a name)
        // and the prefix keeps them apart from the runtime's `kr_` symbols.
        let (name, linkage) = if is_main {
            ("kriti_main".to_string(), Linkage::Export)
        } else {
            (format!("kriti_{index}_{}", f.name), Linkage::Local)
        };
        let id = module
            .declare_function(&name, linkage, &sig)
            .map_err(|e| ice(format_args!("declaring `{}`: {e}", f.name)))?;
        funcs.push(id);
    }
    let main = match program.main {
        Some(m) => {
            let f = program
                .functions
                .get(m.0 as usize)
                .ok_or_else(|| ice("`main` is not a function of the program"))?;
            if !f.params.is_empty() || !f.ret.is_zero_sized() {
                return Err(ice("`main` must take no parameters and return `()`"));
            }
            funcs.get(m.0 as usize).copied()
        }
        None => None,
    };

    let mut shared = function::Shared {
        program,
        imports,
        funcs,
        strings: strings::StringPool::default(),
        descs: descs::DescPool::default(),
        locations: locations::LocationTable::new(sources),
        pointer,
        inlined: Vec::new(),
        spawn_entries: Vec::new(),
        closure_entries: Vec::new(),
        compare_entries: Vec::new(),
        borrows: crate::ir::borrows::analyse_program(program),
    };
    let mut ctx = module.make_context();
    let mut builder_ctx = FunctionBuilderContext::new();
    let functions = lower_functions(module, &mut shared, &mut ctx, &mut builder_ctx, 0)?;
    let call_entries = if call_entries {
        host::declare_call_entries(module, &mut shared)?
    } else {
        Vec::new()
    };
    tasks::define_spawn_entries(module, &shared, &mut ctx, &mut builder_ctx)?;
    closures::define_closure_entries(module, &shared, &mut ctx, &mut builder_ctx)?;
    Ok(Lowered {
        main,
        locations: shared.locations.finish(),
        functions,
        inlined: shared.inlined,
        call_entries,
    })
}

/// Compiles one function into the module, turning Cranelift's errors
/// (including the verifier's) into an internal error.
pub(crate) fn define<M: Module>(
    module: &mut M,
    id: ClifFuncId,
    ctx: &mut Context,
) -> Result<(), String> {
    module.define_function(id, ctx).map_err(|e| match e {
        cranelift_module::ModuleError::Compilation(cranelift_codegen::CodegenError::Verifier(
            errors,
        )) => ice(format_args!(
            "verifier: {}",
            cranelift_codegen::print_errors::pretty_verifier_error(&ctx.func, None, errors)
        )),
        other => ice(format_args!("{other:?}")),
    })
}

/// Names the function an error happened in.
pub(crate) fn with_function(error: String, f: &kir::Function) -> String {
    format!("{error} (in function `{}`)", f.name)
}

/// The machine signature of a KIR function: the hidden task context first,
/// then every parameter that has a representation, then the result if it
/// has one, and for a `returns_self` method (`var self`) the final value of
/// its receiver after that. `fn main()` is therefore
/// `extern "C" fn(*mut TaskCtx)`.
pub(crate) fn signature<M: Module>(module: &M, f: &kir::Function, pointer: ClifType) -> Signature {
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(pointer));
    for param in &f.params {
        let ty = f.locals.get(param.0 as usize).map(|l| &l.ty);
        if let Some(t) = ty.and_then(|ty| clif_type(ty, pointer)) {
            sig.params.push(AbiParam::new(t));
        }
    }
    if let Some(t) = clif_type(&f.ret, pointer) {
        sig.returns.push(AbiParam::new(t));
    }
    if let Some(t) = receiver_type(f, pointer) {
        sig.returns.push(AbiParam::new(t));
    }
    sig
}

/// The machine type of the receiver that a `returns_self` method returns
/// after its result, if it returns one (not for a zero-sized receiver).
pub(crate) fn receiver_type(f: &kir::Function, pointer: ClifType) -> Option<ClifType> {
    if !f.returns_self {
        return None;
    }
    let receiver = f.params.first()?;
    let ty = &f.locals.get(receiver.0 as usize)?.ty;
    clif_type(ty, pointer)
}

/// Runs `f`, turning a panic inside Cranelift (its builder asserts on
/// misuse) into an internal error instead of unwinding into the caller.
pub(crate) fn catch_ice<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(ice(format_args!("panic: {msg}")))
        }
    }
}
