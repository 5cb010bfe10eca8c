//! The task scheduler: stackful tasks on a work-stealing pool of worker
//! threads, one per core.
//!
//! Every task, `main` included, is a corosensei coroutine on its own stack
//! ([`stack`]), so JIT code can wait inside `recv` and be parked without any
//! compiler transform. A task is a 56-byte handle ([`task`]: result or
//! panic, joiners) and, only while it runs, a run state ([`run`]: context,
//! coroutine, wait) pooled with its stack. Each worker has a
//! crossbeam-deque [`Worker`] (FIFO),
//! a `runnext` slot and a pool of stacks; there is one global [`Injector`].
//! A worker picks, in order: its `runnext` task, its deque, the injector;
//! every [`FAIR_EVERY`]th pick, and right after a task yielded or was
//! preempted, it looks at the injector and then the deque first, so two
//! tasks that keep waking each other through `runnext` cannot starve the
//! rest, and tasks woken by timers (which go to the injector) get their
//! turn among busy ones.
//!
//! - A task woken by another goes to the waker's worker's `runnext` slot:
//!   the waker usually parks soon, and ping-pong stays on one core, hot in
//!   cache (Go's `runnext`). A task spawned goes there too; the one it
//!   displaces goes to the back of the deque, where others can steal it.
//! - A worker with nothing to run *spins* for a while ([`SPIN_TIME`]),
//!   stealing half of another deque or of the injector, and, if a
//!   `runnext` task stays unrun for [`RUNNEXT_STEAL_DELAY`] while its
//!   worker keeps running the same task, that task. Then it parks on its
//!   own parker: an idle program uses no CPU. Whoever queues work wakes an
//!   idle worker when none is spinning (the Dekker pair: the queue push and
//!   `num_idle`, both sequentially consistent, against the idler's
//!   registration and re-check of the queues).
//! - Deadlock (`deadlock.rs`): the last worker to go idle checks that no
//!   task is queued and no timer is pending; then every unfinished task is
//!   parked and nothing can wake it.
//! - Preemption ([`timer`]): workers publish the context they run and a
//!   switch counter; the ticker thread raises the `preempt` flag of a task
//!   seen running on the same worker across a whole tick.
//! - A program run's scheduler ends with `main`. A REPL session's
//!   ([`session`]) lives on: its first task is each input in turn, and its
//!   tasks read program tables that grow ([`program`]).
//!
//! Measured on the 2-core development machine (`bench_spawn_join_and_round_trip`
//! in `tests.rs`, Rust entries standing in for JIT code): spawn+join
//! 160–260 ns, unbuffered round trip 215–310 ns, against Go 1.19's 490–650 ns
//! and 280–400 ns for the same loops measured alongside (noisy: the cores
//! are shared). Since the task object was split into a handle and a pooled
//! run state: spawn+join 91–107 ns, round trip 174–191 ns (load average
//! 1–2.6; Go not re-measured).
//!
//! Rejected: one run queue under a lock (every spawn and wake would
//! contend on it), crossbeam-channel for channels (it blocks threads, not
//! tasks), guard pages per stack (see [`stack`]).

pub mod atomic;
pub mod chan;
mod deadlock;
pub mod program;
pub(crate) mod run;
pub mod select;
pub mod session;
pub mod stack;
pub mod task;
mod threads;
pub mod timer;

#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use corosensei::CoroutineResult;
use crossbeam_deque::{Injector, Steal, Stealer, Worker};
use crossbeam_utils::sync::{Parker, Unparker};
use crossbeam_utils::CachePadded;

use self::program::ProgramCell;
use self::run::{state, Coro, TaskRun};
use self::session::InputLine;
use self::stack::{Frame, MainStack, StackSource};
use self::task::{SpawnEntry, TaskObj};
use self::timer::Timers;
use crate::config::RunConfig;
use crate::ctx::{self, Suspend, TaskCtx, TaskYielder};
use crate::panic::{Outcome, ProgramInfo};

/// How long a worker with nothing to run keeps looking for work before it
/// parks. Long enough that a program handing work back and forth between
/// two workers does not pay a futex wake per hand-off, short enough that an
/// idle program stops using CPU at once (Go spins similarly).
pub const SPIN_TIME: Duration = Duration::from_micros(50);

/// How long a task may sit in another worker's `runnext` slot, while that
/// worker keeps running one task, before a spinning worker steals it. Go
/// waits 3 µs; our round trips are shorter than that, so a woken task is
/// normally run by its waker's worker long before.
pub const RUNNEXT_STEAL_DELAY: Duration = Duration::from_micros(5);

/// Every this many picks a worker looks at its deque and the injector
/// before its `runnext` slot (Go uses 61 for the global queue).
pub const FAIR_EVERY: u32 = 61;

/// `fn main`'s entry.
type MainEntry = unsafe extern "C" fn(*mut TaskCtx);

/// What the first task of a run executes: `fn main`, or a function an
/// embedding host called, with its arguments in `env` (a record the entry
/// consumes) and its result kept in the task's handle.
#[derive(Clone, Copy)]
pub(crate) enum FirstEntry {
    Main(MainEntry),
    Call(SpawnEntry, *mut crate::value::Obj),
}
// SAFETY: the `env` of a call moves with the first task.
unsafe impl Send for FirstEntry {}

/// A task pointer in a run queue.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TaskRef(*mut TaskObj);
// SAFETY: task objects are shared between workers by design (`TaskObj`).
unsafe impl Send for TaskRef {}

/// What the other threads see of a worker.
struct WorkerShared {
    stealer: Stealer<TaskRef>,
    runnext: AtomicPtr<TaskObj>,
    /// The context of the task it runs, or null.
    running: AtomicPtr<TaskCtx>,
    /// Incremented at every task switch (the ticker's and the runnext
    /// stealer's "still the same task?").
    switches: AtomicU64,
    unparker: Unparker,
}

/// The state shared by the workers of one program run.
pub(crate) struct Shared {
    program: Arc<ProgramCell>,
    workers: Box<[CachePadded<WorkerShared>]>,
    injector: Injector<TaskRef>,
    /// Indices of parked workers.
    idle: Mutex<Vec<usize>>,
    num_idle: AtomicUsize,
    num_spinning: AtomicUsize,
    stopping: AtomicBool,
    /// The program's end, first one wins.
    end: Mutex<Option<Outcome>>,
    /// A task panic was printed as unobserved.
    task_panicked: AtomicBool,
    /// Ended tasks whose panic was not observed yet and whose handles are
    /// alive (reported at the program's end if still so).
    panics: Mutex<Vec<usize>>,
    next_id: AtomicU64,
    stacks: StackSource,
    pub(crate) timers: Timers,
    main_task: AtomicPtr<TaskObj>,
    /// main's stack and entry until main starts (on whichever worker picks
    /// it).
    main_start: Mutex<Option<(stack::TaskStack, FirstEntry)>>,
    /// How this run is configured (limits, output).
    pub(crate) config: RunConfig,
    /// Tasks alive, the first one included; counted only when
    /// `config.max_tasks` is set.
    live_tasks: AtomicUsize,
    /// For a REPL session's scheduler (`session.rs`), which runs one
    /// input after another as its first task: the inputs' stack, run
    /// state and completion. `None` for a program run.
    pub(crate) inputs: Option<InputLine>,
}

/// A worker's own state, on its thread.
struct Local {
    index: usize,
    shared: *const Shared,
    deque: Worker<TaskRef>,
    frames: Vec<Frame>,
    picks: u32,
    /// The last task yielded (or was preempted): look at the injector
    /// first, so tasks woken by timers get their turn among busy ones.
    yielded: bool,
    /// The worker parks on it when idle; `WorkerShared::unparker` wakes it.
    parker: Parker,
}

thread_local! {
    /// The worker running on this thread, or null.
    static LOCAL: Cell<*mut Local> = const { Cell::new(std::ptr::null_mut()) };
}

/// The number of workers that `KRITI_WORKERS` (`value`) asks for, or
/// `available` (the number of cores) when it is unset or not a positive
/// integer. At most 1024.
pub fn parse_workers(value: Option<&str>, available: usize) -> usize {
    value
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(available)
        .clamp(1, 1024)
}

/// The worker count for this process, read from `KRITI_WORKERS` once.
pub fn default_workers() -> usize {
    static WORKERS: OnceLock<usize> = OnceLock::new();
    *WORKERS.get_or_init(|| {
        let cores = thread::available_parallelism().map_or(1, |n| n.get());
        parse_workers(std::env::var("KRITI_WORKERS").ok().as_deref(), cores)
    })
}

impl Shared {
    /// A fresh id for a spawned task.
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The worker of this scheduler on the current thread, if any.
    fn local(&self) -> Option<&Local> {
        let l = LOCAL.with(Cell::get);
        // SAFETY: `LOCAL` points to the worker's `Local`, on its thread's
        // stack, for as long as the worker loop runs; only that thread
        // uses it, and never across a task switch.
        let l = unsafe { l.as_ref() }?;
        std::ptr::eq(l.shared, self).then_some(l)
    }

    /// Queues a new task (it goes to this worker's `runnext`).
    pub(crate) fn spawn(&self, t: *mut TaskObj) {
        self.push_ready(t);
    }

    /// Counts a task about to be spawned against `config.max_tasks`;
    /// `Err(limit)` when the limit is reached (nothing is counted then).
    pub(crate) fn admit_task(&self) -> Result<(), usize> {
        let Some(max) = self.config.max_tasks else {
            return Ok(());
        };
        let live = self.live_tasks.fetch_add(1, Ordering::SeqCst);
        if live >= max {
            self.live_tasks.fetch_sub(1, Ordering::SeqCst);
            return Err(max);
        }
        Ok(())
    }

    /// Wakes the task of `run`, whose wait the caller claimed (see `run`).
    pub(crate) fn wake(&self, run: *mut TaskRun) {
        // SAFETY: run states live as long as the scheduler.
        let run = unsafe { &*run };
        let st = &run.state;
        loop {
            match st.load(Ordering::Acquire) {
                state::PARKING => {
                    if st
                        .compare_exchange(
                            state::PARKING,
                            state::NOTIFIED,
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        )
                        .is_ok()
                    {
                        return;
                    }
                }
                state::PARKED => {
                    if st
                        .compare_exchange(
                            state::PARKED,
                            state::RUNNABLE,
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        )
                        .is_ok()
                    {
                        self.push_ready(run.task());
                        return;
                    }
                }
                // Cannot happen with claimed waits; ignore rather than
                // queue a task twice.
                _ => return,
            }
        }
    }

    /// Queues runnable `t`: in this thread's worker's `runnext` slot if it
    /// is one of ours, else in the injector.
    fn push_ready(&self, t: *mut TaskObj) {
        match self.local() {
            Some(l) => {
                let old = self.workers[l.index].runnext.swap(t, Ordering::AcqRel);
                if !old.is_null() {
                    l.deque.push(TaskRef(old));
                }
            }
            None => self.injector.push(TaskRef(t)),
        }
        self.notify();
    }

    /// Wakes an idle worker if work was queued and no worker is looking
    /// for work already.
    fn notify(&self) {
        fence(Ordering::SeqCst);
        if self.num_spinning.load(Ordering::SeqCst) == 0 && self.num_idle.load(Ordering::SeqCst) > 0
        {
            self.wake_one();
        }
    }

    fn wake_one(&self) {
        let index = {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(i) = idle.pop() else { return };
            self.num_idle.fetch_sub(1, Ordering::SeqCst);
            i
        };
        self.workers[index].unparker.unpark();
    }

    /// Ends the program with `outcome` (the first call wins) and stops
    /// every worker.
    pub(crate) fn finish(&self, outcome: Outcome) {
        {
            let mut end = self.end.lock().unwrap_or_else(PoisonError::into_inner);
            if end.is_none() {
                *end = Some(outcome);
            }
        }
        self.stopping.store(true, Ordering::SeqCst);
        for w in self.workers.iter() {
            let ctx = w.running.load(Ordering::SeqCst);
            if !ctx.is_null() {
                // SAFETY: contexts are pooled, never freed while we live.
                unsafe { (*ctx).preempt.store(1, Ordering::Relaxed) };
            }
            w.unparker.unpark();
        }
        self.timers.stop_ticking();
        if let Some(line) = &self.inputs {
            line.wake_caller();
        }
    }

    /// Every task is blocked: a program ends with `outcome`; a REPL
    /// session abandons its input with it (its other tasks may still be
    /// woken by later inputs).
    pub(crate) fn deadlocked(&self, outcome: Outcome) {
        match &self.inputs {
            None => self.finish(outcome),
            Some(line) => line.abandon(self, outcome),
        }
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Records an ended task's panic until a join observes it or its last
    /// handle goes.
    pub(crate) fn note_panic(&self, t: *mut TaskObj) {
        self.panics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(t as usize);
    }

    /// Forgets a task being freed.
    pub(crate) fn forget_panic(&self, t: *mut TaskObj) {
        let mut panics = self.panics.lock().unwrap_or_else(PoisonError::into_inner);
        panics.retain(|&p| p != t as usize);
    }

    /// Notes that an unobserved task panic was printed.
    pub(crate) fn set_task_panicked(&self) {
        self.task_panicked.store(true, Ordering::SeqCst);
    }

    /// Re-runs the deadlock check if every worker is idle (after a timer
    /// fired without waking anything).
    pub(crate) fn recheck_idle(&self) {
        if self.num_idle.load(Ordering::SeqCst) == self.workers.len() {
            self.wake_one();
        }
    }

    /// True when no worker runs a task (the ticker may sleep).
    pub(crate) fn none_running(&self) -> bool {
        self.workers
            .iter()
            .all(|w| w.running.load(Ordering::SeqCst).is_null())
    }

    /// For the ticker: (running ctx, switch count) of each worker.
    pub(crate) fn for_each_running(&self, mut f: impl FnMut(usize, *mut TaskCtx, u64)) {
        for (i, w) in self.workers.iter().enumerate() {
            f(
                i,
                w.running.load(Ordering::SeqCst),
                w.switches.load(Ordering::Relaxed),
            );
        }
    }

    pub(crate) fn worker_count(&self) -> usize {
        self.workers.len()
    }

    /// Anything queued anywhere (runnext slots included)?
    pub(crate) fn any_queued(&self) -> bool {
        !self.injector.is_empty()
            || self
                .workers
                .iter()
                .any(|w| !w.stealer.is_empty() || !w.runnext.load(Ordering::SeqCst).is_null())
    }
}

impl Local {
    /// The scheduler, with a lifetime not tied to `self` (it outlives the
    /// worker).
    fn shared<'a>(&self) -> &'a Shared {
        // SAFETY: the scheduler outlives its workers.
        unsafe { &*self.shared }
    }

    /// A task from this worker's own queues or the injector.
    fn next_local(&mut self) -> Option<*mut TaskObj> {
        let shared = self.shared();
        let me = &shared.workers[self.index];
        self.picks = self.picks.wrapping_add(1);
        if self.picks.is_multiple_of(FAIR_EVERY) || std::mem::take(&mut self.yielded) {
            if let Some(t) = self.steal_injector() {
                return Some(t);
            }
            if let Some(t) = self.deque.pop() {
                return Some(t.0);
            }
        }
        let t = me.runnext.swap(std::ptr::null_mut(), Ordering::AcqRel);
        if !t.is_null() {
            return Some(t);
        }
        if let Some(t) = self.deque.pop() {
            return Some(t.0);
        }
        self.steal_injector()
    }

    fn steal_injector(&self) -> Option<*mut TaskObj> {
        loop {
            match self.shared().injector.steal_batch_and_pop(&self.deque) {
                Steal::Success(t) => return Some(t.0),
                Steal::Empty => return None,
                Steal::Retry => continue,
            }
        }
    }

    /// One round of stealing from the other workers' deques; with
    /// `runnext_ok`, also from `runnext` slots that stayed full while their
    /// worker kept running the task seen in `seen`.
    fn steal_round(&self, seen: &mut [(u64, Option<Instant>)]) -> Option<*mut TaskObj> {
        let shared = self.shared();
        if let Some(t) = self.steal_injector() {
            return Some(t);
        }
        let n = shared.workers.len();
        let start = self.index + 1;
        for k in 0..n - 1 {
            let i = (start + k) % n;
            let w = &shared.workers[i];
            loop {
                match w.stealer.steal_batch_and_pop(&self.deque) {
                    Steal::Success(t) => return Some(t.0),
                    Steal::Empty => break,
                    Steal::Retry => continue,
                }
            }
            // The runnext slot: steal it only if it has stayed full while
            // its worker kept running one task for a while.
            let Some(seen) = seen.get_mut(i) else {
                continue;
            };
            let switches = w.switches.load(Ordering::Relaxed);
            let full = !w.runnext.load(Ordering::Relaxed).is_null();
            let busy = !w.running.load(Ordering::Relaxed).is_null();
            match *seen {
                (s, Some(since)) if s == switches && full && busy => {
                    if since.elapsed() >= RUNNEXT_STEAL_DELAY {
                        let t = w.runnext.swap(std::ptr::null_mut(), Ordering::AcqRel);
                        if !t.is_null() {
                            return Some(t);
                        }
                    }
                }
                _ => *seen = (switches, (full && busy).then(Instant::now)),
            }
        }
        None
    }

    /// The next task to run, or `None` when the program is stopping.
    /// Spins, then parks, when there is nothing to do.
    fn find_task(&mut self) -> Option<*mut TaskObj> {
        loop {
            if self.shared().stopping() {
                return None;
            }
            if let Some(t) = self.next_local() {
                return Some(t);
            }
            if let Some(t) = self.spin() {
                return Some(t);
            }
            if self.shared().stopping() {
                return None;
            }
            if let Some(t) = self.go_idle() {
                return Some(t);
            }
        }
    }

    /// Looks for work for up to [`SPIN_TIME`].
    fn spin(&mut self) -> Option<*mut TaskObj> {
        let shared = self.shared();
        shared.num_spinning.fetch_add(1, Ordering::SeqCst);
        let mut seen = vec![(0u64, None); shared.workers.len()];
        let start = Instant::now();
        let backoff = crossbeam_utils::Backoff::new();
        let found = loop {
            if let Some(t) = self.next_local().or_else(|| self.steal_round(&mut seen)) {
                break Some(t);
            }
            if shared.stopping() || start.elapsed() >= SPIN_TIME {
                break None;
            }
            if backoff.is_completed() {
                thread::yield_now();
            } else {
                backoff.snooze();
            }
        };
        shared.num_spinning.fetch_sub(1, Ordering::SeqCst);
        if found.is_some() {
            // We stop spinning with work in hand: more may be queued, and
            // the next push will not wake anyone while we were counted.
            if shared.any_queued() {
                shared.notify();
            }
        }
        found
    }

    /// Registers as idle, re-checks the queues, runs the deadlock check if
    /// last, and parks.
    fn go_idle(&mut self) -> Option<*mut TaskObj> {
        let shared = self.shared();
        let all_idle = {
            let mut idle = shared.idle.lock().unwrap_or_else(PoisonError::into_inner);
            idle.push(self.index);
            let n = shared.num_idle.fetch_add(1, Ordering::SeqCst) + 1;
            n == shared.workers.len()
        };
        fence(Ordering::SeqCst);
        // Re-check after registering: a push that did not see us idle is
        // visible now.
        if let Some(t) = self.next_local().or_else(|| self.steal_round(&mut [])) {
            self.leave_idle();
            return Some(t);
        }
        if all_idle && shared.timers.pending() == 0 && !shared.any_queued() {
            fence(Ordering::SeqCst);
            // A session with no input running is not stuck: its tasks
            // wait for the inputs to come.
            let first_alive = !shared.main_task.load(Ordering::SeqCst).is_null();
            if shared.timers.pending() == 0
                && !shared.any_queued()
                && !shared.stopping()
                && first_alive
            {
                deadlock::report(shared);
                self.leave_idle();
                return None;
            }
        }
        self.parker.park();
        self.leave_idle();
        None
    }

    /// Takes this worker off the idle list if a waker has not done so.
    fn leave_idle(&self) {
        let shared = self.shared();
        let mut idle = shared.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(pos) = idle.iter().position(|&i| i == self.index) {
            idle.swap_remove(pos);
            shared.num_idle.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Runs `t` until it parks, yields or ends.
    fn run(&mut self, t: *mut TaskObj) {
        // SAFETY: queued tasks are alive (the runtime's reference).
        let task = unsafe { &*t };
        let shared = self.shared();
        let Some(rp) = self.start(task) else {
            return;
        };
        // SAFETY: run states live as long as the scheduler. Only fields
        // are borrowed, never the whole run state: the task writes its
        // context through `ctx` while it runs.
        let (st, preempt) = unsafe { (&(*rp).state, &(*rp).ctx.preempt) };
        // SAFETY: as above; only the worker running the task touches its
        // coroutine, and `start` is done with it.
        let coro = unsafe { &mut *(*rp).coro.get() };
        let ctx = TaskRun::ctx_ptr(rp);
        let me = &shared.workers[self.index];
        preempt.store(0, Ordering::Relaxed);
        me.switches.fetch_add(1, Ordering::Relaxed);
        me.running.store(ctx, Ordering::SeqCst);
        if shared.stopping() {
            // `finish` may have looked at `running` before we set it (it
            // sets `stopping` first; both are sequentially consistent), and
            // the ticker is gone: ask the task to yield at once.
            preempt.store(1, Ordering::Relaxed);
        }
        shared.timers.worker_busy();
        let previous = ctx::set_current(ctx);
        loop {
            // SAFETY: run states live as long as the scheduler.
            if unsafe { (*rp).abandon.load(Ordering::SeqCst) } {
                self.dispose_input(t, rp);
                break;
            }
            st.store(state::RUNNING, Ordering::Relaxed);
            let Some(c) = coro.as_mut() else { break };
            let result = catch_unwind(AssertUnwindSafe(|| c.resume(())));
            match result {
                Ok(CoroutineResult::Yield(Suspend::Park)) => {
                    if st
                        .compare_exchange(
                            state::PARKING,
                            state::PARKED,
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        )
                        .is_err()
                    {
                        // Woken before it finished suspending: go on.
                        continue;
                    }
                }
                Ok(CoroutineResult::Yield(Suspend::Yield)) => {
                    // SAFETY: as above.
                    if unsafe { (*rp).abandon.load(Ordering::SeqCst) } {
                        self.dispose_input(t, rp);
                        break;
                    }
                    st.store(state::RUNNABLE, Ordering::Relaxed);
                    self.deque.push(TaskRef(t));
                    self.yielded = true;
                    shared.notify();
                }
                Ok(CoroutineResult::Yield(Suspend::End)) => {
                    // SAFETY: the task ended itself through `end_task`,
                    // which leaves nothing on its stack that needs
                    // dropping; its frames are abandoned.
                    unsafe { c.force_reset() };
                    // SAFETY: the task is over; we own its context.
                    let outcome = unsafe { (*ctx).take_outcome() }
                        .unwrap_or_else(|| crate::internal_error("task ended without an outcome"));
                    self.end(t, rp, Some(outcome));
                }
                Ok(CoroutineResult::Return(())) => self.end(t, rp, None),
                // A Rust panic reached the coroutine's root (only possible
                // when the entry is Rust code, as in tests).
                Err(payload) => {
                    let detail = crate::payload_text(&*payload);
                    self.end(t, rp, Some(crate::internal_error(&detail)));
                }
            }
            break;
        }
        ctx::set_current(previous);
        me.running.store(std::ptr::null_mut(), Ordering::SeqCst);
    }

    /// The run state of `task`, with its coroutine: created when it runs
    /// for the first time (a spawned task takes a frame; main has its run
    /// state from the start and takes its stack). `None` when the program
    /// cannot go on.
    fn start(&mut self, task: &TaskObj) -> Option<*mut TaskRun> {
        let shared = self.shared();
        let t = task as *const TaskObj as *mut TaskObj;
        if task.started() {
            // SAFETY: started and not ended (it is queued): `link` is its
            // run state, which only this worker touches now.
            let run = unsafe { task.run() };
            // SAFETY: as above.
            if unsafe { (*(*run).coro.get()).is_some() } {
                return Some(run);
            }
            // main, running for the first time: its frame was set up by
            // `run_program`.
            let taken = shared
                .main_start
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            let Some((stack, entry)) = taken else {
                shared.finish(crate::internal_error("main started twice"));
                return None;
            };
            let ctx = CtxRef(TaskRun::ctx_ptr(run));
            let first = FirstTask(t);
            let coro: Coro = Coro::with_stack(stack, move |yielder: &TaskYielder, ()| {
                let (ctx, first) = (ctx, first);
                // SAFETY: the context and the task outlive the coroutine,
                // and nothing else touches them while the task runs.
                unsafe {
                    (*ctx.0).set_yielder(yielder);
                    match entry {
                        FirstEntry::Main(f) => f(ctx.0),
                        FirstEntry::Call(f, env) => {
                            let r = f(ctx.0, env);
                            (*first.0).set_result(r as u64);
                        }
                    }
                }
            });
            // SAFETY: only this worker touches the coroutine now.
            unsafe { *(*run).coro.get() = Some(coro) };
            return Some(run);
        }
        let Some(Frame { stack, run }) = shared.stacks.take(&mut self.frames) else {
            shared.finish(crate::internal_error("cannot allocate a task stack"));
            return None;
        };
        // SAFETY: the slot lives as long as its chunk.
        unsafe { (*stack.slot).store(t, Ordering::Release) };
        // SAFETY: the frame's run state is ours until the task ends; the
        // task is ours to start.
        let (entry, env) = unsafe {
            TaskRun::attach(run, t, shared);
            task.start(run)
        };
        let start = SpawnStart {
            task: t,
            ctx: TaskRun::ctx_ptr(run),
            entry,
            env,
        };
        let coro: Coro = Coro::with_stack(stack, move |yielder: &TaskYielder, ()| {
            let s = start;
            // SAFETY: the context and task outlive the coroutine, and
            // nothing else touches them while the task runs.
            unsafe {
                (*s.ctx).set_yielder(yielder);
                let r = (s.entry)(s.ctx, s.env);
                (*s.task).set_result(r as u64);
            }
        });
        // SAFETY: only this worker touches the coroutine now.
        unsafe { *(*run).coro.get() = Some(coro) };
        Some(run)
    }

    /// Disposes of a REPL input's task that is to be abandoned (see
    /// `session.rs`), suspended on this worker.
    fn dispose_input(&mut self, t: *mut TaskObj, rp: *mut TaskRun) {
        let shared = self.shared();
        let Some(line) = &shared.inputs else {
            shared.finish(crate::internal_error("a task of a program was abandoned"));
            return;
        };
        let outcome = line
            .take_abandoned()
            .unwrap_or_else(|| crate::internal_error("an input was abandoned without an outcome"));
        // SAFETY: the input's task is suspended and this worker holds it.
        unsafe { line.input_ended(shared, t, rp, outcome, false) };
    }

    /// A task ended: returned (`outcome` None) or panicked/exited.
    fn end(&mut self, t: *mut TaskObj, rp: *mut TaskRun, outcome: Option<Outcome>) {
        // SAFETY: the task is alive (the runtime's reference), and its run
        // state is ours.
        let task = unsafe { &*t };
        let shared = self.shared();
        // SAFETY: as above.
        unsafe { (*rp).state.store(state::DONE, Ordering::Relaxed) };
        if task.is_main() {
            match (&shared.inputs, outcome) {
                (Some(line), outcome) if !matches!(outcome, Some(Outcome::Exited(_))) => {
                    let outcome = outcome.unwrap_or(Outcome::Returned);
                    // SAFETY: the input's task ended on this worker.
                    unsafe { line.input_ended(shared, t, rp, outcome, true) };
                }
                (_, outcome) => shared.finish(outcome.unwrap_or(Outcome::Returned)),
            }
            return;
        }
        if shared.config.max_tasks.is_some() {
            shared.live_tasks.fetch_sub(1, Ordering::SeqCst);
        }
        if let Some(Outcome::Exited(code)) = outcome {
            // The program ends; the task's frame stays as it is.
            shared.finish(Outcome::Exited(code));
            return;
        }
        // Give the frame back.
        // SAFETY: only this worker touches the coroutine; it is done.
        let coro = unsafe { (*(*rp).coro.get()).take() };
        if let Some(coro) = coro {
            let stack = coro.into_stack();
            // SAFETY: the slot lives as long as its chunk.
            unsafe { (*stack.slot).store(std::ptr::null_mut(), Ordering::Release) };
            // SAFETY: the coroutine is gone; the context is ours.
            unsafe {
                (*rp).ctx.task = std::ptr::null_mut();
                (*rp).ctx.clear_yielder();
            }
            shared
                .stacks
                .give(&mut self.frames, Frame { stack, run: rp });
        }
        // SAFETY: we end the task, once; its run state is detached.
        unsafe { task.complete(shared, outcome) };
        // The runtime's own reference.
        // SAFETY: we own it.
        unsafe { crate::value::release(t.cast()) };
    }
}

/// What a spawned task's coroutine starts with.
#[derive(Clone, Copy)]
struct SpawnStart {
    task: *mut TaskObj,
    ctx: *mut TaskCtx,
    entry: SpawnEntry,
    env: *mut crate::value::Obj,
}
// SAFETY: these move with their task.
unsafe impl Send for SpawnStart {}

/// A context pointer that moves with its task.
#[derive(Clone, Copy)]
struct CtxRef(*mut TaskCtx);
// SAFETY: a context moves with its task.
unsafe impl Send for CtxRef {}

/// The first task's handle, which its coroutine stores a call's result in.
#[derive(Clone, Copy)]
struct FirstTask(*mut TaskObj);
// SAFETY: the handle outlives the run.
unsafe impl Send for FirstTask {}

/// The configuration of the run that the task of `ctx` (or, for a null
/// `ctx`, the thread's current task) belongs to; `None` outside of a
/// scheduler.
///
/// # Safety
/// `ctx` is null or a live task context.
pub(crate) unsafe fn config_of<'a>(ctx: *mut TaskCtx) -> Option<&'a RunConfig> {
    let run = run::current_or_null(ctx);
    if run.is_null() {
        return None;
    }
    // SAFETY: a live task's context is its run state, attached to the
    // scheduler it runs in, which outlives it.
    Some(unsafe { &(*run).shared().config })
}

/// The loop of worker `local` until the program stops. A Rust panic in
/// the scheduler itself (a runtime bug) ends the program with an internal
/// error instead of unwinding past the other workers.
fn worker_loop(local: &mut Local) {
    let previous = LOCAL.with(|l| l.replace(local as *mut Local));
    let result = catch_unwind(AssertUnwindSafe(|| {
        while let Some(t) = local.find_task() {
            local.run(t);
        }
    }));
    LOCAL.with(|l| l.set(previous));
    if let Err(payload) = result {
        let detail = crate::payload_text(&*payload);
        local
            .shared()
            .finish(crate::internal_error(&format!("scheduler: {detail}")));
    }
}

/// Runs `entry` as the first task (`main`, or a called function with its
/// arguments), as `config` says: `config.workers` worker threads (the
/// calling thread is worker 0) and a first stack of `config.stack_size`
/// bytes. Returns the run's outcome once every worker stopped, and for
/// [`FirstEntry::Call`] the function's result in slot encoding if it
/// returned (0 otherwise), owned by the caller: whatever the outcome (a
/// task's unobserved panic, or a deadline reached just as it returned, can
/// make it something else than [`Outcome::Returned`]).
pub(crate) fn run_program(
    info: Arc<ProgramInfo>,
    entry: FirstEntry,
    config: RunConfig,
) -> (Outcome, u64) {
    let Some(main_stack) = MainStack::new(config.stack_size) else {
        return (crate::internal_error("cannot allocate the task stack"), 0);
    };
    let program = Arc::new(ProgramCell::new(info));
    let (shared, mut queues) = new_scheduler(program, config, None);
    let sp: *const Shared = Arc::as_ptr(&shared);

    // main: its own stack and context, queued on worker 0 (this thread).
    let (low, high) = main_stack.bounds();
    let main_run = Box::into_raw(TaskRun::new(Arc::clone(&shared.program), low, high));
    let main = TaskObj::main(main_run);
    // SAFETY: the run state is not in use yet.
    unsafe { TaskRun::attach(main_run, main, sp) };
    *shared
        .main_start
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some((main_stack.stack(), entry));
    shared.main_task.store(main, Ordering::Release);

    let (deque, parker) = queues.remove(0);
    let mut local0 = Local::new(0, sp, deque, parker);
    local0.deque.push(TaskRef(main));
    let threads = start_threads(&shared, queues, 1);
    worker_loop(&mut local0);

    // Stop everything, then dispose of what is left.
    shared.finish(crate::internal_error("workers stopped without an outcome"));
    let mut frames = std::mem::take(&mut local0.frames);
    frames.extend(threads.join());
    // SAFETY: no worker runs; the first task's result is final (set only
    // if it returned).
    let result = unsafe { (*main).result() };
    let outcome = cleanup(&shared, main, vec![main_run], frames);
    drop(main_stack);
    crate::output::flush_stdout();
    (outcome, result)
}

/// A worker's queue and parker, before its worker starts.
type Queues = (Worker<TaskRef>, Parker);

/// A scheduler's shared state (no first task yet) and each worker's
/// queues.
fn new_scheduler(
    program: Arc<ProgramCell>,
    config: RunConfig,
    inputs: Option<InputLine>,
) -> (Arc<Shared>, Vec<Queues>) {
    let workers = config.workers.max(1);
    let queues: Vec<Queues> = (0..workers)
        .map(|_| (Worker::new_fifo(), Parker::new()))
        .collect();
    let worker_shared: Box<[CachePadded<WorkerShared>]> = queues
        .iter()
        .map(|(d, p)| {
            CachePadded::new(WorkerShared {
                stealer: d.stealer(),
                runnext: AtomicPtr::new(std::ptr::null_mut()),
                running: AtomicPtr::new(std::ptr::null_mut()),
                switches: AtomicU64::new(0),
                unparker: p.unparker().clone(),
            })
        })
        .collect();
    let shared = Arc::new(Shared {
        program: Arc::clone(&program),
        workers: worker_shared,
        injector: Injector::new(),
        idle: Mutex::new(Vec::new()),
        num_idle: AtomicUsize::new(0),
        num_spinning: AtomicUsize::new(0),
        stopping: AtomicBool::new(false),
        end: Mutex::new(None),
        task_panicked: AtomicBool::new(false),
        panics: Mutex::new(Vec::new()),
        next_id: AtomicU64::new(1),
        stacks: StackSource::new(program),
        timers: Timers::new(),
        main_task: AtomicPtr::new(std::ptr::null_mut()),
        main_start: Mutex::new(None),
        config,
        live_tasks: AtomicUsize::new(1),
        inputs,
    });
    (shared, queues)
}

impl Local {
    fn new(index: usize, shared: *const Shared, deque: Worker<TaskRef>, parker: Parker) -> Self {
        Local {
            index,
            shared,
            deque,
            frames: Vec::new(),
            picks: 0,
            yielded: false,
            parker,
        }
    }
}

/// The threads of a scheduler's ticker and of its workers but the
/// caller's.
pub(crate) struct Threads {
    ticker: Option<threads::Handle<()>>,
    workers: Vec<threads::Handle<Vec<Frame>>>,
}

impl Threads {
    /// Waits for every thread (after `Shared::finish`); returns the frames
    /// the workers held.
    pub(crate) fn join(self) -> Vec<Frame> {
        let mut frames = Vec::new();
        for h in self.workers {
            if let Ok(f) = h.join() {
                frames.extend(f);
            }
        }
        if let Some(h) = self.ticker {
            let _ = h.join();
        }
        frames
    }
}

/// Starts the ticker, and a thread for each worker of `queues`, numbered
/// from `first`. A thread that cannot start ends the run.
fn start_threads(shared: &Arc<Shared>, queues: Vec<Queues>, first: usize) -> Threads {
    let sp: *const Shared = Arc::as_ptr(shared);
    let keep = shared.config.reuse_threads;
    let ticker = {
        let s = SharedRef(sp);
        threads::spawn("kriti-ticker", keep, move || {
            let s = s;
            // SAFETY: the scheduler outlives the ticker (joined before it
            // is dropped).
            timer::ticker_loop(unsafe { &*s.0 })
        })
    };
    let ticker = match ticker {
        Ok(h) => Some(h),
        Err(_) => {
            shared.finish(crate::internal_error("cannot start the ticker thread"));
            None
        }
    };
    let mut workers = Vec::new();
    for (i, (deque, parker)) in queues.into_iter().enumerate() {
        let s = SharedRef(sp);
        let index = first + i;
        let name = format!("kriti-worker-{index}");
        let handle = threads::spawn(&name, keep, move || {
            let s = s;
            let mut local = Local::new(index, s.0, deque, parker);
            worker_loop(&mut local);
            local.frames
        });
        match handle {
            Ok(h) => workers.push(h),
            Err(e) => {
                shared.finish(crate::internal_error(&format!(
                    "cannot start a worker: {e}"
                )));
                break;
            }
        }
    }
    Threads { ticker, workers }
}

#[derive(Clone, Copy)]
struct SharedRef(*const Shared);
// SAFETY: `Shared` is shared between the workers by design.
unsafe impl Send for SharedRef {}

/// After every worker stopped: ends abandoned tasks' coroutines (reset,
/// never unwound), frees the frames and `runs` (the first task's run
/// states, which `main`, if not null, runs with), reports unobserved
/// panics, and says how the program ended.
fn cleanup(
    shared: &Shared,
    main: *mut TaskObj,
    runs: Vec<*mut TaskRun>,
    frames: Vec<Frame>,
) -> Outcome {
    // SAFETY: no worker runs: we own every coroutine. A coroutine suspended
    // inside JIT code must never be dropped without a reset.
    unsafe {
        for &run in &runs {
            if let Some(mut c) = (*(*run).coro.get()).take() {
                c.force_reset();
            }
        }
        let mut abandoned = Vec::new();
        shared.stacks.for_each_task(|t| abandoned.push(t));
        for t in abandoned {
            // A task in a stack slot has started and not ended.
            let run = (*t).run();
            if let Some(mut c) = (*(*run).coro.get()).take() {
                c.force_reset();
                let stack = c.into_stack();
                (*stack.slot).store(std::ptr::null_mut(), Ordering::Release);
                stack::free_frame_run(run);
            }
        }
        // main's object: nothing else references it (it never ends, so
        // freeing it leaves its run state alone).
        if !main.is_null() {
            crate::value::release(main.cast());
        }
        for run in runs {
            drop(Box::from_raw(run));
        }
        for f in frames.into_iter().chain(shared.stacks.drain_shared()) {
            stack::free_frame_run(f.run);
        }
    }
    // Timer entries only name run states (just freed): drop them unread.
    shared.timers.forget_all();

    let pending: Vec<usize> =
        std::mem::take(&mut *shared.panics.lock().unwrap_or_else(PoisonError::into_inner));
    for t in pending {
        // SAFETY: tasks on the list are alive (freeing removes them).
        unsafe { (*(t as *mut TaskObj)).report_unobserved() };
    }
    let end = shared
        .end
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .unwrap_or(Outcome::Returned);
    match end {
        Outcome::Returned if shared.task_panicked.load(Ordering::SeqCst) => Outcome::TaskPanicked,
        other => other,
    }
}
