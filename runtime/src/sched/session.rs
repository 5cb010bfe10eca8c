//! A scheduler that outlives its calls: a REPL session runs each input on
//! one [`Scheduler`], so tasks spawned by an input keep running while the
//! next one is typed, and channels and task handles stay usable.
//!
//! The scheduler's workers all run on threads of their own, started once.
//! [`Scheduler::call`] makes the call its *input task* (the first task of
//! the scheduler, which deadlock reports call `main`, on the session's one
//! big stack), queues it, and waits for it on the [`InputLine`]: the
//! worker that ends the input hands its outcome and result back. One input
//! runs at a time; every other task is a background task and goes on
//! running, between inputs too.
//!
//! How an input ends, besides returning or panicking:
//! - **Deadlock:** when every worker is idle, no timer is pending and an
//!   input is running, every task is blocked and only the input's caller
//!   could help, and it is waiting: the deadlock is reported as in a
//!   program and the input is abandoned. Without an input running, idle
//!   tasks are normal (they wait for later inputs).
//! - **Interrupt** (Ctrl-C): the caller abandons the input.
//! - **`exit(n)`** in any task ends the whole scheduler ([`Shared::finish`]):
//!   the running input (or the next one) returns [`Outcome::Exited`].
//!
//! Abandoning sets the input's `abandon` flag and *nudges* it: claims its
//! open wait, if it has one, and wakes it, else raises its preemption flag.
//! The worker that next holds it (resumed, woken, or yielding at a poll)
//! disposes of it instead of resuming it: the coroutine is reset (never
//! unwound; what it owned leaks) and the input ends with the abandon's
//! outcome. The caller nudges again at every poll until the input is
//! gone, which covers a task that opened a wait just after a nudge. An
//! abandoned input's run state may still be registered where a waker will
//! look (a join list, a timer), so it is retired (kept until the scheduler
//! is dropped) and the next input gets a new one; an input that ended by
//! itself closed its waits, and its run state serves the next input.
//!
//! A task panic that no join is waiting for is printed when it happens
//! (a session has no end to report it at); a later `join` still delivers
//! it. Dropping the scheduler stops the workers and abandons every task
//! still alive (as a program's end does).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use super::program::ProgramCell;
use super::run::{state, TaskRun};
use super::stack::MainStack;
use super::task::{SpawnEntry, TaskObj};
use super::{cleanup, new_scheduler, start_threads, FirstEntry, Shared, TaskRef, Threads};
use crate::config::{Interrupt, RunConfig};
use crate::panic::{Outcome, ProgramInfo};
use crate::value::Obj;

/// How often a caller waiting for its input looks at its interrupt (and
/// nudges an input being abandoned).
pub const INPUT_POLL: Duration = Duration::from_millis(5);

/// The inputs' side of a session's scheduler (`Shared::inputs`).
pub(crate) struct InputLine {
    /// The stack every input runs on (one at a time).
    stack: MainStack,
    /// The run state the current or next input runs with (a leaked box).
    run: Mutex<*mut TaskRun>,
    /// Run states of abandoned inputs, freed with the scheduler.
    retired: Mutex<Vec<usize>>,
    /// Why the running input is being abandoned.
    abandoned: Mutex<Option<Outcome>>,
    /// How the last input ended and its result, for the caller.
    done: Mutex<Option<(Outcome, u64)>>,
    cond: Condvar,
}

// SAFETY: the run state pointers are only used as the module docs say.
unsafe impl Send for InputLine {}
// SAFETY: as above.
unsafe impl Sync for InputLine {}

impl InputLine {
    fn run(&self) -> *mut TaskRun {
        *self.run.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes the caller waiting for its input (the scheduler stops, or
    /// the input ended).
    pub(crate) fn wake_caller(&self) {
        let _done = self.done.lock().unwrap_or_else(PoisonError::into_inner);
        self.cond.notify_all();
    }

    /// Abandons the running input with `outcome` (the first reason
    /// wins); see the module docs.
    pub(crate) fn abandon(&self, shared: &Shared, outcome: Outcome) {
        if shared.main_task.load(Ordering::SeqCst).is_null() {
            return;
        }
        {
            let mut why = self
                .abandoned
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if why.is_some() {
                return;
            }
            *why = Some(outcome);
        }
        // SAFETY: run states live as long as the scheduler.
        unsafe { (*self.run()).abandon.store(true, Ordering::SeqCst) };
        self.nudge(shared);
    }

    /// Makes the input being abandoned reach a worker (module docs).
    fn nudge(&self, shared: &Shared) {
        let rp = self.run();
        // SAFETY: as above.
        let run = unsafe { &*rp };
        if !run.abandon.load(Ordering::SeqCst) {
            return;
        }
        if run.claim_open_wait() {
            shared.wake(rp);
        } else {
            run.ctx.preempt.store(1, Ordering::SeqCst);
        }
    }

    /// The reason the input is abandoned, taken.
    pub(crate) fn take_abandoned(&self) -> Option<Outcome> {
        self.abandoned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// The input's task `t`, running with `rp`, ended with `outcome`:
    /// disposes of its coroutine and hands the outcome and its result to
    /// the caller. With `reuse` false (an abandoned input) the run state
    /// is retired.
    ///
    /// # Safety
    /// Called once per input, by the worker holding the input's task,
    /// which is not running (ended or suspended).
    pub(crate) unsafe fn input_ended(
        &self,
        shared: &Shared,
        t: *mut TaskObj,
        rp: *mut TaskRun,
        outcome: Outcome,
        reuse: bool,
    ) {
        // SAFETY: the worker holds the task (caller's contract); a
        // suspended coroutine is reset, never unwound.
        let result = unsafe {
            if let Some(mut c) = (*(*rp).coro.get()).take() {
                c.force_reset();
            }
            (*rp).state.store(state::DONE, Ordering::Relaxed);
            (*rp).ctx.task = std::ptr::null_mut();
            (*rp).ctx.clear_yielder();
            (*t).result()
        };
        if !reuse {
            let (low, high) = self.stack.bounds();
            let fresh = Box::into_raw(TaskRun::new(Arc::clone(&shared.program), low, high));
            let old = std::mem::replace(
                &mut *self.run.lock().unwrap_or_else(PoisonError::into_inner),
                fresh,
            );
            self.retired
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(old as usize);
        }
        shared
            .main_task
            .store(std::ptr::null_mut(), Ordering::SeqCst);
        // Nothing else references the input's task object.
        // SAFETY: we own it.
        unsafe { crate::value::release(t.cast()) };
        crate::output::flush_stdout();
        *self.done.lock().unwrap_or_else(PoisonError::into_inner) = Some((outcome, result));
        self.cond.notify_all();
    }
}

/// A scheduler that runs calls one after another while the tasks they
/// spawn live on; see the module docs.
pub struct Scheduler {
    shared: Arc<Shared>,
    threads: Option<Threads>,
}

impl Scheduler {
    /// Starts a scheduler for the code `info` describes, with
    /// `config.workers` worker threads (none of them the caller's) and an
    /// input stack of `config.stack_size` bytes. `config.interrupt` and
    /// `config.deadline` are not used: [`Scheduler::call`] takes an
    /// interrupt per call.
    pub fn start(info: Arc<ProgramInfo>, config: RunConfig) -> Result<Scheduler, String> {
        crate::math::init_clock();
        let stack = MainStack::new(config.stack_size)
            .ok_or_else(|| "cannot allocate the task stack".to_string())?;
        let program = Arc::new(ProgramCell::new(info));
        let (low, high) = stack.bounds();
        let run = Box::into_raw(TaskRun::new(Arc::clone(&program), low, high));
        let line = InputLine {
            stack,
            run: Mutex::new(run),
            retired: Mutex::new(Vec::new()),
            abandoned: Mutex::new(None),
            done: Mutex::new(None),
            cond: Condvar::new(),
        };
        let config = RunConfig {
            deadline: None,
            interrupt: None,
            ..config
        };
        let (shared, queues) = new_scheduler(program, config, Some(line));
        let threads = start_threads(&shared, queues, 0);
        Ok(Scheduler {
            shared,
            threads: Some(threads),
        })
    }

    /// Runs one call of a compiled function as the scheduler's input task
    /// and waits for it to end (see the module docs); returns how it
    /// ended and, if it returned, its result in slot encoding (0 if not),
    /// owned by the caller. `info` describes all the code compiled so far
    /// (it replaces the tables the tasks see). When `interrupt` is
    /// triggered, the call is abandoned with [`Outcome::Interrupted`].
    ///
    /// # Safety
    /// As [`crate::run_call`]: `entry` is an entry of the code `info`
    /// describes, which stays alive as long as the scheduler; `env` is
    /// null or a record of the entry's parameter types, owned (consumed).
    pub unsafe fn call(
        &self,
        info: Arc<ProgramInfo>,
        entry: SpawnEntry,
        env: *mut Obj,
        interrupt: Option<(Arc<Interrupt>, u64)>,
    ) -> (Outcome, u64) {
        let shared = &*self.shared;
        let Some(line) = &shared.inputs else {
            return (crate::internal_error("not a session's scheduler"), 0);
        };
        if let Some(end) = self.ended() {
            if !env.is_null() {
                // SAFETY: the env is ours (consumed) and will not run.
                unsafe { crate::value::release(env) };
            }
            return (end, 0);
        }
        shared.program.set(info);
        let run = line.run();
        let main = TaskObj::main(run);
        // SAFETY: no input runs, so the run state is not in use.
        unsafe {
            TaskRun::attach(run, main, Arc::as_ptr(&self.shared));
            (*run).abandon.store(false, Ordering::SeqCst);
        }
        line.take_abandoned();
        *shared
            .main_start
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            Some((line.stack.stack(), FirstEntry::Call(entry, env)));
        *line.done.lock().unwrap_or_else(PoisonError::into_inner) = None;
        shared.main_task.store(main, Ordering::SeqCst);
        shared.injector.push(TaskRef(main));
        shared.notify();
        self.wait(line, interrupt)
    }

    /// Waits for the input to end, abandoning it when `interrupt` is
    /// triggered.
    fn wait(&self, line: &InputLine, interrupt: Option<(Arc<Interrupt>, u64)>) -> (Outcome, u64) {
        let shared = &*self.shared;
        let mut done = line.done.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(r) = done.take() {
                return r;
            }
            if let Some(end) = self.ended() {
                return (end, 0);
            }
            drop(done);
            if let Some((i, generation)) = &interrupt {
                if i.generation() != *generation {
                    line.abandon(shared, Outcome::Interrupted);
                }
            }
            line.nudge(shared);
            done = line.done.lock().unwrap_or_else(PoisonError::into_inner);
            if done.is_none() && self.ended().is_none() {
                done = line
                    .cond
                    .wait_timeout(done, INPUT_POLL)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
        }
    }

    /// How the scheduler ended (`exit(n)` in a task, or an internal
    /// error), if it did: no call runs any more.
    pub fn ended(&self) -> Option<Outcome> {
        if !self.shared.stopping() {
            return None;
        }
        self.shared
            .end
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Scheduler {
    /// Stops the workers and abandons every task still alive.
    fn drop(&mut self) {
        let shared = &*self.shared;
        shared.finish(Outcome::Returned);
        let frames = self.threads.take().map(Threads::join).unwrap_or_default();
        let Some(line) = &shared.inputs else { return };
        let main = shared.main_task.load(Ordering::SeqCst);
        let mut runs = vec![line.run()];
        runs.extend(
            std::mem::take(&mut *line.retired.lock().unwrap_or_else(PoisonError::into_inner))
                .into_iter()
                .map(|r| r as *mut TaskRun),
        );
        cleanup(shared, main, runs, frames);
        crate::output::flush_stdout();
    }
}
