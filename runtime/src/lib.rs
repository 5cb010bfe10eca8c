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
//!
//! **Invariant:** no Rust unwind ever crosses a JIT frame (cranelift-jit
//! registers no unwind info). Every entry point catches Rust panics and ends
//! the task instead; see `HACKING.md`.

#![warn(missing_docs, unsafe_op_in_unsafe_fn)]

pub mod abi;
pub mod ctx;
pub mod math;
pub mod output;
pub mod panic;
pub mod trace;
pub mod value;

#[cfg(test)]
mod run_tests;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use corosensei::stack::{DefaultStack, Stack};
use corosensei::{Coroutine, CoroutineResult};

pub use crate::ctx::TaskCtx;
pub use crate::output::flush_stdout;
pub use crate::panic::{Outcome, ProgramInfo, SourceLoc};
pub use crate::trace::{CallSite, Frame, FunctionInfo, InlinedCall, StackTrace};
pub use crate::value::IMMORTAL_RC;

use crate::ctx::{Suspend, TaskYielder};

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

/// Runs `entry` (the JIT-compiled `fn main`) to completion on a fresh
/// coroutine stack of [`MAIN_STACK_SIZE`] bytes, and returns how it ended.
///
/// Stdout is flushed before this returns. The process is never exited, even
/// for [`Outcome::Exited`].
pub fn run_main(info: Arc<ProgramInfo>, entry: unsafe extern "C" fn(*mut TaskCtx)) -> Outcome {
    run_with_stack(info, entry, MAIN_STACK_SIZE)
}

/// [`run_main`] with a stack of `stack_size` usable bytes.
pub(crate) fn run_with_stack(
    info: Arc<ProgramInfo>,
    entry: unsafe extern "C" fn(*mut TaskCtx),
    stack_size: usize,
) -> Outcome {
    math::init_clock();
    let outcome = run_task(info, entry, stack_size);
    output::flush_stdout();
    outcome
}

fn internal_error(detail: &str) -> Outcome {
    Outcome::panicked(format!("internal runtime error: {detail}"), None)
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}

fn run_task(
    info: Arc<ProgramInfo>,
    entry: unsafe extern "C" fn(*mut TaskCtx),
    stack_size: usize,
) -> Outcome {
    let stack = match DefaultStack::new(stack_size) {
        Ok(stack) => stack,
        Err(e) => return internal_error(&format!("cannot allocate the task stack: {e}")),
    };
    // `limit()` is the bottom of the mapping, which starts with one guard page.
    let stack_low = stack.limit().get() + page_size();
    let stack_limit = stack_low + STACK_HEADROOM;
    let mut task = TaskCtx::new(info, stack_limit);
    task.set_stack(stack_low, stack.base().get());
    let ctx: *mut TaskCtx = Box::into_raw(Box::new(task));

    let mut coroutine: Coroutine<(), Suspend, (), DefaultStack> =
        Coroutine::with_stack(stack, move |yielder: &TaskYielder, ()| {
            // SAFETY: `ctx` is freed only after the coroutine is gone (below),
            // and nothing else touches it while the task runs.
            unsafe {
                (*ctx).set_yielder(yielder);
                entry(ctx);
            }
        });

    let previous = ctx::set_current(ctx);
    let result = catch_unwind(AssertUnwindSafe(|| coroutine.resume(())));
    ctx::set_current(previous);

    let outcome = match result {
        Ok(CoroutineResult::Return(())) => Outcome::Returned,
        Ok(CoroutineResult::Yield(Suspend::End)) => {
            // SAFETY: the task ended itself through `end_task`, which leaves
            // nothing on the task stack that needs dropping (HACKING.md), and
            // the coroutine is never resumed: we abandon its frames.
            unsafe { coroutine.force_reset() };
            // SAFETY: the task is over; we are the only user of `ctx`.
            unsafe { (*ctx).take_outcome() }
                .unwrap_or_else(|| internal_error("task ended without an outcome"))
        }
        // A Rust panic reached the coroutine's root (only possible when the
        // entry is Rust code, as in tests). The coroutine has finished.
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_string());
            internal_error(&detail)
        }
    };
    drop(coroutine);
    // SAFETY: `ctx` came from `Box::into_raw` above and the coroutine that
    // used it is gone.
    drop(unsafe { Box::from_raw(ctx) });
    outcome
}
