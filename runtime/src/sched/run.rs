//! The run state of a task ([`TaskRun`]) and the park/wake protocol.
//!
//! A task's handle ([`TaskObj`], `task.rs`) is what a finished task still
//! needs: its result or panic and its joiners, in 56 bytes. Everything a
//! task needs only while it runs lives in a [`TaskRun`]: its [`TaskCtx`]
//! (the first field, so the `ctx` JIT code passes *is* the run state), its
//! coroutine, its wait and the hand-off of a waker. Run states are pooled
//! with the task stacks (`stack.rs`): a [`Frame`](super::stack::Frame) is a
//! stack and its run state, taken when a task starts and given back when it
//! ends, so spawning allocates only the handle, and a million finished
//! tasks whose handles are alive keep only their handles. Run states are
//! never freed while the scheduler lives: a late claim by a stale
//! registration, or a late preemption flag, never hits freed memory.
//!
//! # Park and wake, without lost wakeups
//!
//! A task that must wait (`TaskRun::begin_wait`) opens a *wait*: it takes a
//! new odd number in `wait_seq`, sets its state to `PARKING`, and registers
//! `(run, seq)` wherever a waker will find it (a channel queue, a join
//! list, a timer), under that structure's lock (the join list is a
//! lock-free stack, see `task.rs`). Then it suspends with `Suspend::Park`.
//! A waker first *claims* the wait with a compare-and-swap `seq → seq + 1`
//! (`TaskRun::claim`): exactly one claimer wins even when a `select`
//! registered the task in many places, and a stale registration (an
//! earlier wait's timer) never matches. `wait_seq` only grows, also when
//! the run state passes to the next task, so a registration left from an
//! earlier task never matches either. The winner writes the hand-off
//! fields (`xfer`, `xfer_ok`, `sel`), then calls `Shared::wake`:
//!
//! ```text
//! state RUNNING ─begin_wait─▶ PARKING ─worker after suspend─▶ PARKED ─wake─▶ RUNNABLE (queued)
//!                               └───────wake before the suspend───▶ NOTIFIED
//! ```
//!
//! A wake that finds `PARKING` (the task is still on its way to the
//! suspend, possibly still running on its stack) only marks it `NOTIFIED`;
//! the worker sees that when its compare-and-swap `PARKING → PARKED`
//! fails, and resumes the task at once. So a task is never queued while it
//! runs, and no wakeup is lost. A task that opened a wait and then finds it
//! need not wait (a `select` whose op became ready, a join whose task
//! ended) claims its own wait and sets its state back to `RUNNING`.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use corosensei::Coroutine;

use super::program::ProgramCell;
use super::stack::TaskStack;
use super::task::TaskObj;
use super::Shared;
use crate::ctx::{self, Suspend, TaskCtx};

/// A task's coroutine.
pub(crate) type Coro = Coroutine<(), Suspend, (), TaskStack>;

/// Task states (see the module docs).
pub(crate) mod state {
    /// Queued or about to be resumed.
    pub const RUNNABLE: u32 = 0;
    /// Running on a worker.
    pub const RUNNING: u32 = 1;
    /// Has opened a wait and is on its way to suspending.
    pub const PARKING: u32 = 2;
    /// Suspended, waiting for a waker.
    pub const PARKED: u32 = 3;
    /// Woken while `PARKING`: the worker resumes it right after it suspends.
    pub const NOTIFIED: u32 = 4;
    /// Finished.
    pub const DONE: u32 = 5;
}

/// What a parked task waits on, for the deadlock report.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WaitInfo {
    /// "waiting to receive", "waiting to send", "waiting to join a task",
    /// "waiting in select", "sleeping".
    pub what: &'static str,
    /// The blocking call's location index (negative: unknown).
    pub loc: i64,
    /// The blocking call's scope (negative: unknown).
    pub func: i64,
}

/// A registration of a parked task in a wait queue.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Waiter {
    /// The waiting task's run state.
    pub run: *mut TaskRun,
    /// Its wait's number, to claim it.
    pub seq: u64,
    /// The `select` op index this registration stands for (0 otherwise).
    pub op: u32,
    /// The waiter owns `value` (a plain send); a select's send values stay
    /// owned by its ops until chosen.
    pub owns_value: bool,
    /// The value a sender offers.
    pub value: u64,
}

/// The state of a running (or parked) task; see the module docs.
#[repr(C)]
pub(crate) struct TaskRun {
    /// The context JIT code receives: first, so that a `*mut TaskCtx` of a
    /// scheduled task is a pointer to its run state.
    pub(crate) ctx: TaskCtx,
    /// The scheduler (set when a task starts with this run state).
    sched: UnsafeCell<*const Shared>,
    pub(crate) state: AtomicU32,
    /// Odd while a wait is open (its number), even otherwise. Never reset.
    wait_seq: AtomicU64,
    /// Hand-off from the claimer: a received value.
    xfer: UnsafeCell<u64>,
    /// Hand-off: false when the wait ended because a channel closed.
    xfer_ok: UnsafeCell<bool>,
    /// Hand-off: the chosen select op, or -1 for a timeout.
    sel: UnsafeCell<i64>,
    wait: UnsafeCell<WaitInfo>,
    /// The coroutine of the task running with it; `None` between tasks.
    pub(crate) coro: UnsafeCell<Option<Coro>>,
    /// The next waiter in the join list this task is registered in.
    pub(crate) join_next: UnsafeCell<*mut TaskRun>,
    /// The wait number of that registration.
    pub(crate) join_seq: UnsafeCell<u64>,
    /// Set when a REPL input's task is to be abandoned (interrupted or
    /// deadlocked, see `session.rs`): the worker that next holds it
    /// disposes of it instead of resuming it.
    pub(crate) abandon: AtomicBool,
}

// SAFETY: the interior-mutable fields are each written by one party at a
// time, as the protocol in the module docs says.
unsafe impl Send for TaskRun {}
// SAFETY: as above.
unsafe impl Sync for TaskRun {}

const _: () = assert!(std::mem::offset_of!(TaskRun, ctx) == 0);

impl TaskRun {
    /// A run state for a task of `program` on the stack `low..high`
    /// (boxed: its address is the task's `ctx`, which must not move).
    pub(crate) fn new(program: Arc<ProgramCell>, low: usize, high: usize) -> Box<TaskRun> {
        let mut ctx = TaskCtx::sharing(program, low + crate::STACK_HEADROOM);
        ctx.set_stack(low, high);
        Box::new(TaskRun {
            ctx,
            sched: UnsafeCell::new(std::ptr::null()),
            state: AtomicU32::new(state::RUNNABLE),
            wait_seq: AtomicU64::new(0),
            xfer: UnsafeCell::new(0),
            xfer_ok: UnsafeCell::new(false),
            sel: UnsafeCell::new(0),
            wait: UnsafeCell::new(WaitInfo {
                what: "",
                loc: -1,
                func: -1,
            }),
            coro: UnsafeCell::new(None),
            join_next: UnsafeCell::new(std::ptr::null_mut()),
            join_seq: UnsafeCell::new(0),
            abandon: AtomicBool::new(false),
        })
    }

    /// The context pointer JIT code receives.
    pub(crate) fn ctx_ptr(run: *mut TaskRun) -> *mut TaskCtx {
        run.cast()
    }

    /// Makes `t` the task running with this run state, in scheduler
    /// `sched`.
    ///
    /// # Safety
    /// Called by the worker starting `t`; the run state is not in use.
    pub(crate) unsafe fn attach(run: *mut TaskRun, t: *mut TaskObj, sched: *const Shared) {
        // SAFETY: the caller owns the unused run state.
        unsafe {
            (*run).ctx.task = t;
            *(*run).sched.get() = sched;
            (*run).state.store(state::RUNNABLE, Ordering::Relaxed);
        }
    }

    /// The task object running with this run state.
    pub(crate) fn task(&self) -> *mut TaskObj {
        self.ctx.task
    }

    /// The scheduler.
    pub(crate) fn shared(&self) -> &Shared {
        // SAFETY: set when the task started; a task's scheduler outlives
        // it while it can run (run_main drops it only after every worker
        // stopped).
        unsafe { &**self.sched.get() }
    }

    /// Opens a wait described by `info` (see the module docs): from now on
    /// a waker may claim it. Returns the wait's number for registrations.
    ///
    /// # Safety
    /// Called by the running task itself, which then registers and parks.
    pub(crate) unsafe fn begin_wait(&self, info: WaitInfo) -> u64 {
        // SAFETY: only the task writes its wait info, and only while it
        // runs; the deadlock report reads it when nothing runs.
        unsafe { *self.wait.get() = info };
        let seq = self.wait_seq.load(Ordering::Relaxed) + 1;
        debug_assert!(seq % 2 == 1);
        self.wait_seq.store(seq, Ordering::Relaxed);
        // Published to wakers by the lock under which it registers.
        self.state.store(state::PARKING, Ordering::Release);
        seq
    }

    /// Opens a wait (`begin_wait`) described by `what` at `loc` in scope
    /// `func`, and returns the plain registration for it, for a wait queue:
    /// no select op, no value offered.
    ///
    /// # Safety
    /// As [`TaskRun::begin_wait`].
    pub(crate) unsafe fn wait_for(&self, what: &'static str, loc: i64, func: i64) -> Waiter {
        // SAFETY: forwarded from our caller.
        let seq = unsafe { self.begin_wait(WaitInfo { what, loc, func }) };
        Waiter {
            run: self as *const TaskRun as *mut TaskRun,
            seq,
            op: 0,
            owns_value: false,
            value: 0,
        }
    }

    /// Closes the open wait `seq` of the running task itself, which found
    /// it need not wait after all (nobody else has claimed it).
    ///
    /// # Safety
    /// Called by the running task, before it parks.
    pub(crate) unsafe fn cancel_wait(&self, seq: u64) {
        let claimed = self.claim(seq);
        debug_assert!(claimed);
        self.state.store(state::RUNNING, Ordering::Relaxed);
    }

    /// Claims the wait `seq`: true for exactly one caller, and only while
    /// that wait is open.
    pub(crate) fn claim(&self, seq: u64) -> bool {
        self.wait_seq
            .compare_exchange(seq, seq + 1, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }

    /// Claims the task's open wait, if it has one (it is parked or on its
    /// way to parking): true when this call claimed it.
    pub(crate) fn claim_open_wait(&self) -> bool {
        let seq = self.wait_seq.load(Ordering::SeqCst);
        seq % 2 == 1 && self.claim(seq)
    }

    /// Hands the claimed task `value` (or "closed" when `ok` is false) and
    /// the chosen op.
    ///
    /// # Safety
    /// The caller has claimed the task's current wait.
    pub(crate) unsafe fn hand_off(&self, value: u64, ok: bool, op: i64) {
        // SAFETY: the claim gives the claimer these fields until the wake.
        unsafe {
            *self.xfer.get() = value;
            *self.xfer_ok.get() = ok;
            *self.sel.get() = op;
        }
    }

    /// What the wait ended with: (value, ok, op), read after the wake.
    ///
    /// # Safety
    /// Called by the task after its wait was claimed and it was resumed.
    pub(crate) unsafe fn handed(&self) -> (u64, bool, i64) {
        // SAFETY: the waker's writes happen before our resume (the wake's
        // release and the queue's synchronisation).
        unsafe { (*self.xfer.get(), *self.xfer_ok.get(), *self.sel.get()) }
    }

    /// The wait info (for the deadlock report).
    pub(crate) fn wait_info(&self) -> WaitInfo {
        // SAFETY: read when no task runs (see `begin_wait`).
        unsafe { *self.wait.get() }
    }
}

/// Wakes the task of `run`, whose wait the caller claimed.
pub(crate) fn wake(run: *mut TaskRun) {
    // SAFETY: run states live as long as the scheduler; a claimed task is
    // parked in the wait that was claimed, so its scheduler is set.
    unsafe { (*run).shared().wake(run) };
}

/// Parks the running task after it opened a wait and registered it.
///
/// # Safety
/// `ctx` is the running task's context; the task called `begin_wait` and
/// registered the wait; no lock is held.
pub(crate) unsafe fn park(ctx: *mut TaskCtx) {
    // SAFETY: caller's contract.
    unsafe { ctx::suspend(ctx, Suspend::Park) }
}

/// The run state of the running task.
///
/// # Safety
/// `ctx` is null or the running task's context (inside the scheduler),
/// and when null the thread runs a task.
pub(crate) unsafe fn current_run<'a>(ctx: *mut TaskCtx) -> &'a TaskRun {
    let ctx = if ctx.is_null() { ctx::current() } else { ctx };
    // SAFETY: a scheduled task's ctx is the first field of its run state.
    unsafe { &*ctx.cast::<TaskRun>() }
}

/// The running task's run state, or null outside the scheduler (`ctx`
/// null and no current task). Only compared, never dereferenced, by
/// callers that may run outside a task.
pub(crate) fn current_or_null(ctx: *mut TaskCtx) -> *const TaskRun {
    let ctx = if ctx.is_null() { ctx::current() } else { ctx };
    ctx.cast::<TaskRun>()
}
