//! The task context: the pointer every JIT-compiled function receives as its
//! first argument, and the one way a task ends early ([`end_task`]).
//!
//! ```text
//! offset  size  field
//!      0     8  stack_limit  usize      lowest stack address JIT code may use
//!      8     8  preempt      AtomicU64  nonzero: call `kr_preempt(ctx)` at the next poll
//!     16     …  runtime-private fields (program info, stack bounds,
//!                 yielder, outcome, the task object, random state)
//! ```
//!
//! Generated code reads only the first two fields, at the offsets given by
//! [`STACK_LIMIT_OFFSET`] and [`PREEMPT_OFFSET`]; everything after them is
//! private to the runtime and may change.
//!
//! **Invariant:** JIT code never touches thread-locals. Tasks migrate
//! between worker threads after any suspend, so everything a task needs is reached from its
//! `TaskCtx`. The runtime keeps one thread-local, [`current`], set by
//! whoever resumes a task, so that the few entry points that take no `ctx`
//! can still end the running task when they hit an internal error.

use std::cell::Cell;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use corosensei::Yielder;

use crate::panic::{Outcome, ProgramInfo, Site, SourceLoc};
use crate::sched::program::ProgramCell;
use crate::trace::{self, StackTrace};

/// Offset of [`TaskCtx::stack_limit`], for codegen.
pub const STACK_LIMIT_OFFSET: i32 = 0;

/// Offset of [`TaskCtx::preempt`], for codegen: generated code polls
/// `*(ctx + 8) != 0` at function entries and loop back-edges and then
/// calls `kr_preempt(ctx)`.
pub const PREEMPT_OFFSET: i32 = 8;

/// Why a task's coroutine handed control back to its resumer (a worker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suspend {
    /// The task waits for something (a channel, a join, a timer): it set
    /// its state to `PARKING` and registered itself where a waker will
    /// find it before suspending (see `sched::run` for the protocol).
    Park,
    /// The task gives up the worker but stays runnable (`yield_now`,
    /// preemption): it goes to the back of the run queue.
    Yield,
    /// The task is over (panic or `exit`): its outcome is in the ctx. It
    /// must never be resumed; the resumer disposes of the coroutine with
    /// `force_reset`.
    End,
}

/// The yielder of a task's coroutine: resumed with `()`, suspends with a
/// [`Suspend`] reason.
pub type TaskYielder = Yielder<(), Suspend>;

/// The per-task state that JIT code receives as its first argument. See the
/// [module docs](self) for the layout.
#[repr(C)]
pub struct TaskCtx {
    /// Lowest stack address JIT code may use: every function prologue
    /// compares the stack pointer against it and, when below, calls
    /// `kr_panic_kind(ctx, STACK_OVERFLOW, 0, loc, func, frame)`. It sits
    /// [`crate::STACK_HEADROOM`] above the real end of the stack, so runtime
    /// functions called from JIT code always have room to run.
    pub stack_limit: usize,
    /// Preemption request flag, polled by generated code at loop back-edges
    /// and function entries. The scheduler's ticker sets it when the task
    /// has run for more than a time slice; the worker clears it whenever it
    /// resumes the task, and `kr_preempt` clears it before yielding.
    pub preempt: AtomicU64,
    /// The running program's tables (source locations, functions),
    /// shared by the scheduler's tasks (they grow in a REPL session).
    program: Arc<ProgramCell>,
    /// The task's stack, `low..high`, for walking it (stack traces); empty
    /// when unknown.
    stack: (usize, usize),
    /// The yielder of the coroutine this task runs on; null until the
    /// coroutine starts.
    yielder: *const TaskYielder,
    /// How the task ended early, set just before suspending with
    /// [`Suspend::End`].
    outcome: Option<Outcome>,
    /// The task object running with this context (contexts are pooled and
    /// reused by one task after another); null outside the scheduler.
    pub(crate) task: *mut crate::sched::task::TaskObj,
    /// The state of `random()`'s generator ([`crate::random`]), and
    /// whether it has been seeded. It stays with the context when the
    /// context is reused by another task (still random).
    rng: (bool, u64),
}

const _: () = {
    assert!(std::mem::offset_of!(TaskCtx, stack_limit) == STACK_LIMIT_OFFSET as usize);
    assert!(std::mem::offset_of!(TaskCtx, preempt) == PREEMPT_OFFSET as usize);
};

impl TaskCtx {
    /// A context for a task of `program` that is not running yet.
    ///
    /// Only a context running on a task coroutine (as set up by
    /// [`crate::run_main`]) can end early: a panic or `exit` reached through
    /// any other context aborts the process.
    pub fn new(program: Arc<ProgramInfo>, stack_limit: usize) -> Self {
        Self::sharing(Arc::new(ProgramCell::new(program)), stack_limit)
    }

    /// A context whose program tables are those `program` holds at any
    /// time (the scheduler's tasks share one cell).
    pub(crate) fn sharing(program: Arc<ProgramCell>, stack_limit: usize) -> Self {
        Self {
            stack_limit,
            preempt: AtomicU64::new(0),
            program,
            stack: (0, 0),
            yielder: std::ptr::null(),
            outcome: None,
            task: std::ptr::null_mut(),
            rng: (false, 0),
        }
    }

    /// The random generator's state: (seeded, state).
    pub(crate) fn rng_state(&mut self) -> (&mut bool, &mut u64) {
        (&mut self.rng.0, &mut self.rng.1)
    }

    /// The tables of the program this task belongs to, as they are now.
    pub fn program(&self) -> Arc<ProgramInfo> {
        self.program.get()
    }

    /// The source location with index `loc` (as passed by JIT code), or
    /// `None` when `loc` is negative or out of range.
    pub fn location(&self, loc: i64) -> Option<SourceLoc> {
        let index = usize::try_from(loc).ok()?;
        self.program.get().locations.get(index).cloned()
    }

    /// The Kriti stack trace of a panic at `site` in this task.
    ///
    /// # Safety
    /// The stack recorded with [`TaskCtx::set_stack`] is still mapped (the
    /// task has not been disposed of).
    pub(crate) unsafe fn trace(&self, site: Site) -> StackTrace {
        // SAFETY: the task's stack is mapped (our caller's contract), and
        // `stack` is its usable part.
        unsafe {
            trace::capture(
                &self.program.get(),
                self.stack,
                site.loc,
                site.func,
                site.frame,
            )
        }
    }

    /// Records the task's stack, `low..high` (the guard page excluded), so
    /// that a panic can walk it.
    pub(crate) fn set_stack(&mut self, low: usize, high: usize) {
        self.stack = (low, high);
    }

    /// Records the coroutine's yielder; called first thing on the task's
    /// own stack.
    pub(crate) fn set_yielder(&mut self, yielder: *const TaskYielder) {
        self.yielder = yielder;
    }

    /// Forgets the coroutine's yielder (the coroutine is gone; the context
    /// goes back to a pool).
    pub(crate) fn clear_yielder(&mut self) {
        self.yielder = std::ptr::null();
    }

    /// Takes the outcome recorded by [`end_task`], if any.
    pub(crate) fn take_outcome(&mut self) -> Option<Outcome> {
        self.outcome.take()
    }
}

thread_local! {
    /// The task running on this thread, or null. Set around every resume.
    static CURRENT: Cell<*mut TaskCtx> = const { Cell::new(std::ptr::null_mut()) };
}

/// Makes `ctx` the task running on this thread and returns the previous one
/// (restore it after the resume returns).
pub(crate) fn set_current(ctx: *mut TaskCtx) -> *mut TaskCtx {
    CURRENT.with(|c| c.replace(ctx))
}

/// The task running on this thread, or null outside of any task.
///
/// Read it afresh each time: never keep the value (or the thread-local's
/// address) across a suspend, since the task may resume on another thread.
pub fn current() -> *mut TaskCtx {
    CURRENT.with(Cell::get)
}

/// Suspends the running task with `why`; returns when a worker resumes it,
/// possibly on another thread.
///
/// Callers hold no lock guard and no borrow of thread-local data; for
/// [`Suspend::Park`] they have registered the task where its waker will
/// find it (`sched::run`).
///
/// # Safety
/// `ctx` is the live context of the task running on this thread, which
/// runs on a coroutine (its yielder is set).
#[inline(never)]
pub(crate) unsafe fn suspend(ctx: *mut TaskCtx, why: Suspend) {
    // SAFETY: the yielder lives on the coroutine's stack, which is the
    // stack we are running on (caller's contract).
    unsafe {
        let yielder = (*ctx).yielder;
        (*yielder).suspend(why);
    }
}

/// Runs `f` on the stack of the thread that resumed the running task (a
/// worker's own stack), or right here when the task runs on no coroutine.
/// For code that needs more stack than a task's headroom (host functions).
///
/// # Safety
/// `ctx` is the live context of the task running on this thread.
pub(crate) unsafe fn on_parent_stack<R: Send>(
    ctx: *mut TaskCtx,
    f: impl FnOnce() -> R + Send,
) -> R {
    // SAFETY: caller's contract.
    let yielder = unsafe { (*ctx).yielder };
    if yielder.is_null() {
        return f();
    }
    // SAFETY: the yielder lives on the coroutine's stack, which is the
    // stack we are running on.
    unsafe { (*yielder).on_parent_stack(f) }
}

/// Ends the running task with `outcome`: records it in the ctx and switches
/// away from the task's stack, never to return.
///
/// `ctx` may be null, in which case the thread's [`current`] task is ended.
/// Outside of any task (no ctx, or a ctx whose coroutine never started)
/// there is nothing to switch back to, so the process aborts with the
/// outcome on stderr.
///
/// Callers must hold no lock guard and should hold no owned values: the
/// frames left on the task stack are abandoned (`force_reset`), not
/// unwound, so their destructors never run.
///
/// # Safety
/// `ctx` is null or the live context of the task running on this thread.
#[inline(never)]
pub unsafe fn end_task(ctx: *mut TaskCtx, outcome: Outcome) -> ! {
    let ctx = if ctx.is_null() { current() } else { ctx };
    // SAFETY: `ctx` is null or the running task's live context (caller's
    // contract, or set by the resumer for `current`).
    if ctx.is_null() || unsafe { (*ctx).yielder.is_null() } {
        outside_task(outcome);
    }
    // SAFETY: as above. Only the two fields are accessed, through the raw
    // pointer, so no reference to the whole ctx is created.
    let yielder = unsafe {
        (*ctx).outcome = Some(outcome);
        (*ctx).yielder
    };
    // SAFETY: the yielder lives on the coroutine's stack, which is the stack
    // we are running on, so it is valid for as long as this frame is.
    unsafe { (*yielder).suspend(Suspend::End) };
    // The resumer resets the coroutine instead of resuming it.
    eprintln!("kriti runtime: a task resumed after it ended");
    std::process::abort()
}

#[cold]
fn outside_task(outcome: Outcome) -> ! {
    let what = outcome.report().unwrap_or_else(|| format!("{outcome:?}"));
    eprintln!("kriti runtime: task ended outside of a running task: {what}");
    std::process::abort()
}
