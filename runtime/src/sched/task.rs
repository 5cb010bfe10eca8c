//! Task objects (`task<T>` handles, kind TASK) and the park/wake protocol.
//!
//! A [`TaskObj`] is both the Kriti handle and the scheduler's record of the
//! task: its coroutine, its result or panic, who waits to join it, and
//! what it waits on. Its reference count counts the handles, plus one
//! reference the runtime holds from spawn until the task ends, plus one
//! per pending timer.
//!
//! ```text
//! offset  size  field
//!      0    16  header  ObjHeader (kind = 5)
//!     16     …  runtime-private (scheduler, id, state, coroutine, result, ...)
//! ```
//!
//! # Park and wake, without lost wakeups
//!
//! A task that must wait (`TaskObj::begin_wait`) opens a
//! *wait*: it takes a new odd number in `wait_seq`, sets its state to
//! `PARKING`, and registers `(task, seq)` wherever a waker will find it (a
//! channel queue, a join list, a timer), under that structure's lock. Then
//! it suspends with `Suspend::Park`. A waker first *claims* the wait with a
//! compare-and-swap `seq → seq + 1` (`TaskObj::claim`): exactly one
//! claimer wins even when a `select` registered the task in many places, and
//! a stale registration (an earlier wait's timer) never matches. The winner
//! writes the hand-off fields (`xfer`, `xfer_ok`, `sel`), then calls
//! `Shared::wake`:
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
//! runs, and no wakeup is lost.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use corosensei::Coroutine;

use super::stack::TaskStack;
use super::Shared;
use crate::ctx::{self, end_task, Suspend, TaskCtx};
use crate::panic::{guard, panic_with, Outcome, Site};
use crate::value::desc::{retain_value, TypeDesc};
use crate::value::{kind, live, Obj, ObjHeader};

/// A task's coroutine.
pub(crate) type Coro = Coroutine<(), Suspend, (), TaskStack>;

/// A spawned task's entry: JIT code that owns (releases) `env` and returns
/// the task's result in slot encoding, owned.
pub type SpawnEntry = unsafe extern "C" fn(*mut TaskCtx, *mut Obj) -> i64;

/// What a task runs.
#[derive(Clone, Copy)]
pub(crate) enum Entry {
    /// `fn main`.
    Main(unsafe extern "C" fn(*mut TaskCtx)),
    /// A spawned task.
    Spawned(SpawnEntry),
    /// A function called by an embedding host: the first task of its run,
    /// like `Main`, with its arguments in `env` and a result.
    Call(SpawnEntry),
}

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
    /// The waiting task.
    pub task: *mut TaskObj,
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

/// Join bookkeeping, under the task's lock.
struct JoinState {
    done: bool,
    joiners: Vec<Waiter>,
}

/// A task object, kind [`kind::TASK`]. Only handled through raw pointers.
#[repr(C)]
pub struct TaskObj {
    /// The common header (`kind` = [`kind::TASK`]).
    pub header: ObjHeader,
    pub(crate) sched: *const Shared,
    /// 0 for `main`, then 1, 2, ... in spawn order.
    pub(crate) id: u64,
    pub(crate) state: AtomicU32,
    /// Odd while a wait is open (its number), even otherwise.
    wait_seq: AtomicU64,
    /// Hand-off from the claimer: a received value.
    pub(crate) xfer: UnsafeCell<u64>,
    /// Hand-off: false when the wait ended because a channel closed.
    pub(crate) xfer_ok: UnsafeCell<bool>,
    /// Hand-off: the chosen select op, or -1 for a timeout.
    pub(crate) sel: UnsafeCell<i64>,
    pub(crate) wait: UnsafeCell<WaitInfo>,
    pub(crate) entry: Entry,
    env: *mut Obj,
    result_desc: *const TypeDesc,
    /// The context it runs with; null until it first runs.
    pub(crate) ctx: UnsafeCell<*mut TaskCtx>,
    /// Its coroutine; `None` before it first runs and after it ended.
    pub(crate) coro: UnsafeCell<Option<Coro>>,
    join: Mutex<JoinState>,
    done: AtomicBool,
    result: UnsafeCell<u64>,
    /// The task's panic, set before `done`.
    panic: UnsafeCell<Option<Box<Outcome>>>,
    /// A join saw the panic.
    observed: AtomicBool,
    /// The panic was printed as unobserved.
    reported: AtomicBool,
}

// SAFETY: the interior-mutable fields are each written by one party at a
// time, as the protocol in the module docs says.
unsafe impl Send for TaskObj {}
// SAFETY: as above.
unsafe impl Sync for TaskObj {}

impl TaskObj {
    /// A new task object with count `rc`, runnable.
    pub(crate) fn alloc(
        sched: *const Shared,
        id: u64,
        entry: Entry,
        env: *mut Obj,
        result_desc: *const TypeDesc,
        rc: u64,
    ) -> *mut TaskObj {
        let t = Box::new(TaskObj {
            header: ObjHeader::new(kind::TASK),
            sched,
            id,
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
            entry,
            env,
            result_desc,
            ctx: UnsafeCell::new(std::ptr::null_mut()),
            coro: UnsafeCell::new(None),
            join: Mutex::new(JoinState {
                done: false,
                joiners: Vec::new(),
            }),
            done: AtomicBool::new(false),
            result: UnsafeCell::new(0),
            panic: UnsafeCell::new(None),
            observed: AtomicBool::new(false),
            reported: AtomicBool::new(false),
        });
        t.header.rc.store(rc, Ordering::Relaxed);
        live::allocated();
        Box::into_raw(t)
    }

    /// The environment the entry receives (owned by the entry).
    pub(crate) fn env(&self) -> *mut Obj {
        self.env
    }

    /// Stores the returned result (on the task's stack, as it returns).
    ///
    /// # Safety
    /// Called once, by the task itself.
    pub(crate) unsafe fn set_result(&self, v: u64) {
        // SAFETY: only the task writes it, before `done`.
        unsafe { *self.result.get() = v };
    }

    /// The result the task stored (0 if it did not return).
    ///
    /// # Safety
    /// The task no longer runs.
    pub(crate) unsafe fn result(&self) -> u64 {
        // SAFETY: nobody writes it any more (caller's contract).
        unsafe { *self.result.get() }
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
    /// As [`TaskObj::begin_wait`].
    pub(crate) unsafe fn wait_for(&self, what: &'static str, loc: i64, func: i64) -> Waiter {
        // SAFETY: forwarded from our caller.
        let seq = unsafe { self.begin_wait(WaitInfo { what, loc, func }) };
        Waiter {
            task: self as *const TaskObj as *mut TaskObj,
            seq,
            op: 0,
            owns_value: false,
            value: 0,
        }
    }

    /// Claims the wait `seq`: true for exactly one caller, and only while
    /// that wait is open.
    pub(crate) fn claim(&self, seq: u64) -> bool {
        self.wait_seq
            .compare_exchange(seq, seq + 1, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
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

    /// The scheduler.
    pub(crate) fn shared(&self) -> &Shared {
        // SAFETY: a task's scheduler outlives it while it can run or be
        // freed (run_main drops it only after every worker stopped).
        unsafe { &*self.sched }
    }

    /// Records how the task ended and wakes its joiners. `panic` is its
    /// panic, if it panicked (the result was stored otherwise).
    pub(crate) fn complete(&self, panic: Option<Outcome>) {
        let panicked = panic.is_some();
        // SAFETY: only the worker ending the task writes it, before `done`.
        unsafe { *self.panic.get() = panic.map(Box::new) };
        self.state.store(state::DONE, Ordering::Relaxed);
        let joiners = {
            let mut js = self.join.lock().unwrap_or_else(PoisonError::into_inner);
            js.done = true;
            self.done.store(true, Ordering::Release);
            std::mem::take(&mut js.joiners)
        };
        for w in joiners {
            // SAFETY: joiners are parked tasks kept alive by the runtime.
            let t = unsafe { &*w.task };
            if t.claim(w.seq) {
                // SAFETY: claimed.
                unsafe { t.hand_off(0, true, 0) };
                self.shared().wake(w.task);
            }
        }
        if panicked {
            self.shared()
                .note_panic(self as *const TaskObj as *mut TaskObj);
        }
    }

    /// Prints the task's panic if no join saw it and it was not printed
    /// yet; says whether it printed.
    pub(crate) fn report_unobserved(&self) -> bool {
        if !self.done.load(Ordering::Acquire) || self.observed.load(Ordering::Acquire) {
            return false;
        }
        // SAFETY: set before `done`, never written after.
        let Some(outcome) = (unsafe { &*self.panic.get() }) else {
            return false;
        };
        if self.reported.swap(true, Ordering::AcqRel) {
            return false;
        }
        if let Some(text) = outcome.report() {
            self.shared().config.print_stderr_line(&text);
        }
        self.shared().set_task_panicked();
        true
    }

    /// Frees a task whose count reached zero: reports an unobserved panic,
    /// drops the result through `drop_child`.
    ///
    /// # Safety
    /// `p` is a task object that nothing references any more.
    pub(crate) unsafe fn free(p: *mut TaskObj, drop_child: &mut dyn FnMut(u64)) {
        // SAFETY: `p` is live until the box is dropped.
        let t = unsafe { Box::from_raw(p) };
        if t.done.load(Ordering::Acquire) {
            // SAFETY: set before `done`.
            let panicked = unsafe { (*t.panic.get()).is_some() };
            if panicked {
                t.report_unobserved();
                t.shared().forget_panic(p);
            } else if unsafe { crate::value::desc::is_heap(t.result_desc) } {
                // SAFETY: the result is owned by the task object.
                drop_child(unsafe { *t.result.get() });
            }
        }
        // A task that never ended (abandoned at shutdown) is never freed:
        // the runtime's own reference to it is never released.
        debug_assert!(unsafe { (*t.coro.get()).is_none() });
        drop(t);
        live::freed();
    }
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

/// The task object of the running task.
///
/// # Safety
/// `ctx` is the running task's context (inside the scheduler).
pub(crate) unsafe fn current_task<'a>(ctx: *mut TaskCtx) -> &'a TaskObj {
    let ctx = if ctx.is_null() { ctx::current() } else { ctx };
    // SAFETY: a task's ctx points to its task object while it runs.
    unsafe { &*(*ctx).task }
}

/// The running task's object, or null outside the scheduler (`ctx` null
/// and no current task).
pub(crate) fn current_or_null(ctx: *mut TaskCtx) -> *const TaskObj {
    let ctx = if ctx.is_null() { ctx::current() } else { ctx };
    if ctx.is_null() {
        return std::ptr::null();
    }
    // SAFETY: a non-null current ctx is the running task's.
    unsafe { (*ctx).task }
}

/// `spawn f(args)`: starts a task running `entry(ctx, env)` and returns its
/// handle (count 1, owned by the caller). `entry` is an
/// `extern "C" fn(*mut TaskCtx, *mut Obj) -> i64` that owns `env`;
/// `result_desc` describes its result. Beyond the run's task limit
/// (`RunConfig::max_tasks`) it panics at `loc` instead, releasing `env`.
///
/// # Safety
/// `ctx` is the running task's context; `entry` a function of that type;
/// `env` null or a live object (consumed); `result_desc` null or valid;
/// `frame` null or the frame pointer of the calling JIT function.
pub unsafe extern "C" fn kr_spawn(
    ctx: *mut TaskCtx,
    entry: *const u8,
    env: *mut Obj,
    result_desc: *const TypeDesc,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> *mut Obj {
    let spawned = guard(ctx, || {
        // SAFETY: caller's contract: `entry` has the `SpawnEntry` type.
        let entry: SpawnEntry = unsafe { std::mem::transmute::<*const u8, SpawnEntry>(entry) };
        // SAFETY: caller's contract.
        let me = unsafe { current_task(ctx) };
        let shared = me.shared();
        if let Err(max) = shared.admit_task() {
            // SAFETY: `env` is ours (consumed) and no task will own it.
            unsafe { crate::value::release(env) };
            return Err(format!("too many tasks: the host allows {max} at once"));
        }
        // One reference for the handle, one for the runtime while it runs.
        let t = TaskObj::alloc(
            me.sched,
            shared.next_id(),
            Entry::Spawned(entry),
            env,
            result_desc,
            2,
        );
        shared.spawn(t);
        Ok(t.cast::<Obj>())
    });
    match spawned {
        Ok(t) => t,
        Err(message) => {
            let site = Site { loc, func, frame };
            // SAFETY: caller's contract; nothing owned is left but
            // `message`, which the panic takes.
            unsafe { panic_with(ctx, message, site) }
        }
    }
}

/// The number of worker threads, which `par_map` splits its work by.
///
/// # Safety
/// `ctx` is the running task's context.
pub unsafe extern "C" fn kr_worker_count(ctx: *mut TaskCtx) -> i64 {
    guard(ctx, || {
        // SAFETY: caller's contract.
        let me = unsafe { current_task(ctx) };
        me.shared().worker_count() as i64
    })
}

/// `t.join()`: waits for the task `t` (borrowed) to end and returns its
/// result, retained. If the task panicked, the caller panics with the same
/// message, location and trace.
///
/// # Safety
/// `ctx` is the running task's context; `t` a live task object.
pub unsafe extern "C" fn kr_task_join(
    ctx: *mut TaskCtx,
    t: *mut Obj,
    loc: i64,
    func: i64,
    _frame: *const usize,
) -> i64 {
    let t = t.cast::<TaskObj>();
    let result = guard(ctx, || {
        // SAFETY: caller's contract.
        let (me, t) = unsafe { (current_task(ctx), &*t) };
        if !t.done.load(Ordering::Acquire) {
            let mut js = t.join.lock().unwrap_or_else(PoisonError::into_inner);
            if !js.done {
                // SAFETY: we are the running task.
                js.joiners
                    .push(unsafe { me.wait_for("waiting to join a task", loc, func) });
                drop(js);
                // SAFETY: registered, no lock held.
                unsafe { park(ctx) };
            }
        }
        debug_assert!(t.done.load(Ordering::Acquire));
        // SAFETY: set before `done`, never written after.
        if let Some(p) = unsafe { &*t.panic.get() } {
            t.observed.store(true, Ordering::Release);
            return Err(Outcome::clone(p));
        }
        // SAFETY: the result is a valid value of its desc, owned by `t`.
        let v = unsafe { *t.result.get() };
        // SAFETY: as above.
        unsafe { retain_value(v, t.result_desc) };
        Ok(v as i64)
    });
    match result {
        Ok(v) => v,
        // SAFETY: `ctx` is the running task; nothing owned is left.
        Err(outcome) => unsafe { end_task(ctx, outcome) },
    }
}

/// `yield_now()`: lets other tasks run; the task goes to the back of the
/// run queue.
///
/// # Safety
/// `ctx` is the running task's context.
pub unsafe extern "C" fn kr_yield_now(ctx: *mut TaskCtx) {
    // SAFETY: caller's contract.
    unsafe { ctx::suspend(ctx, Suspend::Yield) }
}

/// Called by generated code when it sees the preemption flag set: clears
/// it and yields.
///
/// # Safety
/// `ctx` is the running task's context.
pub unsafe extern "C" fn kr_preempt(ctx: *mut TaskCtx) {
    // SAFETY: caller's contract.
    unsafe {
        (*ctx).preempt.store(0, Ordering::Relaxed);
        ctx::suspend(ctx, Suspend::Yield)
    }
}

crate::preserve_all::preserve_all!(
    /// [`kr_preempt`], preserving every register: generated code calls it
    /// from the cold branch of its preemption polls, inside hot loops.
    kr_preempt_preserve_all(ctx: *mut TaskCtx) => kr_preempt
);
