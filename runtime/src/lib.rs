//! The Kriti runtime: heap values, output, panics, and the entry points that
//! JIT-compiled code calls (listed once, in [`abi`]).
//!
//! It consumes a compiled program's entry function and its [`ProgramInfo`],
//! and produces the program's effects (output) and its [`Outcome`]. It does
//! not compile anything and never exits the process: the CLI turns an
//! [`Outcome`] into an exit status.
//!
//! Code map:
//! - [`abi`]: the single list of `extern "C"` symbols JIT code may call.
//! - [`value`]: the object header, reference counting, strings, arrays,
//!   records (tuples, structs), type descriptors, display forms.
//! - [`ctx`]: [`TaskCtx`], the pointer every JIT function receives first.
//! - [`mod@panic`]: Kriti panics and `exit`, [`Outcome`], the panic guard.
//! - [`trace`]: Kriti stack traces, by walking the frame pointers of JIT code.
//! - [`output`]: buffered stdout, stderr.
//! - [`math`]: float functions and `clock()`.
//! - [`random`]: `random()` and `random_int()` (a per-task generator;
//!   `KRITI_SEED`).
//! - [`io`]: `args()`, `read_line()`, `read_file()`, `write_file()`.
//! - [`config`]: [`RunConfig`], what one run may do (limits, output).
//! - [`host`]: functions an embedding host registers, and the one
//!   trampoline JIT code calls them through.
//! - [`sched`]: the task scheduler (workers, stacks, park/wake, timers,
//!   preemption, deadlock detection), channels, `select` and atomics;
//!   [`Scheduler`], one that outlives its calls (a REPL session's).
//!
//! **Invariant:** no Rust unwind ever crosses a JIT frame (cranelift-jit
//! registers no unwind info). Every entry point catches Rust panics and ends
//! the task instead; see `HACKING.md`.

#![warn(missing_docs, unsafe_op_in_unsafe_fn)]

pub mod abi;
pub mod config;
pub mod ctx;
pub mod host;
pub mod io;
pub mod math;
pub mod output;
pub mod panic;
mod preserve_all;
pub mod random;
pub mod sched;
pub mod trace;
pub mod value;

#[cfg(test)]
mod run_tests;

use std::any::Any;
use std::sync::Arc;

pub use crate::config::{Interrupt, RunConfig, SharedWriter};
pub use crate::ctx::TaskCtx;
pub use crate::host::{HostFn, HostFns};
pub use crate::output::flush_stdout;
pub use crate::panic::{Outcome, ProgramInfo, SourceLoc};
pub use crate::sched::program::ProgramCell;
pub use crate::sched::session::Scheduler;
pub use crate::sched::task::SpawnEntry;
pub use crate::trace::{CallSite, Frame, FunctionInfo, InlinedCall, StackTrace};
pub use crate::value::IMMORTAL_RC;

/// Usable stack size of the task that runs `main`. The language promises
/// that `main` can recurse at least 100,000 calls deep; 256 MiB gives a
/// simple function ~2.6 KiB per call for that. The memory is only reserved:
/// pages are committed as the stack actually grows.
pub const MAIN_STACK_SIZE: usize = 256 << 20;

/// Stack kept free below [`TaskCtx::stack_limit`] for the runtime functions
/// that JIT code calls (JIT code itself never goes below the limit). Runtime
/// functions must stay well under this: anything that needs deep recursion
/// or big buffers must allocate on the heap instead.
pub const STACK_HEADROOM: usize = 256 << 10;

/// Runs `entry` (the JIT-compiled `fn main`) as the first task of a fresh
/// scheduler, with one worker thread per core (`KRITI_WORKERS` overrides;
/// read once per process) and a main stack of [`MAIN_STACK_SIZE`] bytes,
/// and returns how the program ended (see [`Outcome`]).
///
/// The calling thread is one of the workers. When `main` returns (or
/// panics, or a task calls `exit`, or a deadlock is found) the workers
/// stop after the task each is running suspends, and the tasks still
/// alive are abandoned: their stacks are reset, never unwound (the values
/// they own leak). Stdout is flushed before this returns. The process is
/// never exited, even for [`Outcome::Exited`].
pub fn run_main(info: Arc<ProgramInfo>, entry: unsafe extern "C" fn(*mut TaskCtx)) -> Outcome {
    run_with_stack(info, entry, MAIN_STACK_SIZE)
}

/// [`run_main`] with a main stack of `stack_size` usable bytes.
pub(crate) fn run_with_stack(
    info: Arc<ProgramInfo>,
    entry: unsafe extern "C" fn(*mut TaskCtx),
    stack_size: usize,
) -> Outcome {
    run_with(info, entry, sched::default_workers(), stack_size)
}

/// [`run_main`] with `workers` worker threads and a main stack of
/// `stack_size` usable bytes.
pub(crate) fn run_with(
    info: Arc<ProgramInfo>,
    entry: unsafe extern "C" fn(*mut TaskCtx),
    workers: usize,
    stack_size: usize,
) -> Outcome {
    let config = RunConfig {
        workers,
        stack_size,
        ..RunConfig::default()
    };
    run_main_with(info, entry, config)
}

/// [`run_main`] as `config` says (workers, stack size, limits, output).
pub fn run_main_with(
    info: Arc<ProgramInfo>,
    entry: unsafe extern "C" fn(*mut TaskCtx),
    config: RunConfig,
) -> Outcome {
    math::init_clock();
    sched::run_program(info, sched::FirstEntry::Main(entry), config).0
}

/// Runs one call of a compiled function, as the first task of a fresh
/// scheduler configured by `config` (the calling thread is a worker), and
/// returns how it ended and, if the function returned, its result in slot
/// encoding (0 if it did not), owned by the caller whatever the outcome
/// (the outcome is not [`Outcome::Returned`] when a task panic went
/// unobserved, or a limit ended the run just as the function returned).
///
/// `entry` is the function's generated entry (the same kind of entry a
/// `spawn` starts a task at): it reads the arguments out of `env`, a
/// record whose slots hold them, and releases `env`.
///
/// # Safety
/// `entry` is an entry of a program described by `info`, whose code stays
/// alive during the call; `env` is null (no parameters) or a record of the
/// entry's parameter types, owned (consumed).
pub unsafe fn run_call(
    info: Arc<ProgramInfo>,
    entry: SpawnEntry,
    env: *mut value::Obj,
    config: RunConfig,
) -> (Outcome, u64) {
    math::init_clock();
    sched::run_program(info, sched::FirstEntry::Call(entry, env), config)
}

fn internal_error(detail: &str) -> Outcome {
    Outcome::panicked(format!("internal runtime error: {detail}"), None)
}

/// The text of a Rust panic's payload.
fn payload_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_string())
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}
