//! The deadlock report: what every parked task waits on.
//!
//! Run by the last worker to go idle when no task is queued and no timer
//! is pending (`Local::go_idle`): then no task runs, none can be woken by
//! a timer, and every task that has started and not ended is parked on a
//! channel, a join or a select that only another parked task could
//! complete. Nothing runs while the report reads the tasks' wait info.
//!
//! ```text
//! deadlock: all tasks are blocked
//!   main: waiting to receive at prog.kr:5:13
//!   task 3 (in worker): waiting to send at prog.kr:2:25
//! ```
//!
//! One line per parked task, `main` first, then by task id (spawn order).
//! The function is the scope of the blocking call; `main`'s is shown only
//! when it is not `main` itself.

use std::sync::atomic::Ordering;

use super::run::{state, TaskRun};
use super::task::TaskObj;
use super::Shared;
use crate::panic::Outcome;

/// The report's first line.
pub const HEADLINE: &str = "deadlock: all tasks are blocked";

/// Builds the report, prints it on stderr (after flushing stdout) and ends
/// the program (or, in a REPL session, the input) with
/// [`Outcome::Deadlock`].
pub(crate) fn report(shared: &Shared) {
    let mut tasks: Vec<*mut TaskObj> = Vec::new();
    let main = shared.main_task.load(Ordering::Acquire);
    shared.stacks.for_each_task(|t| tasks.push(t));
    // SAFETY: registered tasks are alive (the runtime's reference).
    tasks.sort_by_key(|&t| unsafe { (*t).id() });
    let mut text = HEADLINE.to_string();
    for t in std::iter::once(main).chain(tasks) {
        // SAFETY: as above; nothing runs, so the wait info is stable, and
        // main and the tasks in stack slots have started and not ended.
        let (task, run) = unsafe { (&*t, &*(*t).run()) };
        if run.state.load(Ordering::Acquire) != state::PARKED {
            continue;
        }
        text.push('\n');
        text.push_str(&line(shared, task, run));
    }
    shared.config.print_stderr_line(&text);
    shared.deadlocked(Outcome::Deadlock { report: text });
}

/// One task's line, without the newline.
fn line(shared: &Shared, task: &TaskObj, run: &TaskRun) -> String {
    let wait = run.wait_info();
    let program = shared.program.get();
    let scope = usize::try_from(wait.func)
        .ok()
        .and_then(|f| program.scope_name(f));
    let mut s = if task.id() == 0 {
        match scope {
            Some(name) if &*name != "main" => format!("  main (in {name})"),
            _ => "  main".to_string(),
        }
    } else {
        match scope {
            Some(name) => format!("  task {} (in {name})", task.id()),
            None => format!("  task {}", task.id()),
        }
    };
    s.push_str(": ");
    s.push_str(wait.what);
    let loc = usize::try_from(wait.loc)
        .ok()
        .and_then(|l| program.locations.get(l));
    if let Some(loc) = loc {
        s.push_str(&format!(" at {loc}"));
    }
    s
}
