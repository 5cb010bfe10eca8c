//! Per-run configuration: what one run of Kriti code (a program's `main`,
//! or one call from an embedding host) may do, and where its output goes.
//!
//! The CLI runs with [`RunConfig::default`]: every worker core, no limits,
//! output on the process's stdout and stderr, reports (unobserved task
//! panics, deadlocks) on stderr. An embedding host (the root `kriti`
//! crate's `Engine`) fills in what it wants per call. The scheduler keeps
//! the configuration for the length of the run (`sched::Shared::config`),
//! where the runtime functions that care reach it through their task.
//!
//! Limits are enforced by the ticker thread (`sched::timer`): when the
//! deadline passes or the interrupt is triggered, it ends the run at once
//! (every running task is asked to yield at its next preemption poll, and
//! the waiting ones are abandoned), and the run's outcome is
//! [`crate::Outcome::TimedOut`] or [`crate::Outcome::Interrupted`].

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// A writer that several tasks (on several threads) print to: each line
/// is written whole, under the lock.
pub type SharedWriter = Arc<Mutex<dyn Write + Send>>;

/// Writes `text` (and a newline) to `w` in one locked step. Errors are
/// ignored, as they are for stdout: the program cannot do anything about
/// them.
pub fn write_to(w: &SharedWriter, text: &str, newline: bool) {
    let mut w = w.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = w.write_all(text.as_bytes());
    if newline {
        let _ = w.write_all(b"\n");
    }
    let _ = w.flush();
}

/// A flag that another thread raises to end the runs that watch it.
///
/// It is a generation counter rather than a boolean: a run remembers the
/// generation when it starts and ends when it changes, so triggering it
/// interrupts only the runs in progress, never a later one.
#[derive(Debug, Default)]
pub struct Interrupt {
    generation: AtomicU64,
}

impl Interrupt {
    /// A fresh, untriggered interrupt.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ends every run in progress that watches this interrupt.
    pub fn trigger(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The current generation (what a run remembers at its start).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
}

/// How one run is configured. See the [module docs](self).
#[derive(Clone)]
pub struct RunConfig {
    /// Worker threads (the calling thread is one of them); at least 1.
    pub workers: usize,
    /// Usable stack size of the first task (`main`, or the called function).
    pub stack_size: usize,
    /// When the run must end, if ever ([`crate::Outcome::TimedOut`]).
    pub deadline: Option<Instant>,
    /// An interrupt to watch, and its generation when the run started
    /// ([`crate::Outcome::Interrupted`]).
    pub interrupt: Option<(Arc<Interrupt>, u64)>,
    /// The most tasks alive at once, the first included; a `spawn` beyond
    /// it panics. `None`: no limit.
    pub max_tasks: Option<usize>,
    /// Where `print` and `println` write; `None`: the process's buffered
    /// stdout ([`crate::output`]).
    pub stdout: Option<SharedWriter>,
    /// Where `eprintln` and the runtime's reports (unobserved task panics,
    /// deadlocks) write; `None`: the process's stderr.
    pub stderr: Option<SharedWriter>,
    /// Keep the run's worker and ticker threads waiting for the next run
    /// instead of ending them (for a host that runs many short calls;
    /// see `sched::threads`).
    pub reuse_threads: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            workers: crate::sched::default_workers(),
            stack_size: crate::MAIN_STACK_SIZE,
            deadline: None,
            interrupt: None,
            max_tasks: None,
            stdout: None,
            stderr: None,
            reuse_threads: false,
        }
    }
}

impl std::fmt::Debug for RunConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunConfig")
            .field("workers", &self.workers)
            .field("stack_size", &self.stack_size)
            .field("deadline", &self.deadline)
            .field("interrupt", &self.interrupt.is_some())
            .field("max_tasks", &self.max_tasks)
            .field("stdout", &self.stdout.is_some())
            .field("stderr", &self.stderr.is_some())
            .field("reuse_threads", &self.reuse_threads)
            .finish()
    }
}

impl RunConfig {
    /// True when the ticker must watch the clock or an interrupt.
    pub(crate) fn has_limits(&self) -> bool {
        self.deadline.is_some() || self.interrupt.is_some()
    }

    /// The outcome that ends the run now, if a limit was reached.
    pub(crate) fn limit_reached(&self, now: Instant) -> Option<crate::Outcome> {
        if self.deadline.is_some_and(|d| now >= d) {
            return Some(crate::Outcome::TimedOut);
        }
        if let Some((i, generation)) = &self.interrupt {
            if i.generation() != *generation {
                return Some(crate::Outcome::Interrupted);
            }
        }
        None
    }

    /// Prints one line of a stderr stream (`eprintln`, a report).
    pub(crate) fn print_stderr_line(&self, text: &str) {
        match &self.stderr {
            Some(w) => {
                // Keep program order with buffered stdout on the same
                // terminal.
                if self.stdout.is_none() {
                    crate::output::flush_stdout();
                }
                write_to(w, text, true)
            }
            None => crate::output::print_stderr_line(text),
        }
    }
}
