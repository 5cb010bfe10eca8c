//! Reusable OS threads for the workers and the ticker of each run.
//!
//! A run starts `workers - 1` worker threads and a ticker thread and
//! joins them when it ends. The CLI runs once per process, but an
//! embedding host runs once per call, where creating and joining those
//! threads was most of a short call's cost (about 100 µs of 130 µs, on
//! the 2-core development machine). So a thread whose job is done waits
//! here for the next one instead of exiting: [`spawn`] hands a job to an
//! idle thread if there is one, else starts a new thread.
//!
//! Only runs that ask for it (`RunConfig::reuse_threads`, which an
//! embedding host sets) keep their threads: the CLI runs once, and a
//! process that exits with parked threads pays for reaping them (measured
//! about 0.3 ms of `kriti run hello.kr`, a noisy figure), so its threads
//! exit as before.
//!
//! At most [`MAX_IDLE`] threads wait; more exit. Waiting threads are
//! parked on a channel and use no CPU; they end with the process. A
//! job's result (or its panic) comes back through [`Handle::join`].
//! Thread-local state (the allocator's free lists, `ctx::current`, the
//! worker's `LOCAL`) outlives a job: the scheduler restores what it sets,
//! and the free lists are as good for the next run as for this one.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Mutex, PoisonError};
use std::thread;

/// A job for a pooled thread.
type Job = Box<dyn FnOnce() + Send>;

/// Idle threads kept at most: enough for several concurrent runs of a
/// few workers each; beyond it a finished thread exits.
pub const MAX_IDLE: usize = 64;

/// The job lines of the idle threads.
static IDLE: Mutex<Vec<Sender<Job>>> = Mutex::new(Vec::new());

/// The result of a job handed to [`spawn`].
pub(crate) struct Handle<T> {
    result: Receiver<thread::Result<T>>,
}

impl<T> Handle<T> {
    /// Waits for the job to end; `Err` if it panicked.
    pub(crate) fn join(self) -> Result<T, ()> {
        match self.result.recv() {
            Ok(Ok(v)) => Ok(v),
            _ => Err(()),
        }
    }
}

/// Runs `f` on an idle pooled thread, or on a new one named `name`; with
/// `keep`, the thread waits for another job afterwards (else it exits).
pub(crate) fn spawn<T: Send + 'static>(
    name: &str,
    keep: bool,
    f: impl FnOnce() -> T + Send + 'static,
) -> io::Result<Handle<T>> {
    let (tx, rx) = mpsc::channel();
    let mut job: Job = Box::new(move || {
        let r = catch_unwind(AssertUnwindSafe(f));
        // The joiner may be gone (a failed run); nothing to do then.
        let _ = tx.send(r);
    });
    if keep {
        loop {
            let idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let Some(line) = idle else { break };
            match line.send(job) {
                Ok(()) => return Ok(Handle { result: rx }),
                // That thread is gone (cannot happen: it holds its
                // receiver while listed); try another.
                Err(mpsc::SendError(j)) => job = j,
            }
        }
    }
    let (line, jobs) = mpsc::channel::<Job>();
    let me = line.clone();
    // A fresh channel always accepts.
    let _ = line.send(job);
    thread::Builder::new()
        .name(name.to_string())
        .spawn(move || pooled(me, jobs, keep))?;
    Ok(Handle { result: rx })
}

/// A pooled thread: runs jobs until the pool is full when it goes idle
/// (or, without `keep`, after the first).
fn pooled(me: Sender<Job>, jobs: Receiver<Job>, keep: bool) {
    while let Ok(job) = jobs.recv() {
        job();
        if !keep {
            return;
        }
        let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() >= MAX_IDLE {
            return;
        }
        idle.push(me.clone());
    }
}
