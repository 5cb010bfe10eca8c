//! Timers (`sleep`, the `after` arm of `select`) and the preemption
//! ticker, both on one thread per program run.
//!
//! Timers are a heap of `(deadline, run state, wait number)` under a
//! mutex. Each entry claims the task's wait when it fires (`run` module):
//! an entry whose wait already ended (a `select` that a channel satisfied
//! first) claims nothing and is dropped. Run states live as long as the
//! scheduler, so an entry needs no reference to its task.
//! Entries are never cancelled: `pending` counts them until they fire, so
//! the deadlock check waits for a stale timer too (then re-checks).
//!
//! The ticker runs every [`TICK`] while a worker runs a task: a task that a
//! worker has been running since the previous tick (same switch count) gets
//! its `preempt` flag set, so it yields at its next poll after 10–20 ms.
//! When no worker runs a task the thread sleeps until the next timer, and
//! a worker that starts running wakes it (`Timers::worker_busy`): an idle
//! program uses no CPU.
//!
//! A run with limits (`RunConfig::deadline`, `RunConfig::interrupt`) is
//! also ended here: the ticker wakes at the deadline and every
//! [`LIMIT_POLL`] to look at the interrupt, and calls `Shared::finish`,
//! which asks every running task to yield at its next poll (a loop without
//! any other task queued included) and abandons the rest.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::run::{current_run, park, TaskRun, WaitInfo};
use super::Shared;
use crate::ctx::{self, Suspend, TaskCtx};
use crate::panic::guard;

/// The preemption time slice: a task running this long without waiting
/// may be asked to yield (Go uses 10 ms too).
pub const TICK: Duration = Duration::from_millis(10);

/// How often the ticker looks at a run's interrupt (when it has one): the
/// most an interrupt waits to be noticed. A wake-up per millisecond costs
/// next to nothing, and only runs with an interrupt pay it.
pub const LIMIT_POLL: Duration = Duration::from_millis(1);

/// The longest sleep: about 35 years (longer waits are this long).
const MAX_SLEEP_MS: u64 = 1 << 40;

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    deadline: Instant,
    /// Insertion order, to break ties.
    n: u64,
    run: usize,
    seq: u64,
}

struct State {
    heap: BinaryHeap<Reverse<Entry>>,
    next: u64,
    stop: bool,
}

/// A program's timers and its ticker's wake-up line.
pub(crate) struct Timers {
    state: Mutex<State>,
    cond: Condvar,
    /// Entries not yet fired and processed.
    pending: AtomicUsize,
    /// The ticker waits without a tick scheduled.
    sleeping: AtomicBool,
}

impl Timers {
    pub(crate) fn new() -> Self {
        Self {
            state: Mutex::new(State {
                heap: BinaryHeap::new(),
                next: 0,
                stop: false,
            }),
            cond: Condvar::new(),
            pending: AtomicUsize::new(0),
            sleeping: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Timers that have not fired yet.
    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }

    /// Claims wait `seq` of `run` (as a timeout, op -1) at `deadline`.
    pub(crate) fn add(&self, deadline: Instant, run: *mut TaskRun, seq: u64) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        let mut st = self.lock();
        let n = st.next;
        st.next += 1;
        let first = st
            .heap
            .peek()
            .is_none_or(|Reverse(e)| deadline < e.deadline);
        st.heap.push(Reverse(Entry {
            deadline,
            n,
            run: run as usize,
            seq,
        }));
        drop(st);
        if first {
            self.cond.notify_one();
        }
    }

    /// A worker starts running a task: wake the ticker if it sleeps.
    #[inline]
    pub(crate) fn worker_busy(&self) {
        if self.sleeping.load(Ordering::SeqCst) {
            let _st = self.lock();
            self.sleeping.store(false, Ordering::SeqCst);
            self.cond.notify_one();
        }
    }

    /// Stops the ticker thread.
    pub(crate) fn stop_ticking(&self) {
        self.lock().stop = true;
        self.cond.notify_one();
    }

    /// Drops every entry (at shutdown, with the abandoned tasks).
    pub(crate) fn forget_all(&self) {
        let mut st = self.lock();
        st.heap.clear();
        self.pending.store(0, Ordering::SeqCst);
    }
}

/// The ticker thread: fires timers and preempts long-running tasks until
/// the program stops.
pub(crate) fn ticker_loop(shared: &Shared) {
    let timers = &shared.timers;
    let mut last = vec![u64::MAX; shared.worker_count()];
    let mut next_tick = Instant::now() + TICK;
    let limits = shared.config.has_limits();
    let mut st = timers.lock();
    loop {
        if st.stop {
            return;
        }
        let now = Instant::now();
        if limits {
            if let Some(outcome) = shared.config.limit_reached(now) {
                // `finish` takes the timers' lock to stop us.
                drop(st);
                shared.finish(outcome);
                st = timers.lock();
                continue;
            }
        }
        let mut fired = Vec::new();
        while st.heap.peek().is_some_and(|Reverse(e)| e.deadline <= now) {
            if let Some(Reverse(e)) = st.heap.pop() {
                fired.push(e);
            }
        }
        if !fired.is_empty() {
            drop(st);
            for e in fired {
                let r = e.run as *mut TaskRun;
                // SAFETY: run states live as long as the scheduler.
                let run = unsafe { &*r };
                if run.claim(e.seq) {
                    // SAFETY: claimed.
                    unsafe { run.hand_off(0, true, -1) };
                    shared.wake(r);
                }
                timers.pending.fetch_sub(1, Ordering::SeqCst);
            }
            shared.recheck_idle();
            st = timers.lock();
            continue;
        }
        if now >= next_tick {
            // Preempting a task when no other task waits for a worker would
            // only move it between threads (and their allocator caches).
            let others_wait = shared.any_queued();
            shared.for_each_running(|i, ctx, switches| {
                if others_wait && !ctx.is_null() && switches == last[i] {
                    // SAFETY: contexts are pooled, never freed while the
                    // scheduler lives; a stale one gets a harmless flag
                    // (cleared when its next task is resumed).
                    unsafe { (*ctx).preempt.store(1, Ordering::Relaxed) };
                }
                last[i] = switches;
            });
            next_tick = now + TICK;
        }
        let until_timer = st.heap.peek().map(|Reverse(e)| e.deadline - now);
        let until_tick = next_tick.saturating_duration_since(now);
        let mut wait = until_timer;
        if limits {
            let mut poll = LIMIT_POLL;
            if shared.config.interrupt.is_none() {
                poll = TICK;
            }
            if let Some(d) = shared.config.deadline {
                poll = poll.min(d.saturating_duration_since(now));
            }
            wait = Some(wait.map_or(poll, |w| w.min(poll)));
        }
        if shared.none_running() {
            timers.sleeping.store(true, Ordering::SeqCst);
            if !shared.none_running() {
                timers.sleeping.store(false, Ordering::SeqCst);
                wait = Some(wait.map_or(until_tick, |w| w.min(until_tick)));
            }
        } else {
            wait = Some(wait.map_or(until_tick, |w| w.min(until_tick)));
        }
        let was_sleeping = timers.sleeping.load(Ordering::SeqCst);
        st = match wait {
            Some(d) => {
                timers
                    .cond
                    .wait_timeout(st, d)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => timers.cond.wait(st).unwrap_or_else(PoisonError::into_inner),
        };
        if was_sleeping {
            timers.sleeping.store(false, Ordering::SeqCst);
            next_tick = Instant::now() + TICK;
        }
    }
}

/// `sleep(ms)`: parks the task (never the worker thread) for `ms`
/// milliseconds; `ms <= 0` just yields.
///
/// # Safety
/// `ctx` is the running task's context.
pub unsafe extern "C" fn kr_sleep(ctx: *mut TaskCtx, ms: i64) {
    if ms <= 0 {
        // SAFETY: caller's contract.
        unsafe { ctx::suspend(ctx, Suspend::Yield) };
        return;
    }
    guard(ctx, || {
        // SAFETY: caller's contract.
        let me = unsafe { current_run(ctx) };
        let deadline = Instant::now() + Duration::from_millis((ms as u64).min(MAX_SLEEP_MS));
        let info = WaitInfo {
            what: "sleeping",
            loc: -1,
            func: -1,
        };
        // SAFETY: we are the running task.
        let seq = unsafe { me.begin_wait(info) };
        me.shared()
            .timers
            .add(deadline, me as *const TaskRun as *mut TaskRun, seq);
        // SAFETY: registered; no lock held.
        unsafe { park(ctx) };
    })
}
