//! Task objects (`task<T>` handles, kind TASK): what a finished task leaves
//! for its joiners, in 56 bytes from the small-object allocator.
//!
//! A [`TaskObj`] holds only what outlives the task's run: its result or
//! panic, who waits to join it, and, until it starts, its entry and
//! environment. While it runs, its [`TaskRun`] (`run.rs`, pooled with its
//! stack) holds the rest. Its reference count counts the handles, plus one
//! reference the runtime holds from spawn until the task ends.
//!
//! ```text
//! offset  size  field
//!      0    16  header  ObjHeader (kind = 5)
//!     16     8  bits    the id (0 for main, then 1, 2, ... in spawn order)
//!                       in the low 56 bits, the flags STARTED | DONE |
//!                       OBSERVED | REPORTED in the high 8
//!     24     8  result_desc
//!     32     8  joiners  lock-free stack of joiners' run states; CLOSED once done
//!     40     8  value   before start: the entry's env; once done: the result
//!     48     8  link    before start: the entry; while running: the TaskRun;
//!                       once done: the panic (null when it returned)
//! ```
//!
//! `value` and `link` change meaning at the two moments only the worker
//! running the task can see: when it starts (`STARTED`, set by that
//! worker) and when it ends (`DONE`, published with release ordering).
//! Others read them only after seeing `DONE` (a joiner, the last release)
//! or when no task runs (the deadlock report, the shutdown).
//!
//! **Joining.** A joiner opens a wait (`run.rs`) and pushes its run state
//! on `joiners` with a compare-and-swap, unless it reads `CLOSED`: then the
//! task is done and it cancels its wait. Ending, the task swaps in
//! `CLOSED` and claims and wakes every joiner it took. A joiner's run state
//! is its own list node (`join_next`, `join_seq`): it waits for one task
//! at a time, and stays registered until that task wakes it, so the join
//! path allocates nothing and takes no lock.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use super::run::{current_run, park, TaskRun};
use super::Shared;
use crate::ctx::{self, end_task, Suspend, TaskCtx};
use crate::panic::{guard, panic_with, Outcome, Site};
use crate::value::desc::{retain_value, TypeDesc};
use crate::value::{alloc, kind, live, Obj, ObjHeader};

/// A spawned task's entry: JIT code that owns (releases) `env` and returns
/// the task's result in slot encoding, owned.
pub type SpawnEntry = unsafe extern "C" fn(*mut TaskCtx, *mut Obj) -> i64;

/// Flag bits of `bits` (above the id).
mod flag {
    /// A worker started it: `link` is its run state (main: from creation).
    pub const STARTED: u64 = 1 << 56;
    /// It ended: `value` is the result, `link` the panic.
    pub const DONE: u64 = 1 << 57;
    /// A join saw the panic.
    pub const OBSERVED: u64 = 1 << 58;
    /// The panic was printed as unobserved.
    pub const REPORTED: u64 = 1 << 59;
    /// The id's bits (2^56 spawns would take years at any spawn rate).
    pub const ID_MASK: u64 = (1 << 56) - 1;
}

/// `joiners` once the task is done: nobody may register any more. (The
/// dangling address is no run state's: those are boxed.)
const CLOSED: *mut TaskRun = std::ptr::dangling_mut();

/// A task's panic, kept by its handle.
pub(crate) struct TaskPanic {
    outcome: Outcome,
    /// The scheduler, to report the panic or forget it.
    sched: *const Shared,
}

/// A task object, kind [`kind::TASK`]. Only handled through raw pointers.
#[repr(C)]
pub struct TaskObj {
    /// The common header (`kind` = [`kind::TASK`]).
    pub header: ObjHeader,
    /// The id and the flags (see the module docs).
    bits: AtomicU64,
    result_desc: *const TypeDesc,
    joiners: AtomicPtr<TaskRun>,
    value: UnsafeCell<u64>,
    link: UnsafeCell<*mut u8>,
}

/// The size of a task object.
const SIZE: usize = std::mem::size_of::<TaskObj>();
const _: () = assert!(SIZE == 56);

// SAFETY: the interior-mutable fields are each written by one party at a
// time, as the module docs say.
unsafe impl Send for TaskObj {}
// SAFETY: as above.
unsafe impl Sync for TaskObj {}

impl TaskObj {
    fn new(
        id: u64,
        result_desc: *const TypeDesc,
        rc: u64,
        value: u64,
        link: *mut u8,
    ) -> *mut TaskObj {
        // SAFETY: a nonzero size, given back in `free` with the same.
        let p = unsafe { alloc::alloc(SIZE) }.cast::<TaskObj>();
        let header = ObjHeader::new(kind::TASK);
        header.rc.store(rc, Ordering::Relaxed);
        // SAFETY: a fresh block of the right size, 8-aligned.
        unsafe {
            p.write(TaskObj {
                header,
                bits: AtomicU64::new(id & flag::ID_MASK),
                result_desc,
                joiners: AtomicPtr::new(std::ptr::null_mut()),
                value: UnsafeCell::new(value),
                link: UnsafeCell::new(link),
            })
        };
        live::allocated();
        p
    }

    /// A spawned task that will run `entry(ctx, env)`, with count `rc`.
    pub(crate) fn spawned(
        id: u64,
        entry: SpawnEntry,
        env: *mut Obj,
        result_desc: *const TypeDesc,
        rc: u64,
    ) -> *mut TaskObj {
        Self::new(id, result_desc, rc, env as u64, entry as *mut u8)
    }

    /// `main`'s task object (id 0, count 1), running with `run`.
    pub(crate) fn main(run: *mut TaskRun) -> *mut TaskObj {
        let t = Self::new(0, std::ptr::null(), 1, 0, run.cast());
        // SAFETY: just made.
        unsafe { (*t).bits.fetch_or(flag::STARTED, Ordering::Relaxed) };
        t
    }

    /// 0 for `main`, then 1, 2, ... in spawn order.
    pub(crate) fn id(&self) -> u64 {
        self.bits.load(Ordering::Relaxed) & flag::ID_MASK
    }

    /// True for `main`.
    pub(crate) fn is_main(&self) -> bool {
        self.id() == 0
    }

    /// Its run state, once started and until it ends.
    ///
    /// # Safety
    /// Called by the worker running the task, or when no task runs, for a
    /// started task that has not ended.
    pub(crate) unsafe fn run(&self) -> *mut TaskRun {
        // SAFETY: caller's contract.
        unsafe { (*self.link.get()).cast() }
    }

    /// True once a worker started it.
    pub(crate) fn started(&self) -> bool {
        self.bits.load(Ordering::Relaxed) & flag::STARTED != 0
    }

    /// Takes a spawned task's entry and env and records that it starts
    /// with `run`.
    ///
    /// # Safety
    /// Called once, by the worker starting the task.
    pub(crate) unsafe fn start(&self, run: *mut TaskRun) -> (SpawnEntry, *mut Obj) {
        // SAFETY: before the start, `link` is the entry and `value` the
        // env, and only this worker touches them.
        unsafe {
            let entry = std::mem::transmute::<*mut u8, SpawnEntry>(*self.link.get());
            let env = *self.value.get() as *mut Obj;
            *self.link.get() = run.cast();
            self.set_flag_as_owner(flag::STARTED, Ordering::Relaxed);
            (entry, env)
        }
    }

    /// Stores the returned result (on the task's stack, as it returns).
    ///
    /// # Safety
    /// Called once, by the task itself.
    pub(crate) unsafe fn set_result(&self, v: u64) {
        // SAFETY: the env was taken at the start; only the task writes the
        // result, before `DONE`.
        unsafe { *self.value.get() = v };
    }

    /// The result the task stored (0 if it did not return).
    ///
    /// # Safety
    /// The task no longer runs.
    pub(crate) unsafe fn result(&self) -> u64 {
        // SAFETY: nobody writes it any more (caller's contract).
        unsafe { *self.value.get() }
    }

    /// Sets `f` (STARTED or DONE) with a plain store: until the task is
    /// done, only the worker running it writes `bits` (OBSERVED and
    /// REPORTED come after DONE), so no read-modify-write is needed.
    fn set_flag_as_owner(&self, f: u64, order: Ordering) {
        let old = self.bits.load(Ordering::Relaxed);
        self.bits.store(old | f, order);
    }

    fn done(&self) -> bool {
        self.bits.load(Ordering::Acquire) & flag::DONE != 0
    }

    /// The panic, once done.
    fn panic(&self) -> Option<&TaskPanic> {
        debug_assert!(self.done());
        // SAFETY: once `DONE` is seen, `link` is the panic or null and is
        // never written again.
        unsafe { (*self.link.get()).cast::<TaskPanic>().as_ref() }
    }

    /// Records how the task ended and wakes its joiners. `panic` is its
    /// panic, if it panicked (the result was stored otherwise).
    ///
    /// # Safety
    /// Called once, by the worker ending the task, after its run state was
    /// detached.
    pub(crate) unsafe fn complete(&self, shared: &Shared, panic: Option<Outcome>) {
        let panicked = panic.is_some();
        let link = match panic {
            Some(outcome) => Box::into_raw(Box::new(TaskPanic {
                outcome,
                sched: shared,
            }))
            .cast::<u8>(),
            None => std::ptr::null_mut(),
        };
        // SAFETY: only the worker ending the task writes it, before `DONE`.
        unsafe { *self.link.get() = link };
        self.set_flag_as_owner(flag::DONE, Ordering::Release);
        let mut w = self.joiners.swap(CLOSED, Ordering::AcqRel);
        let mut joined = false;
        while !w.is_null() {
            // SAFETY: a registered joiner is parked in its join wait until
            // we claim it (nothing else can), so its fields are stable;
            // the next link is read before the wake lets it go.
            let run = unsafe { &*w };
            let (next, seq) = unsafe { (*run.join_next.get(), *run.join_seq.get()) };
            if run.claim(seq) {
                // SAFETY: claimed.
                unsafe { run.hand_off(0, true, 0) };
                shared.wake(w);
                joined = true;
            }
            w = next;
        }
        if panicked {
            shared.note_panic(self as *const TaskObj as *mut TaskObj);
            // A REPL session has no end at which to report it: report it
            // now, unless a join is there to deliver it.
            if !joined && shared.inputs.is_some() {
                self.report_unobserved();
            }
        }
    }

    /// Prints the task's panic if no join saw it and it was not printed
    /// yet; says whether it printed.
    pub(crate) fn report_unobserved(&self) -> bool {
        if !self.done() || self.bits.load(Ordering::Acquire) & flag::OBSERVED != 0 {
            return false;
        }
        let Some(p) = self.panic() else {
            return false;
        };
        if self.bits.fetch_or(flag::REPORTED, Ordering::AcqRel) & flag::REPORTED != 0 {
            return false;
        }
        // SAFETY: the scheduler outlives its tasks' handles while it runs
        // (handles still alive at the end are leaked with the program).
        let sched = unsafe { &*p.sched };
        if let Some(text) = p.outcome.report() {
            sched.config.print_stderr_line(&text);
        }
        sched.set_task_panicked();
        true
    }

    /// Frees a task whose count reached zero: reports an unobserved panic,
    /// drops the result through `drop_child`.
    ///
    /// # Safety
    /// `p` is a task object that nothing references any more.
    pub(crate) unsafe fn free(p: *mut TaskObj, drop_child: &mut dyn FnMut(u64)) {
        // SAFETY: `p` is live until freed below.
        let t = unsafe { &*p };
        // A task that never ended (abandoned at shutdown, or main) has
        // nothing to drop: its run state belongs to the scheduler.
        if t.done() {
            // SAFETY: once done, `link` is the panic or null.
            let panic = unsafe { *t.link.get() }.cast::<TaskPanic>();
            if !panic.is_null() {
                t.report_unobserved();
                // SAFETY: the panic was boxed by `complete`; we are its last
                // owner.
                let panic = unsafe { Box::from_raw(panic) };
                // SAFETY: as in `report_unobserved`.
                unsafe { (*panic.sched).forget_panic(p) };
            } else if unsafe { crate::value::desc::is_heap(t.result_desc) } {
                // SAFETY: the result is owned by the task object.
                drop_child(unsafe { *t.value.get() });
            }
        }
        // SAFETY: allocated by `new` with this size; nothing uses it now.
        unsafe { alloc::free(p.cast(), SIZE) };
        live::freed();
    }

    /// Waits, parked, until this task is done, unless it is already.
    ///
    /// # Safety
    /// `me` is the running task's run state, `ctx` its context; no lock
    /// is held.
    unsafe fn wait_done(&self, me: &TaskRun, ctx: *mut TaskCtx, loc: i64, func: i64) {
        if self.done() {
            return;
        }
        let mep = me as *const TaskRun as *mut TaskRun;
        // SAFETY: we are the running task.
        let seq = unsafe {
            me.begin_wait(super::run::WaitInfo {
                what: "waiting to join a task",
                loc,
                func,
            })
        };
        // SAFETY: our own node, not registered anywhere yet.
        unsafe { *me.join_seq.get() = seq };
        let mut head = self.joiners.load(Ordering::Acquire);
        loop {
            if head == CLOSED {
                // It ended meanwhile: nobody will wake us.
                // SAFETY: we are the running task; the wait is ours.
                unsafe { me.cancel_wait(seq) };
                return;
            }
            // SAFETY: as above.
            unsafe { *me.join_next.get() = head };
            match self
                .joiners
                .compare_exchange_weak(head, mep, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(h) => head = h,
            }
        }
        // SAFETY: registered, no lock held.
        unsafe { park(ctx) };
    }
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
        let shared = unsafe { current_run(ctx) }.shared();
        if let Err(max) = shared.admit_task() {
            // SAFETY: `env` is ours (consumed) and no task will own it.
            unsafe { crate::value::release(env) };
            return Err(format!("too many tasks: the host allows {max} at once"));
        }
        // One reference for the handle, one for the runtime while it runs.
        let t = TaskObj::spawned(shared.next_id(), entry, env, result_desc, 2);
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
        let me = unsafe { current_run(ctx) };
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
        let t = unsafe { &*t };
        if !t.done() {
            // SAFETY: caller's contract; no lock is held.
            unsafe { t.wait_done(current_run(ctx), ctx, loc, func) };
        }
        debug_assert!(t.done());
        if let Some(p) = t.panic() {
            t.bits.fetch_or(flag::OBSERVED, Ordering::AcqRel);
            return Err(Outcome::clone(&p.outcome));
        }
        // SAFETY: once done, `value` is the result, a valid value of its
        // desc owned by `t`, never written again.
        let v = unsafe { *t.value.get() };
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
